/**
 * The router on its frame-level data plane (services/router/src/server/h2/, `dataPlane: "frames"`),
 * over the mesh's mutual TLS, between independent peers: grpc-js and node:http2 clients, grpcurl,
 * and a grpc-js "box" that answers raw bytes so the test controls what crosses each hop. Asserts,
 * end to end: a 1 MiB request and answer (many DATA frames, beyond grpc-js's 64 KiB windows on
 * both sides), `authorization` passed to the box; a box status relayed with its message, its
 * `grpc-status-details-bin` and a binary `-bin` trailer byte for byte; the router's own status as
 * a trailers-only answer; the caller's deadline reaching the box as `grpc-timeout` and
 * DEADLINE_EXCEEDED coming back; a cancelled call and a client resetting its stream mid-request or
 * mid-call (the box's call cancelled, the connection still serving); grpcurl through the router;
 * and on shutdown, GOAWAY NO_ERROR with the call in flight finishing.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect as http2Connect, constants, type ClientHttp2Session } from "node:http2";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, Metadata, status, type ServerUnaryCall, type sendUnaryData, type ServiceError } from "@grpc/grpc-js";
import { ensureMeshPki, meshCredentials, type MeshPki } from "#shared/dev-pki/mesh-pki.js";
import { CertificationService } from "#gen/novabox/certification/v1/certification_service_pb.js";
import { createGrpcServer, grpcPassThroughService, type GrpcServerHandle } from "#shared/rpc/grpc-server.js";
import { createLogger } from "#shared/runtime/logger.js";
import { startRouter, type RunningRouter } from "../../services/router/src/server/router-server.js";
import { loadRouterCredentials } from "../../services/router/src/server/mesh-credentials.js";
import { keepAnnouncing, routerClients, type FakeBox } from "../../services/router/test/fake-box.js";
import { run, waitFor } from "../support/process.js";
import { requireTool } from "../support/tools.js";

const comune = "022205";
const path = "/novabox.certification.v1.CertificationService/ListCertificateTypes";
const detailsBytes = Buffer.from([0x08, 0x09, 0x12, 0x03, 0x6e, 0x6f, 0x21, 0x00, 0xff]);
const boxBinary = Buffer.from([0x00, 0x01, 0xfe, 0xff, 0x2c, 0x3d]);

/** A request: comune_code (field 1) and, in field 15, the box's instruction (and padding). */
function requestOf(mode: string, padding = 0): Buffer {
  const code = Buffer.from(comune);
  const instruction = Buffer.concat([Buffer.from(`mode:${mode};`), Buffer.alloc(padding, 0x61)]);
  const length: number[] = [];
  for (let n = instruction.length; ; n >>>= 7) {
    if (n < 0x80) {
      length.push(n);
      break;
    }
    length.push((n & 0x7f) | 0x80);
  }
  return Buffer.concat([Buffer.from([0x0a, code.length]), code, Buffer.from([0x7a, ...length]), instruction]);
}

const identity = (b: Buffer) => b;

/** Waits (up to 10 s) until `check` holds. */
const until = (what: string, check: () => boolean) => waitFor(what, () => Promise.resolve(check()), 10_000, 10);

