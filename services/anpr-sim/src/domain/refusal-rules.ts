/**
 * When the simulated ANPR 6001 refuses a certificate, as two declarative tables evaluated in order
 * (first match wins): {@link REQUEST_REFUSALS} about the request itself and its subject lookup, then
 * {@link SUBJECT_REFUSALS} for each requested type against the subject's record. Each row says the
 * situation, the ANPR code (whose Italian text, `@` placeholders filled from `values`, is the message:
 * `ANPR_ERRORS` in `#shared/anpr/tables.js`), the domain error kind, the request field at fault and
 * the public source of the rule. Sources are the vendored ANPR tables under
 * `services/shared/anpr-spec/tables/` (the error table `tab_elenco_errori_anpr.rst` names every
 * code) and italia/anpr issue threads where the table alone does not say when ANPR answers a code.
 *
 * Pure: no I/O, no clock. certification.ts builds the facts, asks {@link firstRefusal} and throws
 * {@link AnprRefusalError}; the SOAP layer turns that into a `Risposta6001KO`.
 */
import { DomainError, type DomainErrorKind } from "#shared/runtime/domain-error.js";
import {
  ANPR_ERRORS,
  anprErrorText,
  certifiabilityDescription,
  certificateTypeInfo,
  isCertificateTypeId,
  isLanguageCode,
  stampDutyExemptionInfo,
  type AnprErrorCode,
  type AnprErrorType,
  type CertificateTypeId,
  type CertificateTypeInfo,
} from "#shared/anpr/tables.js";
import type { CertificateRequest } from "./certification.js";
import type { ComuneInfo, Household, Person, Population, SubjectLookup } from "./population.js";

/** Why ANPR refuses: an error code and the values for its `@` placeholders. */
export interface AnprRefusal {
  /** ANPR error code. */
  code: AnprErrorCode;
  /** Values for the `@` placeholders, in order. */
  values?: readonly string[];
  /** The request field at fault, when the refusal is about one. */
  field?: string;
}

/**
 * One refusal rule: when `when` holds, ANPR answers `code` (message: the code's text with `values`).
 * Rules are data so the order, the codes and their sources can be read (and tested) as one table.
 */
export interface RefusalRule<Facts> {
  /** The situation, in words (what a reader of the table needs). */
  readonly situation: string;
  /** The ANPR error code answered. */
  readonly code: AnprErrorCode;
  /** How a caller should react: invalid-input (fix the request), not-found, precondition-failed. */
  readonly kind: DomainErrorKind;
  /** The public source of the rule: a vendored ANPR table and/or an italia/anpr thread. */
  readonly source: string;
  /** The Richiesta6001 field at fault, when the refusal is about one. */
  readonly field?: string;
  /** Only for these certificate types (subject rules); every type when absent. */
  readonly types?: readonly CertificateTypeId[];
  /** True when the rule refuses. */
  readonly when: (facts: Facts) => boolean;
  /** Values for the `@` placeholders of the code's text. */
  readonly values?: (facts: Facts) => readonly string[];
}

/** What the request rules look at: the request, with the derived values computed once. */
export interface RequestFacts {
  readonly request: CertificateRequest;
  /** The first type id of `listaTipiCertificati` that is not in table 13 or is repeated. */
  readonly firstBadType: { id: number; problem: "unknown" | "repeated" } | undefined;
  /** Table 13 rows of the requested types (meaningful once no type is bad). */
  readonly typeInfos: readonly CertificateTypeInfo[];
  /** Requested language codes, trimmed and upper case. */
  readonly languageCodes: readonly string[];
  /** The distinct requested languages other than IT. */
  readonly otherLanguages: readonly string[];
  /** The certificate's language: the second language, else IT. */
  readonly language: string;
  /** The requesting Comune, when simulated. */
  readonly comune: ComuneInfo | undefined;
  /** The subject, looked up in the requesting Comune. */
  readonly lookup: SubjectLookup;
}

/** What the subject rules look at for one requested type. */
export interface SubjectFacts {
  readonly person: Person;
  readonly typeId: CertificateTypeId;
  /** Table 13 row of `typeId`. */
  readonly info: CertificateTypeInfo | undefined;
  /** ISTAT code of the requesting Comune. */
  readonly comuneCode: string;
  /** The person's household, when registered in one. */
  readonly household: Household | undefined;
  /** Reference date of a type 20 request. */
  readonly referenceDate: string | undefined;
}

