/**
 * The SQLite {@link ConfigStore}: settings as one JSON document (defaults filled in on read, so a
 * field added later needs no migration), certificate summaries in clear (they are what the panel
 * may show), and the credentials sealed in the `secrets` table (see secret-box.ts).
 *
 * Settings and certificate summaries are read on every call a box serves (several times per
 * certificate: the SSO check, the limits, the ANPR client's configuration stamp), so the store keeps
 * the last decoded copy (frozen: callers share it) and reads the database again only after a change:
 * any write through this store drops the copy, and a commit by another connection to the database
 * (another process on the same ANPR_HOME, a restore) moves SQLite's `PRAGMA data_version`, which is
 * checked at every read (issue 16). Secrets are not kept: they are read and opened when asked for.
 */
import {
  defaultAnprInterfaceVersion,
  pickPlainSettings,
  type AnprSecrets,
  type CertificateSummary,
  type RateLimits,
  type RevokedTobacconist,
  type Settings,
} from "../domain/model.js";
import type { Clock, ConfigStore } from "../domain/ports.js";
import type { SqliteDatabase } from "./database.js";
import { StoredDataDamagedError } from "./errors.js";
import type { SecretBox } from "./secret-box.js";

/** The purpose names (and AES-GCM AAD) of the configuration secrets. */
export const configSecretNames = {
  caCertificatePem: "ca_certificate_pem",
  caPassword: "ca_password",
  workstationPkcs12: "workstation_pkcs12",
  workstationPin: "workstation_pin",
  workstationKey: "workstation_key",
} as const;

/** Every Table 13 certificate type id (1–19): all enabled until the Comune says otherwise. */
const allCertificateTypes = Array.from({ length: 19 }, (_, i) => i + 1);

/** The settings of a box nobody has configured yet (a fresh object each call). */
export function defaultSettings(): Settings {
  return {
    operatorId: "",
    officeId: "",
    workstationId: "",
    comuneCode: "",
    comuneName: "",
    environment: "TEST",
    anprInterfaceVersion: defaultAnprInterfaceVersion,
    anprBaseUrl: "",
    registryOfficerSurname: "",
    registryOfficerName: "",
    signatureAlgorithm: "rsa-sha256",
    novaresDiscoveryAddress: "",
    advertisedHost: "",
    advertisedPort: 0,
    ssoPublicKeyPem: "",
    ssoJwksUrl: "",
    ssoJwks: "",
    ssoIssuer: "",
    ssoAudience: "",
    logRetentionDays: 365,
    rateLimits: {
      perTobacconistPerMinute: 30,
      massExtractionDistinctFiscalCodes: 50,
      massExtractionWindowSeconds: 3600,
    },
    revokedTobacconists: [],
    serviceFeeCents: 200,
    stampDutyCents: 1600,
    secretariatFeesCents: 0,
    enabledCertificateTypes: [...allCertificateTypes],
    experimentalPhase: false,
  };
}

type StoredSettings = Partial<Omit<Settings, "rateLimits" | "revokedTobacconists" | "environment">> & {
  /** May still be "FREE" in a box configured before that environment was switched off. */
  environment?: Settings["environment"] | "FREE";
  rateLimits?: Partial<RateLimits>;
  revokedTobacconists?: { tobacconistId: string; reason: string; revokedAt: string }[];
};

/** Copies exactly the known fields, so nothing else a caller attached is ever persisted. */
function toStored(s: Settings): StoredSettings {
  return {
    ...pickPlainSettings(s),
    environment: s.environment,
    signatureAlgorithm: s.signatureAlgorithm,
    rateLimits: {
      perTobacconistPerMinute: s.rateLimits.perTobacconistPerMinute,
      massExtractionDistinctFiscalCodes: s.rateLimits.massExtractionDistinctFiscalCodes,
      massExtractionWindowSeconds: s.rateLimits.massExtractionWindowSeconds,
    },
    revokedTobacconists: s.revokedTobacconists.map((r) => ({
      tobacconistId: r.tobacconistId,
      reason: r.reason,
      revokedAt: r.revokedAt.toISOString(),
    })),
    serviceFeeCents: s.serviceFeeCents,
    stampDutyCents: s.stampDutyCents,
    secretariatFeesCents: s.secretariatFeesCents,
    enabledCertificateTypes: [...s.enabledCertificateTypes],
  };
}

