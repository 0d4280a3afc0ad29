/**
 * Composes a running Novares discovery router: the routing table, the registry backend (Consul
 * when configured, the embedded registry otherwise), the pool of channels to boxes, and one gRPC
 * server with DiscoveryService, the forwarding CertificationService and ConsultationService,
 * grpc.health.v1 and reflection. Transport credentials come from the caller (main.ts builds them
 * from the mesh PKI), so the same composition runs with mutual TLS in the mesh and plaintext in
 * tests that ask for it.
 */
import type { ChannelCredentials, ServerCredentials } from "@grpc/grpc-js";
import type { Logger } from "pino";
import { CertificationService } from "#gen/novabox/certification/v1/certification_service_pb.js";
import { AlertService } from "#gen/novabox/alert/v1/alert_service_pb.js";
import { ConsultationService } from "#gen/novabox/consultation/v1/consultation_service_pb.js";
import { DiscoveryService } from "#gen/novares/discovery/v1/discovery_service_pb.js";
import { createGrpcServer, grpcPassThroughService, grpcService } from "#shared/rpc/grpc-server.js";
import { createHealthService, ServingStatus } from "#shared/rpc/health.js";
import { createObservability, type Observability } from "#shared/runtime/observability.js";
import { createOpsHttpHandler, startOpsHttpServer, type OpsHttpServer } from "#shared/rpc/ops-http.js";
import { createEmbeddedRegistry } from "../domain/embedded-registry.js";
import type { MeshPeerCheck } from "#shared/mesh/mesh-tls.js";
import { grpcMethodPath } from "#shared/rpc/grpc-adapter.js";
import type { Clock } from "../domain/model.js";
import type { InstanceRegistry, RegistryKind } from "../domain/registry.js";
import { createRoutingTable, type RoutingTable } from "../domain/routing-table.js";
import { createDiscoveryHandlers } from "../handlers/discovery-handlers.js";
import { encodeListInstancesResponse } from "../handlers/discovery-mappers.js";
import { createForwardingHandlers } from "../handlers/forwarding-handlers.js";
import { createBoxPool } from "./box-pool.js";
import { createBoxSessions } from "./box-sessions.js";
import { createFramesBoxSessions } from "./h2/frames-box-sessions.js";
import { createFramesForwarder } from "./h2/frames-forwarder.js";
import { startFramesListener } from "./h2/frames-listener.js";
import { createHttp2Forwarder, type ForwardingHandler } from "./http2-forwarder.js";
import { rawUnaryHandler } from "./raw-unary.js";
import { createPeerHandoff, startRouterListener, type RouterListener } from "./router-listener.js";
import type { MeshTls } from "#shared/mesh/mesh-tls.js";
import { createConsulDirectory } from "./consul-directory.js";
import Consul from "consul";
import { createConsulHttp } from "./consul-http.js";
import { createRouterTelemetry } from "./router-telemetry.js";
import { AuditWitnessService } from "#gen/novares/witness/v1/witness_service_pb.js";
import { createAuditWitness, type AuditWitness } from "../domain/audit-witness.js";
import { createMemoryCheckpointStore, type CheckpointStore } from "../domain/checkpoint-store.js";
import { createWitnessHandlers } from "../handlers/witness-handlers.js";
import { createCheckpointVerifier } from "./checkpoint-verifier.js";
import { createConsulCheckpointStore } from "./consul-checkpoint-store.js";
import { createFileCheckpointStore } from "./file-checkpoint-store.js";

/** How to reach Consul and how the directory there is kept (server/consul-directory.ts). */
export interface RouterConsulOptions {
  host: string;
  port: number;
  /** HTTPS to the agent (default false). */
  secure?: boolean;
  /** ACL token (CONSUL_HTTP_TOKEN). */
  token?: string;
  /** Unique per router (default: host name, pid and a random suffix). */
  routerId?: string;
  /** How often the owning router probes each instance (default 10 000 ms). */
  probeIntervalMs?: number;
  /** Longest probe period of an instance its announcements vouch for (default 6 × probeIntervalMs). */
  servingProbeIntervalMs?: number;
  /** How often the router publishes its heartbeat batch (default 5 000 ms). */
  heartbeatIntervalMs?: number;
  /** How long an instance stays critical before it is deregistered (default 60 000 ms). */
  deregisterAfterMs?: number;
  /** Blocking-query wait in seconds (default 60). */
  waitSeconds?: number;
}

