/**
 * The one place where errors become statuses, and statuses become errors again.
 *
 * Server side: {@link statusOfError} is the one function from whatever a handler threw to a status
 * (code, safe message, google.rpc details), whatever the transport; it logs the cause, once. Domain
 * errors map through {@link grpcCodeByKind}, the single table of the project; an {@link RpcError}
 * passes through with its code and every upstream detail (a proxy relaying a status); any other
 * error is a bug: INTERNAL with a generic message, the real error only in the log. Two thin
 * serializers put the status on the wire: {@link toServiceError} for grpc-js (google.rpc.Status in
 * `grpc-status-details-bin`, which grpc-go, grpcurl and Connect clients read) and `toConnectError`
 * in connect-adapter.ts (the same details as Connect error details).
 *
 * Client side: {@link fromServiceError} turns a grpc-js ServiceError back into an {@link RpcError}
 * with the decoded details.
 */
import { status as GrpcCode, Metadata, type ServiceError } from "@grpc/grpc-js";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { anyPack, anyUnpack, type Any } from "@bufbuild/protobuf/wkt";
import { StatusSchema } from "#gen/google/rpc/status_pb.js";
import { BadRequestSchema, ErrorInfoSchema } from "#gen/google/rpc/error_details_pb.js";
import { containsProgramText, DomainError, isDomainError, type DomainErrorKind } from "../runtime/domain-error.js";
import type { Log } from "../runtime/log.js";

export { containsProgramText };

export { GrpcCode };

/** The single table: domain error kind → canonical gRPC status code. */
export const grpcCodeByKind: Readonly<Record<DomainErrorKind, GrpcCode>> = Object.freeze({
  "invalid-input": GrpcCode.INVALID_ARGUMENT,
  "not-found": GrpcCode.NOT_FOUND,
  "already-exists": GrpcCode.ALREADY_EXISTS,
  forbidden: GrpcCode.PERMISSION_DENIED,
  unauthenticated: GrpcCode.UNAUTHENTICATED,
  "precondition-failed": GrpcCode.FAILED_PRECONDITION,
  "rate-limited": GrpcCode.RESOURCE_EXHAUSTED,
  conflict: GrpcCode.ABORTED,
  "out-of-range": GrpcCode.OUT_OF_RANGE,
  unavailable: GrpcCode.UNAVAILABLE,
  timeout: GrpcCode.DEADLINE_EXCEEDED,
  cancelled: GrpcCode.CANCELLED,
  "not-supported": GrpcCode.UNIMPLEMENTED,
  "data-loss": GrpcCode.DATA_LOSS,
  internal: GrpcCode.INTERNAL,
});

/** The ErrorInfo domain our services stamp on their errors. */
export const errorInfoDomain = "novabox.mesh";

/** The message clients see for an error that is not a domain error. */
export const internalErrorMessage = "internal error: the operation failed on the server; it has been logged";

/** What a person is told, per kind, when a message cannot be shown as it is. */
const fallbackMessages: Readonly<Record<DomainErrorKind, string>> = Object.freeze({
  "invalid-input": "the request has a value that cannot be accepted; check the data and try again",
  "not-found": "what was asked for does not exist",
  "already-exists": "it exists already",
  forbidden: "this caller is not allowed to do that",
  unauthenticated: "the caller could not be identified; sign in again",
  "precondition-failed": "the service is not in a state that allows this yet; check its configuration",
  "rate-limited": "too many requests; wait a little and try again",
  conflict: "a concurrent change won; retry the whole operation",
  "out-of-range": "a value is outside the range allowed",
  unavailable:
    "a service this request depends on (ANPR or a Novabox) answered in a way that cannot be read or could not be reached; retry later, and report it if it persists",
  timeout: "the operation did not finish in time; retry later",
  cancelled: "the operation was cancelled",
  "not-supported": "this operation is not supported here",
  "data-loss": "stored data is damaged; the administrator has been told in the log",
  internal: internalErrorMessage,
});

/**
 * The status message for `message` of an error of `kind`: the message itself — a sentence a person
 * can act on — unless it carries program text, which is logged (with `err`) and replaced by the
 * kind's generic sentence.
 */
export function clientMessage(message: string, kind: DomainErrorKind, logger?: ErrorLogger, err?: unknown): string {
  if (!containsProgramText(message)) return message;
  logger?.error({ err: err ?? new Error(message) }, programTextLogMessage);
  return fallbackMessages[kind];
}

