/**
 * Composes a running gateway — the browsers' door into Novares: the SSO verifier (the real
 * issuer's public key, or the development SSO's own key pair), one grpc-js channel to the router
 * (mesh mutual TLS, or plaintext only when asked for explicitly), the forwarding handlers for
 * Certification, Consultation and the read-only Discovery view, and the HTTP/1.1 + h2c listeners.
 */
import { Client, credentials, type ChannelCredentials } from "@grpc/grpc-js";
import type { Logger } from "pino";
import { CertificationService } from "#gen/novabox/certification/v1/certification_service_pb.js";
import { ConsultationService } from "#gen/novabox/consultation/v1/consultation_service_pb.js";
import { AlertService } from "#gen/novabox/alert/v1/alert_service_pb.js";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { DiscoveryService } from "#gen/novares/discovery/v1/discovery_service_pb.js";
import { Health, HealthCheckResponse_ServingStatus } from "#gen/grpc/health/v1/health_pb.js";
import { addConnectReflection } from "#shared/rpc/connect-reflection.js";
import { addConnectService } from "#shared/rpc/connect-adapter.js";
import { DomainError } from "#shared/runtime/domain-error.js";
import { createGrpcClient } from "#shared/rpc/grpc-adapter.js";
import { createHealthService, ServingStatus } from "#shared/rpc/health.js";
import { createPublicKey } from "node:crypto";
import { calculateJwkThumbprint } from "jose";
import { createSsoKeySet, type SsoKeySet, type SsoKeySource } from "#shared/mesh/sso-key-set.js";
import { createObservability, type Observability } from "#shared/runtime/observability.js";
import { createOpsHttpHandler } from "#shared/rpc/ops-http.js";
import { expectMeshPeer, type MeshTls } from "#shared/mesh/mesh-tls.js";
import { createDevSsoIssuer, type DemoTobacconist } from "../domain/dev-sso.js";
import { createSsoVerifier } from "#shared/mesh/sso-verifier.js";
import { createDevSsoRoutes, type DevSsoRoutes } from "../handlers/dev-sso-routes.js";
import { consoleClientId, createDevOidcProvider } from "../domain/dev-oidc.js";
import { createDiscoveryHandlers } from "../handlers/discovery-handlers.js";
import { createCounterHandlers } from "../handlers/counter-handlers.js";
import {
  certificationPolicies,
  consultationPolicies,
  counterPolicies,
  createGatewayAuth,
  discoveryPolicies,
} from "../handlers/auth.js";
import { CounterService } from "#gen/novares/counter/v1/counter_service_pb.js";
import { createMemoryQuotaStore } from "../domain/memory-quota-store.js";
import { createAlertDelivery } from "../domain/alert-delivery.js";
import { createQuotaGuard, type QuotaLimits, type QuotaStore } from "../domain/quota.js";
import { createRedisQuotaStore } from "./redis-quota-store.js";
import { createCertificationHandlers, createConsultationHandlers } from "../handlers/tobacconist-handlers.js";
import { createGatewayListeners } from "./listeners.js";
import { createRouterHealthMonitor } from "./router-health.js";
import { routerTarget } from "./router-target.js";
import { ensureDevSsoKeyPair } from "./sso-keys.js";

/** How the gateway reaches the router. Exactly one of `mesh` and `plaintext` must be set. */
export interface GatewayRouterOptions {
  /**
   * `host:port` of the routers' gRPC listener (a DNS name resolving to every router), or a
   * comma-separated list of IP `address:port`s: calls are balanced round-robin over the routers
   * whose connection is up (router-target.ts).
   */
  address: string;
  /**
   * The gateway's mesh credentials (mesh-tls.ts: ca.pem, gateway.pem, gateway-key.pem of MESH_TLS_DIR,
   * loaded once by the process and following renewals): mutual TLS with the router.
   */
  mesh?: Pick<MeshTls, "clientExpecting">;
  /** Cleartext to the router: development only, and only when asked for explicitly. */
  plaintext?: boolean;
}

