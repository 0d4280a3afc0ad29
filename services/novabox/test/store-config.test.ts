import { afterAll, describe, expect, it } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CertificateSummary, Settings } from "../src/domain/model.js";
import {
  decodeSecretKey,
  defaultSettings,
  generateSecretKey,
  InvalidSecretKeyError,
  openNovaboxStore,
  readSecretKeyFile,
  rotateSecretKey,
  SecretKeyFilePermissionsError,
  SecretKeyMismatchError,
  SecretKeyMissingError,
  secretKeyFilePath,
} from "../src/store/index.js";

const dir = mkdtempSync(join(tmpdir(), "store-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let homes = 0;
const newHome = () => join(dir, `home-${++homes}`);
const repoRoot = new URL("../../../", import.meta.url).pathname;

const summary = (subject: string): CertificateSummary => ({
  uploadedAt: new Date("2025-03-01T10:00:00.123Z"),
  sha256Fingerprint: "AB:CD:EF",
  subject,
  issuer: "CN=Issuer",
  serialNumber: "01F3",
  notBefore: new Date("2025-01-01T00:00:00Z"),
  notAfter: new Date("2027-01-01T00:00:00Z"),
});

const privateKeyDer = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({
  format: "der",
  type: "pkcs8",
});
const sentinels = {
  pin: "PIN-SENTINEL-4711",
  caPassword: "CA-PASSWORD-SENTINEL-9042",
  caPem: "-----BEGIN CERTIFICATE-----\nCA-PEM-SENTINEL-0815\n-----END CERTIFICATE-----\n",
  p12Marker: "P12-MARKER-SENTINEL-3141",
  keyPem: "-----BEGIN PRIVATE KEY-----\nWORKSTATION-KEY-SENTINEL-2718\n-----END PRIVATE KEY-----\n",
};
const pkcs12 = new Uint8Array(
  Buffer.concat([randomBytes(64), Buffer.from(sentinels.p12Marker), privateKeyDer, randomBytes(64)]),
);

function storeSecrets(store: ReturnType<typeof openNovaboxStore>): void {
  store.config.saveCaCertificate(sentinels.caPem, sentinels.caPassword, summary("CN=CA"));
  store.config.saveWorkstationCertificate(pkcs12, sentinels.pin, sentinels.keyPem, summary("CN=Workstation"));
}

function expectSecrets(store: ReturnType<typeof openNovaboxStore>): void {
  const secrets = store.config.getSecrets();
  expect(secrets.caCertificatePem).toBe(sentinels.caPem);
  expect(secrets.caPassword).toBe(sentinels.caPassword);
  expect(secrets.workstationPin).toBe(sentinels.pin);
  expect(Buffer.from(secrets.workstationPkcs12!).equals(Buffer.from(pkcs12))).toBe(true);
  expect(secrets.workstationKey).toBe(sentinels.keyPem);
}

describe("Novabox config store: settings", () => {
  it("returns the defaults until settings are saved", () => {
    const store = openNovaboxStore({ home: newHome() });
    const settings = store.config.getSettings();
    store.close();
    expect(settings).toEqual(defaultSettings());
    expect(settings.serviceFeeCents).toBe(200);
    expect(settings.stampDutyCents).toBe(1600);
    expect(settings.secretariatFeesCents).toBe(0);
    expect(settings.logRetentionDays).toBe(365);
    expect(settings.rateLimits).toEqual({
      perTobacconistPerMinute: 30,
      massExtractionDistinctFiscalCodes: 50,
      massExtractionWindowSeconds: 3600,
    });
    expect(settings.environment).toBe("TEST");
    expect(settings.signatureAlgorithm).toBe("rsa-sha256");
    expect(settings.enabledCertificateTypes).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
    ]);
    expect(settings.operatorId).toBe("");
    expect(settings.advertisedPort).toBe(0);
  });

  it("round-trips every field, keeps only known fields and survives a restart", () => {
    const home = newHome();
    let clock = new Date("2025-06-01T08:00:00.000Z");
    const store = openNovaboxStore({ home, now: () => clock });
    expect(store.config.updatedAt()).toBeUndefined();
    const settings: Settings = {
      ...defaultSettings(),
      operatorId: "OP1",
      officeId: "022205",
      workstationId: "WS-7",
      comuneCode: "022205",
      comuneName: "Trento",
      environment: "PRE",
      anprBaseUrl: "https://anpr.example",
      registryOfficerSurname: "Rossi",
      registryOfficerName: "Maria",
      signatureAlgorithm: "rsa-sha1",
      novaresDiscoveryAddress: "novares:50051",
      advertisedHost: "box.trento",
      advertisedPort: 50051,
      ssoPublicKeyPem: "-----BEGIN PUBLIC KEY-----\nAAA\n-----END PUBLIC KEY-----",
      ssoIssuer: "novares",
      ssoAudience: "novabox",
      logRetentionDays: 90,
      rateLimits: {
        perTobacconistPerMinute: 5,
        massExtractionDistinctFiscalCodes: 10,
        massExtractionWindowSeconds: 60,
      },
      revokedTobacconists: [
        { tobacconistId: "T-9", reason: "art. 5.4", revokedAt: new Date("2025-05-05T05:05:05.005Z") },
      ],
      serviceFeeCents: 250,
      stampDutyCents: 0,
      secretariatFeesCents: 52,
      enabledCertificateTypes: [1, 2, 3],
    };
    const saved = store.config.saveSettings({ ...settings, extraneous: "must not be stored" } as Settings);
    expect(saved.settings).toEqual(settings);
    expect(saved.updatedAt).toEqual(clock);
    clock = new Date("2025-06-02T08:00:00.000Z");
    store.close();
    const reopened = openNovaboxStore({ home });
    expect(reopened.config.getSettings()).toEqual(settings);
    expect(reopened.config.updatedAt()).toEqual(new Date("2025-06-01T08:00:00.000Z"));
    reopened.close();
  });
});

