/**
 * The Novabox's typed domain errors. Each class is one domain situation with a stable `reason`, a
 * message the operator or tobacconist can act on (naming the field at fault), and only safe
 * metadata; the transport layer maps each `kind` to one gRPC code (services/shared/src/rpc/grpc-status.ts).
 */
import { DomainError, isDomainError, type DomainErrorKind } from "#shared/runtime/domain-error.js";
import type { AuditOutcome } from "./model.js";

/** The request carries a value that breaks a rule checked before ANPR is called. */
export class InvalidInputError extends DomainError {
  /**
   * @param field request field path at fault, e.g. `subject.fiscal_code`
   * @param message what is wrong and how to fix it, naming the field
   * @param reason stable UPPER_SNAKE_CASE reason, e.g. `INVALID_FISCAL_CODE`
   */
  constructor(field: string, message: string, reason: string, metadata: Record<string, string> = {}) {
    super("invalid-input", message, { field, reason, metadata });
  }
}

/** A certificate type exists in table 13 but this Comune does not issue it (PERMISSION_DENIED in the contract). */
export class CertificateTypeNotEnabledError extends DomainError {
  constructor(field: string, typeId: number) {
    super(
      "forbidden",
      `${field}: certificate type ${typeId} is not issued by this Comune; choose one of the types ListCertificateTypes marks as enabled`,
      {
        field,
        reason: "CERTIFICATE_TYPE_NOT_ENABLED",
        metadata: { certificateType: String(typeId) },
      },
    );
  }
}

/**
 * The call names another Comune than the one this box serves (FAILED_PRECONDITION in the contract):
 * the box would otherwise sign an ANPR request with its own Comune's credentials for a citizen of
 * another Comune. Refused before any ANPR call.
 */
export class ComuneMismatchError extends DomainError {
  constructor(requested: string, served: string) {
    super(
      "precondition-failed",
      `comune_code ${requested} is not this Novabox's Comune: this box serves Comune ${served} only; send the call for ${requested} to that Comune's Novabox (through Novares)`,
      {
        field: "comune_code",
        reason: "COMUNE_MISMATCH",
        metadata: { requestedComuneCode: requested, servedComuneCode: served },
      },
    );
  }
}

/** A password does not meet the policy (length). */
export class WeakPasswordError extends DomainError {
  constructor(field: string, message: string) {
    super("invalid-input", message, { field, reason: "WEAK_PASSWORD" });
  }
}

/** RegisterAdmin after the first administrator exists (FAILED_PRECONDITION in the contract). */
export class AdminAlreadyRegisteredError extends DomainError {
  constructor() {
    super(
      "precondition-failed",
      "an administrator is already registered on this Novabox; log in with that account instead",
      {
        reason: "ADMIN_ALREADY_REGISTERED",
      },
    );
  }
}

/** Login failed; deliberately does not say whether the username or the password was wrong. */
export class InvalidCredentialsError extends DomainError {
  constructor() {
    super("unauthenticated", "wrong username or password", { reason: "INVALID_CREDENTIALS" });
  }
}

/** Too many failed logins: refused until `retryAt`, whatever the password. */
export class LoginLockedError extends DomainError {
  /** When a new attempt will be considered. */
  readonly retryAt: Date;
  constructor(retryAt: Date, retryAfterSeconds: number) {
    super(
      "rate-limited",
      `too many failed login attempts; try again in ${retryAfterSeconds} s (after ${retryAt.toISOString()})`,
      {
        reason: "LOGIN_LOCKED",
        metadata: { retryAfterSeconds: String(retryAfterSeconds), retryAt: retryAt.toISOString() },
      },
    );
    this.retryAt = retryAt;
  }
}

/** ChangePassword with a wrong current password (PERMISSION_DENIED in the contract). */
export class WrongCurrentPasswordError extends DomainError {
  constructor() {
    super("forbidden", "current_password is wrong; the password was not changed", {
      field: "current_password",
      reason: "WRONG_CURRENT_PASSWORD",
    });
  }
}

/** An admin session token is missing, forged, expired, or predates a password change. */
export class InvalidSessionError extends DomainError {
  constructor(
    reason: "SESSION_MISSING" | "SESSION_EXPIRED" | "SESSION_INVALID" | "SESSION_REVOKED",
    message: string,
    cause?: unknown,
  ) {
    super("unauthenticated", message, { reason, cause });
  }
}

/** The SSO key, issuer or audience is not set (or the key cannot be used), so no tobacconist can be verified. */
export class SsoNotConfiguredError extends DomainError {
  constructor(
    message: string,
    reason: "SSO_NOT_CONFIGURED" | "SSO_KEY_UNSUPPORTED" = "SSO_NOT_CONFIGURED",
    cause?: unknown,
  ) {
    super("precondition-failed", message, { reason, cause });
  }
}

export { SsoTokenError, type SsoTokenFailure } from "#shared/mesh/sso-token.js";

/** The Comune revoked this tobacconist's access (agreement art. 5.4). */
export class TobacconistRevokedError extends DomainError {
  constructor(tobacconistId: string) {
    super(
      "forbidden",
      `tobacconist ${tobacconistId} has been revoked by the Comune and may not request certificates or records; contact the Comune's registry office`,
      {
        reason: "TOBACCONIST_REVOKED",
        metadata: { tobacconistId },
      },
    );
  }
}

export { TobacconistMismatchError } from "#shared/mesh/sso-token.js";

