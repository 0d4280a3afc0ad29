/**
 * The tobacconist's sign-in: OpenID Connect, authorization code flow with PKCE (OIDC Core 1.0 §3.1,
 * RFC 7636), against the issuer the gateway names at `/console-config.json` — the Novares identity
 * provider in production, the gateway's development SSO under `npm start`: the same code path.
 *
 * The protocol work is oauth4webapi's (discovery, issuer check, authorization response with `state`
 * and RFC 9207 `iss`, the token request with the PKCE verifier, the ID token's `iss`, `aud`, `exp`,
 * `iat` and `nonce`); this module keeps the per-attempt secrets (verifier, state, nonce) in
 * sessionStorage for the one redirect, and puts the access token where the console's calls read it.
 * The ID token comes straight from the token endpoint, so its TLS-authenticated origin stands for
 * its signature (OIDC Core §3.1.3.7 item 6); a plain-HTTP issuer is accepted only on a loopback
 * address (the development SSO).
 */
import * as oauth from "oauth4webapi";

/** What the gateway publishes at `/console-config.json`. */
export interface ConsoleConfig {
  oidc: { issuer: string; clientId: string };
}

/** The secrets of one sign-in attempt, kept across the redirect. */
interface PendingSignIn {
  issuer: string;
  clientId: string;
  redirectUri: string;
  codeVerifier: string;
  state: string;
  nonce: string;
  returnTo: string;
}

/** The signed-in tobacconist the token response names. */
export interface SignedIn {
  /** The access token the gateway and the Novaboxes verify. */
  token: string;
  tobacconistId: string;
  name: string;
  /** Where to go back to (the page the sign-in started from). */
  returnTo: string;
}

const pendingKey = "novares.sign-in";
/** The console's redirect URI path (registered at the issuer). */
export const callbackPath = "/accesso/callback";

function insecureAllowed(issuer: URL): boolean {
  return issuer.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(issuer.hostname);
}

async function loadConfig(): Promise<ConsoleConfig> {
  const res = await fetch("/console-config.json", { cache: "no-store" });
  if (!res.ok) throw new Error(`Configurazione di accesso non disponibile (HTTP ${res.status}).`);
  return (await res.json()) as ConsoleConfig;
}

async function discover(issuerUrl: string): Promise<{ as: oauth.AuthorizationServer; insecure: boolean }> {
  const issuer = new URL(issuerUrl);
  const insecure = insecureAllowed(issuer);
  const response = await oauth.discoveryRequest(issuer, {
    algorithm: "oidc",
    ...(insecure ? { [oauth.allowInsecureRequests]: true } : {}),
  });
  return { as: await oauth.processDiscoveryResponse(issuer, response), insecure };
}

/** Starts a sign-in: redirects the browser to the issuer's authorization endpoint. */
export async function beginSignIn(returnTo: string): Promise<void> {
  const config = await loadConfig();
  const { as } = await discover(config.oidc.issuer);
  if (!as.authorization_endpoint) throw new Error("L'emittente di accesso non indica un authorization_endpoint.");
  if (!as.code_challenge_methods_supported?.includes("S256"))
    throw new Error("L'emittente di accesso non dichiara PKCE S256.");
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const pending: PendingSignIn = {
    issuer: config.oidc.issuer,
    clientId: config.oidc.clientId,
    redirectUri: new URL(callbackPath, window.location.origin).toString(),
    codeVerifier,
    state: oauth.generateRandomState(),
    nonce: oauth.generateRandomNonce(),
    returnTo,
  };
  const url = new URL(as.authorization_endpoint);
  url.searchParams.set("client_id", pending.clientId);
  url.searchParams.set("redirect_uri", pending.redirectUri);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("scope", "openid profile");
  url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(codeVerifier));
  url.searchParams.set("code_challenge_method", "S256");
  url.searchParams.set("state", pending.state);
  url.searchParams.set("nonce", pending.nonce);
  sessionStorage.setItem(pendingKey, JSON.stringify(pending));
  window.location.assign(url.toString());
}

/**
 * Completes a sign-in on the redirect URI: checks `state` (and `iss`), exchanges the code with the
 * PKCE verifier, checks the ID token (including `nonce`). The attempt's secrets are removed whatever
 * the outcome, so a replayed callback URL fails.
 */
export async function completeSignIn(callbackUrl: URL): Promise<SignedIn> {
  const raw = sessionStorage.getItem(pendingKey);
  sessionStorage.removeItem(pendingKey);
  if (!raw) throw new Error("Nessun accesso in corso in questa scheda: riprova da «Accedi».");
  const pending = JSON.parse(raw) as PendingSignIn;
  const { as, insecure } = await discover(pending.issuer);
  const client: oauth.Client = { client_id: pending.clientId };
  let params: URLSearchParams;
  try {
    params = oauth.validateAuthResponse(as, client, callbackUrl, pending.state);
  } catch (err) {
    if (err instanceof oauth.AuthorizationResponseError)
      throw new Error(`Accesso non riuscito: ${err.error_description ?? err.error}`);
    throw err;
  }
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    oauth.None(),
    params,
    pending.redirectUri,
    pending.codeVerifier,
    insecure ? { [oauth.allowInsecureRequests]: true } : {},
  );
  const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, {
    expectedNonce: pending.nonce,
    requireIdToken: true,
  });
  const claims = oauth.getValidatedIdTokenClaims(tokens);
  if (!claims) throw new Error("Accesso non riuscito: manca l'ID token.");
  const name = typeof claims["name"] === "string" ? claims["name"] : claims.sub;
  return { token: tokens.access_token, tobacconistId: claims.sub, name, returnTo: pending.returnTo };
}
