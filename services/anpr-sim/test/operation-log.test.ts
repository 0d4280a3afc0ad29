import { describe, expect, it } from "@jest/globals";
import { createOperationLog, type OperationRecord } from "../src/domain/operation-log.js";

const op = (
  comuneCode: string,
  id: string,
  service: string,
  fiscalCode = "RSSMRA85T10A562S",
  outcome: "OK" | "KO" = "OK",
): OperationRecord => ({
  comuneCode,
  idOperazioneComune: id,
  service,
  outcome,
  protocolNumber: service === "6001" && outcome === "OK" ? `P-${id}` : "",
  fiscalCode,
  issuance: service === "6001" ? 1 : 0,
  at: "2026-11-30T08:00:00.000Z",
});

describe("idOperazioneComune rule, per Comune (italia/anpr#596, #1836)", () => {
  it("accepts any unused id, also one lower than an id seen before (requests overtake each other)", () => {
    const log = createOperationLog();
    log.record(op("022205", "B1000", "6001"), "<a/>");
    expect(log.check("022205", "A0999", "6001")).toEqual({ kind: "new" });
    expect(log.check("022205", "1", "6001")).toEqual({ kind: "new" });
  });

  it("replays the stored answer for the same id and service, whatever the new request says (italia/anpr#3822)", () => {
    const log = createOperationLog();
    log.record(op("022205", "X1", "6001"), "<answer-x1/>");
    expect(log.check("022205", "X1", "6001")).toEqual({ kind: "replay", answer: "<answer-x1/>" });
  });

  it("refuses an id used for another service (EN079), across the Comune's workstations, and not across Comuni", () => {
    const log = createOperationLog();
    log.record(op("022205", "X1", "3002"), "<record/>");
    expect(log.check("022205", "X1", "6001")).toEqual({ kind: "other-service", service: "3002" });
    expect(log.check("022161", "X1", "6001")).toEqual({ kind: "new" });
  });

  it("keeps every operation for counting, and finds an answer about someone else for the fault knob", () => {
    const log = createOperationLog();
    log.record(op("022205", "A", "6001", "AAAAAA00A00A000A"), "<about-a/>");
    log.record(op("022205", "B", "6001", "BBBBBB00B00B000B", "KO"), "<ko-b/>");
    expect(log.operations().map((o) => o.idOperazioneComune)).toEqual(["A", "B"]);
    expect(log.answerAboutSomeoneElse("022205", "6001", "BBBBBB00B00B000B")).toBe("<about-a/>");
    expect(log.answerAboutSomeoneElse("022205", "6001", "AAAAAA00A00A000A")).toBeUndefined();
  });

  it("forgets answers beyond the replay window", () => {
    const log = createOperationLog({ replayWindow: 2 });
    log.record(op("c", "1", "6001"), "<a1/>");
    log.record(op("c", "2", "6001"), "<a2/>");
    log.record(op("c", "3", "6001"), "<a3/>");
    expect(log.check("c", "1", "6001")).toEqual({ kind: "new" });
    expect(log.check("c", "2", "6001")).toEqual({ kind: "replay", answer: "<a2/>" });
  });
});
