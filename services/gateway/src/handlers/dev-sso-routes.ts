/**
 * The development SSO over plain HTTP, for the console and for scripts (curl):
 *
 * - `GET /dev-sso/jwks.json` — the verification key as a JWK Set with its `kid` (what a Novabox's
 *   `sso_jwks_url` points at: the same rotating-key path as a production identity provider);
 * - `GET /dev-sso/public-key` — the verification key, PEM (the former single-key setting);
 * - `POST /dev-sso/token` with JSON `{ "tobacconistId": "TAB-0001", "name": "..." }`, or `GET
 *   /dev-sso/token?tobacconistId=TAB-0001&name=...` — `{ token, expiresAt, tobacconistId, name }`;
 * - `GET /dev-sso/tobacconists` — the demo tobacconists it accepts.
 *
 * Errors answer JSON `{ error, reason }` with 400 (bad request), 403 (not a demo tobacconist), 404,
 * 405. Mounted only when GATEWAY_DEV_SSO=true.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { isDomainError } from "#shared/runtime/domain-error.js";
import type { DevSsoIssuer } from "../domain/dev-sso.js";
import type { Log } from "#shared/runtime/log.js";

/** The path prefix of the development SSO. */
export const devSsoPrefix = "/dev-sso/";

/** Options of {@link createDevSsoRoutes}. */
export interface DevSsoRoutesOptions {
  issuer: DevSsoIssuer;
  /** The verification key, SPKI PEM. */
  publicKeyPem: string;
  /** The verification key as a JWK Set (JSON text). */
  jwks: string;
  /** Where unexpected failures are logged. */
  logger?: Pick<Log, "error">;
}

/** Handles a request under {@link devSsoPrefix}; resolves when the answer has been sent. */
export type DevSsoRoutes = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

const maxBodyBytes = 16 * 1024;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res
    .writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" })
    .end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) throw new RequestError(413, "the request body is too large");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function tokenRequest(req: IncomingMessage, url: URL): Promise<{ tobacconistId: string; name?: string }> {
  if (req.method === "GET") {
    const name = url.searchParams.get("name");
    return { tobacconistId: url.searchParams.get("tobacconistId") ?? "", ...(name ? { name } : {}) };
  }
  let body: unknown;
  try {
    body = JSON.parse((await readBody(req)) || "{}");
  } catch (err) {
    if (err instanceof RequestError) throw err;
    throw new RequestError(400, 'the body is not JSON: send {"tobacconistId":"TAB-0001"}');
  }
  if (typeof body !== "object" || body === null)
    throw new RequestError(400, 'the body must be a JSON object: {"tobacconistId":"TAB-0001"}');
  const { tobacconistId, name } = body as Record<string, unknown>;
  if (typeof tobacconistId !== "string") throw new RequestError(400, "tobacconistId must be a string, e.g. TAB-0001");
  if (name !== undefined && typeof name !== "string") throw new RequestError(400, "name must be a string");
  return { tobacconistId, ...(name ? { name } : {}) };
}

/** Creates the development SSO's request handler. */
export function createDevSsoRoutes(options: DevSsoRoutesOptions): DevSsoRoutes {
  return async (req, res) => {
    const url = new URL(req.url ?? "/", "http://gateway");
    const path = url.pathname.slice(devSsoPrefix.length);
    try {
      switch (path) {
        case "public-key":
          if (req.method !== "GET" && req.method !== "HEAD") throw new RequestError(405, "use GET");
          res.writeHead(200, { "Content-Type": "application/x-pem-file" }).end(options.publicKeyPem);
          return;
        case "jwks.json":
          if (req.method !== "GET" && req.method !== "HEAD") throw new RequestError(405, "use GET");
          res
            .writeHead(200, { "Content-Type": "application/jwk-set+json", "Cache-Control": "no-store" })
            .end(options.jwks);
          return;
        case "tobacconists":
          if (req.method !== "GET") throw new RequestError(405, "use GET");
          sendJson(res, 200, { tobacconists: options.issuer.tobacconists });
          return;
        case "token": {
          if (req.method !== "GET" && req.method !== "POST")
            throw new RequestError(405, "use POST with JSON, or GET with ?tobacconistId=");
          const issued = await options.issuer.issue(await tokenRequest(req, url));
          sendJson(res, 200, {
            token: issued.token,
            expiresAt: issued.expiresAt.toISOString(),
            tobacconistId: issued.tobacconistId,
            name: issued.name,
          });
          return;
        }
        default:
          throw new RequestError(
            404,
            "unknown development SSO endpoint: use /dev-sso/token, /dev-sso/jwks.json, /dev-sso/public-key or /dev-sso/tobacconists",
          );
      }
    } catch (err) {
      if (err instanceof RequestError) return sendJson(res, err.status, { error: err.message, reason: "BAD_REQUEST" });
      if (isDomainError(err))
        return sendJson(res, err.kind === "forbidden" ? 403 : err.kind === "invalid-input" ? 400 : 500, {
          error: err.message,
          reason: err.reason,
        });
      options.logger?.error({ err }, "development SSO failed");
      sendJson(res, 500, { error: "the development SSO failed; see the gateway log", reason: "INTERNAL" });
    }
  };
}