describe("Novabox config store: the kept copy of the settings", () => {
  it("hands out one frozen copy until a change, which the next read sees: through this store or another connection", () => {
    const home = newHome();
    const store = openNovaboxStore({ home });
    store.config.saveSettings({ ...defaultSettings(), operatorId: "OP1", serviceFeeCents: 200 });
    const first = store.config.getSettings();
    expect(store.config.getSettings()).toBe(first);
    expect(Object.isFrozen(first) && Object.isFrozen(first.rateLimits)).toBe(true);
    expect(() => {
      first.revokedTobacconists.push({ tobacconistId: "T-1", reason: "x", revokedAt: new Date() });
    }).toThrow(TypeError);
    // A change through this store: the next read has it.
    store.config.saveSettings({
      ...first,
      serviceFeeCents: 250,
      revokedTobacconists: [{ tobacconistId: "T-9", reason: "art. 5.4", revokedAt: new Date() }],
    });
    expect(store.config.getSettings().serviceFeeCents).toBe(250);
    expect(store.config.getSettings().revokedTobacconists.map((r) => r.tobacconistId)).toEqual(["T-9"]);
    // A change committed by another connection to the same database (another process, a restore).
    const other = openNovaboxStore({ home });
    other.config.saveSettings({ ...other.config.getSettings(), serviceFeeCents: 300, revokedTobacconists: [] });
    other.config.saveCaCertificate(sentinels.caPem, sentinels.caPassword, summary("CN=Other CA"));
    expect(store.config.getSettings().serviceFeeCents).toBe(300);
    expect(store.config.getSettings().revokedTobacconists).toEqual([]);
    expect(store.config.caCertificateSummary()?.subject).toBe("CN=Other CA");
    store.config.saveCaCertificate(sentinels.caPem, sentinels.caPassword, summary("CN=CA"));
    expect(store.config.caCertificateSummary()?.subject).toBe("CN=CA");
    expect(other.config.caCertificateSummary()?.subject).toBe("CN=CA");
    other.close();
    store.close();
  });
});

