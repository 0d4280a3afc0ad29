import { afterAll, describe, expect, it } from "@jest/globals";
import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../src/store/database.js";
import { openNovaboxStore } from "../src/store/index.js";
import { createSqliteOperationCounter } from "../src/store/sqlite-operation-counter.js";
import { firstLineThenKill } from "./kill-fixture.js";

const dir = mkdtempSync(join(tmpdir(), "store-counter-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fixture = new URL("./fixtures/store-reserve-then-hang.ts", import.meta.url).pathname;

/** Runs the fixture on `home`, reads the value it reserved, then kills it with SIGKILL. */
async function reserveAndKill(home: string, blockSize: number): Promise<bigint> {
  return BigInt(await firstLineThenKill(fixture, [home, String(blockSize)]));
}

describe("SQLite idOperazioneComune counter", () => {
  it("starts at the current time × 1000 for a new database and increases strictly", async () => {
    const before = BigInt(Date.now()) * 1000n;
    const store = openNovaboxStore({ home: join(dir, "a") });
    const values = [
      await store.operationCounter.next(),
      await store.operationCounter.next(),
      await store.operationCounter.next(),
    ];
    store.close();
    expect(values[0]).toBeGreaterThanOrEqual(before);
    expect(values[0]).toBeLessThanOrEqual(BigInt(Date.now()) * 1000n);
    // a block of 1 re-reads the clock at every value: strictly increasing, never below the clock
    expect(values[1]).toBeGreaterThan(values[0]!);
    expect(values[2]).toBeGreaterThan(values[1]!);
  });

  it("records the reservation before returning a value", async () => {
    const db = openDatabase(join(dir, "durable"));
    const counter = createSqliteOperationCounter({ db, initialValue: () => 1000n });
    const value = await counter.next();
    const reader = new Database(join(dir, "durable", "novabox.db"), { readonly: true });
    const row = reader.prepare("SELECT reserved_up_to AS mark FROM operation_counter").safeIntegers(true).get() as {
      mark: bigint;
    };
    reader.close();
    db.close();
    expect(value).toBe(1000n);
    expect(row.mark).toBe(1000n);
  });

  it("reserves inside the caller's transaction: durable with its commit, gone with its rollback, never handed out twice", () => {
    const home = join(dir, "in-transaction");
    const store = openNovaboxStore({ home, operationCounterClock: () => 5000n });
    const mark = () =>
      (
        store.db.prepare("SELECT reserved_up_to AS mark FROM operation_counter").safeIntegers(true).get() as {
          mark: bigint;
        }
      ).mark;
    const committed = store.atomically(() => store.operationCounter.take());
    expect(committed).toBe(5000n);
    expect(mark()).toBe(5000n);
    let rolledBack = 0n;
    expect(() =>
      store.atomically(() => {
        rolledBack = store.operationCounter.take();
        throw new Error("the record beside it could not be written");
      }),
    ).toThrow("could not be written");
    expect(rolledBack).toBe(5001n);
    // Its reservation is gone with the transaction (the value was never sent)...
    expect(mark()).toBe(5000n);
    // ...and this process still never hands it out again.
    expect(store.operationCounter.take()).toBe(5002n);
    expect(mark()).toBe(5002n);
    store.close();
    const reopened = openNovaboxStore({ home, operationCounterClock: () => 5000n });
    expect(reopened.operationCounter.take()).toBe(5003n);
    reopened.close();
  });

  it("never hands out the same value twice to concurrent callers", async () => {
    const store = openNovaboxStore({ home: join(dir, "b"), operationCounterBlockSize: 7 });
    const values = await Promise.all(Array.from({ length: 50 }, () => store.operationCounter.next()));
    store.close();
    expect(new Set(values).size).toBe(50);
  });

  it("continues above every value after close and reopen", async () => {
    const home = join(dir, "c");
    const first = openNovaboxStore({ home, operationCounterBlockSize: 10 });
    const a = await first.operationCounter.next();
    await first.operationCounter.next();
    first.close();
    const second = openNovaboxStore({ home, operationCounterBlockSize: 10 });
    const b = await second.operationCounter.next();
    second.close();
    expect(b).toBeGreaterThan(a + 1n);
  });

  it("two counters on one database never collide", async () => {
    const db = openDatabase(join(dir, "shared"));
    const one = createSqliteOperationCounter({ db, blockSize: 5 });
    const two = createSqliteOperationCounter({ db, blockSize: 5 });
    const values: bigint[] = [];
    for (let i = 0; i < 20; i++) values.push(await (i % 3 === 0 ? one : two).next());
    db.close();
    expect(new Set(values).size).toBe(20);
  });

  it.each([1, 100])(
    "never repeats a value across a kill -9 between reserve and send (block %i)",
    async (blockSize) => {
      const home = join(dir, `kill-${blockSize}`);
      const seen: bigint[] = [];
      for (let i = 0; i < 3; i++) seen.push(await reserveAndKill(home, blockSize));
      const store = openNovaboxStore({ home, operationCounterBlockSize: blockSize });
      seen.push(await store.operationCounter.next());
      store.close();
      for (let i = 1; i < seen.length; i++) expect(seen[i]! > seen[i - 1]!).toBe(true);
    },
    60_000,
  );
});
