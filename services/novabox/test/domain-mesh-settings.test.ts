/**
 * The settings a box needs to join the mesh (Novares discovery address, advertised host and port,
 * SSO issuer and key source): validation with the field named, the warnings GetConfig shows, and
 * the test announcement's result in words the administrator can act on, audited.
 */
import { describe, expect, it } from "@jest/globals";
import {
  createConfigService,
  isLoopbackHost,
  type NovaresAnnouncement,
  type ConfigServiceOptions,
} from "../src/domain/config-service.js";
import type { Settings } from "../src/domain/model.js";
import type { ConfigStore } from "../src/domain/ports.js";
import { fakeAuditLog, testSettings } from "./fakes.js";

const now = new Date("2026-11-30T09:00:00Z");

function service(initial: Settings, extra: Partial<ConfigServiceOptions> = {}) {
  let stored = initial;
  const audit = fakeAuditLog();
  const config = {
    getSettings: () => stored,
    saveSettings: (next: Settings) => {
      stored = next;
      return { settings: next, updatedAt: now };
    },
    workstationCertificateSummary: () => undefined,
  } as unknown as ConfigStore;
  const svc = createConfigService({
    config,
    audit,
    clock: () => now,
    missingForAnpr: () => [],
    anpr: () => Promise.reject(new Error("unused")),
    ...extra,
  });
  return { svc, audit, current: () => stored };
}

function refusal(run: () => unknown): { field?: string; reason?: string; message: string } {
  try {
    run();
  } catch (err) {
    const e = err as { field?: string; reason?: string; message: string };
    return { field: e.field, reason: e.reason, message: e.message };
  }
  throw new Error("expected a refusal");
}

describe("mesh settings validation", () => {
  it("refuses a loopback advertised host when the box listens on all interfaces", () => {
    const { svc } = service(testSettings(), { listenHost: "0.0.0.0" });
    for (const host of ["127.0.0.1", "localhost", "::1", "127.1.2.3"]) {
      const r = refusal(() => svc.updateSettings({ ...testSettings(), advertisedHost: host }, "admin"));
      expect(r).toMatchObject({ field: "settings.advertised_host", reason: "ADVERTISED_HOST_LOOPBACK" });
      expect(r.message).toContain("listens on all interfaces");
    }
    expect(
      svc.updateSettings({ ...testSettings(), advertisedHost: "novabox.comune.trento.it" }, "admin").settings
        .advertisedHost,
    ).toBe("novabox.comune.trento.it");
  });

  it("accepts a loopback advertised host when the box itself listens on loopback", () => {
    const { svc } = service(testSettings(), { listenHost: "127.0.0.1" });
    expect(() => svc.updateSettings({ ...testSettings(), advertisedHost: "127.0.0.1" }, "admin")).not.toThrow();
  });

  it("names the field of a malformed discovery address, advertised host or port, SSO issuer or JWKS URL", () => {
    const { svc } = service(testSettings(), { listenHost: "127.0.0.1" });
    const cases: [Partial<Settings>, string][] = [
      [{ novaresDiscoveryAddress: "router.novares.it" }, "settings.novares_discovery_address"],
      [{ novaresDiscoveryAddress: "http://router:50060" }, "settings.novares_discovery_address"],
      [{ novaresDiscoveryAddress: "router:70000" }, "settings.novares_discovery_address"],
      [{ novaresDiscoveryAddress: "ipv4:127.0.0.1:50060,router:50061" }, "settings.novares_discovery_address"],
      [{ novaresDiscoveryAddress: "ipv4:127.0.0.300:50060" }, "settings.novares_discovery_address"],
      [{ novaresDiscoveryAddress: "ipv4:" }, "settings.novares_discovery_address"],
      [{ advertisedHost: "https://box.example" }, "settings.advertised_host"],
      [{ advertisedHost: "box.example:50051" }, "settings.advertised_host"],
      [{ advertisedPort: 70000 }, "settings.advertised_port"],
      [{ ssoIssuer: "not a url" }, "settings.sso_issuer"],
      [{ ssoJwksUrl: "not a url" }, "settings.sso_jwks_url"],
    ];
    for (const [patch, field] of cases)
      expect({
        patch,
        field: refusal(() => svc.updateSettings({ ...testSettings(), ...patch }, "admin")).field,
      }).toEqual({ patch, field });
    for (const novaresDiscoveryAddress of [
      "[::1]:50060",
      "ipv4:127.0.0.1:50060,127.0.0.1:50061",
      "ipv6:[::1]:50060,[::1]:50061",
      "dns:///router.novares.it:50060",
    ])
      expect(() =>
        svc.updateSettings({ ...testSettings(), novaresDiscoveryAddress, advertisedPort: 50051 }, "admin"),
      ).not.toThrow();
  });

  it("loopback means 127.0.0.0/8, ::1 and localhost, nothing else", () => {
    expect(["127.0.0.1", "127.9.9.9", "::1", "[::1]", "localhost", "LOCALHOST"].every(isLoopbackHost)).toBe(true);
    expect(["10.0.0.1", "128.0.0.1", "novabox.local", "localhost.example.it"].some(isLoopbackHost)).toBe(false);
  });
});

