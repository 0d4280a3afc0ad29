/**
 * Evidence about the audit log that holds outside the box: signed checkpoints of its head (sent with
 * every announcement, written beside every backup and export), the comparison of the log with the
 * checkpoints Novares witnessed, and signed CSV exports.
 */
import type { AuditHead, SignedCheckpoint } from "#shared/mesh/audit-checkpoint.js";
import { buildAuditCsv } from "./audit-csv.js";
import { ExportNotSignableError } from "./errors.js";
import type { AuditFilter, Settings } from "./model.js";
import type { AuditLog, Clock } from "./ports.js";
import {
  compareWithWitness,
  type AuditLookup,
  type WitnessComparison,
  type WitnessedHead,
} from "./witness-comparison.js";

/** Signs with the box's mesh key. */
export interface Notary {
  signCheckpoint(head: AuditHead): SignedCheckpoint;
  /** The detached signature file of an export. */
  signExport(csv: Uint8Array, rows: number, checkpoint: SignedCheckpoint): Uint8Array;
}

/** The witnessed checkpoints of this box, signatures already checked. */
export interface WitnessSource {
  list(comuneCode: string, workstationCode: string): Promise<WitnessedHead[]>;
}

/** The log's head and lookups. */
export type AuditHeadLookup = AuditLookup & {
  head(): { lastId: number; headHash: string; rowCount: number; chain: string };
};

/** Options of {@link createAuditEvidence}. */
export interface AuditEvidenceOptions {
  audit: AuditLog;
  lookup: AuditHeadLookup;
  settings: () => Settings;
  clock: Clock;
  /** Absent when the box has no mesh key (plaintext development mode): nothing is signed. */
  notary?: Notary;
  /** Absent when the box has no Novares address. */
  witness?: () => WitnessSource | undefined;
}

/** See the module comment. */
export interface AuditEvidence {
  /** The current head, signed; undefined without a notary. `priorId` is the id the witness reported last. */
  checkpoint(purpose: string, priorId?: number): SignedCheckpoint | undefined;
  /** The head as a checkpoint would assert it (unsigned). */
  head(purpose: string, priorId?: number): AuditHead;
  /** Compares the log with the witness; undefined when there is no witness to ask. */
  compareWithWitness(): Promise<WitnessComparison | undefined>;
  /** A signed CSV export of the entries matching `filter`. */
  exportCsv(filter: AuditFilter): {
    csv: Buffer;
    rows: number;
    checkpoint: SignedCheckpoint;
    signatureFile: Uint8Array;
  };
}

/** Creates the {@link AuditEvidence}. */
export function createAuditEvidence(options: AuditEvidenceOptions): AuditEvidence {
  const { lookup, settings, clock, notary } = options;
  const head = (purpose: string, priorId?: number): AuditHead => {
    const s = settings();
    const h = lookup.head();
    const restore = lookup.restores().at(-1);
    const prior = priorId !== undefined && priorId > 0 ? { priorId, priorHash: lookup.hashAt(priorId) ?? "" } : {};
    return {
      comuneCode: s.comuneCode,
      workstationCode: s.workstationId,
      lastId: h.lastId,
      headHash: h.headHash,
      rowCount: h.rowCount,
      time: clock(),
      chain: h.chain,
      purpose,
      ...(restore ? { restoredFromId: restore.baseId, restoredAt: restore.time } : {}),
      ...prior,
    };
  };
  return {
    head,
    checkpoint(purpose, priorId) {
      return notary?.signCheckpoint(head(purpose, priorId));
    },
    async compareWithWitness() {
      const source = options.witness?.();
      if (source === undefined) return undefined;
      const s = settings();
      let checkpoints: WitnessedHead[];
      try {
        checkpoints = await source.list(s.comuneCode, s.workstationId);
      } catch (err) {
        return {
          outcome: "UNAVAILABLE",
          checked: 0,
          reason: `the witness could not be asked: ${err instanceof Error ? err.message : String(err)}`,
        };
      }
      return compareWithWitness(lookup, checkpoints);
    },
    exportCsv(filter) {
      if (notary === undefined) throw new ExportNotSignableError();
      const signed = notary.signCheckpoint(head("export"));
      const { csv, rows } = buildAuditCsv(options.audit.export(filter));
      return { csv, rows, checkpoint: signed, signatureFile: notary.signExport(csv, rows, signed) };
    },
  };
}
