/**
 * The simulator's operation handlers called in memory on parsed request bodies (the HTTPS server,
 * WS-Security and the XSD check are not involved): how a Richiesta6001 is read into a registry
 * request, ANPR's `idOperazioneComune` rule (the same id replays the stored answer, another
 * service's id is EN079), a registry refusal becoming a KO answer with its ANPR code, and the
 * 3002 search criteria. The registry is a recording stand-in of the {@link SimRegistry} port.
 */
import { describe, expect, it } from "@jest/globals";
import { DOMParser } from "@xmldom/xmldom";
import { DomainError } from "#shared/runtime/domain-error.js";
import { createOperationLog } from "../src/domain/operation-log.js";
import {
  createAnprSimHandlers,
  type RegistryCertificateRequest,
  type SimRegistry,
  type SimRequest,
} from "../src/handlers/anpr-sim-handlers.js";

const workstation = { comuneCode: "022205", postazioneId: "POST-1", operatorId: "OP1", sedeId: "S1" };

const testata = (id: string, operation: string) =>
  `<testataRichiesta><idOperazioneComune>${id}</idOperazioneComune><codMittente>022205</codMittente><codDestinatario>ANPR05</codDestinatario><operazioneRichiesta>${operation}</operazioneRichiesta><dataOraRichiesta>2026-11-30T10:00:00</dataOraRichiesta></testataRichiesta>`;

function request(xml: string): SimRequest {
  const body = new DOMParser().parseFromString(xml, "text/xml").documentElement!;
  return { body, bodyXml: xml, bodyDigest: xml, workstation, mtom: false };
}

const richiesta6001 = (id: string, options: { fiscalCode?: string; exemption?: string } = {}) =>
  request(
    `<Richiesta6001>${testata(id, "6001")}<datiControllo><tipoRichiedente>2</tipoRichiedente><tipoRichiesta>1</tipoRichiesta><paEstera>1</paEstera><emissione>1</emissione>` +
      (options.exemption
        ? `<esenzioneBollo>${options.exemption}</esenzioneBollo><descrizioneEsenzioneBollo>uso processuale</descrizioneEsenzioneBollo>`
        : "<bollo>1600</bollo>") +
      `<diritti>50</diritti><cognomeUffAnagrafe>ROSSI</cognomeUffAnagrafe><nomeUffAnagrafe>MARIA</nomeUffAnagrafe></datiControllo>` +
      `<listaTipiCertificati><tipoCertificato>8</tipoCertificato><tipoCertificato>12</tipoCertificato></listaTipiCertificati><linguaCertificato><tipoLinguaCertificato>de</tipoLinguaCertificato></linguaCertificato>` +
      `<soggettoIntestatario><generalita><codiceFiscale><codFiscale>${options.fiscalCode ?? "RSSMRA85T10A562S"}</codFiscale></codiceFiscale><cognome>ROSSI</cognome><nome>MARIO</nome></generalita></soggettoIntestatario></Richiesta6001>`,
  );

function setup(refuse?: (r: RegistryCertificateRequest) => Error | undefined) {
  const requests: RegistryCertificateRequest[] = [];
  const searches: Parameters<SimRegistry["individualRecord"]>[0][] = [];
  const registry: SimRegistry = {
    issueCertificate(r) {
      requests.push(r);
      const err = refuse?.(r);
      if (err) return Promise.reject(err);
      return Promise.resolve({
        pdf: new TextEncoder().encode("%PDF-1.4"),
        subject: { fiscalCode: r.subject.fiscalCode ?? "", surname: r.subject.surname, name: r.subject.name },
        warnings: [],
      });
    },
    individualRecord(query) {
      searches.push(query);
      return { people: [] };
    },
  };
  let sequence = 100n;
  const handlers = createAnprSimHandlers({
    registry,
    operationLog: createOperationLog(),
    nextSequence: () => ++sequence,
    now: () => new Date("2026-11-30T10:00:00Z"),
  });
  return { handlers, requests, searches };
}

