/**
 * How ANPR's error codes are read (issue 9): EN527 only accompanies the real error
 * (italia/anpr#1168), so the refusal names the other one; `999`, answered during national outages
 * (italia/anpr#4774), is "ANPR unavailable" — retryable — not a refusal of the request.
 */
import { describe, expect, it } from "@jest/globals";
import { parseXmlSafe } from "#shared/anpr/xml.js";
import { AnprOutageError, AnprRejectedError, primaryAnprError } from "../src/domain/anpr-errors.js";
import { parseRisposta6001 } from "../src/anpr-client/responses.js";

const ko = (...errors: [string, string][]) =>
  parseXmlSafe(
    `<ns2:Risposta6001 xmlns:ns2="http://sogei.it/ANPR/6001certificazione"><Risposta6001KO><testataRisposta><idOperazioneANPR>77</idOperazioneANPR><esitoOperazione>KO</esitoOperazione></testataRisposta><listaErrori>` +
      errors
        .map(
          ([code, text]) =>
            `<errore><codiceErroreAnomalia>${code}</codiceErroreAnomalia><tipoErroreAnomalia>E</tipoErroreAnomalia><testoErroreAnomalia>${text}</testoErroreAnomalia></errore>`,
        )
        .join("") +
      `</listaErrori></Risposta6001KO></ns2:Risposta6001>`,
  ).documentElement!;

const errorOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected an error");
};

describe("ANPR error codes", () => {
  it("EN527 is never named as the reason when the real error accompanies it", () => {
    const err = errorOf(() =>
      parseRisposta6001(ko(["EN527", "Errore generico"], ["EN042", "Soggetto da certificare non presente in ANPR"])),
    );
    expect(err).toBeInstanceOf(AnprRejectedError);
    expect(err).toMatchObject({ kind: "not-found", metadata: { anprCode: "EN042" } });
    expect((err as AnprRejectedError).errors.map((e) => e.code)).toEqual(["EN527", "EN042"]);
    // Alone, it is all there is to say.
    expect(primaryAnprError([{ code: "EN527", severity: "E", text: "x" }])?.code).toBe("EN527");
  });

  it("999 is ANPR unavailable (retryable), not a refusal", () => {
    const err = errorOf(() => parseRisposta6001(ko(["999", "Servizio momentaneamente non disponibile"])));
    expect(err).toBeInstanceOf(AnprOutageError);
    expect(err).not.toBeInstanceOf(AnprRejectedError);
    expect(err).toMatchObject({
      kind: "unavailable",
      reason: "ANPR_UNAVAILABLE",
      metadata: { anprCode: "999", retryable: "true", anprOperationId: "77" },
    });
    expect((err as Error).message).toMatch(/retry later/);
  });
});
