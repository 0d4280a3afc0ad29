/**
 * Online backup and restore of the Novabox database.
 *
 * **Backup** ({@link backupDatabase}) runs beside a serving box (another process on the same
 * `novabox.db`): it appends a BACKUP row, then copies the database with SQLite's online backup API
 * (https://www.sqlite.org/backup.html) in one step, so the copy is a consistent snapshot even while
 * the box keeps writing, and the box never stops. The copy holds the secrets still encrypted under
 * the box's secret key: back up the key separately (`secret.key`, or wherever NOVABOX_SECRET_KEY
 * comes from) — without it the copy restores the audit log but not the credentials. Beside the copy,
 * `<copy>.checkpoint.json` holds the copy's audit head (its newest row, hash and row count), signed
 * with the box's mesh key when one is given, so the copy can be checked before it is restored.
 *
 * **Restore** ({@link restoreDatabase}, the box stopped) checks the copy (its chain, and its head
 * against the checkpoint file), puts it in place of ANPR_HOME's database (the old one, if any, is
 * kept aside), and appends a RESTORE row naming the backup's checkpoint: the rows the lost database
 * wrote after the backup are gone, and the witness shows them as a gap instead of hiding it. The
 * restored box never reuses an ANPR operation id: the id counter never goes below the wall clock
 * (sqlite-operation-counter.ts), whatever mark the older copy holds.
 */
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { basename, join } from "node:path";
import Database from "better-sqlite3";
import {
  signCheckpoint,
  verifyCheckpoint,
  type AuditHead,
  type MeshSigningIdentity,
} from "#shared/mesh/audit-checkpoint.js";
import { auditRecord } from "../domain/audit-record.js";
import { readAuditChainKey } from "./audit-chain.js";
import { verifyAuditChain } from "./audit-log.js";
import { createAuditLookup, type AuditLogHead } from "./audit-lookup.js";
import { databasePath } from "./database.js";
import { BackupInvalidError } from "./errors.js";
import { openNovaboxStore } from "./index.js";
import { createSecretBox, readSecretKeyFile, secretKeyFilePath } from "./secret-box.js";

/** The checkpoint file written beside a backup. */
export interface BackupCheckpointFile {
  format: "novabox-backup-checkpoint-v1";
  /** The backup file's name. */
  file: string;
  takenAt: string;
  head: AuditLogHead;
  comuneCode: string;
  workstationCode: string;
  /** Base64 of the signed AuditCheckpoint, its signature, and the signer certificate (absent without a mesh key). */
  signed?: { checkpoint: string; signature: string; certificatePem: string };
}

/** Options of {@link backupDatabase}. */
export interface BackupOptions {
  home: string;
  /** Folder the copy is written to (created when missing). */
  destinationDir: string;
  secretKey?: Uint8Array;
  /** Signs the checkpoint; omitted = unsigned checkpoint file. */
  identity?: MeshSigningIdentity;
  now?: () => Date;
}

/** What a backup wrote. */
export interface BackupResult {
  file: string;
  checkpointFile: string;
  head: AuditLogHead;
}

const stamp = (d: Date) => d.toISOString().replace(/[:.]/g, "-");

