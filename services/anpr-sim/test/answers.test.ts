import { describe, expect, it } from "@jest/globals";
import { createXsdValidator } from "#shared/anpr/xsd.js";
import {
  risposta3002Ko,
  risposta3002Ok,
  risposta6001Ko,
  risposta6001Ok,
  rispostaConnessione,
  type AnswerHeader,
  type AnswerPerson,
} from "../src/soap/answers.js";

const h: AnswerHeader = {
  idOperazioneComune: "1732350000000001",
  codMittente: "022205",
  codDestinatario: "ANPR00",
  operazioneRichiesta: "6001",
  dataOraRichiesta: "2026-11-23T10:30:00.123+01:00",
  idOperazioneANPR: "900000000123",
  esito: "OK",
};

const head: AnswerPerson = {
  idAnpr: "AB12345CD",
  fiscalCode: "RSSMRA85T10L378X",
  surname: "ROSSI",
  name: "MARIO",
  sex: "M",
  birthDate: "1985-12-10",
  birthPlace: { comuneName: "TRENTO", istatCode: "022205", province: "TN" },
  civilStatusCode: "2",
  citizenships: [{ code: "100", description: "ITALIA" }],
  residence: {
    postcode: "38122",
    comuneName: "TRENTO",
    istatCode: "022205",
    province: "TN",
    streetType: "VIA",
    streetName: "BELENZANI",
    houseNumber: "19",
    since: "2010-01-01",
  },
  family: { idAnpr: "4000123", relationshipCode: "1", since: "2010-01-01" },
};

describe("simulator answers against the official XSD", () => {
  const v6001 = createXsdValidator("certificazione6001");
  const v3000 = createXsdValidator("consultazione3000");
  const vConn = createXsdValidator("connessione");

  it("Risposta6001 OK with an inline PDF, and with an MTOM reference", async () => {
    const ok = {
      languages: ["IT", "DE"],
      certificateTypes: [1, 2],
      subject: { fiscalCode: head.fiscalCode, surname: head.surname, name: head.name },
      protocolNumber: "2026000000123",
      parameters: {
        tipoRichiedente: "1",
        tipoRichiesta: "1",
        paEstera: "0",
        emissione: "1",
        bollo: "0",
        diritti: "0",
        esenzioneBollo: "99",
        descrizioneEsenzioneBollo: "motivo",
      },
      warnings: [{ code: "EN047", severity: "W" as const, text: "Il soggetto risulta @" }],
    };
    await expect(
      v6001.validate(risposta6001Ok(h, { ...ok, pdf: { base64: Buffer.from("%PDF-1.7").toString("base64") } })),
    ).resolves.toEqual({ valid: true });
    const mtom = risposta6001Ok(h, { ...ok, pdf: { contentId: "pdf-1@anpr-sim" } });
    expect(mtom).toContain(
      '<certificatoPdf><xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include" href="cid:pdf-1%40anpr-sim"/></certificatoPdf>',
    );
  });

  it("Risposta6001 KO", async () => {
    await expect(
      v6001.validate(
        risposta6001Ko(h, [
          {
            code: "EN042",
            severity: "E",
            text: "Soggetto da certificare non presente in ANPR",
            field: "codFiscale",
            value: "X",
          },
        ]),
      ),
    ).resolves.toEqual({
      valid: true,
    });
  });

  it("Risposta3002 OK with a family, and KO", async () => {
    const spouse: AnswerPerson = {
      ...head,
      idAnpr: "AB12346CD",
      fiscalCode: "BNCLRA87A41L378Y",
      name: "LAURA",
      surname: "BIANCHI",
      sex: "F",
      family: { idAnpr: "4000123", relationshipCode: "2", since: "2010-01-01" },
    };
    const foreign: AnswerPerson = {
      ...head,
      idAnpr: "AB12347CD",
      birthPlace: { foreignLocality: "PARIGI", stateName: "FRANCIA", stateCode: "215" },
      residence: undefined,
      family: undefined,
      deathDate: "2020-02-02",
    };
    await expect(
      v3000.validate(
        risposta3002Ok(
          { ...h, operazioneRichiesta: "3002" },
          [head, spouse, foreign],
          [{ code: "EN047", severity: "W", text: "x" }],
        ),
      ),
    ).resolves.toEqual({ valid: true });
    await expect(
      v3000.validate(
        risposta3002Ko({ ...h, operazioneRichiesta: "3002" }, [{ code: "EN042", severity: "E", text: "non presente" }]),
      ),
    ).resolves.toEqual({ valid: true });
  });

  it("RispostaConnessione", async () => {
    await expect(vConn.validate(rispostaConnessione({ ...h, operazioneRichiesta: "OP01" }))).resolves.toEqual({
      valid: true,
    });
  });
});
