/**
 * The tamper-evident audit log on SQLite: an append-only table whose rows are chained.
 *
 * **Keyed chain (`novabox-audit-v2`).** For each row,
 * `hash = lowercase hex(HMAC-SHA256(K, N("novabox-audit-v2") ‖ N(id) ‖ N(time) ‖ N(operation) ‖
 * N(outcome) ‖ N(authentication_method) ‖ N(fiscal_code) ‖ N(request_id) ‖ N(tobacconist_id) ‖
 * N(actor) ‖ N(anpr_protocol_number) ‖ N(anpr_operation_id) ‖ N(anpr_error_code) ‖ N(detail) ‖
 * N(previous_hash)))`, where `N(x)` is the netstring `<byte length of x in UTF-8, decimal>:<x in
 * UTF-8>,` (e.g. `N("ab") = "2:ab,"`, `N("") = "0:,"`), `id` and `time` (epoch milliseconds) are
 * written in decimal without sign or leading zeros, and every other field is the stored text column
 * (strings are made well-formed UTF-8 before hashing and storing, so what is stored is what was
 * hashed). The netstrings make the encoding unambiguous. `K` is the audit chain key: 32 random
 * bytes kept in the `secrets` table sealed under the box's secret key (the `audit_chain` secret, see
 * audit-chain.ts), so a copy of ANPR_HOME without the secret key cannot re-chain an edited row.
 * The first row's `previous_hash` is 64 zeros; after a purge, the first remaining row's
 * `previous_hash` is the last purged row's hash (the anchor).
 *
 * **Unkeyed rows (`novabox-audit-v1`).** Logs written before the keyed chain used plain SHA-256 over
 * the same encoding with the label `novabox-audit-v1`. They are carried over, unchanged, by a
 * recorded migration (audit-chain.ts): rows up to the sealed `legacyThroughId` verify as v1, every
 * later row as v2. The boundary is inside the sealed secret, so it cannot be moved without the key.
 *
 * **Ids and times.** Ids are strictly sequential (1, 2, 3, …, continuing after a purge). A row's
 * time is never earlier than the previous row's: when the clock steps back, the row takes the
 * previous row's time, so a legitimate clock change is never mistaken for tampering.
 *
 * **Purge.** Deleting rows older than the retention first records an anchor (the last purged row's
 * id and hash) in `audit_anchors`, then deletes the rows, then appends a `RETENTION_PURGE` row whose
 * detail names the count and the anchor (`anchor id=<id> hash=<hash>`), all in one transaction.
 * Verification starts from the latest anchor and requires a `RETENTION_PURGE` row confirming it.
 *
 * **Guards.** SQLite triggers refuse UPDATEs and DELETEs of rows above the latest anchor; the chain
 * catches what someone with raw access does after dropping them. Someone who also holds the key
 * (root on the box) can re-chain, and removing the newest rows leaves a valid chain: both are caught
 * by comparing the log with checkpoints witnessed outside the box (witness-verification.ts).
 */
import type { Statement } from "better-sqlite3";
import { createHash, createHmac } from "node:crypto";
import type {
  AuditEntry,
  AuditFilter,
  AuditOperation,
  AuditOutcome,
  AuditRecord,
  AuditVerification,
  AuthenticationMethod,
} from "../domain/model.js";
import type { AuditLog, Clock } from "../domain/ports.js";
import type { SqliteDatabase } from "./database.js";
import { InvalidAuditQueryError } from "./errors.js";

/** The `previous_hash` of the very first row. */
export const genesisHash = "0".repeat(64);

/** The largest page {@link AuditLog.list} returns. */
export const maxAuditPageSize = 1000;

/** The default export batch size. */
export const defaultAuditExportBatchSize = 500;

/** Everything the hash covers. */
export interface AuditHashInput extends AuditRecord {
  id: number;
  /** Epoch milliseconds. */
  time: number;
  previousHash: string;
}

