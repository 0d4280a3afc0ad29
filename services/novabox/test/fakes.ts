/**
 * In-memory fakes of the Novabox domain ports, for unit tests of the domain layer only (integration
 * tests use the SQLite store and the ANPR simulator).
 */
import { computeCodiceFiscale } from "#shared/anpr/codice-fiscale.js";
import type { AnprGateway } from "../src/domain/ports.js";
import type { AuditEntry, AuditRecord, Settings } from "../src/domain/model.js";
import type {
  AdminStore,
  AuditLog,
  IdempotencyStore,
  PendingIssuance,
  PendingIssuanceStore,
  StoredIssuance,
} from "../src/domain/ports.js";

/** A settable clock. */
export interface FakeClock {
  (): Date;
  set(iso: string | Date): void;
  advance(ms: number): void;
}

/** Creates a {@link FakeClock} starting at `start`. */
export function fakeClock(start = "2026-11-23T09:00:00.000Z"): FakeClock {
  let now = new Date(start).getTime();
  const clock = (() => new Date(now)) as FakeClock;
  clock.set = (iso) => {
    now = new Date(iso).getTime();
  };
  clock.advance = (ms) => {
    now += ms;
  };
  return clock;
}

/** Settings of a configured box (Trento), with `overrides`. */
export function testSettings(overrides: Partial<Settings> = {}): Settings {
  return {
    operatorId: "OPERATORE1",
    officeId: "022205",
    workstationId: "POSTAZIONE1",
    comuneCode: "022205",
    comuneName: "Trento",
    environment: "TEST",
    anprInterfaceVersion: "ANPR05",
    anprBaseUrl: "",
    registryOfficerSurname: "ROSSI",
    registryOfficerName: "MARIA",
    signatureAlgorithm: "rsa-sha256",
    novaresDiscoveryAddress: "",
    advertisedHost: "",
    advertisedPort: 0,
    ssoPublicKeyPem: "",
    ssoJwksUrl: "",
    ssoJwks: "",
    ssoIssuer: "https://sso.novares.test",
    ssoAudience: "novabox",
    logRetentionDays: 365,
    rateLimits: {
      perTobacconistPerMinute: 60,
      massExtractionDistinctFiscalCodes: 100,
      massExtractionWindowSeconds: 3600,
    },
    revokedTobacconists: [],
    serviceFeeCents: 200,
    stampDutyCents: 1600,
    secretariatFeesCents: 50,
    enabledCertificateTypes: [],
    experimentalPhase: false,
    ...overrides,
  };
}

/** An audit log that keeps rows in an array. */
export interface FakeAuditLog extends AuditLog {
  readonly entries: AuditEntry[];
}

/** Creates a {@link FakeAuditLog}. */
export function fakeAuditLog(clock: () => Date = () => new Date()): FakeAuditLog {
  const entries: AuditEntry[] = [];
  return {
    entries,
    append(record: AuditRecord) {
      const entry: AuditEntry = { ...record, id: entries.length + 1, time: clock(), previousHash: "", hash: "" };
      entries.push(entry);
      return entry;
    },
    list: () => ({ entries: [...entries].reverse() }),
    export: () => [entries],
    verify: () => ({ ok: true, rowsChecked: entries.length, headHash: "", headId: entries.length, hmacChecked: true }),
    purge: () => 0,
  };
}

/** Creates an in-memory {@link AdminStore}; password changes are stamped with `clock`. */
export function fakeAdminStore(clock: () => Date): AdminStore {
  let admin: { username: string; passwordHash: string; passwordChangedAt: Date } | undefined;
  const failures = new Map<string, { count: number; lastFailureAt?: Date }>();
  return {
    getAdmin: () => (admin ? { ...admin } : undefined),
    createAdmin(username, passwordHash) {
      if (admin) return false;
      admin = { username, passwordHash, passwordChangedAt: clock() };
      return true;
    },
    setPasswordHash(passwordHash) {
      if (admin) admin = { ...admin, passwordHash, passwordChangedAt: clock() };
    },
    getLoginFailures: (username) => failures.get(username) ?? { count: 0 },
    recordLoginFailure(username, at) {
      failures.set(username, { count: (failures.get(username)?.count ?? 0) + 1, lastFailureAt: at });
    },
    clearLoginFailures(username) {
      failures.delete(username);
    },
  };
}

/** Creates an in-memory {@link IdempotencyStore}. */
export function fakeIdempotencyStore(): IdempotencyStore & { readonly size: number } {
  const map = new Map<string, StoredIssuance>();
  return {
    get: (t, k) => map.get(JSON.stringify([t, k])),
    put(t, k, issuance) {
      map.set(JSON.stringify([t, k]), issuance);
    },
    get size() {
      return map.size;
    },
  };
}

