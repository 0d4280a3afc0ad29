import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Client, credentials, Server, ServerCredentials, status } from "@grpc/grpc-js";
import { Health, HealthCheckResponse_ServingStatus as S } from "#gen/grpc/health/v1/health_pb.js";
import { addGrpcService, createGrpcClient, type CallContext, type GrpcClient } from "../src/rpc/grpc-adapter.js";
import { DomainError } from "../src/runtime/domain-error.js";
import { RpcError } from "../src/rpc/grpc-status.js";

/** Uses grpc.health.v1 as a small real service (one unary, one server-streaming rpc). */
describe("grpc-js adapter for protobuf-es services", () => {
  const server = new Server();
  const seen: {
    metadata?: string;
    deadline?: Date;
    aborted?: boolean;
    unarySignal?: AbortSignal;
    unaryAborted?: Promise<boolean>;
  } = {};
  let channel: Client;
  let client: GrpcClient<typeof Health>;
  let partial: GrpcClient<typeof Health>;
  let streamEnded: Promise<void>;
  let markStreamEnded: () => void;

  beforeAll(async () => {
    streamEnded = new Promise((resolve) => (markStreamEnded = resolve));
    addGrpcService(server, Health, {
      async check(request, context: CallContext) {
        seen.metadata = context.requestHeader.get("x-tobacconist") ?? undefined;
        seen.deadline = context.deadline;
        switch (request.service) {
          case "invalid":
            throw new DomainError("invalid-input", "service name must be lower case", {
              field: "service",
              reason: "BAD_NAME",
            });
          case "boom":
            throw new Error("secret internal detail");
          case "slow":
            await new Promise((r) => setTimeout(r, 500));
            return { status: S.SERVING };
          case "answered":
            seen.unarySignal = context.signal;
            return { status: S.SERVING };
          case "hang":
            seen.unaryAborted = new Promise((resolve) => {
              const timer = setTimeout(() => resolve(false), 10_000);
              context.signal.addEventListener("abort", () => {
                clearTimeout(timer);
                resolve(true);
              });
            });
            await seen.unaryAborted;
            return { status: S.SERVING };
          default:
            return { status: S.SERVING };
        }
      },
      async *watch(request, context) {
        try {
          for (let i = 0; i < Number(request.service); i++) {
            yield { status: i % 2 === 0 ? S.SERVING : S.NOT_SERVING };
          }
          if (request.service === "forever") {
            yield { status: S.SERVING };
            await new Promise((resolve) => context.signal.addEventListener("abort", resolve));
          }
          if (request.service === "fail") {
            yield { status: S.SERVING };
            throw new DomainError("unavailable", "upstream went away");
          }
        } finally {
          seen.aborted = context.signal.aborted;
          if (request.service === "forever") markStreamEnded();
        }
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    channel = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
    client = createGrpcClient(Health, channel);

    // A second server where Watch and List have no handler.
    const partialServer = new Server();
    addGrpcService(partialServer, Health, { check: () => ({ status: S.SERVING }) });
    const partialPort = await new Promise<number>((resolve, reject) =>
      partialServer.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    partial = createGrpcClient(Health, new Client(`127.0.0.1:${partialPort}`, credentials.createInsecure()));
    afterAllServers.push(partialServer);
  });

  const afterAllServers: Server[] = [];
  afterAll(() => {
    channel?.close();
    server.forceShutdown();
    for (const s of afterAllServers) s.forceShutdown();
  });

  it("round-trips a unary call with request metadata and a deadline", async () => {
    const deadline = new Date(Date.now() + 5_000);
    const response = await client.check({ service: "ok" }, { metadata: { "x-tobacconist": "T-42" }, deadline });
    expect(response.status).toBe(S.SERVING);
    expect(seen.metadata).toBe("T-42");
    expect(Math.abs((seen.deadline?.getTime() ?? 0) - deadline.getTime())).toBeLessThan(1_000);
  });

  it("delivers a domain error as its code, message and details", async () => {
    const err = await client.check({ service: "invalid" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcError);
    expect(err).toMatchObject({ code: status.INVALID_ARGUMENT, message: "service name must be lower case" });
    expect((err as RpcError).details).toMatchObject({ reason: "BAD_NAME", fieldViolations: [{ field: "service" }] });
  });

  it("hides an unexpected error behind INTERNAL", async () => {
    const err = (await client.check({ service: "boom" }).catch((e: unknown) => e)) as RpcError;
    expect(err.code).toBe(status.INTERNAL);
    expect(err.message).not.toContain("secret");
  });

  it("ends a call that overruns its deadline with DEADLINE_EXCEEDED", async () => {
    const err = (await client.check({ service: "slow" }, { deadline: 50 }).catch((e: unknown) => e)) as RpcError;
    expect(err.code).toBe(status.DEADLINE_EXCEEDED);
  });

  it("streams every message of a server-streaming rpc", async () => {
    const statuses = [];
    for await (const message of client.watch({ service: "3" })) statuses.push(message.status);
    expect(statuses).toEqual([S.SERVING, S.NOT_SERVING, S.SERVING]);
  });

  it("delivers an error raised mid-stream after the messages before it", async () => {
    const received: S[] = [];
    const err = await (async () => {
      for await (const message of client.watch({ service: "fail" })) received.push(message.status);
    })().catch((e: unknown) => e);
    expect(received).toEqual([S.SERVING]);
    expect(err).toMatchObject({ code: status.UNAVAILABLE, message: "upstream went away" });
  });

  it("cancels the server's handler when the client aborts a stream", async () => {
    const controller = new AbortController();
    const received: S[] = [];
    const err = await (async () => {
      for await (const message of client.watch({ service: "forever" }, { signal: controller.signal })) {
        received.push(message.status);
        controller.abort();
      }
    })().catch((e: unknown) => e);
    expect(received).toEqual([S.SERVING]);
    expect(err).toMatchObject({ code: status.CANCELLED });
    await streamEnded;
    expect(seen.aborted).toBe(true);
  });

  it("aborts a unary handler's signal when the client cancels before the answer", async () => {
    const controller = new AbortController();
    const call = client.check({ service: "hang" }, { signal: controller.signal }).catch((e: unknown) => e);
    while (!seen.unaryAborted) await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    await expect(call).resolves.toMatchObject({ code: status.CANCELLED });
    await expect(seen.unaryAborted).resolves.toBe(true);
  });

  it("leaves the signal of an answered call alone (grpc-js reports every finished call as cancelled)", async () => {
    await expect(client.check({ service: "answered" })).resolves.toMatchObject({ status: S.SERVING });
    await new Promise((r) => setTimeout(r, 100));
    expect(seen.unarySignal?.aborted).toBe(false);
  });

  it("answers UNIMPLEMENTED for an rpc without a handler", async () => {
    const err = await (async () => {
      for await (const _ of partial.watch({ service: "" })) void _;
    })().catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: status.UNIMPLEMENTED,
      message: "grpc.health.v1.Health/Watch is not implemented by this server",
    });
    await expect(partial.check({ service: "" })).resolves.toMatchObject({ status: S.SERVING });
  });
});
