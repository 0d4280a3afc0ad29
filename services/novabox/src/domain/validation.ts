/**
 * Checks a certificate or consultation request before anything is sent to ANPR, so a typo costs
 * neither an ANPR operation id nor a rate-limit slot, and the tobacconist learns which field to fix.
 * The rules mirror what ANPR would refuse (codice fiscale, table 13/14/39, EN153–EN157, EN281–EN282,
 * EN287, the XSD's `alfabeticoNomiCognomi`) plus the Comune's enabled certificate types.
 */
import { validateCodiceFiscale } from "#shared/anpr/codice-fiscale.js";
import {
  CERTIFICATE_TYPES,
  certificateTypeInfo,
  isLanguageCode,
  stampDutyExemptionInfo,
  type LanguageCode,
} from "#shared/anpr/tables.js";
import { CertificateTypeNotEnabledError, ComuneMismatchError, InvalidInputError } from "./errors.js";
import type { Settings } from "./model.js";
import { validateRequestReason, type RequestReasonInput, type ValidRequestReason } from "./request-reason.js";

/**
 * The types offered when the Comune has not chosen (`enabledCertificateTypes` empty): the
 * experimental phase admits certificates anyone may request with a stated reason (agreement art.
 * 2.1), i.e. every table 13 type that may be combined; the single-only ones (death, cancellation,
 * citizenship and residence histories) need the registry office's assessment.
 */
export const EXPERIMENTAL_PHASE_CERTIFICATE_TYPES: readonly number[] = Object.freeze(
  CERTIFICATE_TYPES.filter((t) => !t.singleOnly).map((t) => t.id),
);

/** Longest free-text exemption reason ANPR accepts (EN282). */
export const EXEMPTION_DESCRIPTION_MAX_LENGTH = 256;

/** Longest surname or name ANPR accepts (`alfabeticoNomiCognomi`). */
export const NAME_MAX_LENGTH = 80;

/** Longest idempotency key the contract allows. */
export const IDEMPOTENCY_KEY_MAX_LENGTH = 64;

/**
 * ANPR's `alfabeticoNomiCognomi` pattern: Latin letters with diacritics (U+00C0–U+017E, U+0189),
 * space, `-`, `'`, `.`, `,`. The XSD also lists some C1 code points (Windows-1252 artefacts); they are
 * control characters in Unicode and are refused here.
 */
