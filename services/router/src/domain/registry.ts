/**
 * The registry port: where announcements and withdrawals go. Two backends implement it — the
 * embedded in-process registry (embedded-registry.ts) and Consul (server/consul-directory.ts) — and
 * both keep the router's {@link RoutingTable} current, which is all the request path reads.
 */
import type { AnnounceInput, AnnounceOutcome } from "./model.js";
import type { RoutingTable } from "./routing-table.js";

/** Which backend a registry is (also logged in the ready line). */
export type RegistryKind = "embedded" | "consul";

/** What a backend that synchronises from elsewhere tells after each answer or failure (metrics, readiness). */
export type RegistrySyncOutcome = { ok: true; instances: number } | { ok: false; failures: number };

/** See the module comment. */
export interface InstanceRegistry {
  readonly kind: RegistryKind;
  /** The table this registry keeps current. */
  readonly table: RoutingTable;
  /** Registers or refreshes an instance (validated input); resolves with the router's answer. */
  announce(input: AnnounceInput): Promise<AnnounceOutcome>;
  /** Removes an instance at once; resolves true when it was listed. Idempotent. */
  withdraw(instanceId: string): Promise<boolean>;
  /**
   * A forwarded call found the instance unreachable: the registry may re-check it sooner than its
   * schedule. Never throws.
   */
  reportUnavailable(instanceId: string): void;
  /** Starts the background work (health checks, expiry, watches); resolves once the table is usable. */
  start(): Promise<void>;
  /** Stops the background work. */
  close(): Promise<void>;
}
