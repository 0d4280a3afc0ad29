/**
 * Certification (ANPR service 6001) in the simulator: decides whether each requested certificate
 * type can be issued for a subject, and either builds the certificate's content or refuses with
 * the error code ANPR itself would return (tab_elenco_errori_anpr.rst).
 *
 * Pure: no I/O, no clock (the issue time and protocol number come in with the request), no
 * transport types. The SOAP layer turns {@link AnprRefusalError} into a `Risposta6001KO`
 * (`codiceErroreAnomalia` = `metadata.anprCode`, `tipoErroreAnomalia` = `metadata.anprType`,
 * `testoErroreAnomalia` = the message) and the content into a PDF (certificate-pdf.ts) and a
 * `Risposta6001OK` (`soggettoIntestatario`, `datiCertificato` from {@link CertificationResult}).
 *
 * When it refuses, and with which code, is the ordered table of refusal-rules.ts (each row: the
 * situation, the ANPR code, the error kind, the field at fault and the public source).
 *
 * A subject whose registered birth date differs from the one in the codice fiscale gets the
 * certificate with warning EA038 (W) in {@link CertificationResult.warnings}.
 */
import { createHash } from "node:crypto";
import {
  ANPR_ERRORS,
  certificateTypeInfo,
  civilStatusDescription,
  RELATIONSHIPS,
  stampDutyExemptionInfo,
  type AnprErrorType,
  type CertificateTypeId,
  type LanguageCode,
} from "#shared/anpr/tables.js";
import {
  AnprRefusalError,
  firstRefusal,
  REQUEST_REFUSALS,
  requestFacts,
  residenceAt,
  SUBJECT_REFUSALS,
  type AnprRefusal,
} from "./refusal-rules.js";
import type { ComuneInfo, Household, ItalianAddress, PartnerRef, Person, Place, Population } from "./population.js";

export { AnprRefusalError, refusalKind, type AnprRefusal } from "./refusal-rules.js";

/** Issuance channel (`emissione`): 1 counter (sportello), 2 internet, 3 preview (anteprima). */
export type Emissione = 1 | 2 | 3;

/** How the stamp duty was paid (`bolloVirtuale`). */
export type StampDutyPaymentMethod = "virtual" | "revenue-stamp" | "other";

/** Stamp duty of the request: paid (`bollo` > 0) or exempt (`esenzioneBollo`, table 39). */
export type StampDuty =
  | { kind: "paid"; amountCents: number; paymentMethod?: StampDutyPaymentMethod }
  | { kind: "exempt"; exemptionId: number; description?: string };

/** A certificate request, as the SOAP layer reads it from `Richiesta6001`. */
export interface CertificateRequest {
  /** ISTAT code of the requesting Comune (`testataRichiesta/codMittente`). */
  comuneCode: string;
  /** The subject (`soggettoIntestatario/generalita`). */
  subject: { fiscalCode?: string; surname: string; name: string };
  /** Table 13 ids (`listaTipiCertificati`); more than one makes a contestuale certificate. */
  certificateTypes: readonly number[];
  /** Table 14 code (`linguaCertificato`); default IT. */
  language?: string;
  /**
   * Every `tipoLinguaCertificato` of the request, when known (takes precedence over `language`). A
   * bilingual certificate is asked for with both languages, Italian and the other one
   * (italia/anpr#4682): a second language alone is refused.
   */
  languages?: readonly string[];
  /** For use abroad (`paEstera` ≠ 0). */
  useAbroad?: boolean;
  /** Channel (`emissione`). */
  emissione: number;
  /** Stamp duty (`bollo`, `bolloVirtuale`, `esenzioneBollo`, `descrizioneEsenzioneBollo`). */
  stampDuty: StampDuty;
  /** Diritti di segreteria in cents (`diritti`); default 0. */
  secretariatFeesCents?: number;
  /** Registry officer (`cognomeUffAnagrafe`, `nomeUffAnagrafe`). */
  officer?: { surname: string; name: string };
  /** Reference date (ISO) for type 20, storico di residenza alla data. */
  referenceDate?: string;
  /** When the certificate is issued, ISO date-time (the simulator's clock, passed in). */
  issuedAt: string;
  /**
   * ANPR protocol number (`numeroProtocolloANPR`, digits), assigned by the caller. Required for
   * emissione 1 and 2 (a RangeError otherwise: it is the simulator's own bookkeeping, not input);
   * ignored for previews, which get none.
   */
  protocolNumber?: string;
}

