/**
 * Mesh-wide limits as processes: a real Redis, the ANPR simulator, a router (embedded registry), two
 * Novaboxes of one Comune and two gateway replicas sharing the Redis. A tobacconist over the quota is
 * refused by both boxes (their own limit, fed the mesh-wide count) and by both replicas; a scripted
 * extraction over 30 Comuni raises exactly one alert, which the console's CounterService lists; a
 * gateway restart keeps the counters. Each refusal and the alert move their Prometheus counters on
 * the services' /metrics (the families deploy/prometheus/alerts.yml watches).
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, credentials, status } from "@grpc/grpc-js";
import { create } from "@bufbuild/protobuf";
import { Code, createClient, ConnectError, type Client as ConnectClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import Database from "better-sqlite3";
import {
  ConfigService,
  AnprEnvironment,
  AuditOperation,
  SettingsSchema,
} from "#gen/novabox/config/v1/config_service_pb.js";
import { ConsultationService } from "#gen/novabox/consultation/v1/consultation_service_pb.js";
import { CounterService } from "#gen/novares/counter/v1/counter_service_pb.js";
import { DiscoveryService } from "#gen/novares/discovery/v1/discovery_service_pb.js";
import { createGrpcClient } from "#shared/rpc/grpc-adapter.js";
import { ensureDevPki, type DevPkiManifest } from "#shared/dev-pki/anpr-dev-pki.js";
import { ensureDevSsoKeyPair } from "../../services/gateway/src/server/sso-keys.js";
import { startService, type StartedService } from "../support/services.js";
import { waitFor } from "../support/process.js";
import { startRedis, type TestRedis } from "../support/redis.js";
import { sampleSum, scrape } from "../support/prometheus-text.js";

const work = mkdtempSync(join(tmpdir(), "counter-limits-"));
const ssoDir = join(work, "sso");
const mario = "RSSMRA85T10A562S";
const boxLimitPerMinute = 4;
const gatewayLimitPerMinute = 6;
const massThreshold = 4;

let redis: TestRedis;
let manifest: DevPkiManifest;
let sim: StartedService;
let router: StartedService;
const boxes: { service: StartedService; home: string }[] = [];
const gateways: (StartedService | undefined)[] = [];

const gatewayEnv = (redisUrl: string): Record<string, string> => ({
  GATEWAY_PORT: "0",
  GATEWAY_H2C_PORT: "0",
  ROUTER_ADDRESS: `127.0.0.1:${String(router.ready.port)}`,
  MESH_PLAINTEXT: "true",
  GATEWAY_DEV_SSO: "true",
  GATEWAY_SSO_DIR: ssoDir,
  GATEWAY_REDIS_URL: redisUrl,
  GATEWAY_QUOTA_PER_MINUTE: String(gatewayLimitPerMinute),
  GATEWAY_MASS_EXTRACTION_DISTINCT: String(massThreshold),
  GATEWAY_OPERATOR_IDS: "TAB-0005",
});

const getIndividualRecord = "novabox.consultation.v1.ConsultationService/GetIndividualRecord";

/** The sum of one counter over every running gateway replica's /metrics (or every box's). */
async function total(
  services: "gateways" | "boxes",
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const urls =
    services === "gateways"
      ? gateways.map((g) => `http://127.0.0.1:${String(g!.ready.port)}/metrics`)
      : boxes.map((b) => `http://127.0.0.1:${String(b.service.ready.httpPort)}/metrics`);
  let sum = 0;
  for (const url of urls) sum += sampleSum(await scrape(url), name, labels);
  return sum;
}

const startGateway = () => startService("services/gateway/src/server/main.ts", gatewayEnv(redis.url), "gateway ready");
const baseUrl = (i: number) => `http://127.0.0.1:${String(gateways[i]!.ready.port)}`;

