import { describe, expect, it } from "@jest/globals";
import { instanceIdFor } from "../src/domain/discovery-rules.js";
import {
  decodeHeartbeatBatch,
  encodeHeartbeatBatch,
  heartbeatDigest,
  ownerOf,
  probeIntervalFor,
  probePhaseOf,
  shardNodeName,
  shardOf,
  shardOfServiceName,
  shardServiceName,
} from "../src/domain/directory-shards.js";

const ids = Array.from({ length: 4_000 }, (_, i) =>
  instanceIdFor(String(1001 + (i % 1800)).padStart(6, "0"), `POST-${i}`),
);

describe("directory shards", () => {
  it("puts a Comune in its province's shard, named for Consul", () => {
    expect(shardOf("022205")).toBe("022");
    expect(shardServiceName("022")).toBe("novabox-022");
    expect(shardNodeName("022")).toBe("novabox-province-022");
    expect(shardOfServiceName("novabox-022")).toBe("022");
    expect(shardOfServiceName("novabox")).toBeUndefined();
    expect(shardOfServiceName("consul")).toBeUndefined();
  });
});

describe("ownerOf (rendezvous hashing)", () => {
  it("gives every instance exactly one owner, the same on every router whatever the order of the set", () => {
    for (const id of ids.slice(0, 200))
      expect(ownerOf(id, ["router-a", "router-b", "router-c"])).toBe(ownerOf(id, ["router-c", "router-a", "router-b"]));
    expect(ownerOf(ids[0]!, [])).toBeUndefined();
    expect(ownerOf(ids[0]!, ["only"])).toBe("only");
  });

  it("spreads instances evenly across routers", () => {
    const routers = ["router-a", "router-b", "router-c"];
    const counts = new Map<string, number>();
    for (const id of ids) counts.set(ownerOf(id, routers)!, (counts.get(ownerOf(id, routers)!) ?? 0) + 1);
    for (const router of routers)
      expect(Math.abs((counts.get(router) ?? 0) - ids.length / 3)).toBeLessThan(ids.length * 0.05);
  });

  it("moves only the instances of a router that leaves", () => {
    const before = new Map(ids.map((id) => [id, ownerOf(id, ["router-a", "router-b", "router-c"])]));
    for (const id of ids) {
      const after = ownerOf(id, ["router-a", "router-b"]);
      if (before.get(id) !== "router-c") expect(after).toBe(before.get(id));
      else expect(["router-a", "router-b"]).toContain(after);
    }
  });
});

describe("heartbeat batches", () => {
  it("round-trips digests through the compact KV value", () => {
    const seen = ids.slice(0, 1_000).map(heartbeatDigest);
    const value = encodeHeartbeatBatch({ routerId: "router-a", at: 1_700_000_000_000, seen });
    expect(decodeHeartbeatBatch(value)).toEqual({ routerId: "router-a", at: 1_700_000_000_000, seen });
    // 6 bytes a digest, base64: 8 characters an instance (a router with 8,000 boxes publishes ~64 KB).
    expect(value.length).toBeLessThan(1_000 * 8 + 100);
  });

  it("gives distinct instances distinct digests", () => {
    expect(new Set(ids.map(heartbeatDigest)).size).toBe(ids.length);
  });

  it("rejects values that are not batches", () => {
    expect(decodeHeartbeatBatch("not json")).toBeUndefined();
    expect(
      decodeHeartbeatBatch(JSON.stringify({ r: "x", at: 1, seen: Buffer.from([1, 2, 3]).toString("base64") })),
    ).toBeUndefined();
    expect(decodeHeartbeatBatch(JSON.stringify({ at: 1, seen: "" }))).toBeUndefined();
  });
});

describe("probeIntervalFor (how often the owner probes an instance)", () => {
  const schedule = {
    probeIntervalMs: 10_000,
    servingProbeIntervalMs: 60_000,
    announceIntervalMs: 10_000,
    heartbeatIntervalMs: 5_000,
  };
  const now = 1_000_000;
  const vouched = { health: "serving" as const, healthReason: "", lastSeenAt: now - 3_000, phase: 0.5 };

  it("leaves a passing box that keeps announcing that it serves for 50-100 % of the long period, by its phase", () => {
    expect(probeIntervalFor(vouched, schedule, now)).toBe(45_000);
    expect(probeIntervalFor({ ...vouched, phase: 0 }, schedule, now)).toBe(30_000);
    expect(probeIntervalFor({ ...vouched, phase: 0.999 }, schedule, now)).toBeCloseTo(59_970, 0);
    // Announced to another router: its batch reports it up to one heartbeat interval late.
    expect(probeIntervalFor({ ...vouched, lastSeenAt: now - 15_500 }, schedule, now)).toBe(45_000);
  });

  it("comes back to the short period as soon as anything is in doubt", () => {
    const short = schedule.probeIntervalMs;
    // Late: no announcement within announce interval + heartbeat interval + 1 s (killed, hung, cut off).
    expect(probeIntervalFor({ ...vouched, lastSeenAt: now - 16_001 }, schedule, now)).toBe(short);
    expect(probeIntervalFor({ ...vouched, lastSeenAt: undefined }, schedule, now)).toBe(short);
    // The box announces a reason for not serving.
    expect(probeIntervalFor({ ...vouched, healthReason: "ANPR unreachable: timeout" }, schedule, now)).toBe(short);
    // Its check is not passing, or was never probed.
    expect(probeIntervalFor({ ...vouched, health: "not-serving" }, schedule, now)).toBe(short);
    expect(probeIntervalFor({ ...vouched, health: "unknown" }, schedule, now)).toBe(short);
  });

  it("never probes less often than the short period, nor more often than configured", () => {
    expect(probeIntervalFor(vouched, { ...schedule, servingProbeIntervalMs: 10_000 }, now)).toBe(10_000);
    expect(probeIntervalFor(vouched, { ...schedule, servingProbeIntervalMs: 1_000 }, now)).toBe(10_000);
  });

  it("spreads the phases of many instances over [0, 1)", () => {
    const phases = ids.map((id) => probePhaseOf(heartbeatDigest(id)));
    expect(Math.min(...phases)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...phases)).toBeLessThan(1);
    // Each tenth of the range holds about a tenth of the 4,000 instances.
    for (let k = 0; k < 10; k++) {
      const share = phases.filter((p) => p >= k / 10 && p < (k + 1) / 10).length / phases.length;
      expect(share).toBeGreaterThan(0.07);
      expect(share).toBeLessThan(0.13);
    }
  });
});
