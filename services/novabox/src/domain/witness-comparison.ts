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
 *   rows lost by that restore. The outcome is DISAGREES, naming the first such checkpoint, and the
 *   lost ids are listed as a gap (`restoreGap`). A recorded restore never turns a lost checkpoint
 *   into agreement: the RESTORE row is written by whoever holds the box's key, so "restored from
 *   an older backup" and "newest rows deleted, then a RESTORE row appended" look the same from the
 *   log; only the Comune, told which rows are gone, can tell them apart. Rows the box wrote after
 *   its last witnessed checkpoint and before it was lost are beyond any checkpoint: no verifier
 *   can name them (the window is one announcement interval).
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
  /** The first checkpoint (by sequence) a recorded restore lost. */
  let lost: { cp: WitnessedHead; restore: RestoreMark } | undefined;
  const nameOf = (cp: WitnessedHead) =>
    `checkpoint #${cp.sequence} (row ${cp.lastId}, hash ${short(cp.headHash)}, witnessed ${cp.witnessedAt.toISOString()})`;
  const lostText = () =>
    lost === undefined
      ? ""
      : `${nameOf(lost.cp)} is beyond row ${lost.restore.baseId}, the newest row of the backup restored at ${lost.restore.time.toISOString()} (RESTORE row ${lost.restore.entryId}): rows witnessed after the backup were lost by the restore`;
  for (const cp of sorted) {
    const lostBy = restores.find((r) => cp.time.getTime() < r.time.getTime() && cp.lastId > r.baseId);
    if (lostBy !== undefined) {
      const gap = gaps.get(lostBy.entryId);
      gaps.set(lostBy.entryId, { restore: lostBy, highest: Math.max(gap?.highest ?? 0, cp.lastId) });
      lost ??= { cp, restore: lostBy };
      continue;
    }
    if (cp.lastId === 0) {
      checked += 1;
      continue;
    }
    const named = nameOf(cp);
    const first = lost?.cp ?? cp;
    const disagree = (reason: string): WitnessComparison => ({
      outcome: "DISAGREES",
      checked,
      first: { sequence: first.sequence, lastId: first.lastId, witnessedAt: first.witnessedAt },
      reason: lost === undefined ? reason : `${lostText()}; and ${reason}`,
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
  if (lost !== undefined)
    return {
      outcome: "DISAGREES",
      checked,
      first: { sequence: lost.cp.sequence, lastId: lost.cp.lastId, witnessedAt: lost.cp.witnessedAt },
      reason: lostText(),
      ...gapText(gaps),
    };
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