describe("router on the frame-level data plane (mutual TLS)", () => {
  const dir = mkdtempSync(join(tmpdir(), "router-frames-"));
  let pki: MeshPki;
  let router: RunningRouter;
  let box: GrpcServerHandle;
  let boxPort = 0;
  let client: Client;
  const pending: { mode: string; call: ServerUnaryCall<Buffer, Buffer>; answer: sendUnaryData<Buffer> }[] = [];
  const cancelled: string[] = [];
  const deadlines: number[] = [];

  const call = (request: Buffer, options: { deadline?: number; metadata?: Metadata } = {}) =>
    new Promise<{ answer?: Buffer; error?: ServiceError }>((resolve) => {
      client.makeUnaryRequest(
        path,
        identity,
        identity,
        request,
        options.metadata ?? new Metadata(),
        { deadline: Date.now() + (options.deadline ?? 10_000) },
        (error, answer) => resolve(error ? { error } : { answer: answer! }),
      );
    });

  /** A node:http2 client with the gateway's mesh certificate (an independent HTTP/2 stack). */
  const rawClient = (): ClientHttp2Session => {
    const files = pki.identities.gateway!;
    const session = http2Connect(`https://127.0.0.1:${router.port}`, {
      ca: readFileSync(pki.caCertificate),
      cert: readFileSync(files.certificate),
      key: readFileSync(files.privateKey),
    });
    session.on("error", () => undefined);
    return session;
  };
  const grpcFrame = (message: Buffer) => {
    const prefix = Buffer.alloc(5);
    prefix.writeUInt32BE(message.length, 1);
    return Buffer.concat([prefix, message]);
  };

  beforeAll(async () => {
    pki = await ensureMeshPki(dir, { boxes: [comune] });
    box = createGrpcServer({
      logger: createLogger({ name: "frames-box", level: "silent" }),
      services: [
        grpcPassThroughService(CertificationService, {
          ListCertificateTypes(call: ServerUnaryCall<Buffer, Buffer>, answer: sendUnaryData<Buffer>) {
            const mode = /mode:([a-z]+);/.exec(call.request.toString("latin1"))?.[1] ?? "empty";
            call.on("cancelled", () => cancelled.push(mode));
            deadlines.push(Number(call.getDeadline()) - Date.now());
            const auth = call.metadata.get("authorization")[0];
            if (mode === "empty") return answer(null, Buffer.alloc(0));
            if (mode === "echo") return answer(null, Buffer.concat([call.request, Buffer.from(`|${String(auth)}`)]));
            if (mode === "fail") {
              const trailers = new Metadata();
              trailers.set("grpc-status-details-bin", detailsBytes);
              trailers.set("x-box-bin", boxBinary);
              trailers.set("x-box-note", "plain text");
              return answer({
                name: "FailedPrecondition",
                message: "box says no: è così (100%)",
                code: status.FAILED_PRECONDITION,
                details: "box says no: è così (100%)",
                metadata: trailers,
              });
            }
            pending.push({ mode, call, answer }); // "slow": answered by the test, or never
          },
        }),
      ],
    });
    boxPort = await box.listen(`127.0.0.1:0`, meshCredentials(dir, `box-${comune}`).server);
    const creds = loadRouterCredentials({ tlsDir: dir, plaintext: false });
    router = await startRouter({
      logger: createLogger({ name: "router-frames", level: "silent" }),
      serverCredentials: creds.serverCredentials,
      boxCredentials: creds.boxCredentials,
      meshIdentity: creds.mesh!,
      healthCheckIntervalMs: 300,
      dataPlane: "frames",
    });
    const asBox = routerClients(`127.0.0.1:${router.port}`, meshCredentials(dir, `box-${comune}`).client);
    try {
      // keepAnnouncing announces workstation `POST-${name}`: the one the box certificate names.
      const fakeBox = { name: `${comune}-01`, comuneCode: comune, port: boxPort } as FakeBox;
      await keepAnnouncing(asBox.discovery, fakeBox, 60_000).then((a) => a.stop());
      await waitFor(
        "the box to be SERVING",
        async () => (await asBox.discovery.resolveComune({ comuneCode: comune })).instances.length === 1,
        10_000,
        50,
      );
    } finally {
      asBox.channel.close();
    }
    client = new Client(`127.0.0.1:${router.port}`, meshCredentials(dir, "gateway").client);
  }, 60_000);

  afterAll(async () => {
    client?.close();
    for (const p of pending) p.answer(null, Buffer.alloc(0));
    await router?.close();
    await box?.shutdown(0);
    rmSync(dir, { recursive: true, force: true });
  });

  it("relays a 1 MiB request and a 1 MiB answer (many DATA frames, beyond the 64 KiB windows) with authorization", async () => {
    const request = requestOf("echo", 1024 * 1024);
    const metadata = new Metadata();
    metadata.set("authorization", "Bearer frames-token");
    const { answer, error } = await call(request, { metadata });
    expect(error).toBeUndefined();
    expect(answer!.length).toBe(request.length + "|Bearer frames-token".length);
    expect(answer!.equals(Buffer.concat([request, Buffer.from("|Bearer frames-token")]))).toBe(true);
  });

  it("relays the box's status: code, percent-encoded message, details and a binary trailer byte for byte", async () => {
    const { error } = await call(requestOf("fail"));
    expect(error?.code).toBe(status.FAILED_PRECONDITION);
    expect(error?.details).toBe("box says no: è così (100%)");
    expect(Buffer.compare(error!.metadata.get("grpc-status-details-bin")[0] as Buffer, detailsBytes)).toBe(0);
    expect(Buffer.compare(error!.metadata.get("x-box-bin")[0] as Buffer, boxBinary)).toBe(0);
    expect(error!.metadata.get("x-box-note")).toEqual(["plain text"]);
  });

  it("answers its own status as a trailers-only response (one HEADERS frame with END_STREAM)", async () => {
    const session = rawClient();
    try {
      const stream = session.request({
        ":method": "POST",
        ":path": path,
        "content-type": "application/grpc",
        te: "trailers",
      });
      stream.end(grpcFrame(Buffer.from([0x0a, 0x06, ...Buffer.from("999999")])));
      const [headers, flags] = (await once(stream, "response")) as [Record<string, string>, number];
      expect(flags & constants.NGHTTP2_FLAG_END_STREAM).toBe(constants.NGHTTP2_FLAG_END_STREAM);
      expect(headers[":status"]).toBe(200);
      expect(headers["grpc-status"]).toBe(String(status.NOT_FOUND));
      expect(headers["grpc-message"]).toMatch(/999999/);
      expect(headers["grpc-status-details-bin"]).toBeDefined();
    } finally {
      session.close();
    }
  });

  it("sends the caller's deadline to the box as grpc-timeout and answers DEADLINE_EXCEEDED when it passes", async () => {
    const before = cancelled.length;
    const { error } = await call(requestOf("slow"), { deadline: 800 });
    expect(error?.code).toBe(status.DEADLINE_EXCEEDED);
    const slow = pending.at(-1)!;
    expect(slow.mode).toBe("slow");
    // The box saw a deadline no later than the caller's (grpc-timeout), not the router's 120 s default.
    expect(deadlines.at(-1)!).toBeLessThanOrEqual(800);
    expect(deadlines.at(-1)!).toBeGreaterThan(0);
    await until("the box's call to be cancelled", () => cancelled.length > before);
  });

  it("cancels the box's call when the caller cancels", async () => {
    const before = cancelled.length;
    const count = pending.length;
    const outcome = new Promise<ServiceError | null>((resolve) => {
      const started = client.makeUnaryRequest(
        path,
        identity,
        identity,
        requestOf("slow"),
        new Metadata(),
        { deadline: Date.now() + 30_000 },
        (error) => resolve(error),
      );
      void until("the call to reach the box", () => pending.length > count).then(() => started.cancel());
    });
    expect((await outcome)?.code).toBe(status.CANCELLED);
    await until("the box's call to be cancelled", () => cancelled.length > before);
  });

  it("survives a client resetting its stream mid-request and mid-call, and serves the next call on that connection", async () => {
    const session = rawClient();
    try {
      const headers = { ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers" };
      // Mid-request: half a message, then RST_STREAM CANCEL.
      const partial = session.request(headers);
      partial.on("error", () => undefined);
      partial.write(grpcFrame(requestOf("echo", 100_000)).subarray(0, 50_000));
      await new Promise((r) => setTimeout(r, 100));
      partial.close(constants.NGHTTP2_CANCEL);
      // Mid-call: the request complete, the box still working, then RST_STREAM CANCEL.
      const before = cancelled.length;
      const count = pending.length;
      const waiting = session.request(headers);
      waiting.on("error", () => undefined);
      waiting.end(grpcFrame(requestOf("slow")));
      await until("the call to reach the box", () => pending.length > count);
      waiting.close(constants.NGHTTP2_CANCEL);
      await until("the box's call to be cancelled", () => cancelled.length > before);
      // The same connection still serves.
      const next = session.request(headers);
      next.end(grpcFrame(requestOf("echo")));
      const chunks: Buffer[] = [];
      next.on("data", (chunk: Buffer) => chunks.push(chunk));
      const [trailers] = (await once(next, "trailers")) as [Record<string, string>];
      expect(trailers["grpc-status"]).toBe("0");
      expect(
        Buffer.concat(chunks)
          .subarray(5, 5 + requestOf("echo").length)
          .equals(requestOf("echo")),
      ).toBe(true);
    } finally {
      session.close();
    }
  });

  it("serves grpcurl (reflection relayed to the in-process grpc-js server, the call forwarded on the engine)", async () => {
    const files = pki.identities.gateway!;
    const result = await run(
      requireTool("grpcurl"),
      [
        "-cacert",
        pki.caCertificate,
        "-cert",
        files.certificate,
        "-key",
        files.privateKey,
        "-d",
        JSON.stringify({ comuneCode: comune }),
        `127.0.0.1:${router.port}`,
        "novabox.certification.v1.CertificationService/ListCertificateTypes",
      ],
      { timeoutMs: 20_000 },
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe("{}");
  });

  it("on shutdown sends GOAWAY NO_ERROR, lets the call in flight finish, and takes no new call", async () => {
    const session = rawClient();
    const count = pending.length;
    const stream = session.request({
      ":method": "POST",
      ":path": path,
      "content-type": "application/grpc",
      te: "trailers",
    });
    stream.end(grpcFrame(requestOf("slow")));
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    const trailers = once(stream, "trailers");
    await until("the call to reach the box", () => pending.length > count);
    const goaway = once(session, "goaway");
    const closed = router.close();
    const [code] = (await goaway) as [number];
    expect(code).toBe(constants.NGHTTP2_NO_ERROR);
    pending.at(-1)!.answer(null, Buffer.from("finished after GOAWAY"));
    const [received] = (await trailers) as [Record<string, string>];
    expect(received["grpc-status"]).toBe("0");
    expect(Buffer.concat(chunks).subarray(5).toString()).toBe("finished after GOAWAY");
    await closed;
    const { error } = await call(requestOf("echo"), { deadline: 3_000 });
    expect(error?.code).toBe(status.UNAVAILABLE);
    session.destroy();
  });
});
