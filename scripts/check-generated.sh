#!/usr/bin/env bash
# Fails when gen/ (committed) differs from what `npm run generate` makes from the protos now:
# generated code is committed so a fresh clone typechecks without buf, and this keeps it honest.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r gen "$tmp/committed"
npm run --silent generate >/dev/null
if ! diff -r "$tmp/committed" gen >"$tmp/diff" 2>&1; then
  echo "gen/ is out of date with proto/: run 'npm run generate' and commit the result." >&2
  head -50 "$tmp/diff" >&2
  rm -rf gen && cp -r "$tmp/committed" gen
  exit 1
fi
echo "gen/ matches proto/"