/** One labelled value of a certificate. */
export interface CertificateField {
  /** Label, Italian (or "Italian / German" for bilingual certificates). */
  label: string;
  /** Value as printed. */
  value: string;
}

/** One household member as listed on a family-status certificate. */
export interface CertificateMember {
  /** Codice fiscale. */
  fiscalCode: string;
  /** "SURNAME NAME". */
  fullName: string;
  /** "nato a PLACE il dd/mm/yyyy" (localized). */
  birth: string;
  /** Relationship to the head (type 16). */
  relationship?: string;
  /** Civil status (type 13). */
  civilStatus?: string;
}

/** The part of a certificate for one certificate type (a contestuale certificate has several). */
export interface CertificateSection {
  /** Table 13 id. */
  typeId: CertificateTypeId;
  /** Title, e.g. "CERTIFICATO DI RESIDENZA". */
  title: string;
  /** What is certified, as sentences. */
  statements: readonly string[];
  /** Labelled data. */
  fields: readonly CertificateField[];
  /** Household members, for family-status types. */
  members?: readonly CertificateMember[];
}

/**
 * Everything printed on a certificate, already worded and localized, so the PDF renderer only
 * lays it out. Plain data (JSON-serializable); its SHA-256 ({@link certificateFingerprint}) is the
 * contrassegno's check value.
 */
export interface CertificateContent {
  /** Table 13 ids, as requested. */
  certificateTypes: readonly CertificateTypeId[];
  /** True when more than one type. */
  contestuale: boolean;
  /** Language (IT, or DE for bilingual Italian/German). */
  language: LanguageCode;
  /** Channel. */
  emissione: Emissione;
  /** True for emissione 3: not a valid certificate, no protocol, no contrassegno. */
  preview: boolean;
  /** ANPR protocol number; absent for previews. */
  protocolNumber?: string;
  /** Issue time, ISO date-time. */
  issuedAt: string;
  /** The issuing Comune. */
  comune: { istatCode: string; name: string; province: string; nameDe?: string };
  /** Header lines: ministry and ANPR, the Comune. */
  headerLines: readonly string[];
  /** Document title: the single type's title, or the contestuale title. */
  title: string;
  /** The subject. */
  subject: { fiscalCode: string; surname: string; name: string; idAnpr: string };
  /** Generalità printed once at the top: surname, name, sex, birth, codice fiscale. */
  generalita: readonly CertificateField[];
  /** One section per type. */
  sections: readonly CertificateSection[];
  /** "Bollo assolto ..." or "Esente da bollo ai sensi di ...". */
  stampDutyLine: string;
  /** Legal notices (art. 40 DPR 445/2000, use abroad, preview). */
  notes: readonly string[];
  /** "PLACE, dd/mm/yyyy". */
  issuePlaceLine: string;
  /** Who signs: the registry officer. */
  officerLine: string;
}

/** An ANPR error or anomaly as it goes into `listaErrori` / `listaAnomalie`. */
export interface AnprMessage {
  /** `codiceErroreAnomalia`. */
  code: string;
  /** `tipoErroreAnomalia`. */
  type: AnprErrorType;
  /** `testoErroreAnomalia`, placeholders filled. */
  text: string;
}

/** A certificate ANPR would issue. */
export interface CertificationResult {
  /** What to print. */
  content: CertificateContent;
  /** The subject's record (for `soggettoIntestatario` and `datiCertificato`). */
  subject: Person;
  /** The subject's household members, by position (for `listaDatiSoggetti`); empty when the types list none. */
  householdMembers: readonly Person[];
  /** The subject's household, when one was listed. */
  household?: Household;
  /** Non-blocking anomalies (W) ANPR would add to `listaAnomalie`. */
  warnings: readonly AnprMessage[];
}

// ---------------------------------------------------------------------------------------------
// Wording.

interface Words {
  it: string;
  de: string;
}

