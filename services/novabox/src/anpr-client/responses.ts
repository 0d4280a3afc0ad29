/**
 * Reads ANPR's SOAP answers (the body's root element, already extracted and, when signed,
 * verified; MTOM/XOP answers already reassembled by the transport): Risposta6001 (certificate PDF),
 * Risposta3002 (individual record and family) and RispostaConnessione. A KO answer becomes an
 * `AnprRejectedError` (or `AnprOutageError` for ANPR's outage code 999); anomalies of an OK answer are returned as warnings.
 */
import type { Element } from "@xmldom/xmldom";
import { childElements, findChild } from "#shared/anpr/xml.js";
import { AnprBadResponseError, AnprWrongSubjectError, type AnprMessage, anprRefusal } from "../domain/anpr-errors.js";
import type { CertificateResult, IndividualRecord, PersonRecord, Place } from "../domain/model.js";

/** Children of `parent` with local name `name` (any namespace: ANPR's children are unqualified). */
function childrenNamed(parent: Element, name: string): Element[] {
  return childElements(parent, undefined, name);
}

/** The first child of `parent` named `name`, if any. */
function childNamed(parent: Element | undefined, name: string): Element | undefined {
  return parent ? findChild(parent, undefined, name) : undefined;
}

/** The text of the element at `path` below `parent` (trimmed), or undefined. */
function textAt(parent: Element | undefined, ...path: string[]): string | undefined {
  let current = parent;
  for (const name of path) current = childNamed(current, name);
  const text = current?.textContent?.trim();
  return text === undefined || text === "" ? undefined : text;
}

function readMessages(list: Element | undefined, itemName: string): AnprMessage[] {
  if (!list) return [];
  return childrenNamed(list, itemName).map((e) => {
    const severity = textAt(e, "tipoErroreAnomalia") === "W" ? "W" : "E";
    const message: AnprMessage = {
      code: textAt(e, "codiceErroreAnomalia") ?? "UNKNOWN",
      severity,
      text: textAt(e, "testoErroreAnomalia") ?? "",
    };
    const object = textAt(e, "oggettoErroreAnomalia");
    const field = textAt(e, "campoErroreAnomalia");
    const value = textAt(e, "valoreErroreAnomalia");
    if (object) message.object = object;
    if (field) message.field = field;
    if (value) message.value = value;
    return message;
  });
}

function expectRoot(root: Element, name: string): void {
  if (root.localName !== name) throw new AnprBadResponseError(`expected ${name}, got ${root.localName}`);
}

function throwIfKo(ko: Element | undefined): void {
  if (!ko) return;
  const errors = readMessages(childNamed(ko, "listaErrori"), "errore");
  throw anprRefusal(errors, textAt(ko, "testataRisposta", "idOperazioneANPR"));
}

/** Reads a Risposta6001 (an MTOM answer already reassembled, see `reassembleXop`). */
export function parseRisposta6001(root: Element): CertificateResult {
  expectRoot(root, "Risposta6001");
  throwIfKo(childNamed(root, "Risposta6001KO"));
  const ok = childNamed(root, "Risposta6001OK");
  if (!ok) throw new AnprBadResponseError("Risposta6001 has neither an OK nor a KO part");
  const blocking = readMessages(childNamed(ok, "listaErrori"), "errore").filter((e) => e.severity === "E");
  if (blocking.length > 0) throw anprRefusal(blocking, textAt(ok, "testataRisposta", "idOperazioneANPR"));
  const generalita = childNamed(childNamed(ok, "soggettoIntestatario"), "generalita");
  const pdfElement = childNamed(childNamed(ok, "file"), "certificatoPdf");
  if (!pdfElement) throw new AnprBadResponseError("the OK answer carries no certificatoPdf");
  const pdf: Uint8Array = Buffer.from((pdfElement.textContent ?? "").replace(/\s+/g, ""), "base64");
  if (pdf.length < 5 || Buffer.from(pdf.subarray(0, 5)).toString("latin1") !== "%PDF-") {
    throw new AnprBadResponseError("certificatoPdf is not a PDF document");
  }
  return {
    protocolNumber: textAt(ok, "protocolloANPR", "numeroProtocolloANPR") ?? "",
    anprOperationId: textAt(ok, "testataRisposta", "idOperazioneANPR") ?? "",
    pdf,
    warnings: [
      ...readMessages(childNamed(ok, "listaErrori"), "errore"),
      ...readMessages(childNamed(ok, "listaAnomalie"), "anomalie"),
    ],
    echoedOperationId: textAt(ok, "testataRisposta", "idOperazioneComune") ?? "",
    subject: {
      fiscalCode: textAt(generalita, "codiceFiscale", "codFiscale") ?? "",
      surname: textAt(generalita, "cognome") ?? "",
      name: textAt(generalita, "nome") ?? "",
    },
  };
}

