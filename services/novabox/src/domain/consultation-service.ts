/**
 * The individual record (scheda individuale, ANPR 3002) for tobacconists: check the call is for
 * this box's Comune, validate the fiscal code,
 * check revocation and limits (each look-up counts towards the mass-extraction guard), call ANPR,
 * and audit the call — success or failure — before answering.
 */
import { auditRecord } from "./audit-record.js";
import type { IndividualRecord } from "../anpr-client/responses.js";
import { MassExtractionError, auditFailureOf } from "./errors.js";
import type { AuditOperation, AuditRecord, Settings } from "./model.js";
import type { AuditLog, Clock } from "./ports.js";
import type { AnprGateway, Caller } from "./certification-service.js";
import type { RateLimiter } from "./rate-limiter.js";
import { assertNotRevoked } from "./sso.js";
import { assertServesComune, validateFiscalCode } from "./validation.js";

/** Options of {@link createConsultationService}. */
export interface ConsultationServiceOptions {
  /** The ANPR gateway for the current configuration; throws "precondition-failed" when not configured. */
  anpr: () => AnprGateway | Promise<AnprGateway>;
  settings: () => Settings;
  audit: AuditLog;
  limiter: RateLimiter;
  clock: Clock;
  newRequestId: () => string;
}

/** ANPR's individual record plus what the response reports about the call. */
export interface IndividualRecordResult extends Omit<IndividualRecord, "echoedOperationId"> {
  /** The audit request id of this call. */
  requestId: string;
  /** When ANPR's answer was received. */
  retrievedAt: Date;
}

/** The ConsultationService operations. */
export interface ConsultationService {
  /**
   * Reads the individual record of `fiscalCode` (field `fiscal_code`) for `caller`; `comuneCode`
   * (the call's `comune_code`) must be this box's Comune or empty. Throws "precondition-failed"
   * COMUNE_MISMATCH, "invalid-input", "forbidden" (revoked), "rate-limited" (limits, mass extraction), or ANPR's
   * typed errors (e.g. "not-found" EN042), each audited as INDIVIDUAL_RECORD.
   */
  getIndividualRecord(fiscalCode: string, caller: Caller, comuneCode?: string): Promise<IndividualRecordResult>;
}

/** Creates the {@link ConsultationService}. */
export function createConsultationService(options: ConsultationServiceOptions): ConsultationService {
  const { audit, clock } = options;

  const row = (
    operation: AuditOperation,
    caller: Caller,
    requestId: string,
    fiscalCode: string,
    fields: Partial<AuditRecord>,
  ): AuditRecord =>
    auditRecord(
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

  const fail = (caller: Caller, requestId: string, fiscalCode: string, err: unknown): never => {
    audit.append(row("INDIVIDUAL_RECORD", caller, requestId, fiscalCode, auditFailureOf(err)));
    if (err instanceof MassExtractionError && err.alert) {
      audit.append(
        row("ANOMALY_ALERT", caller, requestId, fiscalCode, {
          outcome: "RATE_LIMITED",
          detail: `tobacconist ${caller.tobacconistId}: ${err.message}`.slice(0, 240),
        }),
      );
    }
    throw err;
  };

  return {
    async getIndividualRecord(fiscalCode, caller, comuneCode) {
      const requestId = caller.requestId ?? options.newRequestId();
      let normalized: string;
      try {
        assertServesComune(options.settings(), comuneCode);
        normalized = validateFiscalCode(fiscalCode, "fiscal_code", { referenceDate: clock() });
        assertNotRevoked(options.settings(), caller.tobacconistId);
        options.limiter.admit(caller.tobacconistId, normalized, caller.meshMinuteCount);
      } catch (err) {
        return fail(caller, requestId, fiscalCode.trim().toUpperCase().slice(0, 32), err);
      }
      let answer;
      try {
        const gateway = await options.anpr();
        answer = await gateway.getIndividualRecord({ fiscalCode: normalized, referenceDate: clock() });
      } catch (err) {
        return fail(caller, requestId, normalized, err);
      }
      const retrievedAt = clock();
      audit.append(
        row("INDIVIDUAL_RECORD", caller, requestId, normalized, {
          anprOperationId: answer.anprOperationId,
          detail: `family members ${answer.familyMembers.length}${answer.warnings.length ? `; ANPR warnings ${answer.warnings.map((w) => w.code).join(",")}` : ""}`,
        }),
      );
      return {
        anprOperationId: answer.anprOperationId,
        subject: answer.subject,
        familyMembers: answer.familyMembers,
        warnings: answer.warnings,
        requestId,
        retrievedAt,
      };
    },
  };
}