function netstring(value: string): Buffer {
  const bytes = Buffer.from(value, "utf8");
  return Buffer.concat([Buffer.from(`${bytes.length}:`, "ascii"), bytes, Buffer.from(",", "ascii")]);
}

/** The chain labels. */
export const auditChainV1 = "novabox-audit-v1";
export const auditChainV2 = "novabox-audit-v2";

/**
 * How rows are chained: the HMAC key of `novabox-audit-v2`, and the last row (id) still chained with
 * the unkeyed `novabox-audit-v1` (0 for a log that was keyed from its first row).
 */
export interface AuditChainKey {
  key: Uint8Array;
  legacyThroughId: number;
}

/**
 * Computes a row's hash as the module documentation defines it: HMAC-SHA256 under `key`
 * (`novabox-audit-v2`), or plain SHA-256 (`novabox-audit-v1`) when no key is given.
 */
export function computeAuditHash(row: AuditHashInput, key?: Uint8Array): string {
  const hash = key === undefined ? createHash("sha256") : createHmac("sha256", key);
  for (const field of [
    key === undefined ? auditChainV1 : auditChainV2,
    String(row.id),
    String(row.time),
    row.operation,
    row.outcome,
    row.authenticationMethod,
    row.fiscalCode,
    row.requestId,
    row.tobacconistId,
    row.actor,
    row.anprProtocolNumber,
    row.anprOperationId,
    row.anprErrorCode,
    row.detail,
    row.previousHash,
  ]) {
    hash.update(netstring(field));
  }
  return hash.digest("hex");
}

interface AuditRow {
  id: number;
  time: number;
  operation: string;
  outcome: string;
  authentication_method: string;
  fiscal_code: string;
  request_id: string;
  tobacconist_id: string;
  actor: string;
  anpr_protocol_number: string;
  anpr_operation_id: string;
  anpr_error_code: string;
  detail: string;
  previous_hash: string;
  hash: string;
}

interface AnchorRow {
  through_id: number;
  through_hash: string;
}

const columns =
  "id, time, operation, outcome, authentication_method, fiscal_code, request_id, tobacconist_id, actor, anpr_protocol_number, anpr_operation_id, anpr_error_code, detail, previous_hash, hash";

function toHashInput(row: AuditRow): AuditHashInput {
  return {
    id: row.id,
    time: row.time,
    operation: row.operation as AuditOperation,
    outcome: row.outcome as AuditOutcome,
    authenticationMethod: row.authentication_method as AuthenticationMethod,
    fiscalCode: String(row.fiscal_code),
    requestId: String(row.request_id),
    tobacconistId: String(row.tobacconist_id),
    actor: String(row.actor),
    anprProtocolNumber: String(row.anpr_protocol_number),
    anprOperationId: String(row.anpr_operation_id),
    anprErrorCode: String(row.anpr_error_code),
    detail: String(row.detail),
    previousHash: String(row.previous_hash),
  };
}

function toEntry(row: AuditRow): AuditEntry {
  return { ...toHashInput(row), time: new Date(row.time), hash: row.hash };
}

function wellFormed(value: string | undefined): string {
  return Buffer.from(value ?? "", "utf8").toString("utf8");
}

const anchorPattern = /anchor id=(\d+) hash=([0-9a-f]{64})/;

/**
 * Recomputes the whole chain from the latest purge anchor (or the genesis hash) and reports the
 * first row that does not verify: a gap in the ids (`SEQUENCE_GAP`, at the row after the missing
 * ones), content that does not match its hash (`HASH_MISMATCH`, at the edited row), a
 * `previous_hash` that is not the previous row's hash or a time earlier than the previous row's
 * (`CHAIN_MISMATCH`: removed, reordered or replaced rows), or a purge anchor that no
 * `RETENTION_PURGE` row confirms or that rows still precede (`ANCHOR_MISMATCH`).
 * `rowsChecked` counts the rows that verified; `headHash` is the hash of the last one (or the
 * anchor's, or the genesis hash). Reads only, so it also runs on a read-only connection.
 */