/**
 * How tokens are verified. Exactly one of `jwksUrl` (production: the identity provider's rotating
 * JWK Set), `publicKeyPem` (one fixed key) and `devSsoDir` (development SSO: a key pair created
 * there, published as a JWK Set with its kid, and the /dev-sso endpoints) must be set.
 */
export interface GatewaySsoOptions {
  /** Expected `iss`. */
  issuer: string;
  /** Expected `aud`. */
  audience: string;
  /** The SSO issuer's RSA public key, PEM. */
  publicKeyPem?: string;
  /** The SSO issuer's JWKS URL: keys by kid, refreshed on an unknown kid (rate limited) and periodically. */
  jwksUrl?: string;
  /** Periodic refresh of the JWKS (default 300 000 ms). */
  jwksRefreshIntervalMs?: number;
  /** Least time between two fetches triggered by unknown kids (default 30 000 ms). */
  jwksMinRefetchIntervalMs?: number;
  /** Enables the development SSO with its key pair in this folder. */
  devSsoDir?: string;
  /** The development SSO's tobacconists; default the demo list TAB-0001..TAB-0005. */
  devTobacconists?: readonly DemoTobacconist[];
}

/** The console's OpenID Connect client settings. */
export interface ConsoleSignInOptions {
  /** The OpenID Connect issuer URL (its `/.well-known/openid-configuration` is fetched by the browser). */
  oidcIssuer: string;
  /** The console's client id at that issuer (a public client: PKCE, no secret). */
  oidcClientId: string;
}

/** The mesh-wide limits and where their counters live. */
export interface GatewayQuotaOptions {
  limits: QuotaLimits;
  /** Redis shared by every gateway replica (`redis://host:port`); omitted = in memory (one replica). */
  redisUrl?: string;
  /** Key prefix in Redis (default "nq"). */
  redisPrefix?: string;
  /** SSO subjects that are Novares operators (they see every tobacconist's alerts and account). */
  operatorIds?: readonly string[];
}

/** The default mesh-wide limits: looser than a box's defaults (30/min), so a box's limit bites first. */
export const defaultQuotaLimits: QuotaLimits = {
  perMinute: 60,
  perDay: 2000,
  massExtractionDistinctFiscalCodes: 200,
  massExtractionWindowSeconds: 3600,
};

/** Options for {@link startGateway}. */
export interface StartGatewayOptions {
  /** Mesh-wide limits (default {@link defaultQuotaLimits}, in memory). */
  quota?: GatewayQuotaOptions;
  logger: Logger;
  host: string;
  /** HTTP/1.1 listener (browsers); 0 = any free port. */
  port: number;
  /** h2c listener (gRPC clients); 0 = any free port. */
  h2cPort: number;
  router: GatewayRouterOptions;
  sso: GatewaySsoOptions;
  /** The Novares console build to serve. */
  webDir?: string;
  /**
   * Where the console signs tobacconists in (OpenID Connect, authorization code + PKCE), published
   * to it at `/console-config.json`. Default: the SSO issuer and the client `novares-console`.
   */
  console?: ConsoleSignInOptions;
  /** CORS origins; default any. */
  allowedOrigins?: readonly string[];
  /** The current time (tests). */
  clock?: () => Date;
  /** Traces, metrics and access log; default: metrics and access log, no trace export. */
  observability?: Observability;
  /** How often the router's health is checked for readiness (default 2 000 ms). */
  routerCheckIntervalMs?: number;
  /** How long one router health check may take before the router counts as unreachable (default 2 000 ms). */
  routerCheckTimeoutMs?: number;
}

/** A running gateway. */
export interface RunningGateway {
  /** The HTTP/1.1 port. */
  port: number;
  /** The h2c port. */
  h2cPort: number;
  /** True when the development SSO endpoints are served. */
  devSso: boolean;
  /** The development SSO's public key (PEM), when enabled. */
  devSsoPublicKeyPem?: string;
  /** The SSO key set in use (kids, stale or not). */
  readonly ssoKeys: SsoKeySet;
  readonly observability: Observability;
  /** Stops both listeners (dropping open connections) and closes the router channel. */
  close(): Promise<void>;
}

