/**
 * Form checks done in the browser before calling the services, so the user sees a mistake next to
 * the field at once. The services check everything again; these only spare a round trip. Each
 * function returns the errors by field name (empty object = valid), in Italian.
 */

import { checkCharacter } from "../../services/shared/src/anpr/codice-fiscale.ts";
import { isDiscoveryTarget } from "../../services/shared/src/mesh/discovery-target.ts";

/** Errors by field name; a field without an entry is valid. */
export type FieldErrors = Partial<Record<string, string>>;

const FISCAL_CODE_SHAPE = /^[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-EHLMPR-T][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]$/;

/** Why `code` is not a well-formed codice fiscale (shape and check character), or undefined. */
export function fiscalCodeProblem(code: string): string | undefined {
  const cf = code.trim().toUpperCase();
  if (cf === "") return "Inserire il codice fiscale.";
  if (cf.length !== 16) return `Il codice fiscale ha 16 caratteri (ne sono stati inseriti ${cf.length}).`;
  if (!FISCAL_CODE_SHAPE.test(cf)) return "Il codice fiscale non ha la forma corretta.";
  if (checkCharacter(cf) !== cf[15])
    return "Il carattere di controllo del codice fiscale non corrisponde: ricontrollare.";
  return undefined;
}

/** The admin account form of the setup wizard. */
export function validateAdminAccount(input: { username: string; password: string; confirm: string }): FieldErrors {
  const errors: FieldErrors = {};
  if (!/^[A-Za-z0-9._@-]{3,64}$/.test(input.username)) errors.username = "Da 3 a 64 caratteri: lettere, cifre, . _ @ -";
  const length = [...input.password.normalize("NFC")].length;
  if (length < 12)
    errors.password = `Almeno 12 caratteri (ora ${length}): una frase di più parole è facile da ricordare.`;
  else if (input.password.trim() === "") errors.password = "La password non può essere fatta solo di spazi.";
  if (input.confirm !== input.password) errors.confirm = "Le due password non coincidono.";
  return errors;
}

/** The ANPR credentials and settings form of the setup wizard. */
export interface AnprSettingsInput {
  caCertificate: File | undefined;
  pkcs12: File | undefined;
  pin: string;
  operatorId: string;
  officeId: string;
  workstationId: string;
  comuneCode: string;
  comuneName: string;
  registryOfficerSurname: string;
  registryOfficerName: string;
  anprBaseUrl: string;
}

/** Checks the ANPR form; files are only checked for presence (the box reads them). */
export function validateAnprSettings(input: AnprSettingsInput): FieldErrors {
  const errors: FieldErrors = {};
  if (!input.caCertificate) errors.certificate = "Scegliere il file del certificato della CA (PEM o DER).";
  if (!input.pkcs12) errors.pkcs12 = "Scegliere il file PKCS#12 della postazione (.p12 o .pfx).";
  if (input.pin === "") errors.pin = "Inserire il PIN del file PKCS#12.";
  const required: [Exclude<keyof AnprSettingsInput, "caCertificate" | "pkcs12">, string, string][] = [
    ["operatorId", "operator_id", "Inserire l'identificativo dell'operatore."],
    ["officeId", "office_id", "Inserire l'identificativo della sede."],
    ["workstationId", "workstation_id", "Inserire l'identificativo della postazione."],
    ["comuneName", "comune_name", "Inserire il nome del Comune."],
    ["registryOfficerSurname", "registry_officer_surname", "Inserire il cognome dell'ufficiale d'anagrafe."],
    ["registryOfficerName", "registry_officer_name", "Inserire il nome dell'ufficiale d'anagrafe."],
  ];
  for (const [key, field, message] of required) if (input[key].trim() === "") errors[field] = message;
  if (!/^\d{6}$/.test(input.comuneCode.trim()))
    errors.comune_code = "Il codice ISTAT del Comune ha 6 cifre (es. 022205).";
  try {
    const url = new URL(input.anprBaseUrl.trim());
    if (url.protocol !== "https:") errors.anpr_base_url = "L'indirizzo di ANPR deve iniziare con https://";
  } catch {
    errors.anpr_base_url = "Inserire un indirizzo valido, es. https://ws.anpr.interno.it";
  }
  return errors;
}

