/**
 * Structured JSON logging (pino) with secrets redacted by key wherever they appear, so that a
 * credential passed by mistake to a log call never reaches the log. Services receive a logger by
 * injection and derive child loggers per component.
 */
import { pino, type DestinationStream, type Logger } from "pino";

export type { Logger };

/** Keys whose values are always replaced by "[redacted]", at any depth up to three levels. */
export const redactedKeys: readonly string[] = [
  "password",
  "newPassword",
  "currentPassword",
  "pin",
  "pkcs12",
  "caPassword",
  "privateKey",
  "secret",
  "token",
  "sessionToken",
  "authorization",
  "cookie",
  "encryptionKey",
];

function redactPaths(): string[] {
  const paths: string[] = [];
  for (const key of redactedKeys) paths.push(key, `*.${key}`, `*.*.${key}`, `*.*.*.${key}`);
  paths.push('req.headers["authorization"]', 'metadata["authorization"]');
  return paths;
}

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** The component or service name, set as `service` on every line. */
  name: string;
  /** pino level: fatal, error, warn, info, debug, trace, silent. Default info. */
  level?: string;
  /** Where lines go; default stdout. Tests pass a stream to read what was logged. */
  destination?: DestinationStream;
}

/** Creates the root logger of a process. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? "info",
      base: { service: options.name },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: redactPaths(), censor: "[redacted]" },
      serializers: { err: pino.stdSerializers.err, cause: pino.stdSerializers.err },
    },
    options.destination,
  );
}
