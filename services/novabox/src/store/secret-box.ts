/**
 * Secrets at rest: how the Novabox encrypts the ANPR credentials and its session key.
 *
 * **What is encrypted.** The CA certificate (PEM) and its password, the workstation PKCS#12 and its
 * PIN, and the 32-byte HMAC key of admin sessions. Each is one row of the `secrets` table, sealed
 * with AES-256-GCM: a random 12-byte IV per value, the 16-byte authentication tag, and as
 * additional authenticated data the purpose name (`novabox-secret-v1:<name>`, e.g.
 * `novabox-secret-v1:workstation_pin`), so a value copied into another row does not decrypt. Stored
 * layout: `0x01 ‖ IV (12) ‖ tag (16) ‖ ciphertext`. Nothing secret is ever written in clear to the
 * database or its WAL; settings, certificate summaries and the audit log are not secret.
 *
 * **Where the key comes from** (32 random bytes, never in the code), in this order:
 * 1. `NOVABOX_SECRET_KEY` — base64 of 32 bytes, decoded by the caller and passed as `secretKey`.
 *    Use it when the key is kept outside ANPR_HOME (a secrets manager, a systemd credential, a
 *    container secret): a copy of ANPR_HOME alone then reveals nothing. No key file is written.
 * 2. The key file `ANPR_HOME/secret.key` (base64, one line), created with mode 0600 on the first
 *    start of a new database. The box refuses to start (`SecretKeyFilePermissionsError`) when the
 *    file has any group or other permission bit. Simple, but anyone who copies ANPR_HOME gets the
 *    key too: back it up separately and keep ANPR_HOME's backups as confidential as the key.
 *
 * A check value sealed under the key is stored at first start; a key that cannot open it stops the
 * box with `SecretKeyMismatchError` (wrong key) and a database with encrypted data but no key at all
 * with `SecretKeyMissingError` — a new key is generated only for a new database. A lost key cannot
 * be recovered: the credentials must be uploaded again.
 *
 * **Rotation.** Stop the box, then run
 * `node --import tsx services/novabox/src/cli/rotate-key.ts [ANPR_HOME]`. It reads the current key
 * (`NOVABOX_SECRET_KEY` when set, otherwise the key file) and re-encrypts every secret and the check
 * value under the new key in a single transaction: either all values move to the new key or none
 * does. In env mode the new key is taken from `NOVABOX_NEW_SECRET_KEY` (generate one with
 * `openssl rand -base64 32`); after the rotation, set `NOVABOX_SECRET_KEY` to it. In key-file mode a
 * new random key (or `NOVABOX_NEW_SECRET_KEY`) is first written durably to `secret.key.next`
 * (0600), the transaction commits, and the file is renamed over `secret.key`; if the process dies
 * in between, the next start finds that the `.next` key opens the data and completes the rename.
 * Programmatically: {@link rotateSecretKey}.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { databasePath, openDatabase, type SqliteDatabase } from "./database.js";
import {
  DatabaseNotFoundError,
  InvalidSecretKeyError,
  SecretDecryptionError,
  SecretKeyFilePermissionsError,
  SecretKeyMismatchError,
  SecretKeyMissingError,
} from "./errors.js";

/** The key length AES-256 needs. */
export const secretKeyLength = 32;

/** The key file name inside ANPR_HOME (key-file mode). */
export const secretKeyFileName = "secret.key";

/** The name of the check value that proves a key is the one the data was sealed with. */
export const keyCheckSecretName = "key_check";

const formatVersion = 0x01;
const ivLength = 12;
const tagLength = 16;
const keyCheckPlaintext = Buffer.from("novabox-key-check-v1", "utf8");

/** Seals and opens values under one key, each bound to its purpose name. */
export interface SecretBox {
  /** Encrypts `plaintext` for the purpose `name` (fresh IV each call). */
  seal(name: string, plaintext: Uint8Array): Buffer;
  /** Decrypts a value sealed for `name`; throws {@link SecretDecryptionError} when it does not authenticate. */
  open(name: string, sealed: Uint8Array): Buffer;
}

/** Where a key came from, for error messages: an environment variable name or a file path. */
export type SecretKeySource = string;

