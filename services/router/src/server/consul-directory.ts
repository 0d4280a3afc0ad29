/**
 * The Consul directory, used when CONSUL_HTTP_ADDR is set: every Novabox instance lives in Consul's
 * **catalog**, independently of any router's agent, and a router keeps only an in-memory routing
 * table fed by blocking queries.
 *
 * Registration (HashiCorp's pattern for services without a local agent: an *external node*). The
 * instances of one province (the shard, see domain/directory-shards.ts) are services of the external
 * node `novabox-province-<ppp>`, under the service name `novabox-<ppp>`, each with one check
 * `<instance id>:health` whose status the routers write. Writes go through /v1/txn (node, service
 * and check together), batched a few milliseconds. Because the instance id is derived from the
 * Comune and workstation, a box that announces to two routers is one catalog entry, and losing a
 * router or its agent loses no registration.
 *
 * Liveness without a write per announcement: an announcement whose instance the table already
 * holds unchanged costs no Consul write. Each router remembers who announced to it and publishes,
 * every `heartbeatIntervalMs`, one KV value `novares/routers/<router id>` with the 6-byte digests of
 * those instances; that value is also the router's own liveness. Every router reads all of them.
 *
 * Health checks spread across routers: each instance is owned by one live router (rendezvous
 * hashing over the routers whose heartbeat is fresh). The owner probes it (grpc.health.v1 over the
 * mesh's mutual TLS) every `probeIntervalMs` — or, while it passes and its announcements keep
 * coming on time saying it serves, every 50–100 % of `servingProbeIntervalMs` (probeIntervalFor in
 * domain/directory-shards.ts) — marks it critical when no router has seen an
 * announcement for `expiresAfterMs`, and deregisters it after `deregisterAfterMs` critical; it
 * writes only when the status changes. A router that finds a box unreachable while forwarding
 * probes it at once, whoever owns it.
 *
 * Watching, sharded: one blocking query per province on /v1/health/service/novabox-<ppp> (stale
 * reads, so any server answers) plus one on /v1/catalog/services to learn provinces that appear or
 * go. A change to one box re-sends only its province (~150 instances), not the whole directory.
 * Every loop backs off with jitter and never ends on an error; the last table keeps serving while
 * Consul is away; the request path reads only the table.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { instanceIdFor } from "../domain/discovery-rules.js";
import {
  heartbeatDigest,
  decodeHeartbeatBatch,
  encodeHeartbeatBatch,
  ownerOf,
  probeIntervalFor,
  probePhaseOf,
  shardNodeName,
  type ProbeSchedule,
  shardOf,
  shardOfServiceName,
  shardServiceName,
} from "../domain/directory-shards.js";
import type { HealthProbe } from "../domain/embedded-registry.js";
import { RegistryUnavailableError } from "../domain/errors.js";
import type { AnnounceInput, AnnounceOutcome, Clock, Instance, InstanceHealth } from "../domain/model.js";
import type { InstanceRegistry, RegistrySyncOutcome } from "../domain/registry.js";
import type { RoutingTable } from "../domain/routing-table.js";
import { ConsulHttpError, consulTxnMaxOps, type ConsulHttp, type ConsulTxnOp } from "./consul-http.js";
import type { Log } from "#shared/runtime/log.js";

/**
 * A blocking query answered within this after it was sent found its province already changed
 * (generous: reading and parsing a province's answer on a loaded machine takes a few hundred ms).
 */
const busyAnswerMs = 500;

/** KV prefix of the routers' heartbeat batches. */
export const routersKvPrefix = "novares/routers/";

/** Output of a check registered before any probe answered. */
const notCheckedOutput = "not checked yet";
const overdueOutput = "announcement overdue";

