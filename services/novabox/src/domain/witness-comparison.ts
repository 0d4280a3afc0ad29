/**
 * Compares the audit log with the checkpoints Novares witnessed (pure logic; the callers fetch the
 * checkpoints and check their signatures first).
 *
 * A checkpoint says "when I was taken, the row `lastId` had hash `headHash`". Because each row's
 * hash covers the previous row's, one agreeing checkpoint vouches for every row up to it. So:
 * - a checkpoint beyond the log's newest row: the newest rows were removed, or the database was
 *   replaced by an older copy;
 * - a checkpoint whose row now has another hash: a row up to it was rewritten and the chain
 *   recomputed (with the key), or an older copy was restored and has continued differently;
 * - a checkpoint older than a recorded restore (RESTORE row) and beyond the backup it restored:
 *   rows lost by that restore. They are reported as a gap, not hidden and not counted as tampering.
 * Checkpoints at rows purged by retention are skipped (the purge anchor vouches for them only when
 * the checkpoint is exactly at the anchor).
 */

/** A checkpoint the witness kept, its signature already checked. */
export interface WitnessedHead {
  /** Position in the witness's history (1, 2, ...). */
  sequence: number;
  witnessedAt: Date;
  lastId: number;
  headHash: string;
  /** The box's clock when it took the checkpoint. */
  time: Date;
}

/** A restore recorded in the log. */
export interface RestoreMark {
  /** The RESTORE row. */
  entryId: number;
  time: Date;
  /** The backup's newest row. */
  baseId: number;
  baseHash: string;
}

/** What the comparison needs from the log. */
export interface AuditLookup {
  /** Id of the newest row (0 when empty, or the anchor's when every row was purged). */
  headId(): number;
  /** The hash of row `id`, or the purge anchor's when `id` is the anchor; undefined when absent. */
  hashAt(id: number): string | undefined;
  /** The first row still retained (rows below were purged). */
  firstRetainedId(): number;
  /** Restores recorded in the log, oldest first. */
  restores(): RestoreMark[];
}

/** The comparison's result. */
export interface WitnessComparison {
  outcome: "AGREES" | "DISAGREES" | "UNAVAILABLE";
  checked: number;
  first?: { sequence: number; lastId: number; witnessedAt: Date };
  reason?: string;
  /** Rows lost by recorded restores, e.g. "ids 41–57 lost by the restore of …". */
  restoreGap?: string;
}

const short = (hash: string) => `${hash.slice(0, 12)}…`;

/** Compares `log` with `checkpoints` (any order) and names the first one (by sequence) that disagrees. */
export function compareWithWitness(log: AuditLookup, checkpoints: readonly WitnessedHead[]): WitnessComparison {
  if (checkpoints.length === 0)
    return { outcome: "UNAVAILABLE", checked: 0, reason: "the witness holds no checkpoint of this box yet" };
  const sorted = [...checkpoints].sort((a, b) => a.sequence - b.sequence);
  const restores = log.restores();
  const headId = log.headId();
  const firstRetained = log.firstRetainedId();
  const gaps = new Map<number, { restore: RestoreMark; highest: number }>();
  let checked = 0;
  for (const cp of sorted) {
    const lostBy = restores.find((r) => cp.time.getTime() < r.time.getTime() && cp.lastId > r.baseId);
    if (lostBy !== undefined) {
      const gap = gaps.get(lostBy.entryId);
      gaps.set(lostBy.entryId, { restore: lostBy, highest: Math.max(gap?.highest ?? 0, cp.lastId) });
      continue;
    }
    if (cp.lastId === 0) {
      checked += 1;
      continue;
    }
    const named = `checkpoint #${cp.sequence} (row ${cp.lastId}, hash ${short(cp.headHash)}, witnessed ${cp.witnessedAt.toISOString()})`;
    const disagree = (reason: string): WitnessComparison => ({
      outcome: "DISAGREES",
      checked,
      first: { sequence: cp.sequence, lastId: cp.lastId, witnessedAt: cp.witnessedAt },
      reason,
      ...gapText(gaps),
    });
    if (cp.lastId > headId) {
      return disagree(
        `${named} is beyond the log's newest row ${headId}: the newest rows were removed, or the database was restored to an older state without a recorded restore`,
      );
    }
    if (cp.lastId < firstRetained - 1) continue;
    const hash = log.hashAt(cp.lastId);
    if (hash === undefined) return disagree(`${named}: row ${cp.lastId} is no longer in the log (rows removed)`);
    if (hash !== cp.headHash) {
      return disagree(
        `${named}: row ${cp.lastId} now has hash ${short(hash)}: a row up to it was rewritten and the chain recomputed, or the database was replaced by an older copy that continued differently`,
      );
    }
    checked += 1;
  }
  return { outcome: "AGREES", checked, ...gapText(gaps) };
}

function gapText(gaps: Map<number, { restore: RestoreMark; highest: number }>): { restoreGap?: string } {
  if (gaps.size === 0) return {};
  const parts = [...gaps.values()].map(({ restore, highest }) => {
    const from = restore.baseId + 1;
    return `${from === highest ? `id ${from}` : `ids ${from}–${highest}`} lost by the restore of ${restore.time.toISOString()} (row ${restore.entryId})`;
  });
  return { restoreGap: parts.join("; ") };
}