const ERRORS = "tab_elenco_errori_anpr.rst";
const TYPES_TABLE = "tab_tipo_di_certificato.rst (table 13)";
const LANGUAGES_TABLE = "tab_lingue.rst (table 14)";
const EXEMPTIONS_TABLE = "tab_esenzione_bollo.rst (table 39)";
const CERTIFIABILITY_TABLE = "tab_motivi_di_non_certificabilit_.rst (table 42)";
const CIVIL_STATUS_TABLE = "tab_stato_civile.rst";
const BILINGUAL_THREAD = "italia/anpr#4682 (a second language is served only with IT)";

const FAMILY_TYPES: ReadonlySet<number> = new Set([12, 13, 14, 16]);
const PARTIAL_CERTIFIABILITY_TYPES: ReadonlySet<number> = new Set([8, 12]);

function hasType(f: RequestFacts, id: CertificateTypeId): boolean {
  return f.request.certificateTypes.includes(id);
}

function familyTypeCount(f: RequestFacts): number {
  return f.request.certificateTypes.filter((t) => FAMILY_TYPES.has(t)).length;
}

function stampDutyDescription(f: RequestFacts): string {
  const duty = f.request.stampDuty;
  return duty.kind === "exempt" ? (duty.description?.trim() ?? "") : "";
}

function isIsoDate(text: string): boolean {
  return (
    /^\d{4}-\d{2}-\d{2}$/.test(text) &&
    !Number.isNaN(Date.parse(`${text}T00:00:00Z`)) &&
    new Date(`${text}T00:00:00Z`).toISOString().startsWith(text)
  );
}

/** The residence period of `person` covering `date`, if any. */
export function residenceAt(
  person: Person,
  date: string,
): { address: Person["residenceHistory"][number]["address"]; since: string; until?: string } | undefined {
  return person.residenceHistory.find((r) => r.since <= date && (r.until === undefined || date <= r.until));
}

