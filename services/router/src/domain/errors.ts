/**
 * The router's typed domain errors: each class is one situation with a stable reason and a message
 * the caller can act on; the transport maps each kind to one gRPC code (#shared/grpc-status.js).
 */
import { DomainError } from "#shared/runtime/domain-error.js";

/** No instance at all is registered for the Comune (NOT_FOUND). */
export class UnknownComuneError extends DomainError {
  constructor(comuneCode: string) {
    super("not-found", `no Novabox is registered for comune ${comuneCode}`, {
      reason: "COMUNE_NOT_REGISTERED",
      metadata: { comuneCode },
    });
  }
}

/** Instances are registered for the Comune but none is SERVING (UNAVAILABLE: retrying may work). */
export class NoHealthyInstanceError extends DomainError {
  constructor(comuneCode: string, registered: number) {
    super(
      "unavailable",
      `no healthy Novabox for comune ${comuneCode}: ${registered} registered, none serving; retry later`,
      {
        reason: "NO_HEALTHY_NOVABOX",
        metadata: { comuneCode, registered: String(registered) },
      },
    );
  }
}

/** A request field breaks a rule of the discovery contract (INVALID_ARGUMENT). */
export class InvalidDiscoveryInputError extends DomainError {
  /**
   * @param field request field at fault, e.g. `comune_code`
   * @param message what is wrong and how to fix it, naming the field
   * @param reason stable UPPER_SNAKE_CASE reason
   */
  constructor(field: string, message: string, reason: string) {
    super("invalid-input", message, { field, reason });
  }
}

/** The registry backend (Consul) refused or could not take a write (UNAVAILABLE). */
export class RegistryUnavailableError extends DomainError {
  constructor(operation: string, cause: unknown) {
    super("unavailable", `the service registry could not ${operation} right now; retry later`, {
      reason: "REGISTRY_UNAVAILABLE",
      cause,
    });
  }
}

/** A WatchInstances client fell too far behind the directory's changes (RESOURCE_EXHAUSTED). */
export class WatcherTooSlowError extends DomainError {
  constructor(limit: number) {
    super("rate-limited", `the watch fell more than ${limit} events behind; start a new WatchInstances`, {
      reason: "WATCHER_TOO_SLOW",
    });
  }
}

/**
 * The caller's mesh certificate does not speak for the Comune or workstation it announces or
 * withdraws, or a box's certificate does not name the Comune the router routes to it for
 * (PERMISSION_DENIED).
 */
export class MeshIdentityRefusedError extends DomainError {
  constructor(
    message: string,
    reason: "ANNOUNCER_NOT_AUTHORIZED" | "BOX_IDENTITY_MISMATCH",
    metadata: Record<string, string> = {},
  ) {
    super("forbidden", message, { reason, metadata });
  }
}

/** An announcement carries an audit checkpoint of another box (PERMISSION_DENIED). */
export class CheckpointMismatchError extends DomainError {
  constructor(message: string) {
    super("forbidden", `${message}: a box may only send checkpoints of its own audit log`, {
      reason: "CHECKPOINT_NOT_OF_ANNOUNCER",
    });
  }
}

/** Nothing was witnessed for the instance asked about (NOT_FOUND). */
export class NoCheckpointsError extends DomainError {
  constructor(comuneCode: string, workstationCode: string) {
    super(
      "not-found",
      `no audit checkpoint was witnessed for comune ${comuneCode}, workstation ${workstationCode}: the box has not announced a signed checkpoint to this router`,
      {
        reason: "NO_CHECKPOINTS",
        metadata: { comuneCode, workstationCode },
      },
    );
  }
}