const programTextLogMessage = "an error message carried program text: the client got a generic sentence instead";

/** The domain kind of a gRPC code (inverse of {@link grpcCodeByKind}; UNKNOWN → internal). */
export function kindOfGrpcCode(code: GrpcCode): DomainErrorKind {
  for (const [kind, mapped] of Object.entries(grpcCodeByKind) as [DomainErrorKind, GrpcCode][])
    if (mapped === code) return kind;
  return "internal";
}

/** Details carried by an {@link RpcError}, decoded from google.rpc.Status. */
export interface RpcErrorDetails {
  /** google.rpc.ErrorInfo.reason, when present. */
  reason?: string;
  /** google.rpc.ErrorInfo.domain, when present. */
  domain?: string;
  /** google.rpc.ErrorInfo.metadata. */
  metadata: Record<string, string>;
  /** google.rpc.BadRequest field violations. */
  fieldViolations: { field: string; description: string }[];
}

/**
 * A gRPC status as an Error: what a client receives, and what a proxy rethrows to pass an upstream
 * status on unchanged.
 */
export class RpcError extends Error {
  readonly code: GrpcCode;
  readonly details: RpcErrorDetails;
  /** Trailing metadata received with the status (client side). */
  readonly trailers: Metadata;

  constructor(
    code: GrpcCode,
    message: string,
    details: Partial<RpcErrorDetails> = {},
    options: { cause?: unknown; trailers?: Metadata } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "RpcError";
    this.code = code;
    this.details = { metadata: {}, fieldViolations: [], ...details };
    this.trailers = options.trailers ?? new Metadata();
  }

  /** The code's canonical name, e.g. `INVALID_ARGUMENT`. */
  get codeName(): string {
    return GrpcCode[this.code] ?? String(this.code);
  }
}

/** Where statuses log what must stay in the logs (see {@link statusOfError}). */
export type ErrorLogger = Pick<Log, "error" | "warn">;

/** The grpc-js shape a handler callback or stream accepts as an error. */
export type GrpcServiceError = Partial<ServiceError> & { code: GrpcCode; details: string; metadata: Metadata };

/** A status as it goes on the wire, whatever the transport (see {@link statusOfError}). */
export interface WireStatus {
  code: GrpcCode;
  /** The safe message a person reads. */
  message: string;
  /** google.rpc.Status.details: ErrorInfo, BadRequest, or whatever an upstream status carried. */
  details: Any[];
  /**
   * The encoded google.rpc.Status to send as it is: an upstream status a proxy relays, byte for
   * byte. Absent for statuses built here.
   */
  encoded?: Uint8Array;
}

/** google.rpc details of `details`: ErrorInfo when there is a reason, BadRequest when there are field violations. */
function packDetails(details: Partial<RpcErrorDetails>): Any[] {
  const packed: Any[] = [];
  if (details.reason) {
    packed.push(
      anyPack(
        ErrorInfoSchema,
        create(ErrorInfoSchema, {
          reason: details.reason,
          domain: details.domain ?? errorInfoDomain,
          metadata: details.metadata ?? {},
        }),
      ),
    );
  }
  if (details.fieldViolations && details.fieldViolations.length > 0) {
    packed.push(anyPack(BadRequestSchema, create(BadRequestSchema, { fieldViolations: details.fieldViolations })));
  }
  return packed;
}

/** The google.rpc.Status an upstream status carried in its trailers, or undefined. */
function upstreamStatus(err: RpcError): { encoded: Uint8Array; details: Any[] } | undefined {
  const raw = err.trailers.get("grpc-status-details-bin")[0];
  if (!(raw instanceof Buffer)) return undefined;
  try {
    return { encoded: raw, details: fromBinary(StatusSchema, raw).details };
  } catch {
    return undefined;
  }
}

/**
 * The one mapping from whatever a handler threw to a status. Domain errors keep their message
 * (unless it carries program text) and get ErrorInfo and BadRequest details; an {@link RpcError}
 * keeps its code, message and every detail it arrived with; anything else becomes INTERNAL with
 * {@link internalErrorMessage}. Logging, at most one line per error: the original of an unexpected
 * error, of an internal or data-loss domain error, or of a message replaced for carrying program
 * text, as an error; the cause of any other domain error as a warning; nothing for a relayed status.
 */
