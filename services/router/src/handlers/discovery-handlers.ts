/**
 * novares.discovery.v1.DiscoveryService over the registry port: validates requests, maps domain
 * values to the wire, and turns the routing table's change feed into WatchInstances streams
 * (snapshot first, split into parts, then events; a watcher that falls too far behind is ended
 * with RESOURCE_EXHAUSTED rather than buffering without bound).
 */
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import {
  InstanceEventSchema,
  InstanceSchema,
  type DiscoveryService,
  type Instance as WireInstance,
  type WatchInstancesResponseSchema,
} from "#gen/novares/discovery/v1/discovery_service_pb.js";
import { AuditWitnessSummarySchema } from "#gen/novares/witness/v1/witness_service_pb.js";
import type { CallContext, ServiceImpl } from "#shared/rpc/grpc-adapter.js";
import { describeMeshIdentity, meshIdentityOfSubjectAltName, type MeshIdentity } from "#shared/mesh/mesh-identity.js";
import { assertMayAnnounce, assertMayWithdraw } from "../domain/announcer-identity.js";
import { requireComuneCode, validateAnnounce } from "../domain/discovery-rules.js";
import { InvalidDiscoveryInputError, WatcherTooSlowError } from "../domain/errors.js";
import type { Instance, InstanceEvent } from "../domain/model.js";
import type { InstanceRegistry } from "../domain/registry.js";
import type { AuditWitness } from "../domain/audit-witness.js";
import { signedCheckpointFromWire, witnessSummaryToWire } from "./witness-handlers.js";
import {
  decodePageToken,
  durationOf,
  encodePageToken,
  eventToWire,
  hostOfPeer,
  instanceToWire,
} from "./discovery-mappers.js";
import type { Log } from "#shared/runtime/log.js";

/** Options of {@link createDiscoveryHandlers}. */
export interface DiscoveryHandlersOptions {
  registry: InstanceRegistry;
  /**
   * Announce and Withdraw only for the Comune and workstation the caller's mesh certificate names
   * (PERMISSION_DENIED and a log line otherwise). Off only for a plaintext router (development).
   */
  enforceAnnouncerIdentity?: boolean;
  /** Where refused announcements are logged. */
  logger?: Pick<Log, "warn">;
  /** Keeps the audit checkpoints that come with announcements; omitted = checkpoints are ignored. */
  witness?: AuditWitness;
  /** Instances per snapshot message of WatchInstances (default 500). */
  snapshotChunk?: number;
  /** Events a watcher may lag behind before its stream is ended (default 10 000). */
  maxPendingEvents?: number;
  /** Aborted when the router shuts down: open watches end cleanly. */
  stopSignal?: AbortSignal;
}

type WatchMessage = MessageInitShape<typeof WatchInstancesResponseSchema>;

