/**
 * The one audit-row builder: rows with every field present, so each service states only what it
 * knows; the tobacconists' services (certification, consultation) build theirs through
 * {@link tobacconistAuditRecord} and audit failures through {@link auditTobacconistFailure}.
 */
import { MassExtractionError, auditFailureOf } from "./errors.js";
import type { AuditOperation, AuditRecord, Caller } from "./model.js";
import type { AuditLog } from "./ports.js";

/** The identity part of an audit row. */
export interface AuditSubject {
  authenticationMethod: AuditRecord["authenticationMethod"];
  /** The tobacconist, for tobacconists' operations. */
  tobacconistId?: string;
  /** Who acted: the tobacconist, the admin user, or the system. */
  actor: string;
  requestId: string;
  fiscalCode?: string;
}

/** A SUCCESS row for `operation` by `subject`, with `fields` overriding the defaults. */
export function auditRecord(
  operation: AuditOperation,
  subject: AuditSubject,
  fields: Partial<AuditRecord> = {},
): AuditRecord {
  return {
    operation,
    outcome: "SUCCESS",
    authenticationMethod: subject.authenticationMethod,
    fiscalCode: subject.fiscalCode ?? "",
    requestId: subject.requestId,
    tobacconistId: subject.tobacconistId ?? "",
    actor: subject.actor,
    anprProtocolNumber: "",
    anprOperationId: "",
    anprErrorCode: "",
    detail: "",
    ...fields,
  };
}

/** A row of a tobacconist's call: the caller acts, under `requestId`, about `fiscalCode`. */
export function tobacconistAuditRecord(
  operation: AuditOperation,
  caller: Caller,
  requestId: string,
  fiscalCode: string,
  fields: Partial<AuditRecord> = {},
): AuditRecord {
  return auditRecord(
    operation,
    {
      authenticationMethod: caller.authenticationMethod,
      tobacconistId: caller.tobacconistId,
      actor: caller.tobacconistId,
      requestId,
      fiscalCode,
    },
    fields,
  );
}

/**
 * Audits a tobacconist's failed call (outcome and code from {@link auditFailureOf}) and, when the
 * mass-extraction guard raised its alert, the ANOMALY_ALERT row too, then rethrows `err`: the
 * rows are durable before the caller hears of the failure.
 */
export function auditTobacconistFailure(
  audit: AuditLog,
  operation: AuditOperation,
  caller: Caller,
  requestId: string,
  fiscalCode: string,
  err: unknown,
): never {
  audit.append(tobacconistAuditRecord(operation, caller, requestId, fiscalCode, auditFailureOf(err)));
  if (err instanceof MassExtractionError && err.alert) {
    audit.append(
      tobacconistAuditRecord("ANOMALY_ALERT", caller, requestId, fiscalCode, {
        outcome: "RATE_LIMITED",
        detail: `tobacconist ${caller.tobacconistId}: ${err.message}`.slice(0, 240),
      }),
    );
  }
  throw err;
}
