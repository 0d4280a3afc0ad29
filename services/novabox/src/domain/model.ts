/**
 * The Novabox's domain values, independent of protobuf and SQL: what the config, the admin account,
 * the audit log and the idempotency records are. Handlers map messages to and from these; the store
 * persists them (secrets encrypted).
 */

/**
 * ANPR environments (`tipoInvio`). FREE was switched off on 21 June 2022 (italia/anpr#3403,
 * #3404); TEST is each Comune's "test comuni" environment.
 */
export type AnprEnvironment = "PROD" | "PRE" | "TEST";

/** The interface version (`codDestinatario`) ANPR serves today (italia/anpr#3883, #4360). */
export const defaultAnprInterfaceVersion = "ANPR05";

/** The Comune's non-secret settings, editable in the admin panel. */
export interface Settings {
  /** SAML NameID / Issuer: the registry operator id. */
  operatorId: string;
  /** SAML IdSede: the office (sede) id; ANPR expects the Comune's ISTAT code. */
  officeId: string;
  /** SAML IdPostazione: the workstation (postazione) id. */
  workstationId: string;
  /** The Comune's ISTAT code (6 digits): `codMittente`. */
  comuneCode: string;
  comuneName: string;
  environment: AnprEnvironment;
  /** `codDestinatario`: ANPR's interface version; default ANPR05 (see {@link defaultAnprInterfaceVersion}). */
  anprInterfaceVersion: string;
  /** ANPR base URL; empty = the environment's official one. */
  anprBaseUrl: string;
  /** The registry officer in whose name certificates are issued (`cognome/nomeUffAnagrafe`). */
  registryOfficerSurname: string;
  registryOfficerName: string;
  signatureAlgorithm: "rsa-sha256" | "rsa-sha1";
  /** Novares DiscoveryService `host:port`; empty = do not announce. */
  novaresDiscoveryAddress: string;
  /** Host and port announced to Novares; empty/0 = detected. */
  advertisedHost: string;
  advertisedPort: number;
  /** PEM public key the tobacconists' SSO tokens are verified with, and the expected iss/aud. */
  ssoPublicKeyPem: string;
  /** The SSO's JWK Set URL (rotating keys by kid); takes precedence over the uploaded set and the PEM key. */
  ssoJwksUrl: string;
  /** An uploaded JWK Set (JSON); takes precedence over the PEM key. */
  ssoJwks: string;
  ssoIssuer: string;
  ssoAudience: string;
  /** Audit rows older than this are purged (the chain stays verifiable). */
  logRetentionDays: number;
  rateLimits: RateLimits;
  revokedTobacconists: RevokedTobacconist[];
  /** Fee charged by the tobacconist per certificate (art. 4.1), in euro cents: 200. */
  serviceFeeCents: number;
  /** Stamp duty (bollo) unless exempt, in euro cents: 1600. */
  stampDutyCents: number;
  /** Diritti di segreteria collected by the Comune, in cents. */
  secretariatFeesCents: number;
  /** Table 13 ids the Comune offers at the counter (experimental phase). */
  enabledCertificateTypes: number[];
  /**
   * The Comune runs the experimental phase (agreement art. 2.1): every certificate request states a
   * reason. Off unless the Comune turns it on (panel: Configurazione → Fase sperimentale).
   */
  experimentalPhase: boolean;
}

/**
 * The settings fields that keep their form in the store and on the wire (text, numbers, a flag): the
 * store and the Config handlers copy exactly these with {@link pickPlainSettings} and convert only
 * the others, so a new plain field is listed once.
 */
export const plainSettingsFields = [
  "operatorId",
  "officeId",
  "workstationId",
  "comuneCode",
  "comuneName",
  "anprInterfaceVersion",
  "anprBaseUrl",
  "registryOfficerSurname",
  "registryOfficerName",
  "novaresDiscoveryAddress",
  "advertisedHost",
  "advertisedPort",
  "ssoPublicKeyPem",
  "ssoJwksUrl",
  "ssoJwks",
  "ssoIssuer",
  "ssoAudience",
  "logRetentionDays",
  "experimentalPhase",
] as const satisfies readonly (keyof Settings)[];

