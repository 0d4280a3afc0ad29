/**
 * The audit chain key and the recorded migration from the unkeyed chain.
 *
 * The key of the keyed chain (`novabox-audit-v2`, see audit-log.ts) is 32 random bytes created on
 * the first open of a database, kept in the `secrets` table as the `audit_chain` secret: sealed with
 * AES-256-GCM under the box's secret key, together with `legacyThroughId`, the last row chained with
 * the unkeyed `novabox-audit-v1` formula. Sealing binds the boundary to the key: someone without the
 * secret key can neither recompute an HMAC nor move the boundary to pass rewritten rows off as v1.
 * Key rotation (rotate-key.ts) re-seals it with every other secret, so the chain survives rotation.
 *
 * **Migration.** A database whose log already holds v1 rows (written before the keyed chain) keeps
 * them unchanged: at the first open the old chain is verified, the key and the boundary are sealed,
 * and an `AUDIT_CHAIN_MIGRATION` row, the first keyed one, records the boundary (`v1 through id=<n>
 * hash=<h>`) and the verification's result, all in one transaction. A broken v1 chain is carried
 * over as it is and the row says so: the migration never hides an earlier break.
 */
import { randomBytes } from "node:crypto";
import type { Clock } from "../domain/ports.js";
import { createAuditLog, verifyAuditChain, type AuditChainKey } from "./audit-log.js";
import type { SqliteDatabase } from "./database.js";
import { StoredDataDamagedError } from "./errors.js";
import type { SecretBox } from "./secret-box.js";

/** The purpose name (and AAD) of the sealed audit chain key. */
export const auditChainSecretName = "audit_chain";

interface SealedChain {
  v: 2;
  key: string;
  legacyThroughId: number;
}

/** Reads the sealed chain key, or undefined when the database has none yet. */
export function readAuditChainKey(db: SqliteDatabase, secretBox: SecretBox): AuditChainKey | undefined {
  const row = db
    .prepare<[string], { ciphertext: Buffer }>("SELECT ciphertext FROM secrets WHERE name = ?")
    .get(auditChainSecretName);
  if (row === undefined) return undefined;
  let parsed: SealedChain;
  try {
    parsed = JSON.parse(secretBox.open(auditChainSecretName, row.ciphertext).toString("utf8")) as SealedChain;
  } catch (err) {
    if (err instanceof SyntaxError) throw new StoredDataDamagedError("audit chain key");
    throw err;
  }
  const key = Buffer.from(parsed.key, "base64");
  if (parsed.v !== 2 || key.length !== 32 || !Number.isInteger(parsed.legacyThroughId) || parsed.legacyThroughId < 0)
    throw new StoredDataDamagedError("audit chain key");
  return { key: new Uint8Array(key), legacyThroughId: parsed.legacyThroughId };
}

/** Options of {@link openAuditChain}. */
export interface OpenAuditChainOptions {
  db: SqliteDatabase;
  secretBox: SecretBox;
  now: Clock;
}

/**
 * Returns the database's chain key, creating it (and migrating existing v1 rows, with their
 * `AUDIT_CHAIN_MIGRATION` row) in one immediate transaction when there is none.
 */
export function openAuditChain(options: OpenAuditChainOptions): AuditChainKey {
  const { db, secretBox, now } = options;
  const existing = readAuditChainKey(db, secretBox);
  if (existing !== undefined) return existing;
  const migrate = db.transaction((): AuditChainKey => {
    const again = readAuditChainKey(db, secretBox);
    if (again !== undefined) return again;
    const head = db
      .prepare<[], { id: number; hash: string }>("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")
      .get();
    const anchor = db
      .prepare<[], { through_id: number; through_hash: string }>(
        "SELECT through_id, through_hash FROM audit_anchors ORDER BY id DESC LIMIT 1",
      )
      .get();
    const legacyThroughId = Math.max(head?.id ?? 0, anchor?.through_id ?? 0);
    const legacy = legacyThroughId > 0 ? verifyAuditChain(db, { key: new Uint8Array(32), legacyThroughId }) : undefined;
    const chain: AuditChainKey = { key: new Uint8Array(randomBytes(32)), legacyThroughId };
    const sealed: SealedChain = { v: 2, key: Buffer.from(chain.key).toString("base64"), legacyThroughId };
    db.prepare("INSERT INTO secrets (name, ciphertext, updated_at) VALUES (?, ?, ?)").run(
      auditChainSecretName,
      secretBox.seal(auditChainSecretName, Buffer.from(JSON.stringify(sealed), "utf8")),
      now().getTime(),
    );
    if (legacy !== undefined) {
      const headHash = head?.hash ?? anchor?.through_hash ?? "";
      const verdict = legacy.ok
        ? `verified intact (${legacy.rowsChecked} rows)`
        : `BROKEN at row ${legacy.firstBrokenId} (${legacy.failure}): ${legacy.reason}; carried over unchanged`;
      createAuditLog({ db, now, chain }).append({
        operation: "AUDIT_CHAIN_MIGRATION",
        outcome: legacy.ok ? "SUCCESS" : "FAILED",
        authenticationMethod: "SYSTEM",
        fiscalCode: "",
        requestId: "",
        tobacconistId: "",
        actor: "novabox",
        anprProtocolNumber: "",
        anprOperationId: "",
        anprErrorCode: "",
        detail: `novabox-audit-v1 through id=${legacyThroughId} hash=${headHash} ${verdict}; later rows are novabox-audit-v2 (HMAC-SHA256)`,
      });
    }
    return chain;
  });
  return migrate.immediate();
}
