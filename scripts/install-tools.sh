#!/usr/bin/env bash
# Installs, idempotently, the tools the tests need that npm does not bring:
#   - Debian packages: chromium, xmlsec1, libxml2-utils (xmllint), poppler-utils (pdfinfo), redis-server
#   - consul, grpcurl, ghz and h2spec, built with Go from the Go module proxy
# Built binaries are cached in $NOVABOX_TOOLS_DIR (default ~/.cache/novabox/tools/bin), keyed by
# version, so a second run only checks them. Prints the directory to put on PATH as its last line.
set -euo pipefail

CONSUL_VERSION="${CONSUL_VERSION:-v1.14.11}"
GRPCURL_VERSION="${GRPCURL_VERSION:-v1.9.3}"
GHZ_VERSION="${GHZ_VERSION:-v0.120.0}"
H2SPEC_VERSION="${H2SPEC_VERSION:-v2.2.1+incompatible}"
TOOLS_DIR="${NOVABOX_TOOLS_DIR:-$HOME/.cache/novabox/tools}"
BIN="$TOOLS_DIR/bin"
mkdir -p "$BIN"
# One installer at a time per cache (several `npm test` runs may start together): the others wait,
# then find everything cached.
if command -v flock >/dev/null; then exec 9>"$TOOLS_DIR/.lock"; flock 9; fi

log() { printf '[install-tools] %s\n' "$*" >&2; }

# --- Debian packages -------------------------------------------------------------------------
apt_packages=(chromium xmlsec1 libxml2-utils poppler-utils redis-server)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  log "apt-get install ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  log "apt packages present: ${apt_packages[*]}"
fi

# --- Go-built tools ----------------------------------------------------------------------------
# Go is needed only when something must be built: with every tool cached (the usual case, since
# `npm test` runs this script first every time) the script only checks stamps and exits.
need_go() { command -v go >/dev/null || { log "go is required to build consul, grpcurl and ghz (https://go.dev/dl/), then run this again"; exit 1; }; }
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"
export GOTOOLCHAIN=local

# stamp_ok NAME VERSION: the cached binary was built from VERSION.
stamp_ok() { [ -x "$BIN/$1" ] && [ "$(cat "$BIN/.$1.version" 2>/dev/null)" = "$2" ]; }
stamp() { printf '%s\n' "$2" > "$BIN/.$1.version"; }

go_install() { # NAME PACKAGE VERSION
  local name=$1 pkg=$2 version=$3
  if stamp_ok "$name" "$version"; then log "$name $version cached"; return; fi
  log "building $name $version"
  need_go
  GOBIN="$BIN" go install "$pkg@$version"
  stamp "$name" "$version"
}

go_install grpcurl github.com/fullstorydev/grpcurl/cmd/grpcurl "$GRPCURL_VERSION"
go_install ghz github.com/bojand/ghz/cmd/ghz "$GHZ_VERSION"

# h2spec (HTTP/2 conformance, RFC 7540/9113 + RFC 7541) has no go.mod: `go install pkg@version` would
# take whatever its dependencies' latest versions are that day. Build it in a throwaway module that
# pins them, so the binary is the same on every machine.
if stamp_ok h2spec "$H2SPEC_VERSION"; then
  log "h2spec $H2SPEC_VERSION cached"
else
  log "building h2spec $H2SPEC_VERSION"
  need_go
  h2work=$(mktemp -d)
  (
    cd "$h2work"
    go mod init novabox.local/h2spec-build >/dev/null 2>&1
    go get "github.com/summerwind/h2spec@$H2SPEC_VERSION" golang.org/x/net@v0.62.0 \
      github.com/spf13/cobra@v1.10.2 github.com/spf13/pflag@v1.0.9 github.com/fatih/color@v1.19.0 \
      github.com/mattn/go-colorable@v0.1.14 github.com/mattn/go-isatty@v0.0.20 >/dev/null 2>&1
    go build -trimpath -o "$BIN/h2spec" github.com/summerwind/h2spec/cmd/h2spec
  )
  rm -rf "$h2work"
  stamp h2spec "$H2SPEC_VERSION"
fi

# consul 1.14 is the newest release whose sub-modules the Go module proxy serves in full (1.15+
# need consul/envoyextensions and consul/troubleshoot, which it does not have).
# consul's go.mod replaces its own sub-modules with ./api, ./sdk, ... which a module download
# does not contain: download each sub-module at the version consul requires and point the
# replace directives at those downloads, then build.
if stamp_ok consul "$CONSUL_VERSION"; then
  log "consul $CONSUL_VERSION cached"
else
  log "building consul $CONSUL_VERSION (several minutes on 2 cores)"
  need_go
  mod_dir() { go mod download -json "$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p'; }
  src=$(mod_dir "github.com/hashicorp/consul@$CONSUL_VERSION")
  work=$(mktemp -d)
  trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
  cp -r "$src" "$work/consul"
  chmod -R u+w "$work/consul"
  cd "$work/consul"
  awk '$1 ~ /^github\.com\/hashicorp\/consul\// && $2 ~ /^v[0-9]/ { print $1, $2 }' go.mod |
    while read -r sub ver; do
      go mod edit -replace="$sub=$(mod_dir "$sub@$ver")"
    done
  go build -mod=mod -trimpath -o "$BIN/consul" .
  cd - >/dev/null
  stamp consul "$CONSUL_VERSION"
fi

"$BIN/consul" version | sed -n 1p >&2
"$BIN/grpcurl" -version >&2 2>&1 || true
echo "$BIN"