describe("Novabox stores: writes in one transaction", () => {
  const stored = {
    requestFingerprint: "fp",
    certificate: {
      pdf: new Uint8Array([1]),
      protocolNumber: "P1",
      anprOperationId: "OP-1",
      warnings: [],
      charges: { serviceFeeCents: 200, stampDutyCents: 1600, secretariatFeesCents: 0, totalCents: 1800 },
      certificateTypes: [1],
      issuedAt: new Date("2025-01-01T00:00:00.000Z"),
      requestId: "req-1",
      replayed: false,
    },
    createdAt: new Date("2025-01-01T00:00:00.000Z"),
  };
  const row = {
    operation: "CERTIFICATE_ISSUE",
    outcome: "SUCCESS",
    authenticationMethod: "SSO_TOKEN",
    fiscalCode: "RSSMRA80A01L378X",
    requestId: "req-1",
    tobacconistId: "T1",
    actor: "",
    anprProtocolNumber: "P1",
    anprOperationId: "OP-1",
    anprErrorCode: "",
    detail: "issued",
  } as const;
  const pending = (key: string) => ({
    tobacconistId: "T1",
    key,
    requestFingerprint: "fp",
    operationId: `NOVABOX${key}`,
    fiscalCode: "RSSMRA80A01L378X",
    request: "{}",
    state: "pending" as const,
    refusal: "",
    attempts: 0,
    lastReason: "",
    createdAt: new Date("2025-01-01T00:00:00.000Z"),
    updatedAt: new Date("2025-01-01T00:00:00.000Z"),
  });

  it("commits an audit row and a settled issuance together, keeps the row when only the settling fails, and undoes both when the work throws", () => {
    const home = newHome();
    const store = openNovaboxStore({ home });
    store.pending.create(pending("k1"));
    store.atomically(() => {
      store.audit.append(row);
      store.pending.settle("T1", "k1", stored);
    });
    // The settling fails alone (a trigger refuses to remove k2's pending record): undone alone.
    store.pending.create(pending("k2"));
    store.db
      .prepare(
        "CREATE TRIGGER refuse_k2 BEFORE DELETE ON pending_issuances WHEN old.key = 'k2' BEGIN SELECT RAISE(ABORT, 'refused'); END",
      )
      .run();
    let settleError: unknown;
    store.atomically(() => {
      store.audit.append({ ...row, requestId: "req-2" });
      try {
        store.pending.settle("T1", "k2", stored);
      } catch (err) {
        settleError = err;
      }
    });
    expect(settleError).toBeDefined();
    expect(() =>
      store.atomically(() => {
        store.audit.append({ ...row, requestId: "req-3" });
        throw new Error("the work failed");
      }),
    ).toThrow("the work failed");
    store.close();
    const reopened = openNovaboxStore({ home });
    expect(reopened.idempotency.get("T1", "k1")?.requestFingerprint).toBe("fp");
    expect(reopened.pending.get("T1", "k1")).toBeUndefined();
    expect(reopened.pending.get("T1", "k2")?.key).toBe("k2");
    expect(reopened.idempotency.get("T1", "k2")).toBeUndefined();
    const requestIds = [...reopened.audit.export({})].flat().map((e) => e.requestId);
    expect(requestIds).toEqual(["req-1", "req-2"]);
    expect(reopened.audit.verify().ok).toBe(true);
    reopened.close();
  });
});

