/**
 * SSO keys that rotate, against a real JWKS served over HTTP on 127.0.0.1: the gateway's verifier
 * and a Novabox's verifier (both built on #shared/sso-key-set.js, as the running services build
 * them) accept a token signed with a key added to the set (new kid) without being rebuilt, refuse a
 * key removed from the set after the next refresh, keep the last good set when the JWKS cannot be
 * fetched and say so in their status.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, SignJWT } from "jose";
import { createSsoVerifier as createGatewayVerifier } from "../../services/gateway/src/domain/sso-verifier.js";
import { createSsoVerifier as createBoxVerifier } from "../../services/novabox/src/domain/sso.js";
import { createSsoKeySet } from "#shared/sso-key-set.js";
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
  new SignJWT({ name: "Tabaccheria" }).setProtectedHeader({ alg: "RS256", kid }).setSubject("TAB-0001").setIssuer(issuer).setAudience(audience).setIssuedAt().setExpirationTime("5m").sign(keys[kid]!.privateKey);

beforeAll(async () => {
  server = createServer((_req, res) => {
    fetches++;
    if (failing) return void res.writeHead(503).end("down");
    void Promise.all(published.map(async (kid) => ({ ...(await exportJWK(keys[kid]!.publicKey)), kid, use: "sig", alg: "RS256" }))).then((jwks) =>
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
    gatewayKeys = createSsoKeySet({ source: { kind: "jwks-url", url }, refreshIntervalMs: 60_000, minRefetchIntervalMs: 60_000 });
    gateway = createGatewayVerifier({ keys: createSsoKeySet({ source: { kind: "jwks-url", url }, refreshIntervalMs, minRefetchIntervalMs: 100 }), issuer, audience });
    const settings = testSettings({ ssoJwksUrl: url, ssoPublicKeyPem: "", ssoIssuer: issuer, ssoAudience: audience });
    box = createBoxVerifier({ settings: () => settings, clock: () => new Date(), createKeySet: (source) => createSsoKeySet({ source, refreshIntervalMs, minRefetchIntervalMs: 100 }) });
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
    await expect(gateway.verify(`Bearer ${await sign("k1")}`)).rejects.toMatchObject({ kind: "unauthenticated", reason: "TOKEN_UNKNOWN_KEY" });
    await expect(box.verify(await sign("k1"))).rejects.toMatchObject({ kind: "unauthenticated", reason: "TOKEN_UNKNOWN_KEY" });
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
