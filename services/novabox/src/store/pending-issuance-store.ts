/**
 * The SQLite {@link PendingIssuanceStore}: `pending_issuances`, written in the same database as the
 * idempotency records so that settling a key (its verified result stored, its pending record
 * removed) is one transaction. Every write commits (WAL, `synchronous=FULL`) before it returns:
 * a record created before the ANPR call survives a kill -9 during the call.
 */
import type { PendingIssuance, PendingIssuanceStore, StoredIssuance } from "../domain/ports.js";
import { prepareIssuanceInsert } from "./idempotency-store.js";
import type { SqliteDatabase } from "./database.js";

/** Options for {@link createPendingIssuanceStore}. */
export interface PendingIssuanceStoreOptions {
  db: SqliteDatabase;
}

interface Row {
  tobacconist_id: string;
  key: string;
  request_fingerprint: string;
  operation_id: string;
  fiscal_code: string;
  request: string;
  state: string;
  refusal: string;
  attempts: number;
  last_reason: string;
  created_at: number;
  updated_at: number;
}

const columns =
  "tobacconist_id, key, request_fingerprint, operation_id, fiscal_code, request, state, refusal, attempts, last_reason, created_at, updated_at";

function toRecord(row: Row): PendingIssuance {
  return {
    tobacconistId: row.tobacconist_id,
    key: row.key,
    requestFingerprint: row.request_fingerprint,
    operationId: row.operation_id,
    fiscalCode: row.fiscal_code,
    request: row.request,
    state: row.state === "refused" ? "refused" : "pending",
    refusal: row.refusal,
    attempts: row.attempts,
    lastReason: row.last_reason,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

/** Creates the store on `db` (the Novabox database, migrated). */
export function createPendingIssuanceStore(options: PendingIssuanceStoreOptions): PendingIssuanceStore {
  const { db } = options;
  const select = db.prepare<[string, string], Row>(
    `SELECT ${columns} FROM pending_issuances WHERE tobacconist_id = ? AND key = ?`,
  );
  const insert = db.prepare(
    `INSERT INTO pending_issuances (${columns}) VALUES (${columns
      .split(", ")
      .map(() => "?")
      .join(", ")}) ON CONFLICT DO NOTHING`,
  );
  const attempt = db.prepare<[string, number, string, string]>(
    "UPDATE pending_issuances SET attempts = attempts + 1, last_reason = ?, updated_at = ? WHERE tobacconist_id = ? AND key = ?",
  );
  const refuse = db.prepare<[string, string, number, string, string]>(
    "UPDATE pending_issuances SET state = 'refused', refusal = ?, last_reason = ?, updated_at = ? WHERE tobacconist_id = ? AND key = ?",
  );
  const remove = db.prepare<[string, string]>("DELETE FROM pending_issuances WHERE tobacconist_id = ? AND key = ?");
  const storeDone = prepareIssuanceInsert(db);
  const unsettled = db.prepare<[number], Row>(
    `SELECT ${columns} FROM pending_issuances WHERE state = 'pending' ORDER BY created_at LIMIT ?`,
  );
  const settle = db.transaction((tobacconistId: string, key: string, done?: StoredIssuance) => {
    if (done) storeDone(tobacconistId, key, done);
    remove.run(tobacconistId, key);
  });
  return {
    get(tobacconistId, key) {
      const row = select.get(tobacconistId, key);
      return row === undefined ? undefined : toRecord(row);
    },
    create(r) {
      return (
        insert.run(
          r.tobacconistId,
          r.key,
          r.requestFingerprint,
          r.operationId,
          r.fiscalCode,
          r.request,
          r.state,
          r.refusal,
          r.attempts,
          r.lastReason,
          r.createdAt.getTime(),
          r.updatedAt.getTime(),
        ).changes === 1
      );
    },
    markAttempt(tobacconistId, key, reason, at) {
      attempt.run(reason.slice(0, 500), at.getTime(), tobacconistId, key);
    },
    markRefused(tobacconistId, key, refusal, reason, at) {
      refuse.run(refusal, reason.slice(0, 500), at.getTime(), tobacconistId, key);
    },
    settle(tobacconistId, key, done) {
      settle.immediate(tobacconistId, key, done);
    },
    listUnsettled(limit) {
      return unsettled.all(limit).map(toRecord);
    },
  };
}
