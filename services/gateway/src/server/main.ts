/**
 * The gateway as a process: `node --import tsx services/gateway/src/server/main.ts`. Reads its
 * configuration from the environment (services/gateway/README.md), and logs one JSON line
 * `{"msg":"gateway ready","port":N,"h2cPort":M,"devSso":true}` when both listeners serve.
 */
import { z } from "zod";
import { env, loadConfig } from "#shared/runtime/config.js";
import { parseCommandLine, serverUsage } from "#shared/runtime/cli.js";
import { createLogger } from "#shared/runtime/logger.js";
import { createObservability } from "#shared/runtime/observability.js";
import { meshCredentials } from "#shared/dev-pki/mesh-pki.js";
import { installShutdown } from "#shared/runtime/shutdown.js";
import { defaultQuotaLimits, startGateway } from "./gateway-server.js";
import { readSsoPublicKey } from "./sso-keys.js";

const environment = z
  .object({
    GATEWAY_HOST: z.string().default("127.0.0.1"),
    GATEWAY_PORT: env.port(8090),
    GATEWAY_H2C_PORT: env.port(8091),
    // One host:port, or a comma-separated list of IP address:port (round-robin over the healthy ones).
    ROUTER_ADDRESS: z
      .string()
      .regex(
        /^([^\s:,]+:\d{1,5}|\[[0-9a-fA-F:.]+\]:\d{1,5})(,([^\s:,]+:\d{1,5}|\[[0-9a-fA-F:.]+\]:\d{1,5}))*$/,
        "expected host:port, or a comma-separated list of IP address:port, e.g. 10.0.0.1:50060,10.0.0.2:50060",
      )
      .default("127.0.0.1:50060"),
    MESH_TLS_DIR: z.string().optional(),
    MESH_PLAINTEXT: env.flag(false),
    GATEWAY_DEV_SSO: env.flag(false),
    GATEWAY_SSO_DIR: z.string().default(".dev/sso"),
    GATEWAY_SSO_ISSUER: z.string().default("https://sso.novares.dev"),
    GATEWAY_SSO_AUDIENCE: z.string().default("novabox"),
    GATEWAY_SSO_PUBLIC_KEY_FILE: z.string().optional(),
    GATEWAY_SSO_JWKS_URL: z
      .string()
      .url("expected the SSO's JWKS URL, e.g. https://sso.novares.it/.well-known/jwks.json")
      .optional(),
    GATEWAY_SSO_JWKS_REFRESH_MS: env.millis(300_000),
    GATEWAY_SSO_JWKS_MIN_REFETCH_MS: env.millis(30_000),
    GATEWAY_WEB_DIR: z.string().optional(),
    // The console's OpenID Connect sign-in: the issuer (default GATEWAY_SSO_ISSUER) and its client id.
    GATEWAY_CONSOLE_OIDC_ISSUER: z.string().url("expected the OpenID Connect issuer URL").optional(),
    GATEWAY_CONSOLE_OIDC_CLIENT_ID: z.string().min(1).default("novares-console"),
    GATEWAY_ALLOWED_ORIGINS: z.string().optional(),
    GATEWAY_ROUTER_CHECK_INTERVAL_MS: env.millis(2_000),
    GATEWAY_REDIS_URL: z.string().optional(),
    GATEWAY_REDIS_PREFIX: z.string().optional(),
    GATEWAY_QUOTA_PER_MINUTE: z.coerce.number().int().min(0).default(defaultQuotaLimits.perMinute),
    GATEWAY_QUOTA_PER_DAY: z.coerce.number().int().min(0).default(defaultQuotaLimits.perDay),
    GATEWAY_MASS_EXTRACTION_DISTINCT: z.coerce
      .number()
      .int()
      .min(0)
      .default(defaultQuotaLimits.massExtractionDistinctFiscalCodes),
    GATEWAY_MASS_EXTRACTION_WINDOW_SECONDS: z.coerce
      .number()
      .int()
      .min(0)
      .default(defaultQuotaLimits.massExtractionWindowSeconds),
    GATEWAY_OPERATOR_IDS: z.string().default(""),
    LOG_LEVEL: env.logLevel(),
  })
  .superRefine((c, ctx) => {
    if (c.MESH_PLAINTEXT === Boolean(c.MESH_TLS_DIR)) {
      ctx.addIssue({
        code: "custom",
        path: ["MESH_TLS_DIR"],
        message: "set MESH_TLS_DIR (mesh PKI folder) or MESH_PLAINTEXT=true, exactly one",
      });
    }
    if (
      [c.GATEWAY_DEV_SSO, Boolean(c.GATEWAY_SSO_PUBLIC_KEY_FILE), Boolean(c.GATEWAY_SSO_JWKS_URL)].filter(Boolean)
        .length !== 1
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["GATEWAY_SSO_PUBLIC_KEY_FILE"],
        message:
          "set GATEWAY_SSO_JWKS_URL or GATEWAY_SSO_PUBLIC_KEY_FILE (production) or GATEWAY_DEV_SSO=true (development), exactly one",
      });
    }
  });