describe("simulator handlers in memory", () => {
  it("reads a Richiesta6001 into the registry request and answers OK with a protocol number", async () => {
    const { handlers, requests } = setup();
    const { xml } = await handlers.emissioneCertificato(richiesta6001("OP-1", { exemption: "5" }));
    expect(requests).toMatchObject([
      {
        comuneCode: "022205",
        certificateTypes: [8, 12],
        languages: ["DE"],
        subject: { fiscalCode: "RSSMRA85T10A562S", surname: "ROSSI", name: "MARIO" },
        requesterType: 2,
        useAbroad: 1,
        issuance: 1,
        stampDuty: { exemption: 5, exemptionText: "uso processuale" },
        feesCents: 50,
        officer: { surname: "ROSSI", name: "MARIA" },
      },
    ]);
    expect(xml).toContain("<esitoOperazione>OK</esitoOperazione>");
    expect(xml).toContain(`<idOperazioneComune>OP-1</idOperazioneComune>`);
    expect(xml).toContain(requests[0]!.protocolNumber);
  });

  it("the same idOperazioneComune replays the stored answer without asking the registry again", async () => {
    const { handlers, requests } = setup();
    const first = await handlers.emissioneCertificato(richiesta6001("OP-2"));
    const again = await handlers.emissioneCertificato(richiesta6001("OP-2", { fiscalCode: "BNCLCU80A01L378X" }));
    expect(again.xml).toBe(first.xml);
    expect(requests).toHaveLength(1);
  });

  it("a request whose id is still being carried out waits for it and gets its answer: one act, not two", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const made: string[] = [];
    const registry: SimRegistry = {
      async issueCertificate(r) {
        made.push(r.protocolNumber);
        await gate;
        return {
          pdf: new TextEncoder().encode("%PDF-1.4"),
          subject: { fiscalCode: r.subject.fiscalCode ?? "", surname: r.subject.surname, name: r.subject.name },
          warnings: [],
        };
      },
      individualRecord: () => ({ people: [] }),
    };
    let sequence = 100n;
    const log = createOperationLog();
    const handlers = createAnprSimHandlers({ registry, operationLog: log, nextSequence: () => ++sequence });
    const original = handlers.emissioneCertificato(richiesta6001("OP-LATE"));
    await new Promise((r) => setTimeout(r, 10));
    const retry = handlers.emissioneCertificato(richiesta6001("OP-LATE"));
    await new Promise((r) => setTimeout(r, 10));
    release();
    const [a, b] = await Promise.all([original, retry]);
    expect(b.xml).toBe(a.xml);
    expect(made).toHaveLength(1);
    expect(log.operations()).toHaveLength(1);
  });

  it("an id used by another service is refused with EN079", async () => {
    const { handlers } = setup();
    await handlers.emissioneCertificato(richiesta6001("OP-3"));
    const { xml } = await handlers.interrogazioneCittadino(
      request(
        `<Richiesta3002>${testata("OP-3", "3002")}<criteriRicerca><codiceFiscale>RSSMRA85T10A562S</codiceFiscale></criteriRicerca></Richiesta3002>`,
      ),
    );
    expect(xml).toContain("<esitoOperazione>KO</esitoOperazione>");
    expect(xml).toContain("EN079");
  });

  it("a registry refusal becomes a KO answer carrying the ANPR code, and is replayed as such", async () => {
    const { handlers, requests } = setup(
      () =>
        new DomainError("not-found", "soggetto non trovato", {
          metadata: { anprCode: "EN122", anprText: "Soggetto non trovato" },
        }),
    );
    const { xml } = await handlers.emissioneCertificato(richiesta6001("OP-4"));
    expect(xml).toContain("<esitoOperazione>KO</esitoOperazione>");
    expect(xml).toContain("EN122");
    expect(xml).toContain("Soggetto non trovato");
    expect((await handlers.emissioneCertificato(richiesta6001("OP-4"))).xml).toBe(xml);
    expect(requests).toHaveLength(1);
  });

  it("an error that names no ANPR code is not turned into an answer", async () => {
    const { handlers } = setup(() => new Error("disk full"));
    await expect(handlers.emissioneCertificato(richiesta6001("OP-5"))).rejects.toThrow("disk full");
  });

  it("3002 searches by surname and name when no fiscal code is given; neither criterion is EN052", async () => {
    const { handlers, searches } = setup();
    await handlers.interrogazioneCittadino(
      request(
        `<Richiesta3002>${testata("Q-1", "3002")}<criteriRicerca><cognome>ROSSI</cognome><nome>MARIO</nome></criteriRicerca></Richiesta3002>`,
      ),
    );
    expect(searches).toMatchObject([{ comuneCode: "022205", surname: "ROSSI", name: "MARIO" }]);
    expect(searches[0]!.fiscalCode).toBeUndefined();
    const { xml } = await handlers.interrogazioneCittadino(
      request(
        `<Richiesta3002>${testata("Q-2", "3002")}<criteriRicerca><cognome>ROSSI</cognome></criteriRicerca></Richiesta3002>`,
      ),
    );
    expect(xml).toContain("EN052");
    expect(searches).toHaveLength(1);
  });
});
