import { describe, expect, it } from "@jest/globals";
import { createRoutingTable } from "../src/domain/routing-table.js";
import { createConsulDirectory } from "../src/server/consul-directory.js";
import { consulTxnMaxOps, type ConsulHttp, type ConsulRead, type ConsulTxnOp } from "../src/server/consul-http.js";

/** A ConsulHttp that records transactions and answers them at once (single-layer unit test). */
function recordingConsul(): ConsulHttp & { txns: ConsulTxnOp[][] } {
  const txns: ConsulTxnOp[][] = [];
  return {
    txns,
    read: () => Promise.reject(new Error("not used by this test")),
    txn: (ops) => {
      txns.push([...ops]);
      return Promise.resolve();
    },
    kvPut: () => Promise.resolve(),
    kvDelete: () => Promise.resolve(),
    bytesDownloaded: 0,
  };
}

const nodeOf = (op: ConsulTxnOp) => (op.Node as { Node: { Node: string } } | undefined)?.Node.Node;
const serviceIdOf = (op: ConsulTxnOp) => (op.Service as { Service: { ID: string } } | undefined)?.Service.ID;

describe("Consul directory writes", () => {
  it("batches registrations into transactions of at most 64 operations, each province's node set once per transaction", async () => {
    const consul = recordingConsul();
    const directory = createConsulDirectory({
      consul,
      table: createRoutingTable({ clock: () => new Date() }),
      clock: () => new Date(),
      logger: { info: () => undefined, warn: () => undefined },
      probe: () => Promise.resolve("serving"),
      writeBatchMs: 20,
      writeConcurrency: 1,
    });
    // 100 boxes of two provinces announcing together (a restart after an outage).
    const announced = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        directory.announce({
          comuneCode: `${i % 2 ? "022" : "058"}${String(100 + i).padStart(3, "0")}`,
          comuneName: `Comune ${i}`,
          workstationCode: `POST-${i}`,
          host: "127.0.0.1",
          port: 40_000 + i,
          version: "1.0.0",
        }),
      ),
    );

    const ops = consul.txns.flat();
    expect(new Set(ops.map(serviceIdOf).filter(Boolean))).toEqual(new Set(announced.map((a) => a.instanceId)));
    for (const txn of consul.txns) {
      expect(txn.length).toBeLessThanOrEqual(consulTxnMaxOps);
      const nodes = txn.map(nodeOf).filter(Boolean);
      expect(nodes.length).toBe(new Set(nodes).size);
      // A service is registered only with its province's node in the same transaction.
      for (const op of txn) {
        const service = op.Service as { Node: string } | undefined;
        if (service) expect(nodes).toContain(service.Node);
      }
    }
    // Node, service and check per box would need 300 operations (5 transactions); with each
    // province's node once per transaction, 4 are enough.
    expect(consul.txns.length).toBe(4);
    await directory.close();
  });

  it("writes only the service, without probing the box, when a listed box re-announces a new version at the same address", async () => {
    const consul = recordingConsul();
    const table = createRoutingTable({ clock: () => new Date() });
    let probes = 0;
    const directory = createConsulDirectory({
      consul,
      table,
      clock: () => new Date(),
      logger: { info: () => undefined, warn: () => undefined },
      probe: () => {
        probes++;
        return Promise.resolve("serving");
      },
      writeBatchMs: 1,
    });
    const input = {
      comuneCode: "022205",
      comuneName: "Trento",
      workstationCode: "POST-1",
      host: "127.0.0.1",
      port: 40_001,
      version: "1.0.0",
    };
    const { instanceId } = await directory.announce(input);
    expect(probes).toBe(1);
    expect(consul.txns.flat().filter((op) => op.Check)).toHaveLength(1);
    // What the watch would put in the table once Consul answers.
    table.upsert({
      instanceId,
      ...input,
      health: "serving",
      lastAnnouncedAt: undefined,
      registeredAt: new Date(),
      expiresAt: undefined,
    });

    consul.txns.length = 0;
    await directory.announce({ ...input, version: "1.1.0" });
    expect(probes).toBe(1);
    const ops = consul.txns.flat();
    expect(ops.filter((op) => op.Check)).toEqual([]);
    expect(
      ops
        .map((op) => (op.Service as { Service: { Meta: { version: string } } } | undefined)?.Service.Meta.version)
        .filter(Boolean),
    ).toEqual(["1.1.0"]);

    // A new address is a new box behind the name: probed, its check written again.
    consul.txns.length = 0;
    await directory.announce({ ...input, version: "1.1.0", port: 40_002 });
    expect(probes).toBe(2);
    expect(consul.txns.flat().filter((op) => op.Check)).toHaveLength(1);
  });
});

/**
 * A ConsulHttp whose reads answer the directory's watches (single-layer unit test): one province,
 * whose blocking query returns when the test publishes a new answer, and no other router.
 */
