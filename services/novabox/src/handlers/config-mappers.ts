/**
 * Maps novabox.config.v1 messages to and from the domain's values (domain/model.ts). Enum names
 * are shared by construction: the domain's string unions are the proto enum names without their
 * prefix.
 */
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate, durationFromMs, type Timestamp } from "@bufbuild/protobuf/wkt";
import {
  AnprEnvironment as PbEnvironment,
  AuditIntegrityFailure,
  AuditOperation as PbOperation,
  AuditOutcome as PbOutcome,
  AuthenticationMethod as PbAuthentication,
  CertificateInfoSchema,
  SettingsSchema,
  SignatureAlgorithm as PbAlgorithm,
  WitnessOutcome,
  type AuditEntrySchema,
  type GetAuditSummaryResponseSchema,
  type WitnessVerificationSchema,
  type AuditLogFilter,
  type CertificateInfo,
  type Settings as PbSettings,
} from "#gen/novabox/config/v1/config_service_pb.js";
import {
  defaultAnprInterfaceVersion,
  pickPlainSettings,
  type AuditEntry,
  type AuditFilter,
  type AuditOperation,
  type AuditOutcome,
  type AuditVerification,
  type CertificateSummary,
  type Settings,
} from "../domain/model.js";
import { DomainError } from "#shared/runtime/domain-error.js";
import type { WeeklySummary } from "../domain/audit-analysis.js";
import type { WitnessComparison } from "../domain/witness-comparison.js";

const environments = ["PROD", "PRE", "TEST"] as const;

/** Domain settings → message. */
export function settingsToMessage(s: Settings): PbSettings {
  return create(SettingsSchema, {
    ...pickPlainSettings(s),
    anprEnvironment: PbEnvironment[s.environment],
    signatureAlgorithm: s.signatureAlgorithm === "rsa-sha1" ? PbAlgorithm.RSA_SHA1 : PbAlgorithm.RSA_SHA256,
    rateLimits: {
      perTobacconistPerMinute: s.rateLimits.perTobacconistPerMinute,
      massExtractionDistinctFiscalCodes: s.rateLimits.massExtractionDistinctFiscalCodes,
      massExtractionWindow: durationFromMs(s.rateLimits.massExtractionWindowSeconds * 1000),
    },
    revokedTobacconists: s.revokedTobacconists.map((r) => ({
      tobacconistId: r.tobacconistId,
      reason: r.reason,
      revokedAt: timestampFromDate(r.revokedAt),
    })),
    serviceFeeCents: BigInt(s.serviceFeeCents),
    stampDutyCents: BigInt(s.stampDutyCents),
    secretariatFeesCents: BigInt(s.secretariatFeesCents),
    enabledCertificateTypes: s.enabledCertificateTypes,
  });
}

