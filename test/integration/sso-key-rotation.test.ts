/**
 * SSO keys that rotate, against a real JWKS served over HTTP on 127.0.0.1: the gateway's verifier
 * and a Novabox's verifier (both built on #shared/sso-key-set.js, as the running services build
 * them) accept a token signed with a key added to the set (new kid) without being rebuilt, refuse a
 * key removed from the set after the next refresh, keep the last good set when the JWKS cannot be
 * fetched and say so in their status. Then the same through the real processes: the gateway
 * (GATEWAY_SSO_JWKS_URL, a call through Connect to a stand-in router) and a Novabox (its
 * `sso_jwks_url` setting, called with the real grpcurl), neither restarted while the set changes;
 * the gateway's /readyz and the box's GetConfig warnings say when the set is stale.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { CertificationService } from "#gen/novabox/certification/v1/certification_service_pb.js";
import { createGrpcServer, grpcService, type GrpcServerHandle } from "#shared/rpc/grpc-server.js";
import { createLogger } from "#shared/runtime/logger.js";
import { openNovaboxStore } from "../../services/novabox/src/store/index.js";
import { createAdminService } from "../../services/novabox/src/domain/admin-service.js";
import { run, waitFor } from "../support/process.js";
import { startService, type StartedService } from "../support/services.js";
import { requireTool } from "../support/tools.js";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, SignJWT } from "jose";
import { createSsoVerifier as createGatewayVerifier } from "#shared/mesh/sso-verifier.js";
import { createBoxSsoVerifier as createBoxVerifier } from "../../services/novabox/src/domain/sso.js";
import { createSsoKeySet } from "#shared/mesh/sso-key-set.js";
import { testSettings } from "../../services/novabox/test/fakes.js";

const issuer = "https://sso.novares.test";
const audience = "novabox";
const keys: Record<string, { privateKey: KeyObject; publicKey: KeyObject }> = {
  k1: generateKeyPairSync("rsa", { modulusLength: 2048 }),
  k2: generateKeyPairSync("rsa", { modulusLength: 2048 }),
};
let published: string[] = ["k1"];
let failing = false;
let fetches = 0;
let server: Server;
let url = "";

const sign = (kid: string) =>
  new SignJWT({ name: "Tabaccheria" })
    .setProtectedHeader({ alg: "RS256", kid })
    .setSubject("TAB-0001")
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime("5m")
    .sign(keys[kid]!.privateKey);

beforeAll(async () => {
  server = createServer((_req, res) => {
    fetches++;
    if (failing) return void res.writeHead(503).end("down");
    void Promise.all(
      published.map(async (kid) => ({ ...(await exportJWK(keys[kid]!.publicKey)), kid, use: "sig", alg: "RS256" })),
    ).then((jwks) =>
      res.writeHead(200, { "Content-Type": "application/jwk-set+json" }).end(JSON.stringify({ keys: jwks })),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("SSO key rotation through a JWKS URL", () => {
  const refreshIntervalMs = 400;
  let gatewayKeys: ReturnType<typeof createSsoKeySet>;
  let gateway: ReturnType<typeof createGatewayVerifier>;
  let box: ReturnType<typeof createBoxVerifier>;

  beforeAll(() => {
    gatewayKeys = createSsoKeySet({
      source: { kind: "jwks-url", url },
      refreshIntervalMs: 60_000,
      minRefetchIntervalMs: 60_000,
    });
    const keys = createSsoKeySet({ source: { kind: "jwks-url", url }, refreshIntervalMs, minRefetchIntervalMs: 100 });
    gateway = createGatewayVerifier({ trust: () => ({ keys, issuer, audience }), clock: () => new Date() });
    const settings = testSettings({ ssoJwksUrl: url, ssoPublicKeyPem: "", ssoIssuer: issuer, ssoAudience: audience });
    box = createBoxVerifier({
      settings: () => settings,
      clock: () => new Date(),
      createKeySet: (source) => createSsoKeySet({ source, refreshIntervalMs, minRefetchIntervalMs: 100 }),
    });
  });

  it("accepts the published key, then a new kid added to the set, without rebuilding the verifiers", async () => {
    expect((await gateway.verify(`Bearer ${await sign("k1")}`)).tobacconistId).toBe("TAB-0001");
    expect((await box.verify(await sign("k1"))).tobacconistId).toBe("TAB-0001");
    await expect(gateway.verify(`Bearer ${await sign("k2")}`)).rejects.toMatchObject({ reason: "TOKEN_UNKNOWN_KEY" });
    published = ["k1", "k2"];
    await new Promise((r) => setTimeout(r, 150));
    expect((await gateway.verify(`Bearer ${await sign("k2")}`)).tobacconistId).toBe("TAB-0001");
    expect((await box.verify(await sign("k2"))).tobacconistId).toBe("TAB-0001");
    expect(box.keyStatus()).toMatchObject({ source: "jwks-url", kids: ["k1", "k2"], stale: false });
  });

  it("refuses a key removed from the set once the set is refreshed", async () => {
    published = ["k2"];
    await new Promise((r) => setTimeout(r, refreshIntervalMs + 100));
    await expect(gateway.verify(`Bearer ${await sign("k1")}`)).rejects.toMatchObject({
      kind: "unauthenticated",
      reason: "TOKEN_UNKNOWN_KEY",
    });
    await expect(box.verify(await sign("k1"))).rejects.toMatchObject({
      kind: "unauthenticated",
      reason: "TOKEN_UNKNOWN_KEY",
    });
    expect((await box.verify(await sign("k2"))).tobacconistId).toBe("TAB-0001");
  });

  it("rate-limits fetches triggered by unknown kids", async () => {
    await gatewayKeys.refresh();
    const before = fetches;
    for (let i = 0; i < 20; i++) expect(await gatewayKeys.keyFor(`forged-${i}`)).toBeUndefined();
    expect(fetches - before).toBeLessThanOrEqual(1);
  });

  it("keeps the last good set when the JWKS cannot be fetched, and says so in its status", async () => {
    failing = true;
    await new Promise((r) => setTimeout(r, refreshIntervalMs + 100));
    expect((await box.verify(await sign("k2"))).tobacconistId).toBe("TAB-0001");
    const status = box.keyStatus()!;
    expect(status).toMatchObject({ stale: true, kids: ["k2"] });
    expect(status.lastError).toContain("HTTP 503");
    failing = false;
  });
});

describe("SSO key rotation in the running gateway and Novabox (no restart)", () => {
  const dir = mkdtempSync(join(tmpdir(), "sso-rotation-"));
  const home = join(dir, "anpr_home");
  let router: GrpcServerHandle;
  let gateway: StartedService;
  let box: StartedService;
  let adminToken = "";
  const timing = { refresh: "600", minRefetch: "100" };

  beforeAll(async () => {
    requireTool("grpcurl");
    published = ["k1"];
    failing = false;
    router = createGrpcServer({
      logger: createLogger({ name: "stand-in-router", level: "silent" }),
      reflection: false,
      services: [
        grpcService(CertificationService, {
          listCertificateTypes: () => ({
            certificateTypes: [{ type: 1, description: "from the router", experimentalPhase: false, enabled: true }],
          }),
        }),
      ],
    });
    const routerPort = await router.listen("127.0.0.1:0");
    gateway = await startService(
      "services/gateway/src/server/main.ts",
      {
        GATEWAY_HOST: "127.0.0.1",
        GATEWAY_PORT: "0",
        GATEWAY_H2C_PORT: "0",
        ROUTER_ADDRESS: `127.0.0.1:${routerPort}`,
        MESH_PLAINTEXT: "true",
        MESH_TLS_DIR: "",
        GATEWAY_DEV_SSO: "",
        GATEWAY_SSO_PUBLIC_KEY_FILE: "",
        GATEWAY_SSO_JWKS_URL: url,
        GATEWAY_SSO_ISSUER: issuer,
        GATEWAY_SSO_AUDIENCE: audience,
        GATEWAY_SSO_JWKS_REFRESH_MS: timing.refresh,
        GATEWAY_SSO_JWKS_MIN_REFETCH_MS: timing.minRefetch,
      },
      "gateway ready",
    );
    // The box's settings as the panel stores them: Trento, with the SSO's JWKS URL.
    const store = openNovaboxStore({ home });
    store.config.saveSettings({
      ...store.config.getSettings(),
      comuneCode: "022205",
      comuneName: "Trento",
      ssoJwksUrl: url,
      ssoIssuer: issuer,
      ssoAudience: audience,
    });
    const admin = createAdminService({
      admins: store.admin,
      audit: store.audit,
      sessionKey: store.sessionKey(),
      clock: () => new Date(),
    });
    await admin.registerAdmin("admin", "a long admin password 1");
    store.close();
    box = await startService(
      "services/novabox/src/server/main.ts",
      {
        ANPR_HOME: home,
        NOVABOX_HOST: "127.0.0.1",
        NOVABOX_GRPC_PORT: "0",
        NOVABOX_HTTP_PORT: "0",
        NOVABOX_MESH_PLAINTEXT: "true",
        NOVABOX_MESH_TLS_DIR: "",
        NOVABOX_SSO_JWKS_REFRESH_MS: timing.refresh,
        NOVABOX_SSO_JWKS_MIN_REFETCH_MS: timing.minRefetch,
      },
      "novabox ready",
    );
    const login = await run(
      requireTool("grpcurl"),
      [
        "-plaintext",
        "-d",
        JSON.stringify({ username: "admin", password: "a long admin password 1" }),
        `127.0.0.1:${String(box.ready.grpcPort)}`,
        "novabox.config.v1.ConfigService/Login",
      ],
      { timeoutMs: 20_000 },
    );
    adminToken = (JSON.parse(login.stdout) as { session: { token: string } }).session.token;
  }, 120_000);

  afterAll(async () => {
    await box?.process.stop();
    await gateway?.process.stop();
    await router?.shutdown(1_000);
    rmSync(dir, { recursive: true, force: true });
  });

  /** ListCertificateTypes through the gateway (Connect) with a token signed by `kid`: the error code, or "OK". */
  const viaGateway = async (kid: string): Promise<string> => {
    const client = createClient(
      CertificationService,
      createConnectTransport({ baseUrl: `http://127.0.0.1:${String(gateway.ready.port)}`, fetch: globalThis.fetch }),
    );
    try {
      await client.listCertificateTypes(
        { comuneCode: "022205" },
        { headers: { authorization: `Bearer ${await sign(kid)}` } },
      );
      return "OK";
    } catch (err) {
      return Code[ConnectError.from(err).code];
    }
  };
  /**
   * IssueCertificate at the box for another Comune with a token signed by `kid`: the token is
   * verified first, so an accepted key gets FAILED_PRECONDITION (the Comune check, before ANPR)
   * and a refused one UNAUTHENTICATED.
   */
  const viaBox = async (kid: string): Promise<string> => {
    const r = await run(
      requireTool("grpcurl"),
      [
        "-plaintext",
        "-H",
        `authorization: Bearer ${await sign(kid)}`,
        "-d",
        JSON.stringify({ comuneCode: "022161", tobacconistId: "TAB-0001", idempotencyKey: `k-${kid}-${Date.now()}` }),
        `127.0.0.1:${String(box.ready.grpcPort)}`,
        "novabox.certification.v1.CertificationService/IssueCertificate",
      ],
      { timeoutMs: 20_000 },
    );
    return /Code: (\w+)/.exec(r.stderr)?.[1] ?? `exit ${r.code}`;
  };
  const boxWarnings = async (): Promise<{ code: string; message: string }[]> => {
    const r = await run(
      requireTool("grpcurl"),
      [
        "-plaintext",
        "-H",
        `authorization: Bearer ${adminToken}`,
        "-d",
        "{}",
        `127.0.0.1:${String(box.ready.grpcPort)}`,
        "novabox.config.v1.ConfigService/GetConfig",
      ],
      { timeoutMs: 20_000 },
    );
    return (JSON.parse(r.stdout) as { warnings?: { code: string; message: string }[] }).warnings ?? [];
  };

  it("accepts a new kid added to the set, and refuses a removed one, in both processes", async () => {
    expect(await viaGateway("k1")).toBe("OK");
    expect(await viaBox("k1")).toBe("FailedPrecondition");
    expect(await viaGateway("k2")).toBe("Unauthenticated");
    expect(await viaBox("k2")).toBe("Unauthenticated");

    published = ["k1", "k2"];
    await waitFor("the gateway to accept k2", async () => (await viaGateway("k2")) === "OK", 20_000, 200);
    await waitFor("the box to accept k2", async () => (await viaBox("k2")) === "FailedPrecondition", 20_000, 200);

    published = ["k2"];
    await waitFor("the gateway to refuse k1", async () => (await viaGateway("k1")) === "Unauthenticated", 20_000, 200);
    await waitFor("the box to refuse k1", async () => (await viaBox("k1")) === "Unauthenticated", 20_000, 200);
    expect(await viaGateway("k2")).toBe("OK");
    expect(await viaBox("k2")).toBe("FailedPrecondition");
    expect(gateway.process.output()).toContain("SSO key set fetched");
    expect(box.process.output()).toContain("SSO key set fetched");
  }, 120_000);

  it("keeps the last good set when the JWKS cannot be fetched, and says so in /readyz and GetConfig", async () => {
    expect(await boxWarnings()).not.toContainEqual(expect.objectContaining({ code: "SSO_KEYS_STALE" }));
    failing = true;
    try {
      const readyz = await waitFor(
        "the gateway's /readyz to report a stale key set",
        async () => {
          const body = await (await fetch(`http://127.0.0.1:${String(gateway.ready.port)}/readyz`)).text();
          return body.includes("SSO key set stale") ? body : undefined;
        },
        20_000,
        200,
      );
      expect(readyz).toContain("HTTP 503");
      // Trigger the box's periodic refresh, then read its warnings.
      const warning = await waitFor(
        "the box to warn about a stale key set",
        async () => {
          await viaBox("k2");
          return (await boxWarnings()).find((w) => w.code === "SSO_KEYS_STALE");
        },
        20_000,
        300,
      );
      expect(warning.message).toContain("HTTP 503");
      expect(warning.message).toContain("k2");
      expect(await viaGateway("k2")).toBe("OK");
      expect(await viaBox("k2")).toBe("FailedPrecondition");
      expect(box.process.output()).toContain("SSO key set could not be fetched: keeping the last good set");
    } finally {
      failing = false;
    }
  }, 120_000);
});
