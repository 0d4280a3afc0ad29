/**
 * The Comune's configuration operations behind ConfigService: setup status, settings, the upload
 * of the CA certificate and of the workstation PKCS#12 (checked before they are stored: a wrong PIN,
 * a file that is not a PKCS#12, a key that does not match, an expired certificate are refused with
 * a message that says which), and ANPR's connectivity test. Every change is audited; no secret is
 * ever returned or logged.
 */
import { isDiscoveryTarget } from "#shared/mesh/discovery-target.js";
import { parseJwks, validateJwksUrl, type SsoKeySetStatus } from "#shared/mesh/sso-key-set.js";
import { randomUUID } from "node:crypto";
import {
  describeCertificate,
  exportWorkstationKey,
  loadCaBundle,
  loadWorkstationCredentials,
  type CertificateFacts,
} from "#shared/anpr/pki.js";
import { containsProgramText, DomainError } from "#shared/runtime/domain-error.js";
import type { AnprMessage } from "./anpr-errors.js";
import { auditRecord } from "./audit-record.js";
import { auditFailureOf, InvalidInputError } from "./errors.js";
import type { AuditRecord, CertificateSummary, Settings } from "./model.js";
import type { AuditLog, Clock, ConfigStore } from "./ports.js";
import type { AnprGateway } from "./ports.js";
import type { Log } from "#shared/runtime/log.js";

/** Options for {@link createConfigService}. */
export interface ConfigServiceOptions {
  config: ConfigStore;
  audit: AuditLog;
  clock: Clock;
  /** What is still missing before ANPR can be called (empty when ready). */
  missingForAnpr: () => string[];
  /** The ANPR gateway for the current configuration. */
  anpr: () => Promise<AnprGateway>;
  /** Called after any change (health re-check, announcer, client rebuild). */
  onChange?: () => void;
  /** Called when ANPR's connectivity test has just passed (the box can serve at once). */
  onAnprVerified?: () => void;
  /**
   * Proves new credentials with ANPR's connectivity test before they replace the stored ones
   * (`tested: false` when the rest of the configuration is incomplete). Omitted = store at once.
   */
  testCandidate?: (candidate: {
    workstationPkcs12?: Uint8Array;
    workstationPin?: string;
    caCertificatePem?: string;
  }) => Promise<{ tested: boolean }>;
  /** Where a failed connectivity test is logged with its cause (message and code, never content). */
  logger?: Pick<Log, "warn">;
  /**
   * Clock difference with ANPR above which a warning is raised; default 10 s. ANPR refuses
   * messages from a clock off by tens of seconds ("Rejected by policy", italia/anpr#481, #715), and
   * our Timestamp lives 300 s: warn well before either bites.
   */
  maxClockSkewMs?: number;
  /** Warn this many days before the workstation certificate expires; default 30. */
  certificateExpiryWarningDays?: number;
  /**
   * The SSO key set's state (the verifier's), so a JWKS that could not be re-fetched is shown to
   * the administrator: the last good keys stay in use, but a rotation at the SSO will not reach
   * this box until the address works again.
   */
  ssoKeyStatus?: () => SsoKeySetStatus | undefined;
  /**
   * The address the box's gRPC listener is bound to: on all interfaces (0.0.0.0, ::) a loopback
   * advertised host is refused and a missing one is a warning (the router could not dial back).
   */
  listenHost?: string;
  /** Announces this box to Novares once with the current settings (the port to the router). */
  announceOnce?: () => Promise<NovaresAnnouncement>;
}

/** What the router answered to one announcement. */
export type NovaresAnnouncement =
  | { ok: true; instanceId: string; advertisedAddress: string; serving: boolean }
  | { ok: false; advertisedAddress: string; statusCode: string; reason: string; message: string };

/** The result of a test announcement to Novares. */
export interface NovaresTestResult {
  ok: boolean;
  discoveryAddress: string;
  advertisedAddress: string;
  detail: string;
  statusCode: string;
  reason: string;
  failedStage?: "CONFIGURATION" | "NETWORK" | "ROUTER";
  latencyMs: number;
  testedAt: Date;
  instanceId: string;
  serving: boolean;
}

