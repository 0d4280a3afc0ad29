/**
 * The Novabox as a process: `node --import tsx services/novabox/src/server/main.ts`. Reads its
 * configuration from the environment (README, "Running a Novabox"), keeps everything under
 * ANPR_HOME, and logs one JSON line `{"msg":"novabox ready",...}` with its ports when it serves.
 */
import { z } from "zod";
import { env, loadConfig } from "#shared/config.js";
import { createLogger } from "#shared/logger.js";
import { installShutdown } from "#shared/shutdown.js";
import { startNovabox } from "./novabox-server.js";

const config = loadConfig(
  z.object({
    ANPR_HOME: z.string().default("/anpr_home"),
    NOVABOX_HOST: z.string().default("0.0.0.0"),
    NOVABOX_GRPC_PORT: env.port(50051),
    NOVABOX_HTTP_PORT: env.port(8080),
    NOVABOX_SECRET_KEY: z
      .string()
      .regex(/^[A-Za-z0-9+/]{43}=$/, "expected 32 bytes in base64 (44 characters), e.g. from `openssl rand -base64 32`")
      .optional(),
    NOVABOX_WEB_DIR: z.string().optional(),
    NOVABOX_ANPR_TIMEOUT_MS: env.millis(30_000),
    LOG_LEVEL: env.logLevel(),
  }),
);

const logger = createLogger({ name: "novabox", level: config.LOG_LEVEL });
const box = await startNovabox({
  logger,
  home: config.ANPR_HOME,
  host: config.NOVABOX_HOST,
  grpcPort: config.NOVABOX_GRPC_PORT,
  httpPort: config.NOVABOX_HTTP_PORT,
  anprTimeoutMs: config.NOVABOX_ANPR_TIMEOUT_MS,
  ...(config.NOVABOX_SECRET_KEY ? { secretKey: Buffer.from(config.NOVABOX_SECRET_KEY, "base64") } : {}),
  ...(config.NOVABOX_WEB_DIR ? { webDir: config.NOVABOX_WEB_DIR } : {}),
});
logger.info({ grpcPort: box.grpcPort, httpPort: box.httpPort, home: config.ANPR_HOME }, "novabox ready");
installShutdown({ logger, steps: [{ name: "novabox", run: () => box.close() }] });