function routerCredentials(router: GatewayRouterOptions): ChannelCredentials {
  if (router.mesh && router.plaintext) {
    throw new DomainError(
      "invalid-input",
      "choose either mutual TLS to the router (MESH_TLS_DIR) or plaintext (MESH_PLAINTEXT=true), not both",
      { reason: "ROUTER_TLS_AMBIGUOUS" },
    );
  }
  if (router.mesh) return router.mesh.clientExpecting(expectMeshPeer({ roles: ["router"] }));
  if (router.plaintext) return credentials.createInsecure();
  throw new DomainError(
    "invalid-input",
    "no credentials for the router: set MESH_TLS_DIR to the mesh PKI folder, or MESH_PLAINTEXT=true for a development mesh",
    {
      reason: "ROUTER_TLS_MISSING",
    },
  );
}

/**
 * Readiness plus the SSO key set's state: a JWKS that could not be re-fetched keeps the last good
 * keys (the gateway still serves), and /readyz says so in `reason` for the operator.
 */
function withSsoKeyStatus(
  readiness: { ready: boolean; reason?: string },
  keys: SsoKeySet,
): { ready: boolean; reason?: string } {
  const status = keys.status();
  if (!status.stale) return readiness;
  const note = status.loadedAt
    ? `SSO key set stale (last good set from ${status.loadedAt.toISOString()} in use, kids ${status.kids.join(",")}): ${status.lastError ?? "not fetched"}`
    : `SSO key set never fetched, no token can be verified: ${status.lastError ?? "not fetched"}`;
  return {
    ready: readiness.ready && status.loadedAt !== undefined,
    reason: readiness.reason ? `${readiness.reason}; ${note}` : note,
  };
}

