/**
 * Typed errors of the Novabox store. Key problems are `precondition-failed`: the box must not start
 * until the operator fixes the key; damaged or tampered data is `data-loss`.
 */
import { DomainError } from "#shared/runtime/domain-error.js";

/** The secret key file is readable or writable by group or others: the box refuses to use it. */
export class SecretKeyFilePermissionsError extends DomainError {
  constructor(path: string, mode: number) {
    super(
      "precondition-failed",
      `The secret key file ${path} has permissions ${formatMode(mode)}: it must be readable by its owner only. Run \`chmod 600 ${path}\` and check who may have read it (if anyone did, rotate the key).`,
      { reason: "SECRET_KEY_FILE_PERMISSIONS", metadata: { path, mode: formatMode(mode) } },
    );
  }
}

/** The secret key is malformed (not 32 bytes, not base64). */
export class InvalidSecretKeyError extends DomainError {
  constructor(source: string, detail: string) {
    super(
      "precondition-failed",
      `The secret key from ${source} is not usable: ${detail}. It must be 32 random bytes, base64-encoded.`,
      {
        reason: "SECRET_KEY_INVALID",
        metadata: { source },
      },
    );
  }
}

/** The key given (env or key file) cannot decrypt the data already in the database. */
export class SecretKeyMismatchError extends DomainError {
  constructor(source: string) {
    super(
      "precondition-failed",
      `The secret key from ${source} cannot decrypt the data in this database: it is not the key the data was encrypted with. Start the box with the original key (NOVABOX_SECRET_KEY or ANPR_HOME/secret.key); if it is lost, the stored credentials must be uploaded again into a new ANPR_HOME.`,
      { reason: "SECRET_KEY_MISMATCH", metadata: { source } },
    );
  }
}

/** The database holds encrypted data but no key was given and no key file exists. */
export class SecretKeyMissingError extends DomainError {
  constructor(keyFilePath: string) {
    super(
      "precondition-failed",
      `This database holds encrypted data but no secret key was found: set NOVABOX_SECRET_KEY or restore the key file ${keyFilePath}. A new key is generated only for a new database.`,
      { reason: "SECRET_KEY_MISSING", metadata: { path: keyFilePath } },
    );
  }
}

/** One stored secret does not decrypt with the (otherwise correct) key: it was altered or swapped. */
export class SecretDecryptionError extends DomainError {
  constructor(name: string, cause?: unknown) {
    super(
      "data-loss",
      `The stored secret "${name}" cannot be decrypted: it was damaged or tampered with. Upload it again.`,
      {
        reason: "SECRET_DAMAGED",
        metadata: { secret: name },
        cause,
      },
    );
  }
}

/** The database is missing where one is required (read-only tools). */
export class DatabaseNotFoundError extends DomainError {
  constructor(path: string) {
    super("precondition-failed", `No Novabox database at ${path}: check ANPR_HOME.`, {
      reason: "DATABASE_NOT_FOUND",
      metadata: { path },
    });
  }
}

/** A stored value is not what the store wrote (a damaged counter or settings row). */
export class StoredDataDamagedError extends DomainError {
  constructor(what: string, cause?: unknown) {
    super("data-loss", `The stored ${what} is damaged; restore the database from a backup.`, {
      reason: "STORED_DATA_DAMAGED",
      metadata: { what },
      cause,
    });
  }
}

/** An audit-log page cursor that this store did not produce, or a page size out of range. */
export class InvalidAuditQueryError extends DomainError {
  constructor(message: string, field: string) {
    super("invalid-input", message, { reason: "INVALID_AUDIT_QUERY", field });
  }
}

function formatMode(mode: number): string {
  return `0${(mode & 0o777).toString(8)}`;
}

/** A backup that cannot be restored as it is (FAILED_PRECONDITION). */
export class BackupInvalidError extends DomainError {
  constructor(problem: string) {
    super("precondition-failed", `Cannot restore: ${problem}.`, { reason: "BACKUP_INVALID" });
  }
}
