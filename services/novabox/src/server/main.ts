/**
 * The Novabox as a process: `node --import tsx services/novabox/src/server/main.ts`. Reads its
 * configuration from the environment (README, "Running a Novabox"), keeps everything under
 * ANPR_HOME, and logs one JSON line `{"msg":"novabox ready",...}` with its ports when it serves.
 */
// zod/mini, not zod: the same validation without loading zod's classic API into the appliance's
// memory (~5 MiB; issue 16, README "Performance").
import * as z from "zod/mini";
import { ConfigError, env, loadConfig, secretFromEnvOrFile } from "#shared/runtime/config.js";
import { meshCredentials } from "#shared/dev-pki/mesh-pki.js";
import { logMeshReload } from "#shared/mesh/mesh-tls.js";
import { parseCommandLine, serverUsage } from "#shared/runtime/cli.js";
import { createLogger } from "#shared/runtime/logger.js";
import { createObservability } from "#shared/runtime/observability.js";
import { installShutdown } from "#shared/runtime/shutdown.js";
import { startNovabox } from "./novabox-server.js";

const environment = z.object({
  ANPR_HOME: z._default(z.string(), "/anpr_home"),
  NOVABOX_HOST: z._default(z.string(), "0.0.0.0"),
  NOVABOX_GRPC_PORT: env.port(50051),
  NOVABOX_HTTP_PORT: env.port(8080),
  NOVABOX_SECRET_KEY: z.optional(
    z
      .string()
      .check(
        z.regex(
          /^[A-Za-z0-9+/]{43}=$/,
          "expected 32 bytes in base64 (44 characters), e.g. from `openssl rand -base64 32`",
        ),
      ),
  ),
  NOVABOX_WEB_DIR: z.optional(z.string()),
  NOVABOX_ANPR_TIMEOUT_MS: env.millis(30_000),
  NOVABOX_ANPR_MAX_ANSWER_BYTES: z._default(
    z.coerce.number().check(z.int(), z.minimum(65_536), z.maximum(1_073_741_824)),
    20 * 1024 * 1024,
  ),
  NOVABOX_SETTLE_INTERVAL_MS: env.millis(30_000),
  NOVABOX_ANPR_CHECK_INTERVAL_MS: env.millis(60_000),
  NOVABOX_ANPR_CHECK_MAX_BACKOFF_MS: env.millis(300_000),
  NOVABOX_MESH_TLS_DIR: z.optional(z.string()),
  NOVABOX_MESH_ROLE: z.optional(
    z.pipe(
      z
        .string()
        .check(z.regex(/^box-[a-z0-9-]+$/, "expected the box's certificate name in the mesh PKI, e.g. box-022205")),
      z.transform((v: string) => v as `box-${string}`),
    ),
  ),
  NOVABOX_MESH_PLAINTEXT: env.flag(false),
  NOVABOX_MESH_TLS_REFRESH_MS: env.millis(60_000),
  NOVABOX_ADMIN_TLS: z._default(z.enum(["auto", "https", "http"]), "auto"),
  NOVABOX_ADMIN_TLS_CERT_FILE: z.optional(z.string()),
  NOVABOX_ADMIN_TLS_KEY_FILE: z.optional(z.string()),
  NOVABOX_ADMIN_TLS_HOSTNAMES: z.optional(z.string()),
  NOVABOX_SSO_JWKS_REFRESH_MS: env.millis(300_000),
  NOVABOX_SSO_JWKS_MIN_REFETCH_MS: env.millis(30_000),
  NOVABOX_ANALYSIS_INTERVAL_MS: env.millis(15 * 60_000),
  LOG_LEVEL: env.logLevel(),
});

parseCommandLine(process.argv.slice(2), {
  usage: serverUsage(
    "npm run novabox   (node --import tsx services/novabox/src/server/main.ts)",
    "Runs a Novabox: the Comune's gRPC services for Novares (Certification, Consultation, Config) and the admin panel over HTTP, keeping everything under ANPR_HOME.",
    environment,
    'See README.md, "Running a Novabox". It logs one JSON line {"msg":"novabox ready",...} with its ports when it serves.',
  ),
});
// NOVABOX_SECRET_KEY_FILE (systemd credentials, container secrets) is read first and fails closed.
const secretKey = secretFromEnvOrFile("NOVABOX_SECRET_KEY");
const config = loadConfig(environment, { ...process.env, NOVABOX_SECRET_KEY: secretKey });

