/**
 * The checkpoint store of a router on Consul: one KV entry per instance,
 * `novares/audit-witness/<comune_code>/<workstation_code, URI-encoded>`, JSON. Consul replicates it
 * through Raft to every server, so it survives the loss of a router and is shared by all router
 * replicas. A document stays well under Consul's 512 KB value limit: the witness keeps at most a
 * few hundred checkpoints per instance and each signer certificate once.
 */
import type Consul from "consul";
import type { CheckpointStore, WitnessDocument } from "../domain/checkpoint-store.js";
import { RegistryUnavailableError } from "../domain/errors.js";

/** The KV prefix. */
export const witnessKvPrefix = "novares/audit-witness";

/** Creates the Consul-KV-backed {@link CheckpointStore}. */
export function createConsulCheckpointStore(consul: Consul): CheckpointStore {
  const keyOf = (comune: string, workstation: string) =>
    `${witnessKvPrefix}/${encodeURIComponent(comune)}/${encodeURIComponent(workstation)}`;
  return {
    kind: "consul-kv",
    async load(comune, workstation) {
      let entry: { Value?: string | null } | undefined;
      try {
        entry = (await consul.kv.get(keyOf(comune, workstation))) as { Value?: string | null } | undefined;
      } catch (err) {
        throw new RegistryUnavailableError("read the witnessed audit checkpoints", err);
      }
      if (entry === undefined || entry === null || typeof entry.Value !== "string") return undefined;
      return JSON.parse(entry.Value) as WitnessDocument;
    },
    async save(document) {
      try {
        const ok = await consul.kv.set(keyOf(document.comuneCode, document.workstationCode), JSON.stringify(document));
        if (ok !== true) throw new Error("Consul refused the write");
      } catch (err) {
        throw new RegistryUnavailableError("store the witnessed audit checkpoint", err);
      }
    },
  };
}