async function tokenFor(i: number, tobacconistId: string): Promise<string> {
  const answer = await fetch(`${baseUrl(i)}/dev-sso/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ tobacconistId }),
  });
  return ((await answer.json()) as { token: string }).token;
}

function consultation(i: number): ConnectClient<typeof ConsultationService> {
  return createClient(ConsultationService, createConnectTransport({ baseUrl: baseUrl(i), httpVersion: "1.1" }));
}

async function configureBox(grpcPort: number, ssoPublicKeyPem: string, workstationId: string): Promise<void> {
  const channel = new Client(`127.0.0.1:${grpcPort}`, credentials.createInsecure());
  try {
    const config = createGrpcClient(ConfigService, channel);
    const session = (await config.registerAdmin({ username: "admin", password: "correct horse battery staple" }))
      .session!.token;
    const admin = { metadata: { authorization: `Bearer ${session}` } };
    const ws = manifest.workstations.find((w) => w.comuneCode === "022205")!;
    await config.uploadCaCertificate(
      { certificate: readFileSync(manifest.simulator.caCertificateFile), password: "" },
      admin,
    );
    await config.uploadWorkstationCertificate(
      { pkcs12: readFileSync(ws.pkcs12File), pin: readFileSync(ws.pinFile, "utf8").trim() },
      admin,
    );
    const settings = create(SettingsSchema, {
      operatorId: ws.operatorId,
      officeId: ws.sedeId,
      workstationId,
      comuneCode: "022205",
      comuneName: "Trento",
      anprEnvironment: AnprEnvironment.TEST,
      anprBaseUrl: String(sim.ready.url),
      registryOfficerSurname: "BIANCHI",
      registryOfficerName: "ANNA",
      novaresDiscoveryAddress: `127.0.0.1:${String(router.ready.port)}`,
      advertisedHost: "127.0.0.1",
      ssoPublicKeyPem,
      ssoIssuer: "https://sso.novares.dev",
      ssoAudience: "novabox",
      logRetentionDays: 365,
      rateLimits: {
        perTobacconistPerMinute: boxLimitPerMinute,
        massExtractionDistinctFiscalCodes: 100,
        massExtractionWindow: { seconds: 3600n },
      },
      serviceFeeCents: 200n,
      stampDutyCents: 1600n,
      enabledCertificateTypes: Array.from({ length: 19 }, (_, i) => i + 1),
    });
    await config.updateConfig({ settings, updateMask: { paths: ["*"] } }, admin);
    expect((await config.testAnprConnection({}, admin)).ok).toBe(true);
  } finally {
    channel.close();
  }
}

async function refusal(promise: Promise<unknown>): Promise<ConnectError> {
  try {
    await promise;
  } catch (err) {
    return ConnectError.from(err);
  }
  throw new Error("expected the call to fail");
}

beforeAll(async () => {
  redis = await startRedis();
  manifest = await ensureDevPki(join(work, "pki"));
  const sso = await ensureDevSsoKeyPair(ssoDir);
  sim = await startService(
    "services/anpr-sim/src/server/main.ts",
    { ANPR_SIM_PORT: "0", ANPR_SIM_PKI_DIR: manifest.dir, ANPR_SIM_RESIDENTS_PER_COMUNE: "50" },
    "anpr-sim ready",
  );
  router = await startService(
    "services/router/src/server/main.ts",
    {
      ROUTER_PORT: "0",
      MESH_PLAINTEXT: "true",
      ROUTER_ANNOUNCE_INTERVAL_MS: "1000",
      ROUTER_EXPIRES_AFTER_MS: "5000",
      ROUTER_HEALTH_INTERVAL_MS: "500",
    },
    "router ready",
  );
  for (const [name, workstationId] of [
    ["trento-a", "POST-022205-01"],
    ["trento-b", "POST-022205-02"],
  ] as const) {
    const home = join(work, name);
    const service = await startService(
      "services/novabox/src/server/main.ts",
      {
        ANPR_HOME: home,
        NOVABOX_GRPC_PORT: "0",
        NOVABOX_HTTP_PORT: "0",
        NOVABOX_HOST: "127.0.0.1",
        NOVABOX_MESH_PLAINTEXT: "true",
      },
      "novabox ready",
    );
    boxes.push({ service, home });
    await configureBox(Number(service.ready.grpcPort), sso.publicKeyPem, workstationId);
  }
  const discoveryChannel = new Client(`127.0.0.1:${String(router.ready.port)}`, credentials.createInsecure());
  const discovery = createGrpcClient(DiscoveryService, discoveryChannel);
  await waitFor(
    "both Trento boxes routable",
    async () => (await discovery.resolveComune({ comuneCode: "022205" })).instances.length === 2,
    30_000,
  );
  discoveryChannel.close();
  gateways.push(await startGateway(), await startGateway());
}, 240_000);

afterAll(async () => {
  for (const g of gateways) await g?.process.stop();
  for (const b of boxes) await b.service.process.stop();
  await router?.process.stop();
  await sim?.process.stop();
  await redis?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** ANOMALY_ALERT rows that record Novares alert `alertId` in a box's audit log, read from its SQLite file. */
function alertRows(home: string, alertId: string): number {
  const db = new Database(join(home, "novabox.db"), { readonly: true });
  try {
    return (
      db
        .prepare(
          "SELECT count(*) AS n FROM audit_log WHERE operation = 'ANOMALY_ALERT' AND actor = 'novares' AND request_id = ?",
        )
        .get(`novares-alert:${alertId}`) as { n: number }
    ).n;
  } finally {
    db.close();
  }
}

/** Rows of `outcome` for `tobacconistId` in a box's audit log, read from its SQLite file. */
function auditRows(home: string, tobacconistId: string, outcome: string): number {
  const db = new Database(join(home, "novabox.db"), { readonly: true });
  try {
    return (
      db
        .prepare("SELECT count(*) AS n FROM audit_log WHERE tobacconist_id = ? AND outcome = ?")
        .get(tobacconistId, outcome) as { n: number }
    ).n;
  } finally {
    db.close();
  }
}

describe("a tobacconist over the quota", () => {
  it("is refused by both boxes of the Comune (their limit fed the mesh-wide count) and then by both gateway replicas", async () => {
    const auth = [await tokenFor(0, "TAB-0001"), await tokenFor(1, "TAB-0001")];
    const call = (i: number) =>
      consultation(i).getIndividualRecord(
        { comuneCode: "022205", fiscalCode: mario },
        { headers: { authorization: `Bearer ${auth[i]}` } },
      );
    const boxRefusals = () => total("boxes", "novabox_limit_refusals_total", { limit: "rate" });
    const gatewayRefusals = () =>
      total("gateways", "mesh_rpc_refusals_total", {
        method: getIndividualRecord,
        reason: "TOBACCONIST_QUOTA_PER_MINUTE",
      });
    const before = { box: await boxRefusals(), gateway: await gatewayRefusals() };
    // Both the gateway and the box count a call before the box calls ANPR, so a call that ANPR
    // drops (UNAVAILABLE, seen once under load: a reused keep-alive socket reset) still counts.
    for (let n = 1; n <= boxLimitPerMinute; n++) {
      await call(n % 2).catch((err: unknown) => {
        if (ConnectError.from(err).code !== Code.Unavailable) throw err;
      });
    }
    // Calls 5 and 6 pass the gateways (limit 6) but the mesh-wide count is over the boxes' limit (4):
    // the router sends them round-robin, one to each box, and each box refuses.
    const byBoxes = [await refusal(call(0)), await refusal(call(1))];
    for (const err of byBoxes) {
      expect(err.code).toBe(status.RESOURCE_EXHAUSTED);
      expect(err.rawMessage).toMatch(new RegExp(`more than ${boxLimitPerMinute} requests per minute`));
    }
    expect(boxes.map((b) => auditRows(b.home, "TAB-0001", "RATE_LIMITED"))).toEqual([1, 1]);
    // Call 7 and on: the gateways' own quota, on either replica, naming the limit and when to retry.
    for (const i of [0, 1]) {
      const err = await refusal(call(i));
      expect(err.code).toBe(status.RESOURCE_EXHAUSTED);
      expect(err.rawMessage).toMatch(/Novares limit reached: more than 6 requests in a minute .* retry in \d+ s/);
    }
    expect(boxes.map((b) => auditRows(b.home, "TAB-0001", "RATE_LIMITED"))).toEqual([1, 1]);
    // The same refusals on /metrics: one per box (novabox_limit_refusals_total), two at the gateways.
    expect(await boxRefusals()).toBe(before.box + 2);
    expect(await gatewayRefusals()).toBe(before.gateway + 2);
  });

  it("stays refused after a gateway restart: the counters are in Redis", async () => {
    await gateways[0]!.process.stop();
    gateways[0] = await startGateway();
    const token = await tokenFor(0, "TAB-0001");
    const err = await refusal(
      consultation(0).getIndividualRecord(
        { comuneCode: "022205", fiscalCode: mario },
        { headers: { authorization: `Bearer ${token}` } },
      ),
    );
    expect(err.rawMessage).toMatch(/Novares limit reached: more than 6 requests in a minute/);
  });
});

describe("a scripted extraction over 30 Comuni", () => {
  it("raises exactly one alert, listed for the console with the Comuni involved", async () => {
    const auth = [await tokenFor(0, "TAB-0002"), await tokenFor(1, "TAB-0002")];
    const metricsBefore = {
      alerts: await total("gateways", "gateway_mass_extraction_alerts_total"),
      refusals: await total("gateways", "mesh_rpc_refusals_total", { reason: "MASS_EXTRACTION" }),
      boxAlerts: await total("boxes", "novabox_mass_extraction_alerts_total", { source: "novares" }),
    };
    const codes: string[] = [];
    for (let i = 0; i < 30; i++) {
      // One of the Comuni is Trento, whose boxes must see the alert.
      const comune = i === 1 ? "022205" : String(1001 + i * 3).padStart(6, "0");
      const fiscalCode = `XTRPRS80A01H${String(100 + i).padStart(3, "0")}Z`;
      codes.push(fiscalCode);
      const answer = await refusal(
        consultation(i % 2).getIndividualRecord(
          { comuneCode: comune, fiscalCode },
          { headers: { authorization: `Bearer ${auth[i % 2]}` } },
        ),
      );
      // The first ones pass the limits (and find no box, or no such person in Trento); the rest are refused.
      if (i < massThreshold) expect(answer.code).not.toBe(status.RESOURCE_EXHAUSTED);
      else expect(answer.code).toBe(status.RESOURCE_EXHAUSTED);
    }
    const counter = createClient(CounterService, createConnectTransport({ baseUrl: baseUrl(1), httpVersion: "1.1" }));
    const asOperator = { headers: { authorization: `Bearer ${await tokenFor(1, "TAB-0005")}` } };
    const { alerts } = await counter.listMassExtractionAlerts({}, asOperator);
    const mine = alerts.filter((a) => a.tobacconistId === "TAB-0002");
    expect(mine).toHaveLength(1);
    expect(mine[0]!.comuni).toHaveLength(massThreshold + 1);
    expect(mine[0]!.comuni).toContain("022205");
    expect(mine[0]!.distinctFiscalCodes).toBe(massThreshold);
    // Trento, one of the Comuni involved, sees the alert in its own box: one ANOMALY_ALERT entry by
    // Novares in one of its two boxes' audit logs (the router delivered it once), listed by the
    // panel's ListAuditLog.
    const alertId = mine[0]!.id;
    const delivered = await waitFor(
      "the alert in a Trento box's audit log",
      () => {
        const found = boxes.filter((b) => alertRows(b.home, alertId) > 0);
        return Promise.resolve(found.length > 0 ? found : undefined);
      },
      30_000,
      250,
    );
    expect(delivered).toHaveLength(1);
    expect(boxes.reduce((n, b) => n + alertRows(b.home, alertId), 0)).toBe(1);
    // On /metrics: one alert raised by one of the two replicas (gateway_mass_extraction_alerts_total,
    // which the MeshWideMassExtractionAlert rule watches), every later call refused for it, and the
    // alert counted by the Trento box that recorded it.
    expect(await total("gateways", "gateway_mass_extraction_alerts_total")).toBe(metricsBefore.alerts + 1);
    expect(await total("gateways", "mesh_rpc_refusals_total", { reason: "MASS_EXTRACTION" })).toBe(
      metricsBefore.refusals + 30 - massThreshold,
    );
    expect(await total("boxes", "novabox_mass_extraction_alerts_total", { source: "novares" })).toBe(
      metricsBefore.boxAlerts + 1,
    );
    const channel = new Client(
      `127.0.0.1:${String(delivered[0]!.service.ready.grpcPort)}`,
      credentials.createInsecure(),
    );
    try {
      const config = createGrpcClient(ConfigService, channel);
      const session = (await config.login({ username: "admin", password: "correct horse battery staple" })).session!
        .token;
      const { entries } = await config.listAuditLog(
        { filter: { operations: [AuditOperation.ANOMALY_ALERT] } },
        { metadata: { authorization: `Bearer ${session}` } },
      );
      const entry = entries.find((e) => e.requestId === `novares-alert:${alertId}`);
      expect(entry?.actor).toBe("novares");
      expect(entry?.tobacconistId).toBe("TAB-0002");
      expect(entry?.detail).toContain(
        `Novares mass-extraction alert ${alertId}: ${massThreshold} distinct fiscal codes`,
      );
      expect(entry?.fiscalCode).toBe("");
    } finally {
      channel.close();
    }
    expect(JSON.stringify(alerts, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))).not.toContain(
      codes[0]!,
    );
    // A tobacconist sees only its own alerts.
    const asOther = { headers: { authorization: `Bearer ${await tokenFor(0, "TAB-0003")}` } };
    expect((await counter.listMassExtractionAlerts({}, asOther)).alerts).toEqual([]);
    expect((await refusal(counter.listMassExtractionAlerts({}))).code).toBe(status.UNAUTHENTICATED);
  });
});