/** The request rules, in the order ANPR checks them (first failure wins). */
export const REQUEST_REFUSALS: readonly RefusalRule<RequestFacts>[] = [
  {
    situation: "`emissione` not 1 (counter), 2 (internet) or 3 (preview)",
    code: "EN372",
    kind: "invalid-input",
    source: `${ERRORS}; 6001certificazione.xsd (emissione)`,
    field: "datiControllo.emissione",
    when: (f) => ![1, 2, 3].includes(f.request.emissione),
    values: (f) => [String(f.request.emissione), "emissione"],
  },
  {
    situation: "no certificate type",
    code: "EN081",
    kind: "invalid-input",
    source: ERRORS,
    field: "listaTipiCertificati",
    when: (f) => f.request.certificateTypes.length === 0,
    values: () => ["tipoCertificato"],
  },
  {
    situation: "a type not in table 13 (before any later repeat)",
    code: "EC070",
    kind: "invalid-input",
    source: `${ERRORS}; ${TYPES_TABLE}`,
    field: "listaTipiCertificati.tipoCertificato",
    when: (f) => f.firstBadType?.problem === "unknown",
    values: (f) => [String(f.firstBadType?.id)],
  },
  {
    situation: "a type requested twice",
    code: "EN372",
    kind: "invalid-input",
    source: ERRORS,
    field: "listaTipiCertificati.tipoCertificato",
    when: (f) => f.firstBadType?.problem === "repeated",
    values: (f) => [String(f.firstBadType?.id), "tipoCertificato"],
  },
  {
    situation: "death, cancellation or a history type (single-only) combined with other types",
    code: "EN153",
    kind: "invalid-input",
    source: `${ERRORS}; ${TYPES_TABLE}`,
    field: "listaTipiCertificati",
    when: (f) => f.typeInfos.length > 1 && f.typeInfos.some((t) => t.singleOnly),
  },
  {
    situation: "APR and AIRE types combined",
    code: "EN287",
    kind: "invalid-input",
    source: `${ERRORS}; ${TYPES_TABLE}`,
    field: "listaTipiCertificati",
    when: (f) => new Set(f.typeInfos.map((t) => t.register)).size > 1,
  },
  {
    situation: "marriage (3) with free status (17) or civil union (18)",
    code: "EN152",
    kind: "invalid-input",
    source: ERRORS,
    field: "listaTipiCertificati",
    when: (f) => hasType(f, 3) && (hasType(f, 17) || hasType(f, 18)),
  },
  {
    situation: "civil status (11) with free status (17)",
    code: "EN158",
    kind: "invalid-input",
    source: ERRORS,
    field: "listaTipiCertificati",
    when: (f) => hasType(f, 11) && hasType(f, 17),
  },
  {
    situation: "civil status (11) with family and civil status (13)",
    code: "EN159",
    kind: "invalid-input",
    source: ERRORS,
    field: "listaTipiCertificati",
    when: (f) => hasType(f, 11) && hasType(f, 13),
  },
  {
    situation: "two family-status types (12, 13, 14, 16), one of them 12",
    code: "EN154",
    kind: "invalid-input",
    source: ERRORS,
    field: "listaTipiCertificati",
    when: (f) => familyTypeCount(f) > 1 && hasType(f, 12),
  },
  {
    situation: "two family-status types, one of them 13",
    code: "EN155",
    kind: "invalid-input",
    source: ERRORS,
    field: "listaTipiCertificati",
    when: (f) => familyTypeCount(f) > 1 && hasType(f, 13),
  },
  {
    situation: "two family-status types: 14 with 16",
    code: "EN156",
    kind: "invalid-input",
    source: ERRORS,
    field: "listaTipiCertificati",
    when: (f) => familyTypeCount(f) > 1,
  },
  {
    situation: "a language not in table 14",
    code: "EC069",
    kind: "invalid-input",
    source: `${ERRORS}; ${LANGUAGES_TABLE}`,
    field: "linguaCertificato",
    when: (f) => f.languageCodes.some((c) => !isLanguageCode(c)),
    values: (f) => [f.languageCodes.find((c) => !isLanguageCode(c)) ?? ""],
  },
  {
    situation: "two second languages",
    code: "EN379",
    kind: "precondition-failed",
    source: `${ERRORS}; ${BILINGUAL_THREAD}`,
    field: "linguaCertificato",
    when: (f) => f.otherLanguages.length > 1,
    values: (f) => [`: certificato in piu' di due lingue (${f.otherLanguages.join(", ")})`],
  },
  {
    situation: "a second language listed without Italian",
    code: "EN379",
    kind: "precondition-failed",
    source: `${ERRORS}; ${BILINGUAL_THREAD}`,
    field: "linguaCertificato",
    when: (f) => f.request.languages !== undefined && f.otherLanguages.length === 1 && !f.languageCodes.includes("IT"),
    values: (f) => [
      `: certificato in lingua ${f.language} senza l'italiano (indicare ambedue le lingue, IT e ${f.language})`,
    ],
  },
  {
    situation: "type 20 (residence at a date) without reference date",
    code: "EN178",
    kind: "invalid-input",
    source: ERRORS,
    field: "referenceDate",
    when: (f) => hasType(f, 20) && f.request.referenceDate === undefined,
  },
  {
    situation: "type 20 with a reference date that is not a date or is in the future",
    code: "EN372",
    kind: "invalid-input",
    source: ERRORS,
    field: "referenceDate",
    when: (f) => {
      const date = f.request.referenceDate;
      return hasType(f, 20) && date !== undefined && (!isIsoDate(date) || date > f.request.issuedAt.slice(0, 10));
    },
    values: (f) => [f.request.referenceDate ?? "", "dataRiferimento"],
  },
  {
    situation: "bollo paid with an amount ≤ 0",
    code: "EN208",
    kind: "invalid-input",
    source: ERRORS,
    field: "datiControllo.bollo",
    when: (f) => f.request.stampDuty.kind === "paid" && !(f.request.stampDuty.amountCents > 0),
  },
  {
    situation: "exemption not in table 39",
    code: "EN120",
    kind: "invalid-input",
    source: `${ERRORS}; ${EXEMPTIONS_TABLE}`,
    field: "datiControllo.esenzioneBollo",
    when: (f) => f.request.stampDuty.kind === "exempt" && !stampDutyExemptionInfo(f.request.stampDuty.exemptionId),
  },
  {
    situation: "exemption that needs a description (99) without one",
    code: "EN281",
    kind: "invalid-input",
    source: `${ERRORS}; ${EXEMPTIONS_TABLE}`,
    field: "datiControllo.descrizioneEsenzioneBollo",
    when: (f) =>
      f.request.stampDuty.kind === "exempt" &&
      stampDutyExemptionInfo(f.request.stampDuty.exemptionId)?.requiresDescription === true &&
      stampDutyDescription(f) === "",
  },
  {
    situation: "exemption description longer than 256 characters",
    code: "EN282",
    kind: "invalid-input",
    source: ERRORS,
    field: "datiControllo.descrizioneEsenzioneBollo",
    when: (f) => stampDutyDescription(f).length > 256,
  },
  {
    situation: "negative diritti di segreteria",
    code: "EN372",
    kind: "invalid-input",
    source: ERRORS,
    field: "datiControllo.diritti",
    when: (f) => (f.request.secretariatFeesCents ?? 0) < 0,
    values: (f) => [String(f.request.secretariatFeesCents), "diritti"],
  },
  {
    situation: "requesting Comune not simulated",
    code: "EN198",
    kind: "invalid-input",
    source: ERRORS,
    field: "testataRichiesta.codMittente",
    when: (f) => f.comune === undefined,
  },
  {
    situation: "a language the Comune does not issue in (e.g. DE in Trento)",
    code: "EN379",
    kind: "precondition-failed",
    source: `${ERRORS}; ${LANGUAGES_TABLE}`,
    field: "linguaCertificato",
    when: (f) => f.comune !== undefined && !(f.comune.languages as readonly string[]).includes(f.language),
    values: (f) => [`lingua ${f.language} per il Comune di ${f.comune?.name ?? ""}`],
  },
  {
    situation: "subject not in the register",
    code: "EN042",
    kind: "not-found",
    source: ERRORS,
    field: "soggettoIntestatario",
    when: (f) => f.lookup.kind === "not-found",
  },
  {
    situation: "several subjects with those names (no codice fiscale)",
    code: "EN043",
    kind: "precondition-failed",
    source: ERRORS,
    field: "soggettoIntestatario.generalita.codiceFiscale",
    when: (f) => f.lookup.kind === "ambiguous",
  },
  {
    situation: "codice fiscale found, surname differs",
    code: "EN069",
    kind: "precondition-failed",
    source: ERRORS,
    field: "soggettoIntestatario.generalita.cognome",
    when: (f) => f.lookup.kind === "mismatch" && f.lookup.field === "surname",
  },
  {
    situation: "codice fiscale found, name differs",
    code: "EN068",
    kind: "precondition-failed",
    source: ERRORS,
    field: "soggettoIntestatario.generalita.nome",
    when: (f) => f.lookup.kind === "mismatch",
  },
];

