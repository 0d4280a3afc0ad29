/**
 * Structured JSON logging (pino) with secrets redacted by key wherever they appear, so that a
 * credential passed by mistake to a log call never reaches the log. Every line also goes through
 * log-safety.ts: errors are written as message, code and cause chain (never a library object dump),
 * and no codice fiscale or SOAP envelope survives in any string, message included. Services
 * receive a logger by injection and derive child loggers per component.
 */
import { pino, type DestinationStream, type Logger } from "pino";
import { redactText, redactValue, serializeError } from "./log-safety.js";

export type { Logger };

/** Keys whose values are always replaced by "[redacted]", at any depth (log lines and child bindings). */
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

const secretKeys: ReadonlySet<string> = new Set(redactedKeys);

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** The component or service name, set as `service` on every line. */
  name: string;
  /** pino level: fatal, error, warn, info, debug, trace, silent. Default info. */
  level?: string;
  /** Where lines go; default stdout. Tests pass a stream to read what was logged. */
  destination?: DestinationStream;
  /**
   * Write stdout without blocking (default false: one synchronous write per line): lines logged
   * while a write is in progress go out together in the next one, so a process that logs a line
   * per call (the router's access log) makes one write per batch under load instead of one per
   * line. Lines still pending are flushed synchronously when the process exits (pino's
   * destination does it). Ignored when {@link destination} is given.
   */
  asyncStdout?: boolean;
}

/** Creates the root logger of a process. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? "info",
      base: { service: options.name },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Child bindings (and the base): secrets by key. Top-level paths only: pino's wildcard paths
      // cost ~100 µs a line, and every routed call writes one access-log line.
      redact: { paths: [...redactedKeys], censor: "[redacted]" },
      // Runs first, on the object as logged, in one walk: secrets by key replaced at any depth,
      // errors at any depth serialised, strings redacted.
      formatters: { log: (object) => redactValue(object, { secretKeys }) as Record<string, unknown> },
      serializers: { err: serializeError, cause: serializeError, error: serializeError },
      hooks: {
        logMethod(args, method) {
          const [first, ...rest] = args as unknown[];
          // logger.error(err) takes its message from err.message: give it the redacted one.
          if (first instanceof Error && typeof rest[0] !== "string") {
            method.apply(this, [{ err: first }, redactText(first.message), ...rest] as Parameters<typeof method>);
            return;
          }
          method.apply(
            this,
            args.map((arg) => (typeof arg === "string" ? redactText(arg) : arg)) as Parameters<typeof method>,
          );
        },
      },
    },
    options.destination ?? (options.asyncStdout ? pino.destination({ dest: 1, sync: false }) : undefined),
  );
}
