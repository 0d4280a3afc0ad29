/**
 * Builds the SOAP bodies the Novabox sends to ANPR, from typed inputs, as XML strings in the exact
 * element order of the official XSDs (services/shared/anpr-spec): Richiesta6001
 * (emissioneCertificato), Richiesta3002 (interrogazioneCittadino_famiglia_convivenza) and
 * RichiestaConnessione (TestConn). Every element of the request namespaces is unqualified, as the
 * schemas declare (elementFormDefault="unqualified"); only the root element carries the namespace.
 */
import { romeWallClock } from "#shared/runtime/rome-time.js";
import { escapeXml } from "#shared/anpr/xml-text.js";
import type { CertificateRequestInput, IndividualRecordRequestInput } from "../domain/model.js";

/**
 * ANPR environments: each has its own endpoint and `tipoInvio`. FREE is gone since 21 June 2022
 * (italia/anpr#3403).
 */
export type AnprEnvironment = "PROD" | "PRE" | "TEST";

/**
 * The interface version sent as `codDestinatario` when none is configured: ANPR05, the only one
 * ANPR serves since the older ones were retired (italia/anpr#3883, #4360); older values are
 * refused with "CodDestinatario diverso da ..." (#3705, #3923).
 */
export const defaultInterfaceVersion = "ANPR05";

/** Namespaces of the request and response roots. */
export const anprNamespaces = {
  certificazione6001: "http://sogei.it/ANPR/6001certificazione",
  consultazione3000: "http://sogei.it/ANPR/3000consultazione",
  connessione: "http://sogei.it/ANPR/connessione",
} as const;

/** The header fields common to every request (`testataRichiesta`). */
export interface TestataInput {
  /** Unique per Comune, strictly increasing per box (see operation-id.ts). */
  idOperazioneComune: string;
  /** The Comune's ISTAT code (6 digits): `codMittente`. */
  codMittente: string;
  /** The environment, sent as `tipoInvio`. */
  environment: AnprEnvironment;
  /** `codDestinatario`; default {@link defaultInterfaceVersion}. */
  interfaceVersion?: string;
  /** `dataOraRichiesta`: when the request is made. */
  now: Date;
  /** `nomeApplicativo`, `versioneApplicativo`, `fornitoreApplicativo`. */
  application?: { name: string; version: string; vendor: string };
}

function el(name: string, value: string | number | bigint): string {
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/**
 * `2026-11-23T10:20:11.543+01:00`: xs:dateTime with the Europe/Rome offset ANPR expects. Europe/Rome
 * is computed without ICU (rome-time.ts); another `timeZone` goes through Intl.
 */
export function formatDateTime(date: Date, timeZone = "Europe/Rome"): string {
  const two = (n: number) => String(n).padStart(2, "0");
  if (timeZone === "Europe/Rome") {
    const p = romeWallClock(date.getTime());
    const sign = p.offsetMinutes >= 0 ? "+" : "-";
    const abs = Math.abs(p.offsetMinutes);
    return `${p.year}-${two(p.month)}-${two(p.day)}T${two(p.hour)}:${two(p.minute)}:${two(p.second)}.${String(p.millisecond).padStart(3, "0")}${sign}${two(Math.floor(abs / 60))}:${two(abs % 60)}`;
  }
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-GB", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  );
  const local = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  const offsetMinutes = Math.round((local - Math.floor(date.getTime() / 1000) * 1000) / 60_000);
  const sign = offsetMinutes >= 0 ? "+" : "-";
  const abs = Math.abs(offsetMinutes);
  const ms = String(date.getMilliseconds()).padStart(3, "0");
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}.${ms}${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

/** `2026-11-23`: xs:date in the Europe/Rome calendar. */
export function formatDate(date: Date, timeZone = "Europe/Rome"): string {
  return formatDateTime(date, timeZone).slice(0, 10);
}

function testata(input: TestataInput, operation: string): string {
  const app = input.application ?? { name: "NOVABOX", version: "1", vendor: "NOVARES" };
  return (
    "<testataRichiesta>" +
    el("idOperazioneComune", input.idOperazioneComune) +
    el("codMittente", input.codMittente) +
    el("codDestinatario", input.interfaceVersion || defaultInterfaceVersion) +
    el("operazioneRichiesta", operation) +
    el("dataOraRichiesta", formatDateTime(input.now)) +
    el("tipoOperazione", "C") +
    el("tipoInvio", input.environment) +
    el("dataDefinizionePratica", formatDate(input.now)) +
    el("nomeApplicativo", app.name) +
    el("versioneApplicativo", app.version) +
    el("fornitoreApplicativo", app.vendor) +
    "</testataRichiesta>"
  );
}

/** Richiesta6001 for `emissioneCertificato`. */
export function buildRichiesta6001(testataInput: TestataInput, input: CertificateRequestInput): string {
  const languages =
    input.languages && input.languages.length > 0
      ? `<linguaCertificato>${input.languages.map((l) => el("tipoLinguaCertificato", l)).join("")}</linguaCertificato>`
      : "";
  const stamp = input.stampDuty;
  const bolloCents = "paidCents" in stamp ? stamp.paidCents : 0;
  const exemption =
    "exemption" in stamp
      ? el("esenzioneBollo", stamp.exemption) +
        (stamp.exemptionText ? el("descrizioneEsenzioneBollo", stamp.exemptionText) : "")
      : "";
  return (
    `<ns2:Richiesta6001 xmlns:ns2="${anprNamespaces.certificazione6001}">` +
    testata(testataInput, "6001") +
    languages +
    `<listaTipiCertificati>${input.certificateTypes.map((t) => el("tipoCertificato", t)).join("")}</listaTipiCertificati>` +
    "<soggettoIntestatario><generalita>" +
    `<codiceFiscale>${el("codFiscale", input.subject.fiscalCode)}</codiceFiscale>` +
    el("cognome", input.subject.surname) +
    el("nome", input.subject.name) +
    "</generalita></soggettoIntestatario>" +
    "<datiControllo>" +
    el("cognomeUffAnagrafe", input.officer.surname) +
    el("nomeUffAnagrafe", input.officer.name) +
    el("tipoRichiedente", input.requesterType) +
    el("tipoRichiesta", 1) +
    el("paEstera", input.useAbroad) +
    el("emissione", input.issuance) +
    el("bollo", bolloCents) +
    el("diritti", input.feesCents) +
    exemption +
    "</datiControllo>" +
    "</ns2:Richiesta6001>"
  );
}

/** Richiesta3002 for `interrogazioneCittadino_famiglia_convivenza`, by fiscal code. */
export function buildRichiesta3002(testataInput: TestataInput, input: IndividualRecordRequestInput): string {
  const requested = input.requestedData ?? [1];
  return (
    `<ns2:Richiesta3002 xmlns:ns2="${anprNamespaces.consultazione3000}">` +
    testata(testataInput, "3002") +
    `<criteriRicerca>${el("codiceFiscale", input.fiscalCode)}</criteriRicerca>` +
    "<datiRichiesta>" +
    el("schedaAnagraficaRichiesta", 1) +
    el("dataRiferimentoRichiesta", formatDate(input.referenceDate)) +
    requested.map((code) => el("datiAnagraficiRichiesti", code)).join("") +
    "</datiRichiesta>" +
    "</ns2:Richiesta3002>"
  );
}

/** RichiestaConnessione for the connectivity test (TestConn). */
export function buildRichiestaConnessione(testataInput: TestataInput): string {
  return `<ns2:RichiestaConnessione xmlns:ns2="${anprNamespaces.connessione}">${testata(testataInput, "OP01")}</ns2:RichiestaConnessione>`;
}
