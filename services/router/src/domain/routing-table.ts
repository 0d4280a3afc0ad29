/**
 * The in-memory routing table every router serves from: instances by id, and per Comune the list
 * of SERVING instances with a round-robin cursor, so picking a box is O(1) whatever the size of the
 * directory. Both registry backends write into it (the embedded one directly, the Consul one from
 * its blocking queries); the request path only ever reads it. Every change is reported to
 * subscribers as an {@link InstanceEvent}.
 */
import { NoHealthyInstanceError, UnknownComuneError } from "./errors.js";
import { instanceChanged, type Clock, type Instance, type InstanceEvent } from "./model.js";

/** Filter and page of {@link RoutingTable.list}. */
export interface ListQuery {
  /** Only this Comune; empty or undefined = every Comune. */
  comuneCode?: string;
  /** List instances strictly after this (comune, id) key, as returned in `next`. */
  after?: { comuneCode: string; instanceId: string };
  /** Page size, ≥ 1. */
  limit: number;
}

/** A page of {@link RoutingTable.list}: instances ordered by comune code then instance id. */
export interface ListPage {
  instances: Instance[];
  /** The key to pass as `after` for the next page; undefined on the last page. */
  next: { comuneCode: string; instanceId: string } | undefined;
}

/** Options of {@link createRoutingTable}. */
export interface RoutingTableOptions {
  clock: Clock;
}

/** See the module comment. */
export interface RoutingTable {
  /** The instance with this id. */
  get(instanceId: string): Instance | undefined;
  /** Every instance, in no particular order. */
  all(): Instance[];
  /** Number of instances. */
  readonly size: number;
  /**
   * Adds or replaces an instance; reports `added`, `updated` (when any field changed) or nothing.
   * Returns what happened.
   */
  upsert(instance: Instance): "added" | "updated" | "unchanged";
  /** Removes an instance, reporting `removed`; returns its last state, or undefined when absent. */
  remove(instanceId: string): Instance | undefined;
  /** Makes the table equal to `instances`, reporting each difference (used by the Consul backend). */
  replaceAll(instances: readonly Instance[]): void;
  /**
   * The next SERVING instance of the Comune in round-robin order, skipping `exclude`d ids.
   * Throws {@link UnknownComuneError} when nothing is registered for it, {@link NoHealthyInstanceError}
   * when nothing registered is serving (or everything serving is excluded).
   */
  pick(comuneCode: string, exclude?: ReadonlySet<string>): Instance;
  /**
   * The SERVING instances of the Comune in the order the next picks would use them (does not move
   * the cursor). Throws {@link UnknownComuneError} when nothing is registered for it.
   */
  resolve(comuneCode: string): Instance[];
  /** Instances ordered by comune code then instance id, one page at a time. */
  list(query: ListQuery): ListPage;
  /** Calls `listener` after every change; returns the unsubscribe function. */
  subscribe(listener: (event: InstanceEvent) => void): () => void;
}

interface ComuneEntry {
  ids: Set<string>;
  serving: Instance[];
  cursor: number;
}

function compareKey(
  a: { comuneCode: string; instanceId: string },
  b: { comuneCode: string; instanceId: string },
): number {
  if (a.comuneCode !== b.comuneCode) return a.comuneCode < b.comuneCode ? -1 : 1;
  if (a.instanceId === b.instanceId) return 0;
  return a.instanceId < b.instanceId ? -1 : 1;
}

