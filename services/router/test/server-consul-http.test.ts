import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createServer, type Server } from "node:http";
import { createConsulHttp } from "../src/server/consul-http.js";

/**
 * A stand-in for Consul's HTTP API on 127.0.0.1 (single-layer test of the client): it answers every
 * read with the same JSON body and `X-Consul-Index: 7`, as Consul answers a blocking query whose
 * wait ran out with nothing changed.
 */
describe("Consul HTTP client, blocking reads", () => {
  let server: Server;
  let baseUrl: string;
  const body = JSON.stringify([{ Service: { ID: "novabox-022205-post-1-abcd1234" } }]);
  const asked: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      asked.push(req.url ?? "");
      res.writeHead(200, { "content-type": "application/json", "x-consul-index": "7" });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("does not parse an answer whose index did not move when asked to skip it, and counts its bytes", async () => {
    const consul = createConsulHttp({ baseUrl });
    const same = await consul.read<unknown[] | null>(
      "/v1/health/service/novabox-022",
      { stale: "" },
      { index: 7n, waitSeconds: 1, skipUnchanged: true },
    );
    expect(same).toEqual({ body: null, index: 7n, bytes: Buffer.byteLength(body), parseMs: 0, unchanged: true });
    expect(asked.at(-1)).toBe("/v1/health/service/novabox-022?stale=&index=7&wait=1s");
    expect(consul.bytesDownloaded).toBe(Buffer.byteLength(body));
  });

  it("parses an answer whose index moved, and any answer of a read that does not skip", async () => {
    const consul = createConsulHttp({ baseUrl });
    const moved = await consul.read<unknown[]>(
      "/v1/health/service/novabox-022",
      {},
      { index: 6n, waitSeconds: 1, skipUnchanged: true },
    );
    expect(moved.body).toEqual(JSON.parse(body));
    expect(moved.unchanged).toBeUndefined();
    const plain = await consul.read<unknown[]>("/v1/health/service/novabox-022", {}, { index: 7n, waitSeconds: 1 });
    expect(plain.body).toEqual(JSON.parse(body));
  });
});