export function statusOfError(err: unknown, logger?: ErrorLogger, context: object = {}): WireStatus {
  if (err instanceof RpcError) {
    const message = clientMessage(err.message, kindOfGrpcCode(err.code), logger, err);
    const upstream = upstreamStatus(err);
    return upstream
      ? { code: err.code, message, ...upstream }
      : { code: err.code, message, details: packDetails(err.details) };
  }
  if (isDomainError(err)) {
    const code = grpcCodeByKind[err.kind] ?? GrpcCode.UNKNOWN;
    const programText = containsProgramText(err.message);
    const message = programText ? fallbackMessages[err.kind] : err.message;
    if (code === GrpcCode.INTERNAL || code === GrpcCode.DATA_LOSS) {
      logger?.error({ ...context, err, cause: err.cause }, err.message);
    } else if (programText) {
      logger?.error({ ...context, err, cause: err.cause }, programTextLogMessage);
    } else if (err.cause !== undefined) {
      logger?.warn({ ...context, reason: err.reason, cause: err.cause }, err.message);
    }
    const details = packDetails({
      reason: err.reason,
      domain: errorInfoDomain,
      metadata: { ...err.metadata },
      fieldViolations: err.field ? [{ field: err.field, description: message }] : [],
    });
    return { code, message, details };
  }
  logger?.error({ ...context, err }, "unexpected error in handler");
  return { code: GrpcCode.INTERNAL, message: internalErrorMessage, details: [] };
}

/**
 * Maps whatever a handler threw to a grpc-js status error ({@link statusOfError} on the grpc-js
 * wire): the details as google.rpc.Status in `grpc-status-details-bin`.
 */
export function toServiceError(err: unknown, logger?: ErrorLogger, context: object = {}): GrpcServiceError {
  return grpcServiceError(statusOfError(err, logger, context));
}

/** The grpc-js form of a {@link WireStatus}. */
export function grpcServiceError(status: WireStatus): GrpcServiceError {
  const metadata = new Metadata();
  if (status.encoded) metadata.set("grpc-status-details-bin", Buffer.from(status.encoded));
  else if (status.details.length > 0) {
    metadata.set(
      "grpc-status-details-bin",
      Buffer.from(
        toBinary(
          StatusSchema,
          create(StatusSchema, { code: status.code, message: status.message, details: status.details }),
        ),
      ),
    );
  }
  const err = new Error(status.message) as Error & GrpcServiceError;
  err.code = status.code;
  err.details = status.message;
  err.metadata = metadata;
  return err;
}

/** Decodes the google.rpc.Status details a status carries in `grpc-status-details-bin`. */
export function decodeStatusDetails(metadata: Metadata | undefined): RpcErrorDetails {
  const result: RpcErrorDetails = { metadata: {}, fieldViolations: [] };
  const raw = metadata?.get("grpc-status-details-bin")[0];
  if (!(raw instanceof Buffer)) return result;
  try {
    const statusProto = fromBinary(StatusSchema, raw);
    for (const any of statusProto.details) {
      const info = anyUnpack(any, ErrorInfoSchema);
      if (info) {
        result.reason = info.reason;
        result.domain = info.domain;
        result.metadata = { ...info.metadata };
        continue;
      }
      const badRequest = anyUnpack(any, BadRequestSchema);
      if (badRequest) {
        result.fieldViolations = badRequest.fieldViolations.map((v) => ({
          field: v.field,
          description: v.description,
        }));
      }
    }
  } catch {
    // Undecodable details are dropped: the code and message still stand.
  }
  return result;
}

/** Turns a grpc-js client-side error into an {@link RpcError}, keeping the original as cause. */
export function fromServiceError(err: unknown): RpcError {
  if (err instanceof RpcError) return err;
  const e = err as Partial<ServiceError> | undefined;
  if (e && typeof e.code === "number") {
    return new RpcError(e.code, e.details ?? e.message ?? "", decodeStatusDetails(e.metadata), {
      cause: err,
      ...(e.metadata ? { trailers: e.metadata } : {}),
    });
  }
  return new RpcError(GrpcCode.UNKNOWN, err instanceof Error ? err.message : String(err), {}, { cause: err });
}

export { DomainError };