/** The tobacconist's issuing form. */
export interface IssueInput {
  comuneCode: string;
  fiscalCode: string;
  surname: string;
  name: string;
  certificateTypes: readonly number[];
  stampDuty: "paid" | "exempt";
  exemptionReason: number;
  /** The stated reason (RequestReason number; 0 = not chosen), when the form asks for one. */
  reason?: number;
  /** Free text for reason 99 (other). */
  reasonText?: string;
}

/** Checks the issuing form. */
export function validateIssue(input: IssueInput): FieldErrors {
  const errors: FieldErrors = {};
  if (input.comuneCode === "") errors.comune_code = "Scegliere il Comune.";
  const cf = fiscalCodeProblem(input.fiscalCode);
  if (cf) errors["subject.fiscal_code"] = cf;
  if (input.surname.trim() === "") errors["subject.surname"] = "Inserire il cognome.";
  if (input.name.trim() === "") errors["subject.name"] = "Inserire il nome.";
  if (input.certificateTypes.length === 0) errors.certificate_types = "Scegliere almeno un certificato.";
  if (input.stampDuty === "exempt" && input.exemptionReason === 0)
    errors.stamp_duty = "Scegliere il motivo dell'esenzione dal bollo.";
  if (input.reason !== undefined && input.reason === 0) errors.reason = "Scegliere il motivo della richiesta.";
  if (input.reason === 99 && (input.reasonText ?? "").trim() === "")
    errors["reason.description"] = "Descrivere il motivo della richiesta.";
  return errors;
}

/** True when `errors` has no entry. */
export function isValid(errors: FieldErrors): boolean {
  return Object.values(errors).every((e) => e === undefined);
}

/** The change-password form: current password, new one (same policy as the admin account) and its confirmation. */
export function validatePasswordChange(input: {
  currentPassword: string;
  newPassword: string;
  confirm: string;
}): FieldErrors {
  const errors: FieldErrors = {};
  if (input.currentPassword === "") errors.current_password = "Inserire la password attuale.";
  const length = [...input.newPassword.normalize("NFC")].length;
  if (length < 12)
    errors.new_password = `Almeno 12 caratteri (ora ${length}): una frase di più parole è facile da ricordare.`;
  else if (input.newPassword.trim() === "") errors.new_password = "La password non può essere fatta solo di spazi.";
  else if (input.newPassword === input.currentPassword)
    errors.new_password = "La nuova password deve essere diversa da quella attuale.";
  if (input.confirm !== input.newPassword) errors.confirm = "Le due password non coincidono.";
  return errors;
}

/** The retention and rate-limit form, as typed (strings from the inputs). */
export interface LimitsInput {
  logRetentionDays: string;
  perTobacconistPerMinute: string;
  massExtractionDistinctFiscalCodes: string;
  massExtractionWindowMinutes: string;
}

function wholeNumberProblem(value: string, min: number, max: number, what: string): string | undefined {
  const v = value.trim();
  if (!/^\d+$/.test(v)) return `Inserire ${what} come numero intero.`;
  const n = Number(v);
  if (n < min || n > max) return `Inserire un valore tra ${min} e ${max}.`;
  return undefined;
}

/** Checks the retention and rate-limit form; errors keyed by the Settings path the service would name. */
export function validateLimits(input: LimitsInput): FieldErrors {
  const errors: FieldErrors = {};
  const checks: [keyof LimitsInput, string, number, number, string][] = [
    // 0 = keep forever / no limit / no check (Settings in config_service.proto).
    ["logRetentionDays", "log_retention_days", 0, 3650, "i giorni di conservazione"],
    [
      "perTobacconistPerMinute",
      "rate_limits.per_tobacconist_per_minute",
      0,
      100_000,
      "il numero di richieste al minuto",
    ],
    [
      "massExtractionDistinctFiscalCodes",
      "rate_limits.mass_extraction_distinct_fiscal_codes",
      0,
      1_000_000,
      "il numero di codici fiscali",
    ],
    [
      "massExtractionWindowMinutes",
      "rate_limits.mass_extraction_window",
      1,
      10_080,
      "la durata della finestra in minuti",
    ],
  ];
  for (const [key, field, min, max, what] of checks) {
    const problem = wholeNumberProblem(input[key], min, max, what);
    if (problem) errors[field] = problem;
  }
  return errors;
}

