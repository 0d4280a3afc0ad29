/**
 * The Novabox domain's ports: what it needs from storage and from the outside, as interfaces, so
 * services are built by constructor injection and tested with fakes. services/novabox/src/store
 * implements the storage ports on SQLite.
 */
import type {
  AnprSecrets,
  CertificateRequestInput,
  CertificateResult,
  IndividualRecord,
  AuditEntry,
  AuditFilter,
  AuditRecord,
  AuditVerification,
  CertificateSummary,
  IssuedCertificate,
  Settings,
} from "./model.js";

/**
 * Runs `work` as one transaction of the box's stores: every write it makes commits together,
 * durably (one commit, one fsync), when it returns, or none of them when it throws. A store write
 * inside that throws undoes only itself, so `work` may catch it and still commit the others.
 * `work` is synchronous: nothing may await inside a transaction.
 */
export type Atomically = <T>(work: () => T) => T;

/** The configuration: settings plus encrypted secrets and certificate summaries. */
export interface ConfigStore {
  /**
   * Current settings (defaults until first saved). The object may be shared between calls and is
   * frozen: copy it to make a changed version.
   */
  getSettings(): Settings;
  /** Replaces the settings; returns the stored value and its update time. */
  saveSettings(settings: Settings): { settings: Settings; updatedAt: Date };
  /** Decrypted secrets, for building the ANPR client; never for an API answer. */
  getSecrets(): AnprSecrets;
  /** Stores the CA certificate (PEM) and password, with its summary. */
  saveCaCertificate(pem: string, password: string, summary: CertificateSummary): void;
  /**
   * Stores the workstation PKCS#12 and PIN, with the key and certificates unwrapped from it (PEM,
   * `exportWorkstationKey`: sealed like every secret) and its summary, in one transaction.
   */
  saveWorkstationCertificate(pkcs12: Uint8Array, pin: string, keyPem: string, summary: CertificateSummary): void;
  /**
   * Stores the key unwrapped from `pkcs12` for a box configured before the key was kept beside its
   * PKCS#12; false (nothing written) when `pkcs12` is no longer the stored one.
   */
  saveWorkstationKey(pkcs12: Uint8Array, keyPem: string): boolean;
  caCertificateSummary(): CertificateSummary | undefined;
  workstationCertificateSummary(): CertificateSummary | undefined;
  /** When the settings were last saved. */
  updatedAt(): Date | undefined;
  /**
   * "FREE" when the stored settings still name that retired environment (they read as TEST);
   * saving the settings once clears it. Undefined otherwise.
   */
  retiredEnvironment(): "FREE" | undefined;
}

/** The admin account (one per box) and its login throttling. */
export interface AdminStore {
  /** The admin's username and scrypt hash, if registered. */
  getAdmin(): { username: string; passwordHash: string; passwordChangedAt: Date } | undefined;
  /** Creates the admin; false when one exists already (atomic). */
  createAdmin(username: string, passwordHash: string): boolean;
  setPasswordHash(passwordHash: string): void;
  /** Failed-login bookkeeping for lockout/backoff. */
  getLoginFailures(username: string): { count: number; lastFailureAt?: Date };
  recordLoginFailure(username: string, at: Date): void;
  clearLoginFailures(username: string): void;
}

/** The tamper-evident audit log. */
export interface AuditLog {
  /** Appends one row (hash-chained to the previous) durably, before the caller replies. */
  append(record: AuditRecord): AuditEntry;
  /** A page of rows matching `filter`, newest first; `cursor` from the previous page. */
  list(filter: AuditFilter, pageSize: number, cursor?: string): { entries: AuditEntry[]; nextCursor?: string };
  /** All matching rows, oldest first, in batches. */
  export(filter: AuditFilter, batchSize?: number): Iterable<AuditEntry[]>;
  /** Checks the whole chain. */
  verify(): AuditVerification;
  /** Deletes rows older than `before`, keeping the chain verifiable; returns how many were removed. */
  purge(before: Date): number;
}

/** The result of an issuance, kept for idempotent retries. */
export interface StoredIssuance {
  /** Fingerprint of the request fields, to detect a key reused with other fields. */
  requestFingerprint: string;
  /** The certificate to replay; read back, it is marked `replayed` (the store serializes it). */
  certificate: IssuedCertificate;
  createdAt: Date;
}