/**
 * The subject rules, checked for each requested type in order (first failure wins): the general
 * rules first, then the rules of the type (`types`).
 */
export const SUBJECT_REFUSALS: readonly RefusalRule<SubjectFacts>[] = [
  {
    situation: "subject registered in another Comune",
    code: "EN210",
    kind: "precondition-failed",
    source: ERRORS,
    when: (f) => f.person.comuneIstatCode !== f.comuneCode,
    values: (f) => [f.person.fiscalCode],
  },
  {
    situation: "subject moved away (any type but cancellation, 4)",
    code: "EN210",
    kind: "precondition-failed",
    source: ERRORS,
    when: (f) => f.person.status.kind === "moved-away" && f.typeId !== 4,
    values: (f) => [f.person.fiscalCode],
  },
  {
    situation: "proof of life (7) for a deceased subject",
    code: "EN054",
    kind: "precondition-failed",
    source: ERRORS,
    when: (f) => f.person.status.kind === "deceased" && f.typeId === 7,
  },
  {
    situation: "deceased subject, any type but death (2) and cancellation (4)",
    code: "EN228",
    kind: "precondition-failed",
    source: ERRORS,
    when: (f) => f.person.status.kind === "deceased" && f.typeId !== 2 && f.typeId !== 4,
  },
  {
    situation: "certifiability 0 or 3",
    code: "EN160",
    kind: "precondition-failed",
    source: `${ERRORS}; ${CERTIFIABILITY_TABLE}`,
    when: (f) => f.person.certifiability === 0 || f.person.certifiability === 3,
    values: (f) => [certifiabilityDescription(f.person.certifiability)],
  },
  {
    situation: "certifiability 1: any type but residence (8) and family status (12)",
    code: "EN046",
    kind: "precondition-failed",
    source: `${ERRORS}; ${CERTIFIABILITY_TABLE}`,
    when: (f) => f.person.certifiability === 1 && !PARTIAL_CERTIFIABILITY_TYPES.has(f.typeId),
  },
  {
    situation: "open procedure on the subject",
    code: "EN181",
    kind: "precondition-failed",
    source: ERRORS,
    when: (f) => f.person.anomalies.some((a) => a.kind === "open-procedure"),
  },
  {
    situation: "AIRE subject, APR type",
    code: "EN044",
    kind: "precondition-failed",
    source: `${ERRORS}; ${TYPES_TABLE}`,
    when: (f) => f.person.status.kind === "aire" && f.info?.register === "APR",
  },
  {
    situation: "resident subject, AIRE type",
    code: "EN164",
    kind: "precondition-failed",
    source: `${ERRORS}; ${TYPES_TABLE}`,
    when: (f) => f.person.status.kind !== "aire" && f.info?.register === "AIRE",
  },
  {
    situation: "death certificate for a living subject",
    code: "EN061",
    kind: "precondition-failed",
    source: ERRORS,
    types: [2],
    when: (f) => f.person.status.kind !== "deceased",
  },
  {
    situation: "marriage certificate, no marriage",
    code: "EN162",
    kind: "precondition-failed",
    source: ERRORS,
    types: [3],
    when: (f) => !f.person.marriage,
  },
  {
    situation: "cancellation certificate for a registered subject",
    code: "EN163",
    kind: "precondition-failed",
    source: ERRORS,
    types: [4],
    when: (f) => f.person.status.kind !== "deceased" && f.person.status.kind !== "moved-away",
  },
  {
    situation: "citizenship certificate, not Italian",
    code: "EN110",
    kind: "precondition-failed",
    source: ERRORS,
    types: [5],
    when: (f) => !f.person.citizenships.some((c) => c.stateCode === "100"),
  },
  {
    situation: "residence certificate, senza fissa dimora",
    code: "EN065",
    kind: "precondition-failed",
    source: ERRORS,
    types: [8],
    when: (f) => f.person.anomalies.some((a) => a.kind === "homeless"),
  },
  {
    situation: "civil status not known (9)",
    code: "EN138",
    kind: "precondition-failed",
    source: `${ERRORS}; ${CIVIL_STATUS_TABLE}`,
    types: [11],
    when: (f) => f.person.civilStatus === 9,
  },
  {
    situation: "family status: no household",
    code: "EN137",
    kind: "precondition-failed",
    source: ERRORS,
    types: [12, 13, 16],
    when: (f) => !f.household,
  },
  {
    situation: "family status (12, 13) of a member of a convivenza",
    code: "EN055",
    kind: "precondition-failed",
    source: ERRORS,
    types: [12, 13],
    when: (f) => f.household?.kind === "convivenza",
  },
  {
    situation: "family status with relationships (16) of a member of a convivenza",
    code: "EN058",
    kind: "precondition-failed",
    source: ERRORS,
    types: [16],
    when: (f) => f.household?.kind === "convivenza",
  },
  {
    situation: "family status: household being registered",
    code: "EN212",
    kind: "precondition-failed",
    source: ERRORS,
    types: [12, 13, 16],
    when: (f) => f.household?.anomaly === "being-registered",
  },
  {
    situation: "family status: household without a head",
    code: "EN062",
    kind: "precondition-failed",
    source: ERRORS,
    types: [12, 13, 16],
    when: (f) => f.household?.anomaly === "no-head",
  },
  {
    situation: "family status with relationships (16): the subject lives alone",
    code: "EN059",
    kind: "precondition-failed",
    source: ERRORS,
    types: [16],
    when: (f) => (f.household?.memberFiscalCodes.length ?? 0) < 2,
  },
  {
    situation: "family and civil status (13), civil status not known (9)",
    code: "EN138",
    kind: "precondition-failed",
    source: `${ERRORS}; ${CIVIL_STATUS_TABLE}`,
    types: [13],
    when: (f) => f.person.civilStatus === 9,
  },
  {
    situation: "residence in convivenza (14), not in one",
    code: "EN056",
    kind: "precondition-failed",
    source: ERRORS,
    types: [14],
    when: (f) => f.household?.kind !== "convivenza",
  },
  {
    situation: "residence in convivenza (14): convivenza being registered",
    code: "EN212",
    kind: "precondition-failed",
    source: ERRORS,
    types: [14],
    when: (f) => f.household?.anomaly === "being-registered",
  },
  {
    situation: "AIRE family status (15), no AIRE family",
    code: "EN057",
    kind: "precondition-failed",
    source: ERRORS,
    types: [15],
    when: (f) => f.household?.kind !== "aire-family",
  },
  {
    situation: "free status (17) while married, in a civil union or civil status unknown",
    code: "EN060",
    kind: "precondition-failed",
    source: `${ERRORS}; ${CIVIL_STATUS_TABLE}`,
    types: [17],
    when: (f) => f.person.civilStatus === 2 || f.person.civilStatus === 6 || f.person.civilStatus === 9,
  },
  {
    situation: "civil union certificate (18), no civil union",
    code: "EN353",
    kind: "precondition-failed",
    source: ERRORS,
    types: [18],
    when: (f) => !f.person.civilUnion,
  },
  {
    situation: "cohabitation contract certificate (19), no contract",
    code: "EN354",
    kind: "precondition-failed",
    source: ERRORS,
    types: [19],
    when: (f) => !f.person.cohabitationContract,
  },
  {
    situation: "residence at a date (20) with no residence then",
    code: "EN122",
    kind: "precondition-failed",
    source: ERRORS,
    types: [20],
    when: (f) => f.referenceDate === undefined || !residenceAt(f.person, f.referenceDate),
  },
];