/** Creates an empty {@link RoutingTable}. */
export function createRoutingTable(options: RoutingTableOptions): RoutingTable {
  const byId = new Map<string, Instance>();
  const byComune = new Map<string, ComuneEntry>();
  const listeners = new Set<(event: InstanceEvent) => void>();
  let sorted: Instance[] | undefined;

  const emit = (type: InstanceEvent["type"], instance: Instance) => {
    sorted = undefined;
    const event: InstanceEvent = { type, instance, time: options.clock() };
    for (const listener of [...listeners]) {
      try {
        listener(event);
      } catch {
        // A failing subscriber must not break the table or the other subscribers.
      }
    }
  };

  const reindex = (comuneCode: string) => {
    const entry = byComune.get(comuneCode);
    if (!entry) return;
    if (entry.ids.size === 0) {
      byComune.delete(comuneCode);
      return;
    }
    entry.serving = [...entry.ids]
      .sort()
      .map((id) => byId.get(id))
      .filter((i): i is Instance => i !== undefined && i.health === "serving");
  };

  const detach = (instance: Instance) => {
    const entry = byComune.get(instance.comuneCode);
    if (!entry) return;
    entry.ids.delete(instance.instanceId);
    reindex(instance.comuneCode);
  };

  const table: RoutingTable = {
    get: (id) => byId.get(id),
    all: () => [...byId.values()],
    get size() {
      return byId.size;
    },
    upsert(instance) {
      const previous = byId.get(instance.instanceId);
      if (previous && !instanceChanged(previous, instance)) return "unchanged";
      if (previous && previous.comuneCode !== instance.comuneCode) detach(previous);
      byId.set(instance.instanceId, instance);
      let entry = byComune.get(instance.comuneCode);
      if (!entry) {
        entry = { ids: new Set(), serving: [], cursor: 0 };
        byComune.set(instance.comuneCode, entry);
      }
      entry.ids.add(instance.instanceId);
      reindex(instance.comuneCode);
      emit(previous ? "updated" : "added", instance);
      return previous ? "updated" : "added";
    },
    remove(id) {
      const previous = byId.get(id);
      if (!previous) return undefined;
      byId.delete(id);
      detach(previous);
      emit("removed", previous);
      return previous;
    },
    replaceAll(instances) {
      const wanted = new Set(instances.map((i) => i.instanceId));
      for (const id of [...byId.keys()]) if (!wanted.has(id)) table.remove(id);
      for (const instance of instances) table.upsert(instance);
    },
    pick(comuneCode, exclude) {
      const entry = byComune.get(comuneCode);
      if (!entry) throw new UnknownComuneError(comuneCode);
      const serving = entry.serving;
      for (let tries = 0; tries < serving.length; tries++) {
        const candidate = serving[entry.cursor % serving.length]!;
        entry.cursor = (entry.cursor + 1) % serving.length;
        if (!exclude?.has(candidate.instanceId)) return candidate;
      }
      throw new NoHealthyInstanceError(comuneCode, entry.ids.size);
    },
    resolve(comuneCode) {
      const entry = byComune.get(comuneCode);
      if (!entry) throw new UnknownComuneError(comuneCode);
      const n = entry.serving.length;
      return Array.from({ length: n }, (_, k) => entry.serving[(entry.cursor + k) % n]!);
    },
    list(query) {
      sorted ??= [...byId.values()].sort(compareKey);
      const limit = Math.max(1, query.limit);
      let after = query.after;
      if (query.comuneCode && (!after || after.comuneCode < query.comuneCode))
        after = { comuneCode: query.comuneCode, instanceId: "" };
      let start = 0;
      if (after) {
        let lo = 0;
        let hi = sorted.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (compareKey(sorted[mid]!, after) <= 0) lo = mid + 1;
          else hi = mid;
        }
        start = lo;
      }
      const inScope = (instance: Instance | undefined) =>
        instance !== undefined && (!query.comuneCode || instance.comuneCode === query.comuneCode);
      const instances: Instance[] = [];
      let i = start;
      for (; i < sorted.length && instances.length < limit && inScope(sorted[i]); i++) instances.push(sorted[i]!);
      const more = instances.length === limit && inScope(sorted[i]);
      const last = instances.at(-1);
      return {
        instances,
        next: more && last ? { comuneCode: last.comuneCode, instanceId: last.instanceId } : undefined,
      };
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return table;
}