/** An in-memory {@link PendingIssuanceStore} settling into `idempotency`. */
export function fakePendingStore(idempotency: IdempotencyStore): PendingIssuanceStore & { all(): PendingIssuance[] } {
  const map = new Map<string, PendingIssuance>();
  const id = (t: string, k: string) => JSON.stringify([t, k]);
  return {
    get: (t, k) => {
      const found = map.get(id(t, k));
      return found ? { ...found } : undefined;
    },
    create(record) {
      if (map.has(id(record.tobacconistId, record.key))) return false;
      map.set(id(record.tobacconistId, record.key), { ...record });
      return true;
    },
    markAttempt(t, k, reason, at) {
      const r = map.get(id(t, k));
      if (r) Object.assign(r, { attempts: r.attempts + 1, lastReason: reason, updatedAt: at });
    },
    markRefused(t, k, refusal, reason, at) {
      const r = map.get(id(t, k));
      if (r) Object.assign(r, { state: "refused", refusal, lastReason: reason, updatedAt: at });
    },
    settle(t, k, done) {
      if (done) idempotency.put(t, k, done);
      map.delete(id(t, k));
    },
    listUnsettled: (limit) => [...map.values()].filter((r) => r.state === "pending").slice(0, limit),
    all: () => [...map.values()],
  };
}

/** A tiny valid-looking PDF. */
export const FAKE_PDF = new TextEncoder().encode("%PDF-1.4\n% fake certificate\n%%EOF\n");

/** A gateway that answers from `behaviour` and counts calls. */
export interface FakeGateway extends AnprGateway {
  calls: {
    issueCertificate: Parameters<AnprGateway["issueCertificate"]>[0][];
    getIndividualRecord: Parameters<AnprGateway["getIndividualRecord"]>[0][];
  };
}

/**
 * Creates a {@link FakeGateway}; `fail` makes every call throw it (a function: throw what it returns
 * for that call, or answer normally when it returns undefined). The operation ids each call used are
 * in `calls.operationIds`.
 */
export function fakeGateway(
  behaviour: {
    fail?: Error | ((call: number, operationId: string) => Error | undefined);
    protocolNumber?: string;
  } = {},
): FakeGateway & { operationIds: string[] } {
  const calls: FakeGateway["calls"] = { issueCertificate: [], getIndividualRecord: [] };
  const operationIds: string[] = [];
  let op = 1000n;
  let sequence = 0n;
  const failure = (id: string): Error | undefined =>
    typeof behaviour.fail === "function"
      ? behaviour.fail(calls.issueCertificate.length + calls.getIndividualRecord.length, id)
      : behaviour.fail;
  /** Starts one call: its operation id (given or the next), recorded; throws the scripted failure. */
  const nextId = (): string => `FAKE${String((sequence += 1n)).padStart(16, "0")}`;
  const begin = (given: string | undefined): string => {
    const id = given ?? nextId();
    operationIds.push(id);
    const err = failure(id);
    if (err) throw err;
    op += 1n;
    return id;
  };
  return {
    calls,
    operationIds,
    nextOperationId: () => nextId(),
    async issueCertificate(input, options) {
      calls.issueCertificate.push(input);
      const id = begin(options?.idOperazioneComune);
      await Promise.resolve(); // answer asynchronously, as ANPR does
      return {
        protocolNumber: input.issuance === 3 ? "" : (behaviour.protocolNumber ?? "202611230001"),
        anprOperationId: String(op),
        pdf: FAKE_PDF,
        warnings: [],
        idOperazioneComune: id,
        echoedOperationId: id,
        subject: {
          fiscalCode: input.subject.fiscalCode ?? "",
          surname: input.subject.surname,
          name: input.subject.name,
        },
      };
    },
    async getIndividualRecord(input, options) {
      calls.getIndividualRecord.push(input);
      const id = begin(options?.idOperazioneComune);
      await Promise.resolve(); // answer asynchronously, as ANPR does
      return {
        anprOperationId: String(op),
        subject: { fiscalCode: input.fiscalCode, surname: "BIANCHI", name: "LUCA", citizenships: [] },
        familyMembers: [],
        warnings: [],
        idOperazioneComune: id,
        echoedOperationId: id,
      };
    },
    testConnection() {
      op += 1n;
      const at = new Date();
      return Promise.resolve({
        anprOperationId: String(op),
        outcome: "OK",
        idOperazioneComune: `FAKE${op}`,
        sentAt: at,
        answeredAt: at,
        anprTime: at,
      });
    },
  };
}

/** A valid codice fiscale for a person numbered `n` (distinct per n). */
export function fiscalCodeFor(n: number): string {
  const day = String((n % 28) + 1).padStart(2, "0");
  const year = 1950 + (Math.floor(n / 28) % 50);
  return computeCodiceFiscale({
    surname: "BIANCHI",
    name: "LUCA",
    sex: "M",
    birthDate: `${year}-03-${day}`,
    birthPlaceCode: "L378",
  });
}