/** The first rule of `rules` that refuses `facts`, as a refusal; undefined when none does. */
export function firstRefusal<Facts>(
  rules: readonly RefusalRule<Facts>[],
  facts: Facts,
  typeId?: CertificateTypeId,
): AnprRefusal | undefined {
  for (const rule of rules) {
    if (rule.types !== undefined && (typeId === undefined || !rule.types.includes(typeId))) continue;
    if (!rule.when(facts)) continue;
    return {
      code: rule.code,
      ...(rule.values === undefined ? {} : { values: rule.values(facts) }),
      ...(rule.field === undefined ? {} : { field: rule.field }),
    };
  }
  return undefined;
}

/** The facts the request rules read, derived once from the request and the population. */
export function requestFacts(population: Population, request: CertificateRequest): RequestFacts {
  const seen: number[] = [];
  let firstBadType: RequestFacts["firstBadType"];
  for (const id of request.certificateTypes) {
    if (!isCertificateTypeId(id)) firstBadType = { id, problem: "unknown" };
    else if (seen.includes(id)) firstBadType = { id, problem: "repeated" };
    if (firstBadType) break;
    seen.push(id);
  }
  const languageCodes = (request.languages ?? (request.language ? [request.language] : [])).map((l) =>
    l.trim().toUpperCase(),
  );
  const otherLanguages = [...new Set(languageCodes.filter((c) => c !== "IT"))];
  return {
    request,
    firstBadType,
    typeInfos: seen.map((id) => certificateTypeInfo(id)).filter((t) => t !== undefined),
    languageCodes,
    otherLanguages,
    language: otherLanguages[0] ?? "IT",
    comune: population.comune(request.comuneCode),
    lookup: population.findSubject({ ...request.subject, comuneCode: request.comuneCode }),
  };
}

