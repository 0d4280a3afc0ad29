/**
 * The persistent, strictly increasing `idOperazioneComune` counter. ANPR replays its earlier answer
 * when a value repeats and refuses a lower one, so a value must never be handed out twice: not after
 * a restart, not after the process dies between reserving a value and sending it (a gap is harmless,
 * a repeat is not), and never below the wall clock (ms × 1000) when a new block is reserved, so an
 * older copy of the file cannot make it reuse values. It is the sequence part of an
 * `idOperazioneComune` (operation-id.ts adds the component naming the box).
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { dirname } from "node:path";

/** Hands out `idOperazioneComune` values. */
export interface OperationCounter {
  /** The next value: greater than every value this counter ever returned, durably recorded first. */
  next(): Promise<bigint>;
  /**
   * {@link next}, synchronously. A counter kept in a database records the value in the caller's
   * transaction when there is one (durable when that commits, and rolled back with it, so a value
   * is never sent unless its record committed), else in its own.
   */
  take(): bigint;
}

/** Options for {@link createFileOperationCounter}. */
export interface FileOperationCounterOptions {
  /** The file holding the high-water mark (created when missing). */
  path: string;
  /**
   * How many values one durable write reserves (default 1). Larger blocks save fsyncs; values
   * left unused when the process stops are skipped, never reused.
   */
  blockSize?: number;
  /**
   * The first value of a new counter. Default: the current time in milliseconds × 1000, so a box
   * whose storage was lost still continues above every value it sent before (given a sane clock).
   */
  initialValue?: () => bigint;
}

function writeDurably(path: string, content: string): void {
  const temporary = `${path}.tmp`;
  const fd = openSync(temporary, "w", 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  const dir = openSync(dirname(path), "r");
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

function readMark(path: string): bigint | undefined {
  try {
    const text = readFileSync(path, "utf8").trim();
    if (!/^\d+$/.test(text))
      throw new Error(`the operation counter file ${path} is damaged (${JSON.stringify(text.slice(0, 40))})`);
    return BigInt(text);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/**
 * A counter kept in a file: the high-water mark is written and fsynced (file and directory) before
 * any value below it is returned. One process per file.
 */
export function createFileOperationCounter(options: FileOperationCounterOptions): OperationCounter {
  const blockSize = BigInt(Math.max(1, Math.floor(options.blockSize ?? 1)));
  const initial = options.initialValue ?? (() => BigInt(Date.now()) * 1000n);
  let last: bigint | undefined;
  let reservedUpTo: bigint | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  const take = (): bigint => {
    if (last === undefined || reservedUpTo === undefined) {
      const mark = readMark(options.path);
      last = mark ?? initial() - 1n;
      reservedUpTo = last;
    }
    if (last >= reservedUpTo) {
      const floor = initial() - 1n;
      if (floor > last) last = floor;
      reservedUpTo = last + blockSize;
      writeDurably(options.path, `${reservedUpTo}\n`);
    }
    last += 1n;
    return last;
  };

  return {
    next() {
      const result = queue.then(take);
      queue = result.catch(() => undefined);
      return result;
    },
    take,
  };
}
