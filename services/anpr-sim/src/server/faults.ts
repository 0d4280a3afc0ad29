/**
 * Fault knobs: make the simulator misbehave the way a real upstream does, so the client's error
 * handling is tested against real sockets. Set at start from `ANPR_SIM_FAULTS`
 * (e.g. `latencyMs=2000,http500`) or at run time with `PUT /__sim/faults` (JSON body with the same
 * keys); `DELETE /__sim/faults` clears them.
 */

/** The knobs. Each applies to every request until cleared. */
export interface FaultKnobs {
  /** Delay each answer by this many milliseconds. */
  latencyMs: number;
  /** Answer HTTP 500 with an HTML page instead of SOAP. */
  http500: boolean;
  /** Answer HTTP 200 with a body that is not XML. */
  garbageBody: boolean;
  /** Sign the answer, then alter the signed body so the signature no longer verifies. */
  badResponseSignature: boolean;
  /** Close the connection without answering. */
  dropConnection: boolean;
  /** Send certificate PDFs as MTOM/XOP attachments instead of inline base64. */
  mtom: boolean;
  /**
   * Apply `latencyMs`, `dropConnection`, `http500` and `garbageBody` after ANPR has carried out the
   * operation (the act exists, its answer is slow or lost), instead of before reading the request.
   */
  afterProcessing: boolean;
  /** Answer a new operation with a stored answer about another person (italia/anpr#3822). */
  replayOtherSubject: boolean;
  /** Append this many bytes (an XML comment) to every SOAP answer: an oversized answer. */
  answerPaddingBytes: number;
}

/** No faults. */
export const noFaults: Readonly<FaultKnobs> = Object.freeze({
  latencyMs: 0,
  http500: false,
  garbageBody: false,
  badResponseSignature: false,
  dropConnection: false,
  mtom: false,
  afterProcessing: false,
  replayOtherSubject: false,
  answerPaddingBytes: 0,
});

const booleanKnobs = [
  "http500",
  "garbageBody",
  "badResponseSignature",
  "dropConnection",
  "mtom",
  "afterProcessing",
  "replayOtherSubject",
] as const;

/** Thrown for a knob setting that cannot be understood. */
export class FaultSpecError extends Error {}

/** Merges `patch` (from JSON or the env string) into `current`, rejecting unknown keys and bad values. */
export function applyFaultPatch(current: FaultKnobs, patch: Record<string, unknown>): FaultKnobs {
  const next: FaultKnobs = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (key === "latencyMs") {
      const ms = Number(value);
      if (!Number.isInteger(ms) || ms < 0 || ms > 600_000)
        throw new FaultSpecError(`latencyMs must be an integer from 0 to 600000, got ${JSON.stringify(value)}`);
      next.latencyMs = ms;
    } else if (key === "answerPaddingBytes") {
      const bytes = Number(value);
      if (!Number.isInteger(bytes) || bytes < 0 || bytes > 512 * 1024 * 1024)
        throw new FaultSpecError(
          `answerPaddingBytes must be an integer from 0 to 536870912, got ${JSON.stringify(value)}`,
        );
      next.answerPaddingBytes = bytes;
    } else if ((booleanKnobs as readonly string[]).includes(key)) {
      if (typeof value !== "boolean")
        throw new FaultSpecError(`${key} must be true or false, got ${JSON.stringify(value)}`);
      next[key as (typeof booleanKnobs)[number]] = value;
    } else {
      throw new FaultSpecError(
        `unknown fault knob "${key}"; known: latencyMs, answerPaddingBytes, ${booleanKnobs.join(", ")}`,
      );
    }
  }
  return next;
}

/** Parses `ANPR_SIM_FAULTS`: comma-separated `knob` (true) or `knob=value` items. */
export function parseFaultSpec(spec: string | undefined): FaultKnobs {
  if (!spec || spec.trim() === "") return { ...noFaults };
  const patch: Record<string, unknown> = {};
  for (const item of spec
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [key = "", raw] = item.split("=", 2);
    patch[key] =
      raw === undefined
        ? true
        : key === "latencyMs" || key === "answerPaddingBytes"
          ? Number(raw)
          : raw === "true"
            ? true
            : raw === "false"
              ? false
              : raw;
  }
  return applyFaultPatch({ ...noFaults }, patch);
}
