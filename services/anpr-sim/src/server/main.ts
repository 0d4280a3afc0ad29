/**
 * The ANPR simulator as a process: `node --import tsx services/anpr-sim/src/server/main.ts`.
 * Configuration from the environment (see README): it creates the development PKI when missing,
 * seeds the population, listens over HTTPS and prints one JSON line `{"msg":"anpr-sim ready",...}`
 * with the URL and port, then serves until SIGINT/SIGTERM.
 */
import { z } from "zod";
import { env, loadConfig } from "#shared/runtime/config.js";
import { parseCommandLine, serverUsage } from "#shared/runtime/cli.js";
import { createLogger } from "#shared/runtime/logger.js";
import { installShutdown } from "#shared/runtime/shutdown.js";
import { parseFaultSpec } from "./faults.js";
import { startAnprSim } from "./start-anpr-sim.js";

const environment = z.object({
  ANPR_SIM_HOST: z.string().default("127.0.0.1"),
  ANPR_SIM_PORT: env.port(8443),
  ANPR_SIM_PKI_DIR: z.string().default(".dev/pki"),
  ANPR_SIM_CAPTURE_DIR: z.string().optional(),
  ANPR_SIM_FAULTS: z.string().optional(),
  ANPR_SIM_SEED: z.coerce.number().int().default(20_251_123),
  ANPR_SIM_RESIDENTS_PER_COMUNE: z.coerce.number().int().min(10).max(200_000).default(3000),
  ANPR_SIM_SIGN_ANSWERS: env.flag(true),
  ANPR_SIM_VALIDATE_XSD: env.flag(true),
  ANPR_SIM_INTERFACE_VERSIONS: z
    .string()
    .regex(/^[0-9A-Za-z]{1,6}(,[0-9A-Za-z]{1,6})*$/, "a comma-separated list of codDestinatario values, e.g. ANPR05")
    .default("ANPR05"),
  ANPR_SIM_ACCEPT_UNSIGNED_ASSERTION: env.flag(false),
  LOG_LEVEL: env.logLevel(),
});

parseCommandLine(process.argv.slice(2), {
  usage: serverUsage(
    "npm run sim   (node --import tsx services/anpr-sim/src/server/main.ts)",
    "Runs the ANPR simulator over HTTPS (services 6001, 3000 and TestConn, with WS-Security), creating the development PKI when missing. ANPR_SIM_FAULTS sets fault knobs, e.g. latencyMs=2000,http500.",
    environment,
    'See README.md, "The ANPR simulator". It logs {"msg":"anpr-sim ready","url":...} when it serves.',
  ),
});
const config = loadConfig(environment);

const logger = createLogger({ name: "anpr-sim", level: config.LOG_LEVEL });
const sim = await startAnprSim({
  logger,
  host: config.ANPR_SIM_HOST,
  port: config.ANPR_SIM_PORT,
  pkiDir: config.ANPR_SIM_PKI_DIR,
  faults: parseFaultSpec(config.ANPR_SIM_FAULTS),
  seed: config.ANPR_SIM_SEED,
  residentsPerComune: config.ANPR_SIM_RESIDENTS_PER_COMUNE,
  signAnswers: config.ANPR_SIM_SIGN_ANSWERS,
  validateXsd: config.ANPR_SIM_VALIDATE_XSD,
  interfaceVersions: config.ANPR_SIM_INTERFACE_VERSIONS.split(","),
  acceptUnsignedAssertion: config.ANPR_SIM_ACCEPT_UNSIGNED_ASSERTION,
  ...(config.ANPR_SIM_CAPTURE_DIR ? { captureDir: config.ANPR_SIM_CAPTURE_DIR } : {}),
});
logger.info({ url: sim.url, port: sim.port, pkiDir: sim.pkiDir }, "anpr-sim ready");
installShutdown({ logger, steps: [{ name: "https", run: () => sim.close() }] });
