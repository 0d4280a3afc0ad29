/**
 * Composes a running simulator from its parts: development PKI (created when missing), seeded
 * population, registry, handlers, and the HTTPS server. Used by main.ts and by tests that run the
 * simulator in-process.
 */
import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Logger } from "pino";
import { ensureDevPki } from "#shared/dev-pki/anpr-dev-pki.js";
import { createWsSecurityAnswerSigner } from "#shared/anpr/wssecurity.js";
import { createOperationLog, type OperationRecord } from "../domain/operation-log.js";
import { createPopulation } from "../domain/population.js";
import { createAnprSimHandlers } from "../handlers/anpr-sim-handlers.js";
import { createSimRegistry } from "../handlers/sim-registry.js";
import { createAnprSimServer, type AnprSimServer } from "./anpr-sim-server.js";
import { noFaults, type FaultKnobs } from "./faults.js";

/** Options for {@link startAnprSim}. */
export interface StartAnprSimOptions {
  logger: Logger;
  /** Folder of the development PKI (created when missing). */
  pkiDir: string;
  host?: string;
  /** 0 = any free port. */
  port?: number;
  faults?: FaultKnobs;
  captureDir?: string;
  /** Population seed: the same seed gives the same people. */
  seed?: number;
  residentsPerComune?: number;
  /** Sign answers with the simulator's key (default true). */
  signAnswers?: boolean;
  validateXsd?: boolean;
  /** `codDestinatario` values served (default ANPR05 only). */
  interfaceVersions?: readonly string[];
  /** Accept SAML assertions without their own signature (default false). */
  acceptUnsignedAssertion?: boolean;
  now?: () => Date;
}

/** A started simulator. */
export interface RunningAnprSim {
  /** `https://host:port` */
  url: string;
  port: number;
  pkiDir: string;
  server: AnprSimServer;
  /** Every operation the simulator carried out (the acts it made), oldest first. */
  operations(): OperationRecord[];
  close(): Promise<void>;
}

/** Starts the simulator and resolves once it listens. */
export async function startAnprSim(options: StartAnprSimOptions): Promise<RunningAnprSim> {
  const manifest = await ensureDevPki(options.pkiDir);
  const tlsCertPem = readFileSync(manifest.simulator.tlsCertificateFile, "utf8");
  const tlsKeyPem = readFileSync(manifest.simulator.tlsKeyFile, "utf8");
  const population = createPopulation({
    seed: options.seed ?? 20_251_123,
    residentsPerComune: options.residentsPerComune ?? 3000,
  });
  let sequence = BigInt(Date.now()) * 1000n;
  const nextSequence = () => (sequence += 1n);
  const operationLog = createOperationLog();
  const handlers = createAnprSimHandlers({
    registry: createSimRegistry({ population, ...(options.now ? { now: options.now } : {}) }),
    operationLog,
    nextSequence,
    ...(options.now ? { now: options.now } : {}),
  });
  const answerSigner =
    options.signAnswers === false
      ? undefined
      : createWsSecurityAnswerSigner({
          credentials: {
            privateKey: createPrivateKey(tlsKeyPem),
            certificateDerBase64: new X509Certificate(tlsCertPem).raw.toString("base64"),
          },
          ...(options.now ? { now: options.now } : {}),
        });
  const server = await createAnprSimServer({
    tls: { keyPem: tlsKeyPem, certPem: tlsCertPem },
    workstationCaPem: [readFileSync(manifest.workstationCa.certificateFile, "utf8")],
    handlers,
    operations: () => operationLog.operations(),
    logger: options.logger,
    faults: options.faults ?? noFaults,
    ...(answerSigner ? { answerSigner } : {}),
    ...(options.captureDir ? { captureDir: options.captureDir } : {}),
    ...(options.validateXsd === undefined ? {} : { validateXsd: options.validateXsd }),
    ...(options.interfaceVersions ? { interfaceVersions: options.interfaceVersions } : {}),
    ...(options.acceptUnsignedAssertion === undefined
      ? {}
      : { acceptUnsignedAssertion: options.acceptUnsignedAssertion }),
    ...(options.now ? { now: options.now } : {}),
  });
  const host = options.host ?? "127.0.0.1";
  const port = await server.listen(options.port ?? 0, host);
  return {
    url: `https://${host}:${port}`,
    port,
    pkiDir: manifest.dir,
    server,
    operations: () => operationLog.operations(),
    close: () => server.close(),
  };
}
