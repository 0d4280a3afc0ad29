/**
 * The router's own metrics and readiness, on top of the shared Observability: the routing table's
 * size by health, the registry's sync lag and failures (fed by the Consul directory's `onSync` hook),
 * and the announcements it answered. Readiness is the first registry sync: until the routing table
 * reflects the registry, the router would answer "no Novabox serves this Comune" for every Comune.
 */
import { settle } from "#shared/runtime/call-meter.js";
import type { Observability } from "#shared/runtime/observability.js";
import type { Readiness } from "#shared/rpc/ops-http.js";
import type { InstanceRegistry, RegistrySyncOutcome } from "../domain/registry.js";
import type { RoutingTable } from "../domain/routing-table.js";

/** See the module comment. */
export interface RouterTelemetry {
  /** Give to the Consul registry as `onSync`. */
  onSync(outcome: RegistrySyncOutcome): void;
  /** The embedded registry is in sync once started, and stays in sync (its lag is 0: nothing to fall behind). */
  markSynced(): void;
  /** Wraps the registry so every announcement is counted by outcome. */
  countAnnouncements(registry: InstanceRegistry): InstanceRegistry;
  /** Resolves on the first successful sync. */
  readonly firstSync: Promise<void>;
  readiness(): Readiness;
}

/** Options of {@link createRouterTelemetry}. */
export interface RouterTelemetryOptions {
  observability: Observability;
  table: RoutingTable;
  /** Default Date.now. */
  now?: () => number;
}

/** Creates the {@link RouterTelemetry}. */
export function createRouterTelemetry(options: RouterTelemetryOptions): RouterTelemetry {
  const { metrics } = options.observability;
  const now = options.now ?? Date.now;
  let lastSyncAt: number | undefined;
  let alwaysInSync = false;
  let synced!: () => void;
  const firstSync = new Promise<void>((resolve) => (synced = resolve));
  const startedAt = now();

  metrics.gauge({
    name: "router_routing_table_instances",
    help: "Novabox instances in the routing table, by health (only serving ones are routable).",
    labelNames: ["health"],
    collect() {
      const counts: Record<string, number> = { serving: 0, "not-serving": 0, unknown: 0 };
      for (const instance of options.table.all()) counts[instance.health] = (counts[instance.health] ?? 0) + 1;
      for (const [health, count] of Object.entries(counts)) this.set({ health }, count);
    },
  });
  metrics.gauge({
    name: "router_registry_sync_lag_seconds",
    help: "Seconds since the routing table last synchronised with the registry (since start when it never did; always 0 with the embedded registry). Consul answers a blocking query at least every wait period, so a lag well above it means the sync is stalled.",
    collect() {
      this.set(alwaysInSync ? 0 : (now() - (lastSyncAt ?? startedAt)) / 1000);
    },
  });
  const syncs = metrics.counter({
    name: "router_registry_syncs_total",
    help: "Registry synchronisations, by outcome (ok, failed).",
    labelNames: ["outcome"],
  });
  const announcements = metrics.counter({
    name: "router_announcements_total",
    help: "Announcements and withdrawals answered, by operation and outcome (ok, error).",
    labelNames: ["operation", "outcome"],
  });
  const ready = metrics.gauge({
    name: "router_ready",
    help: "1 once the routing table has synchronised with the registry at least once.",
  });

  const recordSync = () => {
    lastSyncAt = now();
    syncs.inc({ outcome: "ok" });
    ready.set(1);
    synced();
  };
  const count = <T>(operation: string, run: () => Promise<T>): Promise<T> =>
    settle(run, (settled) => announcements.inc({ operation, outcome: settled.ok ? "ok" : "error" }));

  return {
    onSync(outcome) {
      if (outcome.ok) recordSync();
      else syncs.inc({ outcome: "failed" });
    },
    markSynced() {
      alwaysInSync = true;
      recordSync();
    },
    countAnnouncements(registry) {
      return {
        get kind() {
          return registry.kind;
        },
        get table() {
          return registry.table;
        },
        announce: (input) => count("announce", () => registry.announce(input)),
        withdraw: (instanceId) => count("withdraw", () => registry.withdraw(instanceId)),
        reportUnavailable: (instanceId) => registry.reportUnavailable(instanceId),
        start: () => registry.start(),
        close: () => registry.close(),
      };
    },
    firstSync,
    readiness: () =>
      lastSyncAt === undefined
        ? { ready: false, reason: "the routing table has not synchronised with the registry yet" }
        : { ready: true },
  };
}
