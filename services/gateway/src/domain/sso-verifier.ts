/**
 * Verifies a tobacconist's SSO token (JWT) at the gateway, before any call is forwarded into the
 * mesh. The algorithm is pinned to RS256 and the key must be RSA, so neither `alg: none` nor an
 * HS256 token keyed with the public key (algorithm confusion) can pass; issuer, audience, `exp` and
 * `sub` are required (#shared/sso-token.js does the checks). The Novabox verifies the same token again with its own configured key: the
 * gateway's check keeps forged traffic out of the mesh, the box's check keeps the box independent.
 */
import type { KeyObject } from "node:crypto";
import { bearerToken } from "#shared/mesh/bearer-token.js";
import { DomainError } from "#shared/runtime/domain-error.js";
import {
  SsoTokenError,
  ssoTrust,
  verifySsoToken,
  verifySsoTokenWithKeys,
  type SsoKeyResolver,
  type TobacconistIdentity,
} from "#shared/mesh/sso-token.js";

export type { TobacconistIdentity };

/** Options of {@link createSsoVerifier}. */
export interface SsoVerifierOptions {
  /** The SSO issuer's public key (RSA), PEM or KeyObject; or `keys`. */
  publicKey?: string | KeyObject;
  /**
   * The issuer's rotating key set (#shared/sso-key-set.js): each token is checked with the key its
   * `kid` names, the algorithm pinned to that key's type. Replaces `publicKey`.
   */
  keys?: SsoKeyResolver;
  /** Expected `iss`. */
  issuer: string;
  /** Expected `aud`. */
  audience: string;
  /** The current time (tests). */
  clock?: () => Date;
  /** Accepted clock skew for exp/nbf/iat, seconds (default 30). */
  clockToleranceSeconds?: number;
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
  const clock = options.clock ?? (() => new Date());
  const missing = () =>
    new SsoTokenError(
      "TOKEN_MISSING",
      "no SSO token: sign in to Novares and send the token as `authorization: Bearer <token>`",
    );
  if (options.keys) {
    const keys = options.keys;
    return {
      verify(authorization) {
        const token = bearerToken(authorization);
        if (!token) return Promise.reject(missing());
        return verifySsoTokenWithKeys(
          token,
          keys,
          { issuer: options.issuer, audience: options.audience },
          { now: clock(), clockToleranceSeconds: options.clockToleranceSeconds ?? 30 },
        );
      },
    };
  }
  if (!options.publicKey)
    throw new DomainError("invalid-input", "no SSO key: give the issuer's public key or its key set", {
      reason: "SSO_KEY_MISSING",
    });
  const trust = ssoTrust(options.publicKey, options.issuer, options.audience);
  if (trust.algorithm !== ssoAlgorithm) {
    throw new DomainError(
      "invalid-input",
      `the SSO public key is a ${trust.key.asymmetricKeyType ?? "unknown"} key; the gateway accepts RS256 tokens only (an RSA key)`,
      {
        reason: "SSO_KEY_UNSUPPORTED",
      },
    );
  }
  return {
    verify(authorization) {
      const token = bearerToken(authorization);
      if (!token) return Promise.reject(missing());
      return verifySsoToken(token, trust, { now: clock(), clockToleranceSeconds: options.clockToleranceSeconds ?? 30 });
    },
  };
}
