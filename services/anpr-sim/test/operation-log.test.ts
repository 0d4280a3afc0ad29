import { describe, expect, it } from "@jest/globals";
import { createOperationLog } from "../src/domain/operation-log.js";

describe("idOperazioneComune rule", () => {
  it("accepts increasing ids per workstation, independently across workstations", () => {
    const log = createOperationLog();
    expect(log.check("022205/POST-1", 10n, "a")).toEqual({ kind: "new" });
    log.record("022205/POST-1", 10n, "a", "<answer-10/>");
    expect(log.check("022205/POST-1", 11n, "b")).toEqual({ kind: "new" });
    expect(log.check("022205/POST-2", 1n, "c")).toEqual({ kind: "new" });
    expect(log.last("022205/POST-1")).toBe(10n);
  });

  it("replays the earlier answer for the same id and request", () => {
    const log = createOperationLog();
    log.record("w", 10n, "digest-a", "<answer-10/>");
    expect(log.check("w", 10n, "digest-a")).toEqual({ kind: "replay", answer: "<answer-10/>" });
  });

  it("refuses the same id with a different request, and a lower id", () => {
    const log = createOperationLog();
    log.record("w", 10n, "digest-a", "<answer-10/>");
    log.record("w", 12n, "digest-b", "<answer-12/>");
    expect(log.check("w", 10n, "digest-x")).toEqual({ kind: "repeated-different", last: 12n });
    expect(log.check("w", 11n, "digest-c")).toEqual({ kind: "lower", last: 12n });
  });

  it("forgets answers beyond the replay window but still refuses their ids", () => {
    const log = createOperationLog({ replayWindow: 2 });
    log.record("w", 1n, "d1", "<a1/>");
    log.record("w", 2n, "d2", "<a2/>");
    log.record("w", 3n, "d3", "<a3/>");
    expect(log.check("w", 1n, "d1")).toEqual({ kind: "lower", last: 3n });
    expect(log.check("w", 2n, "d2")).toEqual({ kind: "replay", answer: "<a2/>" });
  });
});
