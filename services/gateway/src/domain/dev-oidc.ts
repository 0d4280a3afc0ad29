/**
 * The development SSO as an OpenID Connect provider (authorization code flow with PKCE), so the
 * console signs tobacconists in the same way against `npm start`'s gateway as against the Novares
 * identity provider in production. The rules implemented, with their sources:
 *
 * - Authorization request (OIDC Core 1.0 §3.1.2.1, RFC 6749 §4.1.1): `response_type=code`, `scope`
 *   containing `openid`, a registered `client_id` and an exactly matching registered `redirect_uri`;
 *   `state` and `nonce` are carried through (the console checks both); `code_challenge` with
 *   `code_challenge_method=S256` is required (RFC 7636 §4.3; `plain` is refused, §4.2 and §7.2).
 * - Errors (RFC 6749 §4.1.2.1): a bad `client_id` or `redirect_uri` is never redirected to (the
 *   provider shows the error itself); any other error goes back to the client as `error` +
 *   `error_description` + `state`.
 * - The code is random (256 bits), lives {@link authorizationCodeTtlSeconds} seconds, is bound to the
 *   client, the redirect URI, the PKCE challenge, the nonce and the signed-in tobacconist, and is used
 *   at most once (RFC 6749 §4.1.2, §4.1.3, §10.5).
 * - Token request (RFC 6749 §4.1.3, RFC 7636 §4.5–4.6): `grant_type=authorization_code`, the same
 *   `client_id` and `redirect_uri`, and a `code_verifier` of 43–128 unreserved characters (§4.1) whose
 *   BASE64URL(SHA-256) equals the stored challenge (compared in constant time).
 * - Token response (OIDC Core §3.1.3.3): `access_token` (the token the gateway and every Novabox
 *   verify: audience the mesh's), `id_token` (OIDC Core §2: `iss`, `sub`, `aud` = client, `exp`,
 *   `iat`, `nonce`, `auth_time`, `name`), `token_type: Bearer`, `expires_in`.
 *
 * The "login" is choosing one of the demo tobacconists: this provider exists for development and
 * demos only (GATEWAY_DEV_SSO=true), never in production.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { DomainError } from "#shared/runtime/domain-error.js";
import type { DevSsoIssuer } from "./dev-sso.js";

/** How long an authorization code can be exchanged (RFC 6749 §4.1.2 recommends at most 10 minutes). */
export const authorizationCodeTtlSeconds = 60;

/** The OAuth 2.0 error codes this provider answers (RFC 6749 §4.1.2.1 and §5.2). */
export type OAuthErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "unauthorized_client"
  | "unsupported_response_type"
  | "unsupported_grant_type"
  | "invalid_scope"
  | "access_denied";

/**
 * An OAuth 2.0 / OIDC protocol error. `redirectable` is false when the client or the redirect URI
 * cannot be trusted (RFC 6749 §4.1.2.1: then the provider must not redirect).
 */
export class OAuthError extends DomainError {
  constructor(
    readonly error: OAuthErrorCode,
    message: string,
    readonly redirectable = true,
  ) {
    super(error === "invalid_client" ? "unauthenticated" : "invalid-input", message, {
      reason: `OAUTH_${error.toUpperCase()}`,
    });
  }
}

/** A client registered at the development provider (a public client: no secret, PKCE instead). */
export interface OidcClient {
  clientId: string;
  /**
   * The exact redirect URIs allowed. Omitted: any `http://127.0.0.1:<port>/accesso/callback` or
   * `http://localhost:<port>/accesso/callback` (the console on a loopback gateway, any port, as
   * RFC 8252 §7.3 allows for loopback redirects).
   */
  redirectUris?: readonly string[];
}

/** The console's default client id. */
export const consoleClientId = "novares-console";

/** A validated authorization request. */
export interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  scope: string;
  state: string;
  nonce: string;
  codeChallenge: string;
}

/** The token endpoint's successful answer (JSON body). */
export interface TokenResponse {
  access_token: string;
  id_token: string;
  token_type: "Bearer";
  expires_in: number;
  scope: string;
}

/** Options of {@link createDevOidcProvider}. */
export interface DevOidcProviderOptions {
  /** Signs the access and ID tokens; its issuer is the provider's issuer identifier. */
  issuer: DevSsoIssuer;
  /** Default: the console ({@link consoleClientId}) with loopback redirect URIs. */
  clients?: readonly OidcClient[];
  clock?: () => Date;
  /** Random bytes for the codes (tests). */
  random?: (size: number) => Buffer;
}

/** The development OpenID Connect provider. */
export interface DevOidcProvider {
  /** The tobacconists the login form offers. */
  readonly tobacconists: DevSsoIssuer["tobacconists"];
  /** Validates an authorization request's parameters. Throws {@link OAuthError}. */
  validateAuthorization(params: URLSearchParams): AuthorizationRequest;
  /**
   * Signs `tobacconistId` in for a validated request and returns the one-time code. Throws
   * {@link OAuthError} `access_denied` for a tobacconist the provider does not know.
   */
  approve(request: AuthorizationRequest, tobacconistId: string): string;
  /** The token endpoint: exchanges a code for tokens. Throws {@link OAuthError}. */
  exchange(form: URLSearchParams): Promise<TokenResponse>;
}

const unreserved = /^[A-Za-z0-9\-._~]{43,128}$/;
const base64url43 = /^[A-Za-z0-9_-]{43}$/;
const loopbackCallback = /^http:\/\/(127\.0\.0\.1|localhost)(:\d{1,5})?\/accesso\/callback$/;