const KIND_BY_CODE: ReadonlyMap<AnprErrorCode, DomainErrorKind> = new Map(
  [...SUBJECT_REFUSALS, ...REQUEST_REFUSALS].map((rule) => [rule.code, rule.kind]),
);

/** The domain error kind of a refusal code: the kind of its rule; precondition-failed for others. */
export function refusalKind(code: AnprErrorCode): DomainErrorKind {
  return KIND_BY_CODE.get(code) ?? "precondition-failed";
}

/**
 * ANPR refused the certificate. `kind` says how a caller should react (the rule's kind);
 * `metadata` carries `anprCode`, `anprType` and `anprText` for the SOAP answer and for
 * `novabox.common.v1.AnprErrorDetails`; the message is ANPR's Italian text.
 */
export class AnprRefusalError extends DomainError {
  /** ANPR code, e.g. EN042. */
  readonly anprCode: AnprErrorCode;
  /** E or W. */
  readonly anprType: AnprErrorType;

  constructor(refusal: AnprRefusal) {
    const text = anprErrorText(refusal.code, ...(refusal.values ?? []));
    const type = ANPR_ERRORS[refusal.code].type;
    super(refusalKind(refusal.code), `${refusal.code}: ${text}`, {
      reason: "ANPR_ERROR",
      metadata: { anprCode: refusal.code, anprType: type, anprText: text },
      ...(refusal.field === undefined ? {} : { field: refusal.field }),
    });
    this.anprCode = refusal.code;
    this.anprType = type;
  }
}