/** The {@link plainSettingsFields} of a settings value. */
export type PlainSettings = Pick<Settings, (typeof plainSettingsFields)[number]>;

/** Copies exactly the {@link plainSettingsFields} of `s` (nothing else a caller attached). */
export function pickPlainSettings(s: Settings): PlainSettings {
  return Object.fromEntries(plainSettingsFields.map((field) => [field, s[field]])) as PlainSettings;
}

/** Per-tobacconist limits (decree 4.2–4.3; agreement art. 3.11: no bulk extraction). */
export interface RateLimits {
  /** Requests per tobacconist per minute. */
  perTobacconistPerMinute: number;
  /** Distinct fiscal codes one tobacconist may query within `massExtractionWindowSeconds`. */
  massExtractionDistinctFiscalCodes: number;
  massExtractionWindowSeconds: number;
}

/** A tobacconist whose access the Comune revoked (art. 5.4). */
export interface RevokedTobacconist {
  tobacconistId: string;
  reason: string;
  revokedAt: Date;
}

/** What the panel may know about an uploaded certificate: never its content. */
export interface CertificateSummary {
  uploadedAt: Date;
  sha256Fingerprint: string;
  subject: string;
  issuer: string;
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
}

/** Secrets, only ever stored encrypted and never returned by any API. */
export interface AnprSecrets {
  /** The CA certificate (PEM) that ANPR's TLS endpoint must chain to, and its password (if any). */
  caCertificatePem?: string;
  caPassword?: string;
  /** The workstation PKCS#12 and its PIN. */
  workstationPkcs12?: Uint8Array;
  workstationPin?: string;
  /**
   * The private key and certificates unwrapped from that PKCS#12 at upload (PEM, pki.ts
   * `exportWorkstationKey`), so a start opens the key without decoding the PKCS#12. Absent on a box
   * configured before it was kept: the first start after the upgrade stores it.
   */
  workstationKey?: string;
}

/** The audit log's operations (the names of novabox.config.v1.AuditOperation without prefix). */
export type AuditOperation =
  | "CERTIFICATE_TYPES_LIST"
  | "CERTIFICATE_PREVIEW"
  | "CERTIFICATE_ISSUE"
  | "INDIVIDUAL_RECORD"
  | "ADMIN_REGISTER"
  | "ADMIN_LOGIN"
  | "PASSWORD_CHANGE"
  | "CONFIG_UPDATE"
  | "CA_CERTIFICATE_UPLOAD"
  | "WORKSTATION_CERTIFICATE_UPLOAD"
  | "ANPR_CONNECTION_TEST"
  | "AUDIT_EXPORT"
  | "AUDIT_VERIFY"
  | "RETENTION_PURGE"
  | "ANOMALY_ALERT"
  | "AUDIT_CHAIN_MIGRATION"
  | "BACKUP"
  | "RESTORE"
  | "NOVARES_CONNECTION_TEST";

/**
 * How an operation ended (novabox.config.v1.AuditOutcome): INVALID = refused by validation,
 * DENIED = authentication or authorization refused, RATE_LIMITED = a limit or the mass-extraction
 * guard, ANPR_ERROR = ANPR answered KO or a fault, FAILED = anything else (ANPR unreachable, bug),
 * OUTCOME_UNKNOWN = the request reached ANPR (or may have) and its answer was lost, late or
 * unreadable, RECOVERED = such a request settled with ANPR's verified answer for the same id.
 */
export type AuditOutcome =
  "SUCCESS" | "ANPR_ERROR" | "INVALID" | "DENIED" | "RATE_LIMITED" | "FAILED" | "OUTCOME_UNKNOWN" | "RECOVERED";

/** How the caller was authenticated (decree, annex 1; novabox.config.v1.AuthenticationMethod). */
export type AuthenticationMethod = "NONE" | "SSO_TOKEN" | "ADMIN_PASSWORD" | "ADMIN_SESSION" | "SYSTEM";

