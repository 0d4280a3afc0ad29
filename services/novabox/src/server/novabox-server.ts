/**
 * Composes a running Novabox: the SQLite store under ANPR_HOME, the ANPR client factory, the domain
 * services, and the two listeners — gRPC (Certification, Consultation, Config, reflection, health)
 * for Novares and operators, HTTP (Connect / gRPC-web ConfigService and the admin UI) for browsers.
 * Health stays NOT_SERVING until the box is configured and ANPR's TestConn passes; the box announces
 * itself to Novares once an address is configured, and keeps serving when Novares is unreachable.
 */
import { randomUUID } from "node:crypto";
import { Client, credentials } from "@grpc/grpc-js";
import type { Logger } from "pino";
import { CertificationService } from "#gen/novabox/certification/v1/certification_service_pb.js";
import { ConsultationService } from "#gen/novabox/consultation/v1/consultation_service_pb.js";
import { ConfigService } from "#gen/novabox/config/v1/config_service_pb.js";
import { AccountService } from "#gen/novabox/account/v1/account_service_pb.js";
import { AlertService } from "#gen/novabox/alert/v1/alert_service_pb.js";
import { DiscoveryService } from "#gen/novares/discovery/v1/discovery_service_pb.js";
import { addConnectService } from "#shared/rpc/connect-adapter.js";
import { createGrpcClient } from "#shared/rpc/grpc-adapter.js";
import { createGrpcServer, grpcService } from "#shared/rpc/grpc-server.js";
import { createMeshPeerGuard } from "#shared/mesh/mesh-peer-guard.js";
import { expectMeshPeer, type MeshTls } from "#shared/mesh/mesh-tls.js";
import { createHealthService, ServingStatus } from "#shared/rpc/health.js";
import { createSsoKeySet } from "#shared/mesh/sso-key-set.js";
import { createObservability, type Observability } from "#shared/runtime/observability.js";
import { createOpsHttpHandler } from "#shared/rpc/ops-http.js";
import { openNovaboxStore } from "../store/index.js";
import { createAccountService } from "../domain/account-service.js";
import { createAdminService } from "../domain/admin-service.js";
import { fromServiceError, GrpcCode } from "#shared/rpc/grpc-status.js";
import { createAnnouncer, type Announcer } from "../domain/announcer.js";
import { createAnprHealthMonitor, type HealthVerdict } from "../domain/anpr-health-monitor.js";
import { createCertificationService } from "../domain/certification-service.js";
import { createConfigService, isWildcardHost } from "../domain/config-service.js";
import { createConsultationService } from "../domain/consultation-service.js";
import { createMeshAlertService } from "../domain/mesh-alerts.js";
import { createRateLimiter } from "../domain/rate-limiter.js";
import { createBoxSsoVerifier } from "../domain/sso.js";
import { createAccountHandlers } from "../handlers/account-handlers.js";
import { createCertificationHandlers } from "../handlers/certification-handlers.js";
import { createConfigHandlers } from "../handlers/config-handlers.js";
import { createConsultationHandlers } from "../handlers/consultation-handlers.js";
import { createAlertHandlers } from "../handlers/alert-handlers.js";
import {
  accountPolicies,
  alertPolicies,
  certificationPolicies,
  configPolicies,
  consultationPolicies,
  createBoxAuth,
} from "../handlers/auth.js";
import { createAnprGatewayFactory, missingForAnpr } from "./anpr-gateway.js";
import { checkAnprHealth } from "./anpr-health-check.js";
import { createBoxTelemetry } from "./box-telemetry.js";
import { createHttpListener } from "./http-listener.js";
import { resolveAdminDoor, type AdminDoorOptions } from "./admin-tls.js";
import { renderMonthlyAccountPdf } from "../report/monthly-account-pdf.js";
import { meshSigningIdentityOf } from "#shared/mesh/audit-checkpoint.js";
import { createAuditAnalyzer } from "../domain/audit-analysis.js";
import { createAuditEvidence } from "../domain/audit-evidence.js";
import { createAuditLookup } from "../store/audit-lookup.js";
import { createMeshNotary, createWitnessSource } from "./audit-witness-client.js";

