/**
 * Certificate issuing and previews (ANPR 6001) for tobacconists. An issue runs, in this order:
 * the Comune check (`comune_code` must be this box's) → input validation → revocation and rate limits → idempotency lookup → pending record → ANPR →
 * audit row (also on failure, before the caller replies) → idempotency record → result.
 *
 * Exactly one certificate per idempotency key: before ANPR is called the key, the request
 * fingerprint and the `idOperazioneComune` are recorded durably (pending). Every retry of the key —
 * after a timeout, a lost or unreadable answer, a crash of the box — sends the same id, so ANPR
 * replays its answer instead of issuing again (italia/anpr#596, #3822; italia/anpr#410 shows ANPR
 * completing an operation after the caller's timeout). The key is done only with a verified answer
 * (echoed id and subject checked by the client); a refusal is kept and replayed; an answer about
 * someone else burns the id. The audit log tells apart SUCCESS (issued), ANPR_ERROR (refused, with
 * ANPR's code), OUTCOME_UNKNOWN (id and reason) and RECOVERED (id and protocol); a background task
 * ({@link CertificationService.settleUnknownOutcomes}) settles unknown outcomes when ANPR is back.
 * A retry with the same key and fields replays the first certificate without a second ANPR call or
 * charge; the same key with other fields is refused.
 */
import { auditTobacconistFailure, tobacconistAuditRecord } from "./audit-record.js";
import { formatCertificateFacts, type CertificateFacts } from "./certificate-ledger.js";
import { createHash } from "node:crypto";
import { CERTIFICATE_TYPES } from "#shared/anpr/tables.js";
import {
  AnprFaultError,
  AnprRejectedError,
  AnprUnavailableError,
  AnprWrongSubjectError,
  describeError,
  type AnprMessage,
} from "./anpr-errors.js";
import { isDomainError } from "#shared/runtime/domain-error.js";
import { IdempotencyKeyReusedError, IssuanceOutcomeUnknownError, auditFailureOf } from "./errors.js";
import type {
  AuditOperation,
  AuditRecord,
  Caller,
  CertificatePreview,
  CertificateRequestInput,
  CertificateTypeOffer,
  Charges,
  IssuedCertificate,
  Settings,
} from "./model.js";
import type {
  AnprGateway,
  Atomically,
  AuditLog,
  Clock,
  IdempotencyStore,
  PendingIssuance,
  PendingIssuanceStore,
} from "./ports.js";
import type { RateLimiter } from "./rate-limiter.js";
import { assertNotRevoked } from "./sso.js";
import {
  EXPERIMENTAL_PHASE_CERTIFICATE_TYPES,
  assertServesComune,
  enabledCertificateTypes,
  validateCertificateInput,
  validateIdempotencyKey,
  type CertificateInput,
  type ValidCertificateInput,
} from "./validation.js";
import type { Log } from "#shared/runtime/log.js";

/** An IssueCertificate request in domain terms. */
export interface IssueCertificateInput extends CertificateInput {
  /** 1–64 characters, unique per tobacconist and certificate. */
  idempotencyKey: string;
}

/** Options of {@link createCertificationService}. */
export interface CertificationServiceOptions {
  /** The ANPR gateway for the current configuration; throws "precondition-failed" when not configured. */
  anpr: () => AnprGateway | Promise<AnprGateway>;
  settings: () => Settings;
  audit: AuditLog;
  idempotency: IdempotencyStore;
  /** Requests sent to ANPR without a verified answer yet (one `idOperazioneComune` per key). */
  pending: PendingIssuanceStore;
  /**
   * Runs store writes as one transaction: the `idOperazioneComune` reservation with the pending
   * record naming it (before ANPR), the audit row of a verified certificate with its stored result
   * (before the answer) — one fsync each, not two; default: one after the other, for stores without
   * transactions.
   */
  atomically?: Atomically;
  limiter: RateLimiter;
  /** The retry hint given with an unknown outcome, in seconds (default 30). */
  retryAfterSeconds?: number;
  clock: Clock;
  newRequestId: () => string;
  logger?: Pick<Log, "error">;
}

