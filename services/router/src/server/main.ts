/**
 * The Novares discovery router as a process: `node --import tsx services/router/src/server/main.ts`.
 * Reads its configuration from the environment, builds mutual-TLS credentials from MESH_TLS_DIR
 * (or runs plaintext only when MESH_PLAINTEXT=true), uses Consul when CONSUL_HTTP_ADDR is set and
 * the embedded registry otherwise, and logs one JSON line `{"msg":"router ready","port":N,
 * "registry":"embedded"|"consul","witness":"consul-kv"|"file"|"memory"|"off"}` when it serves. With
 * mutual TLS the router is also the audit witness (ROUTER_WITNESS_DIR: where an embedded-registry
 * router keeps the witnessed checkpoints; on Consul they go to its KV store).
 */
import { z } from "zod";
import { ConfigError, env, loadConfig } from "#shared/runtime/config.js";
import { parseCommandLine, serverUsage } from "#shared/runtime/cli.js";
import { createLogger } from "#shared/runtime/logger.js";
import { createObservability } from "#shared/runtime/observability.js";
import { installShutdown } from "#shared/runtime/shutdown.js";
import { loadRouterCredentials } from "./mesh-credentials.js";
import { logMeshReload } from "#shared/mesh/mesh-tls.js";
import { startRouter, type RouterConsulOptions } from "./router-server.js";

const environment = z.object({
  ROUTER_HOST: z.string().default("127.0.0.1"),
  ROUTER_PORT: env.port(50060),
  // 0 = any free port (printed in the ready line); deployments set a fixed one for Prometheus.
  ROUTER_OPS_PORT: env.port(0),
  CONSUL_HTTP_ADDR: z
    .string()
    .regex(
      /^(https?:\/\/)?[^\s:/]+:\d{1,5}\/?$/,
      "expected host:port, e.g. 127.0.0.1:8500 (optionally with http:// or https://)",
    )
    .optional(),
  CONSUL_HTTP_TOKEN: z.string().optional(),
  // Consul directory (server/consul-directory.ts): this router's id among the routers, how often
  // the owner of an instance probes it, how often the router publishes its heartbeat batch, and
  // how long a critical instance stays registered.
  ROUTER_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,128}$/, "expected letters, digits, '.', '_' or '-' (e.g. the host name)")
    .optional(),
  ROUTER_HEARTBEAT_INTERVAL_MS: env.millis(5_000),
  ROUTER_DEREGISTER_AFTER_MS: env.millis(60_000),
  MESH_TLS_DIR: z.string().optional(),
  MESH_PLAINTEXT: env.flag(false),
  MESH_TLS_REFRESH_MS: env.millis(60_000),
  ROUTER_ANNOUNCE_INTERVAL_MS: env.millis(10_000),
  ROUTER_EXPIRES_AFTER_MS: env.millis(30_000),
  // Health probe period: default 2 s with the embedded registry, 10 s per owned instance with Consul.
  ROUTER_HEALTH_INTERVAL_MS: z.coerce.number().int().positive().optional(),
  // Consul: the longest probe period of a box that passes and keeps announcing on time that it
  // serves (default 6 × the health interval; README, "The directory at national scale").
  ROUTER_SERVING_PROBE_INTERVAL_MS: z.coerce.number().int().positive().optional(),
  // Embedded mode: where the audit checkpoints the router witnesses are kept (a file per instance).
  ROUTER_WITNESS_DIR: z.string().optional(),
  // The forwarding data plane: "frames" (the router's own HTTP/2 engine, server/h2/) or "node-http2"
  // (the earlier node:http2 sessions); unset = startRouter's default (README, "Performance").
  ROUTER_DATA_PLANE: z.enum(["frames", "node-http2"]).optional(),
  LOG_LEVEL: env.logLevel(),
});

