/**
 * The one logging interface components depend on: the methods of pino's Logger they call, so the
 * process's pino logger (logger.ts) or a test's recorder fits, and no domain module imports pino.
 * A component asks for the levels it uses with `Pick<Log, "warn" | "error">`.
 */
export interface Log {
  debug(details: object, message: string): void;
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}