/** The CertificationService operations. */
export interface CertificationService {
  /**
   * Table 13 with this box's enabled flags; no ANPR call. Audited as CERTIFICATE_TYPES_LIST when
   * `caller` is given. `comuneCode` (the call's `comune_code`) must be this box's Comune or empty.
   */
  listCertificateTypes(caller?: Caller, comuneCode?: string): CertificateTypeOffer[];
  /** Issues a certificate (ANPR 6001, emissione 1), idempotently per key. */
  issue(input: IssueCertificateInput, caller: Caller): Promise<IssuedCertificate>;
  /** Previews a certificate (ANPR 6001, emissione 3); counts towards the limits, not idempotent. */
  preview(input: CertificateInput, caller: Caller): Promise<CertificatePreview>;
  /**
   * Settles the issuances whose outcome at ANPR is unknown (the background task): sends each one's
   * `idOperazioneComune` again, so ANPR answers with what it did; a verified certificate is stored
   * for the key's next retry and audited RECOVERED, a refusal is kept, the rest stays unknown.
   */
  settleUnknownOutcomes(): Promise<SettleReport>;
}

/** What one settling round did. */
export interface SettleReport {
  recovered: number;
  refused: number;
  stillUnknown: number;
  abandoned: number;
}

/** The stored form of a pending issuance's request (ports.ts `PendingIssuance.request`), version 1. */
interface PendingRequestV1 {
  v: 1;
  anpr: CertificateRequestInput;
  charges: Charges;
  certificateTypes: number[];
  /** The billing facts of the audit row (certificate-ledger.ts), without ANPR's warnings. */
  facts: CertificateFacts;
}

/** True when an error means the request certainly never reached ANPR, or ANPR refused it before carrying it out. */
function notCarriedOut(err: unknown): boolean {
  if (err instanceof AnprUnavailableError) return err.requestNotSent;
  if (err instanceof AnprFaultError) return err.reason === "ANPR_SECURITY_FAULT";
  return (
    isDomainError(err) &&
    (err.reason === "NOT_CONFIGURED" || err.kind === "precondition-failed" || err.kind === "invalid-input")
  );
}

function reasonOf(err: unknown): string {
  return isDomainError(err) ? err.reason : "INTERNAL";
}

function describe(err: unknown): string {
  return isDomainError(err) ? err.message : describeError(err);
}

function truncate(text: string, max = 240): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Fingerprint of the fields that define a certificate request, to detect a reused idempotency key. */
export function requestFingerprint(input: ValidCertificateInput): string {
  const canonical = JSON.stringify([
    input.subject.fiscalCode,
    input.subject.surname.toUpperCase(),
    input.subject.name.toUpperCase(),
    input.certificateTypes,
    input.languages,
    input.useAbroad,
    input.requesterType,
    input.stampDuty.type === "paid" ? ["paid"] : ["exempt", input.stampDuty.reason, input.stampDuty.description ?? ""],
  ]);
  return createHash("sha256").update(canonical).digest("hex");
}

/** The charges of a validated request under `settings` (art. 4.1 fee, art. 4.3 bollo, table 39). */
export function computeCharges(
  input: ValidCertificateInput,
  settings: Pick<Settings, "serviceFeeCents" | "stampDutyCents" | "secretariatFeesCents">,
): Charges {
  const exempt = input.stampDuty.type === "exempt";
  const serviceFeeCents = settings.serviceFeeCents;
  const stampDutyCents = exempt ? 0 : settings.stampDutyCents;
  const secretariatFeesCents =
    input.stampDuty.type === "exempt" && input.stampDuty.secretariatFeesExempt ? 0 : settings.secretariatFeesCents;
  return {
    serviceFeeCents,
    stampDutyCents,
    secretariatFeesCents,
    totalCents: serviceFeeCents + stampDutyCents + secretariatFeesCents,
  };
}

function anprRequest(
  input: ValidCertificateInput,
  settings: Settings,
  charges: Charges,
  issuance: 1 | 3,
): CertificateRequestInput {
  return {
    certificateTypes: input.certificateTypes,
    languages: input.languages,
    subject: input.subject,
    officer: { surname: settings.registryOfficerSurname, name: settings.registryOfficerName },
    requesterType: input.requesterType,
    useAbroad: input.useAbroad ? 1 : 0,
    issuance,
    stampDuty:
      input.stampDuty.type === "paid"
        ? { paidCents: charges.stampDutyCents }
        : {
            exemption: input.stampDuty.reason,
            ...(input.stampDuty.description ? { exemptionText: input.stampDuty.description } : {}),
          },
    feesCents: charges.secretariatFeesCents,
  };
}

