/**
 * Read-only views of the audit log for checkpoints and the witness comparison: the head, the hash
 * of a row, the purge anchor, and the restores recorded in the log. Works on a read-only
 * connection, so `npm run audit:verify` uses it on a stopped box's database.
 */
import type { AuditLookup, RestoreMark } from "../domain/witness-comparison.js";
import { auditChainV1, auditChainV2, genesisHash, type AuditChainKey } from "./audit-log.js";
import type { SqliteDatabase } from "./database.js";

/** The head of the log, as a checkpoint reports it. */
export interface AuditLogHead {
  lastId: number;
  headHash: string;
  rowCount: number;
  /** The chain scheme of the newest row. */
  chain: string;
}

/** The detail of a RESTORE row: `restored from backup checkpoint id=<n> hash=<h> …`. */
export const restorePattern = /restored from backup checkpoint id=(\d+) hash=([0-9a-f]{64})/;

/** Creates the lookup, plus `head()` for checkpoints. */
export function createAuditLookup(db: SqliteDatabase, chain?: AuditChainKey): AuditLookup & { head(): AuditLogHead } {
  const selectHead = db.prepare<[], { id: number; hash: string }>(
    "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1",
  );
  const selectAnchor = db.prepare<[], { through_id: number; through_hash: string }>(
    "SELECT through_id, through_hash FROM audit_anchors ORDER BY id DESC LIMIT 1",
  );
  const selectHash = db.prepare<[number], { hash: string }>("SELECT hash FROM audit_log WHERE id = ?");
  const count = db.prepare<[], { n: number }>("SELECT count(*) AS n FROM audit_log");
  const selectRestores = db.prepare<[], { id: number; time: number; detail: string }>(
    "SELECT id, time, detail FROM audit_log WHERE operation = 'RESTORE' ORDER BY id",
  );
  const headId = () => selectHead.get()?.id ?? selectAnchor.get()?.through_id ?? 0;
  return {
    headId,
    hashAt(id) {
      const row = selectHash.get(id);
      if (row !== undefined) return row.hash;
      const anchor = selectAnchor.get();
      return anchor !== undefined && anchor.through_id === id ? anchor.through_hash : undefined;
    },
    firstRetainedId() {
      return (selectAnchor.get()?.through_id ?? 0) + 1;
    },
    restores() {
      const marks: RestoreMark[] = [];
      for (const row of selectRestores.all()) {
        const match = restorePattern.exec(row.detail);
        if (match !== null)
          marks.push({ entryId: row.id, time: new Date(row.time), baseId: Number(match[1]), baseHash: match[2]! });
      }
      return marks;
    },
    head() {
      const head = selectHead.get();
      const anchor = selectAnchor.get();
      const lastId = head?.id ?? anchor?.through_id ?? 0;
      const keyed = chain === undefined ? lastId > 0 : lastId > chain.legacyThroughId;
      return {
        lastId,
        headHash: head?.hash ?? anchor?.through_hash ?? genesisHash,
        rowCount: count.get()?.n ?? 0,
        chain: keyed ? auditChainV2 : auditChainV1,
      };
    },
  };
}