const NAME_PATTERN = /^[a-zA-Z\u00C0-\u017E\u0189\- '.,]+$/;

/** How the stamp duty is settled: paid (the configured amount) or an exemption from table 39. */
export type StampDutyInput = { type: "paid" } | { type: "exempt"; reason: number; description?: string };

/** The subject (intestatario) as typed at the counter. */
export interface SubjectInput {
  fiscalCode: string;
  surname: string;
  name: string;
}

/** A certificate request in domain terms (handlers map the proto request to this). */
export interface CertificateInput {
  /** The Comune the call is for (`comune_code`); must be this box's. Empty or absent = this box's Comune. */
  comuneCode?: string;
  subject: SubjectInput;
  /** Table 13 ids; more than one gives a contestuale certificate. */
  certificateTypes: readonly number[];
  /** Table 14 codes (IT, DE, FR, SL); empty or absent = Italian. */
  languages?: readonly string[];
  /** For use abroad / a foreign authority (`paEstera` 1) or not (0). */
  useAbroad: boolean;
  /** 1 = a third party asks (default), 2 = the subject asks. */
  requesterType?: 1 | 2;
  /** Exactly one way of settling the stamp duty; undefined is refused. */
  stampDuty: StampDutyInput | undefined;
  /** The stated reason (motivo); required in the experimental phase. */
  reason?: RequestReasonInput;
}

/** A request that passed {@link validateCertificateInput}: trimmed, upper-cased where ANPR expects it. */
export interface ValidCertificateInput {
  subject: SubjectInput;
  certificateTypes: number[];
  languages: LanguageCode[];
  useAbroad: boolean;
  requesterType: 1 | 2;
  stampDuty:
    { type: "paid" } | { type: "exempt"; reason: number; description?: string; secretariatFeesExempt: boolean };
  /** The stated reason, when one was given. */
  reason?: ValidRequestReason;
}

/** Options of the validators. */
export interface ValidationOptions {
  /** Date that picks the century of the codice fiscale's two-digit year (default today). */
  referenceDate?: Date;
}

/** The table 13 ids this Comune issues now: its configured list, or the experimental-phase default. */
export function enabledCertificateTypes(settings: Pick<Settings, "enabledCertificateTypes">): readonly number[] {
  return settings.enabledCertificateTypes.length > 0
    ? settings.enabledCertificateTypes
    : EXPERIMENTAL_PHASE_CERTIFICATE_TYPES;
}

/**
 * Checks a codice fiscale (format, check character, real date of birth) and returns it normalized
 * (trimmed, upper case). Throws {@link InvalidInputError} `INVALID_FISCAL_CODE` naming `field`.
 */
export function validateFiscalCode(value: string, field = "fiscal_code", options: ValidationOptions = {}): string {
  if (value.trim() === "")
    throw new InvalidInputError(
      field,
      `${field} is required: the subject's codice fiscale (16 characters)`,
      "FISCAL_CODE_REQUIRED",
    );
  const result = validateCodiceFiscale(
    value,
    options.referenceDate ? { referenceDate: options.referenceDate.toISOString().slice(0, 10) } : {},
  );
  if (!result.valid) {
    throw new InvalidInputError(field, `${field}: ${result.message}`, "INVALID_FISCAL_CODE", {
      problem: result.reason,
    });
  }
  return result.normalized;
}

/** Checks a surname or name against ANPR's rules and returns it trimmed, inner spaces collapsed. */
export function validatePersonName(value: string, field: string): string {
  const normalized = value
    .replace(/[\u2018\u2019\u02BC`]/g, "'")
    .replace(/\s+/g, " ")
    .trim();
  if (normalized === "")
    throw new InvalidInputError(field, `${field} is required, exactly as in the register`, "NAME_REQUIRED");
  if (normalized.length > NAME_MAX_LENGTH) {
    throw new InvalidInputError(
      field,
      `${field} is longer than ${NAME_MAX_LENGTH} characters, the most ANPR accepts`,
      "NAME_TOO_LONG",
    );
  }
  if (!NAME_PATTERN.test(normalized)) {
    const bad = [...normalized].find((c) => !NAME_PATTERN.test(c)) ?? "";
    throw new InvalidInputError(
      field,
      `${field} contains ${JSON.stringify(bad)}: only letters (accents allowed), spaces, apostrophes, hyphens, dots and commas are accepted`,
      "NAME_INVALID_CHARACTERS",
    );
  }
  return normalized;
}

/** Checks an idempotency key: 1–64 printable ASCII characters, no spaces. */
export function validateIdempotencyKey(value: string, field = "idempotency_key"): string {
  if (value === "")
    throw new InvalidInputError(
      field,
      `${field} is required: a unique value per certificate (a UUID is recommended)`,
      "IDEMPOTENCY_KEY_REQUIRED",
    );
  if (value.length > IDEMPOTENCY_KEY_MAX_LENGTH || !/^[\x21-\x7E]+$/.test(value)) {
    throw new InvalidInputError(
      field,
      `${field} must be 1-${IDEMPOTENCY_KEY_MAX_LENGTH} printable ASCII characters without spaces (a UUID is recommended)`,
      "IDEMPOTENCY_KEY_INVALID",
    );
  }
  return value;
}

function validateCertificateTypes(
  types: readonly number[],
  settings: Pick<Settings, "enabledCertificateTypes">,
): number[] {
  const field = "certificate_types";
  if (types.length === 0)
    throw new InvalidInputError(
      field,
      `${field}: choose at least one certificate type (table 13, 1-20)`,
      "CERTIFICATE_TYPE_REQUIRED",
    );
  const seen = new Set<number>();
  const infos = types.map((id) => {
    const info = Number.isInteger(id) ? certificateTypeInfo(id) : undefined;
    if (!info)
      throw new InvalidInputError(
        field,
        `${field}: ${id} is not an ANPR certificate type (table 13, 1-20)`,
        "UNKNOWN_CERTIFICATE_TYPE",
        { certificateType: String(id) },
      );
    if (seen.has(id))
      throw new InvalidInputError(
        field,
        `${field}: type ${id} is listed twice; list each type once`,
        "DUPLICATE_CERTIFICATE_TYPE",
        { certificateType: String(id) },
      );
    seen.add(id);
    return info;
  });
  if (infos.length > 1) {
    const single = infos.find((t) => t.singleOnly);
    if (single) {
      throw new InvalidInputError(
        field,
        `${field}: type ${single.id} (${single.description}) must be requested alone, not combined with other types`,
        "SINGLE_ONLY_CERTIFICATE_TYPE",
        {
          certificateType: String(single.id),
        },
      );
    }
    if (infos.filter((t) => t.familyStatus).length > 1) {
      throw new InvalidInputError(
        field,
        `${field}: at most one family-status type (12, 13, 14, 16) may be requested at a time`,
        "MULTIPLE_FAMILY_STATUS_TYPES",
      );
    }
    if (new Set(infos.map((t) => t.register)).size > 1) {
      throw new InvalidInputError(
        field,
        `${field}: AIRE types (10, 15) cannot be combined with resident-register types in one certificate`,
        "MIXED_REGISTERS",
      );
    }
  }
  const enabled = enabledCertificateTypes(settings);
  const disabled = infos.find((t) => !enabled.includes(t.id));
  if (disabled) throw new CertificateTypeNotEnabledError(field, disabled.id);
  return infos.map((t) => t.id);
}

/**
 * The `linguaCertificato` to send: nothing for Italian only; for a bilingual certificate both
 * languages, Italian first — ANPR refuses a second language asked for alone (italia/anpr#4682) —
 * and at most one second language. Whether the subject's Comune issues in it is ANPR's to say
 * (italia/anpr#2971: only where the option is active for the Comune of residence): its refusal
 * (EN379) reaches the caller as FAILED_PRECONDITION.
 */
function validateLanguages(languages: readonly string[] | undefined): LanguageCode[] {
  const field = "language";
  const others: LanguageCode[] = [];
  for (const raw of languages ?? []) {
    const code = raw.trim().toUpperCase();
    if (!isLanguageCode(code))
      throw new InvalidInputError(
        field,
        `${field}: ${JSON.stringify(raw)} is not a certificate language; use IT, DE, FR or SL`,
        "UNKNOWN_LANGUAGE",
      );
    if (code !== "IT" && !others.includes(code)) others.push(code);
  }
  if (others.length > 1) {
    throw new InvalidInputError(
      field,
      `${field}: a certificate is Italian, or bilingual in Italian and one other language; ${others.join(" and ")} cannot be combined`,
      "TOO_MANY_LANGUAGES",
    );
  }
  return others.length === 1 ? ["IT", others[0]!] : [];
}

function validateStampDuty(stampDuty: StampDutyInput | undefined): ValidCertificateInput["stampDuty"] {
  if (!stampDuty) {
    throw new InvalidInputError(
      "stamp_duty",
      "stamp_duty: set exactly one of stamp_duty_paid or stamp_duty_exemption",
      "STAMP_DUTY_REQUIRED",
    );
  }
  if (stampDuty.type === "paid") return { type: "paid" };
  const field = "stamp_duty_exemption.reason";
  const info = stampDutyExemptionInfo(stampDuty.reason);
  if (!info) {
    throw new InvalidInputError(
      field,
      `${field}: ${stampDuty.reason} is not a stamp-duty exemption of ANPR table 39 (1-10, or 99 for another reason)`,
      "UNKNOWN_STAMP_DUTY_EXEMPTION",
    );
  }
  if (!info.requiresDescription)
    return { type: "exempt", reason: info.id, secretariatFeesExempt: info.secretariatFeesExempt };
  const descField = "stamp_duty_exemption.description";
  const description = (stampDuty.description ?? "").replace(/\s+/g, " ").trim();
  if (description === "") {
    throw new InvalidInputError(
      descField,
      `${descField} is required when the exemption reason is 99 (other): state the legal basis of the exemption`,
      "EXEMPTION_DESCRIPTION_REQUIRED",
    );
  }
  if (description.length > EXEMPTION_DESCRIPTION_MAX_LENGTH) {
    throw new InvalidInputError(
      descField,
      `${descField} is ${description.length} characters; ANPR accepts at most ${EXEMPTION_DESCRIPTION_MAX_LENGTH}`,
      "EXEMPTION_DESCRIPTION_TOO_LONG",
    );
  }
  return { type: "exempt", reason: info.id, description, secretariatFeesExempt: info.secretariatFeesExempt };
}

/**
 * Checks a certificate request against ANPR's rules and the Comune's settings, in field order, and
 * returns it normalized. Throws {@link InvalidInputError} (kind invalid-input, `field` set), or
 * {@link CertificateTypeNotEnabledError} (forbidden, as the contract says) for a type the Comune
 * does not issue.
 */
export function validateCertificateInput(
  input: CertificateInput,
  settings: Pick<Settings, "enabledCertificateTypes"> & Partial<Pick<Settings, "experimentalPhase">>,
  options: ValidationOptions = {},
): ValidCertificateInput {
  const subject: SubjectInput = {
    fiscalCode: validateFiscalCode(input.subject.fiscalCode, "subject.fiscal_code", options),
    surname: validatePersonName(input.subject.surname, "subject.surname"),
    name: validatePersonName(input.subject.name, "subject.name"),
  };
  const certificateTypes = validateCertificateTypes(input.certificateTypes, settings);
  const languages = validateLanguages(input.languages);
  const requesterType = input.requesterType ?? 1;
  if (requesterType !== 1 && requesterType !== 2) {
    throw new InvalidInputError(
      "requester_type",
      "requester_type must be the subject (2) or a third party (1)",
      "INVALID_REQUESTER_TYPE",
    );
  }
  const stampDuty = validateStampDuty(input.stampDuty);
  const reason = validateRequestReason(input.reason, settings.experimentalPhase === true);
  return {
    subject,
    certificateTypes,
    languages,
    useAbroad: input.useAbroad,
    requesterType,
    stampDuty,
    ...(reason ? { reason } : {}),
  };
}

/**
 * Throws {@link ComuneMismatchError} when `requested` (a call's `comune_code`, trimmed) names another
 * Comune than `settings.comuneCode`. An empty code means "this box" (a direct call by an operator);
 * the router always fills it. Run before anything reaches ANPR.
 */
export function assertServesComune(settings: Pick<Settings, "comuneCode">, requested: string | undefined): void {
  const code = (requested ?? "").trim();
  if (code !== "" && code !== settings.comuneCode)
    throw new ComuneMismatchError(code, settings.comuneCode || "(not configured)");
}
