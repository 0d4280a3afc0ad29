/**
 * Verifies the Novares SSO token (JWT) a tobacconist's call carries, against the public key, issuer
 * and audience in the box's settings. The accepted algorithm is pinned to the key's type (RSA →
 * RS256, P-256 → ES256, Ed25519 → EdDSA) before the signature is checked, so neither `alg: none` nor
 * an HS256 token keyed with the public key (algorithm confusion) can pass.
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import { decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from "jose";
import { SsoNotConfiguredError, SsoTokenError, TobacconistRevokedError } from "./errors.js";
import type { Settings } from "./model.js";
import type { Clock } from "./ports.js";

/** Options of {@link createSsoVerifier}. */
export interface SsoVerifierOptions {
  /** Current settings (key, issuer, audience, revoked tobacconists), read on every call. */
  settings: () => Settings;
  clock: Clock;
  /** Accepted clock skew for exp/nbf/iat (default 30 s). */
  clockToleranceSeconds?: number;
}

/** The tobacconist a verified token names. */
export interface TobacconistIdentity {
  /** Novares id of the tobacconist (claim `sub`). */
  tobacconistId: string;
  /** Display name (claim `name`), when present. */
  name?: string;
  /** When the token expires. */
  expiresAt: Date;
  /** Claim `jti`, when present (for the logs). */
  tokenId?: string;
}

/** Verifies tobacconists' SSO tokens. */
export interface SsoVerifier {
  /**
   * Verifies `token` (raw JWT, or `Bearer <JWT>`) and returns the tobacconist. Throws
   * "precondition-failed" when SSO is not configured, "unauthenticated" ({@link SsoTokenError}, reason
   * says which check failed) for a missing or invalid token, "forbidden" TOBACCONIST_REVOKED for a
   * revoked tobacconist.
   */
  verify(token: string | undefined): Promise<TobacconistIdentity>;
}

/** The only JWS algorithm accepted for `key`, or undefined when its type is not supported. */
export function algorithmForKey(key: KeyObject): "RS256" | "ES256" | "EdDSA" | undefined {
  switch (key.asymmetricKeyType) {
    case "rsa":
      return "RS256";
    case "ec":
      return key.asymmetricKeyDetails?.namedCurve === "prime256v1" ? "ES256" : undefined;
    case "ed25519":
      return "EdDSA";
    default:
      return undefined;
  }
}

/** Throws {@link TobacconistRevokedError} when the Comune revoked `tobacconistId` (agreement art. 5.4). */
export function assertNotRevoked(settings: Pick<Settings, "revokedTobacconists">, tobacconistId: string): void {
  if (settings.revokedTobacconists.some((r) => r.tobacconistId === tobacconistId)) throw new TobacconistRevokedError(tobacconistId);
}