const LABELS = {
  surname: { it: "Cognome", de: "Nachname" },
  name: { it: "Nome", de: "Vorname" },
  sex: { it: "Sesso", de: "Geschlecht" },
  birthDate: { it: "Data di nascita", de: "Geburtsdatum" },
  birthPlace: { it: "Luogo di nascita", de: "Geburtsort" },
  fiscalCode: { it: "Codice fiscale", de: "Steuernummer" },
  address: { it: "Indirizzo", de: "Anschrift" },
  since: { it: "Dal", de: "Seit" },
  citizenship: { it: "Cittadinanza", de: "Staatsbürgerschaft" },
  civilStatus: { it: "Stato civile", de: "Personenstand" },
  spouse: { it: "Coniuge", de: "Ehegatte" },
  weddingDate: { it: "Data del matrimonio", de: "Datum der Eheschließung" },
  weddingPlace: { it: "Luogo del matrimonio", de: "Ort der Eheschließung" },
  marriageEnd: { it: "Cessazione", de: "Beendigung" },
  deathDate: { it: "Data di morte", de: "Sterbedatum" },
  deathPlace: { it: "Luogo di morte", de: "Sterbeort" },
  cancellationDate: { it: "Data di cancellazione", de: "Datum der Streichung" },
  cancellationReason: { it: "Motivo", de: "Grund" },
  abroadAddress: { it: "Indirizzo estero", de: "Anschrift im Ausland" },
  consulate: { it: "Consolato", de: "Konsulat" },
  aireSince: { it: "Iscritto all'AIRE dal", de: "Im AIRE eingetragen seit" },
  convivenza: { it: "Convivenza", de: "Lebensgemeinschaft" },
  partner: { it: "Altra parte", de: "Partner" },
  unionDate: { it: "Data di costituzione", de: "Datum der Begründung" },
  unionPlace: { it: "Comune di registrazione", de: "Eintragungsgemeinde" },
  contractDate: { it: "Data di stipula", de: "Datum des Vertrags" },
  period: { it: "Periodo", de: "Zeitraum" },
  referenceDate: { it: "Alla data del", de: "Zum" },
  validFrom: { it: "Dal", de: "Seit" },
} as const satisfies Record<string, Words>;

const TITLES_DE: Readonly<Record<CertificateTypeId, string>> = {
  1: "GEBURTSBESCHEINIGUNG",
  2: "STERBEBESCHEINIGUNG",
  3: "HEIRATSBESCHEINIGUNG",
  4: "BESCHEINIGUNG ÜBER DIE STREICHUNG AUS DEM MELDEREGISTER",
  5: "STAATSBÜRGERSCHAFTSBESCHEINIGUNG",
  6: "HISTORISCHE STAATSBÜRGERSCHAFTSBESCHEINIGUNG",
  7: "LEBENSBESCHEINIGUNG",
  8: "ANSÄSSIGKEITSBESCHEINIGUNG",
  9: "HISTORISCHE ANSÄSSIGKEITSBESCHEINIGUNG",
  10: "AIRE-ANSÄSSIGKEITSBESCHEINIGUNG",
  11: "PERSONENSTANDSBESCHEINIGUNG",
  12: "FAMILIENBOGEN",
  13: "FAMILIENBOGEN UND PERSONENSTANDSBESCHEINIGUNG",
  14: "ANSÄSSIGKEITSBESCHEINIGUNG IN EINER LEBENSGEMEINSCHAFT",
  15: "AIRE-FAMILIENBOGEN",
  16: "FAMILIENBOGEN MIT VERWANDTSCHAFTSVERHÄLTNISSEN",
  17: "LEDIGENBESCHEINIGUNG",
  18: "BESCHEINIGUNG ÜBER DIE EINGETRAGENE LEBENSPARTNERSCHAFT",
  19: "BESCHEINIGUNG ÜBER DEN LEBENSGEMEINSCHAFTSVERTRAG",
  20: "HISTORISCHE ANSÄSSIGKEITSBESCHEINIGUNG ZUM STICHTAG",
};

/** The Italian title of a type: "CERTIFICATO " + its table 13 description, upper case. */
export function certificateTitle(typeId: CertificateTypeId): string {
  return `CERTIFICATO ${certificateTypeInfo(typeId)?.description.toUpperCase() ?? ""}`;
}

