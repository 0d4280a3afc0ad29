/**
 * Opens the Novabox SQLite database `${ANPR_HOME}/novabox.db`: created owner-only (0600; SQLite
 * gives the -wal and -shm files the same mode), WAL journal, `synchronous=FULL` so a committed
 * audit row or counter reservation survives power loss, foreign keys on, `secure_delete` so purged
 * rows (personal data) are overwritten. Migrations from services/novabox/drizzle are applied with
 * drizzle-orm's better-sqlite3 migrator at every open.
 */
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DatabaseNotFoundError } from "./errors.js";

/** The better-sqlite3 connection type the store modules share. */
export type SqliteDatabase = Database.Database;

/** The database file name inside ANPR_HOME. */
export const databaseFileName = "novabox.db";

/** The migrations folder, resolved from this module so the box runs from any working directory. */
export const migrationsFolder = fileURLToPath(new URL("../../drizzle", import.meta.url));

/** The database path for an ANPR_HOME. */
export function databasePath(home: string): string {
  return join(home, databaseFileName);
}

/**
 * Opens (creating when missing) the database under `home` and brings its schema up to date.
 * `home` itself is created 0700 when missing.
 */
export function openDatabase(home: string): SqliteDatabase {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const path = databasePath(home);
  try {
    closeSync(openSync(path, "wx", 0o600));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  chmodSync(path, 0o600);
  const db = new Database(path, { fileMustExist: true });
  try {
    configure(db);
    migrate(drizzle(db), { migrationsFolder });
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * Opens an existing database for reading only (audit verification needs neither the secret key
 * nor a writable schema). Throws {@link DatabaseNotFoundError} when there is none.
 */
export function openDatabaseReadOnly(home: string): SqliteDatabase {
  const path = databasePath(home);
  if (!existsSync(path)) throw new DatabaseNotFoundError(path);
  const db = new Database(path, { readonly: true, fileMustExist: true });
  db.pragma("busy_timeout = 5000");
  return db;
}

function configure(db: SqliteDatabase): void {
  db.pragma("busy_timeout = 5000");
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("foreign_keys = ON");
  db.pragma("secure_delete = ON");
}