/** Idempotency keys of issuances: a retried request returns the first result, never a second ANPR call. */
export interface IdempotencyStore {
  get(tobacconistId: string, key: string): StoredIssuance | undefined;
  put(tobacconistId: string, key: string, issuance: StoredIssuance): void;
}

/**
 * A certificate request sent (or about to be sent) to ANPR without a verified answer yet. Recorded
 * durably before ANPR is called, so a retry of the key — or the settling task after a crash — sends
 * the same `idOperazioneComune` and ANPR replays its answer instead of making a second act.
 */
export interface PendingIssuance {
  tobacconistId: string;
  key: string;
  requestFingerprint: string;
  /** The `idOperazioneComune` sent to ANPR for this key, every time. */
  operationId: string;
  fiscalCode: string;
  /** What to send again and how to finish the issuance (serialized by the domain). */
  request: string;
  /** `pending`: outcome unknown; `refused`: ANPR answered KO (serialized in `refusal`). */
  state: "pending" | "refused";
  refusal: string;
  /** Attempts that ended without a verified answer. */
  attempts: number;
  lastReason: string;
  createdAt: Date;
  updatedAt: Date;
}

/** The pending records of {@link PendingIssuance}; every write commits (fsynced) before it returns. */
export interface PendingIssuanceStore {
  get(tobacconistId: string, key: string): PendingIssuance | undefined;
  /** Records a new pending issuance; false (and nothing written) when the key has one already. */
  create(record: PendingIssuance): boolean;
  /** One more attempt without a verified answer, and why. */
  markAttempt(tobacconistId: string, key: string, reason: string, at: Date): void;
  /** ANPR refused it: kept so a retry gets the same refusal. */
  markRefused(tobacconistId: string, key: string, refusal: string, reason: string, at: Date): void;
  /** Removes the record; with `done`, stores the idempotent result in the same transaction. */
  settle(tobacconistId: string, key: string, done?: StoredIssuance): void;
  /** The records whose outcome is unknown (`pending`), oldest first. */
  listUnsettled(limit: number): PendingIssuance[];
}

/** Per-call options of an {@link AnprGateway} call. */
export interface AnprCallOptions {
  /** The `idOperazioneComune` to send (reserved earlier with `nextOperationId`); a fresh one when omitted. */
  idOperazioneComune?: string;
}

/**
 * What the domain needs of ANPR: implemented by the ANPR SOAP client (anpr-client/), faked in unit
 * tests. Every answer handed back has been checked to echo the `idOperazioneComune` sent and to be
 * about the subject asked for; anything else is an `AnprWrongSubjectError`, never a result. Failures
 * are the typed errors of `anpr-errors.ts`.
 */
export interface AnprGateway {
  /**
   * A fresh `idOperazioneComune` of this box, to record before sending. Synchronous so that it can
   * be reserved in the same transaction as the record naming it ({@link Atomically}): durable when
   * that transaction commits (at once when there is none), never handed out twice.
   */
  nextOperationId(): string;
  /** emissioneCertificato (6001): a certificate, or a preview when `issuance` is 3. */
  issueCertificate(
    input: CertificateRequestInput,
    options?: AnprCallOptions,
  ): Promise<CertificateResult & { idOperazioneComune: string }>;
  /** interrogazioneCittadino_famiglia_convivenza (3002): the individual record by fiscal code. */
  getIndividualRecord(
    input: { fiscalCode: string; referenceDate?: Date },
    options?: AnprCallOptions,
  ): Promise<IndividualRecord & { idOperazioneComune: string }>;
  /**
   * TestConn: whether ANPR accepts this workstation's signed requests, with ANPR's clock (`anprTime`)
   * and when the call was sent and answered by the box's clock, to measure the skew.
   */
  testConnection(): Promise<AnprConnectionTest>;
}

/** What {@link AnprGateway.testConnection} reports. */
export interface AnprConnectionTest {
  anprOperationId: string;
  outcome: string;
  idOperazioneComune: string;
  /** The signed answer's Timestamp, else the HTTP `Date` header (italia/anpr#481, #715). */
  anprTime?: Date;
  sentAt: Date;
  answeredAt: Date;
}

/** The clock, injected so tests control time. */
export type Clock = () => Date;
