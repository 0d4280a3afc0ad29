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
  /**
   * How many verified tokens to keep, by their exact text, so the same token's next call skips the
   * signature check (default 0: every call verifies). A kept token is accepted again only while it
   * has not expired (`exp` with the same tolerance), and only against the same trust: the same key
   * set, issuer and audience, and the same key still published under its `kid`; anything else
   * verifies it afresh. What a token says never changes (it is signed), so nothing else can differ.
   * Whether the tobacconist may act (revocation) is not this verifier's question and is not kept.
   */
  verifiedTokens?: number;
}

/** Verifies tobacconists' SSO tokens. */
export interface SsoVerifier {
  /**
   * Verifies `authorization` (`Bearer <JWT>`, or the bare JWT) and returns the tobacconist. Throws
   * SsoTokenError (UNAUTHENTICATED; the reason names the failed check) or whatever `trust` throws.
   */
  verify(authorization: string | undefined): Promise<TobacconistIdentity>;
}

/** A verified token kept by {@link createSsoVerifier} (`verifiedTokens`). */
interface VerifiedToken {
  identity: TobacconistIdentity;
  /** The trust it was verified against. */
  keys: SsoKeyResolver;
  issuer: string;
  audience: string;
  kid: string | undefined;
  key: KeyObject;
  /** Epoch ms from which jose would refuse it as expired (`exp` plus the tolerance). */
  expiresAtMs: number;
}

/** The `kid` of a JWT's protected header, without verifying anything (undefined when unreadable). */
function kidOf(raw: string): string | undefined {
  const dot = raw.indexOf(".");
  if (dot <= 0) return undefined;
  try {
    const header = JSON.parse(Buffer.from(raw.slice(0, dot), "base64url").toString("utf8")) as { kid?: unknown };
    return typeof header.kid === "string" ? header.kid : undefined;
  } catch {
    return undefined;
  }
}

/** Creates the {@link SsoVerifier}. */
export function createSsoVerifier(options: SsoVerifierOptions): SsoVerifier {
  const toleranceSeconds = options.clockToleranceSeconds ?? 30;
  const capacity = Math.max(0, Math.floor(options.verifiedTokens ?? 0));
  const verified = new Map<string, VerifiedToken>();

  /** The kept verification of `raw`, if it still holds under `trust` at `now`. */
  const kept = async (raw: string, trust: SsoVerifierTrust, now: Date): Promise<TobacconistIdentity | undefined> => {
    const entry = verified.get(raw);
    if (!entry) return undefined;
    if (
      now.getTime() >= entry.expiresAtMs ||
      entry.keys !== trust.keys ||
      entry.issuer !== trust.issuer ||
      entry.audience !== trust.audience
    ) {
      verified.delete(raw);
      return undefined;
    }
    const found = await trust.keys.keyFor(entry.kid);
    if (found?.key !== entry.key) {
      verified.delete(raw);
      return undefined;
    }
    return { ...entry.identity };
  };

  const keep = (raw: string, entry: VerifiedToken) => {
    if (verified.size >= capacity) {
      // Expired ones first; then the oldest kept (a Map iterates in insertion order).
      const nowMs = options.clock().getTime();
      for (const [token, e] of verified) if (nowMs >= e.expiresAtMs) verified.delete(token);
      if (verified.size >= capacity) verified.delete(verified.keys().next().value!);
    }
    verified.set(raw, entry);
  };

  return {
    async verify(authorization) {
      if (!options.bareTokenAccepted && !bearerToken(authorization))
        throw new SsoTokenError(
          "TOKEN_MISSING",
          "no SSO token: sign in to Novares and send the token as `authorization: Bearer <token>`",
        );
      const trust = options.trust();
      const now = options.clock();
      const expected = { issuer: trust.issuer, audience: trust.audience };
      const verifyOptions = { now, clockToleranceSeconds: toleranceSeconds };
      const raw = capacity > 0 ? bearerToken(authorization, { bareAccepted: true }) : undefined;
      if (!raw) return verifySsoTokenWithKeys(authorization, trust.keys, expected, verifyOptions);
      const hit = await kept(raw, trust, now);
      if (hit) return hit;
      // The key is looked up before verifying: if the set changes in between, the kept entry names
      // the older key and the next call simply verifies again.
      const kid = kidOf(raw);
      const found = await trust.keys.keyFor(kid);
      const identity = await verifySsoTokenWithKeys(raw, trust.keys, expected, verifyOptions);
      if (found)
        keep(raw, {
          identity: { ...identity },
          keys: trust.keys,
          ...expected,
          kid,
          key: found.key,
          expiresAtMs: (identity.expiresAt.getTime() / 1000 + toleranceSeconds) * 1000,
        });
      return identity;
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
