/**
 * The Novabox store: the SQLite implementations of the domain's storage ports, opened together on
 * `${ANPR_HOME}/novabox.db` by {@link openNovaboxStore}. Nothing is written outside ANPR_HOME.
 */
import { randomBytes } from "node:crypto";
import type { OperationCounter } from "../anpr-client/operation-counter.js";
import type { AdminStore, Atomically, AuditLog, Clock, ConfigStore, PendingIssuanceStore } from "../domain/ports.js";
import { createAdminStore } from "./admin-store.js";
import { openAuditChain } from "./audit-chain.js";
import { createAuditLog, type AuditChainKey } from "./audit-log.js";
import { createConfigStore } from "./config-store.js";
import { openDatabase, type SqliteDatabase } from "./database.js";
import { createIdempotencyStore, type SqliteIdempotencyStore } from "./idempotency-store.js";
import { createPendingIssuanceStore } from "./pending-issuance-store.js";
import { createSecretBox, resolveSecretKey } from "./secret-box.js";
import { createSqliteOperationCounter } from "./sqlite-operation-counter.js";

export {
  auditChainV1,
  auditChainV2,
  computeAuditHash,
  decodeAuditCursor,
  encodeAuditCursor,
  genesisHash,
  verifyAuditChain,
  type AuditChainKey,
  type AuditHashInput,
} from "./audit-log.js";
export { auditChainSecretName, readAuditChainKey } from "./audit-chain.js";
export { defaultSettings } from "./config-store.js";
export { databasePath, openDatabaseReadOnly } from "./database.js";
export * from "./errors.js";
export type { SqliteIdempotencyStore } from "./idempotency-store.js";
export {
  decodeSecretKey,
  generateSecretKey,
  readSecretKeyFile,
  rotateSecretKey,
  secretKeyFilePath,
  type RotateSecretKeyOptions,
  type RotateSecretKeyResult,
} from "./secret-box.js";

/** The purpose name (and AAD) of the admin-session HMAC key in the `secrets` table. */
export const sessionKeySecretName = "session_key";

/** Options for {@link openNovaboxStore}. */
export interface NovaboxStoreOptions {
  /** ANPR_HOME: the database (and, in key-file mode, `secret.key`) live here. */
  home: string;
  /** The key from `NOVABOX_SECRET_KEY` (32 bytes, decoded by the caller); absent = key-file mode. */
  secretKey?: Uint8Array;
  /** The clock (tests); default the system clock. */
  now?: Clock;
  /** Values one `idOperazioneComune` reservation covers (default 1). */
  operationCounterBlockSize?: number;
  /** The counter's clock floor (ms × 1000; tests); default the system clock. */
  operationCounterClock?: () => bigint;
}

/** The opened store. */
export interface NovaboxStore {
  config: ConfigStore;
  admin: AdminStore;
  audit: AuditLog;
  idempotency: SqliteIdempotencyStore;
  /** Certificate requests sent to ANPR without a verified answer yet. */
  pending: PendingIssuanceStore;
  operationCounter: OperationCounter;
  /**
   * Runs writes of these stores as one transaction (one fsync instead of one per write: the
   * certificate's audit row and its stored result commit together, issue 16).
   */
  atomically: Atomically;
  /** The 32-byte HMAC key of admin session JWTs: random on first open, stored encrypted (a copy each call). */
  sessionKey(): Uint8Array;
  /** The audit chain key and v1 boundary (see audit-chain.ts). */
  auditChain: AuditChainKey;
  /** The underlying connection, for the backup (SQLite online backup API) and log analysis. */
  db: SqliteDatabase;
  /** Closes the database (idempotent). */
  close(): void;
}

/**
 * Opens (creating when missing) the Novabox database under `options.home`, applies migrations,
 * resolves and checks the secret key (see secret-box.ts: typed errors for a wrong, missing or
 * exposed key) and returns the stores sharing one connection. One process per ANPR_HOME.
 */
export function openNovaboxStore(options: NovaboxStoreOptions): NovaboxStore {
  const now = options.now ?? (() => new Date());
  const db = openDatabase(options.home);
  try {
    const key = resolveSecretKey({ home: options.home, db, secretKey: options.secretKey, now: now() });
    const secretBox = createSecretBox(key);
    const loadSessionKey = db.transaction((): Uint8Array => {
      const row = db
        .prepare<[string], { ciphertext: Buffer }>("SELECT ciphertext FROM secrets WHERE name = ?")
        .get(sessionKeySecretName);
      if (row !== undefined) return new Uint8Array(secretBox.open(sessionKeySecretName, row.ciphertext));
      const fresh = randomBytes(32);
      db.prepare("INSERT INTO secrets (name, ciphertext, updated_at) VALUES (?, ?, ?)").run(
        sessionKeySecretName,
        secretBox.seal(sessionKeySecretName, fresh),
        now().getTime(),
      );
      return new Uint8Array(fresh);
    });
    const sessionKey = loadSessionKey.immediate();
    const auditChain = openAuditChain({ db, secretBox, now });
    // Each store's own transactions become savepoints inside (better-sqlite3 nests them that way).
    const unit = db.transaction((work: () => unknown) => work());
    return {
      atomically: <T>(work: () => T) => unit.immediate(work) as T,
      config: createConfigStore({ db, secretBox, now }),
      admin: createAdminStore({ db, now }),
      audit: createAuditLog({ db, now, chain: auditChain }),
      auditChain,
      db,
      idempotency: createIdempotencyStore({ db }),
      pending: createPendingIssuanceStore({ db }),
      operationCounter: createSqliteOperationCounter({
        db,
        ...(options.operationCounterBlockSize === undefined ? {} : { blockSize: options.operationCounterBlockSize }),
        ...(options.operationCounterClock ? { initialValue: options.operationCounterClock } : {}),
      }),
      sessionKey: () => new Uint8Array(sessionKey),
      close() {
        if (db.open) db.close();
      },
    };
  } catch (err) {
    db.close();
    throw err;
  }
}
