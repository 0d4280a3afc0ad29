/**
 * The operator's HTTP endpoints every service serves beside its API: `GET /metrics` (Prometheus
 * exposition of the process's registry), `GET /healthz` (liveness: the process answers) and
 * `GET /readyz` (readiness: 200 when the service can do its job, 503 with the reason otherwise),
 * for load balancers, Kubernetes-style probes and Prometheus.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import type { Observability } from "../runtime/observability.js";

/** Whether the service can serve now, and why not. */
export interface Readiness {
  ready: boolean;
  /** A sentence an operator can act on, when not ready. */
  reason?: string;
}

/** Options of {@link createOpsHttpHandler}. */
export interface OpsHttpOptions {
  observability: Observability;
  /** Readiness; default always ready. */
  readiness?: () => Readiness | Promise<Readiness>;
}

/** Handles the request when it is one of the ops endpoints (returns true), otherwise leaves it (false). */
export type OpsHttpHandler = (
  req: IncomingMessage | Http2ServerRequest,
  res: ServerResponse | Http2ServerResponse,
) => boolean;

/** The paths served by {@link createOpsHttpHandler}. */
export const opsPaths: readonly string[] = ["/metrics", "/healthz", "/readyz"];

/** Creates the handler of the ops endpoints. */
export function createOpsHttpHandler(options: OpsHttpOptions): OpsHttpHandler {
  const send = (res: ServerResponse | Http2ServerResponse, status: number, contentType: string, body: string) => {
    (res as ServerResponse).writeHead(status, { "Content-Type": contentType, "Cache-Control": "no-store" }).end(body);
  };
  return (req, res) => {
    const path = (req.url ?? "").split("?")[0] ?? "";
    if (!opsPaths.includes(path) || (req.method !== "GET" && req.method !== "HEAD")) return false;
    const fail = (err: unknown) => {
      if (!res.headersSent)
        send(res, 500, "text/plain; charset=utf-8", `${err instanceof Error ? err.message : String(err)}\n`);
    };
    if (path === "/metrics") {
      options.observability.scrape().then(({ contentType, body }) => send(res, 200, contentType, body), fail);
    } else if (path === "/healthz") {
      send(res, 200, "text/plain; charset=utf-8", "ok\n");
    } else {
      Promise.resolve()
        .then(() => options.readiness?.() ?? { ready: true })
        .then(
          (r) =>
            send(
              res,
              r.ready ? 200 : 503,
              "application/json",
              `${JSON.stringify({ ready: r.ready, ...(r.reason ? { reason: r.reason } : {}) })}\n`,
            ),
          fail,
        );
    }
    return true;
  };
}

/** A running ops listener (for a service with no HTTP listener of its own, like the router). */
export interface OpsHttpServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Serves only the ops endpoints on `host:port` (0 = any free port); anything else is 404. */
export async function startOpsHttpServer(handler: OpsHttpHandler, host: string, port: number): Promise<OpsHttpServer> {
  const server = createServer((req, res) => {
    if (!handler(req, res)) res.writeHead(404, { "Content-Type": "text/plain" }).end("not found\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
