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
 *   expiry — liveness costs one Consul write per router per interval, not one per announcement;
 * - **probe pace**: how often the owner probes an instance, from what the announcements already
 *   prove (see {@link probeIntervalFor}).
 */
import { createHash } from "node:crypto";
import type { InstanceHealth } from "./model.js";

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

/** The owner's probe periods and the announcement rhythm they rest on (see {@link probeIntervalFor}). */
export interface ProbeSchedule {
  /** The probe period of an instance the announcements do not vouch for (10 s by default). */
  readonly probeIntervalMs: number;
  /**
   * The longest probe period of an instance the announcements vouch for (60 s by default); each
   * instance gets a fixed share of it between half and all of it ({@link ProbeFacts.phase}), so
   * the probes of boxes that started together spread out instead of coming in waves.
   */
  readonly servingProbeIntervalMs: number;
  /** What boxes are told as `next_announce_in`. */
  readonly announceIntervalMs: number;
  /** How often routers publish their heartbeat batches: an announcement reaches the owner up to this late. */
  readonly heartbeatIntervalMs: number;
}

/** What the owner knows of an instance when it decides whether to probe it. */
export interface ProbeFacts {
  /** Its health as its check says (the owner's last probe result; "unknown" before any). */
  readonly health: InstanceHealth;
  /** The reason it gave in its last announcement for not serving; empty or absent = it says it serves. */
  readonly healthReason?: string | undefined;
  /** When any router last saw it announce (ms since the epoch; the batch's time for another router's). */
  readonly lastSeenAt: number | undefined;
  /** A fixed number in [0, 1) per instance (from its heartbeat digest): its share of the long period. */
  readonly phase: number;
}

/** Slack on "announced on time": the owner looks once a second (ms). */
const announceSlackMs = 1_000;

/**
 * How long the owner may leave an instance unprobed. The README's rules: an announcement proves
 * the box runs (and, since the box announces at once when its health changes, says whether it
 * serves: `health_reason`); a probe proves it serves on its announced address, reachable from the
 * routers. So a box whose last probe answered SERVING (check passing), which says it serves and
 * whose announcements keep coming on time (within the announce interval, plus one heartbeat batch
 * for another router's, plus a second) is probed every `servingProbeIntervalMs × (0.5 + phase / 2)`
 * — 30–60 s by default — instead of every `probeIntervalMs`: the announcements already vouch for
 * it, the probe re-checks the address. Any doubt brings the short period back at once: a box not
 * passing, one that announces a reason for not serving, one whose announcement is late (killed,
 * hung, cut off) is probed at `probeIntervalMs` from its last probe, and a box that stops serving
 * says so in an announcement. A box that dies is thus probed within announce interval + heartbeat
 * interval + 1 s of its death (16 s by default, against 10 s when every box was probed every 10 s);
 * forwarded calls that find a box unreachable still probe it at once.
 */
export function probeIntervalFor(facts: ProbeFacts, schedule: ProbeSchedule, now: number): number {
  const long = Math.max(schedule.probeIntervalMs, schedule.servingProbeIntervalMs * (0.5 + facts.phase / 2));
  if (long <= schedule.probeIntervalMs) return schedule.probeIntervalMs;
  const onTime =
    facts.lastSeenAt !== undefined &&
    now - facts.lastSeenAt <= schedule.announceIntervalMs + schedule.heartbeatIntervalMs + announceSlackMs;
  const vouched = facts.health === "serving" && !facts.healthReason && onTime;
  return vouched ? long : schedule.probeIntervalMs;
}

/** A number in [0, 1) fixed per instance, from its heartbeat digest (hex): its {@link ProbeFacts.phase}. */
export function probePhaseOf(digest: string): number {
  return Number.parseInt(digest.slice(0, 4), 16) / 0x10000;
}
