/**
 * The checkpoint store port: where the router keeps the audit-log checkpoints it witnessed, one
 * document per Novabox instance (Comune + workstation). Two implementations: Consul's KV store when
 * the router runs on Consul (server/consul-checkpoint-store.ts), a directory of files in embedded
 * mode (server/file-checkpoint-store.ts). Deliberately separate from the instance registry: the
 * registry forgets an instance that stops announcing, the witness must not.
 */

/** One witnessed checkpoint, as stored. */
export interface StoredCheckpoint {
  /** 1, 2, ... per instance. */
  sequence: number;
  /** Epoch milliseconds when the router received it. */
  witnessedAt: number;
  /** Base64 of the signed AuditCheckpoint bytes and of the signature. */
  checkpoint: string;
  signature: string;
  /** SHA-256 fingerprint (hex) of the signer's certificate, a key of {@link WitnessDocument.certificates}. */
  certificate: string;
  /** What the checkpoint says, decoded once (for the summary). */
  lastId: number;
  headHash: string;
}

/** The router's view of an instance's witnessed log (see novares.witness.v1.WitnessState). */
export interface WitnessSummary {
  state: "NONE" | "AGREES" | "DISAGREES" | "RESTORED_WITH_GAP";
  /** Epoch ms of the newest checkpoint received (also for repeats of the same head). */
  lastWitnessedAt?: number;
  lastId: number;
  highestId: number;
  reason: string;
}

/** Everything the witness keeps about one instance. */
export interface WitnessDocument {
  comuneCode: string;
  workstationCode: string;
  /** Oldest first. */
  checkpoints: StoredCheckpoint[];
  /** Signer certificates (PEM) by fingerprint. */
  certificates: Record<string, string>;
  nextSequence: number;
  summary: WitnessSummary;
}

/** See the module comment. */
export interface CheckpointStore {
  /** Which backend (logged). */
  readonly kind: "consul-kv" | "file" | "memory";
  /** The instance's document, or undefined when nothing was witnessed for it. */
  load(comuneCode: string, workstationCode: string): Promise<WitnessDocument | undefined>;
  /** Replaces the instance's document durably before resolving. */
  save(document: WitnessDocument): Promise<void>;
}

/** An in-memory store (single-layer tests, and a router started without a witness folder). */
export function createMemoryCheckpointStore(): CheckpointStore {
  const documents = new Map<string, string>();
  const key = (comune: string, workstation: string) => `${comune}\u0000${workstation}`;
  return {
    kind: "memory",
    load(comune, workstation) {
      const json = documents.get(key(comune, workstation));
      return Promise.resolve(json === undefined ? undefined : (JSON.parse(json) as WitnessDocument));
    },
    save(document) {
      documents.set(key(document.comuneCode, document.workstationCode), JSON.stringify(document));
      return Promise.resolve();
    },
  };
}