/** Fields of Settings (proto names) and how each is copied onto the domain value. */
const fieldSetters: Record<string, (target: Settings, source: PbSettings, now: Date) => void> = {
  operator_id: (t, s) => (t.operatorId = s.operatorId.trim()),
  office_id: (t, s) => (t.officeId = s.officeId.trim()),
  workstation_id: (t, s) => (t.workstationId = s.workstationId.trim()),
  comune_code: (t, s) => (t.comuneCode = s.comuneCode.trim()),
  comune_name: (t, s) => (t.comuneName = s.comuneName.trim()),
  anpr_environment: (t, s) => {
    const name = PbEnvironment[s.anprEnvironment] as (typeof environments)[number] | "FREE" | undefined;
    if (name === "FREE") {
      throw invalid(
        "settings.anpr_environment",
        'ANPR switched the FREE environment off on 21 June 2022 (italia/anpr#3403): choose TEST, the Comune\'s "test comuni" environment',
      );
    }
    if (!name || !environments.includes(name))
      throw invalid("settings.anpr_environment", "choose an ANPR environment: PROD, PRE or TEST");
    t.environment = name;
  },
  anpr_interface_version: (t, s) => {
    const version = s.anprInterfaceVersion.trim().toUpperCase() || defaultAnprInterfaceVersion;
    // tipoCodDestinatario in tipoDato.xsd: 1-6 letters, digits or spaces; ANPR's versions are ANPRnn.
    if (!/^ANPR\d{2}$/.test(version))
      throw invalid(
        "settings.anpr_interface_version",
        `anpr_interface_version must be an ANPR interface version such as ANPR05 (got "${s.anprInterfaceVersion}")`,
      );
    t.anprInterfaceVersion = version;
  },
  anpr_base_url: (t, s) => {
    const url = s.anprBaseUrl.trim();
    if (url && !/^https:\/\/[^\s/]+/.test(url))
      throw invalid("settings.anpr_base_url", `the ANPR base URL must start with https:// (got "${url}")`);
    t.anprBaseUrl = url.replace(/\/+$/, "");
  },
  registry_officer_surname: (t, s) => (t.registryOfficerSurname = s.registryOfficerSurname.trim()),
  registry_officer_name: (t, s) => (t.registryOfficerName = s.registryOfficerName.trim()),
  signature_algorithm: (t, s) =>
    (t.signatureAlgorithm = s.signatureAlgorithm === PbAlgorithm.RSA_SHA1 ? "rsa-sha1" : "rsa-sha256"),
  novares_discovery_address: (t, s) => (t.novaresDiscoveryAddress = s.novaresDiscoveryAddress.trim()),
  advertised_host: (t, s) => (t.advertisedHost = s.advertisedHost.trim()),
  advertised_port: (t, s) => (t.advertisedPort = s.advertisedPort),
  sso_public_key_pem: (t, s) => (t.ssoPublicKeyPem = s.ssoPublicKeyPem.trim()),
  sso_issuer: (t, s) => (t.ssoIssuer = s.ssoIssuer.trim()),
  sso_audience: (t, s) => (t.ssoAudience = s.ssoAudience.trim()),
  log_retention_days: (t, s) => (t.logRetentionDays = s.logRetentionDays),
  rate_limits: (t, s) => {
    const r = s.rateLimits;
    if (!r) throw invalid("settings.rate_limits", "rate_limits is in the update mask but not set");
    const windowSeconds = Number(r.massExtractionWindow?.seconds ?? 0n);
    t.rateLimits = {
      perTobacconistPerMinute: r.perTobacconistPerMinute,
      massExtractionDistinctFiscalCodes: r.massExtractionDistinctFiscalCodes,
      massExtractionWindowSeconds: windowSeconds || t.rateLimits.massExtractionWindowSeconds,
    };
  },
  // Each rate limit also has its own path, so one can change without restating the others.
  "rate_limits.per_tobacconist_per_minute": (t, s) =>
    (t.rateLimits = { ...t.rateLimits, perTobacconistPerMinute: s.rateLimits?.perTobacconistPerMinute ?? 0 }),
  "rate_limits.mass_extraction_distinct_fiscal_codes": (t, s) =>
    (t.rateLimits = {
      ...t.rateLimits,
      massExtractionDistinctFiscalCodes: s.rateLimits?.massExtractionDistinctFiscalCodes ?? 0,
    }),
  "rate_limits.mass_extraction_window": (t, s) => {
    const window = s.rateLimits?.massExtractionWindow;
    const seconds = Number(window?.seconds ?? 0n) + Math.ceil((window?.nanos ?? 0) / 1e9);
    if (seconds < 1) {
      throw invalid(
        "settings.rate_limits.mass_extraction_window",
        "mass_extraction_window must be at least 1s (to turn the mass-extraction check off, set mass_extraction_distinct_fiscal_codes to 0)",
      );
    }
    t.rateLimits = { ...t.rateLimits, massExtractionWindowSeconds: seconds };
  },
  revoked_tobacconists: (t, s, now) =>
    (t.revokedTobacconists = s.revokedTobacconists.map((r) => ({
      tobacconistId: r.tobacconistId.trim(),
      reason: r.reason.trim(),
      revokedAt: r.revokedAt ? timestampDate(r.revokedAt) : now,
    }))),
  service_fee_cents: (t, s) => (t.serviceFeeCents = Number(s.serviceFeeCents)),
  stamp_duty_cents: (t, s) => (t.stampDutyCents = Number(s.stampDutyCents)),
  secretariat_fees_cents: (t, s) => (t.secretariatFeesCents = Number(s.secretariatFeesCents)),
  enabled_certificate_types: (t, s) => (t.enabledCertificateTypes = [...s.enabledCertificateTypes]),
  experimental_phase: (t, s) => (t.experimentalPhase = s.experimentalPhase),
  sso_jwks_url: (t, s) => (t.ssoJwksUrl = s.ssoJwksUrl.trim()),
  sso_jwks: (t, s) => (t.ssoJwks = s.ssoJwks.trim()),
};

function invalid(field: string, message: string): DomainError {
  return new DomainError("invalid-input", message, { field, reason: "INVALID_SETTING" });
}

/**
 * Applies the fields named in `paths` (FieldMask paths, `settings.` prefix optional; `*` = all)
 * from `source` onto a copy of `current`. An empty mask or an unknown path is refused, naming it.
 */
export function applySettingsUpdate(
  current: Settings,
  source: PbSettings | undefined,
  paths: readonly string[],
  now: Date,
): Settings {
  if (!source) throw invalid("settings", "settings are required");
  if (paths.length === 0)
    throw invalid("update_mask", 'update_mask is empty: list the settings to change (or "*" for all)');
  const names = paths.includes("*")
    ? Object.keys(fieldSetters).filter((name) => !name.includes("."))
    : paths.map((p) => p.trim().replace(/^settings\./, ""));
  const next: Settings = structuredClone(current);
  for (const name of names) {
    const setter = fieldSetters[name];
    if (!setter)
      throw invalid(
        "update_mask",
        `unknown setting "${name}" in update_mask; known: ${Object.keys(fieldSetters).join(", ")}`,
      );
    setter(next, source, now);
  }
  return next;
}

