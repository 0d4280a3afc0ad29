/**
 * The sequence part of `idOperazioneComune` (see anpr-client/operation-id.ts), kept in the Novabox
 * database: strictly increasing, a value is returned only after the transaction reserving it has
 * committed (WAL with `synchronous=FULL`: fsynced), so a kill -9 or a power cut can skip values but
 * never repeat one — and never below the wall clock (milliseconds × 1000): a box restored from an
 * older copy of ANPR_HOME, whose stored mark is behind ids it already sent, jumps to the clock and so
 * above every id it sent before the restore (ANPR advises a timestamp-based id: italia/anpr#4858,
 * #4270). The box would have to send more than 1000 requests per millisecond, sustained, to run ahead
 * of the clock.
 */
import type { OperationCounter } from "../anpr-client/operation-counter.js";
import type { SqliteDatabase } from "./database.js";
import { StoredDataDamagedError } from "./errors.js";

/** Options for {@link createSqliteOperationCounter}. */
export interface SqliteOperationCounterOptions {
  db: SqliteDatabase;
  /**
   * How many values one committed reservation covers (default 1). Larger blocks save fsyncs; the
   * unused rest of a block is skipped after a restart, never reused.
   */
  blockSize?: number;
  /**
   * The lowest value allowed now. Default: the current time in milliseconds × 1000, so a box whose
   * storage was lost or restored from an older copy continues above every value it sent before
   * (given a sane clock).
   */
  initialValue?: () => bigint;
}

/**
 * Creates the SQLite-backed counter. Each reservation re-reads the stored mark inside an immediate
 * transaction, so even two processes on the same database never hand out the same value. Inside a
 * transaction of the caller's (`take()` in `atomically`, the pending issuance beside it) the
 * reservation is a savepoint of it: committed, fsynced, with the rest, or rolled back with it — then
 * the value was never sent, and this process still never hands it out again (`last` stays above it).
 */
export function createSqliteOperationCounter(options: SqliteOperationCounterOptions): OperationCounter {
  const { db } = options;
  const blockSize = BigInt(Math.max(1, Math.floor(options.blockSize ?? 1)));
  const initial = options.initialValue ?? (() => BigInt(Date.now()) * 1000n);
  const select = db
    .prepare<[], { reserved_up_to: unknown }>("SELECT reserved_up_to FROM operation_counter WHERE id = 1")
    .safeIntegers(true);
  const upsert = db.prepare<[bigint]>(
    "INSERT INTO operation_counter (id, reserved_up_to) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET reserved_up_to = excluded.reserved_up_to",
  );
  let last: bigint | undefined;
  let reservedUpTo: bigint | undefined;

  const reserve = db.transaction((): { base: bigint; mark: bigint } => {
    const row = select.get();
    let stored: bigint | undefined;
    if (row !== undefined) {
      if (typeof row.reserved_up_to !== "bigint" || row.reserved_up_to < 0n)
        throw new StoredDataDamagedError("operation counter");
      stored = row.reserved_up_to;
    }
    let base = initial() - 1n;
    if (last !== undefined && last > base) base = last;
    if (stored !== undefined && stored > base) base = stored;
    const mark = base + blockSize;
    upsert.run(mark);
    return { base, mark };
  });

  const take = (): bigint => {
    let current = last;
    if (current === undefined || reservedUpTo === undefined || current >= reservedUpTo) {
      const reservation = reserve.immediate();
      current = reservation.base;
      reservedUpTo = reservation.mark;
    }
    last = current + 1n;
    return last;
  };

  return {
    take,
    next() {
      try {
        return Promise.resolve(take());
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    },
  };
}
