/**
 * The simulator's SOAP answer bodies, in the element order of the official XSDs (the tests validate
 * every one with xmllint): Risposta6001 (OK with the PDF inline or as an MTOM/XOP reference, or KO),
 * Risposta3002 (OK with the subject and the family, or KO) and RispostaConnessione.
 */
import { escapeXml } from "#shared/anpr/xml-text.js";

const ns6001 = "http://sogei.it/ANPR/6001certificazione";
const ns3000 = "http://sogei.it/ANPR/3000consultazione";
const nsConn = "http://sogei.it/ANPR/connessione";

/** The request header fields echoed in `testataRisposta`, plus ANPR's own. */
export interface AnswerHeader {
  idOperazioneComune: string;
  codMittente: string;
  codDestinatario: string;
  operazioneRichiesta: string;
  dataOraRichiesta: string;
  /** ANPR's operation id (digits). */
  idOperazioneANPR: string;
  esito: "OK" | "KO";
}

/** One error or anomaly for `listaErrori`. */
export interface AnswerMessage {
  code: string;
  severity: "E" | "W";
  text: string;
  object?: string;
  field?: string;
  value?: string;
}

function el(name: string, value: string | number | bigint | undefined): string {
  return value === undefined || value === "" ? "" : `<${name}>${escapeXml(String(value))}</${name}>`;
}

/**
 * `<name>` holding one element per entry of `fields`, in the entries' order (which must be the XSD's
 * sequence); empty values are left out, as optional elements.
 */
function group(name: string, fields: Readonly<Record<string, string | number | bigint | undefined>>): string {
  return `<${name}>${Object.entries(fields)
    .map(([child, value]) => el(child, value))
    .join("")}</${name}>`;
}

function header(h: AnswerHeader): string {
  return group("testataRisposta", {
    idOperazioneComune: h.idOperazioneComune,
    codMittente: h.codMittente,
    codDestinatario: h.codDestinatario,
    operazioneRichiesta: h.operazioneRichiesta,
    dataOraRichiesta: h.dataOraRichiesta,
    idOperazioneANPR: h.idOperazioneANPR,
    esitoOperazione: h.esito,
  });
}

function errorList(errors: readonly AnswerMessage[]): string {
  return `<listaErrori>${errors
    .map((e) =>
      group("errore", {
        codiceErroreAnomalia: e.code,
        tipoErroreAnomalia: e.severity,
        testoErroreAnomalia: e.text.slice(0, 240),
        oggettoErroreAnomalia: e.object,
        campoErroreAnomalia: e.field,
        valoreErroreAnomalia: e.value,
      }),
    )
    .join("")}</listaErrori>`;
}

/** The parameters of a 6001 request, echoed in `parametriRichiesta`. */
export interface Answer6001Parameters {
  tipoRichiedente: string;
  tipoRichiesta: string;
  paEstera: string;
  emissione: string;
  bollo: string;
  diritti: string;
  esenzioneBollo?: string;
  descrizioneEsenzioneBollo?: string;
}

/** What an OK Risposta6001 carries. */
export interface Answer6001Ok {
  languages: readonly string[];
  certificateTypes: readonly number[];
  subject: { fiscalCode?: string; surname: string; name: string };
  protocolNumber: string;
  parameters: Answer6001Parameters;
  /**
   * The PDF as base64, or the content id of an MTOM attachment (then `certificatoPdf` holds an
   * xop:Include, which the schema validates only once the XOP package is reassembled).
   */
  pdf: { base64: string } | { contentId: string };
  warnings: readonly AnswerMessage[];
}

/** Risposta6001 with a KO part. */
export function risposta6001Ko(h: AnswerHeader, errors: readonly AnswerMessage[]): string {
  return `<ns2:Risposta6001 xmlns:ns2="${ns6001}"><ns2:Risposta6001KO>${header({ ...h, esito: "KO" })}${errorList(errors)}</ns2:Risposta6001KO></ns2:Risposta6001>`;
}

/** Risposta6001 with an OK part. */
export function risposta6001Ok(h: AnswerHeader, ok: Answer6001Ok): string {
  const p = ok.parameters;
  const pdf =
    "base64" in ok.pdf
      ? `<certificatoPdf>${ok.pdf.base64}</certificatoPdf>`
      : `<certificatoPdf><xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include" href="cid:${escapeXml(encodeURIComponent(ok.pdf.contentId))}"/></certificatoPdf>`;
  return (
    `<ns2:Risposta6001 xmlns:ns2="${ns6001}"><ns2:Risposta6001OK>` +
    header({ ...h, esito: "OK" }) +
    (ok.languages.length > 0
      ? `<linguaCertificato>${ok.languages.map((l) => el("tipoLinguaCertificato", l)).join("")}</linguaCertificato>`
      : "") +
    `<listaTipiCertificato>${ok.certificateTypes.map((t) => el("tipoCertificato", t)).join("")}</listaTipiCertificato>` +
    "<soggettoIntestatario><generalita>" +
    (ok.subject.fiscalCode ? `<codiceFiscale>${el("codFiscale", ok.subject.fiscalCode)}</codiceFiscale>` : "") +
    el("cognome", ok.subject.surname) +
    el("nome", ok.subject.name) +
    "</generalita></soggettoIntestatario>" +
    `<protocolloANPR>${el("numeroProtocolloANPR", ok.protocolNumber)}</protocolloANPR>` +
    group("parametriRichiesta", {
      tipoRichiedente: p.tipoRichiedente,
      tipoRichiesta: p.tipoRichiesta,
      paEstera: p.paEstera,
      emissione: p.emissione,
      bollo: p.bollo,
      diritti: p.diritti,
      esenzioneBollo: p.esenzioneBollo,
      descrizioneEsenzioneBollo: p.descrizioneEsenzioneBollo,
    }) +
    `<file>${pdf}</file>` +
    (ok.warnings.length > 0 ? errorList(ok.warnings) : "") +
    "</ns2:Risposta6001OK></ns2:Risposta6001>"
  );
}