interface StoredCode {
  request: AuthorizationRequest;
  tobacconistId: string;
  authTime: number;
  expiresAt: number;
}

function single(params: URLSearchParams, name: string, redirectable = true): string {
  const values = params.getAll(name);
  // RFC 6749 §3.1: request parameters must not be included more than once.
  if (values.length > 1) throw new OAuthError("invalid_request", `${name} is repeated`, redirectable);
  return values[0] ?? "";
}

/** Creates the {@link DevOidcProvider}. */
export function createDevOidcProvider(options: DevOidcProviderOptions): DevOidcProvider {
  const clients = options.clients ?? [{ clientId: consoleClientId }];
  const clock = options.clock ?? (() => new Date());
  const random = options.random ?? randomBytes;
  const codes = new Map<string, StoredCode>();
  const nowSeconds = () => Math.floor(clock().getTime() / 1000);

  const sweep = (now: number) => {
    for (const [code, stored] of codes) if (stored.expiresAt <= now) codes.delete(code);
  };

  const redirectAllowed = (client: OidcClient, redirectUri: string) =>
    client.redirectUris ? client.redirectUris.includes(redirectUri) : loopbackCallback.test(redirectUri);

  return {
    tobacconists: options.issuer.tobacconists,

    validateAuthorization(params) {
      const clientId = single(params, "client_id", false);
      const client = clients.find((c) => c.clientId === clientId);
      if (!client)
        throw new OAuthError(
          "invalid_client",
          `unknown client_id "${clientId}": the console is ${consoleClientId}`,
          false,
        );
      const redirectUri = single(params, "redirect_uri", false);
      if (!redirectAllowed(client, redirectUri))
        throw new OAuthError(
          "invalid_request",
          `redirect_uri "${redirectUri}" is not registered for ${clientId}`,
          false,
        );
      const responseType = single(params, "response_type");
      if (responseType !== "code")
        throw new OAuthError("unsupported_response_type", "response_type must be code (authorization code flow)");
      const scope = single(params, "scope");
      if (!scope.split(" ").includes("openid"))
        throw new OAuthError("invalid_scope", "scope must include openid (OpenID Connect Core §3.1.2.1)");
      const codeChallenge = single(params, "code_challenge");
      const method = single(params, "code_challenge_method");
      if (!codeChallenge) throw new OAuthError("invalid_request", "code_challenge is required (PKCE, RFC 7636)");
      if (method !== "S256")
        throw new OAuthError("invalid_request", "code_challenge_method must be S256 (RFC 7636 §4.2)");
      if (!base64url43.test(codeChallenge))
        throw new OAuthError(
          "invalid_request",
          "code_challenge must be BASE64URL(SHA-256(code_verifier)), 43 characters",
        );
      return {
        clientId,
        redirectUri,
        scope,
        state: single(params, "state"),
        nonce: single(params, "nonce"),
        codeChallenge,
      };
    },

    approve(request, tobacconistId) {
      if (!options.issuer.tobacconists.some((t) => t.tobacconistId === tobacconistId))
        throw new OAuthError("access_denied", `"${tobacconistId}" is not a demo tobacconist of the development SSO`);
      const now = nowSeconds();
      sweep(now);
      const code = random(32).toString("base64url");
      codes.set(code, { request, tobacconistId, authTime: now, expiresAt: now + authorizationCodeTtlSeconds });
      return code;
    },

    async exchange(form) {
      const grantType = single(form, "grant_type");
      if (grantType !== "authorization_code")
        throw new OAuthError("unsupported_grant_type", "grant_type must be authorization_code");
      const clientId = single(form, "client_id");
      if (!clients.some((c) => c.clientId === clientId))
        throw new OAuthError("invalid_client", `unknown client_id "${clientId}"`);
      const code = single(form, "code");
      const stored = codes.get(code);
      // Used at most once (RFC 6749 §4.1.2): the code is gone whatever the outcome below.
      codes.delete(code);
      const now = nowSeconds();
      if (!stored || stored.expiresAt <= now)
        throw new OAuthError(
          "invalid_grant",
          "the authorization code is unknown, expired or already used: sign in again",
        );
      if (stored.request.clientId !== clientId)
        throw new OAuthError("invalid_grant", "the authorization code was issued to another client");
      if (single(form, "redirect_uri") !== stored.request.redirectUri)
        throw new OAuthError(
          "invalid_grant",
          "redirect_uri differs from the authorization request's (RFC 6749 §4.1.3)",
        );
      const verifier = single(form, "code_verifier");
      if (!unreserved.test(verifier))
        throw new OAuthError("invalid_grant", "code_verifier must be 43–128 unreserved characters (RFC 7636 §4.1)");
      const computed = Buffer.from(createHash("sha256").update(verifier, "ascii").digest("base64url"));
      const expected = Buffer.from(stored.request.codeChallenge);
      if (computed.length !== expected.length || !timingSafeEqual(computed, expected))
        throw new OAuthError("invalid_grant", "code_verifier does not match the code_challenge (RFC 7636 §4.6)");

      const access = await options.issuer.issue({ tobacconistId: stored.tobacconistId });
      const idToken = await options.issuer.issueIdToken({
        tobacconistId: stored.tobacconistId,
        clientId,
        nonce: stored.request.nonce,
        authTime: stored.authTime,
      });
      return {
        access_token: access.token,
        id_token: idToken,
        token_type: "Bearer",
        expires_in: Math.max(0, Math.floor(access.expiresAt.getTime() / 1000) - now),
        scope: stored.request.scope,
      };
    },
  };
}
