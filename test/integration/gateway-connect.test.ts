/**
 * The gateway in-process in front of a FAKE router (grpc-js, the shared runtime): browsers' Connect
 * and gRPC-web over HTTP/1.1, gRPC over h2c, SSO verification before anything is forwarded, the
 * development SSO, CORS, the read-only discovery view, upstream errors with their details, and mesh
 * mutual TLS between the gateway and the router.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createPrivateKey, createSecretKey, generateKeyPairSync } from "node:crypto";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { SignJWT } from "jose";
import { CertificationService, CertificateType } from "#gen/novabox/certification/v1/certification_service_pb.js";
import { ConsultationService } from "#gen/novabox/consultation/v1/consultation_service_pb.js";
import { DiscoveryService, InstanceHealth } from "#gen/novares/discovery/v1/discovery_service_pb.js";
import { ErrorInfoSchema } from "#gen/google/rpc/error_details_pb.js";
import { DomainError } from "#shared/runtime/domain-error.js";
import { createGrpcServer, grpcService, type GrpcServerHandle } from "#shared/rpc/grpc-server.js";
import type { CallContext } from "#shared/rpc/grpc-adapter.js";
import { createLogger } from "#shared/runtime/logger.js";
import { ensureMeshPki, meshCredentials } from "#shared/dev-pki/mesh-pki.js";
import { startGateway, type RunningGateway } from "../../services/gateway/src/server/gateway-server.js";

const ISSUER = "https://sso.novares.dev";
const AUDIENCE = "novabox";
const logger = createLogger({ name: "gateway-test", level: "silent" });

interface RouterCall {
  method: string;
  authorization: string | undefined;
  tobacconistId?: string;
}

/** A fake router: records what it receives and answers like the real one would. */
async function startFakeRouter(
  credentials?: ReturnType<typeof meshCredentials>["server"],
): Promise<{ server: GrpcServerHandle; port: number; calls: RouterCall[] }> {
  const calls: RouterCall[] = [];
  const authorizationOf = (context: CallContext) => context.requestHeader.get("authorization") ?? undefined;
  const instance = {
    instanceId: "box-022205-1",
    comuneCode: "022205",
    comuneName: "Trento",
    host: "127.0.0.1",
    port: 50051,
    version: "0.1.0",
    health: InstanceHealth.SERVING,
  };
  const server = createGrpcServer({
    logger,
    reflection: false,
    services: [
      grpcService(CertificationService, {
        issueCertificate(request, context) {
          const authorization = authorizationOf(context);
          calls.push({ method: "IssueCertificate", authorization, tobacconistId: request.tobacconistId });
          if (request.comuneCode === "999999")
            throw new DomainError("not-found", "no Novabox is connected for Comune 999999", {
              reason: "COMUNE_NOT_CONNECTED",
              metadata: { comuneCode: "999999" },
            });
          if (request.subject?.fiscalCode === "RSSMRA80A01L378X") {
            throw new DomainError("not-found", "ANPR: soggetto non trovato", {
              reason: "ANPR_ERROR",
              metadata: { anprCode: "EN122", anprSeverity: "E" },
            });
          }
          return {
            pdf: Buffer.from(`%PDF-1.4\n% fake certificate for ${request.tobacconistId}\n%%EOF\n`),
            anprProtocolNumber: "PROT-1",
            requestId: `authorization=${authorization ?? ""}`,
          };
        },
      }),
      grpcService(ConsultationService, {
        getIndividualRecord(request, context) {
          calls.push({
            method: "GetIndividualRecord",
            authorization: authorizationOf(context),
            tobacconistId: request.tobacconistId,
          });
          return { anprOperationId: "OP-3000-1", requestId: request.tobacconistId };
        },
      }),
      grpcService(DiscoveryService, {
        listInstances(request, context) {
          calls.push({ method: "ListInstances", authorization: authorizationOf(context) });
          return { instances: request.comuneCode === "" || request.comuneCode === "022205" ? [instance] : [] };
        },
        async *watchInstances() {
          yield { payload: { case: "snapshot", value: { instances: [instance], complete: true } } };
          await new Promise((resolve) => setTimeout(resolve, 10));
          yield {
            payload: {
              case: "event",
              value: { type: 2, instance: { ...instance, health: InstanceHealth.NOT_SERVING } },
            },
          };
        },
      }),
    ],
  });
  const port = await server.listen("127.0.0.1:0", credentials);
  return { server, port, calls };
}

