/**
 * The individual record (scheda individuale, ANPR 3002) for tobacconists: check the call is for
 * this box's Comune, validate the fiscal code,
 * check revocation and limits (each look-up counts towards the mass-extraction guard), call ANPR,
 * and audit the call — success or failure — before answering.
 */
import { auditTobacconistFailure, tobacconistAuditRecord } from "./audit-record.js";
import type { Caller, IndividualRecordResult, Settings } from "./model.js";
import type { AnprGateway, AuditLog, Clock } from "./ports.js";
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

  const row = tobacconistAuditRecord;
  const fail = (caller: Caller, requestId: string, fiscalCode: string, err: unknown): never =>
    auditTobacconistFailure(audit, "INDIVIDUAL_RECORD", caller, requestId, fiscalCode, err);

  return {
    async getIndividualRecord(fiscalCode, caller, comuneCode) {
      const requestId = caller.requestId ?? options.newRequestId();
      let normalized: string;
      try {
        assertNotRevoked(options.settings(), caller.tobacconistId);
        assertServesComune(options.settings(), comuneCode);
        normalized = validateFiscalCode(fiscalCode, "fiscal_code", { referenceDate: clock() });
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
