/**
 * The Novabox's HTTP/1.1 listener for browsers: ConfigService over Connect and gRPC-web (the admin
 * panel's API), with CORS, and the admin UI's static files when a build folder is given. Browsers
 * cannot speak h2c, so this is separate from the gRPC listener. HTTPS when given a certificate
 * (admin-tls.ts decides: always, unless the box listens on loopback only).
 */
import { createServer, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { ConnectRouter, Interceptor } from "@connectrpc/connect";
import { stampPeerAddress } from "#shared/rpc/connect-adapter.js";
import { applyCors, createStaticFiles } from "#shared/rpc/http-door.js";
import type { OpsHttpHandler } from "#shared/rpc/ops-http.js";

/** Options for {@link createHttpListener}. */
export interface HttpListenerOptions {
  /** Registers the Connect services. */
  routes: (router: ConnectRouter) => void;
  /** The admin UI's build folder (index.html and assets); omitted = API only. */
  webDir?: string;
  /** Origins allowed by CORS; default any (the API is authenticated by bearer tokens, not cookies). */
  allowedOrigins?: readonly string[];
  /** Serve HTTPS with this certificate (PEM, may include the chain) and key; omitted = plain HTTP. */
  tls?: { certificatePem: string; privateKeyPem: string };
  /** Connect interceptors of every call (traces, metrics, access log, request id). */
  interceptors?: Interceptor[];
  /** /metrics, /healthz and /readyz, served before anything else. */
  ops?: OpsHttpHandler;
}

/** A listener that is not yet listening. */
export interface HttpListener {
  listen(port: number, host: string): Promise<number>;
  close(): Promise<void>;
}

/** Creates the listener. */
export function createHttpListener(options: HttpListenerOptions): HttpListener {
  const staticFiles = options.webDir ? createStaticFiles(options.webDir) : undefined;
  const connect = connectNodeAdapter({
    routes: options.routes,
    ...(options.interceptors ? { interceptors: options.interceptors } : {}),
    fallback: (req, res) => {
      if (staticFiles && (req.method === "GET" || req.method === "HEAD"))
        return staticFiles(req, res as ServerResponse);
      (res as ServerResponse).writeHead(404, { "Content-Type": "text/plain" }).end("not found");
    },
  });
  const handler = (req: Parameters<typeof connect>[0], res: ServerResponse) => {
    if (options.ops?.(req, res)) return;
    if (applyCors(req, res, options.allowedOrigins)) return;
    stampPeerAddress(req);
    connect(req, res);
  };
  const server: Server = options.tls
    ? createHttpsServer(
        { cert: options.tls.certificatePem, key: options.tls.privateKeyPem, minVersion: "TLSv1.2" },
        handler,
      )
    : createServer(handler);
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