/** Decodes a base64 key (as in `NOVABOX_SECRET_KEY`); throws {@link InvalidSecretKeyError} unless it is 32 bytes. */
export function decodeSecretKey(base64: string, source: SecretKeySource = "NOVABOX_SECRET_KEY"): Uint8Array {
  const text = base64.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) throw new InvalidSecretKeyError(source, "it is not base64");
  const key = Buffer.from(text, "base64");
  if (key.length !== secretKeyLength)
    throw new InvalidSecretKeyError(source, `it decodes to ${key.length} bytes instead of ${secretKeyLength}`);
  return new Uint8Array(key);
}

/** A fresh random key, base64-encoded as `NOVABOX_SECRET_KEY` and the key file expect. */
export function generateSecretKey(): Uint8Array {
  return new Uint8Array(randomBytes(secretKeyLength));
}

/** Creates a {@link SecretBox} over a 32-byte key (copied, so the caller may wipe its buffer). */
export function createSecretBox(key: Uint8Array, source: SecretKeySource = "the caller"): SecretBox {
  if (key.length !== secretKeyLength)
    throw new InvalidSecretKeyError(source, `it is ${key.length} bytes instead of ${secretKeyLength}`);
  const keyCopy = Buffer.from(key);
  const aad = (name: string) => Buffer.from(`novabox-secret-v1:${name}`, "utf8");
  return {
    seal(name, plaintext) {
      const iv = randomBytes(ivLength);
      const cipher = createCipheriv("aes-256-gcm", keyCopy, iv, { authTagLength: tagLength });
      cipher.setAAD(aad(name));
      const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return Buffer.concat([Buffer.of(formatVersion), iv, cipher.getAuthTag(), body]);
    },
    open(name, sealed) {
      const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
      if (bytes.length < 1 + ivLength + tagLength || bytes[0] !== formatVersion) throw new SecretDecryptionError(name);
      try {
        const decipher = createDecipheriv("aes-256-gcm", keyCopy, bytes.subarray(1, 1 + ivLength), {
          authTagLength: tagLength,
        });
        decipher.setAAD(aad(name));
        decipher.setAuthTag(bytes.subarray(1 + ivLength, 1 + ivLength + tagLength));
        return Buffer.concat([decipher.update(bytes.subarray(1 + ivLength + tagLength)), decipher.final()]);
      } catch (err) {
        throw new SecretDecryptionError(name, err);
      }
    },
  };
}

/** Reads a key file, refusing one with any group/other permission bit. */
export function readSecretKeyFile(path: string): Uint8Array {
  const mode = statSync(path).mode;
  if (process.platform !== "win32" && (mode & 0o077) !== 0) throw new SecretKeyFilePermissionsError(path, mode);
  return decodeSecretKey(readFileSync(path, "utf8"), path);
}

/** The key file path for an ANPR_HOME. */
export function secretKeyFilePath(home: string): string {
  return join(home, secretKeyFileName);
}