/** Creates the {@link CertificationService}. */
export function createCertificationService(options: CertificationServiceOptions): CertificationService {
  const { audit, clock } = options;
  const atomically: Atomically = options.atomically ?? ((work) => work());
  /** Issues in flight per tobacconist+key, so concurrent retries wait for the first instead of calling ANPR twice. */
  const inFlight = new Map<string, Promise<unknown>>();

  const row = tobacconistAuditRecord;
  /** Audits a failure (and the mass-extraction alert when due), then rethrows it. */
  const fail = (
    operation: AuditOperation,
    caller: Caller,
    requestId: string,
    fiscalCode: string,
    err: unknown,
  ): never => auditTobacconistFailure(audit, operation, caller, requestId, fiscalCode, err);

  /** Revocation (the call's one check, sso.ts), the Comune, validation and limits: the checks before any ANPR work. */
  const admit = (input: CertificateInput, caller: Caller, settings: Settings): ValidCertificateInput => {
    assertNotRevoked(settings, caller.tobacconistId);
    assertServesComune(settings, input.comuneCode);
    const valid = validateCertificateInput(input, settings, { referenceDate: clock() });
    options.limiter.admit(caller.tobacconistId, valid.subject.fiscalCode, caller.meshMinuteCount);
    return valid;
  };

  const callAnpr = async (request: CertificateRequestInput) => {
    const gateway = await options.anpr();
    return gateway.issueCertificate(request);
  };

  const retryAfterSeconds = options.retryAfterSeconds ?? 30;

  /** The audit row of a verified issuance: SUCCESS ("issued") or RECOVERED (an earlier attempt's outcome was unknown). */
  const issuedRow = (
    caller: Caller,
    requestId: string,
    fiscalCode: string,
    result: IssuedCertificate,
    recovered: boolean,
    operationId: string,
    facts: CertificateFacts,
  ): AuditRecord =>
    row("CERTIFICATE_ISSUE", caller, requestId, fiscalCode, {
      outcome: recovered ? "RECOVERED" : "SUCCESS",
      anprProtocolNumber: result.protocolNumber,
      anprOperationId: result.anprOperationId,
      detail: `${formatCertificateFacts({ ...facts, warnings: result.warnings.map((w) => w.code) })}; idoperazionecomune=${operationId}`,
    });

  /**
   * One attempt at ANPR for a pending record: sends its `idOperazioneComune` (the same at every
   * attempt) and settles the record by what comes back. `fresh` = the record was created by this
   * call (no earlier attempt can have reached ANPR).
   */
  const attempt = async (
    pending: PendingIssuance,
    fresh: boolean,
    caller: Caller,
    requestId: string,
  ): Promise<IssuedCertificate> => {
    const stored = JSON.parse(pending.request) as PendingRequestV1;
    let answer;
    try {
      const gateway = await options.anpr();
      answer = await gateway.issueCertificate(stored.anpr, { idOperazioneComune: pending.operationId });
    } catch (err) {
      const at = clock();
      if (err instanceof AnprRejectedError) {
        // ANPR carried the request out and refused it: a retry gets the same refusal.
        options.pending.markRefused(
          pending.tobacconistId,
          pending.key,
          JSON.stringify({ errors: err.errors, anprOperationId: err.anprOperationId ?? "" }),
          `${err.reason}: ${err.message}`,
          at,
        );
        audit.append(
          row("CERTIFICATE_ISSUE", caller, requestId, pending.fiscalCode, {
            ...auditFailureOf(err),
            detail: `refused by ANPR; idOperazioneComune ${pending.operationId}; ${err.message}`.slice(0, 240),
          }),
        );
        throw err;
      }
      if (err instanceof AnprWrongSubjectError || (fresh && notCarriedOut(err))) {
        // Not carried out for this key (never sent, or ANPR replayed another operation's answer):
        // the next attempt starts afresh under a new id.
        options.pending.settle(pending.tobacconistId, pending.key);
        audit.append(
          row("CERTIFICATE_ISSUE", caller, requestId, pending.fiscalCode, {
            ...auditFailureOf(err),
            detail: truncate(`idOperazioneComune ${pending.operationId} abandoned; ${reasonOf(err)}: ${describe(err)}`),
          }),
        );
        throw err;
      }
      const cause = { reason: reasonOf(err), message: describe(err) };
      options.pending.markAttempt(pending.tobacconistId, pending.key, `${cause.reason}: ${cause.message}`, at);
      audit.append(
        row("CERTIFICATE_ISSUE", caller, requestId, pending.fiscalCode, {
          outcome: "OUTCOME_UNKNOWN",
          anprErrorCode: cause.reason,
          detail: truncate(
            `outcome unknown; idOperazioneComune ${pending.operationId}; ${cause.reason}: ${cause.message}`,
          ),
        }),
      );
      throw new IssuanceOutcomeUnknownError(pending.operationId, cause, retryAfterSeconds);
    }
    const result: IssuedCertificate = {
      pdf: answer.pdf,
      protocolNumber: answer.protocolNumber,
      anprOperationId: answer.anprOperationId,
      warnings: answer.warnings,
      charges: stored.charges,
      certificateTypes: stored.certificateTypes,
      issuedAt: clock(),
      requestId,
      replayed: false,
    };
    // The audit row and the stored result commit together, before the answer. Storing the result
    // may fail on its own (undone alone): the audit row still commits and a retry asks ANPR again
    // under the same id; an audit row that cannot be written fails the call, as it always did.
    atomically(() => {
      audit.append(
        issuedRow(
          caller,
          requestId,
          pending.fiscalCode,
          result,
          !fresh || pending.attempts > 0,
          pending.operationId,
          stored.facts,
        ),
      );
      try {
        options.pending.settle(pending.tobacconistId, pending.key, {
          requestFingerprint: pending.requestFingerprint,
          certificate: result,
          createdAt: clock(),
        });
      } catch (err) {
        options.logger?.error(
          { err, requestId },
          "could not store the issued certificate; a retry with the same key asks ANPR again under the same id",
        );
      }
    });
    return result;
  };

  const issueOnce = async (
    input: IssueCertificateInput,
    caller: Caller,
    requestId: string,
  ): Promise<IssuedCertificate> => {
    const settings = options.settings();
    const rawFiscalCode = input.subject.fiscalCode.trim().toUpperCase().slice(0, 32);
    let valid: ValidCertificateInput;
    let key: string;
    let fingerprint: string;
    let pending: PendingIssuance | undefined;
    try {
      key = validateIdempotencyKey(input.idempotencyKey);
      valid = admit(input, caller, settings);
      fingerprint = requestFingerprint(valid);
      const stored = options.idempotency.get(caller.tobacconistId, key);
      if (stored) {
        if (stored.requestFingerprint !== fingerprint) throw new IdempotencyKeyReusedError();
        const replay: IssuedCertificate = { ...stored.certificate, replayed: true };
        audit.append(
          row("CERTIFICATE_ISSUE", caller, requestId, valid.subject.fiscalCode, {
            anprProtocolNumber: replay.protocolNumber,
            anprOperationId: replay.anprOperationId,
            detail: `idempotent replay of request ${replay.requestId}`,
          }),
        );
        return replay;
      }
      pending = options.pending.get(caller.tobacconistId, key);
      if (pending && pending.requestFingerprint !== fingerprint) throw new IdempotencyKeyReusedError();
      if (pending?.state === "refused") {
        const refusal = JSON.parse(pending.refusal) as { errors: AnprMessage[]; anprOperationId: string };
        throw new AnprRejectedError(refusal.errors, refusal.anprOperationId || undefined);
      }
    } catch (err) {
      return fail("CERTIFICATE_ISSUE", caller, requestId, rawFiscalCode, err);
    }

    let fresh = false;
    if (!pending) {
      const charges = computeCharges(valid, settings);
      try {
        const gateway = await options.anpr();
        const now = clock();
        const request: PendingRequestV1 = {
          v: 1,
          anpr: anprRequest(valid, settings, charges, 1),
          charges,
          certificateTypes: valid.certificateTypes,
          facts: {
            types: valid.certificateTypes,
            charges,
            ...(valid.stampDuty.type === "exempt" ? { exemption: valid.stampDuty.reason } : {}),
            ...(valid.reason ? { reason: valid.reason } : {}),
          },
        };
        const requestJson = JSON.stringify(request);
        // The id's reservation and the record naming it commit together (one fsync), before ANPR is called.
        const recorded = atomically(() => {
          const record: PendingIssuance = {
            tobacconistId: caller.tobacconistId,
            key,
            requestFingerprint: fingerprint,
            operationId: gateway.nextOperationId(),
            fiscalCode: valid.subject.fiscalCode,
            request: requestJson,
            state: "pending",
            refusal: "",
            attempts: 0,
            lastReason: "",
            createdAt: now,
            updatedAt: now,
          };
          return { record, created: options.pending.create(record) };
        });
        pending = recorded.record;
        if (!recorded.created) {
          // Another process of this ANPR_HOME recorded the key first: use its record.
          pending = options.pending.get(caller.tobacconistId, key) ?? pending;
        } else fresh = true;
      } catch (err) {
        return fail("CERTIFICATE_ISSUE", caller, requestId, valid.subject.fiscalCode, err);
      }
    }
    return attempt(pending, fresh, caller, requestId);
  };

  /** Settles every unknown outcome not being retried right now; see {@link CertificationService.settleUnknownOutcomes}. */
  const settleUnknownOutcomes = async (): Promise<SettleReport> => {
    const report: SettleReport = { recovered: 0, refused: 0, stillUnknown: 0, abandoned: 0 };
    for (const pending of options.pending.listUnsettled(500)) {
      const flightKey = JSON.stringify([pending.tobacconistId, pending.key]);
      if (inFlight.has(flightKey)) continue;
      const system: Caller = { tobacconistId: pending.tobacconistId, authenticationMethod: "SYSTEM" };
      const requestId = options.newRequestId();
      const run = attempt(pending, false, system, requestId);
      inFlight.set(flightKey, run);
      try {
        await run;
        report.recovered += 1;
      } catch (err) {
        if (err instanceof AnprRejectedError) report.refused += 1;
        else if (err instanceof IssuanceOutcomeUnknownError) report.stillUnknown += 1;
        else report.abandoned += 1;
      } finally {
        if (inFlight.get(flightKey) === run) inFlight.delete(flightKey);
      }
    }
    return report;
  };

  return {
    listCertificateTypes(caller, comuneCode) {
      assertServesComune(options.settings(), comuneCode);
      const enabled = enabledCertificateTypes(options.settings());
      if (caller)
        audit.append(
          row("CERTIFICATE_TYPES_LIST", caller, caller.requestId ?? options.newRequestId(), "", {
            detail: `enabled ${enabled.join(",")}`,
          }),
        );
      return CERTIFICATE_TYPES.map((t) => ({
        id: t.id,
        description: t.description,
        experimentalPhase: EXPERIMENTAL_PHASE_CERTIFICATE_TYPES.includes(t.id),
        enabled: enabled.includes(t.id),
      }));
    },

    settleUnknownOutcomes,

    async issue(input, caller) {
      const requestId = caller.requestId ?? options.newRequestId();
      const flightKey = JSON.stringify([caller.tobacconistId, input.idempotencyKey]);
      const earlier = inFlight.get(flightKey);
      if (earlier) await earlier.catch(() => undefined);
      const run = issueOnce(input, caller, requestId);
      inFlight.set(flightKey, run);
      try {
        return await run;
      } finally {
        if (inFlight.get(flightKey) === run) inFlight.delete(flightKey);
      }
    },

    async preview(input, caller) {
      const requestId = caller.requestId ?? options.newRequestId();
      const settings = options.settings();
      let valid: ValidCertificateInput;
      try {
        valid = admit(input, caller, settings);
      } catch (err) {
        return fail(
          "CERTIFICATE_PREVIEW",
          caller,
          requestId,
          input.subject.fiscalCode.trim().toUpperCase().slice(0, 32),
          err,
        );
      }
      const charges = computeCharges(valid, settings);
      let answer;
      try {
        answer = await callAnpr(anprRequest(valid, settings, charges, 3));
      } catch (err) {
        return fail("CERTIFICATE_PREVIEW", caller, requestId, valid.subject.fiscalCode, err);
      }
      const previewedAt = clock();
      audit.append(
        row("CERTIFICATE_PREVIEW", caller, requestId, valid.subject.fiscalCode, {
          anprOperationId: answer.anprOperationId,
          detail: formatCertificateFacts({
            types: valid.certificateTypes,
            ...(valid.reason ? { reason: valid.reason } : {}),
          }),
        }),
      );
      return {
        pdf: answer.pdf,
        anprOperationId: answer.anprOperationId,
        warnings: answer.warnings,
        charges,
        certificateTypes: valid.certificateTypes,
        previewedAt,
        requestId,
      };
    },
  };
}
