/**
 * The one SSO token verifier of the mesh, used by the gateway (which keeps forged traffic out of the
 * mesh) and by every Novabox (which verifies again, trusting no one but the SSO): the token's key
 * chosen by `kid` in the issuer's key set (./sso-key-set.ts), the algorithm pinned to that key's
 * type, issuer, audience, `exp` and `sub` required (./sso-token.ts does the checks). What differs
 * between the two is only where the trust comes from: fixed at start (gateway) or the box's current
 * settings (read on every call, so a change in the admin panel applies at once).
 */
import type { KeyObject } from "node:crypto";
import { bearerToken } from "./bearer-token.js";
import {
  SsoTokenError,
  ssoTrust,
  verifySsoTokenWithKeys,
  type SsoKeyResolver,
  type TobacconistIdentity,
} from "./sso-token.js";

export type { TobacconistIdentity };

/** What a token is checked against. */
export interface SsoVerifierTrust {
  /** The issuer's keys by `kid`. */
  keys: SsoKeyResolver;
  /** Expected `iss`. */
  issuer: string;
  /** Expected `aud`. */
  audience: string;
}

/** Options of {@link createSsoVerifier}. */
export interface SsoVerifierOptions {
  /**
   * The trust to check against, read on every call; may throw (e.g. a box whose SSO is not
   * configured: the error is the call's answer).
   */
  trust: () => SsoVerifierTrust;
  /** The current time. */
  clock: () => Date;
  /** Accepted clock skew for exp/nbf/iat, seconds (default 30). */
  clockToleranceSeconds?: number;
  /**
   * Accept a bare JWT as well as `Bearer <JWT>` (default false: the `authorization` header must use
   * the Bearer scheme, RFC 6750 §2.1).
   */
  bareTokenAccepted?: boolean;
}

/** Verifies tobacconists' SSO tokens. */
export interface SsoVerifier {
  /**
   * Verifies `authorization` (`Bearer <JWT>`, or the bare JWT) and returns the tobacconist. Throws
   * SsoTokenError (UNAUTHENTICATED; the reason names the failed check) or whatever `trust` throws.
   */
  verify(authorization: string | undefined): Promise<TobacconistIdentity>;
}

/** Creates the {@link SsoVerifier}. */
export function createSsoVerifier(options: SsoVerifierOptions): SsoVerifier {
  return {
    async verify(authorization) {
      if (!options.bareTokenAccepted && !bearerToken(authorization))
        throw new SsoTokenError(
          "TOKEN_MISSING",
          "no SSO token: sign in to Novares and send the token as `authorization: Bearer <token>`",
        );
      const trust = options.trust();
      return verifySsoTokenWithKeys(
        authorization,
        trust.keys,
        { issuer: trust.issuer, audience: trust.audience },
        { now: options.clock(), clockToleranceSeconds: options.clockToleranceSeconds ?? 30 },
      );
    },
  };
}

/**
 * A key set of one fixed public key (PEM or KeyObject), whatever `kid` a token names: the former
 * single-key setting and tests. Throws "invalid-input" SSO_KEY_UNREADABLE / SSO_KEY_UNSUPPORTED.
 */
export function singleKeyResolver(publicKey: string | KeyObject): SsoKeyResolver {
  const trust = ssoTrust(publicKey, "", "");
  const found = { key: trust.key, algorithm: trust.algorithm };
  return { keyFor: () => Promise.resolve(found) };
}