class Wording {
  constructor(readonly bilingual: boolean) {}

  label(words: Words): string {
    return this.bilingual ? `${words.it} / ${words.de}` : words.it;
  }

  /** One sentence per language. */
  say(it: string, de: string): string[] {
    return this.bilingual ? [it, de] : [it];
  }

  title(typeId: CertificateTypeId): string {
    return this.bilingual ? `${certificateTitle(typeId)} / ${TITLES_DE[typeId]}` : certificateTitle(typeId);
  }
}

function formatDate(iso: string): string {
  return `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`;
}

function formatPlace(place: Place): string {
  if (place.kind === "comune") return `${place.name} (${place.province})`;
  return place.locality === undefined ? place.stateName : `${place.locality} (${place.stateName})`;
}

function formatAddress(a: ItalianAddress, w: Wording): string {
  const street =
    [a.streetType, a.streetName, a.houseNumber + (a.letter ?? "")].join(" ") +
    (a.internal === undefined ? "" : ` int. ${a.internal}`);
  const it = `${street} - ${a.postcode} ${a.comuneName} (${a.province})`;
  if (!w.bilingual || a.streetNameDe === undefined) return it;
  return `${it} / ${a.streetNameDe} ${a.houseNumber}${a.letter ?? ""}`;
}

function gender(p: { sex: "M" | "F" }, male: string, female: string): string {
  return p.sex === "M" ? male : female;
}

function fullName(p: { surname: string; name: string }): string {
  return `${p.surname} ${p.name}`;
}

function partnerLine(p: PartnerRef): string {
  return `${fullName(p)}, ${gender(p, "nato", "nata")} a ${formatPlace(p.birthPlace)} il ${formatDate(p.birthDate)}`;
}

function currentResidence(person: Person): { address: ItalianAddress; since: string } | undefined {
  const last = person.residenceHistory[person.residenceHistory.length - 1];
  return last && last.until === undefined ? { address: last.address, since: last.since } : undefined;
}

/**
 * Whether ANPR would issue certificate `typeId` for `person` when `comuneCode` asks: undefined when
 * it would, else the refusal (the first row of {@link SUBJECT_REFUSALS} that applies). Checks the
 * subject, not the request: combinations of types, stamp duty and language are the request rules of
 * {@link issueCertificate}. `referenceDate` is the date of a type 20 request.
 */
export function checkCertificateType(
  population: Population,
  person: Person,
  typeId: CertificateTypeId,
  comuneCode: string,
  referenceDate?: string,
): AnprRefusal | undefined {
  const household = person.familyId === undefined ? undefined : population.household(person.familyId);
  return firstRefusal(
    SUBJECT_REFUSALS,
    { person, typeId, info: certificateTypeInfo(typeId), comuneCode, household, referenceDate },
    typeId,
  );
}

// ---------------------------------------------------------------------------------------------
// Content.

interface Ctx {
  population: Population;
  person: Person;
  comune: ComuneInfo;
  w: Wording;
  request: CertificateRequest;
  household: Household | undefined;
  members: readonly Person[];
}

function memberLine(m: Person, withRelationship: boolean, withCivilStatus: boolean): CertificateMember {
  const line: CertificateMember = {
    fiscalCode: m.fiscalCode,
    fullName: fullName(m),
    birth: `${gender(m, "nato", "nata")} a ${formatPlace(m.birthPlace)} il ${formatDate(m.birthDate)}`,
    ...(withRelationship && m.relationship !== undefined ? { relationship: RELATIONSHIPS[m.relationship] } : {}),
    ...(withCivilStatus ? { civilStatus: civilStatusDescription(m.civilStatus) ?? "" } : {}),
  };
  return line;
}