function fromStored(json: string): Settings {
  let stored: StoredSettings;
  try {
    stored = JSON.parse(json) as StoredSettings;
  } catch (err) {
    throw new StoredDataDamagedError("settings", err);
  }
  const defaults = defaultSettings();
  const revoked: RevokedTobacconist[] = (stored.revokedTobacconists ?? []).map((r) => ({
    tobacconistId: r.tobacconistId,
    reason: r.reason,
    revokedAt: new Date(r.revokedAt),
  }));
  return {
    ...defaults,
    ...stored,
    // FREE was switched off on 21 June 2022 (italia/anpr#3403): read as TEST, the Comune's "test
    // comuni" environment ANPR pointed to; `retiredEnvironment()` tells the box to persist and say so.
    environment: stored.environment === "FREE" || !stored.environment ? defaults.environment : stored.environment,
    anprInterfaceVersion: stored.anprInterfaceVersion || defaults.anprInterfaceVersion,
    rateLimits: { ...defaults.rateLimits, ...stored.rateLimits },
    revokedTobacconists: revoked,
    enabledCertificateTypes: [...(stored.enabledCertificateTypes ?? defaults.enabledCertificateTypes)],
  };
}

interface SummaryRow {
  uploaded_at: number;
  sha256_fingerprint: string;
  subject: string;
  issuer: string;
  serial_number: string;
  not_before: number;
  not_after: number;
}

/** Freezes `settings` and everything in it a caller could change, so a shared copy stays what was stored. */
function freezeSettings(settings: Settings): Settings {
  for (const r of settings.revokedTobacconists) Object.freeze(r);
  Object.freeze(settings.revokedTobacconists);
  Object.freeze(settings.enabledCertificateTypes);
  Object.freeze(settings.rateLimits);
  return Object.freeze(settings);
}

/** Options for {@link createConfigStore}. */
export interface ConfigStoreOptions {
  db: SqliteDatabase;
  /** Seals the credentials; the store never writes them in clear. */
  secretBox: SecretBox;
  now: Clock;
}

