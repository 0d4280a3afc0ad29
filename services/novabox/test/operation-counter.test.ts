import { afterAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFileOperationCounter } from "../src/anpr-client/operation-counter.js";
import { firstLineThenKill } from "./kill-fixture.js";

const dir = mkdtempSync(join(tmpdir(), "op-counter-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fixture = new URL("./fixtures/reserve-then-hang.ts", import.meta.url).pathname;

/** Runs the fixture, reads the value it reserved, then kills it with SIGKILL. */
async function reserveAndKill(path: string, blockSize: number): Promise<bigint> {
  return BigInt(await firstLineThenKill(fixture, [path, String(blockSize)]));
}

describe("persistent idOperazioneComune counter", () => {
  it("starts above the current time × 1000 and increases strictly", async () => {
    const before = BigInt(Date.now()) * 1000n;
    const counter = createFileOperationCounter({ path: join(dir, "a.counter") });
    const values = [await counter.next(), await counter.next(), await counter.next()];
    expect(values[0]).toBeGreaterThanOrEqual(before);
    // a block of 1 re-reads the clock at every value: strictly increasing, never below the clock
    expect(values[1]).toBeGreaterThan(values[0]!);
    expect(values[2]).toBeGreaterThan(values[1]!);
    expect(values[2]).toBeLessThanOrEqual(BigInt(Date.now()) * 1000n + 2n);
  });

  it("never hands out the same value twice to concurrent callers", async () => {
    const counter = createFileOperationCounter({ path: join(dir, "b.counter"), blockSize: 7 });
    const values = await Promise.all(Array.from({ length: 50 }, () => counter.next()));
    expect(new Set(values).size).toBe(50);
  });

  it("continues above every value after a restart", async () => {
    const path = join(dir, "c.counter");
    const first = createFileOperationCounter({ path, blockSize: 10 });
    const a = await first.next();
    await first.next();
    const second = createFileOperationCounter({ path, blockSize: 10 });
    const b = await second.next();
    expect(b).toBeGreaterThan(a + 1n);
  });

  it.each([1, 100])(
    "never repeats a value across a kill -9 between reserve and send (block %i)",
    async (blockSize) => {
      const path = join(dir, `kill-${blockSize}.counter`);
      const seen: bigint[] = [];
      for (let i = 0; i < 3; i++) seen.push(await reserveAndKill(path, blockSize));
      const after = await createFileOperationCounter({ path, blockSize }).next();
      seen.push(after);
      for (let i = 1; i < seen.length; i++) expect(seen[i]! > seen[i - 1]!).toBe(true);
    },
    60_000,
  );

  it("refuses a damaged counter file rather than guessing", async () => {
    const path = join(dir, "damaged.counter");
    writeFileSync(path, "12ab\n");
    await expect(createFileOperationCounter({ path }).next()).rejects.toThrow(/damaged/);
    expect(readFileSync(path, "utf8")).toBe("12ab\n");
  });
});
