/**
 * The router's one-shot health probe (server/box-probe.ts) against real servers on 127.0.0.1: a
 * grpc-js box (the shared server, as every Novabox runs it) answers SERVING or NOT_SERVING; a
 * killed box, a closed port and a server that never answers are "not-serving" within the timeout;
 * with the mesh's mutual TLS the box's certificate must name the Comune it is probed for, and a
 * second probe of the same box resumes the TLS session instead of a full handshake.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync, rmSync } from "node:fs";
import {
  createServer as createHttp2Server,
  createSecureServer,
  type Http2SecureServer,
  type Http2Server,
} from "node:http2";
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { ensureMeshPki, meshCredentials } from "#shared/dev-pki/mesh-pki.js";
import type { Instance } from "../src/domain/model.js";
import { createBoxProbe } from "../src/server/box-probe.js";
import { startFakeBox, type FakeBox } from "./fake-box.js";

const instance = (comuneCode: string, port: number): Instance => ({
  instanceId: `novabox-${comuneCode}-test`,
  comuneCode,
  comuneName: "",
  workstationCode: "POST-1",
  host: "127.0.0.1",
  port,
  version: "1",
  health: "unknown",
  lastAnnouncedAt: undefined,
  registeredAt: undefined,
  expiresAt: undefined,
});

const listen = (server: TcpServer | Http2SecureServer | Http2Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)),
  );

describe("one-shot box probe, plaintext", () => {
  let box: FakeBox;
  beforeAll(async () => {
    box = await startFakeBox({ name: "trento", comuneCode: "022205" });
  });
  afterAll(() => box.kill());

  it("reports the box's server status, SERVING or NOT_SERVING", async () => {
    const probe = createBoxProbe();
    const target = instance("022205", box.port);
    expect(await probe.check(target, "k", 5_000)).toBe("serving");
    box.setServing(false);
    expect(await probe.check(target, "k", 5_000)).toBe("not-serving");
    box.setServing(true);
    expect(await probe.check(target, "k", 5_000)).toBe("serving");
    expect(probe.tickets).toBe(0);
  }, 20_000);

  it("answers not-serving for a closed port and for a server that never answers, within the timeout", async () => {
    const probe = createBoxProbe();
    const closed = createTcpServer();
    const closedPort = await listen(closed);
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await probe.check(instance("022205", closedPort), "closed", 5_000)).toBe("not-serving");

    const sockets: Socket[] = [];
    const silent = createTcpServer((socket) => sockets.push(socket));
    const silentPort = await listen(silent);
    const t0 = Date.now();
    expect(await probe.check(instance("022205", silentPort), "silent", 300)).toBe("not-serving");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    for (const s of sockets) s.destroy();
    silent.close();

    // An HTTP/2 server that is not a gRPC health service.
    const other = createHttp2Server((_req, res) => res.writeHead(404).end());
    const otherPort = await listen(other);
    expect(await probe.check(instance("022205", otherPort), "other", 5_000)).toBe("not-serving");
    other.close();
  }, 20_000);
});

describe("one-shot box probe, mutual TLS", () => {
  const dir = mkdtempSync(join(tmpdir(), "box-probe-"));
  let trento: FakeBox;
  beforeAll(async () => {
    await ensureMeshPki(dir, { boxes: ["022205", "022161"] });
    trento = await startFakeBox({
      name: "trento",
      comuneCode: "022205",
      credentials: meshCredentials(dir, "box-022205").server,
    });
  }, 60_000);
  afterAll(() => {
    trento.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it("probes a box whose certificate names the Comune, and refuses one that names another", async () => {
    const router = meshCredentials(dir, "router");
    const identities: (string | undefined)[] = [];
    const probe = createBoxProbe({
      tls: () => router.material(),
      checkIdentity: true,
      onIdentity: (_key, _instance, refusal) => identities.push(refusal),
    });
    expect(await probe.check(instance("022205", trento.port), "trento", 5_000)).toBe("serving");
    expect(identities).toEqual([undefined]);
    // The same box, dialed as Rovereto's: its certificate names Trento.
    expect(await probe.check(instance("022161", trento.port), "as-rovereto", 5_000)).toBe("not-serving");
    expect(identities[1]).toContain("the Novabox dialed for Comune 022161 presents");
    expect(identities[1]).toContain("022205");
  }, 20_000);

  it("resumes the box's TLS session on the next probe", async () => {
    const box = meshCredentials(dir, "box-022205").material();
    const resumed: boolean[] = [];
    const server = createSecureServer({
      ca: box.ca,
      cert: box.certificate,
      key: box.privateKey,
      requestCert: true,
      rejectUnauthorized: true,
      ALPNProtocols: ["h2"],
    });
    server.on("secureConnection", (socket: TLSSocket) => resumed.push(socket.isSessionReused()));
    server.on("stream", (stream) => {
      stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      // HealthCheckResponse { status: SERVING (1) }, framed.
      stream.end(Buffer.from([0, 0, 0, 0, 2, 8, 1]));
      stream.resume();
    });
    const port = await listen(server);
    try {
      const router = meshCredentials(dir, "router");
      const probe = createBoxProbe({ tls: () => router.material(), checkIdentity: true });
      const target = instance("022205", port);
      for (let k = 0; k < 3; k++) expect(await probe.check(target, "trento", 5_000)).toBe("serving");
      expect(probe.tickets).toBe(1);
      expect(resumed).toEqual([false, true, true]);
      probe.forget("trento");
      expect(probe.tickets).toBe(0);
    } finally {
      server.close();
    }
  }, 20_000);
});