function section(ctx: Ctx, typeId: CertificateTypeId): CertificateSection {
  const { person: p, w } = ctx;
  const f = (words: Words, value: string): CertificateField => ({ label: w.label(words), value });
  const base = { typeId, title: w.title(typeId) };
  const residence = currentResidence(p);
  switch (typeId) {
    case 1:
      return {
        ...base,
        statements: w.say(
          `Risulta ${gender(p, "nato", "nata")} a ${formatPlace(p.birthPlace)} il ${formatDate(p.birthDate)}.`,
          `Geboren in ${formatPlace(p.birthPlace)} am ${formatDate(p.birthDate)}.`,
        ),
        fields: [],
      };
    case 2: {
      if (p.status.kind !== "deceased") throw new RangeError("type 2 for a living subject");
      const { deathDate, deathPlace } = p.status;
      return {
        ...base,
        statements: w.say(
          `Risulta ${gender(p, "deceduto", "deceduta")} a ${formatPlace(deathPlace)} il ${formatDate(deathDate)}.`,
          `Verstorben in ${formatPlace(deathPlace)} am ${formatDate(deathDate)}.`,
        ),
        fields: [f(LABELS.deathDate, formatDate(deathDate)), f(LABELS.deathPlace, formatPlace(deathPlace))],
      };
    }
    case 3: {
      const m = p.marriage;
      if (!m) throw new RangeError("type 3 without a marriage");
      const fields = [
        f(LABELS.spouse, partnerLine(m.spouse)),
        f(LABELS.weddingDate, formatDate(m.date)),
        f(LABELS.weddingPlace, formatPlace(m.place)),
      ];
      if (m.ended)
        fields.push(
          f(
            LABELS.marriageEnd,
            `${m.ended.kind === "divorce" ? "scioglimento/cessazione degli effetti civili" : "decesso del coniuge"} il ${formatDate(m.ended.date)}`,
          ),
        );
      return {
        ...base,
        statements: w.say(
          `Risulta aver contratto matrimonio il ${formatDate(m.date)} a ${formatPlace(m.place)}.`,
          `Hat am ${formatDate(m.date)} in ${formatPlace(m.place)} die Ehe geschlossen.`,
        ),
        fields,
      };
    }
    case 4: {
      const s = p.status;
      if (s.kind !== "deceased" && s.kind !== "moved-away") throw new RangeError("type 4 for a registered subject");
      const date = s.kind === "deceased" ? s.deathDate : s.date;
      const reason =
        s.kind === "deceased" ? "decesso" : `trasferimento di residenza nel Comune di ${formatPlace(s.destination)}`;
      const reasonDe =
        s.kind === "deceased" ? "Ableben" : `Verlegung des Wohnsitzes in die Gemeinde ${formatPlace(s.destination)}`;
      return {
        ...base,
        statements: w.say(
          `Risulta ${gender(p, "cancellato", "cancellata")} dall'anagrafe della popolazione residente di questo Comune il ${formatDate(date)} per ${reason}.`,
          `Am ${formatDate(date)} aus dem Melderegister dieser Gemeinde gestrichen: ${reasonDe}.`,
        ),
        fields: [f(LABELS.cancellationDate, formatDate(date)), f(LABELS.cancellationReason, reason)],
      };
    }
    case 5:
      return {
        ...base,
        statements: w.say(
          "Risulta in possesso della cittadinanza italiana.",
          "Besitzt die italienische Staatsbürgerschaft.",
        ),
        fields: [f(LABELS.citizenship, "ITALIA")],
      };
    case 6:
      return {
        ...base,
        statements: w.say("Risultano le seguenti cittadinanze:", "Verlauf der Staatsbürgerschaft:"),
        fields: [...p.citizenships]
          .sort((a, b) => (a.validFrom < b.validFrom ? -1 : 1))
          .map((c) => f(LABELS.citizenship, `${c.stateName} dal ${formatDate(c.validFrom)}`)),
      };
    case 7:
      return {
        ...base,
        statements: w.say(
          `Risulta in vita alla data del ${formatDate(ctx.request.issuedAt.slice(0, 10))}.`,
          `Ist am ${formatDate(ctx.request.issuedAt.slice(0, 10))} am Leben.`,
        ),
        fields: [],
      };
    case 8:
    case 14: {
      if (!residence) throw new RangeError("residence certificate without a residence");
      const fields = [
        f(LABELS.address, formatAddress(residence.address, w)),
        f(LABELS.since, formatDate(residence.since)),
      ];
      if (typeId === 14 && ctx.household?.convivenzaName)
        fields.unshift(f(LABELS.convivenza, ctx.household.convivenzaName));
      return {
        ...base,
        statements:
          typeId === 8
            ? w.say(`Risulta residente in questo Comune.`, "Ist in dieser Gemeinde ansässig.")
            : w.say(
                `Risulta residente in questo Comune nella convivenza ${ctx.household?.convivenzaName ?? ""}.`,
                `Ist in dieser Gemeinde in der Lebensgemeinschaft ${ctx.household?.convivenzaName ?? ""} ansässig.`,
              ),
        fields,
      };
    }
    case 9:
      return {
        ...base,
        statements: w.say("Risultano le seguenti residenze:", "Verlauf der Ansässigkeit:"),
        fields: p.residenceHistory.map((r) =>
          f(
            LABELS.period,
            `${formatDate(r.since)} - ${r.until === undefined ? "oggi" : formatDate(r.until)}: ${formatAddress(r.address, w)}`,
          ),
        ),
      };
    case 10: {
      const s = p.status;
      const a = p.foreignResidence;
      if (s.kind !== "aire" || !a) throw new RangeError("type 10 for a subject not in AIRE");
      return {
        ...base,
        statements: w.say(
          `Risulta ${gender(p, "iscritto", "iscritta")} all'AIRE di questo Comune dal ${formatDate(s.since)}, residente in ${a.locality} (${a.stateName}).`,
          `Seit ${formatDate(s.since)} im AIRE dieser Gemeinde eingetragen, wohnhaft in ${a.locality} (${a.stateName}).`,
        ),
        fields: [
          f(LABELS.abroadAddress, `${a.street} - ${a.postcode} ${a.locality} (${a.stateName})`),
          f(LABELS.consulate, a.consulateName),
          f(LABELS.aireSince, formatDate(s.since)),
        ],
      };
    }
    case 11:
      return {
        ...base,
        statements: w.say("Risulta il seguente stato civile:", "Personenstand:"),
        fields: [f(LABELS.civilStatus, civilStatusDescription(p.civilStatus) ?? "")],
      };
    case 12:
    case 13:
    case 15:
    case 16: {
      const statementIt =
        typeId === 15 ? "La famiglia AIRE risulta così composta:" : "La famiglia anagrafica risulta così composta:";
      const statementDe = typeId === 15 ? "Die AIRE-Familie besteht aus:" : "Die Familie besteht aus:";
      const fields = residence
        ? [f(LABELS.address, formatAddress(residence.address, w))]
        : p.foreignResidence
          ? [
              f(
                LABELS.abroadAddress,
                `${p.foreignResidence.street} - ${p.foreignResidence.postcode} ${p.foreignResidence.locality} (${p.foreignResidence.stateName})`,
              ),
            ]
          : [];
      return {
        ...base,
        statements: w.say(statementIt, statementDe),
        fields,
        members: ctx.members.map((m) => memberLine(m, typeId === 16, typeId === 13)),
      };
    }
    case 17:
      return {
        ...base,
        statements: w.say(
          "Risulta di stato libero: non coniugato/a né unito/a civilmente.",
          "Ist weder verheiratet noch in einer eingetragenen Lebenspartnerschaft.",
        ),
        fields: [f(LABELS.civilStatus, civilStatusDescription(p.civilStatus) ?? "")],
      };
    case 18: {
      const u = p.civilUnion;
      if (!u) throw new RangeError("type 18 without a civil union");
      return {
        ...base,
        statements: w.say(
          `Risulta ${gender(p, "unito", "unita")} civilmente dal ${formatDate(u.date)}.`,
          `Lebt seit ${formatDate(u.date)} in einer eingetragenen Lebenspartnerschaft.`,
        ),
        fields: [
          f(LABELS.partner, partnerLine(u.partner)),
          f(LABELS.unionDate, formatDate(u.date)),
          f(LABELS.unionPlace, formatPlace(u.place)),
        ],
      };
    }
    case 19: {
      const c = p.cohabitationContract;
      if (!c) throw new RangeError("type 19 without a contract");
      return {
        ...base,
        statements: w.say(
          `Risulta aver stipulato un contratto di convivenza il ${formatDate(c.date)}, registrato dal Comune di ${formatPlace(c.registeredIn)}.`,
          `Hat am ${formatDate(c.date)} einen Lebensgemeinschaftsvertrag geschlossen, eingetragen in der Gemeinde ${formatPlace(c.registeredIn)}.`,
        ),
        fields: [f(LABELS.partner, partnerLine(c.partner)), f(LABELS.contractDate, formatDate(c.date))],
      };
    }
    case 20: {
      const date = ctx.request.referenceDate ?? "";
      const at = residenceAt(p, date);
      if (!at) throw new RangeError("type 20 without a residence at the date");
      return {
        ...base,
        statements: w.say(
          `Alla data del ${formatDate(date)} risultava residente in ${formatAddress(at.address, w)}.`,
          `Am ${formatDate(date)} ansässig in ${formatAddress(at.address, w)}.`,
        ),
        fields: [
          f(LABELS.referenceDate, formatDate(date)),
          f(LABELS.address, formatAddress(at.address, w)),
          f(LABELS.since, formatDate(at.since)),
        ],
      };
    }
  }
}