/** The version announced to Novares. */
export const novaboxVersion = "0.1.0";

/** Options for {@link startNovabox}. */
export interface StartNovaboxOptions {
  logger: Logger;
  /** ANPR_HOME: the only place the box writes. */
  home: string;
  host: string;
  /** 0 = any free port. */
  grpcPort: number;
  httpPort: number;
  /** NOVABOX_SECRET_KEY (32 bytes); default: the key file in ANPR_HOME. */
  secretKey?: Uint8Array;
  /** The admin UI build to serve. */
  webDir?: string;
  anprTimeoutMs?: number;
  /** The largest ANPR answer read, in bytes (default 20 MB), enforced while streaming. */
  anprMaxAnswerBytes?: number;
  /** How often requests whose outcome at ANPR is unknown are settled (default 30 000 ms). */
  settleIntervalMs?: number;
  /**
   * Refresh of the SSO's JWK Set when the settings name a JWKS URL: periodic (default 300 000 ms),
   * and at most once per `minRefetchIntervalMs` on an unknown `kid` (default 30 000 ms).
   */
  ssoJwks?: { refreshIntervalMs?: number; minRefetchIntervalMs?: number };
  /**
   * How the admin panel is served (admin-tls.ts): default `auto` = HTTPS with a certificate
   * generated on first start in ANPR_HOME, unless `host` is a loopback address; `certFile` and
   * `keyFile` give the Comune's own certificate.
   */
  adminTls?: Omit<AdminDoorOptions, "home" | "host">;
  /**
   * The box's mesh credentials, loaded once by the process (mesh-tls.ts, following renewals): the
   * gRPC listener's (client certificates of the mesh CA required), the ones it presents when it
   * announces to Novares (checking it talks to the Novares router), the key that signs its audit
   * checkpoints and exports, and the CA the witness's checkpoints must chain to. With mesh TLS,
   * Certification and Consultation serve only callers whose certificate names the Novares router or
   * gateway. Omitted = plaintext, which main.ts allows only with NOVABOX_MESH_PLAINTEXT=true: nothing
   * is signed and VerifyAuditLog has no witness to compare with.
   */
  mesh?: Pick<MeshTls, "server" | "client" | "clientExpecting" | "material">;
  /** How often the audit-log analysis runs (default 15 minutes). */
  analysisIntervalMs?: number;
  /** Traces, metrics and access log; default: metrics and access log, no trace export. */
  observability?: Observability;
  /** How often ANPR is re-checked while it answers (default 60 000 ms). */
  anprCheckIntervalMs?: number;
  /** The longest wait between checks while ANPR fails (default 300 000 ms). */
  anprCheckMaxBackoffMs?: number;
}

/** A running box. */
export interface RunningNovabox {
  grpcPort: number;
  httpPort: number;
  /** "https" or "http" (loopback only). */
  httpScheme: "http" | "https";
  /** The admin panel certificate's SHA-256 fingerprint, with HTTPS. */
  adminTlsFingerprint?: string;
  /** Why the box is NOT_SERVING, or undefined while it serves. */
  readonly notServingReason: string | undefined;
  close(): Promise<void>;
}

const dayMs = 86_400_000;