/** Certificate summary → message. */
export function certificateInfo(summary: CertificateSummary | undefined): CertificateInfo | undefined {
  if (!summary) return undefined;
  return create(CertificateInfoSchema, {
    uploadedAt: timestampFromDate(summary.uploadedAt),
    sha256Fingerprint: summary.sha256Fingerprint,
    subject: summary.subject,
    issuer: summary.issuer,
    serialNumber: summary.serialNumber,
    notBefore: timestampFromDate(summary.notBefore),
    notAfter: timestampFromDate(summary.notAfter),
  });
}

/** Audit row → message. */
export function auditEntryToMessage(e: AuditEntry): MessageInitShape<typeof AuditEntrySchema> {
  return {
    id: BigInt(e.id),
    time: timestampFromDate(e.time),
    operation: PbOperation[e.operation],
    outcome: PbOutcome[e.outcome],
    fiscalCode: e.fiscalCode,
    requestId: e.requestId,
    authenticationMethod: PbAuthentication[e.authenticationMethod],
    tobacconistId: e.tobacconistId,
    actor: e.actor,
    anprProtocolNumber: e.anprProtocolNumber,
    anprOperationId: e.anprOperationId,
    anprErrorCode: e.anprErrorCode,
    detail: e.detail,
    previousHash: e.previousHash,
    hash: e.hash,
  };
}

const time = (t: Timestamp | undefined) => (t ? timestampDate(t) : undefined);

/** Filter message → domain filter. */
export function auditFilterFromMessage(f: AuditLogFilter | undefined): AuditFilter {
  if (!f) return {};
  const filter: AuditFilter = {};
  const start = time(f.startTime);
  const end = time(f.endTime);
  if (start) filter.startTime = start;
  if (end) filter.endTime = end;
  if (f.operations.length > 0) filter.operations = f.operations.map((o) => PbOperation[o] as AuditOperation);
  if (f.outcomes.length > 0) filter.outcomes = f.outcomes.map((o) => PbOutcome[o] as AuditOutcome);
  if (f.tobacconistId) filter.tobacconistId = f.tobacconistId;
  if (f.fiscalCode) filter.fiscalCode = f.fiscalCode.toUpperCase();
  return filter;
}

/** Verification → the response's fields. */
export function verificationToMessage(v: AuditVerification, now: Date) {
  return {
    ok: v.ok,
    rowsChecked: BigInt(v.rowsChecked),
    firstBrokenId: BigInt(v.firstBrokenId ?? 0),
    failure: v.failure ? AuditIntegrityFailure[v.failure] : AuditIntegrityFailure.UNSPECIFIED,
    reason: v.reason ?? "",
    headHash: v.headHash,
    verifiedAt: timestampFromDate(now),
    hmacChecked: v.hmacChecked ?? false,
  };
}

/** Witness comparison → WitnessVerification. */
export function witnessToMessage(w: WitnessComparison): MessageInitShape<typeof WitnessVerificationSchema> {
  return {
    outcome: WitnessOutcome[w.outcome],
    checkpointsChecked: BigInt(w.checked),
    firstDisagreeingSequence: BigInt(w.first?.sequence ?? 0),
    firstDisagreeingId: BigInt(w.first?.lastId ?? 0),
    ...(w.first ? { firstDisagreeingWitnessedAt: timestampFromDate(w.first.witnessedAt) } : {}),
    reason: w.reason ?? "",
    restoreGap: w.restoreGap ?? "",
  };
}

/** Weekly summary → GetAuditSummaryResponse. */
export function summaryToMessage(s: WeeklySummary): MessageInitShape<typeof GetAuditSummaryResponseSchema> {
  return {
    weekStart: timestampFromDate(s.weekStart),
    generatedAt: timestampFromDate(s.generatedAt),
    entries: BigInt(s.entries),
    certificatesIssued: BigInt(s.certificatesIssued),
    refusals: BigInt(s.refusals),
    tobacconists: BigInt(s.tobacconists),
    alerts: s.alerts.map((a) => ({
      entryId: BigInt(a.entryId),
      time: timestampFromDate(a.time),
      rule: a.rule,
      tobacconistId: a.tobacconistId,
      detail: a.detail,
    })),
    ...(s.lastAnalysisAt ? { lastAnalysisAt: timestampFromDate(s.lastAnalysisAt) } : {}),
    ...(s.lastBackupAt ? { lastBackupAt: timestampFromDate(s.lastBackupAt) } : {}),
  };
}