parseCommandLine(process.argv.slice(2), {
  usage: serverUsage(
    "npm run router   (node --import tsx services/router/src/server/main.ts)",
    "Runs the Novares discovery router: the directory of Novaboxes (embedded, or Consul when CONSUL_HTTP_ADDR is set) and the routing of each call to its Comune's box, over mutual TLS.",
    environment,
    'See README.md, "Operator\'s walkthrough with grpcurl". It logs {"msg":"router ready","port":N} when it serves.',
  ),
});
const config = loadConfig(environment);
if (config.ROUTER_EXPIRES_AFTER_MS <= config.ROUTER_ANNOUNCE_INTERVAL_MS) {
  throw new ConfigError([
    {
      variable: "ROUTER_EXPIRES_AFTER_MS",
      problem: `must be longer than ROUTER_ANNOUNCE_INTERVAL_MS (${config.ROUTER_ANNOUNCE_INTERVAL_MS})`,
    },
  ]);
}

// One access-log line per routed call: stdout is written without blocking the forwarding (logger.ts).
const logger = createLogger({ name: "router", level: config.LOG_LEVEL, asyncStdout: true });
const credentials = loadRouterCredentials({
  tlsDir: config.MESH_TLS_DIR,
  plaintext: config.MESH_PLAINTEXT,
  reload: {
    refreshIntervalMs: config.MESH_TLS_REFRESH_MS,
    onReload: logMeshReload(logger),
  },
});
if (!credentials.tls)
  logger.warn({}, "MESH_PLAINTEXT=true: the router serves and calls boxes without TLS (development only)");

let consul: RouterConsulOptions | undefined;
if (config.CONSUL_HTTP_ADDR) {
  const match = /^(?:(https?):\/\/)?([^\s:/]+):(\d+)/.exec(config.CONSUL_HTTP_ADDR)!;
  consul = {
    host: match[2]!,
    port: Number(match[3]),
    secure: match[1] === "https",
    ...(config.ROUTER_ID ? { routerId: config.ROUTER_ID } : {}),
    probeIntervalMs: config.ROUTER_HEALTH_INTERVAL_MS ?? 10_000,
    ...(config.ROUTER_SERVING_PROBE_INTERVAL_MS
      ? { servingProbeIntervalMs: config.ROUTER_SERVING_PROBE_INTERVAL_MS }
      : {}),
    heartbeatIntervalMs: config.ROUTER_HEARTBEAT_INTERVAL_MS,
    deregisterAfterMs: config.ROUTER_DEREGISTER_AFTER_MS,
    ...(config.CONSUL_HTTP_TOKEN ? { token: config.CONSUL_HTTP_TOKEN } : {}),
  };
}

const observability = createObservability({
  service: "router",
  instance: `${config.ROUTER_HOST}:${config.ROUTER_PORT}`,
  accessLog: logger.child({ component: "access" }),
  env: process.env,
});
const mesh = credentials.mesh;
if (mesh) observability.watchCertificate("mesh", "router", () => mesh.state().notAfter);
const router = await startRouter({
  logger,
  observability,
  opsPort: config.ROUTER_OPS_PORT,
  host: config.ROUTER_HOST,
  port: config.ROUTER_PORT,
  serverCredentials: credentials.serverCredentials,
  boxCredentials: credentials.boxCredentials,
  ...(mesh ? { meshIdentity: mesh } : {}),
  announceIntervalMs: config.ROUTER_ANNOUNCE_INTERVAL_MS,
  expiresAfterMs: config.ROUTER_EXPIRES_AFTER_MS,
  healthCheckIntervalMs: config.ROUTER_HEALTH_INTERVAL_MS ?? 2_000,
  ...(consul ? { consul } : {}),
  // The audit witness needs the mesh CA to check the boxes' signatures: on whenever TLS is.
  ...(mesh ? { witness: config.ROUTER_WITNESS_DIR ? { dir: config.ROUTER_WITNESS_DIR } : {} } : {}),
  ...(config.ROUTER_DATA_PLANE ? { dataPlane: config.ROUTER_DATA_PLANE } : {}),
});
logger.info(
  {
    port: router.port,
    opsPort: router.opsPort,
    registry: router.registry,
    tls: credentials.tls,
    tracing: observability.tracing,
    witness: router.witnessStore ?? "off",
  },
  "router ready",
);
installShutdown({
  logger,
  steps: [
    { name: "router", run: () => router.close() },
    { name: "telemetry", run: () => observability.close() },
  ],
});