/** Options of {@link startRouter}. */
export interface StartRouterOptions {
  logger: Logger;
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 = any free port (default 0). */
  port?: number;
  /**
   * Insecure grpc-js credentials for a plaintext router (development, tests); with mutual TLS the
   * listener takes its certificate from {@link meshIdentity}, so secure credentials without it are refused.
   */
  serverCredentials: ServerCredentials;
  /** What the router presents to boxes. */
  boxCredentials: ChannelCredentials;
  /**
   * The mesh's mutual TLS (the reloading credentials of mesh-tls.ts): the listener's certificate and
   * CA, and the identity checks — Announce/Withdraw only for the Comune and workstation the caller's
   * certificate names, and every connection to a box checks the box's certificate names the Comune
   * it is dialed for. Omitted only for a plaintext router (development, tests).
   */
  meshIdentity?: Pick<MeshTls, "clientExpecting" | "material" | "onChange">;
  /** Use Consul as the registry; omitted = the embedded registry. */
  consul?: RouterConsulOptions;
  /** `next_announce_in` told to boxes (default 10 000 ms). */
  announceIntervalMs?: number;
  /** `expires_after` told to boxes, the TTL (default 30 000 ms). */
  expiresAfterMs?: number;
  /** Embedded registry: how often every box's health is checked (default 2 000 ms). */
  healthCheckIntervalMs?: number;
  /** Embedded registry: deadline of one health probe (default 1 500 ms). */
  probeTimeoutMs?: number;
  /** Deadline of a forwarded call whose caller set none (default 120 000 ms). */
  defaultDeadlineMs?: number;
  /** Default: the system clock. */
  clock?: Clock;
  /** Traces, metrics and access log; default: metrics and access log, no trace export. */
  observability?: Observability;
  /** Port of the HTTP listener for /metrics, /healthz and /readyz (0 = any free port); omitted = none. */
  opsPort?: number;
  /**
   * The audit witness: keeps the signed checkpoints boxes send with their announcements, checked
   * against the mesh CA of {@link meshIdentity} (required with it); the checkpoints go to Consul's KV
   * store when the router runs on Consul, else to files under `dir` (in memory only, with a warning,
   * without one). Omitted = checkpoints are ignored.
   */
  witness?: { dir?: string; maxCheckpoints?: number };
  /**
   * The forwarding data plane: "frames" (default) — the router's own HTTP/2 connection engine
   * (h2/h2-connection.ts) on its port and towards the boxes; "node-http2" — node:http2 sessions
   * (router-listener.ts, http2-forwarder.ts, box-sessions.ts), the earlier data plane, kept selectable.
   */
  dataPlane?: RouterDataPlane;
}

/** The router's forwarding data planes (see {@link StartRouterOptions.dataPlane}). */
export type RouterDataPlane = "frames" | "node-http2";
/** The data plane when none is chosen. */
export const defaultDataPlane: RouterDataPlane = "frames";

/** A running router. */
export interface RunningRouter {
  /** The bound port. */
  readonly port: number;
  readonly registry: RegistryKind;
  /** The routing table (read-only use: diagnostics and tests). */
  readonly table: RoutingTable;
  /** Where witnessed checkpoints are kept, when the witness is on. */
  readonly witnessStore: CheckpointStore["kind"] | undefined;
  /** Channels to boxes open now (one per box address in the table that was called or probed). */
  readonly openChannels: number;
  /** The ops listener's port (/metrics, /healthz, /readyz), when one was asked for. */
  readonly opsPort: number | undefined;
  readonly observability: Observability;
  /** Health NOT_SERVING, drain, stop the registry, close the channels to boxes. */
  close(): Promise<void>;
}