/** Options of {@link createConsulDirectory}. */
export interface ConsulDirectoryOptions {
  consul: ConsulHttp;
  table: RoutingTable;
  clock: Clock;
  logger: Pick<Log, "info" | "warn">;
  /** grpc.health.v1 probe of a box (the router's box pool, mutual TLS). */
  probe: HealthProbe;
  /** Unique per router process (default: host name, pid and a random suffix). */
  routerId?: string;
  /** Told to boxes as `next_announce_in` (default 10 000 ms). */
  announceIntervalMs?: number;
  /** Told to boxes as `expires_after`: no announcement to any router for this long = critical (default 30 000 ms). */
  expiresAfterMs?: number;
  /** How often the owner probes each of its instances (default 10 000 ms). */
  probeIntervalMs?: number;
  /**
   * The longest probe period of an instance its announcements vouch for: passing, announcing on
   * time without a health reason (default 6 × `probeIntervalMs`, 60 s; each instance gets a fixed
   * 50–100 % of it). The rule: domain/directory-shards.ts, `probeIntervalFor`.
   */
  servingProbeIntervalMs?: number;
  /** How often a router publishes its heartbeat batch (default 5 000 ms); 3 missed = router gone. */
  heartbeatIntervalMs?: number;
  /** How long an instance stays critical before its owner deregisters it (default 60 000 ms). */
  deregisterAfterMs?: number;
  /**
   * Blocking-query wait in seconds (default 60). A quiet province's query returns its whole answer
   * again when the wait runs out (not parsed, `skipUnchanged`): at 16,000 instances 33.5 MB per
   * wait period per router for Consul to encode and the router to receive; 60 s halves what 30 s
   * cost and keeps the sync-lag metric of a directory with a single province under the
   * ConsulSyncStalled alert's 120 s.
   */
  waitSeconds?: number;
  /** Retry delay ceiling after the first failure (default 250 ms), doubling up to `maxBackoffMs`. */
  baseBackoffMs?: number;
  /** Largest retry delay (default 5 000 ms). */
  maxBackoffMs?: number;
  /**
   * Least time between two answers of one province's watch (default 1 000 ms): a change to a quiet
   * province is seen at once, while a province that keeps changing (registration, a burst) is
   * downloaded at most once per interval with every change since, instead of once per change.
   */
  minShardIntervalMs?: number;
  /**
   * Longest such interval (default 8 000 ms). A province whose answer comes back at once after
   * the pause (it changed again meanwhile: registration, a restart of many boxes) doubles its
   * interval up to this; one whose query had to wait for its next change is back to
   * `minShardIntervalMs`. While 16,000 boxes register, every router would otherwise download
   * every province once a second (what bench/directory-scale measured as most of Consul's CPU);
   * with 4 s, 27 province answers a second per router still made Consul encode and each router
   * parse ~4 MB/s of JSON on the two shared cores while registering. A single change to a quiet
   * province (one change, a burst of a second) never reaches the ceiling: 1, 2, 4 s.
   */
  maxShardIntervalMs?: number;
  /** How often a line "Consul directory activity" is logged when there was any (default 10 000 ms). */
  activityLogIntervalMs?: number;
  /** How long start() waits for the first full table before serving anyway (default 5 000 ms). */
  initialSyncTimeoutMs?: number;
  /** How long writes wait to be batched into one transaction (default 5 ms). */
  writeBatchMs?: number;
  /** Transactions in flight at once (default 4). */
  writeConcurrency?: number;
  /** Probes in flight at once (default 32). */
  probeConcurrency?: number;
  /** Told after every watch answer and every failed query (metrics, readiness); must not throw. */
  onSync?: (outcome: RegistrySyncOutcome) => void;
}

/** The Consul {@link InstanceRegistry}, plus what tests, metrics and the bench look at. */
export interface ConsulDirectory extends InstanceRegistry {
  readonly routerId: string;
  /** Successful watch answers so far. */
  readonly syncs: number;
  /** Consecutive failed queries (0 when Consul answers). */
  readonly failures: number;
  /** JSON bytes downloaded from Consul so far. */
  readonly bytesDownloaded: number;
  /** Provinces watched. */
  readonly shards: number;
  /** Routers whose heartbeat is fresh, this one included. */
  liveRouters(): string[];
  /** Instances this router owns now. */
  readonly owned: number;
  /** Consul writes (transactions and KV puts) so far. */
  readonly writes: number;
  /** Operations sent in transactions so far (at most 64 per transaction). */
  readonly txnOps: number;
}

interface HealthEntry {
  Service?: { ID?: string; Service?: string; Address?: string; Port?: number; Meta?: Record<string, string> | null };
  Checks?: { CheckID?: string; Status?: string; Output?: string }[];
}

interface KvEntry {
  Key: string;
  Value: string | null;
  ModifyIndex: number;
}

/** The check id of an instance. */
export function checkIdOf(instanceId: string): string {
  return `${instanceId}:health`;
}

function healthOf(status: string | undefined, output: string): InstanceHealth {
  if (status === "passing") return "serving";
  if (status === undefined || (status === "critical" && output.startsWith(notCheckedOutput))) return "unknown";
  return "not-serving";
}

/** A catalog health entry as a domain instance; undefined when it is not a Novabox instance. */
export function instanceFromEntry(entry: HealthEntry): { instance: Instance; output: string } | undefined {
  const service = entry.Service;
  const meta = service?.Meta ?? {};
  if (!service?.ID || !meta.comune_code || !service.Port || !service.Address) return undefined;
  const check = (entry.Checks ?? []).find((c) => c.CheckID === checkIdOf(service.ID!));
  const output = check?.Output ?? "";
  const registeredAt = meta.registered_at ? new Date(meta.registered_at) : undefined;
  return {
    output,
    instance: {
      instanceId: service.ID,
      comuneCode: meta.comune_code,
      comuneName: meta.comune_name ?? "",
      workstationCode: meta.workstation ?? "",
      host: service.Address,
      port: service.Port,
      version: meta.version ?? "",
      ...(meta.health_reason ? { healthReason: meta.health_reason } : {}),
      health: healthOf(check?.Status, output),
      lastAnnouncedAt: undefined,
      registeredAt: registeredAt && !Number.isNaN(registeredAt.getTime()) ? registeredAt : undefined,
      expiresAt: undefined,
    },
  };
}

/** The comune code inside an instance id (`novabox-<comune>-...`), for withdrawals. */
function comuneOfInstanceId(instanceId: string): string | undefined {
  return /^novabox-(\d{6})-/.exec(instanceId)?.[1];
}

/** The node a `Node` set operation writes; undefined for any other operation. */
function nodeNameOfOp(op: ConsulTxnOp): string | undefined {
  const node = op.Node as { Verb?: string; Node?: { Node?: string } } | undefined;
  return node?.Verb === "set" ? node.Node?.Node : undefined;
}

