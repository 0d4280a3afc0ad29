/**
 * ANPR's rule for `idOperazioneComune`, per workstation: each request must carry a value greater
 * than the last one; a repeated value with the same request replays the earlier answer (so a client
 * that lost the answer can ask again safely), while a repeat with a different request or a lower
 * value is refused. "Workstation" is the comune (codMittente) plus the postazione of the SAML
 * assertion, as BRIEF.md explains: two boxes of one Comune never share a counter.
 */

/** What to do with an incoming request. */
export type OperationVerdict =
  | { kind: "new" }
  | { kind: "replay"; answer: string }
  | { kind: "repeated-different"; last: bigint }
  | { kind: "lower"; last: bigint };

/** Options for {@link createOperationLog}. */
export interface OperationLogOptions {
  /** How many answers to keep per workstation for replay (default 1000). */
  replayWindow?: number;
}

/** The per-workstation record of operation ids and answers. */
export interface OperationLog {
  /** Judges `id` for `workstation`; `requestDigest` identifies the request content. */
  check(workstation: string, id: bigint, requestDigest: string): OperationVerdict;
  /** Records the answer given to a new operation. */
  record(workstation: string, id: bigint, requestDigest: string, answer: string): void;
  /** The last id seen for a workstation. */
  last(workstation: string): bigint | undefined;
}

/** Creates an in-memory {@link OperationLog} (the simulator starts empty, like a fresh ANPR test environment). */
export function createOperationLog(options: OperationLogOptions = {}): OperationLog {
  const window = options.replayWindow ?? 1000;
  const state = new Map<string, { last: bigint; answers: Map<bigint, { digest: string; answer: string }> }>();

  return {
    check(workstation, id, requestDigest) {
      const entry = state.get(workstation);
      if (!entry || id > entry.last) return { kind: "new" };
      const earlier = entry.answers.get(id);
      if (earlier) {
        return earlier.digest === requestDigest ? { kind: "replay", answer: earlier.answer } : { kind: "repeated-different", last: entry.last };
      }
      return { kind: "lower", last: entry.last };
    },
    record(workstation, id, requestDigest, answer) {
      let entry = state.get(workstation);
      if (!entry) {
        entry = { last: id, answers: new Map() };
        state.set(workstation, entry);
      }
      if (id > entry.last) entry.last = id;
      entry.answers.set(id, { digest: requestDigest, answer });
      if (entry.answers.size > window) {
        const oldest = entry.answers.keys().next().value;
        if (oldest !== undefined) entry.answers.delete(oldest);
      }
    },
    last: (workstation) => state.get(workstation)?.last,
  };
}
