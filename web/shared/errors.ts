/**
 * Turns what a service answered into words for the user and the field they concern: the
 * google.rpc.BadRequest field violation names the field, the ErrorInfo reason picks an Italian
 * sentence when we have one, otherwise the server's own message is shown.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema, ErrorInfoSchema } from "#gen/google/rpc/error_details_pb.js";

/** An error ready to display. */
export interface ShownError {
  /** The request field at fault (proto name, e.g. "pin", "subject.fiscal_code"), when known. */
  field: string | undefined;
  /** The machine reason (ErrorInfo.reason), when known. */
  reason: string | undefined;
  message: string;
}

const byReason: Record<string, string> = {
  WRONG_PIN: "Il PIN non apre questo file PKCS#12: ricontrollare il PIN.",
  NOT_PKCS12: "Il file scelto non è un PKCS#12 (.p12 / .pfx).",
  CERT_EXPIRED: "Il certificato è scaduto.",
  INVALID_CREDENTIALS: "Nome utente o password non corretti.",
  ADMIN_ALREADY_REGISTERED: "L'amministratore è già stato creato: accedere con le sue credenziali.",
  ADVERTISED_HOST_LOOPBACK:
    "Questo Novabox ascolta su tutte le interfacce: un indirizzo di loopback (127.0.0.1, localhost) non è raggiungibile dal router. Indicare il nome o l'indirizzo con cui gli altri server lo raggiungono.",
};

const byCode: Partial<Record<Code, string>> = {
  [Code.Unavailable]: "Il servizio non è raggiungibile in questo momento. Riprovare tra poco.",
  [Code.DeadlineExceeded]: "Il servizio non ha risposto in tempo. Riprovare tra poco.",
  [Code.Unauthenticated]: "Sessione non valida o scaduta: accedere di nuovo.",
  [Code.PermissionDenied]: "Operazione non consentita.",
  [Code.ResourceExhausted]: "Troppe richieste: attendere un minuto e riprovare.",
  [Code.Internal]: "Errore interno del servizio. Se si ripete, contattare l'assistenza.",
};

/** Describes any thrown value (ConnectError or not) for display. */
export function describeError(err: unknown): ShownError {
  const error = ConnectError.from(err);
  const field = error.findDetails(BadRequestSchema)[0]?.fieldViolations[0]?.field || undefined;
  const reason = error.findDetails(ErrorInfoSchema)[0]?.reason || undefined;
  const known =
    (reason && byReason[reason]) ??
    (error.code === Code.InvalidArgument || error.code === Code.FailedPrecondition ? undefined : byCode[error.code]);
  return { field, reason, message: known ?? error.rawMessage };
}
