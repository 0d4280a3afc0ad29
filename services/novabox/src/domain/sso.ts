/**
 * Verifies the Novares SSO token a tobacconist's call carries, against the SSO's key set (the JWKS
 * URL, an uploaded JWK Set, or one PEM key, #shared/sso-key-set.js: keys by `kid`, refreshed on an
 * unknown kid, last good set kept when a fetch fails), issuer and audience in the box's settings
 * (#shared/sso-token.js does the JWT checks, with the algorithm pinned to the key's type). Whether
 * the Comune revoked the tobacconist is not its question: see {@link assertNotRevoked}.
 */
import { createSsoKeySet, type SsoKeySet, type SsoKeySetStatus, type SsoKeySource } from "#shared/mesh/sso-key-set.js";
import { createSsoVerifier } from "#shared/mesh/sso-verifier.js";
import type { TobacconistIdentity } from "#shared/mesh/sso-token.js";
import { isDomainError } from "#shared/runtime/domain-error.js";
import { SsoNotConfiguredError, TobacconistRevokedError } from "./errors.js";
import type { Settings } from "./model.js";
import type { Clock } from "./ports.js";

export type { TobacconistIdentity };
export { algorithmForKey } from "#shared/mesh/sso-token.js";

/** Options of {@link createBoxSsoVerifier}. */
export interface BoxSsoVerifierOptions {
  /** Current settings (keys, issuer, audience, revoked tobacconists), read on every call. */
  settings: () => Settings;
  clock: Clock;
  /** Accepted clock skew for exp/nbf/iat (default 30 s). */
  clockToleranceSeconds?: number;
  /**
   * Builds the key set for a source (the port to the network for a JWKS URL); default
   * #shared/sso-key-set.js with global fetch.
   */
  createKeySet?: (source: SsoKeySource) => SsoKeySet;
  /**
   * Verified tokens kept by their exact text until they expire (default 1024, 0 = verify every
   * call): a tobacconist's next call with the same token skips the signature check, under the same
   * keys, issuer and audience only (#shared/mesh/sso-verifier.js `verifiedTokens`). Revocation is
   * read from the settings at every call all the same ({@link assertNotRevoked}).
   */
  verifiedTokens?: number;
}

/** Verifies tobacconists' SSO tokens with the box's settings. */
export interface BoxSsoVerifier {
  /**
   * Verifies `token` (raw JWT, or `Bearer <JWT>`) and returns the tobacconist it names. Throws
   * "precondition-failed" when SSO is not configured, "unauthenticated" ({@link SsoTokenError}, reason
   * says which check failed) for a missing or invalid token. A revoked tobacconist's valid token
   * verifies: the domain refuses the call ({@link assertNotRevoked}).
   */
  verify(token: string | undefined): Promise<TobacconistIdentity>;
  /** The key set in use (kids, stale after a failed fetch), or undefined when SSO is not configured. */
  keyStatus(): SsoKeySetStatus | undefined;
  /** Stops the key set's background refresh (box shutdown). */
  close(): void;
}

/** The key source the settings name: the JWKS URL, else the uploaded JWK Set, else the PEM key. */
export function ssoKeySourceOf(
  settings: Pick<Settings, "ssoJwksUrl" | "ssoJwks" | "ssoPublicKeyPem">,
): SsoKeySource | undefined {
  if (settings.ssoJwksUrl.trim()) return { kind: "jwks-url", url: settings.ssoJwksUrl.trim() };
  if (settings.ssoJwks.trim()) return { kind: "jwks", json: settings.ssoJwks.trim() };
  if (settings.ssoPublicKeyPem.trim()) return { kind: "pem", pem: settings.ssoPublicKeyPem };
  return undefined;
}

/**
 * Throws {@link TobacconistRevokedError} ("forbidden" TOBACCONIST_REVOKED) when the Comune revoked
 * `tobacconistId` (agreement art. 5.4).
 *
 * The one place a call is checked against the revocations, once per call: the domain services call
 * it first among their checks (certification-service.ts `admit`, consultation-service.ts), inside
 * the step whose failures are audited, so a revoked tobacconist's refused call is in the audit log
 * as DENIED. The box's auth step (handlers/auth.ts) only authenticates the token: revocation is the
 * Comune's decision about an authenticated tobacconist, read from its current settings, and a refusal
 * made before the domain would leave no audit row.
 */
export function assertNotRevoked(settings: Pick<Settings, "revokedTobacconists">, tobacconistId: string): void {
  if (settings.revokedTobacconists.some((r) => r.tobacconistId === tobacconistId))
    throw new TobacconistRevokedError(tobacconistId);
}

/**
 * Creates the {@link BoxSsoVerifier}: the mesh's one verifier (#shared/mesh/sso-verifier.js) with
 * the trust taken from the current settings.
 */
export function createBoxSsoVerifier(options: BoxSsoVerifierOptions): BoxSsoVerifier {
  const build = options.createKeySet ?? ((source: SsoKeySource) => createSsoKeySet({ source, clock: options.clock }));
  /** The key set of the current settings, rebuilt only when the source changes (so its cache survives). */
  let cached: { stamp: string; keys: SsoKeySet } | undefined;

  const keysFor = (settings: Settings): SsoKeySet => {
    const source = ssoKeySourceOf(settings);
    const missing = [
      source ? "" : "sso_jwks_url (or sso_jwks, or sso_public_key_pem)",
      settings.ssoIssuer.trim() ? "" : "sso_issuer",
      settings.ssoAudience.trim() ? "" : "sso_audience",
    ].filter(Boolean);
    if (!source || missing.length > 0)
      throw new SsoNotConfiguredError(
        `SSO is not configured on this Novabox: set ${missing.join(", ")} in the admin panel`,
      );
    const stamp = JSON.stringify(source);
    if (cached?.stamp === stamp) return cached.keys;
    cached?.keys.close();
    cached = undefined;
    try {
      cached = { stamp, keys: build(source) };
      // Fetch a new JWKS address at once, so the panel's SSO_KEYS_STALE says the truth about it
      // (answers or not) before the first tobacconist signs in.
      void cached.keys.refresh();
    } catch (err) {
      const message = isDomainError(err)
        ? `${err.message}; set the Novares SSO keys again in the admin panel`
        : "the SSO key setting cannot be used";
      throw new SsoNotConfiguredError(message, "SSO_KEY_UNSUPPORTED", err);
    }
    return cached.keys;
  };

  const verifier = createSsoVerifier({
    trust: () => {
      const settings = options.settings();
      return { keys: keysFor(settings), issuer: settings.ssoIssuer, audience: settings.ssoAudience };
    },
    clock: options.clock,
    bareTokenAccepted: true,
    verifiedTokens: options.verifiedTokens ?? 1024,
    ...(options.clockToleranceSeconds !== undefined ? { clockToleranceSeconds: options.clockToleranceSeconds } : {}),
  });

  return {
    verify: (token) => verifier.verify(token),
    keyStatus() {
      try {
        return keysFor(options.settings()).status();
      } catch {
        return undefined;
      }
    },
    close() {
      cached?.keys.close();
      cached = undefined;
    },
  };
}
