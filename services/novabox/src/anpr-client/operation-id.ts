/**
 * `idOperazioneComune` as ANPR applies it today: unique per **Comune**, across every workstation
 * and software of the Comune (italia/anpr#596, #2003); alphanumeric, 1–30 characters
 * (`tipoIdOperazioneComune` in tipoDato.xsd; numeric only until 2018, italia/anpr#1836); ANPR's
 * advice is "a workstation identifier plus a timestamp" (italia/anpr#4270, #4858). A reused id for
 * the same service makes ANPR replay its stored answer (italia/anpr#3822), so two boxes of a Comune
 * must never draw the same one.
 *
 * The id is `<box component><sequence>`: the box component names the workstation (its IdPostazione,
 * letters and digits only, at most 14 characters, or a hash of it when longer), and the sequence is
 * the box's persistent counter (16 decimal digits: milliseconds × 1000, never below the clock,
 * strictly increasing). The sequence always has 16 digits (until the year 2286), so the split is
 * unambiguous and two boxes with different IdPostazione can never produce the same id — even when
 * started in the same millisecond; one box's ids increase strictly, also in string order.
 */
import { createHash } from "node:crypto";
import type { OperationCounter } from "./operation-counter.js";

/** The longest box component: 30 (XSD) − 16 (sequence digits). */
export const maxBoxComponentLength = 14;

/** Digits of the sequence part. */
export const sequenceDigits = 16;

/**
 * The component naming the box, from its IdPostazione: the letters and digits, upper-cased, when
 * they fit in 14 characters and the IdPostazione has no other characters that would make two
 * workstations look alike; otherwise `H` + 13 base-36 characters of its SHA-256.
 */
export function boxComponent(workstationId: string): string {
  const plain = workstationId.toUpperCase();
  if (/^[0-9A-Z]{1,14}$/.test(plain)) return plain;
  const digest = BigInt(`0x${createHash("sha256").update(workstationId, "utf8").digest("hex").slice(0, 20)}`)
    .toString(36)
    .toUpperCase();
  return `H${digest.padStart(13, "0").slice(-13)}`;
}

/** Formats one id from the box component and a sequence value. */
export function formatOperationId(component: string, sequence: bigint): string {
  const digits = sequence.toString();
  if (sequence < 0n || digits.length > sequenceDigits)
    throw new RangeError(`sequence ${digits} does not fit in ${sequenceDigits} digits`);
  return `${component}${digits.padStart(sequenceDigits, "0")}`;
}

/** Hands out `idOperazioneComune` values. */
export interface OperationIds {
  /** The next id of this box: durably reserved before it is returned. */
  next(): Promise<string>;
  /** {@link next}, synchronously: reserved in the caller's transaction when there is one (OperationCounter.take). */
  take(): string;
}

/** Ids of the box whose IdPostazione is `workstationId`, numbered by `counter`. */
export function createOperationIds(counter: OperationCounter, workstationId: string): OperationIds {
  const component = boxComponent(workstationId);
  return {
    next: async () => formatOperationId(component, await counter.next()),
    take: () => formatOperationId(component, counter.take()),
  };
}
