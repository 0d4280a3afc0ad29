/**
 * The browser-facing pieces every HTTP listener of the mesh shares (a Novabox's admin door, the
 * gateway): CORS for Connect / gRPC-web calls and the static files of a built web app, served by
 * `sirv` (https://github.com/lukeed/sirv) with a single-page-app fallback to index.html.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import sirv from "sirv";
import { connectCorsHeaders } from "./connect-adapter.js";

/**
 * Adds the CORS headers for an allowed `Origin` (any origin when `allowedOrigins` is omitted: calls
 * carry bearer tokens, not cookies) and answers a preflight. Returns true when the request was a
 * preflight and has been answered.
 */
export function applyCors(
  req: IncomingMessage | Http2ServerRequest,
  res: ServerResponse | Http2ServerResponse,
  allowedOrigins?: readonly string[],
): boolean {
  const origin = req.headers.origin;
  if (origin && (!allowedOrigins || allowedOrigins.includes(origin))) {
    res.setHeader("Access-Control-Allow-Origin", origin);
    res.setHeader("Vary", "Origin");
    res.setHeader("Access-Control-Expose-Headers", connectCorsHeaders.exposedHeaders.join(", "));
  }
  if (req.method !== "OPTIONS") return false;
  res.writeHead(204, {
    "Access-Control-Allow-Methods": connectCorsHeaders.allowedMethods.join(", "),
    "Access-Control-Allow-Headers": connectCorsHeaders.allowedHeaders.join(", "),
    "Access-Control-Max-Age": "7200",
  });
  res.end();
  return true;
}

/** Answers a GET or HEAD with a file of the web app (or index.html, or 404). */
export type StaticFiles = (
  req: IncomingMessage | Http2ServerRequest,
  res: ServerResponse | Http2ServerResponse,
) => void;

/** Cache rule for Vite's content-hashed output (`/assets/name-HASH.js`): a new build means new names. */
const hashedAssets = "public, max-age=31536000, immutable";

/**
 * Serves the build folder `webDir` (Vite output: index.html plus content-hashed files under
 * /assets/). The folder is listed once, here (sirv's production mode), so only files present at
 * start can ever be served: a rebuilt app needs a restart, and no request path can reach outside the
 * folder. Paths with an extension that are not in the build answer 404; other paths (the app's
 * client-side routes) get index.html. A path with a `..` segment (raw or percent-encoded) is refused
 * with 404 before any lookup. index.html is revalidated on every load (`no-cache`, ETag), hashed
 * assets are cached for a year.
 *
 * Throws when `webDir` is not a folder, so a mistyped setting fails at start instead of serving 404s.
 */
export function createStaticFiles(webDir: string): StaticFiles {
  const root = resolve(webDir);
  if (!existsSync(root) || !statSync(root).isDirectory())
    throw new Error(`web app folder ${root} does not exist: build it (npm run build:web) or unset the setting`);
  const serve = sirv(root, {
    single: true,
    etag: true,
    setHeaders: (res, pathname) =>
      res.setHeader("Cache-Control", pathname.startsWith("/assets/") ? hashedAssets : "no-cache"),
  });
  return (req, res) => {
    const plain = res as ServerResponse;
    const notFound = () => void plain.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
    if (escapesRoot(req.url ?? "/")) return notFound();
    serve(req as IncomingMessage, plain, notFound);
  };
}

/** True when the path part of `url` has a `..` segment, a backslash or a NUL, raw or percent-encoded. */
function escapesRoot(url: string): boolean {
  const path = url.split(/[?#]/, 1)[0] ?? "";
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return true;
  }
  return decoded.includes("\0") || decoded.includes("\\") || decoded.split("/").includes("..");
}
