/**
 * The gateway's two listeners, sharing one connect-node handler:
 *
 * - HTTP/1.1 for browsers (Connect, gRPC-web, and gRPC over HTTP/1.1 where a client can), with CORS
 *   (TOOLCHAIN.md: browsers cannot speak h2c), the development SSO endpoints and the console's
 *   static files;
 * - h2c (cleartext HTTP/2) for gRPC clients such as grpcurl or connect-node's gRPC transport.
 *
 * Closing destroys open HTTP/2 sessions and HTTP/1.1 connections: connect clients keep pooled
 * sessions alive, and a graceful close would otherwise wait for them forever.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import {
  createServer as createHttp2Server,
  type Http2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type ServerHttp2Session,
} from "node:http2";
import type { AddressInfo } from "node:net";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { ConnectRouter, Interceptor } from "@connectrpc/connect";
import { stampPeerAddress } from "#shared/rpc/connect-adapter.js";
import { applyCors, createStaticFiles } from "#shared/rpc/http-door.js";
import type { OpsHttpHandler } from "#shared/rpc/ops-http.js";
import { devSsoPrefix, type DevSsoRoutes } from "../handlers/dev-sso-routes.js";
import type { Log } from "#shared/runtime/log.js";

/** Options for {@link createGatewayListeners}. */
export interface GatewayListenersOptions {
  /** Registers the Connect services. */
  routes: (router: ConnectRouter) => void;
  /** The development SSO endpoints; omitted = off (production). */
  devSso?: DevSsoRoutes;
  /** The Novares console build (index.html and assets); omitted = API only. */
  webDir?: string;
  /** What the console reads at start from `GET /console-config.json` (its sign-in issuer and client id). */
  consoleConfig?: Record<string, unknown>;
  /** Origins allowed by CORS; default any (calls are authenticated by bearer tokens, not cookies). */
  allowedOrigins?: readonly string[];
  /** Connect interceptors of every call (traces, metrics, access log, request id). */
  interceptors?: Interceptor[];
  /** /metrics, /healthz and /readyz, served on both listeners before anything else. */
  ops?: OpsHttpHandler;
  /** Where failures of the raw HTTP layer are logged. */
  logger?: Pick<Log, "error">;
}

/** The two listeners, not yet listening. */
export interface GatewayListeners {
  /** Starts the HTTP/1.1 listener; resolves to the bound port (0 = any free port). */
  listenHttp(port: number, host: string): Promise<number>;
  /** Starts the h2c listener; resolves to the bound port. */
  listenH2c(port: number, host: string): Promise<number>;
  /** Closes both, dropping open connections and sessions. */
  close(): Promise<void>;
}

type AnyRequest = IncomingMessage | Http2ServerRequest;
type AnyResponse = ServerResponse | Http2ServerResponse;

function listen(server: Server | Http2Server, port: number, host: string): Promise<number> {
  return new Promise((resolve_, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve_((server.address() as AddressInfo).port);
    });
  });
}

/** Creates the listeners. */
export function createGatewayListeners(options: GatewayListenersOptions): GatewayListeners {
  const staticFiles = options.webDir ? createStaticFiles(options.webDir) : undefined;
  const connect = connectNodeAdapter({
    routes: options.routes,
    ...(options.interceptors ? { interceptors: options.interceptors } : {}),
    fallback: (req, res) => {
      const response = res as unknown as ServerResponse;
      if (staticFiles && (req.method === "GET" || req.method === "HEAD")) return staticFiles(req, response);
      response.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
    },
  });

  const handle = (req: AnyRequest, res: AnyResponse) => {
    if (options.ops?.(req, res)) return;
    if (applyCors(req, res, options.allowedOrigins)) return;
    if (options.devSso && (req.url ?? "").startsWith(devSsoPrefix)) {
      options.devSso(req as IncomingMessage, res as ServerResponse).catch((err: unknown) => {
        options.logger?.error({ err }, "development SSO request failed");
        if (!res.headersSent) res.writeHead(500).end();
      });
      return;
    }
    if (options.consoleConfig && (req.url ?? "").split("?")[0] === "/console-config.json" && req.method === "GET") {
      (res as ServerResponse)
        .writeHead(200, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" })
        .end(JSON.stringify(options.consoleConfig));
      return;
    }
    stampPeerAddress(req);
    connect(req, res);
  };

  const http = createServer(handle);
  const h2c = createHttp2Server(handle);
  const sessions = new Set<ServerHttp2Session>();
  h2c.on("session", (session: ServerHttp2Session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  const closeServer = (server: Server | Http2Server) =>
    new Promise<void>((resolve_) => {
      if (!server.listening) return resolve_();
      server.close(() => resolve_());
    });

  return {
    listenHttp: (port, host) => listen(http, port, host),
    listenH2c: (port, host) => listen(h2c, port, host),
    async close() {
      const closed = Promise.all([closeServer(http), closeServer(h2c)]);
      http.closeAllConnections();
      for (const session of sessions) session.destroy();
      await closed;
    },
  };
}
