/**
 * The development SSO over plain HTTP, for the console and for scripts (curl):
 *
 * - `GET /dev-sso/jwks.json` — the verification key as a JWK Set with its `kid` (what a Novabox's
 *   `sso_jwks_url` points at: the same rotating-key path as a production identity provider);
 * - `GET /dev-sso/public-key` — the verification key, PEM (the former single-key setting);
 * - `POST /dev-sso/token` with JSON `{ "tobacconistId": "TAB-0001", "name": "..." }`, or `GET
 *   /dev-sso/token?tobacconistId=TAB-0001&name=...` — `{ token, expiresAt, tobacconistId, name }`;
 * - `GET /dev-sso/tobacconists` — the demo tobacconists it accepts;
 * - OpenID Connect (authorization code + PKCE, ../domain/dev-oidc.ts), what the console signs in with:
 *   `GET /dev-sso/.well-known/openid-configuration` (OpenID Connect Discovery 1.0 §3, with the
 *   issuer `/dev-sso` on this gateway), `GET|POST /dev-sso/authorize` (the login form: choose a demo
 *   tobacconist) and `POST /dev-sso/oauth/token` (form-encoded, RFC 6749 §4.1.3 + RFC 7636 §4.5).
 *
 * Errors answer JSON `{ error, reason }` with 400 (bad request), 403 (not a demo tobacconist), 404,
 * 405. Mounted only when GATEWAY_DEV_SSO=true.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { isDomainError } from "#shared/runtime/domain-error.js";
import type { DevSsoIssuer } from "../domain/dev-sso.js";
import { OAuthError, type AuthorizationRequest, type DevOidcProvider } from "../domain/dev-oidc.js";
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
  /** The OpenID Connect provider (authorize, token); omitted = only the JSON endpoints. */
  oidc?: DevOidcProvider;
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

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );
}

/** A small page of the provider itself (login form or an error it must not redirect). */
function sendPage(res: ServerResponse, status: number, title: string, body: string): void {
  res
    .writeHead(status, {
      "Content-Type": "text/html; charset=utf-8",
      "Cache-Control": "no-store",
      "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
      "X-Frame-Options": "DENY",
    })
    .end(
      `<!doctype html><html lang="it"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">` +
        `<title>${escapeHtml(title)}</title><style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#1b1b1b}` +
        `label{display:block;margin:1rem 0 .3rem;font-weight:600}select,button{font-size:1rem;padding:.4rem .6rem}` +
        `.actions{margin-top:1.2rem;display:flex;gap:.6rem}</style></head><body><main>${body}</main></body></html>`,
    );
}

/** Sends the browser back to the client with the authorization response (RFC 6749 §4.1.2, RFC 9207 `iss`). */
function redirectBack(
  res: ServerResponse,
  request: Pick<AuthorizationRequest, "redirectUri" | "state">,
  issuer: string,
  params: Record<string, string>,
): void {
  const target = new URL(request.redirectUri);
  for (const [name, value] of Object.entries(params)) target.searchParams.set(name, value);
  if (request.state) target.searchParams.set("state", request.state);
  target.searchParams.set("iss", issuer);
  res.writeHead(302, { Location: target.toString(), "Cache-Control": "no-store" }).end();
}

/** The parameters of an authorization request that the login form carries through. */
const authorizationParams = [
  "response_type",
  "client_id",
  "redirect_uri",
  "scope",
  "state",
  "nonce",
  "code_challenge",
  "code_challenge_method",
];

function loginForm(
  res: ServerResponse,
  params: URLSearchParams,
  tobacconists: readonly { tobacconistId: string; name: string }[],
): void {
  const hidden = authorizationParams
    .filter((name) => params.has(name))
    .map((name) => `<input type="hidden" name="${name}" value="${escapeHtml(params.get(name) ?? "")}">`)
    .join("");
  const options = tobacconists
    .map(
      (t) =>
        `<option value="${escapeHtml(t.tobacconistId)}">${escapeHtml(t.name)} (${escapeHtml(t.tobacconistId)})</option>`,
    )
    .join("");
  sendPage(
    res,
    200,
    "Novares SSO · accesso",
    `<h1>Novares SSO (sviluppo)</h1><p>Accesso della tabaccheria: ambiente di sviluppo, scegli una tabaccheria di prova.</p>` +
      `<form method="post" action="/dev-sso/authorize" data-testid="sso-login">${hidden}` +
      `<label for="tobacconist">Tabaccheria</label><select id="tobacconist" name="tobacconist">${options}</select>` +
      `<div class="actions"><button type="submit" name="action" value="approve">Accedi</button>` +
      `<button type="submit" name="action" value="cancel">Annulla</button></div></form>`,
  );
}

