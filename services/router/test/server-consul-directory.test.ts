import { describe, expect, it } from "@jest/globals";
import { createRoutingTable } from "../src/domain/routing-table.js";
import { createConsulDirectory } from "../src/server/consul-directory.js";
import { consulTxnMaxOps, type ConsulHttp, type ConsulTxnOp } from "../src/server/consul-http.js";

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
