/**
 * The embedded registry, used when no Consul is configured: the directory lives in this process.
 * An instance stays listed while it announces within `expiresAfterMs` (the TTL given back in the
 * Announce answer); the router itself checks every instance's grpc.health.v1 status (server "")
 * every `checkIntervalMs` through the injected {@link HealthProbe}, so a dead box stops being
 * routable within one interval, and removes instances whose announcement is overdue.
 */
import { instanceIdFor } from "./discovery-rules.js";
import type { AnnounceInput, AnnounceOutcome, Clock, Instance, InstanceHealth } from "./model.js";
import type { InstanceRegistry } from "./registry.js";
import type { RoutingTable } from "./routing-table.js";
import type { Log } from "#shared/runtime/log.js";

/** Asks one instance for its grpc.health.v1 status; resolves "not-serving" on any failure. */
export type HealthProbe = (instance: Instance) => Promise<Exclude<InstanceHealth, "unknown">>;

/** Options of {@link createEmbeddedRegistry}. */
export interface EmbeddedRegistryOptions {
  table: RoutingTable;
  clock: Clock;
  probe: HealthProbe;
  logger?: Pick<Log, "info" | "warn">;
  /** Told to boxes as `next_announce_in` (default 10 000 ms). */
  announceIntervalMs?: number;
  /** Told to boxes as `expires_after`, and the TTL applied (default 30 000 ms; must exceed the interval). */
  expiresAfterMs?: number;
  /** Health-check period (default 2 000 ms). */
  checkIntervalMs?: number;
  /** Probes in flight at once during a check round (default 64). */
  probeConcurrency?: number;
}

/** The embedded {@link InstanceRegistry}, plus hooks tests drive without timers. */
export interface EmbeddedRegistry extends InstanceRegistry {
  /** Removes every instance whose `expiresAt` has passed; returns how many. */
  expire(): number;
  /** Probes every instance once (bounded concurrency) and records the results. */
  checkAll(): Promise<void>;
  /** Probes one instance now and records the result. */
  check(instanceId: string): Promise<void>;
}

/** Creates the {@link EmbeddedRegistry}. Timers run only between start() and close(). */
export function createEmbeddedRegistry(options: EmbeddedRegistryOptions): EmbeddedRegistry {
  const { table, clock, probe } = options;
  const announceIntervalMs = options.announceIntervalMs ?? 10_000;
  const expiresAfterMs = options.expiresAfterMs ?? 30_000;
  const checkIntervalMs = options.checkIntervalMs ?? 2_000;
  const concurrency = options.probeConcurrency ?? 64;
  if (expiresAfterMs <= announceIntervalMs)
    throw new Error(
      `expiresAfterMs (${expiresAfterMs}) must be longer than announceIntervalMs (${announceIntervalMs})`,
    );
  const inFlight = new Map<string, Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> | undefined;

  const check = (instanceId: string): Promise<void> => {
    const running = inFlight.get(instanceId);
    if (running) return running;
    const target = table.get(instanceId);
    if (!target) return Promise.resolve();
    const done = probe(target)
      .catch((): "not-serving" => "not-serving")
      .then((health) => {
        const current = table.get(instanceId);
        if (!current || current.host !== target.host || current.port !== target.port) return;
        if (current.health !== health) {
          options.logger?.info(
            { instanceId, comuneCode: current.comuneCode, from: current.health, to: health },
            "instance health changed",
          );
          table.upsert({ ...current, health });
        }
      })
      .finally(() => inFlight.delete(instanceId));
    inFlight.set(instanceId, done);
    return done;
  };

  const registry: EmbeddedRegistry = {
    kind: "embedded",
    table,
    announce(input: AnnounceInput): Promise<AnnounceOutcome> {
      const now = clock();
      const instanceId = instanceIdFor(input.comuneCode, input.workstationCode);
      const previous = table.get(instanceId);
      const moved = !previous || previous.host !== input.host || previous.port !== input.port;
      table.upsert({
        instanceId,
        ...input,
        health: moved ? "unknown" : previous.health,
        lastAnnouncedAt: now,
        registeredAt: previous?.registeredAt ?? now,
        expiresAt: new Date(now.getTime() + expiresAfterMs),
      });
      if (moved) void check(instanceId);
      return Promise.resolve({ instanceId, nextAnnounceInMs: announceIntervalMs, expiresAfterMs });
    },
    withdraw(instanceId) {
      return Promise.resolve(table.remove(instanceId) !== undefined);
    },
    reportUnavailable(instanceId) {
      void check(instanceId);
    },
    expire() {
      const now = clock().getTime();
      let removed = 0;
      for (const instance of table.all()) {
        if (instance.expiresAt && instance.expiresAt.getTime() <= now) {
          options.logger?.warn(
            { instanceId: instance.instanceId, comuneCode: instance.comuneCode },
            "instance expired: no announcement within expires_after",
          );
          table.remove(instance.instanceId);
          removed++;
        }
      }
      return removed;
    },
    async checkAll() {
      const ids = table.all().map((i) => i.instanceId);
      let next = 0;
      const worker = async () => {
        while (next < ids.length) await check(ids[next++]!);
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker));
    },
    check,
    start() {
      if (timer) return Promise.resolve();
      timer = setInterval(() => {
        registry.expire();
        if (round) return;
        round = registry.checkAll().finally(() => (round = undefined));
      }, checkIntervalMs);
      timer.unref();
      return Promise.resolve();
    },
    async close() {
      clearInterval(timer);
      timer = undefined;
      await round;
      await Promise.all(inFlight.values());
    },
  };
  return registry;
}