interface PendingWrite {
  ops: ConsulTxnOp[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** Creates the {@link ConsulDirectory}; its loops run between start() and close(). */
export function createConsulDirectory(options: ConsulDirectoryOptions): ConsulDirectory {
  const { consul, table, clock, logger } = options;
  const routerId = options.routerId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
  const announceIntervalMs = options.announceIntervalMs ?? 10_000;
  const expiresAfterMs = options.expiresAfterMs ?? 30_000;
  const probeIntervalMs = options.probeIntervalMs ?? 10_000;
  const servingProbeIntervalMs = options.servingProbeIntervalMs ?? 6 * probeIntervalMs;
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 5_000;
  const probeSchedule: ProbeSchedule = {
    probeIntervalMs,
    servingProbeIntervalMs,
    announceIntervalMs,
    heartbeatIntervalMs,
  };
  const deregisterAfterMs = options.deregisterAfterMs ?? 60_000;
  const waitSeconds = options.waitSeconds ?? 60;
  const baseBackoffMs = options.baseBackoffMs ?? 250;
  const maxBackoffMs = options.maxBackoffMs ?? 5_000;
  const writeBatchMs = options.writeBatchMs ?? 5;
  const writeConcurrency = options.writeConcurrency ?? 4;
  const probeConcurrency = options.probeConcurrency ?? 32;
  const minShardIntervalMs = options.minShardIntervalMs ?? 1_000;
  const maxShardIntervalMs = Math.max(minShardIntervalMs, options.maxShardIntervalMs ?? 8_000);
  const activityLogIntervalMs = options.activityLogIntervalMs ?? 10_000;
  if (expiresAfterMs <= announceIntervalMs)
    throw new Error(
      `expiresAfterMs (${expiresAfterMs}) must be longer than announceIntervalMs (${announceIntervalMs})`,
    );
  const now = () => clock().getTime();
  const safeSync = (outcome: RegistrySyncOutcome) => {
    try {
      options.onSync?.(outcome);
    } catch {
      // metrics must never break the directory
    }
  };

  let stopped = true;
  const stop = new AbortController();
  const loops: Promise<void>[] = [];
  const timers: NodeJS.Timeout[] = [];
  let startedAt = 0;
  let syncs = 0;
  let failures = 0;
  let writes = 0;
  let txnOps = 0;
  let txns = 0;
  let txnPeakInFlight = 0;
  let shardReads = 0;
  let probes = 0;

  // --- watched state ---------------------------------------------------------------------------
  const shardWatchers = new Map<string, AbortController>();
  const shardMembers = new Map<string, Set<string>>();
  const pendingFirstAnswer = new Set<string>();
  // Instances whose check says "announcement overdue" (the only part of a check's output the
  // router acts on: kept as a set, not the output strings of 16,000 checks).
  const overdueChecks = new Set<string>();
  let servicesAnswered = false;
  let initialSynced = false;
  // How the first full table was built (logged once, "Consul directory: first full table"): a
  // router joining a national directory must serve within seconds, and these phases say where
  // its time went — the catalog's list of provinces, the province reads (Consul and the wire),
  // parsing their JSON, and applying them to the table.
  const firstTable = { servicesMs: 0, provinces: 0, bytes: 0, readMsMax: 0, readMs: 0, parseMs: 0, applyMs: 0 };
  let firstSync!: () => void;
  const firstSynced = new Promise<void>((resolve) => (firstSync = resolve));

  // --- heartbeats and ownership ----------------------------------------------------------------
  const digests = new Map<string, string>();
  const digestOf = (id: string) => {
    let d = digests.get(id);
    if (!d) {
      d = heartbeatDigest(id);
      digests.set(id, d);
    }
    return d;
  };
  const lastSeen = new Map<string, number>();
  const pendingSeen = new Set<string>();
  const routers = new Map<string, { at: number; modifyIndex: number }>();
  const ownership = { key: "", owned: new Map<string, boolean>() };
  const lastProbe = new Map<string, number>();
  const criticalSince = new Map<string, number>();
  const probing = new Map<string, Promise<void>>();
  let ownedCount = 0;

  /** Resolves after `ms`, or at once when `signal` (default: the directory's stop) aborts. */
  const sleep = (ms: number, signal: AbortSignal = stop.signal) =>
    new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      const onAbort = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  const backoff = (attempt: number) =>
    Math.max(50, Math.floor(Math.random() * Math.min(maxBackoffMs, baseBackoffMs * 2 ** Math.min(attempt - 1, 20))));
  const errText = (err: unknown) => (err instanceof Error ? err.message : String(err));

  const liveRouters = (): string[] => {
    const fresh = now() - 3 * heartbeatIntervalMs;
    const live = new Set([routerId]);
    for (const [id, r] of routers) if (r.at >= fresh) live.add(id);
    return [...live].sort();
  };

  const owns = (instanceId: string, live: string[]): boolean => {
    const key = live.join(",");
    if (ownership.key !== key) {
      ownership.key = key;
      ownership.owned.clear();
    }
    let mine = ownership.owned.get(instanceId);
    if (mine === undefined) {
      mine = ownerOf(instanceId, live) === routerId;
      ownership.owned.set(instanceId, mine);
    }
    return mine;
  };

  // --- batched writes --------------------------------------------------------------------------
  const queue: PendingWrite[] = [];
  let inFlight = 0;
  let flushTimer: NodeJS.Timeout | undefined;

  /**
   * The operations of a batch, each province's external node set once: every registration carries
   * its node (so it works alone, e.g. when a batch is split after a refusal), and without this a
   * third of a 64-operation transaction would repeat the same few nodes.
   */
  const batchOps = (batch: PendingWrite[]): ConsulTxnOp[] => {
    const nodes = new Set<string>();
    const ops: ConsulTxnOp[] = [];
    for (const w of batch)
      for (const op of w.ops) {
        const node = nodeNameOfOp(op);
        if (node !== undefined) {
          if (nodes.has(node)) continue;
          nodes.add(node);
        }
        ops.push(op);
      }
    return ops;
  };

  const runTxn = async (batch: PendingWrite[]) => {
    try {
      const ops = batchOps(batch);
      txnOps += ops.length;
      await consul.txn(ops);
      writes++;
      txns++;
      for (const w of batch) w.resolve();
    } catch (err) {
      if (batch.length > 1 && err instanceof ConsulHttpError && err.status === 409) {
        // One operation was refused: run each alone so only its caller sees the error.
        for (const w of batch) await runTxn([w]);
        return;
      }
      for (const w of batch) w.reject(err);
    }
  };

  const flush = () => {
    flushTimer = undefined;
    while (queue.length > 0 && inFlight < writeConcurrency) {
      const batch: PendingWrite[] = [];
      const nodes = new Set<string>();
      let ops = 0;
      for (;;) {
        const next = queue[0];
        if (!next) break;
        // Operations this write adds once its province's node is counted only once (batchOps).
        let added = 0;
        for (const op of next.ops) {
          const node = nodeNameOfOp(op);
          if (node === undefined || !nodes.has(node)) added++;
        }
        if (ops + added > consulTxnMaxOps) break;
        queue.shift();
        for (const op of next.ops) {
          const node = nodeNameOfOp(op);
          if (node !== undefined) nodes.add(node);
        }
        ops += added;
        batch.push(next);
      }
      inFlight++;
      txnPeakInFlight = Math.max(txnPeakInFlight, inFlight);
      void runTxn(batch).finally(() => {
        inFlight--;
        if (queue.length > 0) flush();
      });
    }
  };

  const write = (ops: ConsulTxnOp[]): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      queue.push({ ops, resolve, reject });
      flushTimer ??= setTimeout(flush, writeBatchMs);
    });

