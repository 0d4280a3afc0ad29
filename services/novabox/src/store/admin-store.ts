/**
 * The SQLite {@link AdminStore}: one admin row (the scrypt hash string exactly as the caller made
 * it; this layer never hashes) and failed-login counters per username.
 */
import type { AdminStore, Clock } from "../domain/ports.js";
import type { SqliteDatabase } from "./database.js";

/** Options for {@link createAdminStore}. */
export interface AdminStoreOptions {
  db: SqliteDatabase;
  now: Clock;
}

/** Creates the SQLite-backed {@link AdminStore}. */
export function createAdminStore(options: AdminStoreOptions): AdminStore {
  const { db, now } = options;
  const selectAdmin = db.prepare<[], { username: string; password_hash: string; password_changed_at: number }>(
    "SELECT username, password_hash, password_changed_at FROM admin WHERE id = 1",
  );
  const insertAdmin = db.prepare<[string, string, number]>(
    "INSERT INTO admin (id, username, password_hash, password_changed_at) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
  );
  const updateHash = db.prepare<[string, number]>(
    "UPDATE admin SET password_hash = ?, password_changed_at = ? WHERE id = 1",
  );
  const selectFailures = db.prepare<[string], { count: number; last_failure_at: number }>(
    "SELECT count, last_failure_at FROM login_failures WHERE username = ?",
  );
  const recordFailure = db.prepare<[string, number]>(
    `INSERT INTO login_failures (username, count, last_failure_at) VALUES (?, 1, ?)
     ON CONFLICT (username) DO UPDATE SET count = count + 1, last_failure_at = max(last_failure_at, excluded.last_failure_at)`,
  );
  const deleteFailures = db.prepare<[string]>("DELETE FROM login_failures WHERE username = ?");

  return {
    getAdmin() {
      const row = selectAdmin.get();
      return row === undefined
        ? undefined
        : {
            username: row.username,
            passwordHash: row.password_hash,
            passwordChangedAt: new Date(row.password_changed_at),
          };
    },
    createAdmin(username, passwordHash) {
      return insertAdmin.run(username, passwordHash, now().getTime()).changes === 1;
    },
    setPasswordHash(passwordHash) {
      updateHash.run(passwordHash, now().getTime());
    },
    getLoginFailures(username) {
      const row = selectFailures.get(username);
      return row === undefined ? { count: 0 } : { count: row.count, lastFailureAt: new Date(row.last_failure_at) };
    },
    recordLoginFailure(username, at) {
      recordFailure.run(username, at.getTime());
    },
    clearLoginFailures(username) {
      deleteFailures.run(username);
    },
  };
}