/** The per-tobacconist request rate was exceeded. */
export class RateLimitedError extends DomainError {
  /** Seconds until a new request will be accepted. */
  readonly retryAfterSeconds: number;
  constructor(limitPerMinute: number, retryAfterSeconds: number) {
    super(
      "rate-limited",
      `more than ${limitPerMinute} requests per minute from this tobacconist; retry in ${retryAfterSeconds} s`,
      {
        reason: "RATE_LIMITED",
        metadata: { retryAfterSeconds: String(retryAfterSeconds), limitPerMinute: String(limitPerMinute) },
      },
    );
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * The tobacconist reached the limit of distinct fiscal codes within the window (agreement art. 3.11:
 * no bulk extraction). `alert` is true for the first refusal of an episode: the caller must then
 * append an ANOMALY_ALERT audit row.
 */
export class MassExtractionError extends DomainError {
  /** Seconds until a new fiscal code will be accepted. */
  readonly retryAfterSeconds: number;
  /** True when this refusal opens a new episode and must be reported with an alert row. */
  readonly alert: boolean;
  constructor(distinctLimit: number, windowSeconds: number, retryAfterSeconds: number, alert: boolean) {
    super(
      "rate-limited",
      `this tobacconist has queried ${distinctLimit} different fiscal codes within ${windowSeconds} s, the most the Comune allows; requests for fiscal codes already queried still work, new ones in ${retryAfterSeconds} s`,
      {
        reason: "MASS_EXTRACTION",
        metadata: {
          retryAfterSeconds: String(retryAfterSeconds),
          distinctFiscalCodes: String(distinctLimit),
          windowSeconds: String(windowSeconds),
        },
      },
    );
    this.retryAfterSeconds = retryAfterSeconds;
    this.alert = alert;
  }
}

/** An idempotency key was reused with different request fields. */
export class IdempotencyKeyReusedError extends DomainError {
  constructor() {
    super(
      "already-exists",
      "idempotency_key was already used for a different request; use a new key for a new certificate",
      {
        field: "idempotency_key",
        reason: "IDEMPOTENCY_KEY_REUSED",
      },
    );
  }
}

/**
 * A certificate request reached ANPR (or may have) but no verified answer came back: ANPR may have
 * issued the certificate. Retrying with the same idempotency key is safe and is how the tobacconist
 * gets it: the box sends the same `idOperazioneComune`, and ANPR answers with its stored answer
 * instead of issuing a second certificate (italia/anpr#596, #3822).
 */
export class IssuanceOutcomeUnknownError extends DomainError {
  constructor(operationId: string, cause: { reason: string; message: string }, retryAfterSeconds: number) {
    super(
      "unavailable",
      `ANPR may have issued this certificate (operation ${operationId}) but no verified answer came back (${cause.message}); retry with the same idempotency_key in ${retryAfterSeconds} s or later: the Novabox asks ANPR for the same operation again and never issues a second certificate`,
      {
        reason: "ANPR_OUTCOME_UNKNOWN",
        metadata: {
          idOperazioneComune: operationId,
          cause: cause.reason,
          retryAfterSeconds: String(retryAfterSeconds),
        },
      },
    );
  }
}

/** What an audit row records about a failed operation. */
export interface AuditFailureFields {
  outcome: AuditOutcome;
  anprErrorCode: string;
  anprOperationId: string;
  detail: string;
}

/**
 * Classifies a failure for the audit log (novabox.config.v1.AuditOutcome): ANPR's KO answers and
 * SOAP faults are `ANPR_ERROR` with ANPR's code; refusals by the Novabox are `INVALID` (bad input,
 * precondition, reused idempotency key), `DENIED` (authentication, authorization, revoked) or
 * `RATE_LIMITED`; anything else (ANPR unreachable, bugs) is `FAILED`.
 */
export function auditFailureOf(err: unknown): AuditFailureFields {
  if (!isDomainError(err))
    return { outcome: "FAILED", anprErrorCode: "", anprOperationId: "", detail: "internal error" };
  const meta = err.metadata;
  if (err.reason === "ANPR_REJECTED") {
    return {
      outcome: "ANPR_ERROR",
      anprErrorCode: meta.anprCode ?? "",
      anprOperationId: meta.anprOperationId ?? "",
      detail: truncate(err.message),
    };
  }
  if (err.reason === "ANPR_FAULT" || err.reason === "ANPR_SECURITY_FAULT") {
    return {
      outcome: "ANPR_ERROR",
      anprErrorCode: meta.faultCode ?? "",
      anprOperationId: "",
      detail: truncate(err.message),
    };
  }
  return {
    outcome: outcomeOfKind[err.kind] ?? "FAILED",
    anprErrorCode: "",
    anprOperationId: "",
    detail: truncate(`${err.reason}: ${err.message}`),
  };
}

const outcomeOfKind: Partial<Record<DomainErrorKind, AuditOutcome>> = {
  "invalid-input": "INVALID",
  "precondition-failed": "INVALID",
  "out-of-range": "INVALID",
  "already-exists": "INVALID",
  unauthenticated: "DENIED",
  forbidden: "DENIED",
  "rate-limited": "RATE_LIMITED",
};

function truncate(text: string, max = 240): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A signed export was asked of a box without a mesh key (FAILED_PRECONDITION). */
export class ExportNotSignableError extends DomainError {
  constructor() {
    super(
      "precondition-failed",
      "This box has no mesh key to sign the export with: run it with NOVABOX_MESH_TLS_DIR and NOVABOX_MESH_ROLE (mutual TLS in the mesh).",
      {
        reason: "NO_SIGNING_KEY",
      },
    );
  }
}