  const checkOp = (
    instance: Pick<Instance, "instanceId" | "comuneCode">,
    status: "passing" | "critical",
    output: string,
  ): ConsulTxnOp => {
    const shard = shardOf(instance.comuneCode);
    return {
      Check: {
        Verb: "set",
        Check: {
          Node: shardNodeName(shard),
          CheckID: checkIdOf(instance.instanceId),
          Name: "Novabox health (probed by the Novares routers)",
          Status: status,
          Output: output,
          ServiceID: instance.instanceId,
          ServiceName: shardServiceName(shard),
        },
      },
    };
  };

  const registerOps = (
    instanceId: string,
    input: AnnounceInput,
    registeredAt: Date,
    status: "passing" | "critical",
    output: string,
  ): ConsulTxnOp[] => {
    const shard = shardOf(input.comuneCode);
    const node = shardNodeName(shard);
    return [
      {
        Node: {
          Verb: "set",
          Node: {
            Node: node,
            Address: "0.0.0.0",
            Meta: { "external-node": "true", "external-probe": "false", "novares-shard": shard },
          },
        },
      },
      {
        Service: {
          Verb: "set",
          Node: node,
          Service: {
            ID: instanceId,
            Service: shardServiceName(shard),
            Address: input.host,
            Port: input.port,
            Tags: ["novabox"],
            Meta: {
              comune_code: input.comuneCode,
              comune_name: input.comuneName,
              workstation: input.workstationCode,
              version: input.version,
              health_reason: input.healthReason ?? "",
              registered_at: registeredAt.toISOString(),
            },
          },
        },
      },
      checkOp({ instanceId, comuneCode: input.comuneCode }, status, output),
    ];
  };

  const deleteOp = (instanceId: string, shard: string): ConsulTxnOp => ({
    Service: {
      Verb: "delete",
      Node: shardNodeName(shard),
      Service: { ID: instanceId, Service: shardServiceName(shard) },
    },
  });

  const probeOutput = (health: "serving" | "not-serving") =>
    health === "serving"
      ? `SERVING (probed by router ${routerId})`
      : `NOT_SERVING or unreachable (probed by router ${routerId})`;

  /** Probes an instance and writes its check when the answer differs from the table. */
  const probeAndRecord = (instanceId: string): Promise<void> => {
    const running = probing.get(instanceId);
    if (running) return running;
    const target = table.get(instanceId);
    if (!target) return Promise.resolve();
    lastProbe.set(instanceId, now());
    probes++;
    const done = options
      .probe(target)
      .catch((): "not-serving" => "not-serving")
      .then(async (health) => {
        const current = table.get(instanceId);
        if (!current || current.host !== target.host || current.port !== target.port) return;
        const overdue = overdueChecks.has(instanceId);
        if (overdue && !announcedWithin(instanceId)) return;
        if (current.health === health && !overdue) return;
        logger.info(
          { instanceId, comuneCode: current.comuneCode, from: current.health, to: health },
          "instance health changed",
        );
        await write([checkOp(current, health === "serving" ? "passing" : "critical", probeOutput(health))]);
      })
      .catch((err: unknown) =>
        logger.warn({ instanceId, err: errText(err) }, "could not record a health change in Consul"),
      )
      .finally(() => probing.delete(instanceId));
    probing.set(instanceId, done);
    return done;
  };