const issueRequest = (overrides: Record<string, unknown> = {}) => ({
  comuneCode: "022205",
  idempotencyKey: "0b6f4c2a-7e51-4c1e-9a3b-3f0a5c1d2e4f",
  subject: { fiscalCode: "BNCLRA85C41L378T", surname: "BIANCHI", name: "LAURA" },
  certificateTypes: [CertificateType.RESIDENCE],
  ...overrides,
});

async function devToken(gateway: RunningGateway, tobacconistId = "TAB-0001"): Promise<string> {
  const answer = await fetch(`http://127.0.0.1:${gateway.port}/dev-sso/token`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ tobacconistId, name: "Tabaccheria Centrale" }),
  });
  expect(answer.status).toBe(200);
  return ((await answer.json()) as { token: string }).token;
}

async function rejection(promise: Promise<unknown>): Promise<ConnectError> {
  try {
    await promise;
  } catch (err) {
    return ConnectError.from(err);
  }
  throw new Error("expected the call to fail");
}

describe("gateway (plaintext to a fake router)", () => {
  let router: Awaited<ReturnType<typeof startFakeRouter>>;
  let gateway: RunningGateway;
  let ssoDir: string;
  let token: string;
  let connectWeb: Transport;
  let grpcWeb: Transport;
  let grpcH2c: Transport;
  const sessionManagers: Http2SessionManager[] = [];

  beforeAll(async () => {
    ssoDir = await mkdtemp(join(tmpdir(), "gateway-sso-"));
    router = await startFakeRouter();
    gateway = await startGateway({
      logger,
      host: "127.0.0.1",
      port: 0,
      h2cPort: 0,
      router: { address: `127.0.0.1:${router.port}`, plaintext: true },
      sso: { issuer: ISSUER, audience: AUDIENCE, devSsoDir: ssoDir },
    });
    token = await devToken(gateway);
    connectWeb = createConnectTransport({ baseUrl: `http://127.0.0.1:${gateway.port}`, fetch: globalThis.fetch });
    grpcWeb = createGrpcWebTransport({ baseUrl: `http://127.0.0.1:${gateway.port}`, fetch: globalThis.fetch });
    const manager = new Http2SessionManager(`http://127.0.0.1:${gateway.h2cPort}`);
    sessionManagers.push(manager);
    grpcH2c = createGrpcTransport({ baseUrl: `http://127.0.0.1:${gateway.h2cPort}`, sessionManager: manager });
  });

  afterAll(async () => {
    for (const manager of sessionManagers) manager.abort();
    await gateway?.close();
    await router?.server.shutdown(1_000);
    await rm(ssoDir, { recursive: true, force: true });
  });

  const auth = () => ({ headers: { authorization: `Bearer ${token}` } });

  it("issues a certificate through connect-web: the PDF bytes arrive, the token is forwarded, the tobacconist is filled in", async () => {
    const before = router.calls.length;
    const answer = await createClient(CertificationService, connectWeb).issueCertificate(issueRequest(), auth());
    expect(Buffer.from(answer.pdf).toString("latin1")).toMatch(/^%PDF-1\.4/);
    expect(answer.requestId).toBe(`authorization=Bearer ${token}`);
    expect(router.calls.slice(before)).toEqual([
      { method: "IssueCertificate", authorization: `Bearer ${token}`, tobacconistId: "TAB-0001" },
    ]);
  });

  it("issues a certificate through gRPC-web", async () => {
    const answer = await createClient(CertificationService, grpcWeb).issueCertificate(
      issueRequest({ tobacconistId: "TAB-0001" }),
      auth(),
    );
    expect(Buffer.from(answer.pdf).toString("latin1")).toMatch(/^%PDF-1\.4/);
    expect(answer.anprProtocolNumber).toBe("PROT-1");
  });

  it("issues a certificate through plain gRPC over h2c", async () => {
    const answer = await createClient(CertificationService, grpcH2c).issueCertificate(issueRequest(), auth());
    expect(Buffer.from(answer.pdf).toString("latin1")).toMatch(/^%PDF-1\.4/);
  });

  it("forwards ConsultationService with the tobacconist filled in", async () => {
    const answer = await createClient(ConsultationService, connectWeb).getIndividualRecord(
      { comuneCode: "022205", fiscalCode: "BNCLRA85C41L378T" },
      auth(),
    );
    expect(answer).toMatchObject({ anprOperationId: "OP-3000-1", requestId: "TAB-0001" });
  });

  it("refuses a call without a token with UNAUTHENTICATED, without reaching the router", async () => {
    const before = router.calls.length;
    const err = await rejection(createClient(CertificationService, connectWeb).issueCertificate(issueRequest()));
    expect(err.code).toBe(Code.Unauthenticated);
    expect(err.findDetails(ErrorInfoSchema)[0]?.reason).toBe("TOKEN_MISSING");
    const grpcErr = await rejection(createClient(CertificationService, grpcH2c).issueCertificate(issueRequest()));
    expect(grpcErr.code).toBe(Code.Unauthenticated);
    expect(router.calls.length).toBe(before);
  });

  it("refuses forged or unfit tokens (another key, alg none, HS256, wrong audience or issuer, expired) with UNAUTHENTICATED, without reaching the router", async () => {
    const before = router.calls.length;
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: ISSUER, aud: AUDIENCE, sub: "TAB-0001", iat: now, exp: now + 600 };
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: "RS256" }).sign(other.privateKey);
    const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString("base64url");
    const unsigned = `${b64({ alg: "none", typ: "JWT" })}.${b64(claims)}.`;
    const publicPem = await readFile(join(ssoDir, "sso-public-key.pem"));
    const hs256 = await new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).sign(createSecretKey(publicPem));
    const devKey = createPrivateKey(await readFile(join(ssoDir, "sso-private-key.pem")));
    const wrongAudience = await new SignJWT({ ...claims, aud: "someone-else" })
      .setProtectedHeader({ alg: "RS256" })
      .sign(devKey);
    const wrongIssuer = await new SignJWT({ ...claims, iss: "https://evil.example" })
      .setProtectedHeader({ alg: "RS256" })
      .sign(devKey);
    const expired = await new SignJWT({ ...claims, iat: now - 7200, exp: now - 3600 })
      .setProtectedHeader({ alg: "RS256" })
      .sign(devKey);
    const client = createClient(CertificationService, connectWeb);
    for (const [bad, reason] of [
      [forged, "TOKEN_BAD_SIGNATURE"],
      [unsigned, "TOKEN_ALGORITHM_NOT_ALLOWED"],
      [hs256, "TOKEN_ALGORITHM_NOT_ALLOWED"],
      [wrongAudience, "TOKEN_WRONG_AUDIENCE"],
      [wrongIssuer, "TOKEN_WRONG_ISSUER"],
      [expired, "TOKEN_EXPIRED"],
      ["not-a-jwt", "TOKEN_MALFORMED"],
    ] as const) {
      const err = await rejection(
        client.issueCertificate(issueRequest(), { headers: { authorization: `Bearer ${bad}` } }),
      );
      expect(err.code).toBe(Code.Unauthenticated);
      expect(err.findDetails(ErrorInfoSchema)[0]?.reason).toBe(reason);
    }
    expect(router.calls.length).toBe(before);
  });

  it("refuses a request naming another tobacconist with PERMISSION_DENIED", async () => {
    const before = router.calls.length;
    const err = await rejection(
      createClient(CertificationService, connectWeb).issueCertificate(
        issueRequest({ tobacconistId: "TAB-0002" }),
        auth(),
      ),
    );
    expect(err.code).toBe(Code.PermissionDenied);
    expect(err.findDetails(ErrorInfoSchema)[0]?.reason).toBe("TOBACCONIST_MISMATCH");
    expect(router.calls.length).toBe(before);
  });

  it("passes an upstream error on with its code, message and details (ANPR code)", async () => {
    const client = createClient(CertificationService, connectWeb);
    const notConnected = await rejection(client.issueCertificate(issueRequest({ comuneCode: "999999" }), auth()));
    expect(notConnected.code).toBe(Code.NotFound);
    expect(notConnected.rawMessage).toBe("no Novabox is connected for Comune 999999");
    const anpr = await rejection(
      client.issueCertificate(
        issueRequest({ subject: { fiscalCode: "RSSMRA80A01L378X", surname: "ROSSI", name: "MARIO" } }),
        auth(),
      ),
    );
    expect(anpr.code).toBe(Code.NotFound);
    expect(anpr.rawMessage).toBe("ANPR: soggetto non trovato");
    expect(anpr.findDetails(ErrorInfoSchema)[0]).toMatchObject({
      reason: "ANPR_ERROR",
      metadata: { anprCode: "EN122", anprSeverity: "E" },
    });
    const overGrpc = await rejection(
      createClient(CertificationService, grpcH2c).issueCertificate(
        issueRequest({ subject: { fiscalCode: "RSSMRA80A01L378X", surname: "ROSSI", name: "MARIO" } }),
        auth(),
      ),
    );
    expect(overGrpc.code).toBe(Code.NotFound);
    expect(overGrpc.findDetails(ErrorInfoSchema)[0]?.metadata.anprCode).toBe("EN122");
  });

  it("an rpc the router does not implement answers UNIMPLEMENTED from upstream", async () => {
    const err = await rejection(
      createClient(CertificationService, connectWeb).previewCertificate(issueRequest(), auth()),
    );
    expect(err.code).toBe(Code.Unimplemented);
  });

  it("shows the mesh read-only without a token: ListInstances, WatchInstances; Announce is refused", async () => {
    const before = router.calls.length;
    const discovery = createClient(DiscoveryService, connectWeb);
    const list = await discovery.listInstances({});
    expect(list.instances.map((i) => i.comuneCode)).toEqual(["022205"]);
    expect(router.calls.slice(before)).toEqual([{ method: "ListInstances", authorization: undefined }]);
    const messages = [];
    for await (const message of discovery.watchInstances({})) messages.push(message.payload.case);
    expect(messages).toEqual(["snapshot", "event"]);
    const denied = await rejection(discovery.announce({ comuneCode: "022205", host: "10.0.0.1", port: 50051 }));
    expect(denied.code).toBe(Code.PermissionDenied);
    expect(denied.rawMessage).toMatch(/announcements go to the router/);
    expect((await rejection(createClient(DiscoveryService, grpcH2c).withdraw({ instanceId: "x" }))).code).toBe(
      Code.PermissionDenied,
    );
  });

  it("answers CORS preflights with the allowed headers (authorization) and exposes grpc-status / grpc-message", async () => {
    const origin = "http://console.novares.test";
    const preflight = await fetch(
      `http://127.0.0.1:${gateway.port}/novabox.certification.v1.CertificationService/IssueCertificate`,
      {
        method: "OPTIONS",
        headers: {
          Origin: origin,
          "Access-Control-Request-Method": "POST",
          "Access-Control-Request-Headers": "authorization,content-type,connect-protocol-version",
        },
      },
    );
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(origin);
    const allowed = (preflight.headers.get("access-control-allow-headers") ?? "").toLowerCase().split(/,\s*/);
    expect(allowed).toEqual(
      expect.arrayContaining(["authorization", "content-type", "connect-protocol-version", "x-grpc-web"]),
    );
    expect(preflight.headers.get("access-control-allow-methods")).toMatch(/POST/);
    const answer = await fetch(`http://127.0.0.1:${gateway.port}/novares.discovery.v1.DiscoveryService/ListInstances`, {
      method: "POST",
      headers: { Origin: origin, "Content-Type": "application/json" },
      body: "{}",
    });
    expect(answer.status).toBe(200);
    const exposed = (answer.headers.get("access-control-expose-headers") ?? "").toLowerCase().split(/,\s*/);
    expect(exposed).toEqual(expect.arrayContaining(["grpc-status", "grpc-message", "grpc-status-details-bin"]));
  });

  it("development SSO: key pair on disk (private 0600), public key served, tokens only for demo tobacconists", async () => {
    expect((await stat(join(ssoDir, "sso-private-key.pem"))).mode & 0o777).toBe(0o600);
    const pem = await (await fetch(`http://127.0.0.1:${gateway.port}/dev-sso/public-key`)).text();
    expect(pem).toBe(await readFile(join(ssoDir, "sso-public-key.pem"), "utf8"));
    const byGet = await fetch(`http://127.0.0.1:${gateway.port}/dev-sso/token?tobacconistId=TAB-0003`);
    const body = (await byGet.json()) as { token: string; expiresAt: string };
    const hours = (Date.parse(body.expiresAt) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(7.9);
    expect(hours).toBeLessThanOrEqual(8);
    const answer = await createClient(ConsultationService, connectWeb).getIndividualRecord(
      { comuneCode: "022205", fiscalCode: "BNCLRA85C41L378T" },
      { headers: { authorization: `Bearer ${body.token}` } },
    );
    expect(answer.requestId).toBe("TAB-0003");
    const unknown = await fetch(`http://127.0.0.1:${gateway.port}/dev-sso/token`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ tobacconistId: "TAB-9999" }),
    });
    expect(unknown.status).toBe(403);
    expect(await unknown.json()).toMatchObject({ reason: "UNKNOWN_TOBACCONIST" });
    const garbage = await fetch(`http://127.0.0.1:${gateway.port}/dev-sso/token`, { method: "POST", body: "{" });
    expect(garbage.status).toBe(400);
  });

  it("keeps the development key pair across restarts, so earlier tokens stay valid", async () => {
    const again = await startGateway({
      logger,
      host: "127.0.0.1",
      port: 0,
      h2cPort: 0,
      router: { address: `127.0.0.1:${router.port}`, plaintext: true },
      sso: { issuer: ISSUER, audience: AUDIENCE, devSsoDir: ssoDir },
    });
    try {
      const transport = createConnectTransport({ baseUrl: `http://127.0.0.1:${again.port}`, fetch: globalThis.fetch });
      const answer = await createClient(CertificationService, transport).issueCertificate(issueRequest(), auth());
      expect(answer.anprProtocolNumber).toBe("PROT-1");
    } finally {
      await again.close();
    }
  });
});

