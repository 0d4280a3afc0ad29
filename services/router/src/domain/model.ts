/**
 * The router's view of the directory, free of any RPC or Consul type: a Novabox instance, its
 * health as Novares sees it, and the changes the directory reports to watchers.
 */

/** Health of an instance: only `serving` instances are routable. */
export type InstanceHealth = "serving" | "not-serving" | "unknown";

/** What a box says about itself when it announces (host already resolved). */
export interface AnnounceInput {
  /** Comune ISTAT code, six digits. */
  readonly comuneCode: string;
  readonly comuneName: string;
  readonly workstationCode: string;
  /** Where the box's gRPC server is reachable. */
  readonly host: string;
  readonly port: number;
  readonly version: string;
  /** Why the box is not serving ("ANPR unreachable: ..."), in its own words; empty or absent while it serves. */
  readonly healthReason?: string;
}

/** A Novabox instance in the directory: what it last announced, and what the directory knows of it. */
export interface Instance extends AnnounceInput {
  /** Stable for a given comune code + workstation code (see {@link instanceIdFor}). */
  readonly instanceId: string;
  readonly health: InstanceHealth;
  /** Latest announcement seen by this router; undefined when the backend does not record it. */
  readonly lastAnnouncedAt: Date | undefined;
  /** First announcement since the instance was (re)added. */
  readonly registeredAt: Date | undefined;
  /** When the instance is dropped unless it announces again; undefined when the backend decides. */
  readonly expiresAt: Date | undefined;
}

/** Kind of change in the directory. */
export type InstanceEventType = "added" | "updated" | "removed";

/** A change in the directory; for `removed`, `instance` is its last known state. */
export interface InstanceEvent {
  readonly type: InstanceEventType;
  readonly instance: Instance;
  readonly time: Date;
}

/** The router's answer to an announcement. */
export interface AnnounceOutcome {
  readonly instanceId: string;
  /** When the box should announce again. */
  readonly nextAnnounceInMs: number;
  /** How long the instance stays listed without a new announcement. */
  readonly expiresAfterMs: number;
}

/** The current time; injected so tests drive it. */
export type Clock = () => Date;

/** `host:port` as grpc-js expects it (IPv6 literals in brackets). */
export function instanceAddress(instance: Pick<Instance, "host" | "port">): string {
  return instance.host.includes(":") && !instance.host.startsWith("[")
    ? `[${instance.host}]:${instance.port}`
    : `${instance.host}:${instance.port}`;
}

/** True when two snapshots of an instance differ in any field a watcher sees. */
export function instanceChanged(a: Instance, b: Instance): boolean {
  const time = (d: Date | undefined) => d?.getTime();
  return (
    a.comuneCode !== b.comuneCode ||
    a.comuneName !== b.comuneName ||
    a.workstationCode !== b.workstationCode ||
    a.host !== b.host ||
    a.port !== b.port ||
    a.version !== b.version ||
    a.health !== b.health ||
    (a.healthReason ?? "") !== (b.healthReason ?? "") ||
    time(a.lastAnnouncedAt) !== time(b.lastAnnouncedAt) ||
    time(a.registeredAt) !== time(b.registeredAt) ||
    time(a.expiresAt) !== time(b.expiresAt)
  );
}
