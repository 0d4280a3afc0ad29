/**
 * Loads a CommonJS package on first use instead of at import time. A Novabox loads everything it
 * imports before it can serve (issue 16: an appliance that starts fast and stays small), so a
 * package that only some calls need — node-forge, which only a PKCS#12 upload, a certificate issued
 * by the development PKI or the admin panel's first self-signed certificate use — stays unloaded
 * (neither read, compiled nor held in memory) until one of those calls happens.
 *
 * `lazyRequire<typeof import("x")>("x")` returns a stand-in whose first property read loads the
 * package with Node's `require` (resolved from this file, so the compiled output and the esbuild
 * bundle find it in node_modules like any dependency; the bundle leaves it out), and forwards every
 * read to it from then on. Import the package's types with `import type * as X from "x"`.
 */
import { createRequire } from "node:module";

/** A stand-in for the package `specifier`, loaded on the first property read. */
export function lazyRequire<T extends object>(specifier: string): T {
  let loaded: T | undefined;
  const load = (): T => (loaded ??= createRequire(import.meta.url)(specifier) as T);
  return new Proxy({} as T, {
    get: (_target, property) => Reflect.get(load(), property) as unknown,
    has: (_target, property) => Reflect.has(load(), property),
  });
}
