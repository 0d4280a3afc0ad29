import { describe, expect, it } from "@jest/globals";
import { applyFaultPatch, FaultSpecError, noFaults, parseFaultSpec } from "../src/server/faults.js";

describe("fault knobs", () => {
  it("parses the environment form", () => {
    expect(parseFaultSpec("latencyMs=1500, http500")).toEqual({ ...noFaults, latencyMs: 1500, http500: true });
    expect(parseFaultSpec("mtom=true,garbageBody=false")).toEqual({ ...noFaults, mtom: true });
    expect(parseFaultSpec(undefined)).toEqual(noFaults);
    expect(parseFaultSpec("afterProcessing,dropConnection,answerPaddingBytes=1048576")).toEqual({
      ...noFaults,
      afterProcessing: true,
      dropConnection: true,
      answerPaddingBytes: 1_048_576,
    });
  });

  it("rejects unknown knobs and bad values with a message naming them", () => {
    expect(() => parseFaultSpec("slowness=3")).toThrow(
      new FaultSpecError(
        'unknown fault knob "slowness"; known: latencyMs, answerPaddingBytes, http500, garbageBody, badResponseSignature, dropConnection, mtom, afterProcessing, replayOtherSubject',
      ),
    );
    expect(() => applyFaultPatch({ ...noFaults }, { latencyMs: -1 })).toThrow(/latencyMs must be an integer/);
    expect(() => applyFaultPatch({ ...noFaults }, { http500: "yes" })).toThrow(/http500 must be true or false/);
  });
});
