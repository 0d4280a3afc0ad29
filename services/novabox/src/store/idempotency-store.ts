/**
 * The SQLite {@link IdempotencyStore}: an issued certificate by (tobacconist, key), serialized by
 * issuance-codec.ts. It holds the certificate PDF and personal data but no credential, so it is not
 * encrypted; {@link SqliteIdempotencyStore.purgeOlderThan} bounds how long it stays.
 */
import type { IdempotencyStore, StoredIssuance } from "../domain/ports.js";
import type { SqliteDatabase } from "./database.js";
import { decodeIssuance, encodeIssuance } from "./issuance-codec.js";

/** The store, plus the retention sweep the port does not need to expose. */
export interface SqliteIdempotencyStore extends IdempotencyStore {
  /** Deletes records created before `date`; returns how many. */
  purgeOlderThan(date: Date): number;
}

/** Options for {@link createIdempotencyStore}. */
export interface IdempotencyStoreOptions {
  db: SqliteDatabase;
}

/**
 * Prepares the write of a settled issuance under (tobacconist, key), first write wins: the one
 * statement both this store's `put` and the pending store's settle transaction run.
 */
export function prepareIssuanceInsert(
  db: SqliteDatabase,
): (tobacconistId: string, key: string, issuance: StoredIssuance) => void {
  const insert = db.prepare<[string, string, string, Buffer, number]>(
    "INSERT INTO idempotency (tobacconist_id, key, request_fingerprint, response, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
  );
  return (tobacconistId, key, issuance) => {
    insert.run(
      tobacconistId,
      key,
      issuance.requestFingerprint,
      Buffer.from(encodeIssuance(issuance.certificate)),
      issuance.createdAt.getTime(),
    );
  };
}

/**
 * Creates the SQLite-backed idempotency store. `put` keeps the first result stored for a key: a
 * retry that races the original cannot overwrite the answer the caller may already have seen.
 */
export function createIdempotencyStore(options: IdempotencyStoreOptions): SqliteIdempotencyStore {
  const { db } = options;
  const select = db.prepare<[string, string], { request_fingerprint: string; response: Buffer; created_at: number }>(
    "SELECT request_fingerprint, response, created_at FROM idempotency WHERE tobacconist_id = ? AND key = ?",
  );
  const put = prepareIssuanceInsert(db);
  const purge = db.prepare<[number]>("DELETE FROM idempotency WHERE created_at < ?");
  return {
    get(tobacconistId, key): StoredIssuance | undefined {
      const row = select.get(tobacconistId, key);
      if (row === undefined) return undefined;
      return {
        requestFingerprint: row.request_fingerprint,
        certificate: decodeIssuance(new Uint8Array(row.response)),
        createdAt: new Date(row.created_at),
      };
    },
    put,
    purgeOlderThan(date) {
      return purge.run(date.getTime()).changes;
    },
  };
}
