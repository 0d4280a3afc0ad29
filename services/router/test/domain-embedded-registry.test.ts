import { describe, expect, it } from "@jest/globals";
import { createEmbeddedRegistry, type HealthProbe } from "../src/domain/embedded-registry.js";
import type { AnnounceInput, InstanceEvent } from "../src/domain/model.js";
import { createRoutingTable } from "../src/domain/routing-table.js";

function fakeClock(start = Date.parse("2025-01-01T08:00:00Z")) {
  let now = start;
  return { clock: () => new Date(now), advance: (ms: number) => (now += ms) };
}

const box = (workstationCode: string, port: number): AnnounceInput => ({
  comuneCode: "022205",
  comuneName: "Trento",
  workstationCode,
  host: "127.0.0.1",
  port,
  version: "1.0.0",
});

function setup(probeResult: (port: number) => "serving" | "not-serving" | Error = () => "serving") {
  const time = fakeClock();
  const table = createRoutingTable({ clock: time.clock });
  const probed: number[] = [];
  const probe: HealthProbe = (instance) => {
    probed.push(instance.port);
    const result = probeResult(instance.port);
    return result instanceof Error ? Promise.reject(result) : Promise.resolve(result);
  };
  const registry = createEmbeddedRegistry({
    table,
    clock: time.clock,
    probe,
    announceIntervalMs: 10_000,
    expiresAfterMs: 30_000,
  });
  return { time, table, registry, probed };
}

describe("embedded registry", () => {
  it("answers the announce interval and TTL, and gives the same id to the same box", async () => {
    const { registry } = setup();
    const first = await registry.announce(box("A", 1));
    const again = await registry.announce(box("A", 1));
    expect(first).toEqual({ instanceId: again.instanceId, nextAnnounceInMs: 10_000, expiresAfterMs: 30_000 });
    expect((await registry.announce(box("B", 2))).instanceId).not.toBe(first.instanceId);
  });

  it("lists a new instance as unknown until its health check answers, then routes to it", async () => {
    const { registry, table } = setup();
    const { instanceId } = await registry.announce(box("A", 1));
    expect(table.get(instanceId)?.health).toBe("unknown");
    await registry.check(instanceId);
    expect(table.get(instanceId)?.health).toBe("serving");
    expect(table.pick("022205").instanceId).toBe(instanceId);
  });

  it("marks an instance not serving when its probe fails or answers NOT_SERVING, and serving again when it recovers", async () => {
    let state: "serving" | "not-serving" | Error = "serving";
    const { registry, table } = setup(() => state);
    const { instanceId } = await registry.announce(box("A", 1));
    await registry.checkAll();
    expect(table.get(instanceId)?.health).toBe("serving");
    state = new Error("connection refused");
    await registry.checkAll();
    expect(table.get(instanceId)?.health).toBe("not-serving");
    expect(() => table.pick("022205")).toThrow("none serving");
    state = "serving";
    await registry.checkAll();
    expect(table.get(instanceId)?.health).toBe("serving");
  });

  it("keeps an instance that announces within the TTL and drops it once expires_after passes without one", async () => {
    const { registry, table, time } = setup();
    const events: InstanceEvent[] = [];
    table.subscribe((e) => events.push(e));
    const { instanceId } = await registry.announce(box("A", 1));
    time.advance(25_000);
    expect(registry.expire()).toBe(0);
    await registry.announce(box("A", 1));
    time.advance(29_999);
    expect(registry.expire()).toBe(0);
    expect(table.get(instanceId)?.expiresAt?.getTime()).toBe(Date.parse("2025-01-01T08:00:00Z") + 25_000 + 30_000);
    time.advance(1);
    expect(registry.expire()).toBe(1);
    expect(table.get(instanceId)).toBeUndefined();
    expect(events.at(-1)?.type).toBe("removed");
  });

  it("keeps registered_at across announcements and moves last_announced_at", async () => {
    const { registry, table, time } = setup();
    const { instanceId } = await registry.announce(box("A", 1));
    const registeredAt = table.get(instanceId)!.registeredAt!.getTime();
    time.advance(10_000);
    await registry.announce(box("A", 1));
    expect(table.get(instanceId)!.registeredAt!.getTime()).toBe(registeredAt);
    expect(table.get(instanceId)!.lastAnnouncedAt!.getTime()).toBe(registeredAt + 10_000);
  });

  it("re-checks an instance that moved to another address before routing to it", async () => {
    const { registry, table, probed } = setup();
    const { instanceId } = await registry.announce(box("A", 1));
    await registry.check(instanceId);
    await registry.announce(box("A", 1));
    expect(table.get(instanceId)?.health).toBe("serving");
    await registry.announce(box("A", 2));
    expect(table.get(instanceId)?.health).toBe("unknown");
    await registry.check(instanceId);
    expect(probed.at(-1)).toBe(2);
    expect(table.get(instanceId)?.health).toBe("serving");
  });

  it("withdraws idempotently", async () => {
    const { registry } = setup();
    const { instanceId } = await registry.announce(box("A", 1));
    expect(await registry.withdraw(instanceId)).toBe(true);
    expect(await registry.withdraw(instanceId)).toBe(false);
  });

  it("refuses a TTL that is not longer than the announce interval", () => {
    const table = createRoutingTable({ clock: () => new Date() });
    expect(() =>
      createEmbeddedRegistry({
        table,
        clock: () => new Date(),
        probe: () => Promise.resolve("serving"),
        announceIntervalMs: 10_000,
        expiresAfterMs: 10_000,
      }),
    ).toThrow(/longer/);
  });
});
