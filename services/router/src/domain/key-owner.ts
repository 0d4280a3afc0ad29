/**
 * Which box of a Comune a keyed IssueCertificate goes to when no pin says otherwise: rendezvous
 * (highest-random-weight) hashing of the idempotency key over the Comune's serving boxes. Every
 * router computes the same owner from the same directory, also after a restart, so a retry of a key
 * reaches the box that drew its `idOperazioneComune` whenever that box is still serving — even when
 * the retry arrives at another router replica than the first attempt, which holds no pin for it.
 * Keys spread evenly over the boxes; a box joining or leaving moves only the keys it wins or held.
 */
import { createHash } from "node:crypto";
import type { Instance } from "./model.js";

/** The string a key is routed (and pinned) by: the Comune, the tobacconist and the idempotency key. */
export function keyRoutingId(comuneCode: string, tobacconistId: string, idempotencyKey: string): string {
  return JSON.stringify([comuneCode, tobacconistId, idempotencyKey]);
}

function weight(routingId: string, instanceId: string): Buffer {
  return createHash("sha256").update(routingId).update("\u0000").update(instanceId).digest().subarray(0, 8);
}

/** The owner of `routingId` among `instances` (the serving boxes of its Comune); undefined when there are none. */
export function keyOwner(routingId: string, instances: readonly Instance[]): Instance | undefined {
  let best: { instance: Instance; weight: Buffer } | undefined;
  for (const instance of instances) {
    const w = weight(routingId, instance.instanceId);
    if (!best || Buffer.compare(w, best.weight) > 0) best = { instance, weight: w };
  }
  return best?.instance;
}