describe("GetConfig warnings for the mesh", () => {
  it("warns that a box on all interfaces without an advertised host does not announce, and that SSO is missing", () => {
    const { svc } = service(
      testSettings({ novaresDiscoveryAddress: "router.novares.it:50060", ssoIssuer: "", ssoJwksUrl: "" }),
      { listenHost: "0.0.0.0" },
    );
    const codes = svc.warnings().map((w) => w.code);
    expect(codes).toEqual(expect.arrayContaining(["ADVERTISED_HOST_MISSING", "SSO_NOT_CONFIGURED"]));
    expect(svc.warnings().find((w) => w.code === "SSO_NOT_CONFIGURED")?.message).toContain("sso_issuer");
  });
});

describe("the test announcement to Novares", () => {
  const ready = testSettings({ novaresDiscoveryAddress: "127.0.0.1:50060", advertisedHost: "127.0.0.1" });

  it("reports the instance the router listed, and audits it", async () => {
    const { svc, audit } = service(ready, {
      listenHost: "127.0.0.1",
      announceOnce: () =>
        Promise.resolve({
          ok: true,
          instanceId: "022205/POST-022205-01",
          serving: true,
          advertisedAddress: "127.0.0.1:50051",
        }),
    });
    const result = await svc.testNovaresConnection("admin");
    expect(result).toMatchObject({ ok: true, statusCode: "OK", instanceId: "022205/POST-022205-01", serving: true });
    expect(result.detail).toContain("serving");
    expect(audit.entries.at(-1)).toMatchObject({ operation: "NOVARES_CONNECTION_TEST", outcome: "SUCCESS" });
  });

  it("says the router was not reached, or refused the announcement and why", async () => {
    const answers: NovaresAnnouncement[] = [
      {
        ok: false,
        advertisedAddress: "127.0.0.1:50051",
        statusCode: "UNAVAILABLE",
        reason: "",
        message: "connect ECONNREFUSED",
      },
      {
        ok: false,
        advertisedAddress: "127.0.0.1:50051",
        statusCode: "PERMISSION_DENIED",
        reason: "ANNOUNCER_NOT_AUTHORIZED",
        message: "the certificate names 022161",
      },
    ];
    const results = [];
    for (const answer of answers) {
      const { svc, audit } = service(ready, { listenHost: "127.0.0.1", announceOnce: () => Promise.resolve(answer) });
      const r = await svc.testNovaresConnection("admin");
      results.push({ stage: r.failedStage, outcome: audit.entries.at(-1)?.outcome, detail: r.detail });
    }
    expect(results[0]).toMatchObject({ stage: "NETWORK", outcome: "FAILED" });
    expect(results[0]!.detail).toContain("could not be reached at 127.0.0.1:50060");
    expect(results[1]).toMatchObject({ stage: "ROUTER", outcome: "DENIED" });
    expect(results[1]!.detail).toContain("ANNOUNCER_NOT_AUTHORIZED");
  });

  it("sends nothing when the configuration is incomplete, and says what is missing", async () => {
    let called = false;
    const { svc, audit } = service(testSettings(), {
      listenHost: "127.0.0.1",
      announceOnce: () => {
        called = true;
        return Promise.reject(new Error("must not be called"));
      },
    });
    const r = await svc.testNovaresConnection("admin");
    expect(called).toBe(false);
    expect(r).toMatchObject({ ok: false, failedStage: "CONFIGURATION" });
    expect(r.detail).toContain("novares_discovery_address");
    expect(audit.entries.at(-1)).toMatchObject({ operation: "NOVARES_CONNECTION_TEST", outcome: "INVALID" });
  });
});
