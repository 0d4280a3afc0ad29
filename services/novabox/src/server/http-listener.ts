/**
 * The Novabox's HTTP/1.1 listener for browsers: ConfigService over Connect and gRPC-web (the admin
 * panel's API), with CORS, and the admin UI's static files when a build folder is given. Browsers
 * cannot speak h2c, so this is separate from the gRPC listener.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createReadStream, existsSync, statSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { extname, join, normalize, resolve } from "node:path";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { ConnectRouter } from "@connectrpc/connect";
import { connectCorsHeaders } from "#shared/connect-adapter.js";

const contentTypes: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json",
  ".ico": "image/x-icon",
};

/** Options for {@link createHttpListener}. */
export interface HttpListenerOptions {
  /** Registers the Connect services. */
  routes: (router: ConnectRouter) => void;
  /** The admin UI's build folder (index.html and assets); omitted = API only. */
  webDir?: string;
  /** Origins allowed by CORS; default any (the API is authenticated by bearer tokens, not cookies). */
  allowedOrigins?: readonly string[];
}

/** A listener that is not yet listening. */
export interface HttpListener {
  listen(port: number, host: string): Promise<number>;
  close(): Promise<void>;
}

function serveStatic(webDir: string, req: IncomingMessage, res: ServerResponse): void {
  const root = resolve(webDir);
  const url = new URL(req.url ?? "/", "http://box");
  let file = normalize(join(root, decodeURIComponent(url.pathname)));
  if (!file.startsWith(root)) {
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

/** Creates the listener. */
export function createHttpListener(options: HttpListenerOptions): HttpListener {
  const connect = connectNodeAdapter({
    routes: options.routes,
    fallback: (req, res) => {
      if (options.webDir && (req.method === "GET" || req.method === "HEAD")) return serveStatic(options.webDir, req as IncomingMessage, res as ServerResponse);
      (res as ServerResponse).writeHead(404, { "Content-Type": "text/plain" }).end("not found");
    },
  });
  const server: Server = createServer((req, res) => {
    const origin = req.headers.origin;
    if (origin && (!options.allowedOrigins || options.allowedOrigins.includes(origin))) {
      res.setHeader("Access-Control-Allow-Origin", origin);
      res.setHeader("Vary", "Origin");
      res.setHeader("Access-Control-Expose-Headers", connectCorsHeaders.exposedHeaders.join(", "));
    }
    if (req.method === "OPTIONS") {
      res.writeHead(204, {
        "Access-Control-Allow-Methods": connectCorsHeaders.allowedMethods.join(", "),
        "Access-Control-Allow-Headers": connectCorsHeaders.allowedHeaders.join(", "),
        "Access-Control-Max-Age": "7200",
      });
      res.end();
      return;
    }
    connect(req, res);
  });
  return {
    listen(port, host) {
      return new Promise((resolve_, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => resolve_((server.address() as AddressInfo).port));
      });
    },
    close() {
      return new Promise((resolve_) => {
        server.closeAllConnections();
        server.close(() => resolve_());
      });
    },
  };
}