/** What is appended to the audit log (the store adds id, time, hashes). */
export interface AuditRecord {
  operation: AuditOperation;
  outcome: AuditOutcome;
  authenticationMethod: AuthenticationMethod;
  /** Codice fiscale of the subject; empty for admin operations. */
  fiscalCode: string;
  /** The request id (idempotency key or generated), unique per transaction. */
  requestId: string;
  tobacconistId: string;
  /** The admin user or system actor. */
  actor: string;
  anprProtocolNumber: string;
  anprOperationId: string;
  anprErrorCode: string;
  /** Short free text (never a secret). */
  detail: string;
}

/** A stored audit row. */
export interface AuditEntry extends AuditRecord {
  id: number;
  /** Millisecond precision. */
  time: Date;
  previousHash: string;
  hash: string;
}

/** Filters for listing and exporting the audit log. */
export interface AuditFilter {
  startTime?: Date;
  endTime?: Date;
  operations?: AuditOperation[];
  outcomes?: AuditOutcome[];
  tobacconistId?: string;
  fiscalCode?: string;
}

/** The result of checking the audit chain. */
export interface AuditVerification {
  ok: boolean;
  rowsChecked: number;
  /** The first row that does not verify (edited, deleted neighbour, reordered). */
  firstBrokenId?: number;
  failure?: "HASH_MISMATCH" | "CHAIN_MISMATCH" | "SEQUENCE_GAP" | "ANCHOR_MISMATCH";
  reason?: string;
  headHash: string;
  /** The id of the newest row checked (0 when none). */
  headId?: number;
  /** False when the rows' HMACs could not be checked (no key): only the links were. */
  hmacChecked?: boolean;
}

// ---------------------------------------------------------------------------------------------
// What the box asks ANPR and what ANPR answers (the `AnprGateway` port's vocabulary).

/** One error or anomaly from ANPR's `listaErrori` / `listaAnomalie`. */
export interface AnprMessage {
  /** `codiceErroreAnomalia`, e.g. EN042. */
  code: string;
  /** `tipoErroreAnomalia`: E blocking, W warning. */
  severity: "E" | "W";
  /** `testoErroreAnomalia`, ANPR's Italian text. */
  text: string;
  /** `oggettoErroreAnomalia`, `campoErroreAnomalia`, `valoreErroreAnomalia` when given. */
  object?: string;
  field?: string;
  value?: string;
}

/** Stamp duty: paid (`bollo` in cents) or exempt (table 39 id, free text for 99). */
export type StampDuty = { paidCents: number } | { exemption: number; exemptionText?: string };

/** A certificate request, in ANPR's terms. */
export interface CertificateRequestInput {
  /** Table 13 ids (1–20); several make one contestuale certificate. */
  certificateTypes: readonly number[];
  /** Certificate languages (IT, DE, FR, SL); empty = Italian only. */
  languages?: readonly string[];
  /** The subject (intestatario). */
  subject: { fiscalCode: string; surname: string; name: string };
  /** The registry officer in whose name the Comune issues (cognomeUffAnagrafe / nomeUffAnagrafe). */
  officer: { surname: string; name: string };
  /** 1 = the requester is not the subject, 2 = the requester is the subject, 3 = a public body. */
  requesterType: 1 | 2 | 3;
  /** `paEstera`: 0 no, 1 for a foreign public administration, 2–3 immigration procedures, 4 for use abroad. */
  useAbroad: 0 | 1 | 2 | 3 | 4;
  /** `emissione`: 1 at the counter, 2 internet, 3 preview (anteprima). */
  issuance: 1 | 2 | 3;
  /** Stamp duty paid or exemption. */
  stampDuty: StampDuty;
  /** `diritti`: fees collected by the Comune, in cents (0 = none). */
  feesCents: number;
}

/** An individual-record request (3002) by fiscal code. */
export interface IndividualRecordRequestInput {
  fiscalCode: string;
  /** `dataRiferimentoRichiesta`: the date the data should refer to. */
  referenceDate: Date;
  /** `datiAnagraficiRichiesti` codes (table "dati richiesti"); 1 = full individual record. */
  requestedData?: readonly number[];
}

