/**
 * Typed domain errors, free of any RPC import: domain code throws these, and the transport layer
 * (see grpc-status.ts) turns each kind into one canonical gRPC code through a single table.
 *
 * The message is the user-facing sentence — it must say what went wrong and what to do, and must
 * never contain a secret. The optional `cause` keeps the underlying error for the logs only; it is
 * never sent to a client.
 */

/**
 * What kind of failure a domain error is. Each kind maps to exactly one gRPC code; the names
 * describe the domain situation, not the wire code.
 */
export type DomainErrorKind =
  /** The caller's input is malformed or fails a rule (bad fiscal code, unknown type). */
  | "invalid-input"
  /** The thing asked for does not exist (unknown comune, no such citizen). */
  | "not-found"
  /** The thing to create exists already (admin already registered). */
  | "already-exists"
  /** The caller is known but not allowed (revoked tobacconist, wrong role). */
  | "forbidden"
  /** The caller could not be identified (missing, expired or forged token; wrong password). */
  | "unauthenticated"
  /** The system is not in the state the operation needs (box not configured yet). */
  | "precondition-failed"
  /** A quota or rate limit was hit (per-tobacconist limit, mass-extraction guard). */
  | "rate-limited"
  /** A concurrent change won; retrying the whole operation may succeed. */
  | "conflict"
  /** A value is outside its valid range (page size, date window). */
  | "out-of-range"
  /** A dependency (ANPR, a Novabox, Consul) cannot be reached right now; retrying may work. */
  | "unavailable"
  /** The operation did not finish in time. */
  | "timeout"
  /** The caller gave up. */
  | "cancelled"
  /** The operation is not supported by this deployment or version. */
  | "not-supported"
  /** Stored data is damaged or was tampered with (a broken audit chain). */
  | "data-loss"
  /** A bug or an unexpected state on our side. */
  | "internal";

/** Every kind, in a stable order (for tests and documentation). */
export const domainErrorKinds: readonly DomainErrorKind[] = [
  "invalid-input",
  "not-found",
  "already-exists",
  "forbidden",
  "unauthenticated",
  "precondition-failed",
  "rate-limited",
  "conflict",
  "out-of-range",
  "unavailable",
  "timeout",
  "cancelled",
  "not-supported",
  "data-loss",
  "internal",
];

/** Options for a {@link DomainError}. */
export interface DomainErrorOptions {
  /**
   * A stable machine-readable reason in UPPER_SNAKE_CASE (e.g. `INVALID_FISCAL_CODE`,
   * `ANPR_ERROR`), sent to clients as google.rpc.ErrorInfo.reason.
   */
  reason?: string;
  /**
   * Safe key/value facts a client may act on (e.g. `{ anprCode: "EN122", anprType: "E" }`),
   * sent as google.rpc.ErrorInfo.metadata. Never put a secret here.
   */
  metadata?: Record<string, string>;
  /** For invalid input: the request field at fault, as a path (`subject.fiscal_code`). */
  field?: string;
  /** The underlying error, kept for the logs and never sent to a client. */
  cause?: unknown;
}

/**
 * Base class of every error a service's domain layer throws on purpose. Subclass it per domain
 * situation (`class InvalidFiscalCodeError extends DomainError`) so tests and callers can match on
 * the class, and pick the kind that says how the caller should react.
 */
export class DomainError extends Error {
  /** How the transport layer should classify this error. */
  readonly kind: DomainErrorKind;
  /** Stable machine-readable reason, UPPER_SNAKE_CASE. */
  readonly reason: string;
  /** Safe facts for the client. */
  readonly metadata: Readonly<Record<string, string>>;
  /** The request field at fault, when there is one. */
  readonly field: string | undefined;

  constructor(kind: DomainErrorKind, message: string, options: DomainErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.kind = kind;
    this.reason = options.reason ?? kind.toUpperCase().replace(/-/g, "_");
    this.metadata = Object.freeze({ ...(options.metadata ?? {}) });
    this.field = options.field;
  }
}

/** True when `err` is a {@link DomainError} (also across duplicated module instances). */
export function isDomainError(err: unknown): err is DomainError {
  return (
    err instanceof DomainError ||
    (err instanceof Error &&
      typeof (err as Partial<DomainError>).kind === "string" &&
      typeof (err as Partial<DomainError>).reason === "string" &&
      typeof (err as Partial<DomainError>).metadata === "object")
  );
}

/**
 * Text that must never reach a person as a message: a stringified object, or the words of a
 * JavaScript engine error (a bug, or an unexpected answer surfacing through `err.message`).
 */
const programText =
  /\[object Object\]|\b(?:TypeError|ReferenceError|SyntaxError|RangeError)\b|Cannot (?:read|set) propert|is not a function|is not defined|is not iterable|is not a constructor|\(reading '|Unexpected token|Unexpected end of JSON|Maximum call stack/;

/** True when `message` holds program text: show a sentence of your own instead, and log the original. */
export function containsProgramText(message: string): boolean {
  return programText.test(message);
}