function readPlace(comune: Element | undefined, foreign?: string): Place | undefined {
  if (!comune && !foreign) return undefined;
  const place: Place = {};
  const name = textAt(comune, "nomeComune");
  const code = textAt(comune, "codiceIstat");
  const province = textAt(comune, "siglaProvinciaIstat");
  if (name) place.comuneName = name;
  if (code) place.comuneIstatCode = code;
  if (province) place.province = province;
  if (foreign) place.foreignLocality = foreign;
  return place;
}

function readPerson(datiSoggetto: Element): PersonRecord {
  const generalita = childNamed(datiSoggetto, "generalita");
  const person: PersonRecord = {
    surname: textAt(generalita, "cognome") ?? "",
    name: textAt(generalita, "nome") ?? "",
    citizenships: childrenNamed(datiSoggetto, "cittadinanza").map((c) => ({
      code: textAt(c, "codiceStato") ?? "",
      description: textAt(c, "descrizioneStato") ?? "",
    })),
  };
  const set = <K extends keyof PersonRecord>(key: K, value: PersonRecord[K] | undefined) => {
    if (value !== undefined) person[key] = value;
  };
  set("idAnpr", textAt(datiSoggetto, "identificativi", "idANPR"));
  set("fiscalCode", textAt(generalita, "codiceFiscale", "codFiscale"));
  const sex = textAt(generalita, "sesso")?.toUpperCase();
  set("sex", sex === "M" || sex === "F" ? sex : undefined);
  set("birthDate", textAt(generalita, "dataNascita")?.slice(0, 10));
  const birthPlace = childNamed(generalita, "luogoNascita");
  set(
    "birthPlace",
    readPlace(
      childNamed(birthPlace, "comune"),
      textAt(birthPlace, "localita", "descrizioneLocalita") ?? textAt(birthPlace, "luogoEccezionale"),
    ),
  );
  set("civilStatusCode", textAt(datiSoggetto, "statoCivile", "statoCivile"));
  const residence = childNamed(datiSoggetto, "residenza");
  const address = childNamed(residence, "indirizzo");
  if (address) {
    const residenceRecord: NonNullable<PersonRecord["residence"]> = {
      postcode: textAt(address, "cap") ?? "",
      comune: readPlace(childNamed(address, "comune")) ?? {},
    };
    const streetType = textAt(address, "toponimo", "specie");
    const streetName = textAt(address, "toponimo", "denominazioneToponimo");
    const number = textAt(address, "numeroCivico", "numero");
    const letter = textAt(address, "numeroCivico", "lettera");
    const fraction = textAt(address, "frazione");
    if (streetType) residenceRecord.streetType = streetType;
    if (streetName) residenceRecord.streetName = streetName;
    if (number) residenceRecord.houseNumber = letter ? `${number}/${letter}` : number;
    if (fraction) residenceRecord.fraction = fraction;
    person.residence = residenceRecord;
  }
  set("relationshipCode", textAt(datiSoggetto, "legameSoggetto", "codiceLegame"));
  set("familyId", textAt(datiSoggetto, "famigliaConvivenza", "idFamigliaConvivenzaANPR"));
  set("deathDate", textAt(datiSoggetto, "datiDecesso", "dataEvento")?.slice(0, 10));
  return person;
}

/** Reads a Risposta3002 for the subject with `fiscalCode`. */
export function parseRisposta3002(root: Element, fiscalCode: string): IndividualRecord {
  expectRoot(root, "Risposta3002");
  throwIfKo(childNamed(root, "rispostaKO"));
  const ok = childNamed(root, "Risposta3002_OK");
  if (!ok) throw new AnprBadResponseError("Risposta3002 has neither an OK nor a KO part");
  const people = childrenNamed(childNamed(ok, "listaSoggetti") ?? ok, "datiSoggetto").map(readPerson);
  if (people.length === 0) throw new AnprBadResponseError("the OK answer lists no subject");
  const subject = people.find((p) => p.fiscalCode?.toUpperCase() === fiscalCode.toUpperCase());
  if (!subject)
    throw new AnprWrongSubjectError("fiscal code: the answer lists no person with the requested fiscal code");
  return {
    anprOperationId: textAt(ok, "testataRisposta", "idOperazioneANPR") ?? "",
    subject,
    familyMembers: people.filter((p) => p !== subject),
    warnings: readMessages(childNamed(ok, "listaAnomalie"), "errore"),
    echoedOperationId: textAt(ok, "testataRisposta", "idOperazioneComune") ?? "",
  };
}

/** Reads a RispostaConnessione: the connectivity test's outcome. */
export function parseRispostaConnessione(root: Element): { anprOperationId: string; outcome: string } {
  expectRoot(root, "RispostaConnessione");
  const ko = childNamed(root, "RispostaKO") ?? childNamed(root, "rispostaKO");
  throwIfKo(ko);
  return {
    anprOperationId:
      textAt(root, "testataRisposta", "idOperazioneANPR") ??
      textAt(childNamed(root, "RispostaOK"), "testataRisposta", "idOperazioneANPR") ??
      "",
    outcome:
      textAt(root, "testataRisposta", "esitoOperazione") ??
      textAt(childNamed(root, "RispostaOK"), "testataRisposta", "esitoOperazione") ??
      "OK",
  };
}
