import { describe, expect, it } from "@jest/globals";
import { UnknownComuneError, NoHealthyInstanceError } from "../src/domain/errors.js";
import { instanceIdFor } from "../src/domain/discovery-rules.js";
import type { Instance, InstanceEvent } from "../src/domain/model.js";
import { createRoutingTable } from "../src/domain/routing-table.js";

const clock = () => new Date("2025-01-01T00:00:00Z");

function instance(comuneCode: string, workstation: string, overrides: Partial<Instance> = {}): Instance {
  return {
    instanceId: instanceIdFor(comuneCode, workstation),
    comuneCode,
    comuneName: "Trento",
    workstationCode: workstation,
    host: "127.0.0.1",
    port: 50051,
    version: "1.0.0",
    health: "serving",
    lastAnnouncedAt: undefined,
    registeredAt: undefined,
    expiresAt: undefined,
    ...overrides,
  };
}

describe("routing table", () => {
  it("round-robins among the serving instances of a Comune", () => {
    const table = createRoutingTable({ clock });
    const a = instance("022205", "A", { port: 1 });
    const b = instance("022205", "B", { port: 2 });
    const c = instance("022205", "C", { port: 3, health: "not-serving" });
    const other = instance("022161", "X", { port: 4 });
    for (const i of [a, b, c, other]) table.upsert(i);
    const picks = Array.from({ length: 6 }, () => table.pick("022205").port);
    expect(picks.filter((p) => p === 1)).toHaveLength(3);
    expect(picks.filter((p) => p === 2)).toHaveLength(3);
    expect(picks).not.toContain(3);
    expect(picks[0]).not.toBe(picks[1]);
    expect(table.pick("022161").port).toBe(4);
  });

  it("names the Comune when nothing is registered, and says UNAVAILABLE when nothing serves", () => {
    const table = createRoutingTable({ clock });
    expect(() => table.pick("099999")).toThrow(new UnknownComuneError("099999"));
    expect(() => table.pick("099999")).toThrow("no Novabox is registered for comune 099999");
    table.upsert(instance("022205", "A", { health: "unknown" }));
    expect(() => table.pick("022205")).toThrow(NoHealthyInstanceError);
    expect(table.resolve("022205")).toEqual([]);
    expect(() => table.resolve("099999")).toThrow(UnknownComuneError);
  });

  it("skips excluded instances and fails when only excluded ones serve", () => {
    const table = createRoutingTable({ clock });
    const a = instance("022205", "A");
    const b = instance("022205", "B");
    table.upsert(a);
    table.upsert(b);
    for (let k = 0; k < 4; k++) expect(table.pick("022205", new Set([a.instanceId])).instanceId).toBe(b.instanceId);
    expect(() => table.pick("022205", new Set([a.instanceId, b.instanceId]))).toThrow(NoHealthyInstanceError);
  });

  it("resolve lists serving instances in the order the next picks use, without moving the cursor", () => {
    const table = createRoutingTable({ clock });
    for (const w of ["A", "B", "C"]) table.upsert(instance("022205", w));
    table.pick("022205");
    const order = table.resolve("022205").map((i) => i.instanceId);
    expect(table.resolve("022205").map((i) => i.instanceId)).toEqual(order);
    expect([table.pick("022205"), table.pick("022205"), table.pick("022205")].map((i) => i.instanceId)).toEqual(order);
  });

  it("reports added, updated (only on a real change) and removed events", () => {
    const table = createRoutingTable({ clock });
    const events: InstanceEvent[] = [];
    table.subscribe((e) => events.push(e));
    const a = instance("022205", "A");
    expect(table.upsert(a)).toBe("added");
    expect(table.upsert({ ...a })).toBe("unchanged");
    expect(table.upsert({ ...a, health: "not-serving" })).toBe("updated");
    expect(table.remove(a.instanceId)?.health).toBe("not-serving");
    expect(table.remove(a.instanceId)).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual(["added", "updated", "removed"]);
    expect(() => table.pick("022205")).toThrow(UnknownComuneError);
  });

  it("replaceAll reports only the differences", () => {
    const table = createRoutingTable({ clock });
    const a = instance("022205", "A");
    const b = instance("022205", "B");
    table.replaceAll([a, b]);
    const events: InstanceEvent[] = [];
    table.subscribe((e) => events.push(e));
    const c = instance("022161", "C");
    table.replaceAll([{ ...a, version: "2.0.0" }, c]);
    expect(events.map((e) => `${e.type}:${e.instance.workstationCode}`).sort()).toEqual([
      "added:C",
      "removed:B",
      "updated:A",
    ]);
  });

  it("lists by comune then id, in pages, optionally for one Comune", () => {
    const table = createRoutingTable({ clock });
    const all = ["022205", "021008", "022161"].flatMap((c) => ["A", "B", "C"].map((w) => instance(c, w)));
    for (const i of all) table.upsert(i);
    const expected = [...all].sort((x, y) =>
      x.comuneCode === y.comuneCode ? (x.instanceId < y.instanceId ? -1 : 1) : x.comuneCode < y.comuneCode ? -1 : 1,
    );
    const seen: Instance[] = [];
    let after: { comuneCode: string; instanceId: string } | undefined;
    do {
      const page = table.list({ limit: 4, ...(after ? { after } : {}) });
      seen.push(...page.instances);
      after = page.next;
    } while (after);
    expect(seen.map((i) => i.instanceId)).toEqual(expected.map((i) => i.instanceId));
    const one = table.list({ comuneCode: "022161", limit: 2 });
    expect(one.instances.map((i) => i.comuneCode)).toEqual(["022161", "022161"]);
    const rest = table.list({ comuneCode: "022161", limit: 2, after: one.next! });
    expect(rest.instances).toHaveLength(1);
    expect(rest.next).toBeUndefined();
    expect(table.list({ comuneCode: "099999", limit: 5 })).toEqual({ instances: [], next: undefined });
  });

  it("derives a stable, distinct instance id per comune + workstation", () => {
    expect(instanceIdFor("022205", "POST-022205-01")).toBe(instanceIdFor("022205", "POST-022205-01"));
    expect(instanceIdFor("022205", "POST-022205-01")).toMatch(/^novabox-022205-post-022205-01-[0-9a-f]{8}$/);
    expect(instanceIdFor("022205", "a b")).not.toBe(instanceIdFor("022205", "a-b"));
    expect(instanceIdFor("022205", "A")).not.toBe(instanceIdFor("022161", "A"));
  });
});