describe("Novabox config store: secrets", () => {
  it("round-trips the credentials and keeps only summaries in clear", () => {
    const home = newHome();
    const store = openNovaboxStore({ home });
    expect(store.config.getSecrets()).toEqual({});
    expect(store.config.caCertificateSummary()).toBeUndefined();
    storeSecrets(store);
    expectSecrets(store);
    expect(store.config.caCertificateSummary()).toEqual(summary("CN=CA"));
    expect(store.config.workstationCertificateSummary()).toEqual(summary("CN=Workstation"));
    store.close();
    const reopened = openNovaboxStore({ home });
    expectSecrets(reopened);
    expect(reopened.config.workstationCertificateSummary()).toEqual(summary("CN=Workstation"));
    reopened.close();
  });

  it("stores a key unwrapped later only while its PKCS#12 is still the stored one", () => {
    const store = openNovaboxStore({ home: newHome() });
    storeSecrets(store);
    const later = "-----BEGIN PRIVATE KEY-----\nUNWRAPPED-LATER\n-----END PRIVATE KEY-----\n";
    expect(store.config.saveWorkstationKey(new Uint8Array(randomBytes(32)), later)).toBe(false);
    expect(store.config.getSecrets().workstationKey).toBe(sentinels.keyPem);
    expect(store.config.saveWorkstationKey(pkcs12, later)).toBe(true);
    expect(store.config.getSecrets().workstationKey).toBe(later);
    store.close();
  });
  it("never writes a secret in clear to the database, its WAL or its shared memory, nor anything outside ANPR_HOME", () => {
    const parent = mkdtempSync(join(dir, "sentinel-"));
    const home = join(parent, "anpr_home");
    const store = openNovaboxStore({ home });
    storeSecrets(store);
    store.config.saveWorkstationCertificate(pkcs12, sentinels.pin, sentinels.keyPem, summary("CN=Workstation 2"));
    expect(store.config.saveWorkstationKey(pkcs12, sentinels.keyPem)).toBe(true);
    const sessionKey = Buffer.from(store.sessionKey());
    const needles = [
      ...Object.values(sentinels).map((s) => Buffer.from(s, "utf8")),
      Buffer.from(sentinels.pin, "utf16le"),
      privateKeyDer,
      privateKeyDer.subarray(privateKeyDer.length - 32),
      sessionKey,
    ];
    const control = Buffer.from("CN=Workstation 2", "utf8");
    const scan = () => {
      const files = readdirSync(home);
      let controlSeen = false;
      for (const file of files.filter((f) => f.startsWith("novabox.db"))) {
        const bytes = readFileSync(join(home, file));
        controlSeen ||= bytes.includes(control);
        for (const needle of needles) expect({ file, found: bytes.includes(needle) }).toEqual({ file, found: false });
      }
      expect(controlSeen).toBe(true);
      return files;
    };
    const whileOpen = scan();
    expect(whileOpen).toEqual(expect.arrayContaining(["novabox.db", "novabox.db-wal", "novabox.db-shm"]));
    expect(statSync(join(home, "novabox.db-wal")).size).toBeGreaterThan(0);
    store.close();
    scan();
    expect(readdirSync(parent)).toEqual(["anpr_home"]);
  });

  it("creates the database, its WAL and the key file owner-only (0600)", () => {
    const home = newHome();
    const store = openNovaboxStore({ home });
    store.audit.append({
      operation: "ADMIN_LOGIN",
      outcome: "SUCCESS",
      authenticationMethod: "ADMIN_PASSWORD",
      fiscalCode: "",
      requestId: "r1",
      tobacconistId: "",
      actor: "admin",
      anprProtocolNumber: "",
      anprOperationId: "",
      anprErrorCode: "",
      detail: "",
    });
    for (const file of ["novabox.db", "novabox.db-wal", "novabox.db-shm", "secret.key"]) {
      expect({ file, mode: (statSync(join(home, file)).mode & 0o777).toString(8) }).toEqual({ file, mode: "600" });
    }
    store.close();
  });

  it("refuses a key file readable by group or others", () => {
    const home = newHome();
    openNovaboxStore({ home }).close();
    chmodSync(secretKeyFilePath(home), 0o644);
    expect(() => openNovaboxStore({ home })).toThrow(SecretKeyFilePermissionsError);
    expect(() => openNovaboxStore({ home })).toThrow(/chmod 600/);
    chmodSync(secretKeyFilePath(home), 0o600);
    openNovaboxStore({ home }).close();
  });

  it("refuses a wrong key, env or key file, with a clear typed error", () => {
    const envHome = newHome();
    const key = generateSecretKey();
    const store = openNovaboxStore({ home: envHome, secretKey: key });
    storeSecrets(store);
    store.close();
    expect(existsSync(secretKeyFilePath(envHome))).toBe(false);
    expect(() => openNovaboxStore({ home: envHome, secretKey: generateSecretKey() })).toThrow(SecretKeyMismatchError);
    expect(() => openNovaboxStore({ home: envHome, secretKey: generateSecretKey() })).toThrow(
      /cannot decrypt the data in this database/,
    );
    expect(() => openNovaboxStore({ home: envHome })).toThrow(SecretKeyMissingError);
    expect(existsSync(secretKeyFilePath(envHome))).toBe(false);
    const reopened = openNovaboxStore({ home: envHome, secretKey: key });
    expectSecrets(reopened);
    reopened.close();

    const fileHome = newHome();
    openNovaboxStore({ home: fileHome }).close();
    writeFileSync(secretKeyFilePath(fileHome), `${Buffer.from(generateSecretKey()).toString("base64")}\n`, {
      mode: 0o600,
    });
    expect(() => openNovaboxStore({ home: fileHome })).toThrow(SecretKeyMismatchError);
  });

  it("rejects malformed keys", () => {
    expect(() => decodeSecretKey("c2hvcnQ=")).toThrow(InvalidSecretKeyError);
    expect(() => decodeSecretKey("not base64!")).toThrow(InvalidSecretKeyError);
    expect(decodeSecretKey(Buffer.alloc(32, 7).toString("base64"))).toHaveLength(32);
    expect(() => openNovaboxStore({ home: newHome(), secretKey: new Uint8Array(16) })).toThrow(InvalidSecretKeyError);
  });

  it("keeps the session key stable across restarts", () => {
    const home = newHome();
    const first = openNovaboxStore({ home });
    const key = first.sessionKey();
    expect(key).toHaveLength(32);
    first.close();
    const second = openNovaboxStore({ home });
    expect(Buffer.from(second.sessionKey()).equals(Buffer.from(key))).toBe(true);
    second.close();
    const other = openNovaboxStore({ home: newHome() });
    expect(Buffer.from(other.sessionKey()).equals(Buffer.from(key))).toBe(false);
    other.close();
  });
});