  const announcedWithin = (instanceId: string) =>
    now() - Math.max(lastSeen.get(digestOf(instanceId)) ?? 0, startedAt) <= expiresAfterMs;

  /** The owner's duties, every tick: expiry, periodic probes, deregistration. */
  const ownerTick = async () => {
    const t = now();
    const live = liveRouters();
    const due: string[] = [];
    let owned = 0;
    for (const instance of table.all()) {
      const id = instance.instanceId;
      if (!owns(id, live)) {
        criticalSince.delete(id);
        continue;
      }
      owned++;
      if (instance.health === "serving") criticalSince.delete(id);
      else if (!criticalSince.has(id)) criticalSince.set(id, t);

      if (!announcedWithin(id)) {
        if (!overdueChecks.has(id)) {
          logger.warn(
            { instanceId: id, comuneCode: instance.comuneCode },
            "instance expired: no announcement within expires_after",
          );
          void write([
            checkOp(
              instance,
              "critical",
              `${overdueOutput}: no router saw one for ${Math.round(expiresAfterMs / 1000)} s`,
            ),
          ]).catch((err: unknown) =>
            logger.warn({ instanceId: id, err: errText(err) }, "could not mark an overdue instance critical"),
          );
        }
      } else {
        if (!lastProbe.has(id)) lastProbe.set(id, t - Math.floor(Math.random() * probeIntervalMs));
        const digest = digestOf(id);
        const interval = probeIntervalFor(
          {
            health: instance.health,
            healthReason: instance.healthReason,
            lastSeenAt: lastSeen.get(digest),
            phase: probePhaseOf(digest),
          },
          probeSchedule,
          t,
        );
        if (t - lastProbe.get(id)! >= interval) due.push(id);
      }
      const since = criticalSince.get(id);
      if (since !== undefined && t - since >= deregisterAfterMs) {
        criticalSince.delete(id);
        logger.warn(
          { instanceId: id, comuneCode: instance.comuneCode },
          "deregistering an instance critical for deregister_after",
        );
        void write([deleteOp(id, shardOf(instance.comuneCode))]).catch((err: unknown) =>
          logger.warn({ instanceId: id, err: errText(err) }, "could not deregister an instance"),
        );
      }
    }
    ownedCount = owned;
    let next = 0;
    const worker = async () => {
      while (next < due.length && !stopped) await probeAndRecord(due[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(probeConcurrency, due.length) }, worker));
  };

  // --- watches ---------------------------------------------------------------------------------
  const markInitialSync = () => {
    if (initialSynced || !servicesAnswered || pendingFirstAnswer.size > 0) return;
    initialSynced = true;
    const ms = (v: number) => Math.round(v);
    logger.info(
      {
        afterMs: now() - startedAt,
        instances: table.size,
        servicesMs: ms(firstTable.servicesMs),
        provinces: firstTable.provinces,
        downloadedKB: Math.round(firstTable.bytes / 1024),
        provinceReadMs: { total: ms(firstTable.readMs), max: ms(firstTable.readMsMax) },
        parseMs: ms(firstTable.parseMs),
        applyMs: ms(firstTable.applyMs),
      },
      "Consul directory: first full table",
    );
    firstSync();
  };

  const applyShard = (shard: string, entries: HealthEntry[]) => {
    const next = new Set<string>();
    const t = now();
    for (const entry of entries) {
      const parsed = instanceFromEntry(entry);
      if (!parsed) continue;
      const id = parsed.instance.instanceId;
      next.add(id);
      if (parsed.output.startsWith(overdueOutput)) overdueChecks.add(id);
      else overdueChecks.delete(id);
      if (table.upsert(parsed.instance) === "added" && initialSynced) {
        // A box registered while this router runs announced moments ago (its registration is an
        // announcement), but the router it announced to reports it only in its next heartbeat
        // batch, up to `heartbeatIntervalMs` later: counted from this router's start instead, a
        // box registered more than `expiresAfterMs` after it would be marked overdue at once
        // (941 of 16,000 in bench/directory-scale once registration got fast).
        const digest = digestOf(id);
        if ((lastSeen.get(digest) ?? 0) < t) lastSeen.set(digest, t);
        // It was also probed by that router just before its check was written passing: its
        // owner's first probe comes a full interval later, not at a random point of the next one
        // (one probe fewer per registration during a mass registration, where probes were most
        // of the routers' CPU).
        if (parsed.instance.health === "serving" && !lastProbe.has(id)) lastProbe.set(id, t);
      }
    }
    for (const id of shardMembers.get(shard) ?? []) {
      if (next.has(id)) continue;
      table.remove(id);
      overdueChecks.delete(id);
      lastProbe.delete(id);
      criticalSince.delete(id);
    }
    shardMembers.set(shard, next);
  };