async function authorize(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  oidc: DevOidcProvider,
  issuer: string,
): Promise<void> {
  let params: URLSearchParams;
  if (req.method === "GET") params = url.searchParams;
  else if (req.method === "POST") {
    if (!(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded"))
      throw new RequestError(415, "send the login form as application/x-www-form-urlencoded");
    params = new URLSearchParams(await readBody(req));
  } else throw new RequestError(405, "use GET (authorization request) or POST (login form)");
  let request: AuthorizationRequest;
  try {
    request = oidc.validateAuthorization(params);
  } catch (err) {
    if (!(err instanceof OAuthError)) throw err;
    // RFC 6749 §4.1.2.1: never redirect to an unverified client or redirect URI.
    if (!err.redirectable)
      return sendPage(
        res,
        400,
        "Richiesta di accesso non valida",
        `<h1>Richiesta di accesso non valida</h1><p>${escapeHtml(err.message)}</p>`,
      );
    const redirectUri = params.get("redirect_uri") ?? "";
    return redirectBack(res, { redirectUri, state: params.get("state") ?? "" }, issuer, {
      error: err.error,
      error_description: err.message,
    });
  }
  if (req.method === "GET") return loginForm(res, params, oidc.tobacconists);
  if (params.get("action") === "cancel")
    return redirectBack(res, request, issuer, { error: "access_denied", error_description: "sign-in cancelled" });
  try {
    const code = oidc.approve(request, params.get("tobacconist") ?? "");
    redirectBack(res, request, issuer, { code });
  } catch (err) {
    if (!(err instanceof OAuthError)) throw err;
    redirectBack(res, request, issuer, { error: err.error, error_description: err.message });
  }
}

async function tokenEndpoint(req: IncomingMessage, res: ServerResponse, oidc: DevOidcProvider): Promise<void> {
  if (req.method !== "POST") throw new RequestError(405, "use POST");
  const oauthError = (status: number, error: string, description: string): void => {
    res
      .writeHead(status, {
        "Content-Type": "application/json; charset=utf-8",
        "Cache-Control": "no-store",
        Pragma: "no-cache",
      })
      .end(JSON.stringify({ error, error_description: description }));
  };
  if (!(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded"))
    return oauthError(
      400,
      "invalid_request",
      "the token request must be application/x-www-form-urlencoded (RFC 6749 §4.1.3)",
    );
  try {
    const tokens = await oidc.exchange(new URLSearchParams(await readBody(req)));
    // OIDC Core §3.1.3.3: the token response is never cached.
    res
      .writeHead(200, {
        "Content-Type": "application/json; charset=utf-8",
        "Cache-Control": "no-store",
        Pragma: "no-cache",
      })
      .end(JSON.stringify(tokens));
  } catch (err) {
    if (!(err instanceof OAuthError)) throw err;
    // RFC 6749 §5.2: 400, or 401 for a client that failed authentication.
    oauthError(err.error === "invalid_client" ? 401 : 400, err.error, err.message);
  }
}

/** The discovery document (OpenID Connect Discovery 1.0 §3, RFC 8414 for the PKCE methods). */
function discoveryDocument(issuer: string, base: string, tobacconistScopes: string[]): Record<string, unknown> {
  return {
    issuer,
    authorization_endpoint: `${base}/authorize`,
    token_endpoint: `${base}/oauth/token`,
    jwks_uri: `${base}/jwks.json`,
    response_types_supported: ["code"],
    grant_types_supported: ["authorization_code"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: ["RS256"],
    token_endpoint_auth_methods_supported: ["none"],
    code_challenge_methods_supported: ["S256"],
    scopes_supported: tobacconistScopes,
    claims_supported: ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "name"],
    authorization_response_iss_parameter_supported: true,
  };
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
        case ".well-known/openid-configuration": {
          if (req.method !== "GET" && req.method !== "HEAD") throw new RequestError(405, "use GET");
          if (!options.oidc) throw new RequestError(404, "OpenID Connect is not enabled on this development SSO");
          // The endpoints on the door the browser reached (this gateway, under /dev-sso).
          const base = `http://${req.headers.host ?? "127.0.0.1"}${devSsoPrefix.slice(0, -1)}`;
          sendJson(res, 200, discoveryDocument(options.issuer.issuer, base, ["openid", "profile"]));
          return;
        }
        case "authorize":
          if (!options.oidc) throw new RequestError(404, "OpenID Connect is not enabled on this development SSO");
          await authorize(req, res, url, options.oidc, options.issuer.issuer);
          return;
        case "oauth/token":
          if (!options.oidc) throw new RequestError(404, "OpenID Connect is not enabled on this development SSO");
          await tokenEndpoint(req, res, options.oidc);
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
            "unknown development SSO endpoint: use /dev-sso/.well-known/openid-configuration, /dev-sso/authorize, /dev-sso/oauth/token, /dev-sso/token, /dev-sso/jwks.json, /dev-sso/public-key or /dev-sso/tobacconists",
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