export function verifyAuditChain(db: SqliteDatabase, chain?: AuditChainKey): AuditVerification {
  const anchor = db
    .prepare<[], AnchorRow>("SELECT through_id, through_hash FROM audit_anchors ORDER BY id DESC LIMIT 1")
    .get();
  let expectedId = anchor === undefined ? 1 : anchor.through_id + 1;
  let previousHash = anchor === undefined ? genesisHash : anchor.through_hash;
  let previousTime = Number.NEGATIVE_INFINITY;
  let rowsChecked = 0;
  let headId = anchor === undefined ? 0 : anchor.through_id;
  let anchorConfirmed = anchor === undefined;
  const hmacChecked = chain !== undefined;
  const broken = (
    id: number,
    failure: NonNullable<AuditVerification["failure"]>,
    reason: string,
  ): AuditVerification => ({
    ok: false,
    rowsChecked,
    firstBrokenId: id,
    failure,
    reason,
    headHash: previousHash,
    headId,
    hmacChecked,
  });
  const hashOk = (row: AuditRow): boolean => {
    if (chain === undefined) return true;
    return computeAuditHash(toHashInput(row), row.id <= chain.legacyThroughId ? undefined : chain.key) === row.hash;
  };
  for (const row of db.prepare<[], AuditRow>(`SELECT ${columns} FROM audit_log ORDER BY id`).iterate()) {
    if (row.id < expectedId) {
      return broken(
        row.id,
        "ANCHOR_MISMATCH",
        `row ${row.id} is at or before the purge anchor (row ${expectedId - 1}) yet still present: the anchor was added outside a purge`,
      );
    }
    if (row.id !== expectedId) {
      const missing =
        row.id - expectedId === 1 ? `row ${expectedId} is missing` : `rows ${expectedId}–${row.id - 1} are missing`;
      return broken(row.id, "SEQUENCE_GAP", `row ${row.id} follows row ${expectedId - 1}: ${missing} (deleted)`);
    }
    if (!hashOk(row)) {
      return broken(
        row.id,
        "HASH_MISMATCH",
        `row ${row.id}'s content does not match its hash: the row was altered after it was written`,
      );
    }
    if (row.previous_hash !== previousHash) {
      return broken(
        row.id,
        "CHAIN_MISMATCH",
        `row ${row.id} does not chain to ${expectedId === 1 ? "the start of the log" : `row ${expectedId - 1}`}: its previous_hash differs, so rows were removed, reordered or replaced`,
      );
    }
    if (row.time < previousTime) {
      return broken(
        row.id,
        "CHAIN_MISMATCH",
        `row ${row.id} (${new Date(row.time).toISOString()}) is earlier than row ${row.id - 1} (${new Date(previousTime).toISOString()}): rows were reordered`,
      );
    }
    if (!anchorConfirmed && anchor !== undefined && row.operation === "RETENTION_PURGE") {
      const match = anchorPattern.exec(row.detail);
      if (match !== null && Number(match[1]) === anchor.through_id && match[2] === anchor.through_hash)
        anchorConfirmed = true;
    }
    previousHash = row.hash;
    previousTime = row.time;
    headId = row.id;
    expectedId += 1;
    rowsChecked += 1;
  }
  if (!anchorConfirmed && anchor !== undefined) {
    return broken(
      anchor.through_id + 1,
      "ANCHOR_MISMATCH",
      `the purge anchor (through row ${anchor.through_id}) is not confirmed by any RETENTION_PURGE row: it was added or altered outside a purge`,
    );
  }
  return { ok: true, rowsChecked, headHash: previousHash, headId, hmacChecked };
}

/** Options for {@link createAuditLog}. */
export interface AuditLogOptions {
  db: SqliteDatabase;
  now: Clock;
  /** The actor recorded on `RETENTION_PURGE` rows (default `novabox`). */
  purgeActor?: string;
  /** The keyed chain; omitted = unkeyed `novabox-audit-v1` rows (tests of the legacy format only). */
  chain?: AuditChainKey;
}

