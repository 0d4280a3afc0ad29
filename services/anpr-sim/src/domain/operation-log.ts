/**
 * ANPR's rule for `idOperazioneComune`, as ANPR publishes and applies it. The id space belongs to
 * the **Comune** (`codMittente`), across every workstation and every software the Comune uses
 * (italia/anpr#596, #2003): "Esiste già lo stesso identificativo per un servizio/operazione diversi
 * e in questo caso restituirà un codice di errore; esiste lo stesso identificativo per lo stesso
 * servizio/operazione e in questo caso restituisce l'esito del servizio/operazione già effettuata".
 * So:
 * - an id already used for **another service** is refused (EN079, "id operazione comune già
 *   presente per un servizio diverso", tab_elenco_errori_anpr; italia/anpr#410);
 * - an id already used for the **same service** replays the stored answer, whatever the new request
 *   says — which is how a Comune got another person's certificate (italia/anpr#3822);
 * - any other id is new, even when it is lower than one seen before: the id is alphanumeric since
 *   2018 (italia/anpr#1836), ANPR advises a timestamp or "postazione + timestamp" (#4270, #4858),
 *   and requests of several workstations overtake each other on the way.
 *
 * The log also keeps every operation it carried out, so tests can count the acts ANPR made (one
 * certificate per `emissioneCertificato` answered OK with a protocol number).
 */

/** What to do with an incoming request. */
export type OperationVerdict =
  { kind: "new" } | { kind: "replay"; answer: string } | { kind: "other-service"; service: string };

/** One operation ANPR carried out (not a replay, not a refusal of the id). */
export interface OperationRecord {
  comuneCode: string;
  idOperazioneComune: string;
  /** The service, e.g. `6001`, `3002`, `testConn`. */
  service: string;
  /** `OK` or `KO`. */
  outcome: "OK" | "KO";
  /** The certificate's protocol number (6001 issuance OK), else empty. */
  protocolNumber: string;
  /** The subject's fiscal code, when the request named one. */
  fiscalCode: string;
  /** `emissione` of a 6001 request (1 certificate, 3 preview), else 0. */
  issuance: number;
  /** ISO time the answer was made. */
  at: string;
}

/** Options for {@link createOperationLog}. */
export interface OperationLogOptions {
  /** How many answers to keep per Comune for replay (default 100 000). */
  replayWindow?: number;
}

/** The per-Comune record of operation ids and answers. */
export interface OperationLog {
  /** Judges `id` for `comuneCode` and `service`. */
  check(comuneCode: string, id: string, service: string): OperationVerdict;
  /** Records the answer given to a new operation. */
  record(operation: OperationRecord, answer: string): void;
  /** Every operation carried out, oldest first. */
  operations(): OperationRecord[];
  /** The most recent stored OK answer of `service` for `comuneCode` whose subject is not `fiscalCode` (fault knob). */
  answerAboutSomeoneElse(comuneCode: string, service: string, fiscalCode: string): string | undefined;
}

/** Creates an in-memory {@link OperationLog} (the simulator starts empty, like a fresh ANPR test environment). */
export function createOperationLog(options: OperationLogOptions = {}): OperationLog {
  const window = options.replayWindow ?? 100_000;
  const byComune = new Map<string, Map<string, { record: OperationRecord; answer: string }>>();
  const all: OperationRecord[] = [];

  return {
    check(comuneCode, id, service) {
      const earlier = byComune.get(comuneCode)?.get(id);
      if (!earlier) return { kind: "new" };
      return earlier.record.service === service
        ? { kind: "replay", answer: earlier.answer }
        : { kind: "other-service", service: earlier.record.service };
    },
    record(operation, answer) {
      let ids = byComune.get(operation.comuneCode);
      if (!ids) {
        ids = new Map();
        byComune.set(operation.comuneCode, ids);
      }
      ids.set(operation.idOperazioneComune, { record: operation, answer });
      all.push({ ...operation });
      if (ids.size > window) {
        const oldest = ids.keys().next().value;
        if (oldest !== undefined) ids.delete(oldest);
      }
    },
    operations: () => all.map((o) => ({ ...o })),
    answerAboutSomeoneElse(comuneCode, service, fiscalCode) {
      const ids = byComune.get(comuneCode);
      if (!ids) return undefined;
      const entries = [...ids.values()].reverse();
      return entries.find(
        (e) =>
          e.record.service === service &&
          e.record.outcome === "OK" &&
          e.record.fiscalCode !== "" &&
          e.record.fiscalCode !== fiscalCode,
      )?.answer;
    },
  };
}