function euros(cents: number): string {
  return `€ ${Math.floor(cents / 100)},${String(cents % 100).padStart(2, "0")}`;
}

function stampDutyLine(stampDuty: StampDuty, w: Wording): string {
  if (stampDuty.kind === "paid") {
    const how =
      stampDuty.paymentMethod === "virtual"
        ? " in modo virtuale"
        : stampDuty.paymentMethod === "revenue-stamp"
          ? " mediante contrassegno"
          : "";
    const it = `Bollo assolto${how} (${euros(stampDuty.amountCents)})`;
    return w.bilingual ? `${it} / Stempelsteuer entrichtet (${euros(stampDuty.amountCents)})` : it;
  }
  const exemption = stampDutyExemptionInfo(stampDuty.exemptionId);
  const reason = exemption?.requiresDescription
    ? `${exemption.description}: ${stampDuty.description?.trim() ?? ""}`
    : (exemption?.description ?? "");
  const it = `Esente da bollo ai sensi di: ${reason}`;
  return w.bilingual ? `${it} / Stempelsteuerfrei gemäß: ${reason}` : it;
}

/**
 * Issues (or previews) a certificate the way ANPR 6001 would: validates the request, finds the
 * subject, checks every requested type ({@link checkCertificateType}) and builds the content.
 * Throws {@link AnprRefusalError} with the code ANPR would answer (module header); throws a
 * RangeError only for a caller bug (missing protocol number for emissione 1/2, bad `issuedAt`).
 */
