import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Client, credentials, Server, ServerCredentials, status } from "@grpc/grpc-js";
import { Health } from "#gen/grpc/health/v1/health_pb.js";
import { createGrpcClient, type GrpcClient } from "../src/rpc/grpc-adapter.js";
import { createHealthService, ServingStatus, type HealthService } from "../src/rpc/health.js";

describe("grpc.health.v1 service", () => {
  const server = new Server();
  let health: HealthService;
  let client: GrpcClient<typeof Health>;
  let channel: Client;

  beforeAll(async () => {
    health = createHealthService({ statuses: { "": ServingStatus.SERVING, "a.v1.A": ServingStatus.NOT_SERVING } });
    health.addTo(server);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    channel = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
    client = createGrpcClient(Health, channel);
  });

  afterAll(() => {
    channel.close();
    server.forceShutdown();
  });

  it("answers Check per service, NOT_FOUND for an unknown one", async () => {
    expect((await client.check({ service: "" })).status).toBe(ServingStatus.SERVING);
    expect((await client.check({ service: "a.v1.A" })).status).toBe(ServingStatus.NOT_SERVING);
    await expect(client.check({ service: "b.v1.B" })).rejects.toMatchObject({ code: status.NOT_FOUND });
  });

  it("lists every status", async () => {
    const list = await client.list({});
    expect(Object.fromEntries(Object.entries(list.statuses).map(([k, v]) => [k, v.status]))).toEqual({
      "": ServingStatus.SERVING,
      "a.v1.A": ServingStatus.NOT_SERVING,
    });
  });

  it("streams changes to watchers, starting with SERVICE_UNKNOWN for an unset service", async () => {
    const received: ServingStatus[] = [];
    const stream = client.watch({ service: "c.v1.C" })[Symbol.asyncIterator]();
    const next = async () => {
      const r = await stream.next();
      if (!r.done) received.push(r.value.status);
    };
    await next();
    health.setStatus("c.v1.C", ServingStatus.SERVING);
    await next();
    health.setStatus("c.v1.C", ServingStatus.SERVING); // no change, no message
    health.setStatus("c.v1.C", ServingStatus.NOT_SERVING);
    await next();
    await stream.return?.();
    expect(received).toEqual([ServingStatus.SERVICE_UNKNOWN, ServingStatus.SERVING, ServingStatus.NOT_SERVING]);
  });

  it("on shutdown marks everything NOT_SERVING and ends watches", async () => {
    const received: ServingStatus[] = [];
    const done = (async () => {
      for await (const message of client.watch({ service: "" })) received.push(message.status);
    })();
    await new Promise((r) => setTimeout(r, 100));
    health.shutdown();
    await done;
    expect(received).toEqual([ServingStatus.SERVING, ServingStatus.NOT_SERVING]);
    expect((await client.check({ service: "a.v1.A" })).status).toBe(ServingStatus.NOT_SERVING);
    expect((await client.check({ service: "c.v1.C" })).status).toBe(ServingStatus.NOT_SERVING);
  });
});