  // Full (non-blocking) reads of a shard, at start and after an error, go a few at a time: a
  // hundred connections opened at once to Consul cost more than the reads themselves.
  let fullReadsRunning = 0;
  const fullReadWaiters: (() => void)[] = [];
  const fullRead = async <T>(run: () => Promise<T>): Promise<T> => {
    if (fullReadsRunning >= 8) await new Promise<void>((resolve) => fullReadWaiters.push(resolve));
    fullReadsRunning++;
    try {
      return await run();
    } finally {
      fullReadsRunning--;
      fullReadWaiters.shift()?.();
    }
  };

  /**
   * Reads a province (a blocking query past `index`, or a full read when `index` is 0) and applies
   * the answer when its index moved; returns that index and the read's timings (when it was sent —
   * for a full read, when its turn came —, when it was answered, its bytes and parse and apply
   * times), or undefined when the watch was stopped.
   * A function of its own so that the watch loop, suspended in its next blocking query for up to
   * `waitSeconds`, never holds a parsed answer: V8 keeps a suspended async function's registers,
   * and the loop used to keep its province's last answer — every field Consul sends for every
   * instance, the whole directory over all provinces (at 4,000 instances ~60,000 objects, the
   * largest single part of the router's live heap besides its code; heap snapshot of
   * bench/directory-scale).
   */
  const readShard = async (
    shard: string,
    index: bigint,
    signal: AbortSignal,
  ): Promise<
    { index: bigint; asked: number; answered: number; bytes: number; parseMs: number; applyMs: number } | undefined
  > => {
    const path = `/v1/health/service/${shardServiceName(shard)}`;
    let asked = performance.now();
    const answer =
      index > 0n
        ? await consul.read<HealthEntry[] | null>(
            path,
            { stale: "" },
            { index, waitSeconds, skipUnchanged: true },
            signal,
          )
        : await fullRead(() => {
            asked = performance.now();
            return consul.read<HealthEntry[] | null>(path, { stale: "" }, undefined, signal);
          });
    if (signal.aborted) return undefined;
    const answered = performance.now();
    if (answer.index !== index || index === 0n) applyShard(shard, answer.body ?? []);
    return {
      index: answer.index,
      asked,
      answered,
      bytes: answer.bytes,
      parseMs: answer.parseMs,
      applyMs: performance.now() - answered,
    };
  };

  const watchShard = async (shard: string, signal: AbortSignal) => {
    let index = 0n;
    let attempt = 0;
    let lastChange = 0;
    let interval = minShardIntervalMs;
    while (!signal.aborted) {
      try {
        const quietFor = Date.now() - lastChange;
        if (index > 0n && quietFor < interval) await sleep(interval - quietFor, signal);
        if (signal.aborted) return;
        const blocking = index > 0n;
        const answer = await readShard(shard, index, signal);
        if (answer === undefined || signal.aborted) return;
        const answerIndex = answer.index;
        if (index > 0n && answerIndex < index)
          logger.warn(
            { shard, from: String(index), to: String(answerIndex) },
            "Consul index went backwards (Consul restarted?): resynchronising",
          );
        const changed = answerIndex !== index || index === 0n;
        index = answerIndex < 1n ? 1n : answerIndex;
        if (changed) {
          shardReads++;
          // Answered at once: the province had changed again during the pause (busy, read it less
          // often); answered after a wait: it was quiet, its next change is read at once.
          const { asked, answered } = answer;
          const busy = blocking && lastChange > 0 && answered - asked < busyAnswerMs;
          interval = busy ? Math.min(interval * 2, maxShardIntervalMs) : minShardIntervalMs;
          lastChange = Date.now();
          if (!initialSynced && !blocking) {
            firstTable.provinces++;
            firstTable.bytes += answer.bytes;
            firstTable.readMs += answered - asked - answer.parseMs;
            firstTable.readMsMax = Math.max(firstTable.readMsMax, answered - asked - answer.parseMs);
            firstTable.parseMs += answer.parseMs;
            firstTable.applyMs += answer.applyMs;
          }
        }
        if (attempt > 0 || failures > 0) {
          if (failures > 0)
            logger.info(
              { afterFailures: failures, instances: table.size },
              "Consul reachable again: routing table resynchronised",
            );
          failures = 0;
        }
        attempt = 0;
        syncs++;
        if (pendingFirstAnswer.delete(shard)) markInitialSync();
        if (initialSynced) safeSync({ ok: true, instances: table.size });
      } catch (err) {
        if (signal.aborted) return;
        attempt++;
        failures++;
        index = 0n;
        safeSync({ ok: false, failures });
        const delay = backoff(attempt);
        logger.warn(
          { shard, failures, retryInMs: delay, err: errText(err), instances: table.size },
          "Consul query failed: serving the last routing table",
        );
        await sleep(delay, signal);
      }
    }
  };

  const startShard = (shard: string) => {
    if (shardWatchers.has(shard)) return;
    const controller = new AbortController();
    shardWatchers.set(shard, controller);
    if (!initialSynced) pendingFirstAnswer.add(shard);
    const signal = AbortSignal.any([controller.signal, stop.signal]);
    loops.push(watchShard(shard, signal));
  };

