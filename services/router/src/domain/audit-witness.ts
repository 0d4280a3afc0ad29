/**
 * The audit witness: keeps, per Novabox instance, the signed checkpoints of its audit log that come
 * with its announcements, and judges each new one against what it witnessed before.
 *
 * A new checkpoint DISAGREES when it goes backwards: its `last_id` is below the highest witnessed
 * (rows removed, database restored to an older copy), or the box reports another hash than the
 * witnessed one for the entry the router told it last (`prior_id`/`prior_hash`: a rewritten and
 * re-chained entry), or it repeats a witnessed id with another hash. When the box recorded a
 * restore after the highest witnessed checkpoint (`restored_from_id`), the regression is a
 * RESTORED_WITH_GAP instead: the lost ids are named. The state is sticky: once an instance
 * disagreed, it shows so until its history is reviewed (the witness never rewrites history).
 *
 * History is bounded: the newest `maxCheckpoints` are kept, and always the one with the highest id.
 * A repeat of the newest head only refreshes `lastWitnessedAt` (kept in memory, saved with the next
 * new checkpoint), so a box announcing every few seconds does not write on every announcement.
 */
import type { AuditHead, SignedCheckpoint } from "#shared/mesh/audit-checkpoint.js";
import type { CheckpointStore, StoredCheckpoint, WitnessDocument, WitnessSummary } from "./checkpoint-store.js";
import { CheckpointMismatchError } from "./errors.js";
import type { Clock } from "./model.js";

/** Checks a signed checkpoint (signature, signer in the mesh, named for its Comune); throws when it does not verify. */
export type CheckpointVerifier = (
  signed: SignedCheckpoint,
  peerCertificate?: Uint8Array,
) => { head: AuditHead; certificateFingerprint: string };

/** Options of {@link createAuditWitness}. */
export interface AuditWitnessOptions {
  store: CheckpointStore;
  verify: CheckpointVerifier;
  clock: Clock;
  /** History kept per instance (default 200). */
  maxCheckpoints?: number;
}

/** A witnessed checkpoint as served back. */
export interface WitnessedCheckpoint {
  sequence: number;
  witnessedAt: Date;
  signed: SignedCheckpoint;
}

/** See the module comment. */
export interface AuditWitness {
  /**
   * Verifies and records a checkpoint announced by the box of `comuneCode` / `workstationCode`;
   * resolves with the highest-sequence checkpoint's id (`witnessed_through_id`).
   */
  record(
    comuneCode: string,
    workstationCode: string,
    signed: SignedCheckpoint,
    peerCertificate?: Uint8Array,
  ): Promise<number>;
  /** The instance's history and summary; undefined when nothing was witnessed. */
  list(
    comuneCode: string,
    workstationCode: string,
  ): Promise<{ checkpoints: WitnessedCheckpoint[]; summary: WitnessSummary } | undefined>;
  /** The cached summary (for the directory's instances); undefined when not known in this process. */
  summaryOf(comuneCode: string, workstationCode: string): WitnessSummary | undefined;
}

const short = (hash: string) => `${hash.slice(0, 12)}…`;

