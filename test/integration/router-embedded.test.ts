/**
 * The Novares router with its embedded registry, in-process, in front of real grpc-js "boxes":
 * routing by Comune, errors, deadline and header propagation, health-driven removal of a killed
 * box (timed), no lost idempotent request when a box dies, TTL expiry, the DiscoveryService reads,
 * mutual TLS with certificates made by openssl, and main.ts as a process.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { credentials, ServerCredentials, status } from "@grpc/grpc-js";
import {
  InstanceEventType,
  InstanceHealth,
  type WatchInstancesResponse,
} from "#gen/novares/discovery/v1/discovery_service_pb.js";
import { createLogger } from "#shared/runtime/logger.js";
import { RpcError } from "#shared/rpc/grpc-status.js";
import { startRouter, type RunningRouter } from "../../services/router/src/server/router-server.js";
import { loadRouterCredentials } from "../../services/router/src/server/mesh-credentials.js";
import {
  failingFiscalCode,
  throttledStatusBytes,
  throttledTobacconist,
  keepAnnouncing,
  routerClients,
  startFakeBox,
  type FakeBox,
  type RouterClients,
} from "../../services/router/test/fake-box.js";
import { run, waitFor } from "../support/process.js";
import { startService } from "../support/services.js";

const healthIntervalMs = 500;
const announceEveryMs = 1_000;
const expiresAfterMs = 3_000;

async function rpcError(promise: Promise<unknown>): Promise<RpcError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof RpcError) return err;
    throw err;
  }
  throw new Error("expected the call to fail");
}

/** Reads the next stream message within `ms`. */
async function nextWithin<T>(iterator: AsyncIterator<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const result = await Promise.race([
      iterator.next(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no stream message within ${ms} ms`)), ms);
      }),
    ]);
    if (result.done) throw new Error("stream ended");
    return result.value;
  } finally {
    clearTimeout(timer);
  }
}

describe("router with the embedded registry", () => {
  let router: RunningRouter;
  let clients: RouterClients;
  const boxes: Record<string, FakeBox> = {};
  const announcers: Record<string, { instanceId: string; stop: () => void }> = {};

  const servingIds = async (comuneCode: string) =>
    (await clients.discovery.resolveComune({ comuneCode })).instances.map((i) => i.instanceId);

  beforeAll(async () => {
    router = await startRouter({
      logger: createLogger({ name: "router-test", level: "silent" }),
      serverCredentials: ServerCredentials.createInsecure(),
      boxCredentials: credentials.createInsecure(),
      healthCheckIntervalMs: healthIntervalMs,
      announceIntervalMs: announceEveryMs,
      expiresAfterMs,
    });
    clients = routerClients(`127.0.0.1:${router.port}`);
    const layout: [string, string][] = [
      ["trento1", "022205"],
      ["rovereto1", "022161"],
      ["rovereto2", "022161"],
      ["bolzano1", "021008"],
      ["bolzano2", "021008"],
    ];
    for (const [name, comuneCode] of layout) {
      boxes[name] = await startFakeBox({ name, comuneCode });
      announcers[name] = await keepAnnouncing(clients.discovery, boxes[name], announceEveryMs);
    }
    await waitFor(
      "every box to be SERVING",
      async () =>
        (await servingIds("022161")).length === 2 &&
        (await servingIds("021008")).length === 2 &&
        (await servingIds("022205")).length === 1,
      10_000,
      50,
    );
  }, 30_000);

  afterAll(async () => {
    for (const a of Object.values(announcers)) a.stop();
    for (const b of Object.values(boxes)) b.kill();
    clients?.channel.close();
    await router?.close();
  });

  it("routes each call to a box of the requested Comune, round-robin, passing authorization through", async () => {
    const auth = { authorization: "Bearer tobacconist-token" };
    const trento = await clients.certification.listCertificateTypes(
      { comuneCode: "022205" },
      { metadata: auth, deadline: 5_000 },
    );
    expect(trento.certificateTypes[0]?.description).toBe("trento1|Bearer tobacconist-token");
    const seen = new Set<string>();
    for (let k = 0; k < 4; k++) {
      const answer = await clients.certification.issueCertificate(
        { comuneCode: "022161", idempotencyKey: `rr-${k}` },
        { metadata: auth, deadline: 5_000 },
      );
      seen.add(answer.requestId.split("|")[0]!);
      expect(answer.anprProtocolNumber).toBe(`rr-${k}`);
    }
    expect([...seen].sort()).toEqual(["rovereto1", "rovereto2"]);
    const record = await clients.consultation.getIndividualRecord(
      { comuneCode: "022205", fiscalCode: "X" },
      { metadata: auth, deadline: 5_000 },
    );
    expect(record.requestId).toBe("trento1|Bearer tobacconist-token");
  });

  it("takes the Comune from x-comune-code when comune_code is empty, and fills the field for the box", async () => {
    const answer = await clients.certification.issueCertificate(
      { idempotencyKey: "hdr" },
      { metadata: { "x-comune-code": "022205" }, deadline: 5_000 },
    );
    expect(answer.requestId.startsWith("trento1|")).toBe(true);
    expect(answer.anprOperationId).toBe("022205");
  });

  it("answers NOT_FOUND naming an unknown Comune, and INVALID_ARGUMENT for a missing or malformed one", async () => {
    const unknown = await rpcError(
      clients.certification.listCertificateTypes({ comuneCode: "099999" }, { deadline: 5_000 }),
    );
    expect(unknown.code).toBe(status.NOT_FOUND);
    expect(unknown.message).toBe("no Novabox is registered for comune 099999");
    const missing = await rpcError(clients.consultation.getIndividualRecord({ fiscalCode: "X" }, { deadline: 5_000 }));
    expect(missing.code).toBe(status.INVALID_ARGUMENT);
    expect(missing.details.fieldViolations[0]?.field).toBe("comune_code");
    expect(
      (await rpcError(clients.certification.listCertificateTypes({ comuneCode: "22205" }, { deadline: 5_000 }))).code,
    ).toBe(status.INVALID_ARGUMENT);
    expect((await rpcError(clients.discovery.resolveComune({ comuneCode: "099999" }))).code).toBe(status.NOT_FOUND);
  });

  it("relays a box's error with its code, message and details", async () => {
    const err = await rpcError(
      clients.certification.issueCertificate(
        { comuneCode: "022205", idempotencyKey: "e", subject: { fiscalCode: failingFiscalCode } },
        { deadline: 5_000 },
      ),
    );
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.message).toBe("subject.fiscal_code: the check character is wrong");
    expect(err.details).toMatchObject({
      reason: "INVALID_FISCAL_CODE",
      domain: "novabox.mesh",
      metadata: { box: "trento1" },
      fieldViolations: [{ field: "subject.fiscal_code" }],
    });
  });

  it("relays the box's google.rpc.Status byte for byte, whatever detail types it carries", async () => {
    const err = await rpcError(
      clients.certification.previewCertificate(
        { comuneCode: "022205", tobacconistId: throttledTobacconist },
        { deadline: 5_000 },
      ),
    );
    expect(err.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(err.message).toBe("slow down");
    expect(err.trailers.get("grpc-status-details-bin")[0]).toEqual(throttledStatusBytes);
  });

  it("propagates the caller's deadline to the box", async () => {
    const deadline = new Date(Date.now() + 7_000);
    const answer = await clients.consultation.getIndividualRecord(
      { comuneCode: "022205", fiscalCode: "X" },
      { deadline },
    );
    const seen = Number(answer.anprOperationId);
    // The box counts the received grpc-timeout from its own arrival time: later by the hop's transit
    // time, which on a loaded machine can exceed 50 ms (far from the router's 120 s default).
    expect(seen).toBeLessThanOrEqual(deadline.getTime() + 1_000);
    expect(seen).toBeGreaterThan(deadline.getTime() - 1_000);
  });

  it("lists instances ordered and paged, and resolves only SERVING ones", async () => {
    const first = await clients.discovery.listInstances({ pageSize: 2 });
    expect(first.instances).toHaveLength(2);
    const all = [...first.instances];
    let token = first.nextPageToken;
    while (token) {
      const page = await clients.discovery.listInstances({ pageSize: 2, pageToken: token });
      all.push(...page.instances);
      token = page.nextPageToken;
    }
    expect(all.map((i) => i.comuneCode)).toEqual(["021008", "021008", "022161", "022161", "022205"]);
    expect(
      all.every(
        (i) => i.health === InstanceHealth.SERVING && i.port > 0 && i.lastAnnouncedAt && i.registeredAt && i.expiresAt,
      ),
    ).toBe(true);
    const rovereto = await clients.discovery.listInstances({ comuneCode: "022161" });
    expect(rovereto.instances.map((i) => i.workstationCode).sort()).toEqual(["POST-rovereto1", "POST-rovereto2"]);
    expect(rovereto.nextPageToken).toBe("");
    expect((await rpcError(clients.discovery.listInstances({ pageSize: 5001 }))).code).toBe(status.INVALID_ARGUMENT);
    expect((await rpcError(clients.discovery.listInstances({ pageToken: "not-a-token" }))).code).toBe(
      status.INVALID_ARGUMENT,
    );

    boxes.bolzano2!.setServing(false);
    await waitFor("bolzano2 to be NOT_SERVING", async () => (await servingIds("021008")).length === 1, 5_000, 50);
    const listed = await clients.discovery.listInstances({ comuneCode: "021008" });
    expect(listed.instances.map((i) => i.health).sort()).toEqual([InstanceHealth.SERVING, InstanceHealth.NOT_SERVING]);
    for (let k = 0; k < 4; k++) {
      expect(
        (
          await clients.certification.listCertificateTypes({ comuneCode: "021008" }, { deadline: 5_000 })
        ).certificateTypes[0]?.description.startsWith("bolzano1|"),
      ).toBe(true);
    }
    boxes.bolzano2!.setServing(true);
    await waitFor("bolzano2 to be SERVING again", async () => (await servingIds("021008")).length === 2, 5_000, 50);
  });

  it("streams a snapshot, then added / updated / removed events", async () => {
    const abort = new AbortController();
    const stream = clients.discovery
      .watchInstances({ comuneCode: "022205" }, { signal: abort.signal })
      [Symbol.asyncIterator]();
    try {
      const first = (await nextWithin(stream, 5_000)).payload;
      expect(first.case).toBe("snapshot");
      if (first.case !== "snapshot") return;
      expect(first.value.complete).toBe(true);
      expect(first.value.instances.map((i) => i.workstationCode)).toEqual(["POST-trento1"]);

      const extra = await startFakeBox({ name: "trento2", comuneCode: "022205" });
      const { instanceId } = await clients.discovery.announce({
        comuneCode: "022205",
        comuneName: "Trento",
        workstationCode: "POST-trento2",
        host: "127.0.0.1",
        port: extra.port,
        version: "0.1.0-test",
      });
      const events: WatchInstancesResponse[] = [];
      const eventOf = (m: WatchInstancesResponse) => (m.payload.case === "event" ? m.payload.value : undefined);
      while (
        !events.some(
          (m) =>
            eventOf(m)?.instance?.instanceId === instanceId && eventOf(m)?.instance?.health === InstanceHealth.SERVING,
        )
      ) {
        events.push(await nextWithin(stream, 5_000));
      }
      const mine = events.map(eventOf).filter((e) => e?.instance?.instanceId === instanceId);
      expect(mine[0]?.type).toBe(InstanceEventType.ADDED);
      expect(mine[0]?.instance?.health).toBe(InstanceHealth.UNKNOWN);
      expect(mine.at(-1)?.type).toBe(InstanceEventType.UPDATED);
      expect(mine.every((e) => e?.time)).toBe(true);

      expect((await clients.discovery.withdraw({ instanceId })).removed).toBe(true);
      expect((await clients.discovery.withdraw({ instanceId })).removed).toBe(false);
      let removed;
      while (!removed) {
        const e = eventOf(await nextWithin(stream, 5_000));
        if (e?.type === InstanceEventType.REMOVED && e.instance?.instanceId === instanceId) removed = e;
      }
      expect(removed.instance?.workstationCode).toBe("POST-trento2");
      extra.kill();
    } finally {
      abort.abort();
    }
  });

  it("stops sending to a killed box within the health interval", async () => {
    const killed = boxes.bolzano2!;
    const victim = announcers.bolzano2!.instanceId;
    expect(await servingIds("021008")).toContain(victim);
    const t0 = Date.now();
    killed.kill();
    await waitFor(
      "the killed box to leave the SERVING set",
      async () => !(await servingIds("021008")).includes(victim),
      5_000,
      10,
    );
    const elapsed = Date.now() - t0;
    console.log(
      `embedded registry: killed box removed from routing after ${elapsed} ms (health interval ${healthIntervalMs} ms)`,
    );
    expect(elapsed).toBeLessThan(healthIntervalMs + 1_500 + 500);
    for (let k = 0; k < 6; k++) {
      const answer = await clients.certification.listCertificateTypes({ comuneCode: "021008" }, { deadline: 5_000 });
      expect(answer.certificateTypes[0]?.description.startsWith("bolzano1|")).toBe(true);
    }
  });

  it("loses no request carrying an idempotency key when one of two boxes dies midway", async () => {
    const results: string[] = [];
    for (let k = 0; k < 50; k++) {
      if (k === 25) boxes.rovereto2!.kill();
      const answer = await clients.certification.issueCertificate(
        { comuneCode: "022161", idempotencyKey: `seq-${k}` },
        { deadline: 5_000 },
      );
      expect(answer.anprProtocolNumber).toBe(`seq-${k}`);
      results.push(answer.requestId.split("|")[0]!);
    }
    expect(results).toHaveLength(50);
    expect(results.slice(0, 25)).toContain("rovereto2");
    expect(results.slice(26)).not.toContain("rovereto2");
    console.log(
      `idempotent calls during a box failure: 50/50 succeeded (rovereto1 ${results.filter((r) => r === "rovereto1").length}, rovereto2 ${results.filter((r) => r === "rovereto2").length})`,
    );
  });

  it("does not retry an IssueCertificate without idempotency key, and answers UNAVAILABLE when no box serves", async () => {
    boxes.trento1!.kill();
    const err = await rpcError(clients.certification.issueCertificate({ comuneCode: "022205" }, { deadline: 5_000 }));
    expect(err.code).toBe(status.UNAVAILABLE);
    await waitFor("trento1 to be NOT_SERVING", async () => (await servingIds("022205")).length === 0, 5_000, 20);
    const none = await rpcError(
      clients.certification.issueCertificate({ comuneCode: "022205", idempotencyKey: "k" }, { deadline: 5_000 }),
    );
    expect(none.code).toBe(status.UNAVAILABLE);
    expect(none.message).toMatch(/no healthy Novabox for comune 022205/);
  });

  it("drops an instance that stops announcing once expires_after has passed", async () => {
    const id = announcers.trento1!.instanceId;
    const channelsBefore = router.openChannels;
    const t0 = Date.now();
    announcers.trento1!.stop();
    await waitFor(
      "trento1 to expire",
      async () =>
        (await clients.discovery.listInstances({ comuneCode: "022205" })).instances.every((i) => i.instanceId !== id),
      expiresAfterMs + 3_000,
      50,
    );
    const elapsed = Date.now() - t0;
    console.log(`embedded registry: silent box dropped after ${elapsed} ms (expires_after ${expiresAfterMs} ms)`);
    expect(elapsed).toBeLessThan(expiresAfterMs + healthIntervalMs + 1_000);
    expect(
      (await rpcError(clients.certification.listCertificateTypes({ comuneCode: "022205" }, { deadline: 5_000 }))).code,
    ).toBe(status.NOT_FOUND);
    expect(router.openChannels).toBe(channelsBefore - 1);
  });
});

describe("router with mutual TLS (certificates from openssl)", () => {
  let dir: string;
  let router: RunningRouter | undefined;
  let box: FakeBox | undefined;

  const openssl = async (args: string[]) => {
    const result = await run("openssl", args, { cwd: dir });
    if (result.code !== 0) throw new Error(`openssl ${args.join(" ")}: ${result.stderr}`);
  };
  /** A leaf whose subjectAltName carries its SPIFFE ID (#shared/mesh-identity.js), as openssl makes it. */
  const leaf = async (name: string, spiffeId: string) => {
    writeFileSync(
      join(dir, `${name}.cnf`),
      `basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=URI:${spiffeId},DNS:localhost,IP:127.0.0.1\n`,
    );
    await openssl([
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      `${name}-key.pem`,
      "-out",
      `${name}.csr`,
      "-subj",
      `/O=Novares mesh/CN=${name}`,
    ]);
    await openssl([
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca-key.pem",
      "-CAcreateserial",
      "-out",
      `${name}.pem`,
      "-days",
      "2",
      "-extfile",
      `${name}.cnf`,
    ]);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "router-tls-"));
    await openssl([
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "ca-key.pem",
      "-out",
      "ca.pem",
      "-days",
      "2",
      "-subj",
      "/O=Novares mesh/CN=Test mesh CA",
    ]);
    await leaf("router", "spiffe://novares/router");
    await leaf("gateway", "spiffe://novares/gateway");
    await leaf("box-022205", "spiffe://novares/comune/022205/postazione/POST-tls-box");
  }, 60_000);

  afterAll(async () => {
    box?.kill();
    await router?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves only clients with a mesh certificate and reaches boxes over mutual TLS", async () => {
    const creds = loadRouterCredentials({ tlsDir: dir, plaintext: false });
    expect(creds.tls).toBe(true);
    router = await startRouter({
      logger: createLogger({ name: "router-tls", level: "silent" }),
      serverCredentials: creds.serverCredentials,
      boxCredentials: creds.boxCredentials,
      meshIdentity: creds.mesh!,
      healthCheckIntervalMs: 300,
    });
    const file = (name: string) => readFileSync(join(dir, name));
    const ca = file("ca.pem");
    box = await startFakeBox({
      name: "tls-box",
      comuneCode: "022205",
      credentials: ServerCredentials.createSsl(
        ca,
        [{ cert_chain: file("box-022205.pem"), private_key: file("box-022205-key.pem") }],
        true,
      ),
    });
    const asBox = routerClients(
      `127.0.0.1:${router.port}`,
      credentials.createSsl(ca, file("box-022205-key.pem"), file("box-022205.pem")),
    );
    const asGateway = routerClients(
      `localhost:${router.port}`,
      credentials.createSsl(ca, file("gateway-key.pem"), file("gateway.pem")),
    );
    const anonymous = routerClients(`127.0.0.1:${router.port}`, credentials.createSsl(ca));
    const plaintext = routerClients(`127.0.0.1:${router.port}`);
    try {
      await keepAnnouncing(asBox.discovery, box, 60_000).then((a) => a.stop());
      await waitFor(
        "the TLS box to be SERVING",
        async () => (await asGateway.discovery.resolveComune({ comuneCode: "022205" })).instances.length === 1,
        5_000,
        50,
      );
      const answer = await asGateway.certification.listCertificateTypes({ comuneCode: "022205" }, { deadline: 5_000 });
      expect(answer.certificateTypes[0]?.description).toBe("tls-box|");
      expect((await rpcError(anonymous.discovery.listInstances({}, { deadline: 3_000 }))).code).toBe(
        status.UNAVAILABLE,
      );
      expect((await rpcError(plaintext.discovery.listInstances({}, { deadline: 3_000 }))).code).toBe(
        status.UNAVAILABLE,
      );
    } finally {
      for (const c of [asBox, asGateway, anonymous, plaintext]) c.channel.close();
    }
  });

  it("refuses to start without MESH_TLS_DIR unless MESH_PLAINTEXT=true", () => {
    expect(() => loadRouterCredentials({ tlsDir: undefined, plaintext: false })).toThrow(/MESH_TLS_DIR: required/);
    expect(() => loadRouterCredentials({ tlsDir: join(dir, "missing"), plaintext: false })).toThrow(/cannot read/);
    expect(loadRouterCredentials({ tlsDir: undefined, plaintext: true }).tls).toBe(false);
  });
});

describe("router main.ts as a process", () => {
  it("logs its ready line with port and registry, serves health, and exits on a configuration error", async () => {
    const started = await startService(
      "services/router/src/server/main.ts",
      { ROUTER_PORT: "0", MESH_PLAINTEXT: "true", CONSUL_HTTP_ADDR: "", MESH_TLS_DIR: "" },
      "router ready",
    );
    try {
      expect(started.ready).toMatchObject({ msg: "router ready", registry: "embedded" });
      expect(typeof started.ready.port).toBe("number");
      const clients = routerClients(`127.0.0.1:${started.ready.port as number}`);
      const unknown = await rpcError(clients.discovery.resolveComune({ comuneCode: "099999" }, { deadline: 5_000 }));
      expect(unknown.code).toBe(status.NOT_FOUND);
      clients.channel.close();
    } finally {
      await started.process.stop();
    }
    const failed = await run(process.execPath, ["--import", "tsx", "services/router/src/server/main.ts"], {
      env: { ...process.env, ROUTER_PORT: "0", MESH_PLAINTEXT: "", MESH_TLS_DIR: "", CONSUL_HTTP_ADDR: "" },
      cwd: new URL("../../", import.meta.url).pathname,
      timeoutMs: 30_000,
    });
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toMatch(/MESH_TLS_DIR/);
  }, 60_000);
});