  const watchServices = async () => {
    let index = 0n;
    let attempt = 0;
    while (!stopped) {
      try {
        // The list of services changes with every registration (its index is the catalog's), and
        // only a new or vanished province matters here: read it at most once per
        // `minShardIntervalMs`, not once per transaction of a mass registration.
        if (index > 1n) await sleep(minShardIntervalMs);
        if (stopped) return;
        const answer = await consul.read<Record<string, string[]> | null>(
          "/v1/catalog/services",
          { stale: "" },
          index > 0n ? { index, waitSeconds } : undefined,
          stop.signal,
        );
        if (stopped) return;
        index = answer.index < 1n ? 1n : answer.index;
        attempt = 0;
        const shards = new Set(
          Object.keys(answer.body ?? {})
            .map(shardOfServiceName)
            .filter((s): s is string => s !== undefined),
        );
        if (!servicesAnswered) firstTable.servicesMs = now() - startedAt;
        for (const shard of shards) startShard(shard);
        for (const [shard, controller] of shardWatchers) {
          if (shards.has(shard)) continue;
          controller.abort();
          shardWatchers.delete(shard);
          pendingFirstAnswer.delete(shard);
          applyShard(shard, []);
        }
        servicesAnswered = true;
        markInitialSync();
      } catch (err) {
        if (stopped) return;
        attempt++;
        index = 0n;
        safeSync({ ok: false, failures: Math.max(failures, attempt) });
        const delay = backoff(attempt);
        logger.warn({ retryInMs: delay, err: errText(err) }, "Consul catalog query failed: retrying");
        await sleep(delay);
      }
    }
  };

  const applyHeartbeats = (entries: KvEntry[]) => {
    const present = new Set<string>();
    for (const entry of entries) {
      const id = entry.Key.slice(routersKvPrefix.length);
      present.add(id);
      if (id === routerId) continue;
      if (routers.get(id)?.modifyIndex === entry.ModifyIndex) continue;
      const batch = entry.Value ? decodeHeartbeatBatch(Buffer.from(entry.Value, "base64").toString("utf8")) : undefined;
      if (!batch) continue;
      routers.set(id, { at: batch.at, modifyIndex: entry.ModifyIndex });
      for (const digest of batch.seen) if ((lastSeen.get(digest) ?? 0) < batch.at) lastSeen.set(digest, batch.at);
    }
    for (const id of [...routers.keys()]) if (!present.has(id)) routers.delete(id);
  };

  const watchHeartbeats = async () => {
    let index = 0n;
    let attempt = 0;
    while (!stopped) {
      try {
        const answer = await consul.read<KvEntry[] | null>(
          `/v1/kv/${routersKvPrefix}`,
          { recurse: "", stale: "" },
          index > 0n ? { index, waitSeconds } : undefined,
          stop.signal,
        );
        if (stopped) return;
        index = answer.index < 1n ? 1n : answer.index;
        attempt = 0;
        applyHeartbeats(answer.body ?? []);
      } catch (err) {
        if (stopped) return;
        attempt++;
        index = 0n;
        if (attempt === 1)
          logger.warn({ err: errText(err) }, "Consul query of the routers' heartbeats failed: retrying");
        await sleep(backoff(attempt));
      }
    }
  };

  const publishHeartbeat = async () => {
    const seen = [...pendingSeen];
    pendingSeen.clear();
    try {
      await consul.kvPut(`${routersKvPrefix}${routerId}`, encodeHeartbeatBatch({ routerId, at: now(), seen }));
      writes++;
    } catch (err) {
      for (const d of seen) pendingSeen.add(d);
      logger.warn(
        { err: errText(err), pending: pendingSeen.size },
        "could not publish the router's heartbeat batch: keeping it for the next one",
      );
    }
  };

  // What the directory did since the last line (operators and bench/directory-scale read it):
  // how full the transactions are, how many ran at once, how many province answers were applied,
  // how many probes the owner ran, and the process's memory (V8 heap against the rest of the RSS).
  const activity = { txns: 0, txnOps: 0, shardReads: 0, bytes: 0, probes: 0 };
  const mib = (bytes: number) => Math.round(bytes / 1_048_576);
  const logActivity = () => {
    const bytes = consul.bytesDownloaded;
    if (txns === activity.txns && shardReads === activity.shardReads && probes === activity.probes)
      return Promise.resolve();
    const newTxns = txns - activity.txns;
    const memory = process.memoryUsage();
    logger.info(
      {
        txns: newTxns,
        opsPerTxn: newTxns ? Number(((txnOps - activity.txnOps) / newTxns).toFixed(1)) : 0,
        txnPeakInFlight,
        shardReads: shardReads - activity.shardReads,
        downloadedKB: Math.round((bytes - activity.bytes) / 1024),
        probes: probes - activity.probes,
        owned: ownedCount,
        totals: { txns, txnOps, shardReads, downloadedKB: Math.round(bytes / 1024) },
        memoryMiB: {
          rss: mib(memory.rss),
          heapTotal: mib(memory.heapTotal),
          heapUsed: mib(memory.heapUsed),
          external: mib(memory.external),
        },
      },
      "Consul directory activity",
    );
    Object.assign(activity, { txns, txnOps, shardReads, bytes, probes });
    txnPeakInFlight = inFlight;
    return Promise.resolve();
  };