parseCommandLine(process.argv.slice(2), {
  usage: serverUsage(
    "npm run gateway   (node --import tsx services/gateway/src/server/main.ts)",
    "Runs the Novares gateway: Connect / gRPC-web for browsers on GATEWAY_PORT, gRPC h2c (with reflection) on GATEWAY_H2C_PORT, forwarding to the router.",
    environment,
    'See services/gateway/README.md. It logs {"msg":"gateway ready","port":N,"h2cPort":M} when both listeners serve.',
  ),
});
const config = loadConfig(environment);

const logger = createLogger({ name: "gateway", level: config.LOG_LEVEL });
const observability = createObservability({
  service: "gateway",
  instance: `${config.GATEWAY_HOST}:${config.GATEWAY_PORT}`,
  accessLog: logger.child({ component: "access" }),
  env: process.env,
});
// The mesh certificate, read once here (and re-read on renewal by mesh-tls.ts): TLS to the router and the expiry metric.
const mesh = config.MESH_TLS_DIR ? meshCredentials(config.MESH_TLS_DIR, "gateway") : undefined;
if (mesh) observability.watchCertificate("mesh", "gateway", () => mesh.state().notAfter);
const gateway = await startGateway({
  logger,
  observability,
  routerCheckIntervalMs: config.GATEWAY_ROUTER_CHECK_INTERVAL_MS,
  quota: {
    limits: {
      perMinute: config.GATEWAY_QUOTA_PER_MINUTE,
      perDay: config.GATEWAY_QUOTA_PER_DAY,
      massExtractionDistinctFiscalCodes: config.GATEWAY_MASS_EXTRACTION_DISTINCT,
      massExtractionWindowSeconds: config.GATEWAY_MASS_EXTRACTION_WINDOW_SECONDS,
    },
    ...(config.GATEWAY_REDIS_URL ? { redisUrl: config.GATEWAY_REDIS_URL } : {}),
    ...(config.GATEWAY_REDIS_PREFIX ? { redisPrefix: config.GATEWAY_REDIS_PREFIX } : {}),
    operatorIds: config.GATEWAY_OPERATOR_IDS.split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  },
  host: config.GATEWAY_HOST,
  port: config.GATEWAY_PORT,
  h2cPort: config.GATEWAY_H2C_PORT,
  router: {
    address: config.ROUTER_ADDRESS,
    ...(mesh ? { mesh } : { plaintext: true }),
  },
  sso: {
    issuer: config.GATEWAY_SSO_ISSUER,
    audience: config.GATEWAY_SSO_AUDIENCE,
    jwksRefreshIntervalMs: config.GATEWAY_SSO_JWKS_REFRESH_MS,
    jwksMinRefetchIntervalMs: config.GATEWAY_SSO_JWKS_MIN_REFETCH_MS,
    ...(config.GATEWAY_DEV_SSO
      ? { devSsoDir: config.GATEWAY_SSO_DIR }
      : config.GATEWAY_SSO_JWKS_URL
        ? { jwksUrl: config.GATEWAY_SSO_JWKS_URL }
        : { publicKeyPem: await readSsoPublicKey(config.GATEWAY_SSO_PUBLIC_KEY_FILE ?? "") }),
  },
  ...(config.GATEWAY_WEB_DIR ? { webDir: config.GATEWAY_WEB_DIR } : {}),
  console: {
    oidcIssuer: config.GATEWAY_CONSOLE_OIDC_ISSUER ?? config.GATEWAY_SSO_ISSUER,
    oidcClientId: config.GATEWAY_CONSOLE_OIDC_CLIENT_ID,
  },
  ...(config.GATEWAY_ALLOWED_ORIGINS
    ? {
        allowedOrigins: config.GATEWAY_ALLOWED_ORIGINS.split(",")
          .map((o) => o.trim())
          .filter(Boolean),
      }
    : {}),
});
logger.info(
  {
    port: gateway.port,
    h2cPort: gateway.h2cPort,
    devSso: gateway.devSso,
    router: config.ROUTER_ADDRESS,
    mtls: Boolean(config.MESH_TLS_DIR),
    tracing: observability.tracing,
  },
  "gateway ready",
);
installShutdown({
  logger,
  steps: [
    { name: "gateway", run: () => gateway.close() },
    { name: "telemetry", run: () => observability.close() },
  ],
});