function writeKeyFileDurably(path: string, key: Uint8Array): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const fd = openSync(path, "wx", 0o600);
  try {
    writeSync(fd, `${Buffer.from(key).toString("base64")}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  fsyncDirectory(path);
}

function fsyncDirectory(filePath: string): void {
  const fd = openSync(join(filePath, ".."), "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function removeIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
}

interface SecretRow {
  name: string;
  ciphertext: Buffer;
}

/** True when `key` opens the database's check value (or, lacking one, its first secret). */
function keyOpensData(db: SqliteDatabase, key: Uint8Array): boolean {
  const rows = db
    .prepare<[], SecretRow>("SELECT name, ciphertext FROM secrets ORDER BY name = 'key_check' DESC, name LIMIT 1")
    .all();
  const row = rows[0];
  if (row === undefined) return true;
  try {
    createSecretBox(key).open(row.name, row.ciphertext);
    return true;
  } catch {
    return false;
  }
}

function hasEncryptedData(db: SqliteDatabase): boolean {
  return db.prepare("SELECT 1 FROM secrets LIMIT 1").get() !== undefined;
}

function storeKeyCheck(db: SqliteDatabase, key: Uint8Array, now: Date): void {
  db.prepare("INSERT OR IGNORE INTO secrets (name, ciphertext, updated_at) VALUES (?, ?, ?)").run(
    keyCheckSecretName,
    createSecretBox(key).seal(keyCheckSecretName, keyCheckPlaintext),
    now.getTime(),
  );
}

/** Options for {@link resolveSecretKey}. */
export interface ResolveSecretKeyOptions {
  home: string;
  db: SqliteDatabase;
  /** The key from `NOVABOX_SECRET_KEY`, when set (env mode). */
  secretKey?: Uint8Array | undefined;
  now: Date;
}

/**
 * Picks the key as the module documentation describes, proves it opens the existing data, and
 * stores the check value for a new database. Completes a key-file rotation interrupted after its
 * commit. Throws the typed key errors instead of starting with a wrong or missing key.
 */
export function resolveSecretKey(options: ResolveSecretKeyOptions): Uint8Array {
  const { home, db, now } = options;
  if (options.secretKey !== undefined) {
    const key = options.secretKey;
    if (key.length !== secretKeyLength)
      throw new InvalidSecretKeyError("NOVABOX_SECRET_KEY", `it is ${key.length} bytes instead of ${secretKeyLength}`);
    if (!keyOpensData(db, key)) throw new SecretKeyMismatchError("NOVABOX_SECRET_KEY");
    storeKeyCheck(db, key, now);
    return new Uint8Array(key);
  }
  const keyPath = secretKeyFilePath(home);
  const nextPath = `${keyPath}.next`;
  if (existsSync(keyPath)) {
    const key = readSecretKeyFile(keyPath);
    if (keyOpensData(db, key)) {
      removeIfPresent(nextPath);
      storeKeyCheck(db, key, now);
      return key;
    }
    if (existsSync(nextPath)) {
      const next = readSecretKeyFile(nextPath);
      if (keyOpensData(db, next)) {
        renameSync(nextPath, keyPath);
        fsyncDirectory(keyPath);
        return next;
      }
    }
    throw new SecretKeyMismatchError(keyPath);
  }
  if (hasEncryptedData(db)) throw new SecretKeyMissingError(keyPath);
  const key = generateSecretKey();
  writeKeyFileDurably(keyPath, key);
  storeKeyCheck(db, key, now);
  return key;
}

/** Options for {@link rotateSecretKey}. */
export interface RotateSecretKeyOptions {
  /**
   * Key-file mode: stage the new key in `secret.key.next` before the transaction and rename it over
   * `secret.key` after the commit. Leave false in env mode (the operator updates the variable).
   */
  replaceKeyFile?: boolean;
  now?: () => Date;
}

/** What {@link rotateSecretKey} did. */
export interface RotateSecretKeyResult {
  /** Rows re-encrypted, the check value included. */
  secretsReencrypted: number;
  /** The key file written, in key-file mode. */
  keyFile?: string;
}

/**
 * Re-encrypts every secret of the database under `home` from `oldKey` to `newKey` in one
 * transaction. Throws {@link SecretKeyMismatchError} (nothing changed) when `oldKey` is not the
 * current key, {@link DatabaseNotFoundError} when `home` has no database. The box must be stopped: a running box keeps using the key it started with.
 */
export function rotateSecretKey(
  home: string,
  oldKey: Uint8Array,
  newKey: Uint8Array,
  options: RotateSecretKeyOptions = {},
): RotateSecretKeyResult {
  const oldBox = createSecretBox(oldKey, "the old key");
  const newBox = createSecretBox(newKey, "the new key");
  const now = (options.now ?? (() => new Date()))().getTime();
  const keyPath = secretKeyFilePath(home);
  const nextPath = `${keyPath}.next`;
  if (!existsSync(databasePath(home))) throw new DatabaseNotFoundError(databasePath(home));
  const db = openDatabase(home);
  try {
    if (!keyOpensData(db, oldKey)) throw new SecretKeyMismatchError("the old key");
    if (options.replaceKeyFile === true) writeKeyFileDurably(nextPath, newKey);
    const update = db.prepare("UPDATE secrets SET ciphertext = ?, updated_at = ? WHERE name = ?");
    const reencrypt = db.transaction(() => {
      const rows = db.prepare<[], SecretRow>("SELECT name, ciphertext FROM secrets").all();
      for (const row of rows) update.run(newBox.seal(row.name, oldBox.open(row.name, row.ciphertext)), now, row.name);
      if (rows.length > 0) return rows.length;
      storeKeyCheck(db, newKey, new Date(now));
      return 1;
    });
    let count: number;
    try {
      count = reencrypt.immediate();
    } catch (err) {
      if (options.replaceKeyFile === true) removeIfPresent(nextPath);
      throw err;
    }
    if (options.replaceKeyFile === true) {
      renameSync(nextPath, keyPath);
      fsyncDirectory(keyPath);
      return { secretsReencrypted: count, keyFile: keyPath };
    }
    return { secretsReencrypted: count };
  } finally {
    db.close();
  }
}
