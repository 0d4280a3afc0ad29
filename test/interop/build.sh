#!/usr/bin/env bash
# Builds the Java interop tools the Jest interop tests drive (test/interop/*.test.ts):
#   wss4j-harness/                       Apache WSS4J 3.0.x builders and stock validators (our code)
#   third_party/anpr-client-example/     the official ANPR sample client (BSD, see its LICENSE)
# Maven's repository stays in ~/.m2 (outside the clone), so a second run downloads nothing; a
# project whose sources are older than its build output is not rebuilt at all. Idempotent.
# Prints the build time of each project.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
command -v java >/dev/null || { echo "java (17) is required: apt-get install openjdk-17-jdk-headless" >&2; exit 1; }
command -v mvn >/dev/null || { echo "maven is required: apt-get install maven" >&2; exit 1; }

build() {
  local dir="$1" stamp="$1/target/.novabox-built"
  if [[ -f "$stamp" ]] && [[ -z "$(find "$dir" -path "$dir/target" -prune -o -type f -newer "$stamp" -print -quit)" ]]; then
    echo "$(basename "$dir"): up to date"
    return
  fi
  local start=$(date +%s)
  (cd "$dir" && mvn -B -q -DskipTests package)
  touch "$stamp"
  echo "$(basename "$dir"): built in $(( $(date +%s) - start )) s"
}

build "$here/wss4j-harness"
if [[ -f "$here/third_party/anpr-client-example/pom.xml" ]]; then
  build "$here/third_party/anpr-client-example"
fi