function watchedConsul(): ConsulHttp & { publish(entries: unknown[]): void; txns: ConsulTxnOp[][] } {
  const txns: ConsulTxnOp[][] = [];
  let index = 10n;
  let entries: unknown[] = [];
  let wake: (() => void)[] = [];
  const answer = <T>(body: unknown): ConsulRead<T> => ({ body: body as T, index, bytes: 0, parseMs: 0 });
  const untilAborted = (signal?: AbortSignal) =>
    new Promise<never>((_, reject) => signal?.addEventListener("abort", () => reject(new Error("aborted"))));
  return {
    read: async <T>(
      path: string,
      _query?: Record<string, string>,
      blocking?: { index: bigint; waitSeconds: number },
      signal?: AbortSignal,
    ): Promise<ConsulRead<T>> => {
      if (path === "/v1/health/service/novabox-022") {
        if (blocking && blocking.index >= index)
          await Promise.race([new Promise<void>((resolve) => wake.push(resolve)), untilAborted(signal)]);
        return answer<T>(entries);
      }
      if (blocking) return untilAborted(signal);
      return answer<T>(path === "/v1/catalog/services" ? { "novabox-022": ["novabox"] } : []);
    },
    txns,
    txn: (ops) => {
      txns.push([...ops]);
      return Promise.resolve();
    },
    kvPut: () => Promise.resolve(),
    kvDelete: () => Promise.resolve(),
    bytesDownloaded: 0,
    publish(next) {
      entries = next;
      index++;
      const waiting = wake;
      wake = [];
      for (const resolve of waiting) resolve();
    },
  };
}

/** A catalog health entry of a box of Trento, its check passing (what a registration wrote). */
const passingEntry = (workstation: string) => {
  const id = `novabox-022205-${workstation}`;
  return {
    Service: {
      ID: id,
      Service: "novabox-022",
      Address: "127.0.0.1",
      Port: 40_000,
      Meta: { comune_code: "022205", comune_name: "Trento", workstation, version: "1.0.0" },
    },
    Checks: [{ CheckID: `${id}:health`, Status: "passing", Output: "SERVING (probed by router r-0)" }],
  };
};

const until = async (what: string, condition: () => boolean) => {
  for (const deadline = Date.now() + 10_000; !condition(); await new Promise((r) => setTimeout(r, 10)))
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
};

describe("Consul directory watches", () => {
  it("probes a box registered while it runs a full probe interval after it appears, not sooner: its announcing router has just probed it", async () => {
    const consul = watchedConsul();
    consul.publish([passingEntry("POST-1")]);
    const table = createRoutingTable({ clock: () => new Date() });
    // The directory's clock stands still unless the test moves it; its timers are real.
    let clock = Date.parse("2026-11-30T20:00:00Z");
    const probed: string[] = [];
    const directory = createConsulDirectory({
      consul,
      table,
      clock: () => new Date(clock),
      logger: { info: () => undefined, warn: () => undefined },
      probe: (instance) => {
        probed.push(instance.instanceId);
        return Promise.resolve("serving");
      },
      probeIntervalMs: 100,
      // No longer period for boxes whose announcements vouch for them: this test is about the
      // first probe only.
      servingProbeIntervalMs: 100,
      minShardIntervalMs: 1,
    });
    try {
      await directory.start();
      expect(table.size).toBe(1);

      consul.publish([passingEntry("POST-1"), passingEntry("POST-2")]);
      await until("the new box in the table", () => table.size === 2);
      await new Promise((r) => setTimeout(r, 250)); // the owner's ticks see it at the time it appeared
      // Almost a whole interval later (the owner's ticks run every 100 ms): not probed yet. Before,
      // its first probe fell at a random point of the first interval (99 % of them before this).
      clock += 99;
      await new Promise((r) => setTimeout(r, 350));
      expect(probed.filter((id) => id === "novabox-022205-POST-2")).toEqual([]);

      clock += 2;
      await until("the owner's first probe of the new box", () => probed.includes("novabox-022205-POST-2"));
    } finally {
      await directory.close();
    }
  });

  it("does not mark a box registered long after the router started overdue before the heartbeat batch naming it arrives", async () => {
    const consul = watchedConsul();
    consul.publish([passingEntry("POST-1")]);
    const table = createRoutingTable({ clock: () => new Date() });
    let clock = Date.parse("2026-11-30T20:00:00Z");
    const directory = createConsulDirectory({
      consul,
      table,
      clock: () => new Date(clock),
      logger: { info: () => undefined, warn: () => undefined },
      probe: () => Promise.resolve("serving"),
      probeIntervalMs: 100,
      minShardIntervalMs: 1,
      writeBatchMs: 1,
    });
    const overdueWrites = (id: string) =>
      consul.txns
        .flat()
        .map((op) => op.Check as { Check: { CheckID: string; Output: string } } | undefined)
        .filter((c) => c?.Check.CheckID === `${id}:health` && c.Check.Output.startsWith("announcement overdue"));
    try {
      await directory.start();
      // 31 s after the router started (expires_after is 30 s), a box registers through another
      // router, whose heartbeat batch naming it is still to come.
      clock += 31_000;
      consul.publish([passingEntry("POST-1"), passingEntry("POST-2")]);
      await until("the new box in the table", () => table.size === 2);
      await new Promise((r) => setTimeout(r, 350)); // the owner's ticks (every 100 ms) look at it
      expect(overdueWrites("novabox-022205-POST-2")).toEqual([]);
      // The box that announced only at start is overdue: expiry itself still works.
      await until("the silent box marked overdue", () => overdueWrites("novabox-022205-POST-1").length > 0);

      // No announcement for expires_after after it appeared: now it is overdue.
      clock += 31_000;
      await until("the new box marked overdue", () => overdueWrites("novabox-022205-POST-2").length > 0);
    } finally {
      await directory.close();
    }
  });
});
