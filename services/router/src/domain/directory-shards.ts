/**
 * The pure rules of the sharded Consul directory (server/consul-directory.ts), kept apart so they
 * are tested without Consul:
 * - **shards**: a box belongs to the shard of its province, the first three digits of the Comune's
 *   ISTAT code (022205 Trento → 022), so the directory is ~107 Consul services of ~150 instances
 *   (two per Comune) instead of one service of 16,000: a change re-sends one province, not Italy;
 * - **ownership**: each instance's health checks and expiry are run by exactly one live router,
 *   chosen by rendezvous (highest-random-weight) hashing over the live routers, so the work is spread
 *   evenly and moves only for the instances of a router that joins or leaves;
 * - **heartbeat digests**: routers keep announcements in memory and publish, every few seconds, one
 *   batch of 6-byte digests of the instances that announced to them, which the owners read to decide
 *   expiry — liveness costs one Consul write per router per interval, not one per announcement.
 */
import { createHash } from "node:crypto";

/** Bytes of a heartbeat digest: 48 bits, so 16,000 instances collide with odds of ~5·10⁻⁷. */
export const heartbeatDigestBytes = 6;

/** The shard of a Comune: its province, the first three digits of its six-digit ISTAT code. */
export function shardOf(comuneCode: string): string {
  return comuneCode.slice(0, 3);
}

/** Consul service name of a shard: `novabox-022`. */
export function shardServiceName(shard: string): string {
  return `novabox-${shard}`;
}

/** The shard of a Consul service name, or undefined when the name is not a directory shard. */
export function shardOfServiceName(name: string): string | undefined {
  return /^novabox-(\d{3})$/.exec(name)?.[1];
}

/** Consul node (an external node, without an agent) that holds the instances of a shard. */
export function shardNodeName(shard: string): string {
  return `novabox-province-${shard}`;
}

function weight(routerId: string, instanceId: string): Buffer {
  return createHash("sha256").update(routerId).update("\u0000").update(instanceId).digest().subarray(0, 8);
}

/**
 * The router that owns `instanceId` among `routers` (rendezvous hashing; ties broken by router id).
 * Every router computes the same owner from the same set. Undefined only when `routers` is empty.
 */
export function ownerOf(instanceId: string, routers: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestWeight: Buffer | undefined;
  for (const router of routers) {
    const w = weight(router, instanceId);
    const cmp = bestWeight ? Buffer.compare(w, bestWeight) : 1;
    if (cmp > 0 || (cmp === 0 && best !== undefined && router < best)) {
      best = router;
      bestWeight = w;
    }
  }
  return best;
}

/** The heartbeat digest of an instance id, as a hex string (the map key owners use). */
export function heartbeatDigest(instanceId: string): string {
  return createHash("sha256").update(instanceId).digest().subarray(0, heartbeatDigestBytes).toString("hex");
}

/** One router's published heartbeat batch. */
export interface HeartbeatBatch {
  /** The publishing router's id. */
  readonly routerId: string;
  /** When the batch was published (ms since the epoch, the publisher's clock). */
  readonly at: number;
  /** Digests (hex) of the instances that announced to it since its previous batch. */
  readonly seen: readonly string[];
}

/** Encodes a batch as the compact JSON stored in Consul KV (digests packed in one base64 string). */
export function encodeHeartbeatBatch(batch: HeartbeatBatch): string {
  // One buffer written in place: 8,000 digests per router every 5 s, not 8,000 small buffers.
  const packed = Buffer.alloc(batch.seen.length * heartbeatDigestBytes);
  let offset = 0;
  for (const digest of batch.seen) offset += packed.write(digest, offset, heartbeatDigestBytes, "hex");
  return JSON.stringify({ r: batch.routerId, at: batch.at, seen: packed.subarray(0, offset).toString("base64") });
}

/** Decodes {@link encodeHeartbeatBatch}; undefined when the value is not a heartbeat batch. */
export function decodeHeartbeatBatch(value: string): HeartbeatBatch | undefined {
  try {
    const parsed = JSON.parse(value) as { r?: unknown; at?: unknown; seen?: unknown };
    if (typeof parsed.r !== "string" || typeof parsed.at !== "number" || typeof parsed.seen !== "string")
      return undefined;
    const packed = Buffer.from(parsed.seen, "base64");
    if (packed.length % heartbeatDigestBytes !== 0) return undefined;
    const seen: string[] = [];
    for (let i = 0; i < packed.length; i += heartbeatDigestBytes)
      seen.push(packed.toString("hex", i, i + heartbeatDigestBytes));
    return { routerId: parsed.r, at: parsed.at, seen };
  } catch {
    return undefined;
  }
}
