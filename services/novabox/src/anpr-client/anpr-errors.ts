/**
 * Typed errors of the ANPR client. Each says, in words a municipal operator or tobacconist can act
 * on, what went wrong; the ANPR code, severity and text travel as metadata (sent to clients as
 * google.rpc.ErrorInfo), and the underlying transport error stays as `cause` for the logs.
 */
import { DomainError, type DomainErrorKind } from "#shared/domain-error.js";

/** One error or anomaly from ANPR's `listaErrori` / `listaAnomalie`. */
export interface AnprMessage {
  /** `codiceErroreAnomalia`, e.g. EN042. */
  code: string;
  /** `tipoErroreAnomalia`: E blocking, W warning. */
  severity: "E" | "W";
  /** `testoErroreAnomalia`, ANPR's Italian text. */
  text: string;
  /** `oggettoErroreAnomalia`, `campoErroreAnomalia`, `valoreErroreAnomalia` when given. */
  object?: string;
  field?: string;
  value?: string;
}

/**
 * How a blocking ANPR error code should be read by the caller: the one table of the client.
 * Codes not listed fall back on their family (EC: a field ANPR rejected) or on
 * "precondition-failed" (ANPR refuses to certify this subject as asked).
 */
export const anprCodeKinds: Readonly<Record<string, DomainErrorKind>> = Object.freeze({
  EN042: "not-found", // Soggetto da certificare non presente in ANPR
  EN043: "precondition-failed", // più soggetti corrispondenti ai dati inseriti
  EN067: "precondition-failed", // trovati più soggetti
  EN079: "conflict", // id operazione comune già presente per un servizio diverso
  EN167: "forbidden", // il mittente non è competente sul comune
});

/** The kind of a KO answer, from its first blocking error. */
export function kindOfAnprCode(code: string): DomainErrorKind {
  return anprCodeKinds[code] ?? (code.startsWith("EC") ? "invalid-input" : "precondition-failed");
}

/** ANPR answered KO: the operation was not carried out. */
export class AnprRejectedError extends DomainError {
  /** Every error and anomaly of the answer, in ANPR's order. */
  readonly errors: readonly AnprMessage[];
  /** `idOperazioneANPR` of the KO answer, when ANPR assigned one. */
  readonly anprOperationId: string | undefined;

  constructor(errors: readonly AnprMessage[], anprOperationId?: string) {
    const first = errors.find((e) => e.severity === "E") ?? errors[0] ?? { code: "UNKNOWN", severity: "E" as const, text: "ANPR rejected the request without a reason" };
    super(kindOfAnprCode(first.code), `ANPR rejected the request: ${first.code} ${first.text}`, {
      reason: "ANPR_REJECTED",
      metadata: { anprCode: first.code, anprSeverity: first.severity, anprText: first.text, ...(anprOperationId ? { anprOperationId } : {}) },
    });
    this.errors = errors;
    this.anprOperationId = anprOperationId;
  }
}

/** ANPR could not be reached, or answered with an HTTP error: retrying later may work. */
export class AnprUnavailableError extends DomainError {
  constructor(message: string, cause?: unknown) {
    super("unavailable", message, { reason: "ANPR_UNAVAILABLE", cause });
  }
}

/** ANPR did not answer within the timeout. */
export class AnprTimeoutError extends DomainError {
  constructor(timeoutMs: number, cause?: unknown) {
    super("timeout", `ANPR did not answer within ${timeoutMs} ms; the request may be retried`, { reason: "ANPR_TIMEOUT", cause });
  }
}

/** ANPR's answer could not be understood (not SOAP, not the expected body, missing PDF). */
export class AnprBadResponseError extends DomainError {
  constructor(message: string, cause?: unknown) {
    super("unavailable", `ANPR sent an answer that cannot be read: ${message}`, { reason: "ANPR_BAD_RESPONSE", cause });
  }
}

/** ANPR's answer was signed, but the signature does not verify: it is not trusted. */
export class AnprResponseSignatureError extends DomainError {
  constructor(message: string, cause?: unknown) {
    super("unavailable", `ANPR's answer failed the signature check and was discarded: ${message}`, { reason: "ANPR_RESPONSE_SIGNATURE_INVALID", cause });
  }
}

/** ANPR answered with a SOAP fault (security check failed, or an error on ANPR's side). */
export class AnprFaultError extends DomainError {
  /** The SOAP faultcode, e.g. `wsse:InvalidSecurity` or `soap:Server`. */
  readonly faultCode: string;

  constructor(faultCode: string, faultString: string) {
    const security = /wsse:|Security|FailedAuthentication|MessageExpired|FailedCheck/i.test(faultCode);
    super(security ? "unauthenticated" : "unavailable", `ANPR refused the request: ${faultString} (${faultCode})`, {
      reason: security ? "ANPR_SECURITY_FAULT" : "ANPR_FAULT",
      metadata: { faultCode },
    });
    this.faultCode = faultCode;
  }
}