const logger = createLogger({ name: "novabox", level: config.LOG_LEVEL });
if (!config.NOVABOX_MESH_PLAINTEXT && !(config.NOVABOX_MESH_TLS_DIR && config.NOVABOX_MESH_ROLE)) {
  throw new ConfigError([
    {
      variable: "NOVABOX_MESH_TLS_DIR",
      problem:
        "set it and NOVABOX_MESH_ROLE for mutual TLS inside the mesh, or NOVABOX_MESH_PLAINTEXT=true to run without (development only)",
    },
  ]);
}
const mesh = config.NOVABOX_MESH_PLAINTEXT
  ? undefined
  : meshCredentials(config.NOVABOX_MESH_TLS_DIR!, config.NOVABOX_MESH_ROLE!, {
      refreshIntervalMs: config.NOVABOX_MESH_TLS_REFRESH_MS,
      onReload: logMeshReload(logger),
    });
const observability = createObservability({
  service: "novabox",
  instance: config.NOVABOX_MESH_ROLE ?? `${config.NOVABOX_HOST}:${config.NOVABOX_GRPC_PORT}`,
  accessLog: logger.child({ component: "access" }),
  env: process.env,
});
if (mesh) observability.watchCertificate("mesh", config.NOVABOX_MESH_ROLE!, () => mesh.state().notAfter);
const box = await startNovabox({
  logger,
  observability,
  anprCheckIntervalMs: config.NOVABOX_ANPR_CHECK_INTERVAL_MS,
  anprCheckMaxBackoffMs: config.NOVABOX_ANPR_CHECK_MAX_BACKOFF_MS,
  home: config.ANPR_HOME,
  host: config.NOVABOX_HOST,
  grpcPort: config.NOVABOX_GRPC_PORT,
  httpPort: config.NOVABOX_HTTP_PORT,
  anprTimeoutMs: config.NOVABOX_ANPR_TIMEOUT_MS,
  anprMaxAnswerBytes: config.NOVABOX_ANPR_MAX_ANSWER_BYTES,
  settleIntervalMs: config.NOVABOX_SETTLE_INTERVAL_MS,
  adminTls: {
    mode: config.NOVABOX_ADMIN_TLS,
    ...(config.NOVABOX_ADMIN_TLS_CERT_FILE ? { certFile: config.NOVABOX_ADMIN_TLS_CERT_FILE } : {}),
    ...(config.NOVABOX_ADMIN_TLS_KEY_FILE ? { keyFile: config.NOVABOX_ADMIN_TLS_KEY_FILE } : {}),
    ...(config.NOVABOX_ADMIN_TLS_HOSTNAMES
      ? {
          hostnames: config.NOVABOX_ADMIN_TLS_HOSTNAMES.split(",")
            .map((h) => h.trim())
            .filter(Boolean),
        }
      : {}),
  },
  ssoJwks: {
    refreshIntervalMs: config.NOVABOX_SSO_JWKS_REFRESH_MS,
    minRefetchIntervalMs: config.NOVABOX_SSO_JWKS_MIN_REFETCH_MS,
  },
  ...(config.NOVABOX_SECRET_KEY ? { secretKey: Buffer.from(config.NOVABOX_SECRET_KEY, "base64") } : {}),
  ...(config.NOVABOX_WEB_DIR ? { webDir: config.NOVABOX_WEB_DIR } : {}),
  ...(mesh ? { mesh } : {}),
  ...(config.NOVABOX_ANALYSIS_INTERVAL_MS ? { analysisIntervalMs: config.NOVABOX_ANALYSIS_INTERVAL_MS } : {}),
});
logger.info(
  {
    grpcPort: box.grpcPort,
    httpPort: box.httpPort,
    httpScheme: box.httpScheme,
    home: config.ANPR_HOME,
    meshTls: !!mesh,
    tracing: observability.tracing,
    notServing: box.notServingReason,
  },
  "novabox ready",
);
installShutdown({
  logger,
  steps: [
    { name: "novabox", run: () => box.close() },
    { name: "telemetry", run: () => observability.close() },
  ],
});
