/**
 * The development SSO as an OpenID Connect provider: the authorization code + PKCE rules it enforces
 * (RFC 6749 §4.1, RFC 7636 §4, OIDC Core §3.1) and the ID token it signs.
 */
import { describe, expect, it } from "@jest/globals";
import { createHash, generateKeyPairSync } from "node:crypto";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { createDevSsoIssuer } from "../src/domain/dev-sso.js";
import { authorizationCodeTtlSeconds, createDevOidcProvider, OAuthError } from "../src/domain/dev-oidc.js";

const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const ISSUER = "http://127.0.0.1:8090/dev-sso";
const REDIRECT = "http://127.0.0.1:8090/accesso/callback";
let now = new Date("2026-11-30T09:00:00Z");
const clock = () => now;
const issuer = createDevSsoIssuer({
  privateKey: rsa.privateKey,
  kid: "k1",
  issuer: ISSUER,
  audience: "novabox",
  clock,
});
const provider = createDevOidcProvider({ issuer, clock });

const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"; // RFC 7636 Appendix B
const challenge = createHash("sha256").update(verifier).digest("base64url");

function authorizationParams(overrides: Record<string, string | undefined> = {}): URLSearchParams {
  const base: Record<string, string | undefined> = {
    response_type: "code",
    client_id: "novares-console",
    redirect_uri: REDIRECT,
    scope: "openid profile",
    state: "st-1",
    nonce: "n-1",
    code_challenge: challenge,
    code_challenge_method: "S256",
    ...overrides,
  };
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(base)) if (v !== undefined) params.set(k, v);
  return params;
}

function tokenForm(code: string, overrides: Record<string, string> = {}): URLSearchParams {
  return new URLSearchParams({
    grant_type: "authorization_code",
    code,
    redirect_uri: REDIRECT,
    client_id: "novares-console",
    code_verifier: verifier,
    ...overrides,
  });
}

async function oauthError(promise: Promise<unknown> | (() => unknown)): Promise<OAuthError> {
  try {
    await (typeof promise === "function" ? promise() : promise);
  } catch (err) {
    expect(err).toBeInstanceOf(OAuthError);
    return err as OAuthError;
  }
  throw new Error("expected an OAuthError");
}

describe("development OpenID Connect provider", () => {
  it("RFC 7636 Appendix B: the example verifier's S256 challenge", () => {
    expect(challenge).toBe("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  });

  it("exchanges a code with the right verifier for an access token and an ID token carrying the nonce", async () => {
    const request = provider.validateAuthorization(authorizationParams());
    const code = provider.approve(request, "TAB-0002");
    const tokens = await provider.exchange(tokenForm(code));
    expect(tokens.token_type).toBe("Bearer");
    expect(tokens.expires_in).toBe(8 * 3600);
    const access = decodeJwt(tokens.access_token);
    expect(access).toMatchObject({ iss: ISSUER, aud: "novabox", sub: "TAB-0002", name: "Tabacchi del Duomo" });
    const id = decodeJwt(tokens.id_token);
    expect(id).toMatchObject({ iss: ISSUER, aud: "novares-console", sub: "TAB-0002", nonce: "n-1" });
    expect(id.auth_time).toBe(Math.floor(now.getTime() / 1000));
    expect(decodeProtectedHeader(tokens.id_token)).toMatchObject({ alg: "RS256", kid: "k1" });
  });

  it("refuses a wrong verifier, and the code is gone afterwards (single use)", async () => {
    const code = provider.approve(provider.validateAuthorization(authorizationParams()), "TAB-0001");
    const wrong = await oauthError(provider.exchange(tokenForm(code, { code_verifier: "x".repeat(43) })));
    expect(wrong.error).toBe("invalid_grant");
    expect(wrong.message).toContain("RFC 7636 §4.6");
    expect((await oauthError(provider.exchange(tokenForm(code)))).error).toBe("invalid_grant");
  });

  it("a code works once, for its own client and redirect URI, within its lifetime", async () => {
    const request = provider.validateAuthorization(authorizationParams());
    const once = provider.approve(request, "TAB-0001");
    await provider.exchange(tokenForm(once));
    expect((await oauthError(provider.exchange(tokenForm(once)))).message).toContain("already used");

    const other = provider.approve(request, "TAB-0001");
    expect(
      (await oauthError(provider.exchange(tokenForm(other, { redirect_uri: "http://127.0.0.1:1/accesso/callback" }))))
        .message,
    ).toContain("redirect_uri");

    const late = provider.approve(request, "TAB-0001");
    now = new Date(now.getTime() + (authorizationCodeTtlSeconds + 1) * 1000);
    expect((await oauthError(provider.exchange(tokenForm(late)))).error).toBe("invalid_grant");

    const short = provider.approve(request, "TAB-0001");
    expect((await oauthError(provider.exchange(tokenForm(short, { code_verifier: "abc" })))).message).toContain(
      "43–128",
    );
  });

  it("refuses authorization requests without PKCE S256, without openid, or for another response type", async () => {
    const cases: [Record<string, string | undefined>, string, string][] = [
      [{ code_challenge: undefined }, "invalid_request", "code_challenge is required"],
      [{ code_challenge_method: "plain", code_challenge: verifier }, "invalid_request", "S256"],
      [{ scope: "profile" }, "invalid_scope", "openid"],
      [{ response_type: "token" }, "unsupported_response_type", "code"],
    ];
    for (const [overrides, error, text] of cases) {
      const err = await oauthError(() => provider.validateAuthorization(authorizationParams(overrides)));
      expect({ error: err.error, redirectable: err.redirectable }).toEqual({ error, redirectable: true });
      expect(err.message).toContain(text);
    }
  });

  it("never redirects to an unknown client or an unregistered redirect URI", async () => {
    const unknownClient = await oauthError(() =>
      provider.validateAuthorization(authorizationParams({ client_id: "someone" })),
    );
    expect({ error: unknownClient.error, redirectable: unknownClient.redirectable }).toEqual({
      error: "invalid_client",
      redirectable: false,
    });
    for (const uri of ["https://evil.example/accesso/callback", "http://127.0.0.1:8090/elsewhere"]) {
      const err = await oauthError(() => provider.validateAuthorization(authorizationParams({ redirect_uri: uri })));
      expect(err.redirectable).toBe(false);
    }
  });

  it("signs in only the demo tobacconists", async () => {
    const request = provider.validateAuthorization(authorizationParams());
    expect((await oauthError(() => provider.approve(request, "TAB-9999"))).error).toBe("access_denied");
  });
});
