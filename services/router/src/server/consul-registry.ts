/**
 * The Consul registry, used when CONSUL_HTTP_ADDR is set. Announce registers the box with the local
 * Consul agent as service "novabox" (id = instance id; Meta and tags: comune_code, comune_name,
 * workstation, version) with two checks: a gRPC health check Consul runs against the box itself,
 * and a TTL check every announcement passes, so an overdue box turns critical as the contract says;
 * DeregisterCriticalServiceAfter then removes it. Withdraw deregisters.
 *
 * Routers learn every change through blocking queries on /v1/health/service/novabox (index + wait,
 * stale reads, so any server answers) in a loop of our own that never ends on an error: it backs
 * off with jitter and retries, and the last routing table keeps serving while Consul is away. The
 * request path reads only that table, never Consul. Several routers share nothing but Consul.
 */
import { EventEmitter } from "node:events";
import type Consul from "consul";
import { instanceIdFor } from "../domain/discovery-rules.js";
import type { RegistryLogger } from "../domain/embedded-registry.js";
import { RegistryUnavailableError } from "../domain/errors.js";
import { instanceAddress, type AnnounceInput, type AnnounceOutcome, type Clock, type Instance, type InstanceHealth } from "../domain/model.js";
import type { InstanceRegistry } from "../domain/registry.js";
import type { RoutingTable } from "../domain/routing-table.js";

/** The Consul service name every Novabox is registered under. */
export const novaboxServiceName = "novabox";

/** Options of {@link createConsulRegistry}. */
export interface ConsulRegistryOptions {
  /** A client of the router's local Consul agent. */
  consul: Consul;
  table: RoutingTable;
  clock: Clock;
  logger: RegistryLogger;
  /** Whether Consul's gRPC check talks TLS to the box (the agent's TLS settings apply). */
  grpcCheckUseTls: boolean;
  /** gRPC check interval (default "2s"). */
  checkInterval?: string;
  /** gRPC check timeout (default "1s"). */
  checkTimeout?: string;
  /** How long a critical instance stays before Consul removes it (default "1m", Consul's minimum). */
  deregisterCriticalServiceAfter?: string;
  /** Told to boxes as `next_announce_in` (default 10 000 ms). */
  announceIntervalMs?: number;
  /** Told to boxes as `expires_after` and used as the TTL check's TTL (default 30 000 ms). */
  expiresAfterMs?: number;
  /** Blocking-query wait in seconds (default 30). */
  waitSeconds?: number;
  /** Retry delay ceiling after the first failure (default 250 ms), doubling up to `maxBackoffMs`. */
  baseBackoffMs?: number;
  /** Largest retry delay (default 5 000 ms). */
  maxBackoffMs?: number;
  /** How long start() waits for the first table from Consul before serving anyway (default 5 000 ms). */
  initialSyncTimeoutMs?: number;
  /** Told after every blocking-query answer and every failed query (metrics, readiness); must not throw. */
  onSync?: (outcome: RegistrySyncOutcome) => void;
}

/** What {@link ConsulRegistryOptions.onSync} is told. */
export type RegistrySyncOutcome = { ok: true; instances: number } | { ok: false; failures: number };

/** The Consul {@link InstanceRegistry}, plus what tests and operators look at. */
export interface ConsulRegistry extends InstanceRegistry {
  /** Successful blocking-query answers so far. */
  readonly syncs: number;
  /** Consecutive failed queries (0 when Consul answers). */
  readonly failures: number;
}

interface HealthEntry {
  Node?: { Node?: string; Address?: string };
  Service?: { ID?: string; Service?: string; Address?: string; Port?: number; Meta?: Record<string, string> | null };
  Checks?: { CheckID?: string; Status?: string; Output?: string; ServiceID?: string }[];
}

type QueryContext = EventEmitter & { includeResponse: true };

function statusCodeOf(err: unknown): number | undefined {
  const e = err as { statusCode?: unknown; response?: { statusCode?: unknown } } | undefined;
  const code = e?.response?.statusCode ?? e?.statusCode;
  return typeof code === "number" ? code : undefined;
}

/** The check ids of an instance's two service checks. */
export function checkIdsOf(instanceId: string): { grpc: string; announce: string } {
  return { grpc: `${instanceId}:grpc`, announce: `${instanceId}:announce` };
}