/** The Settings paths (UpdateConfig field mask) whose values differ between `before` and `after`. */
export function changedLimitPaths(before: LimitsInput, after: LimitsInput): string[] {
  const n = (v: string) => Number(v.trim());
  const paths: string[] = [];
  if (n(before.logRetentionDays) !== n(after.logRetentionDays)) paths.push("log_retention_days");
  if (
    n(before.perTobacconistPerMinute) !== n(after.perTobacconistPerMinute) ||
    n(before.massExtractionDistinctFiscalCodes) !== n(after.massExtractionDistinctFiscalCodes) ||
    n(before.massExtractionWindowMinutes) !== n(after.massExtractionWindowMinutes)
  )
    paths.push("rate_limits");
  return paths;
}

/** The revocation form: a tobacconist id not already revoked, and an optional reason. */
export function validateRevocation(
  input: { tobacconistId: string; reason: string },
  alreadyRevoked: readonly string[],
): FieldErrors {
  const errors: FieldErrors = {};
  const id = input.tobacconistId.trim();
  if (id === "") errors.tobacconist_id = "Inserire l'identificativo della tabaccheria (es. TAB-0001).";
  else if (!/^[A-Za-z0-9._-]{1,64}$/.test(id))
    errors.tobacconist_id = "L'identificativo contiene caratteri non ammessi.";
  else if (alreadyRevoked.includes(id)) errors.tobacconist_id = "Questa tabaccheria è già revocata.";
  if (input.reason.length > 500) errors.reason = "Il motivo può avere al massimo 500 caratteri.";
  return errors;
}

/** The audit-log period filter (dates "YYYY-MM-DD", either may be empty). */
export function validateAuditPeriod(input: { from: string; to: string }): FieldErrors {
  const errors: FieldErrors = {};
  if (input.from && input.to && input.from > input.to) errors.to = "La data finale non può precedere quella iniziale.";
  return errors;
}

/** The Novares and SSO form (wizard step 3 and the configuration page), as typed. */
export interface MeshSettingsInput {
  novaresDiscoveryAddress: string;
  advertisedHost: string;
  advertisedPort: string;
  ssoIssuer: string;
  ssoAudience: string;
  ssoJwksUrl: string;
  /** True when a JWK Set file is chosen now, or one is already stored. */
  hasJwksFile: boolean;
}

/**
 * Checks the Novares and SSO form; errors keyed by the Settings path. Whether a loopback advertised
 * host is acceptable depends on where the box listens: the box decides that (ADVERTISED_HOST_LOOPBACK).
 */
export function validateMeshSettings(input: MeshSettingsInput): FieldErrors {
  const errors: FieldErrors = {};
  const address = input.novaresDiscoveryAddress.trim();
  if (address === "") errors.novares_discovery_address = "Inserire l'indirizzo di Novares (host:porta).";
  else if (!isDiscoveryTarget(address))
    errors.novares_discovery_address =
      "Indirizzo nella forma host:porta, es. router.novares.it:50060, o più router: ipv4:10.0.0.1:50060,10.0.0.2:50060.";
  const host = input.advertisedHost.trim();
  if (host !== "" && (/[/:]/.test(host.replace(/^\[[0-9a-fA-F:.]+\]$/, "")) || /\s/.test(host)))
    errors.advertised_host = "Solo il nome o l'indirizzo, senza http:// né porta.";
  const port = input.advertisedPort.trim();
  if (port !== "" && (!/^\d+$/.test(port) || Number(port) > 65535))
    errors.advertised_port = "La porta va da 1 a 65535 (vuoto = quella su cui ascolta il Novabox).";
  const isUrl = (v: string) => {
    try {
      return ["http:", "https:"].includes(new URL(v).protocol);
    } catch {
      return false;
    }
  };
  if (input.ssoIssuer.trim() === "") errors.sso_issuer = "Inserire l'emittente SSO (un URL).";
  else if (!isUrl(input.ssoIssuer.trim())) errors.sso_issuer = "Inserire un URL completo, es. https://sso.novares.it.";
  if (input.ssoAudience.trim() === "") errors.sso_audience = "Inserire il destinatario dei token (audience).";
  if (input.ssoJwksUrl.trim() !== "" && !isUrl(input.ssoJwksUrl.trim()))
    errors.sso_jwks_url = "Inserire un URL completo, es. https://sso.novares.it/jwks.json.";
  else if (input.ssoJwksUrl.trim() === "" && !input.hasJwksFile)
    errors.sso_jwks_url = "Indicare l'indirizzo delle chiavi (JWKS) oppure caricare il file delle chiavi.";
  return errors;
}
