/**
 * Verifies a tobacconist's SSO token (JWT) at the gateway, before any call is forwarded into the
 * mesh. The algorithm is pinned to RS256 and the key must be RSA, so neither `alg: none` nor an
 * HS256 token keyed with the public key (algorithm confusion) can pass; issuer, audience, `exp` and
 * `sub` are required. The Novabox verifies the same token again with its own configured key: the
 * gateway's check keeps forged traffic out of the mesh, the box's check keeps the box independent.
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import { decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from "jose";
import { DomainError } from "#shared/domain-error.js";
import { SsoTokenError } from "./errors.js";

/** Options of {@link createSsoVerifier}. */
export interface SsoVerifierOptions {
  /** The SSO issuer's public key (RSA), PEM or KeyObject. */
  publicKey: string | KeyObject;
  /** Expected `iss`. */
  issuer: string;
  /** Expected `aud`. */
  audience: string;
  /** The current time (tests). */
  clock?: () => Date;
  /** Accepted clock skew for exp/nbf/iat, seconds (default 30). */
  clockToleranceSeconds?: number;
}

/** The signed-in tobacconist a verified token names. */
export interface TobacconistIdentity {
  /** Claim `sub`: the Novares id of the tobacconist. */
  tobacconistId: string;
  /** Claim `name`, when present. */
  name?: string;
  /** Claim `exp`. */
  expiresAt: Date;
}

/** Verifies SSO tokens. */
export interface SsoVerifier {
  /**
   * Verifies the value of an `authorization` header (`Bearer <JWT>`) and returns the tobacconist.
   * Throws {@link SsoTokenError} (UNAUTHENTICATED; the reason names the failed check).
   */
  verify(authorization: string | undefined): Promise<TobacconistIdentity>;
}

/** The JWS algorithm the gateway accepts: the SSO signs with RSA keys. */
export const ssoAlgorithm = "RS256";

/** Creates an {@link SsoVerifier}. Throws "invalid-input" when the key is not an RSA public key. */
export function createSsoVerifier(options: SsoVerifierOptions): SsoVerifier {
  let key: KeyObject;
  try {
    key = typeof options.publicKey === "string" ? createPublicKey(options.publicKey) : options.publicKey;
  } catch (err) {
    throw new DomainError("invalid-input", "the SSO public key is not a readable PEM public key", { reason: "SSO_KEY_UNREADABLE", cause: err });
  }
  if (key.asymmetricKeyType !== "rsa") {
    throw new DomainError("invalid-input", `the SSO public key is a ${key.asymmetricKeyType ?? "unknown"} key; the gateway accepts RS256 tokens only (an RSA key)`, {
      reason: "SSO_KEY_UNSUPPORTED",
    });
  }
  const clock = options.clock ?? (() => new Date());
  const tolerance = options.clockToleranceSeconds ?? 30;

  return {
    async verify(authorization) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization?.trim() ?? "");
      const raw = match?.[1];
      if (!raw) throw new SsoTokenError("TOKEN_MISSING", "no SSO token: sign in to Novares and send the token as `authorization: Bearer <token>`");
      let alg: string | undefined;
      try {
        alg = decodeProtectedHeader(raw).alg;
      } catch (err) {
        throw new SsoTokenError("TOKEN_MALFORMED", "the SSO token is not a JWT", err);
      }
      if (alg !== ssoAlgorithm) {
        const shown = alg === undefined || alg.toLowerCase() === "none" ? "unsigned tokens (alg none)" : `tokens signed with ${alg}`;
        throw new SsoTokenError("TOKEN_ALGORITHM_NOT_ALLOWED", `the SSO token was refused: ${shown} are not accepted, only ${ssoAlgorithm}`);
      }
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(raw, key, {
          algorithms: [ssoAlgorithm],
          issuer: options.issuer,
          audience: options.audience,
          currentDate: clock(),
          clockTolerance: tolerance,
          requiredClaims: ["exp", "sub"],
        }));
      } catch (err) {
        throw mapJoseError(err, options);
      }
      const sub = payload.sub;
      if (typeof sub !== "string" || sub.trim() === "") throw new SsoTokenError("TOKEN_CLAIM_MISSING", "the SSO token does not name a tobacconist (claim sub)");
      const identity: TobacconistIdentity = { tobacconistId: sub, expiresAt: new Date((payload.exp ?? 0) * 1000) };
      if (typeof payload.name === "string" && payload.name !== "") identity.name = payload.name;
      return identity;
    },
  };
}

function mapJoseError(err: unknown, options: SsoVerifierOptions): SsoTokenError {
  if (err instanceof joseErrors.JWTExpired) return new SsoTokenError("TOKEN_EXPIRED", "the SSO token has expired; sign in to Novares again", err);
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case "iss":
        return new SsoTokenError("TOKEN_WRONG_ISSUER", `the SSO token was not issued by ${options.issuer} (claim iss)`, err);
      case "aud":
        return new SsoTokenError("TOKEN_WRONG_AUDIENCE", `the SSO token is not meant for ${options.audience} (claim aud)`, err);
      case "nbf":
        return new SsoTokenError("TOKEN_NOT_YET_VALID", "the SSO token is not valid yet (claim nbf); check the clocks", err);
      default:
        return new SsoTokenError("TOKEN_CLAIM_MISSING", `the SSO token lacks or has an invalid claim ${err.claim}`, err);
    }
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return new SsoTokenError("TOKEN_BAD_SIGNATURE", "the SSO token's signature does not match the Novares SSO key", err);
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return new SsoTokenError("TOKEN_ALGORITHM_NOT_ALLOWED", "the SSO token's algorithm is not accepted", err);
  if (err instanceof joseErrors.JWSInvalid || err instanceof joseErrors.JWTInvalid) return new SsoTokenError("TOKEN_MALFORMED", "the SSO token is not a well-formed JWT", err);
  return new SsoTokenError("TOKEN_INVALID", "the SSO token is not valid", err);
}
