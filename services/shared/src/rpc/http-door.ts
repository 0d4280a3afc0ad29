/**
 * The browser-facing pieces every HTTP listener of the mesh shares (a Novabox's admin door, the
 * gateway): CORS for Connect / gRPC-web calls and the static files of a built web app with a
 * single-page-app fallback to index.html.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { createReadStream, existsSync, statSync } from "node:fs";
import { extname, join, normalize, resolve, sep } from "node:path";
import { connectCorsHeaders } from "./connect-adapter.js";

const contentTypes: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
};

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

/**
 * Serves `req`'s path from the build folder `webDir`; unknown paths get index.html (client-side
 * routes). Paths escaping the folder are refused.
 */
export function serveStatic(webDir: string, req: { url?: string | undefined }, res: ServerResponse): void {
  const root = resolve(webDir);
  const url = new URL(req.url ?? "/", "http://door");
  let file: string;
  try {
    file = normalize(join(root, decodeURIComponent(url.pathname)));
  } catch {
    res.writeHead(400).end();
    return;
  }
  if (file !== root && !file.startsWith(root + sep)) {
    res.writeHead(403).end();
    return;
  }
  if (!existsSync(file) || statSync(file).isDirectory()) file = join(root, "index.html");
  if (!existsSync(file)) {
    res.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
    return;
  }
  res.writeHead(200, { "Content-Type": contentTypes[extname(file)] ?? "application/octet-stream" });
  createReadStream(file).pipe(res);
}