/** Takes an online backup (see the module comment). */
export async function backupDatabase(options: BackupOptions): Promise<BackupResult> {
  const now = options.now ?? (() => new Date());
  const store = openNovaboxStore({
    home: options.home,
    ...(options.secretKey ? { secretKey: options.secretKey } : {}),
    now,
  });
  try {
    const settings = store.config.getSettings();
    const taken = now();
    const file = join(options.destinationDir, `novabox-${settings.comuneCode || "box"}-${stamp(taken)}.db`);
    store.audit.append(
      auditRecord(
        "BACKUP",
        { authenticationMethod: "SYSTEM", actor: "novabox-backup", requestId: `backup:${stamp(taken)}` },
        { detail: `online backup to ${basename(file)}` },
      ),
    );
    mkdirSync(options.destinationDir, { recursive: true, mode: 0o700 });
    // One step: the whole database is copied under one read transaction, a consistent snapshot.
    await store.db.backup(file, { progress: () => 0x7fffffff });
    chmodSync(file, 0o600);
    const copy = new Database(file, { readonly: true });
    let head: AuditLogHead;
    try {
      head = createAuditLookup(copy, store.auditChain).head();
    } finally {
      copy.close();
    }
    const checkpoint: AuditHead = {
      comuneCode: settings.comuneCode,
      workstationCode: settings.workstationId,
      lastId: head.lastId,
      headHash: head.headHash,
      rowCount: head.rowCount,
      time: taken,
      chain: head.chain,
      purpose: "backup",
    };
    const signed = options.identity ? signCheckpoint(checkpoint, options.identity) : undefined;
    const content: BackupCheckpointFile = {
      format: "novabox-backup-checkpoint-v1",
      file: basename(file),
      takenAt: taken.toISOString(),
      head,
      comuneCode: settings.comuneCode,
      workstationCode: settings.workstationId,
      ...(signed
        ? {
            signed: {
              checkpoint: Buffer.from(signed.checkpoint).toString("base64"),
              signature: Buffer.from(signed.signature).toString("base64"),
              certificatePem: signed.certificatePem,
            },
          }
        : {}),
    };
    const checkpointFile = `${file}.checkpoint.json`;
    writeFileSync(checkpointFile, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
    return { file, checkpointFile, head };
  } finally {
    store.close();
  }
}

/** Options of {@link restoreDatabase}. */
export interface RestoreOptions {
  /** The backup copy (`novabox-….db`); its `.checkpoint.json` is read when present. */
  backupFile: string;
  /** The ANPR_HOME to restore into (the box must be stopped). */
  home: string;
  /** NOVABOX_SECRET_KEY; default the key file in `home` (copy it there first). */
  secretKey?: Uint8Array;
  /** The mesh CA: when given, a signed checkpoint file must verify against it. */
  caPem?: string;
  /** Replace an existing database (kept aside as `novabox.db.replaced-<time>`). */
  replace?: boolean;
  now?: () => Date;
}

/** What a restore did. */
export interface RestoreResult {
  head: AuditLogHead;
  /** The RESTORE row's id. */
  restoreEntryId: number;
  /** Where the replaced database was moved, if any. */
  replaced?: string;
}

/** Restores a backup into `home` (see the module comment). */
export function restoreDatabase(options: RestoreOptions): RestoreResult {
  const now = options.now ?? (() => new Date());
  if (!existsSync(options.backupFile)) throw new BackupInvalidError(`${options.backupFile} does not exist`);
  const key =
    options.secretKey ??
    (existsSync(secretKeyFilePath(options.home)) ? readSecretKeyFile(secretKeyFilePath(options.home)) : undefined);
  if (key === undefined)
    throw new BackupInvalidError(
      `no secret key: put the box's secret.key in ${options.home} (mode 0600) or set NOVABOX_SECRET_KEY`,
    );
  const copy = new Database(options.backupFile, { readonly: true, fileMustExist: true });
  let head: AuditLogHead;
  try {
    const chain = readAuditChainKey(copy, createSecretBox(key, "the secret key"));
    const verification = verifyAuditChain(copy, chain);
    if (!verification.ok)
      throw new BackupInvalidError(
        `the backup's audit log is broken at row ${verification.firstBrokenId} (${verification.failure}): ${verification.reason}`,
      );
    head = createAuditLookup(copy, chain).head();
  } finally {
    copy.close();
  }
  const checkpointPath = `${options.backupFile}.checkpoint.json`;
  let takenAt = "unknown time";
  if (existsSync(checkpointPath)) {
    const file = JSON.parse(readFileSync(checkpointPath, "utf8")) as BackupCheckpointFile;
    if (file.head.lastId !== head.lastId || file.head.headHash !== head.headHash) {
      throw new BackupInvalidError(
        `the backup's newest row (${head.lastId}) is not the one its checkpoint file names (${file.head.lastId}): the copy was changed after the backup`,
      );
    }
    if (options.caPem !== undefined) {
      if (file.signed === undefined) throw new BackupInvalidError("the checkpoint file is not signed");
      const signedHead = verifyCheckpoint(
        {
          checkpoint: Buffer.from(file.signed.checkpoint, "base64"),
          signature: Buffer.from(file.signed.signature, "base64"),
          certificatePem: file.signed.certificatePem,
        },
        { caPem: options.caPem },
      );
      if (signedHead.lastId !== head.lastId || signedHead.headHash !== head.headHash)
        throw new BackupInvalidError("the signed checkpoint does not match the backup");
    }
    takenAt = file.takenAt;
  } else if (options.caPem !== undefined) {
    throw new BackupInvalidError(`${checkpointPath} is missing`);
  }
  const target = databasePath(options.home);
  let replaced: string | undefined;
  if (existsSync(target)) {
    if (options.replace !== true)
      throw new BackupInvalidError(
        `${target} exists: stop the box and pass --replace to put the backup in its place (the old database is kept aside)`,
      );
    replaced = `${target}.replaced-${stamp(now())}`;
    renameSync(target, replaced);
    for (const suffix of ["-wal", "-shm"])
      if (existsSync(`${target}${suffix}`)) renameSync(`${target}${suffix}`, `${replaced}${suffix}`);
  }
  for (const suffix of ["-wal", "-shm"]) rmSync(`${target}${suffix}`, { force: true });
  copyFileSync(options.backupFile, target);
  chmodSync(target, 0o600);
  const store = openNovaboxStore({
    home: options.home,
    ...(options.secretKey ? { secretKey: options.secretKey } : {}),
    now,
  });
  try {
    const entry = store.audit.append(
      auditRecord(
        "RESTORE",
        { authenticationMethod: "SYSTEM", actor: "novabox-restore", requestId: `restore:${stamp(now())}` },
        {
          detail: `restored from backup checkpoint id=${head.lastId} hash=${head.headHash} taken ${takenAt} (${basename(options.backupFile)}); rows the previous database wrote after id ${head.lastId} are lost`,
        },
      ),
    );
    return { head, restoreEntryId: entry.id, ...(replaced ? { replaced } : {}) };
  } finally {
    store.close();
  }
}