/** True for an address that means "every interface". */
export function isWildcardHost(host: string): boolean {
  return ["0.0.0.0", "::", "[::]", ""].includes(host.trim());
}

/** True for a loopback host name or address (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, "");
  return h === "localhost" || h.endsWith(".localhost") || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}

/** Something the administrator should fix before it stops the box (GetConfig, TestAnprConnection). */
export interface ConfigWarning {
  code:
    | "CLOCK_SKEW"
    | "WORKSTATION_CERTIFICATE_EXPIRING"
    | "ENVIRONMENT_MIGRATED"
    | "SSO_KEYS_STALE"
    | "ADVERTISED_HOST_MISSING"
    | "SSO_NOT_CONFIGURED";
  message: string;
}

/** Whether the box is set up. */
export interface SetupStatus {
  adminRegistered: boolean;
  anprCredentialsSet: boolean;
  configured: boolean;
  missing: string[];
}

/** The result of ANPR's connectivity test. */
export interface ConnectionTestResult {
  ok: boolean;
  detail: string;
  anprErrors: AnprMessage[];
  latencyMs: number;
  testedAt: Date;
  /** Which stage failed: configuration, network, tls, soap, anpr. */
  failedStage?: "CONFIGURATION" | "NETWORK" | "TLS" | "SOAP" | "ANPR";
  /** Box clock minus ANPR's, corrected for half the round trip; absent when ANPR's time is unknown. */
  clockSkewMs?: number;
  /** Clock skew and certificate-expiry warnings raised by this test. */
  warnings: ConfigWarning[];
}

/** The configuration operations. */
export interface ConfigService {
  setupStatus(adminRegistered: boolean): SetupStatus;
  settings(): Settings;
  /**
   * Stores `next` (already validated field by field by the caller's mapping) and audits it; the
   * audit detail lists `changedPaths` (the update mask's paths).
   */
  updateSettings(
    next: Settings,
    actor: string,
    changedPaths?: readonly string[],
  ): { settings: Settings; updatedAt: Date };
  /**
   * Checks the CA certificate, proves it with ANPR's connectivity test (when the rest of the
   * configuration is complete) and only then replaces the stored one; on a failed test the old one
   * stays and {@link CredentialsNotProvenError} says why.
   */
  uploadCaCertificate(bytes: Uint8Array, password: string, actor: string): Promise<CertificateSummary>;
  /** The same for the workstation PKCS#12 (wrong PIN, no key, expired: INVALID_ARGUMENT first). */
  uploadWorkstationCertificate(pkcs12: Uint8Array, pin: string, actor: string): Promise<CertificateSummary>;
  testConnection(actor: string): Promise<ConnectionTestResult>;
  /**
   * Announces the box to Novares once with the current settings and reports the router's answer
   * (never throws for the router's refusal: the result says it); audited.
   */
  testNovaresConnection(actor: string): Promise<NovaresTestResult>;
  /** Audits an export or an integrity check of the audit log (ConfigService audits every method but reads). */
  recordAuditLogAccess(
    operation: "AUDIT_EXPORT" | "AUDIT_VERIFY",
    actor: string,
    outcome: AuditRecord["outcome"],
    detail: string,
  ): void;
  /**
   * The warnings to show now: the clock skew seen at the last connectivity test, the workstation
   * certificate expiring within 30 days, a migration of retired settings made at start.
   */
  warnings(): ConfigWarning[];
  /**
   * Moves settings that name a retired ANPR environment (FREE, switched off on 21 June 2022:
   * italia/anpr#3403) to TEST, persists and audits the change; returns the warning, or undefined when
   * nothing had to change. Called once at start.
   */
  migrateRetiredSettings(): ConfigWarning | undefined;
}

/**
 * Measures the box clock against ANPR's answer time: the box's midpoint of the call minus ANPR's
 * time. With the HTTP Date header (1 s resolution) the error is below 1 s plus half the round trip.
 */