export function issueCertificate(population: Population, request: CertificateRequest): CertificationResult {
  if (!/^\d{4}-\d{2}-\d{2}T/.test(request.issuedAt))
    throw new RangeError(`issuedAt must be an ISO date-time, got ${JSON.stringify(request.issuedAt)}`);
  const emissione = request.emissione;
  if ((emissione === 1 || emissione === 2) && !/^\d{1,30}$/.test(request.protocolNumber ?? "")) {
    throw new RangeError(
      `emissione ${emissione} needs a protocol number of 1-30 digits, got ${JSON.stringify(request.protocolNumber)}`,
    );
  }
  const facts = requestFacts(population, request);
  const refusal = firstRefusal(REQUEST_REFUSALS, facts);
  if (refusal) throw new AnprRefusalError(refusal);
  // Every request rule passed: the emissione, types, language, Comune and subject are known good.
  const { comune, lookup } = facts;
  if (comune === undefined || lookup.kind !== "found" || (emissione !== 1 && emissione !== 2 && emissione !== 3))
    throw new Error("unreachable: the request rules refuse an unknown Comune, subject or emissione");
  const protocolNumber = emissione === 3 ? undefined : request.protocolNumber;
  const types = request.certificateTypes as readonly CertificateTypeId[];
  const language = facts.language as LanguageCode;
  const person = lookup.person;
  for (const typeId of types) {
    const refusal = checkCertificateType(population, person, typeId, request.comuneCode, request.referenceDate);
    if (refusal) throw new AnprRefusalError(refusal);
  }

  const w = new Wording(language === "DE");
  const listsMembers = types.some((t) => t === 12 || t === 13 || t === 15 || t === 16);
  const household = person.familyId === undefined ? undefined : population.household(person.familyId);
  const members = listsMembers && household ? population.householdMembers(household.id) : [];
  const ctx: Ctx = { population, person, comune, w, request, household, members };

  const issueDate = request.issuedAt.slice(0, 10);
  const comuneName = w.bilingual && comune.nameDe ? `${comune.name} / ${comune.nameDe}` : comune.name;
  const notes = [
    ...w.say(
      "Il presente certificato non può essere prodotto agli organi della pubblica amministrazione o ai privati gestori di pubblici servizi (art. 40 DPR 445/2000).",
      "Diese Bescheinigung darf Organen der öffentlichen Verwaltung und privaten Betreibern öffentlicher Dienste nicht vorgelegt werden.",
    ),
  ];
  if (request.useAbroad)
    notes.push(...w.say("Certificato rilasciato per l'uso all'estero.", "Für die Verwendung im Ausland ausgestellt."));
  if (emissione === 3)
    notes.push(
      ...w.say("ANTEPRIMA: documento privo di valore certificativo.", "VORSCHAU: Dokument ohne Bescheinigungswert."),
    );

  const content: CertificateContent = {
    certificateTypes: types,
    contestuale: types.length > 1,
    language,
    emissione,
    preview: emissione === 3,
    ...(protocolNumber === undefined ? {} : { protocolNumber }),
    issuedAt: request.issuedAt,
    comune: {
      istatCode: comune.istatCode,
      name: comune.name,
      province: comune.province,
      ...(comune.nameDe === undefined ? {} : { nameDe: comune.nameDe }),
    },
    headerLines: [
      w.bilingual ? "Ministero dell'Interno — ANPR / Innenministerium — ANPR" : "Ministero dell'Interno — ANPR",
      w.bilingual
        ? "Anagrafe Nazionale della Popolazione Residente / Nationales Melderegister"
        : "Anagrafe Nazionale della Popolazione Residente",
      w.bilingual
        ? `Comune di ${comune.name} / Gemeinde ${comune.nameDe ?? comune.name} (${comune.province})`
        : `Comune di ${comune.name} (${comune.province})`,
    ],
    title:
      types.length > 1
        ? w.bilingual
          ? "CERTIFICATO CONTESTUALE / MEHRFACHBESCHEINIGUNG"
          : "CERTIFICATO CONTESTUALE"
        : w.title(types[0] ?? 1),
    subject: { fiscalCode: person.fiscalCode, surname: person.surname, name: person.name, idAnpr: person.idAnpr },
    generalita: [
      { label: w.label(LABELS.surname), value: person.surname },
      { label: w.label(LABELS.name), value: person.name },
      { label: w.label(LABELS.sex), value: person.sex },
      { label: w.label(LABELS.birthDate), value: formatDate(person.birthDate) },
      { label: w.label(LABELS.birthPlace), value: formatPlace(person.birthPlace) },
      { label: w.label(LABELS.fiscalCode), value: person.fiscalCode },
    ],
    sections: types.map((t) => section(ctx, t)),
    stampDutyLine: stampDutyLine(request.stampDuty, w),
    notes,
    issuePlaceLine: `${comuneName}, ${formatDate(issueDate)}`,
    officerLine: `${w.bilingual ? "L'Ufficiale d'Anagrafe / Der Standesbeamte" : "L'Ufficiale d'Anagrafe"}${request.officer ? `: ${request.officer.surname} ${request.officer.name}` : ""}`,
  };
  const warnings: AnprMessage[] = person.anomalies.some((a) => a.kind === "birth-date-mismatch")
    ? [{ code: "EA038", type: ANPR_ERRORS.EA038.type, text: ANPR_ERRORS.EA038.text }]
    : [];
  return {
    content,
    subject: person,
    householdMembers: members,
    ...(listsMembers && household ? { household } : {}),
    warnings,
  };
}

/**
 * SHA-256 (hex) of the certificate content: the check value of the contrassegno. Stable for equal
 * content, since the content is plain data built in a fixed key order.
 */
export function certificateFingerprint(content: CertificateContent): string {
  return createHash("sha256").update(JSON.stringify(content)).digest("hex");
}