/** A person in a Risposta3002 (the subject or a family member). */
export interface AnswerPerson {
  idAnpr: string;
  fiscalCode: string;
  surname: string;
  name: string;
  sex: "M" | "F";
  /** YYYY-MM-DD */
  birthDate: string;
  birthPlace:
    | { comuneName: string; istatCode?: string; province: string }
    | { foreignLocality: string; stateName: string; stateCode: string };
  civilStatusCode?: string;
  citizenships: readonly { code: string; description: string }[];
  residence?: {
    postcode: string;
    comuneName: string;
    istatCode: string;
    province: string;
    streetType: string;
    streetName: string;
    houseNumber: string;
    since?: string;
  };
  /** The family (idAnpr: digits only, as tipoIdFamigliaConvivenzaANPR requires). */
  family?: { idAnpr: string; relationshipCode: string; since: string };
  deathDate?: string;
}

function comune(name: string, istat: string | undefined, province: string): string {
  return `<comune>${el("nomeComune", name)}${el("codiceIstat", istat)}${el("siglaProvinciaIstat", province)}</comune>`;
}

function person(p: AnswerPerson): string {
  const birthPlace =
    "comuneName" in p.birthPlace
      ? comune(p.birthPlace.comuneName, p.birthPlace.istatCode, p.birthPlace.province)
      : `<localita>${el("descrizioneLocalita", p.birthPlace.foreignLocality)}${el("descrizioneStato", p.birthPlace.stateName)}${el("codiceStato", p.birthPlace.stateCode)}</localita>`;
  const r = p.residence;
  return (
    "<datiSoggetto>" +
    `<identificativi>${el("idANPR", p.idAnpr)}</identificativi>` +
    "<generalita>" +
    `<codiceFiscale>${el("codFiscale", p.fiscalCode)}</codiceFiscale>` +
    el("cognome", p.surname) +
    el("nome", p.name) +
    el("sesso", p.sex) +
    el("dataNascita", p.birthDate) +
    `<luogoNascita>${birthPlace}</luogoNascita>` +
    "</generalita>" +
    (p.civilStatusCode ? `<statoCivile>${el("statoCivile", p.civilStatusCode)}</statoCivile>` : "") +
    p.citizenships
      .map((c) => `<cittadinanza>${el("descrizioneStato", c.description)}${el("codiceStato", c.code)}</cittadinanza>`)
      .join("") +
    (r
      ? "<residenza>" +
        el("tipoIndirizzo", "1") +
        "<indirizzo>" +
        el("cap", r.postcode) +
        comune(r.comuneName, r.istatCode, r.province) +
        `<toponimo>${el("specie", r.streetType)}${el("denominazioneToponimo", r.streetName)}</toponimo>` +
        `<numeroCivico>${el("numero", r.houseNumber)}</numeroCivico>` +
        "</indirizzo>" +
        el("dataDecorrenzaResidenza", r.since) +
        "</residenza>"
      : "") +
    (p.family
      ? `<legameSoggetto>${el("dataDecorrenza", p.family.since)}${el("codiceLegame", p.family.relationshipCode)}</legameSoggetto>`
      : "") +
    (p.family
      ? `<famigliaConvivenza>${el("idFamigliaConvivenzaANPR", p.family.idAnpr)}${el("tipoScheda", "1")}</famigliaConvivenza>`
      : "") +
    (p.deathDate ? `<datiDecesso>${el("dataEvento", p.deathDate)}</datiDecesso>` : "") +
    "</datiSoggetto>"
  );
}

/** Risposta3002 with the subject first, then the family members. */
export function risposta3002Ok(
  h: AnswerHeader,
  people: readonly AnswerPerson[],
  anomalies: readonly AnswerMessage[] = [],
): string {
  return (
    `<ns2:Risposta3002 xmlns:ns2="${ns3000}"><ns2:Risposta3002_OK>` +
    header({ ...h, esito: "OK" }) +
    `<listaSoggetti>${people.map(person).join("")}</listaSoggetti>` +
    (anomalies.length > 0
      ? `<listaAnomalie>${errorList(anomalies).slice("<listaErrori>".length, -"</listaErrori>".length)}</listaAnomalie>`
      : "") +
    "</ns2:Risposta3002_OK></ns2:Risposta3002>"
  );
}

/** Risposta3002 with a KO part. */
export function risposta3002Ko(h: AnswerHeader, errors: readonly AnswerMessage[]): string {
  return `<ns2:Risposta3002 xmlns:ns2="${ns3000}"><ns2:rispostaKO>${header({ ...h, esito: "KO" })}${errorList(errors)}</ns2:rispostaKO></ns2:Risposta3002>`;
}

/** RispostaConnessione: the connectivity test passed. */
export function rispostaConnessione(h: AnswerHeader): string {
  return `<ns2:RispostaConnessione xmlns:ns2="${nsConn}">${header({ ...h, esito: "OK" })}</ns2:RispostaConnessione>`;
}
