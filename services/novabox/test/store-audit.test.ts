import { afterAll, describe, expect, it } from "@jest/globals";
import Database from "better-sqlite3";
import { spawnSync } from "node:child_process";
import { createHash, createHmac } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AuditEntry, AuditRecord } from "../src/domain/model.js";
import {
  computeAuditHash,
  genesisHash,
  InvalidAuditQueryError,
  openNovaboxStore,
  readSecretKeyFile,
  rotateSecretKey,
  secretKeyFilePath,
} from "../src/store/index.js";
import { createAuditLog } from "../src/store/audit-log.js";
import { openDatabase } from "../src/store/database.js";

const dir = mkdtempSync(join(tmpdir(), "store-audit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let homes = 0;
const newHome = () => join(dir, `home-${++homes}`);
const repoRoot = new URL("../../../", import.meta.url).pathname;
const t0 = Date.parse("2025-01-01T00:00:00.000Z");
const minute = 60_000;

const record = (overrides: Partial<AuditRecord> = {}): AuditRecord => ({
  operation: "CERTIFICATE_ISSUE",
  outcome: "SUCCESS",
  authenticationMethod: "SSO_TOKEN",
  fiscalCode: "RSSMRA80A01L378X",
  requestId: "req",
  tobacconistId: "T1",
  actor: "",
  anprProtocolNumber: "P-1",
  anprOperationId: "1735689600000000",
  anprErrorCode: "",
  detail: "certificate type 1",
  ...overrides,
});

type ClockedStore = ReturnType<typeof openNovaboxStore> & { clock: { ms: number } };

/** A store on a test clock starting at 2025-01-01 (see {@link add}). */
function openWithClock(home: string): ClockedStore {
  const clock = { ms: t0 };
  return Object.assign(openNovaboxStore({ home, now: () => new Date(clock.ms) }), { clock });
}

/** Advances the clock one minute, then appends. */
function add(store: ClockedStore, overrides: Partial<AuditRecord> = {}): AuditEntry {
  store.clock.ms += minute;
  return store.audit.append(record(overrides));
}

/** Appends `n` rows a minute apart, record i with requestId `r<i>`. */
function fill(store: ClockedStore, n: number): AuditEntry[] {
  return Array.from({ length: n }, (_, i) => add(store, { requestId: `r${i + 1}` }));
}

/** Runs SQL on the database file as an attacker would, with the append-only triggers dropped. */
function tamper(home: string, ...statements: string[]): void {
  const db = new Database(join(home, "novabox.db"));
  db.exec("DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_delete_only_purged;");
  for (const sql of statements) db.exec(sql);
  db.close();
}

function auditVerifyCli(home: string) {
  return spawnSync(process.execPath, ["--import", "tsx", "services/novabox/src/cli/audit-verify.ts", home], {
    cwd: repoRoot,
    encoding: "utf8",
  });
}

describe("audit log: append, list, export", () => {
  it("appends sequential, hash-chained rows with millisecond times", () => {
    const store = openWithClock(newHome());
    const [a, b] = fill(store, 2);
    expect(a).toMatchObject({ id: 1, time: new Date(t0 + minute), previousHash: genesisHash, requestId: "r1" });
    expect(b).toMatchObject({ id: 2, previousHash: a!.hash });
    expect(a!.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(computeAuditHash({ ...a!, time: a!.time.getTime() }, store.auditChain.key)).toBe(a!.hash);
    expect(computeAuditHash({ ...a!, time: a!.time.getTime() })).not.toBe(a!.hash);
    store.close();
  });

  it("matches the documented serialization", () => {
    const input = { ...record({ detail: "è" }), id: 7, time: 1735689600123, previousHash: genesisHash };
    const fields = [
      "novabox-audit-v1",
      "7",
      "1735689600123",
      input.operation,
      input.outcome,
      input.authenticationMethod,
      input.fiscalCode,
      input.requestId,
      input.tobacconistId,
      input.actor,
      input.anprProtocolNumber,
      input.anprOperationId,
      input.anprErrorCode,
      input.detail,
      input.previousHash,
    ];
    const serialized = fields.map((f) => `${Buffer.byteLength(f, "utf8")}:${f},`).join("");
    expect(serialized).toContain("2:è,");
    const expected = createHash("sha256").update(serialized, "utf8").digest("hex");
    expect(computeAuditHash(input)).toBe(expected);
    const key = Buffer.alloc(32, 7);
    const keyedSerialized = serialized.replace("16:novabox-audit-v1,", "16:novabox-audit-v2,");
    expect(computeAuditHash(input, key)).toBe(createHmac("sha256", key).update(keyedSerialized, "utf8").digest("hex"));
  });

  it("keeps times non-decreasing when the clock steps back", () => {
    const store = openWithClock(newHome());
    store.clock.ms = t0 + 5 * minute;
    const a = store.audit.append(record());
    store.clock.ms = t0 + 2 * minute;
    const b = store.audit.append(record());
    expect(a.time.getTime()).toBe(t0 + 5 * minute);
    expect(b.time.getTime()).toBe(t0 + 5 * minute);
    expect(store.audit.verify().ok).toBe(true);
    store.close();
  });

  it("lists newest first with an opaque cursor, and filters", () => {
    const store = openWithClock(newHome());
    add(store, { requestId: "a", tobacconistId: "T1", fiscalCode: "AAAAAA00A00A000A" });
    add(store, { requestId: "b", tobacconistId: "T2", outcome: "ANPR_ERROR", anprErrorCode: "EN122" });
    add(store, { requestId: "c", operation: "INDIVIDUAL_RECORD", tobacconistId: "T1" });
    add(store, {
      requestId: "d",
      operation: "ADMIN_LOGIN",
      authenticationMethod: "ADMIN_PASSWORD",
      tobacconistId: "",
      fiscalCode: "",
      outcome: "DENIED",
    });
    add(store, { requestId: "e", tobacconistId: "T1" });
    const ids = (entries: AuditEntry[]) => entries.map((e) => e.requestId).join("");

    const page1 = store.audit.list({}, 2);
    expect(ids(page1.entries)).toBe("ed");
    expect(page1.nextCursor).toBeDefined();
    const page2 = store.audit.list({}, 2, page1.nextCursor);
    expect(ids(page2.entries)).toBe("cb");
    const page3 = store.audit.list({}, 2, page2.nextCursor);
    expect(ids(page3.entries)).toBe("a");
    expect(page3.nextCursor).toBeUndefined();
    expect(store.audit.list({}, 5).nextCursor).toBeUndefined();

    expect(ids(store.audit.list({ tobacconistId: "T1" }, 10).entries)).toBe("eca");
    expect(ids(store.audit.list({ fiscalCode: "AAAAAA00A00A000A" }, 10).entries)).toBe("a");
    expect(ids(store.audit.list({ operations: ["INDIVIDUAL_RECORD", "ADMIN_LOGIN"] }, 10).entries)).toBe("dc");
    expect(ids(store.audit.list({ outcomes: ["ANPR_ERROR", "DENIED"] }, 10).entries)).toBe("db");
    expect(ids(store.audit.list({ operations: [], outcomes: [] }, 10).entries)).toBe("edcba");
    expect(
      ids(store.audit.list({ startTime: new Date(t0 + 2 * minute), endTime: new Date(t0 + 4 * minute) }, 10).entries),
    ).toBe("cb");
    const t1Page = store.audit.list({ tobacconistId: "T1" }, 1);
    expect(ids(store.audit.list({ tobacconistId: "T1" }, 1, t1Page.nextCursor).entries)).toBe("c");

    expect(() => store.audit.list({}, 2, "not-a-cursor")).toThrow(InvalidAuditQueryError);
    expect(() => store.audit.list({}, 0)).toThrow(InvalidAuditQueryError);
    expect(() => store.audit.list({}, 1001)).toThrow(InvalidAuditQueryError);
    store.close();
  });

  it("uses an index for each filter", () => {
    const home = newHome();
    openWithClock(home).close();
    const db = new Database(join(home, "novabox.db"), { readonly: true });
    const plan = (where: string) =>
      (
        db.prepare(`EXPLAIN QUERY PLAN SELECT * FROM audit_log WHERE ${where} ORDER BY id DESC LIMIT 10`).all() as {
          detail: string;
        }[]
      )
        .map((r) => r.detail)
        .join("; ");
    expect(plan("tobacconist_id = 'T1'")).toMatch(/USING INDEX audit_log_tobacconist/);
    expect(plan("fiscal_code = 'X'")).toMatch(/USING INDEX audit_log_fiscal_code/);
    expect(plan("operation IN (SELECT value FROM json_each('[\"A\"]'))")).toMatch(/USING INDEX audit_log_operation/);
    expect(plan("time >= 1 AND time < 2")).toMatch(/USING INDEX audit_log_time/);
    db.close();
  });

  it("exports matching rows oldest first, in batches", () => {
    const store = openWithClock(newHome());
    fill(store, 7);
    add(store, { requestId: "other", tobacconistId: "T9" });
    const batches = [...store.audit.export({ tobacconistId: "T1" }, 3)];
    expect(batches.map((b) => b.map((e) => e.id))).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    expect([...store.audit.export({ tobacconistId: "T9" })].flat().map((e) => e.requestId)).toEqual(["other"]);
    expect([...store.audit.export({ tobacconistId: "none" })]).toEqual([]);
    store.close();
  });
});

describe("audit log: verification", () => {
  it("verifies an intact chain, also after a restart", () => {
    const home = newHome();
    const store = openWithClock(home);
    const entries = fill(store, 5);
    expect(store.audit.verify()).toEqual({
      ok: true,
      rowsChecked: 5,
      headHash: entries[4]!.hash,
      headId: 5,
      hmacChecked: true,
    });
    store.close();
    const reopened = openWithClock(home);
    expect(reopened.audit.verify().ok).toBe(true);
    reopened.clock.ms = t0 + 10 * minute;
    expect(add(reopened).id).toBe(6);
    expect(reopened.audit.list({}, 10).entries).toHaveLength(6);
    expect(reopened.audit.verify()).toMatchObject({ ok: true, rowsChecked: 6 });
    reopened.close();
  });

  it("verifies an empty log", () => {
    const store = openWithClock(newHome());
    expect(store.audit.verify()).toEqual({
      ok: true,
      rowsChecked: 0,
      headHash: genesisHash,
      headId: 0,
      hmacChecked: true,
    });
    store.close();
  });

  it("refuses updates and unrecorded deletes through the append-only triggers", () => {
    const home = newHome();
    const store = openWithClock(home);
    fill(store, 3);
    store.close();
    const db = new Database(join(home, "novabox.db"));
    expect(() => db.prepare("UPDATE audit_log SET detail = 'x' WHERE id = 2").run()).toThrow(/append-only/);
    expect(() => db.prepare("DELETE FROM audit_log WHERE id = 2").run()).toThrow(/recorded purge/);
    db.close();
  });

  it("names the edited row (HASH_MISMATCH)", () => {
    const home = newHome();
    const store = openWithClock(home);
    fill(store, 6);
    store.close();
    tamper(home, "UPDATE audit_log SET detail = 'forged' WHERE id = 4");
    const reopened = openWithClock(home);
    const result = reopened.audit.verify();
    reopened.close();
    expect(result).toMatchObject({ ok: false, firstBrokenId: 4, failure: "HASH_MISMATCH", rowsChecked: 3 });
    expect(result.reason).toMatch(/row 4.*altered/);
  });

  it("names the row after a deleted one (SEQUENCE_GAP)", () => {
    const home = newHome();
    const store = openWithClock(home);
    fill(store, 6);
    store.close();
    tamper(home, "DELETE FROM audit_log WHERE id = 3");
    const reopened = openWithClock(home);
    const result = reopened.audit.verify();
    reopened.close();
    expect(result).toMatchObject({ ok: false, firstBrokenId: 4, failure: "SEQUENCE_GAP" });
    expect(result.reason).toMatch(/row 3 is missing/);
  });

  it("detects two rows whose ids were swapped", () => {
    const home = newHome();
    const store = openWithClock(home);
    fill(store, 6);
    store.close();
    tamper(
      home,
      "UPDATE audit_log SET id = -1 WHERE id = 3",
      "UPDATE audit_log SET id = 3 WHERE id = 4",
      "UPDATE audit_log SET id = 4 WHERE id = -1",
    );
    const reopened = openWithClock(home);
    const result = reopened.audit.verify();
    reopened.close();
    expect(result).toMatchObject({ ok: false, firstBrokenId: 3 });
  });

  it("detects a row rewritten with a recomputed hash at the next row (CHAIN_MISMATCH)", () => {
    const home = newHome();
    const store = openWithClock(home);
    const entries = fill(store, 4);
    const key = store.auditChain.key;
    store.close();
    const forged = { ...entries[2]!, detail: "forged", time: entries[2]!.time.getTime() };
    tamper(home, `UPDATE audit_log SET detail = 'forged', hash = '${computeAuditHash(forged, key)}' WHERE id = 3`);
    const reopened = openWithClock(home);
    const result = reopened.audit.verify();
    reopened.close();
    expect(result).toMatchObject({ ok: false, firstBrokenId: 4, failure: "CHAIN_MISMATCH" });
  });

  it("a row re-chained with the public formula but without the key fails its HMAC (HASH_MISMATCH)", () => {
    const home = newHome();
    const store = openWithClock(home);
    const entries = fill(store, 4);
    store.close();
    // Re-chain rows 3 and 4 with plain SHA-256, as someone with a copy of ANPR_HOME but not the key could.
    const forged3 = { ...entries[2]!, detail: "forged", time: entries[2]!.time.getTime() };
    const hash3 = computeAuditHash(forged3);
    const hash4 = computeAuditHash({ ...entries[3]!, time: entries[3]!.time.getTime(), previousHash: hash3 });
    tamper(
      home,
      `UPDATE audit_log SET detail = 'forged', hash = '${hash3}' WHERE id = 3`,
      `UPDATE audit_log SET previous_hash = '${hash3}', hash = '${hash4}' WHERE id = 4`,
    );
    const reopened = openWithClock(home);
    const result = reopened.audit.verify();
    reopened.close();
    expect(result).toMatchObject({ ok: false, firstBrokenId: 3, failure: "HASH_MISMATCH" });
  });

  it("detects a forged purge anchor (ANCHOR_MISMATCH)", () => {
    const home = newHome();
    const store = openWithClock(home);
    const entries = fill(store, 5);
    store.close();
    tamper(
      home,
      `INSERT INTO audit_anchors (through_id, through_hash, rows_purged, purged_at) VALUES (2, '${entries[1]!.hash}', 2, 0)`,
      "DELETE FROM audit_log WHERE id <= 2",
    );
    const reopened = openWithClock(home);
    const result = reopened.audit.verify();
    reopened.close();
    expect(result).toMatchObject({ ok: false, firstBrokenId: 3, failure: "ANCHOR_MISMATCH" });
  });

  it("audit-verify CLI prints the result and exits 0 when intact, 1 naming the first broken row", () => {
    const home = newHome();
    const store = openWithClock(home);
    fill(store, 5);
    store.close();
    const intact = auditVerifyCli(home);
    expect(intact.stdout).toMatch(/audit log intact: 5 rows checked, head hash [0-9a-f]{64}/);
    expect(intact.status).toBe(0);
    tamper(home, "UPDATE audit_log SET fiscal_code = 'XXXXXX00X00X000X' WHERE id = 2");
    const broken = auditVerifyCli(home);
    expect(broken.stdout).toMatch(/BROKEN at row 2 \(HASH_MISMATCH\)/);
    expect(broken.status).toBe(1);
    const missing = auditVerifyCli(join(dir, "no-such-home"));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/No Novabox database/);
  });
});

/** Writes `n` unkeyed (v1) rows as a box before the keyed chain did, on a fresh database. */
function legacyLog(home: string, n: number): void {
  const db = openDatabase(home);
  const log = createAuditLog({ db, now: () => new Date(t0) });
  for (let i = 1; i <= n; i++) log.append(record({ requestId: `old${i}` }));
  db.close();
}

describe("audit log: keyed chain migration", () => {
  it("carries a novabox-audit-v1 log over with a recorded, verified migration", () => {
    const home = newHome();
    legacyLog(home, 3);
    const store = openWithClock(home);
    expect(store.auditChain.legacyThroughId).toBe(3);
    const rows = [...store.audit.export({})].flat();
    expect(rows.map((r) => r.operation)).toEqual([
      "CERTIFICATE_ISSUE",
      "CERTIFICATE_ISSUE",
      "CERTIFICATE_ISSUE",
      "AUDIT_CHAIN_MIGRATION",
    ]);
    expect(rows[3]!.detail).toBe(
      `novabox-audit-v1 through id=3 hash=${rows[2]!.hash} verified intact (3 rows); later rows are novabox-audit-v2 (HMAC-SHA256)`,
    );
    expect(rows[3]!.previousHash).toBe(rows[2]!.hash);
    expect(computeAuditHash({ ...rows[0]!, time: rows[0]!.time.getTime() })).toBe(rows[0]!.hash);
    expect(computeAuditHash({ ...rows[3]!, time: rows[3]!.time.getTime() }, store.auditChain.key)).toBe(rows[3]!.hash);
    add(store);
    expect(store.audit.verify()).toMatchObject({ ok: true, rowsChecked: 5, hmacChecked: true });
    store.close();
    // Opening again migrates nothing more.
    const reopened = openWithClock(home);
    expect(reopened.audit.list({ operations: ["AUDIT_CHAIN_MIGRATION"] }, 10).entries).toHaveLength(1);
    expect(reopened.audit.verify()).toMatchObject({ ok: true, rowsChecked: 5 });
    reopened.close();
    expect(auditVerifyCli(home).status).toBe(0);
  });

  it("records a broken v1 chain as broken and keeps reporting it", () => {
    const home = newHome();
    legacyLog(home, 3);
    tamper(home, "UPDATE audit_log SET detail = 'forged' WHERE id = 2");
    const store = openWithClock(home);
    const migration = store.audit.list({ operations: ["AUDIT_CHAIN_MIGRATION"] }, 1).entries[0]!;
    expect(migration.outcome).toBe("FAILED");
    expect(migration.detail).toMatch(/BROKEN at row 2 \(HASH_MISMATCH\)/);
    expect(store.audit.verify()).toMatchObject({ ok: false, firstBrokenId: 2, failure: "HASH_MISMATCH" });
    store.close();
  });

  it("keeps a new log keyed from its first row, and the key survives a key rotation", () => {
    const home = newHome();
    const store = openWithClock(home);
    expect(store.auditChain.legacyThroughId).toBe(0);
    fill(store, 2);
    store.close();
    const oldKey = readSecretKeyFile(secretKeyFilePath(home));
    rotateSecretKey(home, oldKey, new Uint8Array(32).fill(9), { replaceKeyFile: true });
    const reopened = openWithClock(home);
    expect(reopened.audit.verify()).toMatchObject({ ok: true, rowsChecked: 2, hmacChecked: true });
    reopened.close();
  });
});

describe("audit log: purge", () => {
  it("deletes the oldest rows, records an anchor and a RETENTION_PURGE row, and stays verifiable", () => {
    const home = newHome();
    const store = openWithClock(home);
    const entries = fill(store, 10);
    expect(store.audit.purge(new Date(t0))).toBe(0);
    expect(store.audit.list({}, 100).entries).toHaveLength(10);
    const removed = store.audit.purge(entries[4]!.time);
    expect(removed).toBe(4);
    const newest = store.audit.list({}, 1).entries[0]!;
    expect(newest).toMatchObject({
      id: 11,
      operation: "RETENTION_PURGE",
      outcome: "SUCCESS",
      authenticationMethod: "SYSTEM",
    });
    expect(newest.detail).toContain("purged 4 rows");
    expect(newest.detail).toContain(`anchor id=4 hash=${entries[3]!.hash}`);
    expect([...store.audit.export({})].flat().map((e) => e.id)).toEqual([5, 6, 7, 8, 9, 10, 11]);
    expect(store.audit.verify()).toMatchObject({ ok: true, rowsChecked: 7, headHash: newest.hash });
    add(store);
    store.close();

    const reopened = openWithClock(home);
    reopened.clock.ms = t0 + 365 * 24 * 60 * minute;
    expect(reopened.audit.verify()).toMatchObject({ ok: true, rowsChecked: 8 });
    expect(reopened.audit.purge(new Date(reopened.clock.ms))).toBe(8);
    const remaining = [...reopened.audit.export({})].flat();
    expect(remaining.map((e) => [e.id, e.operation])).toEqual([[13, "RETENTION_PURGE"]]);
    expect(reopened.audit.verify()).toMatchObject({ ok: true, rowsChecked: 1 });
    expect(add(reopened).id).toBe(14);
    expect(reopened.audit.verify()).toMatchObject({ ok: true, rowsChecked: 2 });
    reopened.close();
    expect(auditVerifyCli(home).status).toBe(0);
  });

  it("still detects a deletion right after the anchor", () => {
    const home = newHome();
    const store = openWithClock(home);
    const entries = fill(store, 6);
    store.audit.purge(entries[2]!.time);
    store.close();
    tamper(home, "DELETE FROM audit_log WHERE id = 3");
    const reopened = openWithClock(home);
    expect(reopened.audit.verify()).toMatchObject({ ok: false, firstBrokenId: 4, failure: "SEQUENCE_GAP" });
    reopened.close();
  });
});