/** Starts a router and resolves when it serves (after the first Consul answer, or its timeout). */
export async function startRouter(options: StartRouterOptions): Promise<RunningRouter> {
  const { logger } = options;
  const clock = options.clock ?? (() => new Date());
  const table = createRoutingTable({ clock });
  const observability =
    options.observability ??
    createObservability({ service: "router", accessLog: logger.child({ component: "access" }) });
  const telemetry = createRouterTelemetry({ observability, table });
  const mesh = options.meshIdentity;
  if (!mesh && options.serverCredentials._isSecure())
    throw new Error(
      "a router on TLS takes its certificate from meshIdentity (createMeshTls): pass it, or insecure credentials for a plaintext router",
    );
  const frames = (options.dataPlane ?? defaultDataPlane) === "frames";
  const sessions = (frames ? createFramesBoxSessions : createBoxSessions)({
    ...(mesh ? { tls: () => mesh.material(), checkIdentity: true } : {}),
    observability,
    logger: logger.child({ component: "box-sessions" }),
  });
  const pool = createBoxPool({
    credentials: options.boxCredentials,
    interceptors: [observability.grpcClientInterceptor],
    ...(mesh ? { credentialsFor: (check: MeshPeerCheck) => mesh.clientExpecting(check) } : {}),
    logger: logger.child({ component: "box-pool" }),
    ...(options.probeTimeoutMs ? { probeTimeoutMs: options.probeTimeoutMs } : {}),
    // On Consul a router probes its share of the whole country: no kept grpc-js channel per box
    // (forwarded calls use box-sessions.ts, so every probe there is transient).
    transientProbes: options.consul !== undefined,
    ...(mesh ? { tls: () => mesh.material() } : {}),
  });
  const registryLogger = logger.child({ component: "registry" });
  const timing = {
    ...(options.announceIntervalMs ? { announceIntervalMs: options.announceIntervalMs } : {}),
    ...(options.expiresAfterMs ? { expiresAfterMs: options.expiresAfterMs } : {}),
  };
  let registry: InstanceRegistry;
  let consulClient: Consul | undefined;
  if (options.consul) {
    const c = options.consul;
    consulClient = new Consul({
      host: c.host,
      port: c.port,
      secure: c.secure ?? false,
      ...(c.token ? { defaults: { token: c.token } } : {}),
    });
    registry = createConsulDirectory({
      consul: createConsulHttp({
        baseUrl: `${c.secure ? "https" : "http"}://${c.host.includes(":") ? `[${c.host}]` : c.host}:${c.port}`,
        ...(c.token ? { token: c.token } : {}),
      }),
      table,
      clock,
      logger: registryLogger,
      probe: pool.probe,
      ...(c.routerId ? { routerId: c.routerId } : {}),
      ...(c.probeIntervalMs ? { probeIntervalMs: c.probeIntervalMs } : {}),
      ...(c.servingProbeIntervalMs ? { servingProbeIntervalMs: c.servingProbeIntervalMs } : {}),
      ...(c.heartbeatIntervalMs ? { heartbeatIntervalMs: c.heartbeatIntervalMs } : {}),
      ...(c.deregisterAfterMs ? { deregisterAfterMs: c.deregisterAfterMs } : {}),
      ...(c.waitSeconds ? { waitSeconds: c.waitSeconds } : {}),
      onSync: (outcome) => telemetry.onSync(outcome),
      ...timing,
    });
  } else {
    registry = createEmbeddedRegistry({
      table,
      clock,
      probe: pool.probe,
      logger: registryLogger,
      ...(options.healthCheckIntervalMs ? { checkIntervalMs: options.healthCheckIntervalMs } : {}),
      ...timing,
    });
  }
  registry = telemetry.countAnnouncements(registry);

  const addressOf = new Map<string, string>();
  const users = new Map<string, number>();
  const release = (address: string) => {
    const left = (users.get(address) ?? 1) - 1;
    if (left > 0) return void users.set(address, left);
    users.delete(address);
    pool.release(address);
    sessions.release(address);
  };
  const unsubscribe = table.subscribe((event) => {
    const id = event.instance.instanceId;
    const before = addressOf.get(id);
    if (event.type === "removed") {
      addressOf.delete(id);
      if (before) release(before);
      return;
    }
    const address = pool.keyOf(event.instance);
    if (before === address) return;
    addressOf.set(id, address);
    users.set(address, (users.get(address) ?? 0) + 1);
    if (before) release(before);
  });
  const logChanges = table.subscribe((event) =>
    logger.debug(
      {
        event: event.type,
        instanceId: event.instance.instanceId,
        comuneCode: event.instance.comuneCode,
        health: event.instance.health,
      },
      "directory change",
    ),
  );

  let witness: AuditWitness | undefined;
  let witnessStore: CheckpointStore | undefined;
  if (options.witness) {
    if (!mesh)
      throw new Error("the audit witness checks checkpoints against the mesh CA: pass meshIdentity with witness");
    const witnessMesh = mesh;
    witnessStore = consulClient
      ? createConsulCheckpointStore(consulClient)
      : options.witness.dir
        ? createFileCheckpointStore(options.witness.dir)
        : createMemoryCheckpointStore();
    if (witnessStore.kind === "memory")
      logger.warn(
        {},
        "audit witness without ROUTER_WITNESS_DIR: checkpoints are kept in memory only and lost when the router stops",
      );
    witness = createAuditWitness({
      store: witnessStore,
      verify: createCheckpointVerifier(() => witnessMesh.material().ca.toString("utf8")),
      clock,
      ...(options.witness.maxCheckpoints ? { maxCheckpoints: options.witness.maxCheckpoints } : {}),
    });
  }

  const stop = new AbortController();
  const forwarding = createForwardingHandlers({
    table,
    channels: {
      channel: (instance) => sessions.channel(instance),
      // A box whose certificate names another Comune may be known only to the health probes (never
      // SERVING, so never dialed by the forwarder): either refusal is the answer.
      identityRefusal: (instance) => sessions.identityRefusal(instance) ?? pool.identityRefusal?.(instance),
    },
    reportUnavailable: (id) => registry.reportUnavailable(id),
    logger: logger.child({ component: "forwarding" }),
    annotate: (facts) => observability.annotate(facts),
    ...(options.defaultDeadlineMs ? { defaultDeadlineMs: options.defaultDeadlineMs } : {}),
    enforceCallerRoles: mesh !== undefined,
  });
  const servedServices = [
    DiscoveryService.typeName,
    CertificationService.typeName,
    ConsultationService.typeName,
    AlertService.typeName,
  ];
  // NOT_SERVING until the routing table has synchronised with the registry once (readiness).
  const health = createHealthService({
    statuses: Object.fromEntries(["", ...servedServices].map((name) => [name, ServingStatus.NOT_SERVING])),
  });
  void telemetry.firstSync.then(() => {
    if (!stop.signal.aborted) health.setAll(ServingStatus.SERVING);
  });
  const discovery = createDiscoveryHandlers({
    registry,
    stopSignal: stop.signal,
    enforceAnnouncerIdentity: mesh !== undefined,
    logger: logger.child({ component: "discovery" }),
    ...(witness ? { witness } : {}),
  });
  const handoff = createPeerHandoff();
  const forwarded = new Map<string, ForwardingHandler>();
  // Announce, every box every 10 s, is served on the listener's raw path by the same handler the
  // grpc-js server has (raw-unary.ts): relaying it to grpc-js cost more than the announcement.
  forwarded.set(
    grpcMethodPath(DiscoveryService.method.announce),
    rawUnaryHandler(
      DiscoveryService.method.announce,
      (request, context) => discovery.announce(request, context),
      logger,
    ),
  );
  // ListInstances too: a page is up to 5,000 instances (~0.5 MB), which the relay copied through two
  // more HTTP/2 connections and their flow-control windows inside the process; a router joining a
  // national directory took seconds to serve its first full listing (bench/directory-scale).
  forwarded.set(
    grpcMethodPath(DiscoveryService.method.listInstances),
    rawUnaryHandler(
      DiscoveryService.method.listInstances,
      (request, context) => discovery.listInstances(request, context),
      logger,
      encodeListInstancesResponse,
    ),
  );
  for (const [service, handlers] of [
    [CertificationService, forwarding.certification],
    [ConsultationService, forwarding.consultation],
    [AlertService, forwarding.alert],
  ] as const)
    for (const method of service.methods)
      if (handlers[method.name]) forwarded.set(grpcMethodPath(method), handlers[method.name] as ForwardingHandler);
  const forwarderOptions = { handlers: forwarded, observability };
  // Every other service runs on grpc-js behind the listener (router-listener.ts). The forwarded
  // services are registered without handlers only so that reflection describes them: their
  // streams never reach grpc-js.
  const grpc = createGrpcServer({
    logger,
    health,
    observability,
    serverOptions: { interceptors: [handoff.interceptor] },
    services: [
      grpcService(DiscoveryService, discovery),
      ...(witness ? [grpcService(AuditWitnessService, createWitnessHandlers(witness))] : []),
      grpcPassThroughService(CertificationService, {}),
      grpcPassThroughService(ConsultationService, {}),
      grpcPassThroughService(AlertService, {}),
    ],
  });

  await registry.start();
  if (registry.kind === "embedded") telemetry.markSynced();
  let listener: RouterListener;
  let ops: OpsHttpServer | undefined;
  try {
    const listenerOptions = {
      host: options.host ?? "127.0.0.1",
      port: options.port ?? 0,
      ...(mesh ? { tls: mesh } : {}),
      grpc: grpc.server,
      handoff,
      logger,
    };
    listener = frames
      ? await startFramesListener({ ...listenerOptions, forwarder: createFramesForwarder(forwarderOptions) })
      : await startRouterListener({ ...listenerOptions, forwarder: createHttp2Forwarder(forwarderOptions) });
    if (options.opsPort !== undefined) {
      ops = await startOpsHttpServer(
        createOpsHttpHandler({ observability, readiness: () => telemetry.readiness() }),
        options.host ?? "127.0.0.1",
        options.opsPort,
      );
    }
  } catch (err) {
    await grpc.shutdown(0);
    await registry.close();
    pool.close();
    sessions.close();
    throw err;
  }

  let closing: Promise<void> | undefined;
  return {
    port: listener.port,
    registry: registry.kind,
    table,
    witnessStore: witnessStore?.kind,
    get openChannels() {
      return pool.size;
    },
    opsPort: ops?.port,
    observability,
    close() {
      closing ??= (async () => {
        stop.abort();
        await ops?.close();
        health.setAll(ServingStatus.NOT_SERVING);
        await listener.close(5_000);
        await grpc.shutdown(0);
        await registry.close();
        unsubscribe();
        logChanges();
        pool.close();
        sessions.close();
        if (!options.observability) await observability.close();
      })();
      return closing;
    },
  };
}