describe("Novabox secret key rotation", () => {
  it("re-encrypts every secret under the new key (env mode)", () => {
    const home = newHome();
    const oldKey = generateSecretKey();
    const newKey = generateSecretKey();
    const store = openNovaboxStore({ home, secretKey: oldKey });
    storeSecrets(store);
    const sessionKey = store.sessionKey();
    store.close();
    expect(() => rotateSecretKey(home, generateSecretKey(), newKey)).toThrow(SecretKeyMismatchError);
    const result = rotateSecretKey(home, oldKey, newKey);
    expect(result.secretsReencrypted).toBe(8); // CA, CA password, PKCS#12, PIN, workstation key, session key, audit chain key, check value
    expect(() => openNovaboxStore({ home, secretKey: oldKey })).toThrow(SecretKeyMismatchError);
    const rotated = openNovaboxStore({ home, secretKey: newKey });
    expectSecrets(rotated);
    expect(Buffer.from(rotated.sessionKey()).equals(Buffer.from(sessionKey))).toBe(true);
    rotated.close();
  });

  it("replaces the key file in key-file mode", () => {
    const home = newHome();
    const store = openNovaboxStore({ home });
    storeSecrets(store);
    store.close();
    const oldKey = readSecretKeyFile(secretKeyFilePath(home));
    const newKey = generateSecretKey();
    rotateSecretKey(home, oldKey, newKey, { replaceKeyFile: true });
    expect(Buffer.from(readSecretKeyFile(secretKeyFilePath(home))).equals(Buffer.from(newKey))).toBe(true);
    expect(statSync(secretKeyFilePath(home)).mode & 0o777).toBe(0o600);
    expect(existsSync(`${secretKeyFilePath(home)}.next`)).toBe(false);
    const rotated = openNovaboxStore({ home });
    expectSecrets(rotated);
    rotated.close();
  });

  it("completes a key-file rotation interrupted after its commit", () => {
    const home = newHome();
    const store = openNovaboxStore({ home });
    storeSecrets(store);
    store.close();
    const newKey = generateSecretKey();
    rotateSecretKey(home, readSecretKeyFile(secretKeyFilePath(home)), newKey);
    writeFileSync(`${secretKeyFilePath(home)}.next`, `${Buffer.from(newKey).toString("base64")}\n`, { mode: 0o600 });
    const recovered = openNovaboxStore({ home });
    expectSecrets(recovered);
    recovered.close();
    expect(existsSync(`${secretKeyFilePath(home)}.next`)).toBe(false);
    expect(Buffer.from(readSecretKeyFile(secretKeyFilePath(home))).equals(Buffer.from(newKey))).toBe(true);
  });

  it("rotates through the rotate-key CLI", () => {
    const home = newHome();
    const store = openNovaboxStore({ home });
    storeSecrets(store);
    store.close();
    const before = readFileSync(secretKeyFilePath(home), "utf8");
    const env = { ...process.env };
    delete env.NOVABOX_SECRET_KEY;
    delete env.NOVABOX_NEW_SECRET_KEY;
    const run = spawnSync(process.execPath, ["--import", "tsx", "services/novabox/src/cli/rotate-key.ts", home], {
      cwd: repoRoot,
      env,
      encoding: "utf8",
    });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/re-encrypted 8 secrets/);
    const after = readFileSync(secretKeyFilePath(home), "utf8");
    expect(after).not.toBe(before);
    expect(run.stdout).not.toContain(after.trim());
    const rotated = openNovaboxStore({ home });
    expectSecrets(rotated);
    rotated.close();
  });
});