describe("gateway with a production SSO key (dev SSO off)", () => {
  it("verifies tokens of the configured issuer and serves no /dev-sso endpoints", async () => {
    const router = await startFakeRouter();
    const issuerKey = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const gateway = await startGateway({
      logger,
      host: "127.0.0.1",
      port: 0,
      h2cPort: 0,
      router: { address: `127.0.0.1:${router.port}`, plaintext: true },
      sso: {
        issuer: "https://sso.novares.it",
        audience: AUDIENCE,
        publicKeyPem: issuerKey.publicKey.export({ type: "spki", format: "pem" }).toString(),
      },
    });
    try {
      expect(gateway.devSso).toBe(false);
      expect((await fetch(`http://127.0.0.1:${gateway.port}/dev-sso/token?tobacconistId=TAB-0001`)).status).toBe(404);
      const now = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({ name: "Tabacchi" })
        .setProtectedHeader({ alg: "RS256" })
        .setIssuer("https://sso.novares.it")
        .setAudience(AUDIENCE)
        .setSubject("TAB-0042")
        .setIssuedAt(now)
        .setExpirationTime(now + 60)
        .sign(issuerKey.privateKey);
      const transport = createConnectTransport({
        baseUrl: `http://127.0.0.1:${gateway.port}`,
        fetch: globalThis.fetch,
      });
      const answer = await createClient(CertificationService, transport).issueCertificate(issueRequest(), {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(router.calls.at(-1)).toMatchObject({ tobacconistId: "TAB-0042" });
      expect(answer.pdf.length).toBeGreaterThan(8);
      const expired = await new SignJWT({})
        .setProtectedHeader({ alg: "RS256" })
        .setIssuer("https://sso.novares.it")
        .setAudience(AUDIENCE)
        .setSubject("TAB-0042")
        .setIssuedAt(now - 7200)
        .setExpirationTime(now - 3600)
        .sign(issuerKey.privateKey);
      const err = await rejection(
        createClient(CertificationService, transport).issueCertificate(issueRequest(), {
          headers: { authorization: `Bearer ${expired}` },
        }),
      );
      expect(err.code).toBe(Code.Unauthenticated);
      expect(err.findDetails(ErrorInfoSchema)[0]?.reason).toBe("TOKEN_EXPIRED");
    } finally {
      await gateway.close();
      await router.server.shutdown(1_000);
    }
  });
});

describe("gateway → router over mesh mutual TLS", () => {
  let dir: string;
  let ssoDir: string;
  let router: Awaited<ReturnType<typeof startFakeRouter>>;
  let gateway: RunningGateway;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gateway-mesh-"));
    ssoDir = await mkdtemp(join(tmpdir(), "gateway-mesh-sso-"));
    await ensureMeshPki(dir, { boxes: ["022205"] });
    router = await startFakeRouter(meshCredentials(dir, "router").server);
    gateway = await startGateway({
      logger,
      host: "127.0.0.1",
      port: 0,
      h2cPort: 0,
      router: { address: `127.0.0.1:${router.port}`, mesh: meshCredentials(dir, "gateway") },
      sso: { issuer: ISSUER, audience: AUDIENCE, devSsoDir: ssoDir },
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await router?.server.shutdown(1_000);
    await rm(dir, { recursive: true, force: true });
    await rm(ssoDir, { recursive: true, force: true });
  });

  it("issues a certificate with mutual TLS between gateway and router", async () => {
    const token = await devToken(gateway, "TAB-0002");
    const transport = createConnectTransport({ baseUrl: `http://127.0.0.1:${gateway.port}`, fetch: globalThis.fetch });
    const answer = await createClient(CertificationService, transport).issueCertificate(issueRequest(), {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(Buffer.from(answer.pdf).toString("latin1")).toMatch(/^%PDF-1\.4/);
    expect(router.calls.at(-1)).toMatchObject({ tobacconistId: "TAB-0002", authorization: `Bearer ${token}` });
  });

  it("a gateway speaking plaintext cannot reach the mTLS router (UNAVAILABLE)", async () => {
    const plain = await startGateway({
      logger,
      host: "127.0.0.1",
      port: 0,
      h2cPort: 0,
      router: { address: `127.0.0.1:${router.port}`, plaintext: true },
      sso: { issuer: ISSUER, audience: AUDIENCE, devSsoDir: ssoDir },
    });
    try {
      const transport = createConnectTransport({ baseUrl: `http://127.0.0.1:${plain.port}`, fetch: globalThis.fetch });
      const err = await rejection(createClient(DiscoveryService, transport).listInstances({}, { timeoutMs: 5_000 }));
      expect([Code.Unavailable, Code.DeadlineExceeded, Code.Internal]).toContain(err.code);
    } finally {
      await plain.close();
    }
  });

  it("refuses to start without router credentials, or with both", async () => {
    const base = {
      logger,
      host: "127.0.0.1",
      port: 0,
      h2cPort: 0,
      sso: { issuer: ISSUER, audience: AUDIENCE, devSsoDir: ssoDir },
    };
    await expect(startGateway({ ...base, router: { address: "127.0.0.1:1" } })).rejects.toThrow(/MESH_TLS_DIR/);
    await expect(
      startGateway({
        ...base,
        router: { address: "127.0.0.1:1", plaintext: true, mesh: meshCredentials(dir, "gateway") },
      }),
    ).rejects.toThrow(/not both/);
  });
});
