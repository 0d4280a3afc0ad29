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
});