/** Creates the SQLite-backed {@link ConfigStore}. */
export function createConfigStore(options: ConfigStoreOptions): ConfigStore {
  const { db, secretBox: box, now } = options;
  const selectSettings = db.prepare<[], { json: string; updated_at: number }>(
    "SELECT json, updated_at FROM settings WHERE id = 1",
  );
  const upsertSettings = db.prepare<[string, number]>(
    "INSERT INTO settings (id, json, updated_at) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at",
  );
  const selectSecret = db.prepare<[string], { ciphertext: Buffer }>("SELECT ciphertext FROM secrets WHERE name = ?");
  const upsertSecret = db.prepare<[string, Buffer, number]>(
    "INSERT INTO secrets (name, ciphertext, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET ciphertext = excluded.ciphertext, updated_at = excluded.updated_at",
  );
  const selectSummary = db.prepare<[string], SummaryRow>(
    "SELECT uploaded_at, sha256_fingerprint, subject, issuer, serial_number, not_before, not_after FROM certificates WHERE kind = ?",
  );
  const upsertSummary = db.prepare<[string, number, string, string, string, string, number, number]>(
    `INSERT INTO certificates (kind, uploaded_at, sha256_fingerprint, subject, issuer, serial_number, not_before, not_after)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (kind) DO UPDATE SET uploaded_at = excluded.uploaded_at, sha256_fingerprint = excluded.sha256_fingerprint,
       subject = excluded.subject, issuer = excluded.issuer, serial_number = excluded.serial_number,
       not_before = excluded.not_before, not_after = excluded.not_after`,
  );

  const dataVersion = db.prepare<[], number>("PRAGMA data_version").pluck();
  /** The decoded settings and summaries as of `version` (see the module documentation). */
  let cache: {
    version: number;
    settings?: Settings;
    summaries: Map<string, CertificateSummary | undefined>;
  } = { version: Number.NaN, summaries: new Map() };
  const current = () => {
    const version = dataVersion.get()!;
    if (version !== cache.version) cache = { version, summaries: new Map() };
    return cache;
  };
  /** Runs a write of this store and drops the cached copies, whether or not it committed. */
  const writing = <T>(write: () => T): T => {
    try {
      return write();
    } finally {
      cache = { version: Number.NaN, summaries: new Map() };
    }
  };

  const readSecret = (name: string): Buffer | undefined => {
    const row = selectSecret.get(name);
    return row === undefined ? undefined : box.open(name, row.ciphertext);
  };
  const writeSecret = (name: string, plaintext: Uint8Array, at: number) =>
    upsertSecret.run(name, box.seal(name, plaintext), at);
  const writeSummary = (kind: string, s: CertificateSummary) =>
    upsertSummary.run(
      kind,
      s.uploadedAt.getTime(),
      s.sha256Fingerprint,
      s.subject,
      s.issuer,
      s.serialNumber,
      s.notBefore.getTime(),
      s.notAfter.getTime(),
    );
  const readSummary = (kind: string): CertificateSummary | undefined => {
    const cached = current();
    if (cached.summaries.has(kind)) return cached.summaries.get(kind);
    const summary = readStoredSummary(kind);
    cached.summaries.set(kind, summary);
    return summary;
  };
  const readStoredSummary = (kind: string): CertificateSummary | undefined => {
    const row = selectSummary.get(kind);
    if (row === undefined) return undefined;
    return Object.freeze({
      uploadedAt: new Date(row.uploaded_at),
      sha256Fingerprint: row.sha256_fingerprint,
      subject: row.subject,
      issuer: row.issuer,
      serialNumber: row.serial_number,
      notBefore: new Date(row.not_before),
      notAfter: new Date(row.not_after),
    });
  };

  const saveCa = db.transaction((pem: string, password: string, summary: CertificateSummary) => {
    const at = now().getTime();
    writeSecret(configSecretNames.caCertificatePem, Buffer.from(pem, "utf8"), at);
    writeSecret(configSecretNames.caPassword, Buffer.from(password, "utf8"), at);
    writeSummary("ca", summary);
  });
  const saveWorkstation = db.transaction(
    (pkcs12: Uint8Array, pin: string, keyPem: string, summary: CertificateSummary) => {
      const at = now().getTime();
      writeSecret(configSecretNames.workstationPkcs12, pkcs12, at);
      writeSecret(configSecretNames.workstationPin, Buffer.from(pin, "utf8"), at);
      writeSecret(configSecretNames.workstationKey, Buffer.from(keyPem, "utf8"), at);
      writeSummary("workstation", summary);
    },
  );
  const saveKeyOf = db.transaction((pkcs12: Uint8Array, keyPem: string) => {
    const stored = readSecret(configSecretNames.workstationPkcs12);
    if (stored === undefined || !stored.equals(pkcs12)) return false;
    writeSecret(configSecretNames.workstationKey, Buffer.from(keyPem, "utf8"), now().getTime());
    return true;
  });

  return {
    getSettings() {
      const cached = current();
      if (cached.settings === undefined) {
        const row = selectSettings.get();
        cached.settings = freezeSettings(row === undefined ? defaultSettings() : fromStored(row.json));
      }
      return cached.settings;
    },
    saveSettings(settings) {
      const json = JSON.stringify(toStored(settings));
      const updatedAt = now();
      writing(() => upsertSettings.run(json, updatedAt.getTime()));
      return { settings: fromStored(json), updatedAt };
    },
    getSecrets() {
      const secrets: AnprSecrets = {};
      const pem = readSecret(configSecretNames.caCertificatePem);
      if (pem !== undefined) secrets.caCertificatePem = pem.toString("utf8");
      const password = readSecret(configSecretNames.caPassword);
      if (password !== undefined) secrets.caPassword = password.toString("utf8");
      const pkcs12 = readSecret(configSecretNames.workstationPkcs12);
      if (pkcs12 !== undefined) secrets.workstationPkcs12 = new Uint8Array(pkcs12);
      const pin = readSecret(configSecretNames.workstationPin);
      if (pin !== undefined) secrets.workstationPin = pin.toString("utf8");
      const key = readSecret(configSecretNames.workstationKey);
      if (key !== undefined) secrets.workstationKey = key.toString("utf8");
      return secrets;
    },
    saveCaCertificate(pem, password, summary) {
      writing(() => saveCa.immediate(pem, password, summary));
    },
    saveWorkstationCertificate(pkcs12, pin, keyPem, summary) {
      writing(() => saveWorkstation.immediate(pkcs12, pin, keyPem, summary));
    },
    saveWorkstationKey(pkcs12, keyPem) {
      return writing(() => saveKeyOf.immediate(Buffer.from(pkcs12), keyPem));
    },
    caCertificateSummary: () => readSummary("ca"),
    workstationCertificateSummary: () => readSummary("workstation"),
    updatedAt() {
      const row = selectSettings.get();
      return row === undefined ? undefined : new Date(row.updated_at);
    },
    retiredEnvironment() {
      const row = selectSettings.get();
      if (row === undefined) return undefined;
      try {
        return (JSON.parse(row.json) as StoredSettings).environment === "FREE" ? "FREE" : undefined;
      } catch {
        return undefined;
      }
    },
  };
}