function healthOf(entry: HealthEntry, instanceId: string): InstanceHealth {
  const checks = entry.Checks ?? [];
  if (checks.every((c) => c.Status === "passing")) return "serving";
  const grpc = checks.find((c) => c.CheckID === checkIdsOf(instanceId).grpc);
  const others = checks.filter((c) => c !== grpc);
  if (grpc && grpc.Status === "critical" && !grpc.Output && others.every((c) => c.Status === "passing")) return "unknown";
  return "not-serving";
}

/** A /v1/health/service entry as a domain instance; undefined when it is not a Novabox registration. */
export function instanceFromHealthEntry(entry: HealthEntry): Instance | undefined {
  const service = entry.Service;
  const meta = service?.Meta ?? {};
  if (!service?.ID || !meta.comune_code || !service.Port) return undefined;
  const registeredAt = meta.registered_at ? new Date(meta.registered_at) : undefined;
  return {
    instanceId: service.ID,
    comuneCode: meta.comune_code,
    comuneName: meta.comune_name ?? "",
    workstationCode: meta.workstation ?? "",
    host: service.Address || entry.Node?.Address || "",
    port: service.Port,
    version: meta.version ?? "",
    health: healthOf(entry, service.ID),
    lastAnnouncedAt: undefined,
    registeredAt: registeredAt && !Number.isNaN(registeredAt.getTime()) ? registeredAt : undefined,
    expiresAt: undefined,
  };
}

