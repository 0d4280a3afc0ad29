/**
 * The comparison of the log with the witnessed checkpoints (pure): agreeing checkpoints, a recorded
 * restore that lost witnessed rows (a named disagreement, the gap listed), a restore that lost
 * nothing witnessed (agrees), and a rewrite after a restore (the lost checkpoint is still named first).
 */
import { describe, expect, it } from "@jest/globals";
import {
  compareWithWitness,
  type AuditLookup,
  type RestoreMark,
  type WitnessedHead,
} from "../src/domain/witness-comparison.js";

const t0 = Date.parse("2026-11-30T09:00:00.000Z");
const hash = (id: number, variant = "a") => `${variant}${String(id).padStart(63, "0")}`;

/** A log of rows 1..head, hashes `hash(id, variant)` where `variants` says so, with recorded restores. */
function log(head: number, restores: RestoreMark[] = [], variants: Record<number, string> = {}): AuditLookup {
  return {
    headId: () => head,
    hashAt: (id) => (id >= 1 && id <= head ? hash(id, variants[id]) : undefined),
    firstRetainedId: () => 1,
    restores: () => restores,
  };
}

const checkpoint = (sequence: number, lastId: number, minute: number, variant = "a"): WitnessedHead => ({
  sequence,
  lastId,
  headHash: hash(lastId, variant),
  time: new Date(t0 + minute * 60_000),
  witnessedAt: new Date(t0 + minute * 60_000 + 1000),
});

describe("compareWithWitness", () => {
  it("agrees when every checkpoint is in the log as witnessed", () => {
    expect(compareWithWitness(log(30), [checkpoint(1, 10, 1), checkpoint(2, 20, 2), checkpoint(3, 30, 3)])).toEqual({
      outcome: "AGREES",
      checked: 3,
    });
  });

  it("names the first checkpoint a recorded restore lost, and lists the lost ids", () => {
    // Backup at row 15; rows up to 40 witnessed; restored at minute 10 (RESTORE row 16); the box went on to 18.
    const restore: RestoreMark = { entryId: 16, time: new Date(t0 + 10 * 60_000), baseId: 15, baseHash: hash(15) };
    const after = { 16: "r", 17: "r", 18: "r" };
    const result = compareWithWitness(log(18, [restore], after), [
      checkpoint(1, 10, 1),
      checkpoint(2, 20, 2),
      checkpoint(3, 40, 3),
      checkpoint(4, 18, 11, "r"),
    ]);
    expect(result).toMatchObject({
      outcome: "DISAGREES",
      checked: 2,
      first: { sequence: 2, lastId: 20 },
      restoreGap: `ids 16–40 lost by the restore of ${restore.time.toISOString()} (row 16)`,
    });
    expect(result.reason).toMatch(
      /^checkpoint #2 \(row 20, .*\) is beyond row 15, the newest row of the backup restored at .* \(RESTORE row 16\): rows witnessed after the backup were lost by the restore$/,
    );
  });

  it("agrees after a restore that lost nothing witnessed", () => {
    const restore: RestoreMark = { entryId: 21, time: new Date(t0 + 10 * 60_000), baseId: 20, baseHash: hash(20) };
    expect(
      compareWithWitness(log(22, [restore]), [checkpoint(1, 10, 1), checkpoint(2, 20, 2), checkpoint(3, 22, 11)]),
    ).toEqual({ outcome: "AGREES", checked: 3 });
  });

  it("still names the lost checkpoint first when a later one was rewritten too, and says both", () => {
    const restore: RestoreMark = { entryId: 16, time: new Date(t0 + 10 * 60_000), baseId: 15, baseHash: hash(15) };
    const result = compareWithWitness(log(18, [restore], { 16: "r", 17: "r", 18: "x" }), [
      checkpoint(1, 20, 2),
      checkpoint(2, 18, 11, "r"),
    ]);
    expect(result).toMatchObject({ outcome: "DISAGREES", first: { sequence: 1, lastId: 20 } });
    expect(result.reason).toMatch(/lost by the restore; and checkpoint #2 \(row 18, .*\): row 18 now has hash x0/);
  });
});