  const every = (ms: number, run: () => Promise<void>) => {
    let running: Promise<void> | undefined;
    const timer = setInterval(() => {
      if (running || stopped) return;
      running = run().finally(() => (running = undefined));
    }, ms);
    timer.unref();
    timers.push(timer);
  };

  const directory: ConsulDirectory = {
    kind: "consul",
    table,
    routerId,
    get syncs() {
      return syncs;
    },
    get failures() {
      return failures;
    },
    get bytesDownloaded() {
      return consul.bytesDownloaded;
    },
    get shards() {
      return shardWatchers.size;
    },
    liveRouters,
    get owned() {
      return ownedCount;
    },
    get writes() {
      return writes;
    },
    get txnOps() {
      return txnOps;
    },
    async announce(input) {
      const instanceId = instanceIdFor(input.comuneCode, input.workstationCode);
      const outcome: AnnounceOutcome = { instanceId, nextAnnounceInMs: announceIntervalMs, expiresAfterMs };
      const digest = digestOf(instanceId);
      lastSeen.set(digest, now());
      pendingSeen.add(digest);
      const known = table.get(instanceId);
      const unchanged =
        known !== undefined &&
        known.host === input.host &&
        known.port === input.port &&
        known.comuneName === input.comuneName &&
        known.workstationCode === input.workstationCode &&
        known.version === input.version &&
        (known.healthReason ?? "") === (input.healthReason ?? "");
      if (unchanged) {
        // Nothing to write: the heartbeat stays in memory until the next batch. A box back from
        // being overdue or unhealthy is probed now (once per second at most) rather than at its owner's pace.
        if (known.health !== "serving" && now() - (lastProbe.get(instanceId) ?? 0) >= 1_000)
          void probeAndRecord(instanceId);
        return outcome;
      }
      const candidate: Instance = {
        instanceId,
        ...input,
        health: "unknown",
        lastAnnouncedAt: undefined,
        registeredAt: known?.registeredAt ?? clock(),
        expiresAt: undefined,
      };
      // A box already listed at the same address that changed something else (a new version, a
      // new name): its check stays as its owner last wrote it, so neither a probe nor a check
      // write — one operation instead of a connection to the box and three operations (what a
      // burst of re-announcing boxes after an upgrade costs, bench/directory-scale).
      const sameAddress = known !== undefined && known.host === input.host && known.port === input.port;
      const health = sameAddress ? undefined : await options.probe(candidate).catch((): "not-serving" => "not-serving");
      try {
        const ops = registerOps(
          instanceId,
          input,
          candidate.registeredAt!,
          health === "serving" ? "passing" : "critical",
          health === undefined ? "" : probeOutput(health),
        );
        await write(health === undefined ? ops.filter((op) => op.Check === undefined) : ops);
      } catch (err) {
        logger.warn(
          { instanceId, err: errText(err) },
          "could not register an instance in Consul: the box will announce again",
        );
        throw new RegistryUnavailableError("register the Novabox", err);
      }
      if (health !== undefined) lastProbe.set(instanceId, now());
      return outcome;
    },
    async withdraw(instanceId) {
      const comune = comuneOfInstanceId(instanceId);
      if (!comune) return false;
      const shard = shardOf(comune);
      try {
        const listed = await consul.read<{ ServiceID?: string }[] | null>(
          `/v1/catalog/service/${shardServiceName(shard)}`,
          { filter: `ServiceID == ${JSON.stringify(instanceId)}` },
        );
        if (!listed.body?.length) return false;
        await write([deleteOp(instanceId, shard)]);
        return true;
      } catch (err) {
        throw new RegistryUnavailableError("withdraw the Novabox", err);
      }
    },
    reportUnavailable(instanceId) {
      if (now() - (lastProbe.get(instanceId) ?? 0) < 1_000) return;
      void probeAndRecord(instanceId);
    },
    async start() {
      if (!stopped) return;
      stopped = false;
      startedAt = now();
      loops.push(watchServices(), watchHeartbeats());
      await publishHeartbeat();
      every(heartbeatIntervalMs, publishHeartbeat);
      every(activityLogIntervalMs, logActivity);
      // The owner's duties (probes, expiry) start once the table is whole: a router joining a
      // national directory would otherwise spend its first seconds probing a partial table's
      // boxes (a third of 16,000 for the third router) while it reads the provinces.
      void firstSynced.then(() => {
        if (!stopped) every(Math.min(1_000, probeIntervalMs), ownerTick);
      });
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        firstSynced.then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), options.initialSyncTimeoutMs ?? 5_000);
        }),
      ]);
      clearTimeout(timer);
      if (timedOut)
        logger.warn({}, "no full answer from Consul yet: serving with a partial routing table until it answers");
      else safeSync({ ok: true, instances: table.size });
    },
    async close() {
      if (stopped) return;
      stopped = true;
      for (const timer of timers) clearInterval(timer);
      timers.length = 0;
      stop.abort();
      for (const controller of shardWatchers.values()) controller.abort();
      await Promise.allSettled(loops);
      await Promise.allSettled([...probing.values()]);
      if (flushTimer) {
        clearTimeout(flushTimer);
        flush();
      }
      // Leave at once, so the other routers take over this router's instances without waiting.
      await consul.kvDelete(`${routersKvPrefix}${routerId}`).catch(() => undefined);
    },
  };
  return directory;
}