describe("Novabox admin and idempotency stores", () => {
  it("creates one admin atomically, changes its password and counts failures, across restarts", () => {
    const home = newHome();
    let clock = new Date("2025-01-01T00:00:00.000Z");
    const store = openNovaboxStore({ home, now: () => clock });
    expect(store.admin.getAdmin()).toBeUndefined();
    expect(store.admin.createAdmin("admin", "scrypt$1")).toBe(true);
    expect(store.admin.createAdmin("other", "scrypt$2")).toBe(false);
    clock = new Date("2025-01-02T00:00:00.000Z");
    store.admin.setPasswordHash("scrypt$3");
    expect(store.admin.getLoginFailures("admin")).toEqual({ count: 0 });
    store.admin.recordLoginFailure("admin", new Date("2025-01-03T00:00:00.000Z"));
    store.admin.recordLoginFailure("admin", new Date("2025-01-04T00:00:00.000Z"));
    store.admin.recordLoginFailure("ghost", new Date("2025-01-04T00:00:00.000Z"));
    store.close();
    const reopened = openNovaboxStore({ home });
    expect(reopened.admin.getAdmin()).toEqual({
      username: "admin",
      passwordHash: "scrypt$3",
      passwordChangedAt: new Date("2025-01-02T00:00:00.000Z"),
    });
    expect(reopened.admin.getLoginFailures("admin")).toEqual({
      count: 2,
      lastFailureAt: new Date("2025-01-04T00:00:00.000Z"),
    });
    reopened.admin.clearLoginFailures("admin");
    expect(reopened.admin.getLoginFailures("admin")).toEqual({ count: 0 });
    expect(reopened.admin.getLoginFailures("ghost").count).toBe(1);
    reopened.close();
  });

  it("keeps the first issuance per (tobacconist, key) and purges old ones", () => {
    const home = newHome();
    const store = openNovaboxStore({ home });
    // What the store hands back is a replay of the first issue.
    const certificate = (pdf: number[], protocolNumber: string) => ({
      pdf: new Uint8Array(pdf),
      protocolNumber,
      anprOperationId: `OP-${protocolNumber}`,
      warnings: [],
      charges: { serviceFeeCents: 200, stampDutyCents: 1600, secretariatFeesCents: 0, totalCents: 1800 },
      certificateTypes: [1],
      issuedAt: new Date("2025-01-01T00:00:00.000Z"),
      requestId: `req-${protocolNumber}`,
      replayed: true,
    });
    const first = {
      requestFingerprint: "fp1",
      certificate: certificate([1, 2, 3], "P1"),
      createdAt: new Date("2025-01-01T00:00:00.000Z"),
    };
    store.idempotency.put("T1", "k", first);
    store.idempotency.put("T1", "k", {
      requestFingerprint: "fp2",
      certificate: certificate([9], "P2"),
      createdAt: new Date("2025-01-05T00:00:00.000Z"),
    });
    store.idempotency.put("T2", "k", {
      requestFingerprint: "fp3",
      certificate: certificate([4], "P3"),
      createdAt: new Date("2025-01-10T00:00:00.000Z"),
    });
    expect(store.idempotency.get("T1", "k")).toEqual(first);
    expect(store.idempotency.get("T1", "other")).toBeUndefined();
    store.close();
    const reopened = openNovaboxStore({ home });
    expect(reopened.idempotency.get("T2", "k")?.requestFingerprint).toBe("fp3");
    expect(reopened.idempotency.purgeOlderThan(new Date("2025-01-07T00:00:00.000Z"))).toBe(1);
    expect(reopened.idempotency.get("T1", "k")).toBeUndefined();
    expect(reopened.idempotency.get("T2", "k")).toBeDefined();
    reopened.close();
  });
});
