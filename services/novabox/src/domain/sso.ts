/**
 * Verifies the Novares SSO token a tobacconist's call carries, against the public key, issuer and
 * audience in the box's settings (#shared/sso-token.js does the JWT checks, with the algorithm pinned
 * to the key's type), then refuses tobacconists the Comune revoked.
 */
import { ssoTrust, verifySsoToken, type SsoTrust, type TobacconistIdentity } from "#shared/sso-token.js";
import { isDomainError } from "#shared/domain-error.js";
import { SsoNotConfiguredError, TobacconistRevokedError } from "./errors.js";
import type { Settings } from "./model.js";
import type { Clock } from "./ports.js";

export type { TobacconistIdentity };
export { algorithmForKey } from "#shared/sso-token.js";

/** Options of {@link createSsoVerifier}. */
export interface SsoVerifierOptions {
  /** Current settings (key, issuer, audience, revoked tobacconists), read on every call. */
  settings: () => Settings;
  clock: Clock;
  /** Accepted clock skew for exp/nbf/iat (default 30 s). */
  clockToleranceSeconds?: number;
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

/** Throws {@link TobacconistRevokedError} when the Comune revoked `tobacconistId` (agreement art. 5.4). */
export function assertNotRevoked(settings: Pick<Settings, "revokedTobacconists">, tobacconistId: string): void {
  if (settings.revokedTobacconists.some((r) => r.tobacconistId === tobacconistId)) throw new TobacconistRevokedError(tobacconistId);
}

/** Creates the {@link SsoVerifier}. */
export function createSsoVerifier(options: SsoVerifierOptions): SsoVerifier {
  let cached: { stamp: string; trust: SsoTrust } | undefined;

  const trustFor = (settings: Settings): SsoTrust => {
    const missing = [
      settings.ssoPublicKeyPem.trim() ? "" : "sso_public_key_pem",
      settings.ssoIssuer.trim() ? "" : "sso_issuer",
      settings.ssoAudience.trim() ? "" : "sso_audience",
    ].filter(Boolean);
    if (missing.length > 0) throw new SsoNotConfiguredError(`SSO is not configured on this Novabox: set ${missing.join(", ")} in the admin panel`);
    const stamp = `${settings.ssoPublicKeyPem}\n${settings.ssoIssuer}\n${settings.ssoAudience}`;
    if (cached?.stamp === stamp) return cached.trust;
    try {
      cached = { stamp, trust: ssoTrust(settings.ssoPublicKeyPem, settings.ssoIssuer, settings.ssoAudience) };
    } catch (err) {
      const message = isDomainError(err) ? `${err.message} (sso_public_key_pem); paste the Novares SSO key again` : "sso_public_key_pem cannot be used";
      throw new SsoNotConfiguredError(message, "SSO_KEY_UNSUPPORTED", err);
    }
    return cached.trust;
  };

  return {
    async verify(token) {
      const settings = options.settings();
      const identity = await verifySsoToken(token, trustFor(settings), { now: options.clock(), clockToleranceSeconds: options.clockToleranceSeconds ?? 30 });
      assertNotRevoked(settings, identity.tobacconistId);
      return identity;
    },
  };
}