/** Creates the {@link ConsulRegistry}; the watch loop runs between start() and close(). */
export function createConsulRegistry(options: ConsulRegistryOptions): ConsulRegistry {
  const { consul, table, clock, logger } = options;
  const announceIntervalMs = options.announceIntervalMs ?? 10_000;
  const expiresAfterMs = options.expiresAfterMs ?? 30_000;
  const waitSeconds = options.waitSeconds ?? 30;
  const baseBackoffMs = options.baseBackoffMs ?? 250;
  const maxBackoffMs = options.maxBackoffMs ?? 5_000;
  const deregisterAfter = options.deregisterCriticalServiceAfter ?? "1m";
  if (expiresAfterMs <= announceIntervalMs) throw new Error(`expiresAfterMs (${expiresAfterMs}) must be longer than announceIntervalMs (${announceIntervalMs})`);

  let stopped = false;
  let loop: Promise<void> | undefined;
  let currentQuery: QueryContext | undefined;
  let wakeSleep: (() => void) | undefined;
  let syncs = 0;
  let failures = 0;
  let firstSync: (() => void) | undefined;
  const firstSynced = new Promise<void>((resolve) => (firstSync = resolve));

  const register = async (instanceId: string, input: AnnounceInput) => {
    const ids = checkIdsOf(instanceId);
    const meta = { comune_code: input.comuneCode, comune_name: input.comuneName, workstation: input.workstationCode, version: input.version, registered_at: clock().toISOString() };
    await consul.agent.service.register({
      name: novaboxServiceName,
      id: instanceId,
      address: input.host,
      port: input.port,
      tags: [`comune_code=${input.comuneCode}`, `workstation=${input.workstationCode}`, `version=${input.version}`],
      meta,
      checks: [
        {
          checkid: ids.grpc,
          name: "Novabox gRPC health",
          grpc: instanceAddress(input),
          grpcusetls: options.grpcCheckUseTls,
          interval: options.checkInterval ?? "2s",
          timeout: options.checkTimeout ?? "1s",
          deregistercriticalserviceafter: deregisterAfter,
        },
        {
          checkid: ids.announce,
          name: "Novabox announcements",
          ttl: `${Math.ceil(expiresAfterMs / 1000)}s`,
          status: "passing",
          timeout: "1s",
          deregistercriticalserviceafter: deregisterAfter,
        },
      ],
    });
  };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wakeSleep = () => {
        clearTimeout(timer);
        resolve();
      };
    }).finally(() => (wakeSleep = undefined));

  const query = async (index: string | undefined): Promise<{ index: string; entries: HealthEntry[] }> => {
    const ctx = Object.assign(new EventEmitter(), { includeResponse: true as const });
    currentQuery = ctx;
    const request = {
      service: novaboxServiceName,
      stale: true,
      ctx,
      timeout: (waitSeconds + 15) * 1000,
      ...(index ? { index, wait: `${waitSeconds}s` } : {}),
    };
    try {
      const answer = (await consul.health.service(request)) as unknown as [{ headers: Record<string, string | string[] | undefined> }, HealthEntry[]];
      const [response, entries] = answer;
      const header = response.headers["x-consul-index"];
      return { index: typeof header === "string" ? header : "", entries: Array.isArray(entries) ? entries : [] };
    } finally {
      currentQuery = undefined;
    }
  };

  const watchLoop = async () => {
    let index: string | undefined;
    while (!stopped) {
      try {
        const answer = await query(index);
        if (stopped) return;
        let next = /^\d+$/.test(answer.index) ? BigInt(answer.index) : 0n;
        if (next < 1n) next = 1n;
        if (index !== undefined && next < BigInt(index)) logger.warn({ from: index, to: String(next) }, "Consul index went backwards (Consul restarted?): resynchronising");
        index = String(next);
        table.replaceAll(answer.entries.map(instanceFromHealthEntry).filter((i): i is Instance => i !== undefined));
        if (failures > 0) logger.info({ afterFailures: failures, instances: table.size }, "Consul reachable again: routing table resynchronised");
        failures = 0;
        syncs++;
        options.onSync?.({ ok: true, instances: table.size });
        firstSync?.();
      } catch (err) {
        if (stopped) return;
        failures++;
        index = undefined;
        options.onSync?.({ ok: false, failures });
        const delay = Math.floor(Math.random() * Math.min(maxBackoffMs, baseBackoffMs * 2 ** Math.min(failures - 1, 20)));
        logger.warn({ failures, retryInMs: delay, err: err instanceof Error ? err.message : String(err), instances: table.size }, "Consul query failed: serving the last routing table");
        await sleep(Math.max(delay, 50));
      }
    }
  };

  const registry: ConsulRegistry = {
    kind: "consul",
    table,
    get syncs() {
      return syncs;
    },
    get failures() {
      return failures;
    },
    async announce(input) {
      const instanceId = instanceIdFor(input.comuneCode, input.workstationCode);
      const outcome: AnnounceOutcome = { instanceId, nextAnnounceInMs: announceIntervalMs, expiresAfterMs };
      const known = table.get(instanceId);
      const unchanged =
        known !== undefined &&
        known.host === input.host &&
        known.port === input.port &&
        known.comuneName === input.comuneName &&
        known.workstationCode === input.workstationCode &&
        known.version === input.version;
      if (unchanged) {
        try {
          await consul.agent.check.pass({ id: checkIdsOf(instanceId).announce });
          return outcome;
        } catch {
          // Unknown to this agent (e.g. Consul lost its state): register again below.
        }
      }
      try {
        await register(instanceId, input);
        return outcome;
      } catch (err) {
        throw new RegistryUnavailableError("register the Novabox", err);
      }
    },
    async withdraw(instanceId) {
      try {
        await consul.agent.service.deregister(instanceId);
        return true;
      } catch (err) {
        if (statusCodeOf(err) === 404) return false;
        throw new RegistryUnavailableError("withdraw the Novabox", err);
      }
    },
    reportUnavailable() {
      // Consul's own gRPC check decides; the router keeps no second opinion.
    },
    async start() {
      if (loop) return;
      stopped = false;
      loop = (async () => {
        while (!stopped) {
          try {
            await watchLoop();
          } catch (err) {
            logger.warn({ err: err instanceof Error ? err.message : String(err) }, "Consul watch loop ended unexpectedly: restarting it");
            await sleep(maxBackoffMs);
          }
        }
      })();
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        firstSynced.then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), options.initialSyncTimeoutMs ?? 5_000);
        }),
      ]);
      clearTimeout(timer);
      if (timedOut) logger.warn({}, "no answer from Consul yet: serving with an empty routing table until it answers");
    },
    async close() {
      stopped = true;
      currentQuery?.emit("cancel");
      wakeSleep?.();
      await loop;
      loop = undefined;
      consul.destroy();
    },
  };
  return registry;
}
