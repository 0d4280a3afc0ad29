/** Builds audit rows with every field present, so each service states only what it knows. */
import type { AuditOperation, AuditRecord } from "./model.js";

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
