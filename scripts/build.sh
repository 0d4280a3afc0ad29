#!/usr/bin/env bash
# npm run build:services: compiles every service to JavaScript for production.
#   scripts/build.sh [OUT_DIR]   (default dist/)
# tsc (tsconfig.build.json) emits services/*/src and gen/ into OUT_DIR with the repository layout
# kept; then the files the code reads at run time through import.meta.url are copied beside it
# (gen/descriptors.binpb for reflection, services/shared/anpr-spec for the WSDL/XSD, the Novabox's
# drizzle migrations), and OUT_DIR/package.json is written: it is the package scope of every
# compiled file, so its "imports" send #shared/* and #gen/* to the compiled JavaScript while the
# root package.json keeps sending them to the TypeScript sources for tsx, Jest and tsc.
# Production runs `node OUT_DIR/services/<service>/src/server/main.js` with production
# dependencies only (node_modules is found by walking up from OUT_DIR, as usual).
#
# The Novabox and the router also get one bundled file, OUT_DIR/services/<service>/src/server/main.bundle.js (esbuild:
# its sources and its dependencies in one ES module, beside main.js so the files it reads through
# import.meta.url resolve the same). That is what deploy/systemd and deploy/docker run for both
# services: Node then reads and compiles one file instead of resolving and loading some 600
# modules one by one (issue 16, README "Performance"). Left out of the bundle and loaded from
# node_modules: better-sqlite3 (a native addon), @grpc/proto-loader (with protobufjs: grpc-js
# requires it only to serve channelz, which the box does not), and what the code loads itself on
# first use with createRequire (node-forge, @grpc/reflection, the OTLP exporter); pdf-lib, imported
# dynamically, becomes a chunk loaded on the first monthly account PDF. Whitespace and syntax are
# minified (names kept, so stack traces stay readable) and the output is ASCII: V8 then holds the
# source as a one-byte string instead of a two-byte one twice its size. In the Novabox's bundle a
# package's ES module build is preferred to its CommonJS one (`--main-fields=module,main`; packages
# with an "exports" map already resolve `import` to theirs): only ES modules can be tree-shaken, so
# it keeps the few OpenTelemetry semantic-convention constants the code uses instead of all 175 KB
# of them (a CommonJS `require` of the package index pulled in every one) — less source and fewer
# objects in the appliance's heap (issue 16; with zod/mini for its configuration, 2.5 -> 1.7 MB).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$(realpath -m "${1:-$root/dist}")"
cd "$root"

rm -rf "$out/services" "$out/gen"
npx --no-install tsc -p tsconfig.build.json --outDir "$out"

mkdir -p "$out/services/shared" "$out/services/novabox" "$out/gen"
cp gen/descriptors.binpb "$out/gen/descriptors.binpb"
cp -r services/shared/anpr-spec "$out/services/shared/anpr-spec"
cp -r services/novabox/drizzle "$out/services/novabox/drizzle"

node -e '
const fs = require("node:fs");
const root = JSON.parse(fs.readFileSync("package.json", "utf8"));
const out = process.argv[1];
const dist = {
  name: `${root.name}-dist`,
  version: root.version,
  private: true,
  description: "Compiled output of " + root.name + " (scripts/build.sh); run with node, production dependencies only.",
  type: "module",
  engines: root.engines,
  imports: { "#shared/*": "./services/shared/src/*", "#gen/*": "./gen/*" },
};
fs.writeFileSync(`${out}/package.json`, JSON.stringify(dist, null, 2) + "\n");
' "$out"
# One-file bundles of the Novabox and of the router: Node then reads and compiles one file at start
# instead of resolving and loading hundreds of modules (the router's start CPU goes from ~0.8 s to
# ~0.3 s, measured on the compiled router; a new router joining at national scale serves sooner,
# bench/directory-scale). The banner gives the CommonJS code inside an ES module the `require` it
# calls for Node's built-in modules.
bundle() {
  local service="$1"
  shift
  rm -f "$out"/services/"$service"/src/server/main.bundle*.js
  npx --no-install esbuild services/"$service"/src/server/main.ts \
    --bundle --platform=node --format=esm --target=node20 --splitting \
    --outdir="$out/services/$service/src/server" --entry-names='[name].bundle' --chunk-names='main.bundle.[name]-[hash]' \
    --external:@grpc/proto-loader "$@" --legal-comments=none --minify-whitespace --minify-syntax --charset=ascii --log-level=warning \
    --banner:js='import { createRequire as __novaboxCreateRequire } from "node:module"; const require = __novaboxCreateRequire(import.meta.url);'
}
bundle novabox --external:better-sqlite3 --main-fields=module,main
bundle router

echo "compiled services into $out" >&2
