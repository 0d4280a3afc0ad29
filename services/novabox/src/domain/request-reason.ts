/**
 * The reason a certificate is requested (motivo della richiesta). In the experimental phase the
 * tabaccherie issue only certificates "anyone may request with a stated reason" (agreement art. 2.1),
 * so the Comune can require one; it is written to the audit log and counted in the monthly account.
 * The codes are those of `novabox.certification.v1.RequestReason`.
 */
import { InvalidInputError } from "./errors.js";

/** One reason of the short list. */
export interface RequestReasonInfo {
  code: number;
  /** Stable key written to the audit log (`motivo=<key>`). */
  key: string;
  /** Italian label, as the counter screen and the report show it. */
  label: string;
}

/** The short list; 99 (other) needs a description. */
export const REQUEST_REASONS: readonly RequestReasonInfo[] = Object.freeze([
  { code: 1, key: "PRIVATE_CONTRACT", label: "Contratti e pratiche private" },
  { code: 2, key: "BANK_INSURANCE", label: "Banca, assicurazione, finanziamento" },
  { code: 3, key: "NOTARY", label: "Atto notarile" },
  { code: 4, key: "LEGAL", label: "Uso legale" },
  { code: 5, key: "INHERITANCE", label: "Successione" },
  { code: 6, key: "ABROAD", label: "Uso all'estero" },
  { code: 99, key: "OTHER", label: "Altro motivo" },
]);

/** Longest free-text reason accepted. */
export const REASON_DESCRIPTION_MAX_LENGTH = 200;

/** A reason as the caller stated it (code 0 = none). */
export interface RequestReasonInput {
  code: number;
  description?: string;
}

/** A checked reason. */
export interface ValidRequestReason {
  key: string;
  /** Only for OTHER: the free text, whitespace folded. */
  description?: string;
}

/** The reason with `key`, or undefined. */
export function requestReasonByKey(key: string): RequestReasonInfo | undefined {
  return REQUEST_REASONS.find((r) => r.key === key);
}

/**
 * Checks the stated reason: required when `required` (the Comune's experimental phase), one of the
 * list, with a description for OTHER. Returns undefined when none was stated and none is required.
 * Throws {@link InvalidInputError} naming `reason` or `reason.description`.
 */
export function validateRequestReason(
  input: RequestReasonInput | undefined,
  required: boolean,
): ValidRequestReason | undefined {
  const code = input?.code ?? 0;
  if (code === 0) {
    if (!required) return undefined;
    throw new InvalidInputError(
      "reason",
      "reason is required while the Comune runs the experimental phase (agreement art. 2.1): state why the certificate is requested",
      "REASON_REQUIRED",
    );
  }
  const info = REQUEST_REASONS.find((r) => r.code === code);
  if (!info) {
    throw new InvalidInputError(
      "reason",
      `reason: ${code} is not one of the listed reasons (${REQUEST_REASONS.map((r) => r.code).join(", ")})`,
      "UNKNOWN_REASON",
    );
  }
  if (info.code !== 99) return { key: info.key };
  const description = (input?.description ?? "").replace(/\s+/g, " ").trim();
  if (description === "") {
    throw new InvalidInputError(
      "reason.description",
      "reason.description is required when the reason is 99 (other): say in a few words why the certificate is needed",
      "REASON_DESCRIPTION_REQUIRED",
    );
  }
  if (description.length > REASON_DESCRIPTION_MAX_LENGTH) {
    throw new InvalidInputError(
      "reason.description",
      `reason.description is ${description.length} characters; at most ${REASON_DESCRIPTION_MAX_LENGTH} are accepted`,
      "REASON_DESCRIPTION_TOO_LONG",
    );
  }
  return { key: info.key, description };
}