/** Starts the gateway and resolves when both listeners are up. */
export async function startGateway(options: StartGatewayOptions): Promise<RunningGateway> {
  const { logger, sso: ssoOptions } = options;
  const clock = options.clock ?? (() => new Date());
  if ([ssoOptions.publicKeyPem, ssoOptions.devSsoDir, ssoOptions.jwksUrl].filter(Boolean).length > 1) {
    throw new DomainError(
      "invalid-input",
      "choose one SSO key source: the development SSO (GATEWAY_DEV_SSO=true), the issuer's JWKS (GATEWAY_SSO_JWKS_URL) or its key file (GATEWAY_SSO_PUBLIC_KEY_FILE)",
      {
        reason: "SSO_AMBIGUOUS",
      },
    );
  }
  let source: SsoKeySource | undefined = ssoOptions.publicKeyPem
    ? { kind: "pem", pem: ssoOptions.publicKeyPem }
    : ssoOptions.jwksUrl
      ? { kind: "jwks-url", url: ssoOptions.jwksUrl }
      : undefined;
  let devSso: DevSsoRoutes | undefined;
  let publicKeyPem = ssoOptions.publicKeyPem;
  if (ssoOptions.devSsoDir) {
    const pair = await ensureDevSsoKeyPair(ssoOptions.devSsoDir);
    if (pair.created) logger.info({ dir: ssoOptions.devSsoDir }, "development SSO key pair created");
    publicKeyPem = pair.publicKeyPem;
    const jwk = createPublicKey(pair.publicKeyPem).export({ format: "jwk" });
    const kid = await calculateJwkThumbprint(jwk);
    const jwks = JSON.stringify({ keys: [{ ...jwk, kid, use: "sig", alg: "RS256" }] });
    const issuer = createDevSsoIssuer({
      privateKey: pair.privateKey,
      kid,
      issuer: ssoOptions.issuer,
      audience: ssoOptions.audience,
      clock,
      ...(ssoOptions.devTobacconists ? { tobacconists: ssoOptions.devTobacconists } : {}),
    });
    // The same issuer as an OpenID Connect provider: the console signs in through it (dev-oidc.ts).
    const oidc = createDevOidcProvider({ issuer, clock });
    devSso = createDevSsoRoutes({ issuer, oidc, publicKeyPem: pair.publicKeyPem, jwks, logger });
    // The same key-set path as production, from the JWK Set the development SSO publishes.
    source = { kind: "jwks", json: jwks };
  }
  if (!source) {
    throw new DomainError(
      "invalid-input",
      "no SSO key: set GATEWAY_SSO_JWKS_URL (or GATEWAY_SSO_PUBLIC_KEY_FILE) for the Novares SSO, or GATEWAY_DEV_SSO=true for development",
      {
        reason: "SSO_KEY_MISSING",
      },
    );
  }
  const ssoKeys = createSsoKeySet({
    source,
    clock,
    background: true,
    ...(ssoOptions.jwksRefreshIntervalMs ? { refreshIntervalMs: ssoOptions.jwksRefreshIntervalMs } : {}),
    ...(ssoOptions.jwksMinRefetchIntervalMs !== undefined
      ? { minRefetchIntervalMs: ssoOptions.jwksMinRefetchIntervalMs }
      : {}),
    onFetch: (outcome) =>
      outcome.ok
        ? logger.info({ kids: outcome.kids }, "SSO key set fetched")
        : logger.warn({ problem: outcome.error }, "SSO key set could not be fetched: keeping the last good set"),
  });
  await ssoKeys.refresh();
  const sso = createSsoVerifier({
    trust: () => ({ keys: ssoKeys, issuer: ssoOptions.issuer, audience: ssoOptions.audience }),
    clock,
  });

  const observability =
    options.observability ??
    createObservability({ service: "gateway", accessLog: logger.child({ component: "access" }) });
  const routers = routerTarget(options.router.address);
  const channel = new Client(routers.target, routerCredentials(options.router), {
    ...routers.options,
    interceptors: [observability.grpcClientInterceptor],
  });
  const handlerLogger = logger.child({ component: "handlers" });
  const quotaOptions = options.quota ?? { limits: defaultQuotaLimits };
  const quotaStore: QuotaStore = quotaOptions.redisUrl
    ? await createRedisQuotaStore({
        url: quotaOptions.redisUrl,
        ...(quotaOptions.redisPrefix ? { prefix: quotaOptions.redisPrefix } : {}),
      })
    : createMemoryQuotaStore();
  const alertClient = createGrpcClient(AlertService, channel);
  const alertDelivery = createAlertDelivery({
    sink: async (comuneCode, alert) => {
      await alertClient.reportMassExtraction(
        {
          comuneCode,
          alertId: alert.id,
          tobacconistId: alert.tobacconistId,
          raisedAt: timestampFromDate(alert.raisedAt),
          distinctFiscalCodes: alert.distinctFiscalCodes,
          windowSeconds: alert.windowSeconds,
          comuni: alert.comuni,
        },
        { deadline: 10_000 },
      );
    },
    logger: logger.child({ component: "alert-delivery" }),
  });
  // The mesh-wide mass-extraction rule's alerts, for deploy/prometheus/alerts.yml: counted by the
  // replica that raised the alert (the shared store raises each episode once, on one replica).
  const massExtractionAlerts = observability.metrics.counter({
    name: "gateway_mass_extraction_alerts_total",
    help: "Mass-extraction alerts this gateway raised (one tobacconist asking about too many different people across the Comuni).",
  });
  const quota = createQuotaGuard({
    store: quotaStore,
    limits: quotaOptions.limits,
    clock,
    onAlert: (alert) => {
      massExtractionAlerts.inc();
      logger.warn(
        {
          alertId: alert.id,
          tobacconistId: alert.tobacconistId,
          comuni: alert.comuni,
          windowSeconds: alert.windowSeconds,
        },
        "mass-extraction alert",
      );
      void alertDelivery.deliver(alert);
    },
  });
  const ledger = (entry: Parameters<QuotaStore["record"]>[0]) => quotaStore.record(entry);
  // grpc.health.v1 of the gateway: SERVING while its router is (readiness, for load balancers).
  const health = createHealthService({
    statuses: Object.fromEntries(
      ["", CertificationService.typeName, ConsultationService.typeName, DiscoveryService.typeName].map((name) => [
        name,
        ServingStatus.NOT_SERVING,
      ]),
    ),
  });
  const routerHealth = createGrpcClient(Health, channel);
  const routerCheckIntervalMs = options.routerCheckIntervalMs ?? 2_000;
  const routerCheckTimeoutMs = options.routerCheckTimeoutMs ?? 2_000;
  const readiness = createRouterHealthMonitor({
    intervalMs: routerCheckIntervalMs,
    // The probe's own deadline, not the interval: a short interval must not turn a loaded router's
    // slow answer into "unreachable" (probes never overlap: the next waits for this one).
    probe: async () =>
      (await routerHealth.check({ service: "" }, { deadline: routerCheckTimeoutMs })).status ===
      HealthCheckResponse_ServingStatus.SERVING,
    onChange: (r) => {
      health.setAll(r.ready ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
      if (r.ready) logger.info({}, "router SERVING: gateway ready");
      else logger.warn({ reason: r.reason }, "gateway not ready");
    },
  });
  /** The one auth step of every service the gateway serves (handlers/auth.ts). */
  const auth = createGatewayAuth({ sso });
  const listeners = createGatewayListeners({
    interceptors: [observability.connectInterceptor],
    ops: createOpsHttpHandler({ observability, readiness: () => withSsoKeyStatus(readiness.current(), ssoKeys) }),
    routes: (router) => {
      addConnectService(router, Health, health.implementation(), handlerLogger);
      addConnectService(
        router,
        CertificationService,
        auth.guard(
          CertificationService,
          createCertificationHandlers({
            router: createGrpcClient(CertificationService, channel),
            logger: handlerLogger,
            quota,
            ledger,
            clock,
            annotate: (facts) => observability.annotate(facts),
          }),
          certificationPolicies,
        ),
        handlerLogger,
      );
      addConnectService(
        router,
        ConsultationService,
        auth.guard(
          ConsultationService,
          createConsultationHandlers({
            router: createGrpcClient(ConsultationService, channel),
            logger: handlerLogger,
            quota,
            annotate: (facts) => observability.annotate(facts),
          }),
          consultationPolicies,
        ),
        handlerLogger,
      );
      addConnectService(
        router,
        CounterService,
        auth.guard(
          CounterService,
          createCounterHandlers({ store: quotaStore, operatorIds: quotaOptions.operatorIds ?? [] }),
          counterPolicies,
        ),
        handlerLogger,
      );
      addConnectService(
        router,
        DiscoveryService,
        auth.guard(
          DiscoveryService,
          createDiscoveryHandlers({ router: createGrpcClient(DiscoveryService, channel) }),
          discoveryPolicies,
        ),
        handlerLogger,
      );
      // grpcurl on the h2c listener: list, describe, and decode the details of every error.
      addConnectReflection(router, { services: [Health, CertificationService, ConsultationService, DiscoveryService] });
    },
    logger,
    ...(devSso ? { devSso } : {}),
    ...(options.webDir ? { webDir: options.webDir } : {}),
    consoleConfig: {
      oidc: {
        issuer: options.console?.oidcIssuer ?? ssoOptions.issuer,
        clientId: options.console?.oidcClientId ?? consoleClientId,
      },
    },
    ...(options.allowedOrigins ? { allowedOrigins: options.allowedOrigins } : {}),
  });
  let port: number;
  let h2cPort: number;
  await readiness.start();
  try {
    port = await listeners.listenHttp(options.port, options.host);
    h2cPort = await listeners.listenH2c(options.h2cPort, options.host);
  } catch (err) {
    readiness.stop();
    await listeners.close();
    channel.close();
    await quotaStore.close();
    throw err;
  }
  return {
    port,
    h2cPort,
    devSso: devSso !== undefined,
    ...(devSso && publicKeyPem ? { devSsoPublicKeyPem: publicKeyPem } : {}),
    ssoKeys,
    observability,
    async close() {
      alertDelivery.close();
      readiness.stop();
      ssoKeys.close();
      health.shutdown();
      await listeners.close();
      channel.close();
      await quotaStore.close();
      if (!options.observability) await observability.close();
    },
  };
}