/** Creates the {@link AuditWitness}. */
export function createAuditWitness(options: AuditWitnessOptions): AuditWitness {
  const { store, clock } = options;
  const max = options.maxCheckpoints ?? 200;
  const cache = new Map<string, WitnessDocument>();
  const key = (comune: string, workstation: string) => `${comune}\u0000${workstation}`;
  /** Serializes updates per instance. */
  const queues = new Map<string, Promise<unknown>>();

  const load = async (comune: string, workstation: string): Promise<WitnessDocument | undefined> => {
    const cached = cache.get(key(comune, workstation));
    if (cached !== undefined) return cached;
    const stored = await store.load(comune, workstation);
    if (stored !== undefined) cache.set(key(comune, workstation), stored);
    return stored;
  };

  const judge = (doc: WitnessDocument, head: AuditHead): Pick<WitnessSummary, "state" | "reason"> => {
    const previous = doc.summary;
    const highest = doc.checkpoints.reduce<StoredCheckpoint | undefined>(
      (best, c) => (best === undefined || c.lastId > best.lastId ? c : best),
      undefined,
    );
    const newest = doc.checkpoints[doc.checkpoints.length - 1];
    const restoredAfterHighest =
      head.restoredFromId !== undefined &&
      head.restoredFromId > 0 &&
      head.restoredAt !== undefined &&
      highest !== undefined &&
      head.restoredAt.getTime() >= highest.witnessedAt - 300_000;
    let problem: string | undefined;
    if (highest !== undefined && head.lastId < highest.lastId) {
      problem = `the log went back from row ${highest.lastId} (witnessed ${new Date(highest.witnessedAt).toISOString()}) to row ${head.lastId}`;
    } else if (head.priorId !== undefined && head.priorId > 0 && head.priorHash !== undefined) {
      const witnessed = doc.checkpoints.find((c) => c.lastId === head.priorId);
      if (witnessed !== undefined && witnessed.headHash !== head.priorHash) {
        problem = `row ${head.priorId} was witnessed with hash ${short(witnessed.headHash)} and the box now reports ${head.priorHash ? short(head.priorHash) : "no such row"}`;
      }
    }
    if (problem === undefined && newest !== undefined) {
      const same = doc.checkpoints.find((c) => c.lastId === head.lastId && c.headHash !== head.headHash);
      if (same !== undefined)
        problem = `row ${head.lastId} was witnessed with hash ${short(same.headHash)} and now has ${short(head.headHash)}`;
    }
    if (problem !== undefined) {
      const restoredFrom = head.restoredFromId ?? 0;
      if (
        restoredAfterHighest &&
        highest !== undefined &&
        head.restoredAt !== undefined &&
        restoredFrom < highest.lastId
      ) {
        const from = restoredFrom + 1;
        const to = highest.lastId;
        return {
          state: "RESTORED_WITH_GAP",
          reason: `restored from a backup at row ${restoredFrom} on ${head.restoredAt.toISOString()}: ${from === to ? `id ${from}` : `ids ${from}–${to}`} witnessed before are lost`,
        };
      }
      return {
        state: "DISAGREES",
        reason: `${problem}: rows removed, rewritten, or the database restored to an older state`,
      };
    }
    if (previous.state === "DISAGREES" || previous.state === "RESTORED_WITH_GAP")
      return { state: previous.state, reason: previous.reason };
    return { state: "AGREES", reason: "" };
  };

  const record = async (
    comune: string,
    workstation: string,
    signed: SignedCheckpoint,
    peerCertificate?: Uint8Array,
  ): Promise<number> => {
    const { head, certificateFingerprint } = options.verify(signed, peerCertificate);
    if (head.comuneCode !== comune || head.workstationCode !== workstation) {
      throw new CheckpointMismatchError(
        `the checkpoint is for ${head.comuneCode}/${head.workstationCode}, the announcement for ${comune}/${workstation}`,
      );
    }
    const now = clock().getTime();
    const doc: WitnessDocument = (await load(comune, workstation)) ?? {
      comuneCode: comune,
      workstationCode: workstation,
      checkpoints: [],
      certificates: {},
      nextSequence: 1,
      summary: { state: "NONE", lastId: 0, highestId: 0, reason: "" },
    };
    const newest = doc.checkpoints[doc.checkpoints.length - 1];
    if (
      newest !== undefined &&
      newest.lastId === head.lastId &&
      newest.headHash === head.headHash &&
      (head.priorHash === undefined || head.priorId === 0 || head.priorId === newest.lastId)
    ) {
      doc.summary = { ...doc.summary, lastWitnessedAt: now };
      cache.set(key(comune, workstation), doc);
      return newest.lastId;
    }
    const verdict = judge(doc, head);
    doc.certificates[certificateFingerprint] = signed.certificatePem;
    doc.checkpoints.push({
      sequence: doc.nextSequence,
      witnessedAt: now,
      checkpoint: Buffer.from(signed.checkpoint).toString("base64"),
      signature: Buffer.from(signed.signature).toString("base64"),
      certificate: certificateFingerprint,
      lastId: head.lastId,
      headHash: head.headHash,
    });
    doc.nextSequence += 1;
    if (doc.checkpoints.length > max) {
      const highest = doc.checkpoints.reduce((best, c) => (c.lastId > best.lastId ? c : best));
      const keep = doc.checkpoints.slice(-max);
      if (!keep.includes(highest)) keep.unshift(highest);
      doc.checkpoints = keep;
      const used = new Set(keep.map((c) => c.certificate));
      for (const fp of Object.keys(doc.certificates)) if (!used.has(fp)) delete doc.certificates[fp];
    }
    doc.summary = {
      state: verdict.state,
      reason: verdict.reason,
      lastWitnessedAt: now,
      lastId: head.lastId,
      highestId: Math.max(doc.summary.highestId, head.lastId),
    };
    await store.save(doc);
    cache.set(key(comune, workstation), doc);
    return head.lastId;
  };

  return {
    record(comune, workstation, signed, peerCertificate) {
      const k = key(comune, workstation);
      const run = (queues.get(k) ?? Promise.resolve())
        .catch(() => undefined)
        .then(() => record(comune, workstation, signed, peerCertificate));
      queues.set(k, run);
      return run;
    },
    async list(comune, workstation) {
      const doc = await load(comune, workstation);
      if (doc === undefined) return undefined;
      return {
        summary: doc.summary,
        checkpoints: doc.checkpoints.map((c) => ({
          sequence: c.sequence,
          witnessedAt: new Date(c.witnessedAt),
          signed: {
            checkpoint: new Uint8Array(Buffer.from(c.checkpoint, "base64")),
            signature: new Uint8Array(Buffer.from(c.signature, "base64")),
            certificatePem: doc.certificates[c.certificate] ?? "",
          },
        })),
      };
    },
    summaryOf(comune, workstation) {
      return cache.get(key(comune, workstation))?.summary;
    },
  };
}