/** A certificate ANPR issued (or previewed). */
export interface CertificateResult {
  /** `numeroProtocolloANPR`; empty for a preview when ANPR assigns none. */
  protocolNumber: string;
  /** `idOperazioneANPR` from the answer's header. */
  anprOperationId: string;
  /** The PDF bytes. */
  pdf: Uint8Array;
  /** Non-blocking anomalies (W) ANPR reported. */
  warnings: AnprMessage[];
  /** `idOperazioneComune` as the answer echoes it (must be ours). */
  echoedOperationId: string;
  /** The certificate's subject as the answer names it (`soggettoIntestatario/generalita`). */
  subject: { fiscalCode: string; surname: string; name: string };
}

/** A place: an Italian comune, or a foreign locality. */
export interface Place {
  comuneName?: string;
  comuneIstatCode?: string;
  province?: string;
  foreignLocality?: string;
}

/** One person of an individual record (the subject or a family member). */
export interface PersonRecord {
  idAnpr?: string;
  fiscalCode?: string;
  surname: string;
  name: string;
  sex?: "M" | "F";
  /** xs:date, `YYYY-MM-DD`. */
  birthDate?: string;
  birthPlace?: Place;
  citizenships: { code: string; description: string }[];
  /** Code from ANPR's civil-status table (tab_stato_civile). */
  civilStatusCode?: string;
  residence?: {
    postcode: string;
    comune: Place;
    streetType?: string;
    streetName?: string;
    houseNumber?: string;
    fraction?: string;
  };
  /** Relationship to the head of the family (`codiceLegame`), when part of a family. */
  relationshipCode?: string;
  familyId?: string;
  deathDate?: string;
}

/** The individual record (scheda individuale) ANPR returned for a fiscal code. */
export interface IndividualRecord {
  anprOperationId: string;
  subject: PersonRecord;
  /** The other members of the subject's family, when returned. */
  familyMembers: PersonRecord[];
  warnings: AnprMessage[];
  /** `idOperazioneComune` as the answer echoes it (must be ours). */
  echoedOperationId: string;
}

// ---------------------------------------------------------------------------------------------
// The tobacconists' calls and their results.

/** The authenticated tobacconist behind a call. */
export interface Caller {
  /** Novares id of the tobacconist, from the verified SSO token. */
  tobacconistId: string;
  authenticationMethod: AuthenticationMethod;
  /** The request id to audit under; generated when absent (set it to put it in error details). */
  requestId?: string;
  /**
   * The tobacconist's requests of the last minute across the whole mesh, as Novares counted them
   * (`x-novares-quota-minute`). It can only make the box's own limit stricter, never looser.
   */
  meshMinuteCount?: number;
}

/** What the citizen pays, in euro cents. */
export interface Charges {
  serviceFeeCents: number;
  /** 0 when an exemption was declared. */
  stampDutyCents: number;
  /** 0 when the exemption also covers the diritti di segreteria (table 39). */
  secretariatFeesCents: number;
  totalCents: number;
}

/** A certificate issued by ANPR (or replayed from the first issue). */
export interface IssuedCertificate {
  pdf: Uint8Array;
  protocolNumber: string;
  anprOperationId: string;
  warnings: AnprMessage[];
  charges: Charges;
  certificateTypes: number[];
  /** When ANPR's answer was received; on a replay, the first issue's time. */
  issuedAt: Date;
  /** The audit request id of the issue; on a replay, the first issue's. */
  requestId: string;
  /** True when this result replays an earlier call with the same idempotency key. */
  replayed: boolean;
}

/** A preview (anteprima): not a valid certificate, no protocol number, nothing charged. */
export interface CertificatePreview {
  pdf: Uint8Array;
  anprOperationId: string;
  warnings: AnprMessage[];
  /** What IssueCertificate would charge for the same request. */
  charges: Charges;
  certificateTypes: number[];
  previewedAt: Date;
  requestId: string;
}

/** One row of table 13 as this box offers it. */
export interface CertificateTypeOffer {
  id: number;
  description: string;
  /** Admitted in the experimental phase (agreement art. 2.1). */
  experimentalPhase: boolean;
  /** Issued by this box now. */
  enabled: boolean;
}

/** ANPR's individual record plus what the response reports about the call. */
export interface IndividualRecordResult extends Omit<IndividualRecord, "echoedOperationId"> {
  /** The audit request id of this call. */
  requestId: string;
  /** When ANPR's answer was received. */
  retrievedAt: Date;
}
