/**
 * The typed errors of ANPR calls, owned by the domain: the ANPR client (the adapter behind the
 * `AnprGateway` port) throws them, the domain and the handlers read them. Each says, in words a
 * municipal operator or tobacconist can act on, what went wrong; the ANPR code, severity and text
 * travel as metadata (sent to clients as google.rpc.ErrorInfo), the transport error stays as `cause`.
 */
import { DomainError, type DomainErrorKind } from "#shared/runtime/domain-error.js";
import type { AnprMessage } from "./model.js";

export type { AnprMessage } from "./model.js";

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

/**
 * The error that says why ANPR refused: the first blocking one other than EN527, which only
 * accompanies the real error (italia/anpr#1168); EN527 itself only when it is alone.
 */
export function primaryAnprError(errors: readonly AnprMessage[]): AnprMessage | undefined {
  const blocking = errors.filter((e) => e.severity === "E");
  return blocking.find((e) => e.code !== "EN527") ?? blocking[0] ?? errors.find((e) => e.code !== "EN527") ?? errors[0];
}

/** The code ANPR answers during national outages (italia/anpr#4774): not a refusal. */
export const anprOutageCode = "999";

/**
 * ANPR answered `999`: it is unavailable (a national outage, italia/anpr#4774), not refusing this
 * request. Retryable: nothing was carried out, the same request may be sent again later.
 */
export class AnprOutageError extends DomainError {
  constructor(message: AnprMessage, anprOperationId?: string) {
    super(
      "unavailable",
      `ANPR is temporarily unavailable (${message.code}${message.text ? ` ${message.text}` : ""}); nothing was issued, retry later`,
      {
        reason: "ANPR_UNAVAILABLE",
        metadata: {
          anprCode: message.code,
          anprText: message.text,
          retryable: "true",
          ...(anprOperationId ? { anprOperationId } : {}),
        },
      },
    );
  }
}

/** The error for an answer carrying `errors`: {@link AnprOutageError} for `999`, else {@link AnprRejectedError}. */
export function anprRefusal(
  errors: readonly AnprMessage[],
  anprOperationId?: string,
): AnprOutageError | AnprRejectedError {
  const outage = errors.find((e) => e.code === anprOutageCode);
  return outage ? new AnprOutageError(outage, anprOperationId) : new AnprRejectedError(errors, anprOperationId);
}

/** ANPR answered KO: the operation was not carried out. */
export class AnprRejectedError extends DomainError {
  /** Every error and anomaly of the answer, in ANPR's order. */
  readonly errors: readonly AnprMessage[];
  /** `idOperazioneANPR` of the KO answer, when ANPR assigned one. */
  readonly anprOperationId: string | undefined;

  constructor(errors: readonly AnprMessage[], anprOperationId?: string) {
    const first = primaryAnprError(errors) ?? {
      code: "UNKNOWN",
      severity: "E" as const,
      text: "ANPR rejected the request without a reason",
    };
    super(kindOfAnprCode(first.code), `ANPR rejected the request: ${first.code} ${first.text}`, {
      reason: "ANPR_REJECTED",
      metadata: {
        anprCode: first.code,
        anprSeverity: first.severity,
        anprText: first.text,
        ...(anprOperationId ? { anprOperationId } : {}),
      },
    });
    this.errors = errors;
    this.anprOperationId = anprOperationId;
  }
}

/** ANPR could not be reached, or answered with an HTTP error: retrying later may work. */
export class AnprUnavailableError extends DomainError {
  /** True when the request certainly never reached ANPR (connection refused, TLS refused): no act exists. */
  readonly requestNotSent: boolean;
  constructor(message: string, cause?: unknown, options: { requestNotSent?: boolean } = {}) {
    super("unavailable", message, { reason: "ANPR_UNAVAILABLE", cause });
    this.requestNotSent = options.requestNotSent ?? false;
  }
}

/** ANPR did not answer within the timeout. */
export class AnprTimeoutError extends DomainError {
  constructor(timeoutMs: number, cause?: unknown) {
    super("timeout", `ANPR did not answer within ${timeoutMs} ms; the request may be retried`, {
      reason: "ANPR_TIMEOUT",
      cause,
    });
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
    super("unavailable", `ANPR's answer failed the signature check and was discarded: ${message}`, {
      reason: "ANPR_RESPONSE_SIGNATURE_INVALID",
      cause,
    });
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

/** ANPR's answer was larger than the box accepts; it was cut off while streaming, never held whole. */
export class AnprAnswerTooLargeError extends DomainError {
  constructor(maxBytes: number, cause?: unknown) {
    super(
      "unavailable",
      `ANPR's answer exceeded ${maxBytes} bytes, the most this Novabox reads (NOVABOX_ANPR_MAX_ANSWER_BYTES); it was discarded`,
      {
        reason: "ANPR_ANSWER_TOO_LARGE",
        metadata: { maxBytes: String(maxBytes) },
        cause,
      },
    );
  }
}

/**
 * ANPR's answer is about another subject than the one requested, or does not echo our
 * `idOperazioneComune`: ANPR replayed a stored answer for an id it had seen before
 * (italia/anpr#3822). It is never handed over; the request itself was not carried out.
 */
export class AnprWrongSubjectError extends DomainError {
  constructor(what: string) {
    super(
      "data-loss",
      `ANPR answered about another request (${what}); the answer was discarded and nothing was issued to the caller. Retry with the same idempotency_key: the Novabox sends the request again under a new operation id`,
      {
        reason: "ANPR_WRONG_SUBJECT",
        metadata: { mismatch: what.split(":")[0] ?? what },
      },
    );
  }
}

/** A safe one-line description of anything thrown by a transport (never "[object Object]"). */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  if (typeof err === "string") return err;
  if (err && typeof err === "object") {
    const o = err as Record<string, unknown>;
    for (const key of ["message", "reason", "code", "statusText"])
      if (typeof o[key] === "string" && o[key] !== "") return o[key];
    return `an unexpected ${o.constructor?.name ?? "object"} without a message`;
  }
  return String(err);
}