type Mode = "list" | "export";

/** Creates the SQLite-backed {@link AuditLog}. Every append commits (fsynced) before it returns. */
export function createAuditLog(options: AuditLogOptions): AuditLog {
  const { db, now } = options;
  const purgeActor = options.purgeActor ?? "novabox";
  const chain = options.chain;
  const selectHead = db.prepare<[], { id: number; time: number; hash: string }>(
    "SELECT id, time, hash FROM audit_log ORDER BY id DESC LIMIT 1",
  );
  const selectAnchor = db.prepare<[], AnchorRow>(
    "SELECT through_id, through_hash FROM audit_anchors ORDER BY id DESC LIMIT 1",
  );
  const insert = db.prepare(
    `INSERT INTO audit_log (${columns}) VALUES (${columns
      .split(", ")
      .map(() => "?")
      .join(", ")})`,
  );
  const selectLastBefore = db.prepare<[number], { id: number; hash: string }>(
    "SELECT id, hash FROM audit_log WHERE time < ? ORDER BY id DESC LIMIT 1",
  );
  const insertAnchor = db.prepare<[number, string, number, number]>(
    "INSERT INTO audit_anchors (through_id, through_hash, rows_purged, purged_at) VALUES (?, ?, ?, ?)",
  );
  const countThrough = db.prepare<[number], { n: number }>("SELECT count(*) AS n FROM audit_log WHERE id <= ?");
  const deleteThrough = db.prepare<[number]>("DELETE FROM audit_log WHERE id <= ?");
  const queries = new Map<string, Statement<unknown[], AuditRow>>();

  const appendRow = (record: AuditRecord, nowMs: number): AuditEntry => {
    const head = selectHead.get();
    const anchor = selectAnchor.get();
    let id = 1;
    let previousHash = genesisHash;
    let time = nowMs;
    if (anchor !== undefined && (head === undefined || anchor.through_id >= head.id)) {
      id = anchor.through_id + 1;
      previousHash = anchor.through_hash;
    } else if (head !== undefined) {
      id = head.id + 1;
      previousHash = head.hash;
      time = Math.max(nowMs, head.time);
    }
    const input: AuditHashInput = {
      id,
      time,
      operation: wellFormed(record.operation) as AuditOperation,
      outcome: wellFormed(record.outcome) as AuditOutcome,
      authenticationMethod: wellFormed(record.authenticationMethod) as AuthenticationMethod,
      fiscalCode: wellFormed(record.fiscalCode),
      requestId: wellFormed(record.requestId),
      tobacconistId: wellFormed(record.tobacconistId),
      actor: wellFormed(record.actor),
      anprProtocolNumber: wellFormed(record.anprProtocolNumber),
      anprOperationId: wellFormed(record.anprOperationId),
      anprErrorCode: wellFormed(record.anprErrorCode),
      detail: wellFormed(record.detail),
      previousHash,
    };
    const hash = computeAuditHash(input, chain?.key);
    insert.run(
      input.id,
      input.time,
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
      hash,
    );
    return { ...input, time: new Date(time), hash };
  };
  const append = db.transaction(appendRow);

  const purge = db.transaction((before: Date, nowMs: number): number => {
    const last = selectLastBefore.get(before.getTime());
    if (last === undefined) return 0;
    const count = countThrough.get(last.id)?.n ?? 0;
    insertAnchor.run(last.id, last.hash, count, nowMs);
    const removed = deleteThrough.run(last.id).changes;
    appendRow(
      {
        operation: "RETENTION_PURGE",
        outcome: "SUCCESS",
        authenticationMethod: "SYSTEM",
        fiscalCode: "",
        requestId: "",
        tobacconistId: "",
        actor: purgeActor,
        anprProtocolNumber: "",
        anprOperationId: "",
        anprErrorCode: "",
        detail: `purged ${removed} rows older than ${before.toISOString()}; anchor id=${last.id} hash=${last.hash}`,
      },
      nowMs,
    );
    return removed;
  });

  const query = (mode: Mode, filter: AuditFilter, fromId: number | undefined, limit: number): AuditRow[] => {
    const where: string[] = [];
    const params: (string | number)[] = [];
    let shape = mode;
    const add = (flag: string, clause: string, value: string | number) => {
      shape += `|${flag}`;
      where.push(clause);
      params.push(value);
    };
    if (filter.startTime !== undefined) add("s", "time >= ?", filter.startTime.getTime());
    if (filter.endTime !== undefined) add("e", "time < ?", filter.endTime.getTime());
    if (filter.operations !== undefined && filter.operations.length > 0)
      add("o", "operation IN (SELECT value FROM json_each(?))", JSON.stringify(filter.operations));
    if (filter.outcomes !== undefined && filter.outcomes.length > 0)
      add("r", "outcome IN (SELECT value FROM json_each(?))", JSON.stringify(filter.outcomes));
    if (filter.tobacconistId !== undefined && filter.tobacconistId !== "")
      add("t", "tobacconist_id = ?", filter.tobacconistId);
    if (filter.fiscalCode !== undefined && filter.fiscalCode !== "") add("f", "fiscal_code = ?", filter.fiscalCode);
    if (fromId !== undefined) add("c", mode === "list" ? "id < ?" : "id > ?", fromId);
    let statement = queries.get(shape);
    if (statement === undefined) {
      const whereSql = where.length === 0 ? "" : ` WHERE ${where.join(" AND ")}`;
      statement = db.prepare<unknown[], AuditRow>(
        `SELECT ${columns} FROM audit_log${whereSql} ORDER BY id ${mode === "list" ? "DESC" : "ASC"} LIMIT ?`,
      );
      queries.set(shape, statement);
    }
    return statement.all(...params, limit);
  };

  return {
    append(record) {
      return append.immediate(record, now().getTime());
    },
    list(filter, pageSize, cursor) {
      if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > maxAuditPageSize) {
        throw new InvalidAuditQueryError(
          `The page size must be a whole number from 1 to ${maxAuditPageSize}.`,
          "page_size",
        );
      }
      const rows = query(
        "list",
        filter,
        cursor === undefined || cursor === "" ? undefined : decodeAuditCursor(cursor),
        pageSize + 1,
      );
      const entries = rows.slice(0, pageSize).map(toEntry);
      const last = entries[entries.length - 1];
      return rows.length > pageSize && last !== undefined
        ? { entries, nextCursor: encodeAuditCursor(last.id) }
        : { entries };
    },
    *export(filter, batchSize = defaultAuditExportBatchSize) {
      if (!Number.isInteger(batchSize) || batchSize < 1)
        throw new InvalidAuditQueryError("The export batch size must be a positive whole number.", "batch_size");
      let fromId: number | undefined;
      for (;;) {
        const rows = query("export", filter, fromId, batchSize);
        if (rows.length === 0) return;
        yield rows.map(toEntry);
        if (rows.length < batchSize) return;
        fromId = rows[rows.length - 1]!.id;
      }
    },
    verify: () => verifyAuditChain(db, chain),
    purge(before) {
      return purge.immediate(before, now().getTime());
    },
  };
}

/** The opaque page cursor: base64url of the last returned row's id. */
export function encodeAuditCursor(id: number): string {
  return Buffer.from(String(id), "utf8").toString("base64url");
}

/** Decodes a cursor from {@link encodeAuditCursor}; throws {@link InvalidAuditQueryError} for anything else. */
export function decodeAuditCursor(cursor: string): number {
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  if (!/^[1-9]\d{0,15}$/.test(text) || encodeAuditCursor(Number(text)) !== cursor) {
    throw new InvalidAuditQueryError(
      "The page cursor is not one this audit log returned; start again without a cursor.",
      "page_token",
    );
  }
  return Number(text);
}