/** Starts a Novabox and resolves when both listeners are up. */
export async function startNovabox(options: StartNovaboxOptions): Promise<RunningNovabox> {
  const { logger } = options;
  const clock = () => new Date();
  // Before anything listens: a plain-HTTP panel on a network address is refused here.
  const door = await resolveAdminDoor({ home: options.home, host: options.host, mode: "auto", ...options.adminTls });
  if (door.scheme === "https") {
    logger.info(
      { fingerprint: door.fingerprint, origin: door.origin, notAfter: door.notAfter.toISOString() },
      door.origin === "provided"
        ? "admin panel over HTTPS with the Comune's certificate"
        : "admin panel over HTTPS with a certificate generated by this box: compare this SHA-256 fingerprint with the one your browser shows before accepting it",
    );
  } else {
    logger.info({ host: options.host }, "admin panel over plain HTTP on a loopback address only");
  }
  const store = openNovaboxStore({
    home: options.home,
    ...(options.secretKey ? { secretKey: options.secretKey } : {}),
  });
  const settings = () => store.config.getSettings();
  const observability =
    options.observability ??
    createObservability({ service: "novabox", accessLog: logger.child({ component: "access" }) });
  let checkAnprSoon = () => undefined as void;
  let recheckIfDown = () => undefined as void;
  const telemetry = createBoxTelemetry({
    observability,
    onAnprUnavailable: () => checkAnprSoon(),
    onAnprAnswered: () => recheckIfDown(),
  });
  const audit = telemetry.instrumentAudit(store.audit);
  observability.watchCertificate(
    "workstation",
    "workstation",
    () => store.config.workstationCertificateSummary()?.notAfter,
  );
  observability.watchCertificate("anpr_ca", "anpr_ca", () => store.config.caCertificateSummary()?.notAfter);
  const gateway = createAnprGatewayFactory({
    config: store.config,
    counter: store.operationCounter,
    ...(options.anprTimeoutMs ? { timeoutMs: options.anprTimeoutMs } : {}),
    ...(options.anprMaxAnswerBytes ? { maxAnswerBytes: options.anprMaxAnswerBytes } : {}),
  });
  const limiter = createRateLimiter({ settings, clock });
  const ssoLogger = logger.child({ component: "sso" });
  const sso = createBoxSsoVerifier({
    settings,
    clock,
    createKeySet: (source) =>
      createSsoKeySet({
        source,
        clock,
        background: true,
        ...(options.ssoJwks?.refreshIntervalMs ? { refreshIntervalMs: options.ssoJwks.refreshIntervalMs } : {}),
        ...(options.ssoJwks?.minRefetchIntervalMs !== undefined
          ? { minRefetchIntervalMs: options.ssoJwks.minRefetchIntervalMs }
          : {}),
        onFetch: (outcome) =>
          outcome.ok
            ? ssoLogger.info({ kids: outcome.kids }, "SSO key set fetched")
            : ssoLogger.warn({ problem: outcome.error }, "SSO key set could not be fetched: keeping the last good set"),
      }),
  });
  const anpr = async () => telemetry.instrumentAnpr(await gateway.current());
  const admin = createAdminService({ admins: store.admin, audit, sessionKey: store.sessionKey(), clock });
  const domainLogger = logger.child({ component: "domain" });
  const certification = createCertificationService({
    anpr,
    settings,
    audit,
    idempotency: store.idempotency,
    pending: store.pending,
    atomically: store.atomically,
    limiter,
    clock,
    newRequestId: randomUUID,
    logger: { error: (obj, msg) => domainLogger.error(obj, msg) },
  });
  const consultation = createConsultationService({ anpr, settings, audit, limiter, clock, newRequestId: randomUUID });
  const mesh = options.mesh;
  const evidence = createAuditEvidence({
    audit,
    lookup: createAuditLookup(store.db, store.auditChain),
    settings,
    clock,
    ...(mesh ? { notary: createMeshNotary(meshSigningIdentityOf(() => mesh.material())) } : {}),
    witness: () => {
      const address = settings().novaresDiscoveryAddress;
      if (!mesh || !address) return undefined;
      return createWitnessSource({ address, credentials: mesh.client, caPem: mesh.material().ca.toString("utf8") });
    },
  });
  const analyzer = createAuditAnalyzer({ audit, clock });

  const anprServices = [CertificationService.typeName, ConsultationService.typeName];
  const health = createHealthService({
    statuses: {
      "": ServingStatus.NOT_SERVING,
      [CertificationService.typeName]: ServingStatus.NOT_SERVING,
      [ConsultationService.typeName]: ServingStatus.NOT_SERVING,
      [ConfigService.typeName]: ServingStatus.SERVING,
      [AccountService.typeName]: ServingStatus.SERVING,
      [AlertService.typeName]: ServingStatus.SERVING,
    },
  });
  const setAnprStatus = (status: ServingStatus) => {
    health.setStatus("", status);
    for (const service of anprServices) health.setStatus(service, status);
  };
  let announcer: Announcer | undefined;
  /** SERVING while configured and ANPR's TestConn passes, re-checked periodically (anpr-health-monitor.ts). */
  const monitor = createAnprHealthMonitor({
    check: () => checkAnprHealth({ config: store.config, anpr, clock }),
    onChange: (verdict: HealthVerdict) => {
      setAnprStatus(verdict.serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
      telemetry.healthChanged(verdict);
      if (verdict.serving) logger.info({}, "ANPR check passed: SERVING");
      else logger.warn({ reason: verdict.reason, detail: verdict.detail }, "NOT_SERVING");
      announcer?.trigger();
    },
    ...(options.anprCheckIntervalMs ? { intervalMs: options.anprCheckIntervalMs } : {}),
    ...(options.anprCheckMaxBackoffMs ? { maxBackoffMs: options.anprCheckMaxBackoffMs } : {}),
  });
  checkAnprSoon = () => {
    if (monitor.current.serving) void monitor.checkNow();
  };
  // ANPR answered a real call while the box says NOT_SERVING (e.g. after an outage, during the
  // backoff): check now, so the box serves again without waiting for its next interval. At most one
  // such check every 5 s, so a box that stays NOT_SERVING (a clock skew ANPR still tolerates) does
  // not add a TestConn to every call.
  let recheckAt = 0;
  recheckIfDown = () => {
    const now = Date.now();
    if (monitor.current.serving || now < recheckAt) return;
    recheckAt = now + 5_000;
    void monitor.checkNow();
  };
  const checkReadiness = () => monitor.checkNow();

  let grpcPort = 0;
  let discoveryChannel: Client | undefined;
  /** One announcement with the current settings (the loop's, and the panel's test); undefined = no discovery address. */
  let announceNow: (() => Promise<{ instanceId: string; nextInMs: number; serving: boolean }>) | undefined;
  /** Where the router will dial this box; undefined while it cannot be said (all interfaces, no advertised host). */
  const advertisedAddress = (s: { advertisedHost: string; advertisedPort: number }) => {
    const host = s.advertisedHost || (isWildcardHost(options.host) ? undefined : options.host);
    return host ? { host, port: s.advertisedPort || grpcPort } : undefined;
  };
  /** The entry id the witness reported last: the next checkpoint reports its hash now. */
  let witnessedThroughId = 0;
  const restartAnnouncer = () => {
    announcer?.stop();
    discoveryChannel?.close();
    announcer = undefined;
    announceNow = undefined;
    const s = settings();
    if (!s.novaresDiscoveryAddress || !s.comuneCode) return;
    if (!advertisedAddress(s)) {
      // Listening on all interfaces without an advertised host: announcing 127.0.0.1 would send the
      // router to itself. The panel shows ADVERTISED_HOST_MISSING until the administrator sets it.
      logger.warn(
        { listen: options.host },
        "not announcing to Novares: this box listens on all interfaces and has no advertised_host",
      );
      return;
    }
    const discoveryCredentials = mesh
      ? mesh.clientExpecting(expectMeshPeer({ roles: ["router"] }))
      : credentials.createInsecure();
    discoveryChannel = new Client(s.novaresDiscoveryAddress, discoveryCredentials, {
      interceptors: [observability.grpcClientInterceptor],
    });
    const discovery = createGrpcClient(DiscoveryService, discoveryChannel);
    const announceOnce = async () => {
      const current = settings();
      const target = advertisedAddress(current);
      if (!target) throw new Error("no advertised host: set advertised_host in the admin panel");
      const checkpoint = evidence.checkpoint("announce", witnessedThroughId);
      const verdict = monitor.current;
      const answer = await discovery
        .announce(
          {
            comuneCode: current.comuneCode,
            comuneName: current.comuneName,
            workstationCode: current.workstationId,
            host: target.host,
            port: target.port,
            version: novaboxVersion,
            ...(checkpoint ? { auditCheckpoint: checkpoint } : {}),
            healthReason: verdict.serving ? "" : `${verdict.reason}: ${verdict.detail}`.slice(0, 200),
          },
          { deadline: 5_000 },
        )
        .then(
          (a) => {
            telemetry.announced(true);
            return a;
          },
          (err: unknown) => {
            telemetry.announced(false);
            throw err;
          },
        );
      witnessedThroughId = Number(answer.witnessedThroughId);
      const next = answer.nextAnnounceIn;
      return {
        instanceId: answer.instanceId,
        serving: verdict.serving,
        nextInMs: next ? Number(next.seconds) * 1000 + Math.floor(next.nanos / 1e6) : 30_000,
      };
    };
    announceNow = announceOnce;
    announcer = createAnnouncer({
      announce: announceOnce,
      logger: {
        warn: (obj, msg) => logger.warn({ novares: s.novaresDiscoveryAddress, ...obj }, msg),
        info: (obj, msg) => logger.debug(obj, msg),
      },
    });
    announcer.start();
  };

  const configService = createConfigService({
    config: store.config,
    audit,
    clock,
    missingForAnpr: () => missingForAnpr(store.config),
    anpr,
    onChange: () => {
      void checkReadiness();
      restartAnnouncer();
    },
    logger: logger.child({ component: "config" }),
    ssoKeyStatus: () => sso.keyStatus(),
    listenHost: options.host,
    announceOnce: async () => {
      const target = advertisedAddress(settings());
      const advertised = target ? `${target.host}:${target.port}` : "";
      if (!announceNow)
        return {
          ok: false,
          advertisedAddress: advertised,
          statusCode: "FAILED_PRECONDITION",
          reason: "",
          message: "no announcement is configured",
        };
      try {
        const answer = await announceNow();
        return { ok: true, instanceId: answer.instanceId, serving: answer.serving, advertisedAddress: advertised };
      } catch (err) {
        const rpc = fromServiceError(err);
        return {
          ok: false,
          advertisedAddress: advertised,
          statusCode: GrpcCode[rpc.code] ?? String(rpc.code),
          reason: rpc.details.reason ?? "",
          message: rpc.message,
        };
      }
    },
    testCandidate: (candidate) => gateway.testCandidate(candidate),
    onAnprVerified: () => {
      monitor.report({ serving: true });
      restartAnnouncer();
    },
  });
  /**
   * The box's one auth step, run by each service before its handlers: the policy of every method is
   * named where the service is registered (tables in handlers/auth.ts). With mesh TLS, the
   * tobacconists' services and the alerts serve only the Novares router and gateway.
   */
  const auth = createBoxAuth({
    admin,
    sso,
    peerGuard: options.mesh ? createMeshPeerGuard({ roles: ["router", "gateway"], logger }) : undefined,
  });
  const accountHandlers = auth.guard(
    AccountService,
    createAccountHandlers({
      account: createAccountService({ audit, settings, renderPdf: renderMonthlyAccountPdf, newRequestId: randomUUID }),
      serviceFeeCents: () => settings().serviceFeeCents,
    }),
    accountPolicies,
  );
  const migrated = configService.migrateRetiredSettings();
  if (migrated) logger.warn({ code: migrated.code }, migrated.message);
  const configHandlers = auth.guard(
    ConfigService,
    createConfigHandlers({
      admin,
      config: configService,
      store: store.config,
      audit,
      clock,
      anprEndpoint: () => gateway.endpoint(),
      unsettledIssuances: () => store.pending.listUnsettled(500),
      evidence,
      analyzer,
    }),
    configPolicies,
  );

  const grpc = createGrpcServer({
    logger,
    health,
    observability,
    services: [
      grpcService(
        CertificationService,
        auth.guard(
          CertificationService,
          createCertificationHandlers({ certification, annotate: (facts) => observability.annotate(facts) }),
          certificationPolicies,
        ),
      ),
      grpcService(
        ConsultationService,
        auth.guard(
          ConsultationService,
          createConsultationHandlers({ consultation, annotate: (facts) => observability.annotate(facts) }),
          consultationPolicies,
        ),
      ),
      grpcService(ConfigService, configHandlers),
      grpcService(AccountService, accountHandlers),
      grpcService(
        AlertService,
        auth.guard(
          AlertService,
          createAlertHandlers({ alerts: createMeshAlertService({ audit, settings }) }),
          alertPolicies,
        ),
      ),
    ],
  });
  grpcPort = await grpc.listen(`${options.host}:${options.grpcPort}`, options.mesh?.server);
  const http = createHttpListener({
    ...(door.scheme === "https" ? { tls: door } : {}),
    routes: (router) => {
      addConnectService(router, ConfigService, configHandlers, logger);
      addConnectService(router, AccountService, accountHandlers, logger);
    },
    interceptors: [observability.connectInterceptor],
    ops: createOpsHttpHandler({
      observability,
      readiness: () => {
        const verdict = monitor.current;
        return verdict.serving ? { ready: true } : { ready: false, reason: `${verdict.reason}: ${verdict.detail}` };
      },
    }),
    ...(options.webDir ? { webDir: options.webDir } : {}),
  });
  const httpPort = await http.listen(options.httpPort, options.host);

  const purge = () => {
    try {
      const now = clock().getTime();
      const retentionDays = settings().logRetentionDays;
      // 0 = keep the audit log forever (Settings.log_retention_days).
      const removed = retentionDays > 0 ? store.audit.purge(new Date(now - retentionDays * dayMs)) : 0;
      store.idempotency.purgeOlderThan(new Date(now - 7 * dayMs));
      if (removed > 0) logger.info({ removed }, "audit log retention purge");
    } catch (err) {
      logger.error({ err }, "audit log retention purge failed");
    }
  };
  purge();
  const purgeTimer = setInterval(purge, dayMs);
  purgeTimer.unref();

  /** The settling task: unknown outcomes asked again with their own id while ANPR is reachable. */
  let settling: Promise<void> | undefined;
  const settle = () => {
    if (settling || missingForAnpr(store.config).length > 0 || store.pending.listUnsettled(1).length === 0) return;
    settling = certification
      .settleUnknownOutcomes()
      .then((report) => {
        if (report.recovered + report.refused + report.abandoned > 0)
          logger.info(report, "settled issuances whose outcome at ANPR was unknown");
      })
      .catch((err: unknown) => logger.error({ err }, "settling unknown outcomes failed"))
      .finally(() => (settling = undefined));
  };
  const settleTimer = setInterval(settle, options.settleIntervalMs ?? 30_000);
  settleTimer.unref();
  const analyse = () => {
    try {
      const found = analyzer.run();
      if (found.length > 0)
        logger.warn(
          { alerts: found.map((a) => ({ rule: a.rule, tobacconistId: a.tobacconistId })) },
          "audit log analysis raised anomaly alerts",
        );
    } catch (err) {
      logger.error({ err }, "audit log analysis failed");
    }
  };
  analyse();
  const analysisTimer = setInterval(analyse, options.analysisIntervalMs ?? 15 * 60_000);
  analysisTimer.unref();
  await monitor.start();
  restartAnnouncer();

  return {
    grpcPort,
    httpPort,
    httpScheme: door.scheme,
    ...(door.scheme === "https" ? { adminTlsFingerprint: door.fingerprint } : {}),
    get notServingReason() {
      const verdict = monitor.current;
      return verdict.serving ? undefined : `${verdict.reason}: ${verdict.detail}`;
    },
    async close() {
      const checked = monitor.stop();
      clearInterval(purgeTimer);
      clearInterval(analysisTimer);
      clearInterval(settleTimer);
      await settling;
      announcer?.stop();
      discoveryChannel?.close();
      await grpc.shutdown(5_000);
      await http.close();
      await checked;
      gateway.close();
      sso.close();
      store.close();
      if (!options.observability) await observability.close();
    },
  };
}
