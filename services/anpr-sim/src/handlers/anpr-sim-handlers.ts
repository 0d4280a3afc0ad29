/**
 * The simulator's operations, on requests the server has already authenticated and validated:
 * they read the body, apply ANPR's `idOperazioneComune` rule per Comune (replay for the same
 * service, EN079 for another; see operation-log.ts), ask the registry (the seeded population) for the certificate or the record, and write the
 * answer body. Domain refusals (subject not found, deceased, not certifiable...) become KO answers
 * carrying the ANPR code the domain error names.
 */
import type { Element } from "@xmldom/xmldom";
import { childElements, findChild } from "#shared/anpr/xml.js";
import { isDomainError } from "#shared/runtime/domain-error.js";
import type { OperationLog } from "../domain/operation-log.js";
import {
  risposta3002Ko,
  risposta3002Ok,
  risposta6001Ko,
  risposta6001Ok,
  rispostaConnessione,
  type AnswerHeader,
  type AnswerMessage,
  type AnswerPerson,
} from "../soap/answers.js";

/** A request that passed the security and schema checks. */
export interface SimRequest {
  /** The verified body root (Richiesta6001, Richiesta3002, RichiestaConnessione). */
  body: Element;
  /** `body` serialized, as verified. */
  bodyXml: string;
  /** Identifies the request content, for the replay rule. */
  bodyDigest: string;
  /** Who sent it, from codMittente and the SAML assertion. */
  workstation: { comuneCode: string; postazioneId: string; operatorId: string; sedeId: string };
  /** Answer PDFs as MTOM attachments (the server packages them). */
  mtom: boolean;
  /** Fault knob: answer a new operation with a stored answer about another subject (italia/anpr#3822). */
  replayOtherSubject?: boolean;
}

/** An answer body to send. */
export interface SimAnswer {
  xml: string;
}

/** The operations the server dispatches to. */
export interface AnprSimHandlers {
  emissioneCertificato(request: SimRequest): Promise<SimAnswer>;
  interrogazioneCittadino(request: SimRequest): Promise<SimAnswer>;
  testConnessione(request: SimRequest): Promise<SimAnswer>;
}

/** A certificate request as the registry sees it. */
export interface RegistryCertificateRequest {
  comuneCode: string;
  certificateTypes: number[];
  languages: string[];
  subject: { fiscalCode?: string; surname: string; name: string };
  requesterType: number;
  useAbroad: number;
  issuance: number;
  stampDuty: { paidCents: number } | { exemption: number; exemptionText?: string };
  feesCents: number;
  officer: { surname: string; name: string };
  protocolNumber: string;
  issuedAt: Date;
}

/**
 * The registry behind the simulator: throws a DomainError whose metadata carries `anprCode` (and
 * optionally `anprType`) for anything ANPR would refuse.
 */
export interface SimRegistry {
  issueCertificate(request: RegistryCertificateRequest): Promise<{
    pdf: Uint8Array;
    subject: { fiscalCode: string; surname: string; name: string };
    warnings: AnswerMessage[];
  }>;
  /** By `fiscalCode`, or else by `surname` and `name` within the requesting Comune. */
  individualRecord(request: {
    comuneCode: string;
    fiscalCode?: string;
    surname?: string;
    name?: string;
    referenceDate: string;
  }): { people: AnswerPerson[] };
}

/** Options for {@link createAnprSimHandlers}. */
export interface AnprSimHandlersOptions {
  registry: SimRegistry;
  operationLog: OperationLog;
  /** Numbers ANPR operations and certificate protocols; must be increasing. */
  nextSequence: () => bigint;
  now?: () => Date;
}

function text(parent: Element | undefined, ...path: string[]): string {
  let current = parent;
  for (const name of path) current = current ? findChild(current, undefined, name) : undefined;
  return current?.textContent?.trim() ?? "";
}

function header(body: Element, idOperazioneANPR: string): AnswerHeader {
  const t = findChild(body, undefined, "testataRichiesta");
  return {
    idOperazioneComune: text(t, "idOperazioneComune"),
    codMittente: text(t, "codMittente"),
    codDestinatario: text(t, "codDestinatario"),
    operazioneRichiesta: text(t, "operazioneRichiesta"),
    dataOraRichiesta: text(t, "dataOraRichiesta"),
    idOperazioneANPR,
    esito: "OK",
  };
}