/** Creates the {@link SsoVerifier}. */
export function createSsoVerifier(options: SsoVerifierOptions): SsoVerifier {
  const tolerance = options.clockToleranceSeconds ?? 30;
  let cached: { pem: string; key: KeyObject; alg: "RS256" | "ES256" | "EdDSA" } | undefined;

  const keyFor = (settings: Settings) => {
    const missing = [
      settings.ssoPublicKeyPem.trim() ? "" : "sso_public_key_pem",
      settings.ssoIssuer.trim() ? "" : "sso_issuer",
      settings.ssoAudience.trim() ? "" : "sso_audience",
    ].filter(Boolean);
    if (missing.length > 0) throw new SsoNotConfiguredError(`SSO is not configured on this Novabox: set ${missing.join(", ")} in the admin panel`);
    if (cached?.pem === settings.ssoPublicKeyPem) return cached;
    let key: KeyObject;
    try {
      key = createPublicKey(settings.ssoPublicKeyPem);
    } catch (err) {
      throw new SsoNotConfiguredError("sso_public_key_pem is not a readable PEM public key; paste the Novares SSO key again", "SSO_KEY_UNSUPPORTED", err);
    }
    const alg = algorithmForKey(key);
    if (!alg) {
      throw new SsoNotConfiguredError(`sso_public_key_pem is a ${key.asymmetricKeyType ?? "unknown"} key; use an RSA, P-256 or Ed25519 public key`, "SSO_KEY_UNSUPPORTED");
    }
    cached = { pem: settings.ssoPublicKeyPem, key, alg };
    return cached;
  };

  return {
    async verify(token) {
      const settings = options.settings();
      const { key, alg } = keyFor(settings);
      const raw = token?.replace(/^Bearer\s+/i, "").trim();
      if (!raw) throw new SsoTokenError("TOKEN_MISSING", "no SSO token: send the Novares token as `authorization: Bearer <token>`");
      let header;
      try {
        header = decodeProtectedHeader(raw);
      } catch (err) {
        throw new SsoTokenError("TOKEN_MALFORMED", "the SSO token is not a JWT", err);
      }
      if (header.alg !== alg) {
        const shown = header.alg === undefined || header.alg.toLowerCase() === "none" ? "unsigned tokens (alg none)" : `tokens signed with ${header.alg}`;
        throw new SsoTokenError("TOKEN_ALGORITHM_NOT_ALLOWED", `the SSO token was refused: ${shown} are not accepted, the configured key requires ${alg}`);
      }
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(raw, key, {
          algorithms: [alg],
          issuer: settings.ssoIssuer,
          audience: settings.ssoAudience,
          currentDate: options.clock(),
          clockTolerance: tolerance,
          requiredClaims: ["exp", "sub"],
        }));
      } catch (err) {
        throw mapJoseError(err, settings);
      }
      const sub = payload.sub;
      if (typeof sub !== "string" || sub.trim() === "") throw new SsoTokenError("TOKEN_CLAIM_MISSING", "the SSO token does not name a tobacconist (claim sub)");
      assertNotRevoked(settings, sub);
      const identity: TobacconistIdentity = { tobacconistId: sub, expiresAt: new Date((payload.exp ?? 0) * 1000) };
      if (typeof payload.name === "string" && payload.name !== "") identity.name = payload.name;
      if (typeof payload.jti === "string") identity.tokenId = payload.jti;
      return identity;
    },
  };
}

function mapJoseError(err: unknown, settings: Settings): SsoTokenError {
  if (err instanceof joseErrors.JWTExpired) return new SsoTokenError("TOKEN_EXPIRED", "the SSO token has expired; sign in to Novares again", err);
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case "iss":
        return new SsoTokenError("TOKEN_WRONG_ISSUER", `the SSO token was issued by someone other than ${settings.ssoIssuer} (claim iss)`, err);
      case "aud":
        return new SsoTokenError("TOKEN_WRONG_AUDIENCE", `the SSO token is not meant for ${settings.ssoAudience} (claim aud)`, err);
      case "nbf":
        return new SsoTokenError("TOKEN_NOT_YET_VALID", "the SSO token is not valid yet (claim nbf); check the clocks", err);
      case "iat":
        return new SsoTokenError("TOKEN_INVALID", "the SSO token's issue time is not acceptable (claim iat)", err);
      default:
        return new SsoTokenError("TOKEN_CLAIM_MISSING", `the SSO token lacks or has an invalid claim ${err.claim}`, err);
    }
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) {
    return new SsoTokenError("TOKEN_BAD_SIGNATURE", "the SSO token's signature does not match the configured Novares key", err);
  }
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return new SsoTokenError("TOKEN_ALGORITHM_NOT_ALLOWED", "the SSO token's algorithm is not accepted", err);
  if (err instanceof joseErrors.JWSInvalid || err instanceof joseErrors.JWTInvalid) return new SsoTokenError("TOKEN_MALFORMED", "the SSO token is not a well-formed JWT", err);
  return new SsoTokenError("TOKEN_INVALID", "the SSO token is not valid", err);
}