export function clockSkewMs(sentAt: Date, answeredAt: Date, anprTime: Date): number {
  return Math.round((sentAt.getTime() + answeredAt.getTime()) / 2 - anprTime.getTime());
}

const hostName =
  /^(\[[0-9a-fA-F:.]+\]|[0-9a-fA-F:]*:[0-9a-fA-F:.]+|[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*\.?)$/;

/** The Novares and SSO settings (what the box needs to join the mesh), field by field. */
function validateMeshSettings(s: Settings, listenHost: string | undefined): void {
  const address = s.novaresDiscoveryAddress.trim();
  if (address) {
    if (!isDiscoveryTarget(address))
      throw new InvalidInputError(
        "settings.novares_discovery_address",
        `novares_discovery_address must be host:port of the Novares router, e.g. router.novares.it:50060, or a list of routers such as ipv4:10.0.0.1:50060,10.0.0.2:50060 (got "${address}")`,
        "INVALID_DISCOVERY_ADDRESS",
      );
  }
  const host = s.advertisedHost.trim();
  if (host && !hostName.test(host))
    throw new InvalidInputError(
      "settings.advertised_host",
      `advertised_host must be a host name or IP address without scheme or port, e.g. novabox.comune.trento.it (got "${host}")`,
      "INVALID_ADVERTISED_HOST",
    );
  if (host && listenHost !== undefined && isWildcardHost(listenHost) && isLoopbackHost(host))
    throw new InvalidInputError(
      "settings.advertised_host",
      `advertised_host ${host} is a loopback address, but this box listens on all interfaces (${listenHost || "0.0.0.0"}): the router could never reach it there; give the name or address other machines reach this box at`,
      "ADVERTISED_HOST_LOOPBACK",
    );
  if (!Number.isInteger(s.advertisedPort) || s.advertisedPort < 0 || s.advertisedPort > 65535)
    throw new InvalidInputError(
      "settings.advertised_port",
      "advertised_port must be a TCP port from 1 to 65535, or 0 for the port the box listens on",
      "INVALID_ADVERTISED_PORT",
    );
  for (const [field, value] of [
    ["sso_issuer", s.ssoIssuer],
    ["sso_jwks_url", s.ssoJwksUrl],
  ] as const) {
    if (value.trim() && !URL.canParse(value.trim()))
      throw new InvalidInputError(
        `settings.${field}`,
        `${field} must be a URL, e.g. https://sso.novares.it (got "${value.trim()}")`,
        field === "sso_issuer" ? "INVALID_SSO_ISSUER" : "INVALID_SSO_KEY",
      );
  }
}

function validateSettings(s: Settings): void {
  if (s.comuneCode && !/^\d{6}$/.test(s.comuneCode))
    throw new InvalidInputError(
      "settings.comune_code",
      `comune_code must be the 6-digit ISTAT code (got "${s.comuneCode}")`,
      "INVALID_COMUNE_CODE",
    );
  // 0 means "never purged" / "no limit" / "no check", as the proto says.
  if (!Number.isInteger(s.logRetentionDays) || s.logRetentionDays < 0 || s.logRetentionDays > 3650) {
    throw new InvalidInputError(
      "settings.log_retention_days",
      "log_retention_days must be from 1 to 3650 days, or 0 to keep the audit log forever",
      "INVALID_RETENTION",
    );
  }
  if (!Number.isInteger(s.rateLimits.perTobacconistPerMinute) || s.rateLimits.perTobacconistPerMinute < 0) {
    throw new InvalidInputError(
      "settings.rate_limits.per_tobacconist_per_minute",
      "per_tobacconist_per_minute must be a whole number of calls per minute, or 0 for no limit",
      "INVALID_RATE_LIMIT",
    );
  }
  if (
    !Number.isInteger(s.rateLimits.massExtractionDistinctFiscalCodes) ||
    s.rateLimits.massExtractionDistinctFiscalCodes < 0
  ) {
    throw new InvalidInputError(
      "settings.rate_limits.mass_extraction_distinct_fiscal_codes",
      "mass_extraction_distinct_fiscal_codes must be a whole number of codici fiscali, or 0 for no check",
      "INVALID_RATE_LIMIT",
    );
  }
  if (s.serviceFeeCents < 0 || s.stampDutyCents < 0 || s.secretariatFeesCents < 0)
    throw new InvalidInputError("settings.service_fee_cents", "fees cannot be negative", "INVALID_FEE");
  if (s.ssoPublicKeyPem && !/-----BEGIN PUBLIC KEY-----/.test(s.ssoPublicKeyPem)) {
    throw new InvalidInputError(
      "settings.sso_public_key_pem",
      "sso_public_key_pem must be a PEM public key (-----BEGIN PUBLIC KEY-----)",
      "INVALID_SSO_KEY",
    );
  }
  for (const [field, check] of [
    ["sso_jwks_url", () => s.ssoJwksUrl && validateJwksUrl(s.ssoJwksUrl)],
    ["sso_jwks", () => s.ssoJwks && parseJwks(s.ssoJwks)],
  ] as const) {
    try {
      check();
    } catch (err) {
      throw new InvalidInputError(
        `settings.${field}`,
        `${field}: ${err instanceof Error ? err.message : String(err)}`,
        "INVALID_SSO_KEY",
      );
    }
  }
}

const stageWords: Record<string, string> = {
  ANPR_SECURITY_FAULT: "ANPR refused the signed request",
  ANPR_FAULT: "ANPR answered with an error",
  ANPR_REJECTED: "ANPR answered KO",
  ANPR_UNAVAILABLE: "ANPR could not be reached securely with it",
  ANPR_TIMEOUT: "ANPR did not answer in time",
  ANPR_BAD_RESPONSE: "ANPR's answer could not be read",
  ANPR_RESPONSE_SIGNATURE_INVALID: "ANPR's answer failed the signature check",
};

/**
 * New credentials failed ANPR's connectivity test: they were not stored, and the box keeps the
 * previous ones (FAILED_PRECONDITION; `field` is the upload's file field).
 */
export class CredentialsNotProvenError extends DomainError {
  constructor(what: "workstation certificate" | "CA certificate", field: string, cause: unknown) {
    const reason = cause instanceof DomainError ? cause.reason : "";
    const said = cause instanceof Error && !containsProgramText(cause.message) ? `: ${cause.message}` : "";
    super(
      "precondition-failed",
      `the new ${what} was not installed: ANPR's connectivity test with it failed (${stageWords[reason] ?? "the test did not pass"}${said}). ` +
        `The box keeps using the previous ${what}; check that the file is the one issued for this workstation and that ANPR trusts it, then upload it again.`,
      { reason: "CREDENTIALS_NOT_PROVEN", field, metadata: { failedReason: reason || "UNKNOWN" }, cause },
    );
  }
}

function summaryOf(info: CertificateFacts, uploadedAt: Date): CertificateSummary {
  return {
    uploadedAt,
    sha256Fingerprint: info.fingerprintSha256,
    subject: info.subject,
    issuer: info.issuer,
    serialNumber: info.serialNumber,
    notBefore: info.notBefore,
    notAfter: info.notAfter,
  };
}

/** Creates the {@link ConfigService}. */
export function createConfigService(options: ConfigServiceOptions): ConfigService {
  const { config, audit, clock } = options;
  const maxSkewMs = options.maxClockSkewMs ?? 10_000;
  const expiryWarningMs = (options.certificateExpiryWarningDays ?? 30) * 86_400_000;
  let skewWarning: ConfigWarning | undefined;
  let migrationWarning: ConfigWarning | undefined;
  const skewWarningOf = (skewMs: number): ConfigWarning | undefined =>
    Math.abs(skewMs) > maxSkewMs
      ? {
          code: "CLOCK_SKEW",
          message: `this box's clock is ${(Math.abs(skewMs) / 1000).toFixed(1)} s ${skewMs > 0 ? "ahead of" : "behind"} ANPR's: ANPR refuses messages from a clock off by tens of seconds ("Rejected by policy"); synchronise the clock with NTP`,
        }
      : undefined;
  const expiryWarning = (): ConfigWarning | undefined => {
    const summary = config.workstationCertificateSummary();
    if (!summary) return undefined;
    const left = summary.notAfter.getTime() - clock().getTime();
    if (left > expiryWarningMs) return undefined;
    const day = summary.notAfter.toISOString().slice(0, 10);
    return {
      code: "WORKSTATION_CERTIFICATE_EXPIRING",
      message:
        left <= 0
          ? `the workstation certificate expired on ${day}: ANPR refuses every request; upload the renewed certificate`
          : `the workstation certificate expires on ${day} (in ${Math.ceil(left / 86_400_000)} days): request the renewal now and upload it before then`,
    };
  };
  const ssoWarning = (): ConfigWarning | undefined => {
    const status = options.ssoKeyStatus?.();
    if (!status?.stale) return undefined;
    return {
      code: "SSO_KEYS_STALE",
      message: status.loadedAt
        ? `the SSO key set could not be fetched again (${status.lastError ?? "unknown error"}): the keys loaded at ${status.loadedAt.toISOString()} (kid ${status.kids.join(", ")}) stay in use, but a new SSO key will be refused until the JWKS address answers; check sso_jwks_url`
        : status.lastError
          ? `the SSO key set was never fetched (${status.lastError}): no tobacconist can be authenticated; check sso_jwks_url`
          : "the SSO key set is being fetched for the first time: reload in a moment",
    };
  };
  /** The box cannot join the mesh usefully: no advertised host while listening on all interfaces. */
  const advertisedWarning = (): ConfigWarning | undefined => {
    const s = config.getSettings();
    if (!s.novaresDiscoveryAddress || s.advertisedHost.trim() || options.listenHost === undefined) return undefined;
    if (!isWildcardHost(options.listenHost)) return undefined;
    return {
      code: "ADVERTISED_HOST_MISSING",
      message: `this box listens on all interfaces (${options.listenHost || "0.0.0.0"}) and has no advertised_host: it does not announce itself to Novares until you set the name or address the router reaches it at`,
    };
  };
  /** The box is in the mesh but cannot authenticate tobacconists: every call would be refused. */
  const ssoMissingWarning = (): ConfigWarning | undefined => {
    const s = config.getSettings();
    if (!s.novaresDiscoveryAddress) return undefined;
    const missing = [
      s.ssoJwksUrl || s.ssoJwks || s.ssoPublicKeyPem ? "" : "sso_jwks_url (or sso_jwks)",
      s.ssoIssuer ? "" : "sso_issuer",
      s.ssoAudience ? "" : "sso_audience",
    ].filter(Boolean);
    if (missing.length === 0) return undefined;
    return {
      code: "SSO_NOT_CONFIGURED",
      message: `the Novares SSO is not configured (missing ${missing.join(", ")}): every tobacconist's call is refused until it is`,
    };
  };
  const currentWarnings = () =>
    [migrationWarning, skewWarning, expiryWarning(), ssoWarning(), advertisedWarning(), ssoMissingWarning()].filter(
      (w): w is ConfigWarning => w !== undefined,
    );
  const record = (operation: AuditRecord["operation"], actor: string, fields: Partial<AuditRecord> = {}) =>
    audit.append(
      auditRecord(operation, { authenticationMethod: "ADMIN_SESSION", actor, requestId: randomUUID() }, fields),
    );
  const guarded = <T>(operation: AuditRecord["operation"], actor: string, run: () => T): T => {
    try {
      return run();
    } catch (err) {
      const failure = auditFailureOf(err);
      record(operation, actor, { outcome: failure.outcome, detail: failure.detail });
      throw err;
    }
  };

  const guardedAsync = async <T>(
    operation: AuditRecord["operation"],
    actor: string,
    run: () => Promise<T>,
  ): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      const failure = auditFailureOf(err);
      record(operation, actor, { outcome: failure.outcome, detail: failure.detail });
      throw err;
    }
  };
  /** Proves candidate credentials with ANPR (see ConfigServiceOptions.testCandidate). */
  const prove = async (
    candidate: Parameters<NonNullable<ConfigServiceOptions["testCandidate"]>>[0],
    what: "workstation certificate" | "CA certificate",
    field: string,
  ): Promise<{ tested: boolean }> => {
    if (!options.testCandidate) return { tested: false };
    try {
      return await options.testCandidate(candidate);
    } catch (err) {
      options.logger?.warn(
        { err, candidate: what },
        "new ANPR credentials failed the connectivity test: not installed",
      );
      throw new CredentialsNotProvenError(what, field, err);
    }
  };

  return {
    setupStatus(adminRegistered) {
      const missing = options.missingForAnpr();
      const anprCredentialsSet = !!config.caCertificateSummary() && !!config.workstationCertificateSummary();
      return {
        adminRegistered,
        anprCredentialsSet,
        configured: adminRegistered && missing.length === 0,
        missing: adminRegistered ? missing : ["admin", ...missing],
      };
    },
    settings: () => config.getSettings(),
    updateSettings(next, actor, changedPaths) {
      return guarded("CONFIG_UPDATE", actor, () => {
        validateSettings(next);
        validateMeshSettings(next, options.listenHost);
        const saved = config.saveSettings(next);
        record("CONFIG_UPDATE", actor, {
          detail:
            changedPaths && changedPaths.length > 0
              ? `settings updated: ${changedPaths.join(", ")}`
              : "settings updated",
        });
        options.onChange?.();
        return saved;
      });
    },
    async uploadCaCertificate(bytes, password, actor) {
      return guardedAsync("CA_CERTIFICATE_UPLOAD", actor, async () => {
        // ANPR's TLS is trusted by CA, never by its server (leaf) certificate, so a server
        // certificate re-issued by the same CA keeps working; a bundle holds the old and the new CA
        // through a rotation (italia/anpr#1905; rotations in #4339, #5148).
        const bundle = loadCaBundle(bytes);
        const now = clock();
        const leaf = bundle.find((c) => !c.isCa);
        if (leaf) {
          throw new InvalidInputError(
            "certificate",
            `${leaf.subject} is not a CA certificate (it is a server or personal certificate, issued by ${leaf.issuer}): ANPR is trusted by the CA that issues its server certificates, so that a renewed server certificate keeps working; upload that CA's certificate, or a PEM bundle of CA certificates`,
            "NOT_A_CA",
          );
        }
        const valid = bundle.filter((c) => c.notAfter >= now);
        const expired = bundle.filter((c) => c.notAfter < now);
        const first = valid[0];
        if (!first) {
          const last = expired[expired.length - 1]!;
          throw new InvalidInputError(
            "certificate",
            `the CA certificate${bundle.length > 1 ? "s" : ""} expired (${last.subject} on ${last.notAfter.toISOString().slice(0, 10)})`,
            "CERT_EXPIRED",
          );
        }
        const summary = summaryOf(first, now);
        const pem = valid.map((c) => c.pem).join("");
        const proof = await prove({ caCertificatePem: pem }, "CA certificate", "certificate");
        config.saveCaCertificate(pem, password, summary);
        const described = valid.map((c) => `${c.subject} ${c.fingerprintSha256}`).join("; ");
        const dropped = expired.length > 0 ? `; left out, expired: ${expired.map((c) => c.subject).join("; ")}` : "";
        record("CA_CERTIFICATE_UPLOAD", actor, {
          detail:
            `${valid.length > 1 ? `CA bundle of ${valid.length}` : "CA"} ${described}${dropped}${proof.tested ? " (ANPR connectivity test passed)" : ""}`.slice(
              0,
              1000,
            ),
        });
        options.onChange?.();
        return summary;
      });
    },
    async uploadWorkstationCertificate(pkcs12, pin, actor) {
      return guardedAsync("WORKSTATION_CERTIFICATE_UPLOAD", actor, async () => {
        let credentials;
        try {
          credentials = loadWorkstationCredentials(pkcs12, pin, { now: clock() });
        } catch (err) {
          if (err instanceof DomainError && err.kind === "invalid-input") {
            const field = err.reason === "WRONG_PIN" ? "pin" : "pkcs12";
            throw new InvalidInputError(field, err.message, err.reason);
          }
          throw err;
        }
        const summary = summaryOf(describeCertificate(credentials.certificatePem), clock());
        const proof = await prove(
          { workstationPkcs12: pkcs12, workstationPin: pin },
          "workstation certificate",
          "pkcs12",
        );
        config.saveWorkstationCertificate(pkcs12, pin, exportWorkstationKey(credentials), summary);
        record("WORKSTATION_CERTIFICATE_UPLOAD", actor, {
          detail: `workstation ${summary.subject} ${summary.sha256Fingerprint}${proof.tested ? " (ANPR connectivity test passed)" : ""}`,
        });
        options.onChange?.();
        return summary;
      });
    },
    async testNovaresConnection(actor) {
      const testedAt = clock();
      const s = config.getSettings();
      const discoveryAddress = s.novaresDiscoveryAddress;
      const base = {
        discoveryAddress,
        testedAt,
        statusCode: "",
        reason: "",
        instanceId: "",
        serving: false,
        latencyMs: 0,
      };
      const missing = [
        discoveryAddress ? "" : "novares_discovery_address",
        s.comuneCode ? "" : "comune_code",
        s.workstationId ? "" : "workstation_id",
      ].filter(Boolean);
      const notReady = missing.length > 0 ? `missing ${missing.join(", ")}` : advertisedWarning()?.message;
      if (notReady || !options.announceOnce) {
        const detail = notReady ?? "this box has no connection to Novares configured";
        record("NOVARES_CONNECTION_TEST", actor, { outcome: "INVALID", detail });
        return {
          ...base,
          ok: false,
          advertisedAddress: "",
          detail: `nothing was sent to Novares: ${detail}`,
          failedStage: "CONFIGURATION",
        };
      }
      const started = Date.now();
      const answer = await options.announceOnce();
      const latencyMs = Date.now() - started;
      if (answer.ok) {
        record("NOVARES_CONNECTION_TEST", actor, {
          detail: `announced ${answer.advertisedAddress} to ${discoveryAddress}: instance ${answer.instanceId}, ${answer.serving ? "SERVING" : "NOT_SERVING"}`,
        });
        return {
          ...base,
          ok: true,
          advertisedAddress: answer.advertisedAddress,
          statusCode: "OK",
          instanceId: answer.instanceId,
          serving: answer.serving,
          latencyMs,
          detail: answer.serving
            ? `Novares listed this box as ${answer.instanceId}, serving: the router routes the Comune's calls to ${answer.advertisedAddress}`
            : `Novares listed this box as ${answer.instanceId}, not serving yet: it is routed to once ANPR's connectivity test passes`,
        };
      }
      const network = ["UNAVAILABLE", "DEADLINE_EXCEEDED"].includes(answer.statusCode);
      const detail = network
        ? `Novares could not be reached at ${discoveryAddress} (${answer.statusCode}: ${answer.message}): check the address, that the router is running and that this box trusts the mesh CA`
        : answer.statusCode === "PERMISSION_DENIED"
          ? `Novares refused the announcement (${answer.reason || answer.statusCode}): ${answer.message}. The box's mesh certificate must name Comune ${s.comuneCode} and workstation ${s.workstationId}`
          : `Novares refused the announcement (${answer.statusCode}${answer.reason ? `, ${answer.reason}` : ""}): ${answer.message}`;
      record("NOVARES_CONNECTION_TEST", actor, {
        outcome: network ? "FAILED" : "DENIED",
        detail: `${answer.statusCode}${answer.reason ? ` ${answer.reason}` : ""}`,
      });
      return {
        ...base,
        ok: false,
        advertisedAddress: answer.advertisedAddress,
        statusCode: answer.statusCode,
        reason: answer.reason,
        latencyMs,
        detail,
        failedStage: network ? "NETWORK" : "ROUTER",
      };
    },
    recordAuditLogAccess(operation, actor, outcome, detail) {
      record(operation, actor, { outcome, detail });
    },
    async testConnection(actor) {
      const started = Date.now();
      const testedAt = clock();
      const missing = options.missingForAnpr();
      if (missing.length > 0) {
        record("ANPR_CONNECTION_TEST", actor, { outcome: "INVALID", detail: `missing ${missing.join(", ")}` });
        return {
          ok: false,
          detail: `configuration incomplete: missing ${missing.join(", ")}`,
          anprErrors: [],
          latencyMs: 0,
          testedAt,
          failedStage: "CONFIGURATION",
          warnings: currentWarnings(),
        };
      }
      try {
        const result = await (await options.anpr()).testConnection();
        const skew = result.anprTime ? clockSkewMs(result.sentAt, result.answeredAt, result.anprTime) : undefined;
        skewWarning = skew === undefined ? undefined : skewWarningOf(skew);
        const skewNote = skew === undefined ? "" : `, clock skew ${skew} ms`;
        record("ANPR_CONNECTION_TEST", actor, {
          anprOperationId: result.anprOperationId,
          detail: `esito ${result.outcome}${skewNote}`,
        });
        options.onAnprVerified?.();
        return {
          ok: true,
          detail: `ANPR answered ${result.outcome}`,
          anprErrors: [],
          latencyMs: Date.now() - started,
          testedAt,
          ...(skew === undefined ? {} : { clockSkewMs: skew }),
          warnings: [skewWarning, expiryWarning()].filter((w): w is ConfigWarning => w !== undefined),
        };
      } catch (err) {
        const failure = auditFailureOf(err);
        options.logger?.warn({ err }, "ANPR connectivity test failed");
        record("ANPR_CONNECTION_TEST", actor, {
          outcome: failure.outcome,
          anprErrorCode: failure.anprErrorCode,
          detail: failure.detail,
        });
        const reason = err instanceof DomainError ? err.reason : "";
        const failedStage =
          reason === "ANPR_REJECTED" || reason.includes("FAULT")
            ? "ANPR"
            : reason === "ANPR_BAD_RESPONSE"
              ? "SOAP"
              : /TLS|certificate/i.test(err instanceof Error ? err.message : "")
                ? "TLS"
                : "NETWORK";
        const errors = (err as { errors?: AnprMessage[] }).errors ?? [];
        const message = err instanceof Error ? err.message : String(err);
        const detail = containsProgramText(message)
          ? "ANPR's answer could not be read; the details are in the Novabox's log"
          : message;
        return {
          ok: false,
          detail,
          anprErrors: [...errors],
          latencyMs: Date.now() - started,
          testedAt,
          failedStage,
          warnings: currentWarnings(),
        };
      }
    },
    warnings: currentWarnings,
    migrateRetiredSettings() {
      const retired = config.retiredEnvironment();
      if (!retired) return undefined;
      config.saveSettings(config.getSettings());
      migrationWarning = {
        code: "ENVIRONMENT_MIGRATED",
        message: `the stored ANPR environment was ${retired}, which ANPR switched off on 21 June 2022 (italia/anpr#3403); it is now TEST, the Comune's "test comuni" environment: check the base URL and the credentials, then run the connectivity test`,
      };
      audit.append(
        auditRecord(
          "CONFIG_UPDATE",
          { authenticationMethod: "SYSTEM", actor: "novabox", requestId: randomUUID() },
          { detail: `anpr environment ${retired} migrated to TEST (italia/anpr#3403)` },
        ),
      );
      return migrationWarning;
    },
  };
}