/** Creates the DiscoveryService handlers. */
export function createDiscoveryHandlers(options: DiscoveryHandlersOptions): ServiceImpl<typeof DiscoveryService> {
  const { registry } = options;
  const table = registry.table;
  const chunk = options.snapshotChunk ?? 500;
  const maxPending = options.maxPendingEvents ?? 10_000;
  /** An instance on the wire, with its witnessed audit summary when the witness knows one. */
  const toWire = (instance: Instance): WireInstance => {
    const wire = create(InstanceSchema, instanceToWire(instance));
    const summary = options.witness?.summaryOf(instance.comuneCode, instance.workstationCode);
    if (summary !== undefined) wire.auditWitness = create(AuditWitnessSummarySchema, witnessSummaryToWire(summary));
    return wire;
  };
  const eventWithWitness = (event: InstanceEvent) => {
    const wire = create(InstanceEventSchema, eventToWire(event));
    wire.instance = toWire(event.instance);
    return wire;
  };

  async function* watch(comuneCode: string, context: CallContext): AsyncIterable<WatchMessage> {
    const pending: InstanceEvent[] = [];
    let overflow = false;
    let wake: (() => void) | undefined;
    const unsubscribe = table.subscribe((event) => {
      if (comuneCode && event.instance.comuneCode !== comuneCode) return;
      if (pending.length >= maxPending) overflow = true;
      else pending.push(event);
      wake?.();
    });
    const onEnd = () => wake?.();
    context.signal.addEventListener("abort", onEnd);
    options.stopSignal?.addEventListener("abort", onEnd);
    const ended = () => context.signal.aborted || options.stopSignal?.aborted === true;
    try {
      const snapshot = comuneCode ? table.all().filter((i) => i.comuneCode === comuneCode) : table.all();
      snapshot.sort((a, b) =>
        a.comuneCode === b.comuneCode ? (a.instanceId < b.instanceId ? -1 : 1) : a.comuneCode < b.comuneCode ? -1 : 1,
      );
      for (let start = 0; start === 0 || start < snapshot.length; start += chunk) {
        const part = snapshot.slice(start, start + chunk);
        yield {
          payload: {
            case: "snapshot",
            value: { instances: part.map(toWire), complete: start + chunk >= snapshot.length },
          },
        };
      }
      while (!ended()) {
        if (overflow) throw new WatcherTooSlowError(maxPending);
        const event = pending.shift();
        if (event) {
          yield { payload: { case: "event", value: eventWithWitness(event) } };
          continue;
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      unsubscribe();
      context.signal.removeEventListener("abort", onEnd);
      options.stopSignal?.removeEventListener("abort", onEnd);
    }
  }

  /** Runs `check` on the caller's identity when enforced; logs and rethrows a refusal. */
  const authorize = (context: CallContext, details: object, check: (identity: MeshIdentity | undefined) => void) => {
    if (!options.enforceAnnouncerIdentity) return;
    const identity = meshIdentityOfSubjectAltName(context.peerCertificate?.subjectaltname);
    try {
      check(identity);
    } catch (err) {
      options.logger?.warn(
        {
          ...details,
          rpc: context.method.name,
          peer: context.peer,
          caller: describeMeshIdentity(identity),
          reason: "ANNOUNCER_NOT_AUTHORIZED",
        },
        "discovery call refused: the certificate speaks for another Comune or workstation",
      );
      throw err;
    }
  };

  return {
    async announce(request, context) {
      const host = request.host.trim() || hostOfPeer(context.peer);
      if (!host)
        throw new InvalidDiscoveryInputError(
          "host",
          "host is empty and the caller's address is not an IP endpoint: announce the box's host explicitly",
          "INVALID_HOST",
        );
      const input = validateAnnounce({
        comuneCode: request.comuneCode.trim(),
        comuneName: request.comuneName.trim(),
        workstationCode: request.workstationCode.trim(),
        host,
        port: request.port,
        version: request.version.trim(),
        healthReason: request.healthReason,
      });
      authorize(context, { comuneCode: input.comuneCode, workstationCode: input.workstationCode }, (identity) =>
        assertMayAnnounce(identity, input.comuneCode, input.workstationCode),
      );
      let witnessedThroughId = 0;
      if (request.auditCheckpoint !== undefined && options.witness !== undefined) {
        witnessedThroughId = await options.witness.record(
          input.comuneCode,
          input.workstationCode,
          signedCheckpointFromWire(request.auditCheckpoint),
          context.peerCertificate?.raw,
        );
      }
      const outcome = await registry.announce(input);
      return {
        instanceId: outcome.instanceId,
        nextAnnounceIn: durationOf(outcome.nextAnnounceInMs),
        expiresAfter: durationOf(outcome.expiresAfterMs),
        witnessedThroughId: BigInt(witnessedThroughId),
      };
    },
    async withdraw(request, context) {
      if (!request.instanceId.trim())
        throw new InvalidDiscoveryInputError(
          "instance_id",
          "instance_id is required: the id returned by Announce",
          "MISSING_INSTANCE_ID",
        );
      authorize(context, { instanceId: request.instanceId.trim() }, (identity) =>
        assertMayWithdraw(identity, request.instanceId.trim()),
      );
      return { removed: await registry.withdraw(request.instanceId.trim()) };
    },
    listInstances(request) {
      const comuneCode = request.comuneCode ? requireComuneCode(request.comuneCode) : "";
      if (request.pageSize > 5000)
        throw new InvalidDiscoveryInputError(
          "page_size",
          `page_size must be 1-5000, or 0 for 1000 (got ${request.pageSize})`,
          "INVALID_PAGE_SIZE",
        );
      const page = table.list({
        comuneCode,
        limit: request.pageSize || 1000,
        ...(request.pageToken ? { after: decodePageToken(request.pageToken) } : {}),
      });
      return { instances: page.instances.map(toWire), nextPageToken: page.next ? encodePageToken(page.next) : "" };
    },
    resolveComune(request) {
      return { instances: table.resolve(requireComuneCode(request.comuneCode)).map(toWire) };
    },
    watchInstances(request, context) {
      const comuneCode = request.comuneCode ? requireComuneCode(request.comuneCode) : "";
      return watch(comuneCode, context);
    },
  };
}
