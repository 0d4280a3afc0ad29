import { afterAll, describe, expect, it } from "@jest/globals";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { boxComponent, createOperationIds, formatOperationId } from "../src/anpr-client/operation-id.js";
import { openNovaboxStore } from "../src/store/index.js";

const dir = mkdtempSync(join(tmpdir(), "operation-id-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const xsdPattern = /^[0-9a-zA-Z]{1,30}$/;

describe("idOperazioneComune: box component + time-based sequence (italia/anpr#4270, #4858)", () => {
  it("names the box with its IdPostazione when it fits, a hash otherwise; always alphanumeric, at most 30 characters", () => {
    expect(boxComponent("POST02220501")).toBe("POST02220501");
    expect(boxComponent("post1")).toBe("POST1");
    const hashed = boxComponent("POST-022205-01");
    expect(hashed).toMatch(/^H[0-9A-Z]{13}$/);
    expect(boxComponent("POST-022205-02")).not.toBe(hashed);
    const id = formatOperationId(hashed, 1_764_489_600_000_000n);
    expect(id).toMatch(xsdPattern);
    expect(id).toBe(`${hashed}1764489600000000`);
  });

  it("two boxes of one Comune started in the same millisecond never share an id", async () => {
    const clock = () => 1_764_489_600_000n * 1000n;
    const a = openNovaboxStore({ home: join(dir, "a"), operationCounterClock: clock });
    const b = openNovaboxStore({ home: join(dir, "b"), operationCounterClock: clock });
    const idsA = createOperationIds(a.operationCounter, "POST-022205-01");
    const idsB = createOperationIds(b.operationCounter, "POST-022205-02");
    const drawn = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? idsA : idsB).next()));
    a.close();
    b.close();
    expect(new Set(drawn).size).toBe(50);
    for (const id of drawn) expect(id).toMatch(xsdPattern);
  });

  it("stays strictly increasing across a restart and after restoring an older copy of ANPR_HOME", async () => {
    const home = join(dir, "restore");
    const backup = join(dir, "restore-backup");
    const first = openNovaboxStore({ home });
    const ids = createOperationIds(first.operationCounter, "POSTR");
    const sent = [await ids.next(), await ids.next()];
    first.close();
    mkdirSync(backup);
    copyFileSync(join(home, "novabox.db"), join(backup, "novabox.db"));
    copyFileSync(join(home, "secret.key"), join(backup, "secret.key"));
    const second = openNovaboxStore({ home });
    const more = createOperationIds(second.operationCounter, "POSTR");
    for (let i = 0; i < 20; i++) sent.push(await more.next());
    second.close();
    await new Promise((r) => setTimeout(r, 5));
    const restored = openNovaboxStore({ home: backup });
    const after = await createOperationIds(restored.operationCounter, "POSTR").next();
    restored.close();
    const sorted = [...sent].sort();
    expect(sent).toEqual(sorted);
    expect(new Set(sent).size).toBe(sent.length);
    expect(after > sorted[sorted.length - 1]!).toBe(true);
  });
});