/** The ANPR message a domain error stands for. */
function messageOf(err: unknown): AnswerMessage {
  if (isDomainError(err) && err.metadata.anprCode) {
    return {
      code: err.metadata.anprCode,
      severity: err.metadata.anprType === "W" ? "W" : "E",
      text: (err.metadata.anprText ?? err.message).slice(0, 240),
    };
  }
  throw err;
}

/** Creates the handlers. */
export function createAnprSimHandlers(options: AnprSimHandlersOptions): AnprSimHandlers {
  const now = options.now ?? (() => new Date());
  /**
   * Operations being carried out, by Comune and id: a second request with the same id waits for the
   * first and then gets its answer (a replay), as ANPR's unique id per Comune implies — never a
   * second act because the first was still being made (a retry racing a late original).
   */
  const inProgress = new Map<string, Promise<unknown>>();

  /**
   * Applies ANPR's idOperazioneComune rule per Comune (see operation-log.ts) around `answer`, and
   * records each operation carried out. `facts` names the service and the subject for the log.
   */
  async function withOperation(
    request: SimRequest,
    facts: { service: string; fiscalCode: string; issuance: number },
    ko: (h: AnswerHeader, errors: AnswerMessage[]) => string,
    answer: (h: AnswerHeader) => Promise<{ xml: string; protocolNumber?: string }>,
  ): Promise<SimAnswer> {
    const comuneCode = request.workstation.comuneCode;
    const h = header(request.body, String(options.nextSequence()));
    const id = h.idOperazioneComune;
    const slot = JSON.stringify([comuneCode, id]);
    for (let earlier = inProgress.get(slot); earlier; earlier = inProgress.get(slot))
      await earlier.catch(() => undefined);
    const verdict = options.operationLog.check(comuneCode, id, facts.service);
    switch (verdict.kind) {
      case "replay":
        return { xml: verdict.answer };
      case "other-service":
        return {
          xml: ko(h, [
            {
              code: "EN079",
              severity: "E",
              text: `id operazione comune gia' presente per un servizio diverso (${verdict.service})`,
              field: "idOperazioneComune",
              value: id,
            },
          ]),
        };
      case "new": {
        if (request.replayOtherSubject) {
          const foreign = options.operationLog.answerAboutSomeoneElse(comuneCode, facts.service, facts.fiscalCode);
          if (foreign) return { xml: foreign };
        }
        let xml: string;
        let protocolNumber = "";
        let outcome: "OK" | "KO" = "OK";
        // Through an async wrapper: a refusal thrown at once (a synchronous registry lookup) becomes
        // a KO answer below like any other, not a SOAP fault.
        const making = (async () => answer(h))();
        inProgress.set(slot, making);
        try {
          try {
            const made = await making;
            xml = made.xml;
            protocolNumber = made.protocolNumber ?? "";
            if (/<esitoOperazione>KO<\/esitoOperazione>/.test(xml) && !protocolNumber) outcome = "KO";
          } catch (err) {
            xml = ko(h, [messageOf(err)]);
            outcome = "KO";
          }
          options.operationLog.record(
            {
              comuneCode,
              idOperazioneComune: id,
              service: facts.service,
              outcome,
              protocolNumber,
              fiscalCode: facts.fiscalCode,
              issuance: facts.issuance,
              at: now().toISOString(),
            },
            xml,
          );
        } finally {
          inProgress.delete(slot);
        }
        return { xml };
      }
    }
  }

  return {
    emissioneCertificato(request) {
      const controlloOf = findChild(request.body, undefined, "datiControllo");
      const generalitaOf = findChild(
        findChild(request.body, undefined, "soggettoIntestatario") ?? request.body,
        undefined,
        "generalita",
      );
      const facts = {
        service: "6001",
        fiscalCode: text(generalitaOf, "codiceFiscale", "codFiscale").toUpperCase(),
        issuance: Number(text(controlloOf, "emissione")) || 0,
      };
      return withOperation(request, facts, risposta6001Ko, async (h) => {
        const body = request.body;
        const controllo = controlloOf;
        const generalita = generalitaOf;
        const types = childElements(
          findChild(body, undefined, "listaTipiCertificati") ?? body,
          undefined,
          "tipoCertificato",
        ).map((e) => Number(e.textContent));
        const languages = childElements(
          findChild(body, undefined, "linguaCertificato") ?? body,
          undefined,
          "tipoLinguaCertificato",
        ).map((e) => (e.textContent ?? "").trim().toUpperCase());
        const exemption = text(controllo, "esenzioneBollo");
        const exemptionText = text(controllo, "descrizioneEsenzioneBollo");
        const stampDuty: RegistryCertificateRequest["stampDuty"] =
          exemption && exemption !== "0"
            ? { exemption: Number(exemption), ...(exemptionText ? { exemptionText } : {}) }
            : { paidCents: Number(text(controllo, "bollo") || "0") };
        const fiscalCode = text(generalita, "codiceFiscale", "codFiscale");
        const protocolNumber = `${now().getFullYear()}${String(options.nextSequence()).padStart(12, "0")}`;
        const issued = await options.registry.issueCertificate({
          comuneCode: request.workstation.comuneCode,
          certificateTypes: types,
          languages,
          subject: {
            ...(fiscalCode ? { fiscalCode } : {}),
            surname: text(generalita, "cognome"),
            name: text(generalita, "nome"),
          },
          requesterType: Number(text(controllo, "tipoRichiedente")),
          useAbroad: Number(text(controllo, "paEstera")),
          issuance: Number(text(controllo, "emissione")),
          stampDuty,
          feesCents: Number(text(controllo, "diritti") || "0"),
          officer: { surname: text(controllo, "cognomeUffAnagrafe"), name: text(controllo, "nomeUffAnagrafe") },
          protocolNumber,
          issuedAt: now(),
        });
        const xml = risposta6001Ok(h, {
          languages,
          certificateTypes: types,
          subject: issued.subject,
          protocolNumber,
          parameters: {
            tipoRichiedente: text(controllo, "tipoRichiedente"),
            tipoRichiesta: text(controllo, "tipoRichiesta"),
            paEstera: text(controllo, "paEstera"),
            emissione: text(controllo, "emissione"),
            bollo: text(controllo, "bollo"),
            diritti: text(controllo, "diritti"),
            ...(exemption ? { esenzioneBollo: exemption } : {}),
            ...(exemptionText ? { descrizioneEsenzioneBollo: exemptionText } : {}),
          },
          pdf: { base64: Buffer.from(issued.pdf).toString("base64") },
          warnings: issued.warnings,
        });
        return { xml, ...(Number(text(controllo, "emissione")) === 1 ? { protocolNumber } : {}) };
      });
    },

    interrogazioneCittadino(request) {
      const facts = {
        service: "3002",
        fiscalCode: text(request.body, "criteriRicerca", "codiceFiscale").toUpperCase(),
        issuance: 0,
      };
      return withOperation(request, facts, risposta3002Ko, (h) => {
        const body = request.body;
        // By codice fiscale, or by surname and name as the official sample request does
        // (italia/anpr-client-example request/3002/3002_888002_FREE.req).
        const fiscalCode = text(body, "criteriRicerca", "codiceFiscale");
        const surname = text(body, "criteriRicerca", "cognome");
        const name = text(body, "criteriRicerca", "nome");
        if (!fiscalCode && !(surname && name)) {
          return Promise.resolve({
            xml: risposta3002Ko(h, [
              {
                code: "EN052",
                severity: "E",
                text: "Occorre specificare i dati da interrogare: codice fiscale, oppure cognome e nome",
              },
            ]),
          });
        }
        const record = options.registry.individualRecord({
          comuneCode: request.workstation.comuneCode,
          ...(fiscalCode ? { fiscalCode } : { surname, name }),
          referenceDate: text(body, "datiRichiesta", "dataRiferimentoRichiesta"),
        });
        return Promise.resolve({ xml: risposta3002Ok(h, record.people) });
      });
    },

    testConnessione(request) {
      return Promise.resolve({ xml: rispostaConnessione(header(request.body, String(options.nextSequence()))) });
    },
  };
}
