/**
 * What an operator meets in the first hour, on a real mesh of processes (ANPR simulator, router,
 * gateway, one Novabox, all with mutual TLS): grpcurl decodes the error details of the box, the
 * router and the gateway; the ConfigService takes a single rate-limit path and 0 as "no limit";
 * nothing prints a deprecation warning; after the simulator's fault knobs no log line holds an
 * envelope or a codice fiscale and no status message is "[object Object]" or JavaScript error text;
 * an untrusted workstation certificate is refused while the box keeps serving on its old one;
 * a password-guessing script does not lock the administrator out; and with the router stopped the
 * box logs why its announcements fail, readably.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, status } from "@grpc/grpc-js";
import { create } from "@bufbuild/protobuf";
import { ConfigService, SettingsSchema } from "#gen/novabox/config/v1/config_service_pb.js";
import { CertificationService, CertificateType } from "#gen/novabox/certification/v1/certification_service_pb.js";
import { ConsultationService } from "#gen/novabox/consultation/v1/consultation_service_pb.js";
import { Health, HealthCheckResponse_ServingStatus } from "#gen/grpc/health/v1/health_pb.js";
import { createGrpcClient, type GrpcClient } from "#shared/rpc/grpc-adapter.js";
import { RpcError } from "#shared/rpc/grpc-status.js";
import { ensureDevPki, type DevPkiManifest } from "#shared/dev-pki/anpr-dev-pki.js";
import { computeCodiceFiscale } from "#shared/anpr/codice-fiscale.js";
import { createCertificateAuthority, issueWorkstationCertificate } from "#shared/anpr/pki.js";
import { ensureMeshPki, meshCredentials } from "#shared/dev-pki/mesh-pki.js";
import { containsPersonalData } from "#shared/runtime/log-safety.js";
import { configureNovabox } from "../../scripts/configure-novabox.js";
import { startService, type StartedService } from "../support/services.js";
import { run, waitFor } from "../support/process.js";
import { requireTool } from "../support/tools.js";

const work = mkdtempSync(join(tmpdir(), "operator-experience-"));
const meshDir = join(work, "mesh-pki");
const adminPasswordFile = join(work, "admin-password");
const mario = { fiscalCode: "RSSMRA85T10A562S", surname: "ROSSI", name: "MARIO" };
/** A well-formed codice fiscale of nobody in the simulator's register. */
const nobody = {
  fiscalCode: computeCodiceFiscale({
    surname: "ZZUCCHINO",
    name: "QUIRINO",
    sex: "M",
    birthDate: "1931-02-03",
    birthPlaceCode: "L378",
  }),
  surname: "ZZUCCHINO",
  name: "QUIRINO",
};

let manifest: DevPkiManifest;
let sim: StartedService;
let router: StartedService;
let gateway: StartedService;
let box: StartedService;
let channel: Client;
let config: GrpcClient<typeof ConfigService>;
let certification: GrpcClient<typeof CertificationService>;
let consultation: GrpcClient<typeof ConsultationService>;
let health: GrpcClient<typeof Health>;
let grpcurl: string;
let boxAddress = "";
let routerAddress = "";
let gatewayH2c = "";
let session = "";
/** Every status message a client received in this file. */
const statusMessages: string[] = [];

const meshTls = (role: string) => [
  "-cacert",
  join(meshDir, "ca.pem"),
  "-cert",
  join(meshDir, `${role}.pem`),
  "-key",
  join(meshDir, `${role}-key.pem`),
];
const admin = () => ({ metadata: { authorization: `Bearer ${session}` } });

async function tobacconistToken(id = "TAB-0001"): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${String(gateway.ready.port)}/dev-sso/token`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ tobacconistId: id }),
  });
  return ((await res.json()) as { token: string }).token;
}

async function failure(promise: Promise<unknown>): Promise<RpcError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof RpcError) {
      statusMessages.push(err.message);
      return err;
    }
    throw err;
  }
  throw new Error("expected the call to fail");
}

function issueRequest(subject = mario, comuneCode = "022205") {
  return {
    comuneCode,
    tobacconistId: "TAB-0001",
    idempotencyKey: randomUUID(),
    subject,
    certificateTypes: [CertificateType.RESIDENCE],
    stampDuty: { case: "stampDutyPaid" as const, value: {} },
  };
}

/** PUT /__sim/faults on the simulator (HTTPS, its own CA). */
function setSimFaults(faults: Record<string, unknown>): Promise<void> {
  const url = new URL("/__sim/faults", String(sim.ready.url));
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method: faults === undefined ? "DELETE" : "PUT",
        ca: readFileSync(manifest.simulator.caCertificateFile),
        headers: { "Content-Type": "application/json" },
      },
      (res) => {
        res.resume();
        res.on("end", () =>
          res.statusCode && res.statusCode < 300 ? resolve() : reject(new Error(`faults: HTTP ${res.statusCode}`)),
        );
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify(faults));
  });
}

const allLogs = () => [sim, router, gateway, box].map((s) => s.process.output()).join("\n");

beforeAll(async () => {
  grpcurl = requireTool("grpcurl");
  manifest = await ensureDevPki(join(work, "pki"));
  await ensureMeshPki(meshDir, { boxes: ["022205"] });
  sim = await startService(
    "services/anpr-sim/src/server/main.ts",
    { ANPR_SIM_PORT: "0", ANPR_SIM_PKI_DIR: manifest.dir, ANPR_SIM_RESIDENTS_PER_COMUNE: "200" },
    "anpr-sim ready",
  );
  router = await startService(
    "services/router/src/server/main.ts",
    {
      ROUTER_HOST: "127.0.0.1",
      ROUTER_PORT: "0",
      MESH_TLS_DIR: meshDir,
      ROUTER_ANNOUNCE_INTERVAL_MS: "1000",
      ROUTER_EXPIRES_AFTER_MS: "4000",
      ROUTER_HEALTH_INTERVAL_MS: "1000",
    },
    "router ready",
  );
  routerAddress = `127.0.0.1:${String(router.ready.port)}`;
  [gateway, box] = await Promise.all([
    startService(
      "services/gateway/src/server/main.ts",
      {
        GATEWAY_PORT: "0",
        GATEWAY_H2C_PORT: "0",
        ROUTER_ADDRESS: routerAddress,
        MESH_TLS_DIR: meshDir,
        GATEWAY_DEV_SSO: "true",
        GATEWAY_SSO_DIR: join(work, "sso"),
      },
      "gateway ready",
    ),
    startService(
      "services/novabox/src/server/main.ts",
      {
        ANPR_HOME: join(work, "anpr_home"),
        NOVABOX_HOST: "127.0.0.1",
        NOVABOX_GRPC_PORT: "0",
        NOVABOX_HTTP_PORT: "0",
        NOVABOX_MESH_TLS_DIR: meshDir,
        NOVABOX_MESH_ROLE: "box-022205",
        NOVABOX_ANPR_TIMEOUT_MS: "20000",
      },
      "novabox ready",
    ),
  ]);
  gatewayH2c = `127.0.0.1:${String(gateway.ready.h2cPort)}`;
  boxAddress = `127.0.0.1:${String(box.ready.grpcPort)}`;
  const workstation = manifest.workstations.find((w) => w.comuneCode === "022205")!;
  await configureNovabox({
    address: boxAddress,
    credentials: meshCredentials(meshDir, "box-022205").client,
    adminPasswordFile,
    workstation,
    caCertificateFile: manifest.simulator.caCertificateFile,
    comune: { code: "022205", name: "Trento" },
    anprBaseUrl: String(sim.ready.url),
    novaresDiscoveryAddress: routerAddress,
    advertised: { host: "127.0.0.1", port: Number(box.ready.grpcPort) },
    sso: {
      publicKeyPem: await (await fetch(`http://127.0.0.1:${String(gateway.ready.port)}/dev-sso/public-key`)).text(),
      issuer: "https://sso.novares.dev",
      audience: "novabox",
    },
  });
  channel = new Client(boxAddress, meshCredentials(meshDir, "gateway").client);
  config = createGrpcClient(ConfigService, channel);
  certification = createGrpcClient(CertificationService, channel);
  consultation = createGrpcClient(ConsultationService, channel);
  health = createGrpcClient(Health, channel);
  session = (await config.login({ username: "admin", password: readFileSync(adminPasswordFile, "utf8").trim() }))
    .session!.token;
  // Routable through the router (its health checks of the box passed).
  await waitFor(
    "the router to route comune 022205",
    async () => {
      const resolved = await run(grpcurl, [
        ...meshTls("gateway"),
        "-d",
        '{"comuneCode":"022205"}',
        routerAddress,
        "novares.discovery.v1.DiscoveryService/ResolveComune",
      ]);
      return resolved.code === 0 && resolved.stdout.includes("SERVING");
    },
    30_000,
    500,
  );
}, 180_000);

afterAll(async () => {
  channel?.close();
  for (const service of [box, gateway, router, sim]) await service?.process.stop();
  rmSync(work, { recursive: true, force: true });
}, 60_000);

describe("grpcurl decodes the details of an error", () => {
  const badFiscalCode = () =>
    JSON.stringify({
      comuneCode: "022205",
      tobacconistId: "TAB-0001",
      idempotencyKey: randomUUID(),
      subject: { fiscalCode: "RSSMRA85T10A562X", surname: "ROSSI", name: "MARIO" },
      certificateTypes: ["CERTIFICATE_TYPE_RESIDENCE"],
      stampDutyPaid: {},
    });
  const unknownCitizen = () =>
    JSON.stringify({
      comuneCode: "022205",
      tobacconistId: "TAB-0001",
      idempotencyKey: randomUUID(),
      subject: nobody,
      certificateTypes: ["CERTIFICATE_TYPE_RESIDENCE"],
      stampDutyPaid: {},
    });

  const targets = () => [
    { name: "the box", flags: meshTls("gateway"), address: boxAddress },
    { name: "the router", flags: meshTls("gateway"), address: routerAddress },
    { name: "the gateway (h2c)", flags: ["-plaintext"], address: gatewayH2c },
  ];

  it.each(["the box", "the router", "the gateway (h2c)"])(
    "%s: a BadRequest field violation and an ANPR ErrorInfo",
    async (name) => {
      const target = targets().find((t) => t.name === name)!;
      const auth = ["-H", `authorization: Bearer ${await tobacconistToken()}`];
      const bad = await run(grpcurl, [
        ...target.flags,
        ...auth,
        "-d",
        badFiscalCode(),
        target.address,
        "novabox.certification.v1.CertificationService/IssueCertificate",
      ]);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain("Code: InvalidArgument");
      expect(bad.stderr).not.toContain("is not recognized");
      expect(bad.stderr).toContain('"@type": "type.googleapis.com/google.rpc.BadRequest"');
      expect(bad.stderr).toMatch(/"field": "subject.fiscal_code"/);

      const rejected = await run(grpcurl, [
        ...target.flags,
        ...auth,
        "-d",
        unknownCitizen(),
        target.address,
        "novabox.certification.v1.CertificationService/IssueCertificate",
      ]);
      expect(rejected.code).not.toBe(0);
      expect(rejected.stderr).toContain("Code: NotFound");
      expect(rejected.stderr).not.toContain("is not recognized");
      expect(rejected.stderr).toContain('"@type": "type.googleapis.com/google.rpc.ErrorInfo"');
      expect(rejected.stderr).toMatch(/"anprCode": "EN\d+"/);
    },
  );

  it("the gateway's h2c listener lists and describes its services", async () => {
    const list = await run(grpcurl, ["-plaintext", gatewayH2c, "list"]);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain("novabox.certification.v1.CertificationService");
    const describe_ = await run(grpcurl, ["-plaintext", gatewayH2c, "describe", "google.rpc.ErrorInfo"]);
    expect(describe_.code).toBe(0);
    expect(describe_.stdout).toContain("message ErrorInfo");
  });
});

describe("ConfigService as its proto says", () => {
  it("sets a single rate limit through its own mask path, and 0 means no limit", async () => {
    const before = (await config.getConfig({}, admin())).config!.settings!.rateLimits!;
    await config.updateConfig(
      {
        settings: create(SettingsSchema, { rateLimits: { perTobacconistPerMinute: 2 } }),
        updateMask: { paths: ["rate_limits.per_tobacconist_per_minute"] },
      },
      admin(),
    );
    let after = (await config.getConfig({}, admin())).config!.settings!.rateLimits!;
    expect(after.perTobacconistPerMinute).toBe(2);
    expect(after.massExtractionDistinctFiscalCodes).toBe(before.massExtractionDistinctFiscalCodes);
    const token = { metadata: { authorization: `Bearer ${await tobacconistToken("TAB-0003")}` } };
    const lookup = () =>
      consultation.getIndividualRecord(
        { comuneCode: "022205", tobacconistId: "TAB-0003", fiscalCode: mario.fiscalCode },
        token,
      );
    await lookup();
    await lookup();
    expect((await failure(lookup())).code).toBe(status.RESOURCE_EXHAUSTED);

    await config.updateConfig(
      {
        settings: create(SettingsSchema, { rateLimits: { perTobacconistPerMinute: 0 } }),
        updateMask: { paths: ["settings.rate_limits.per_tobacconist_per_minute"] },
      },
      admin(),
    );
    after = (await config.getConfig({}, admin())).config!.settings!.rateLimits!;
    expect(after.perTobacconistPerMinute).toBe(0);
    expect(after.massExtractionDistinctFiscalCodes).toBe(before.massExtractionDistinctFiscalCodes);
    for (let i = 0; i < 4; i++) await lookup();
  });
});

describe("starting each service", () => {
  it("prints no deprecation warning (the TLS channels send SNI only for DNS names)", () => {
    for (const service of [sim, router, gateway, box]) {
      expect(service.process.output()).not.toMatch(/DeprecationWarning|DEP0\d+/);
    }
  });
});

/** A Connect JSON call to the box's admin HTTP listener, from `localAddress` (a loopback address). */
function connectCall(
  path: string,
  body: object,
  localAddress: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: { code?: string; message?: string; session?: { token?: string } } }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: "127.0.0.1",
        port: Number(box.ready.httpPort),
        path,
        method: "POST",
        localAddress,
        headers: { "Content-Type": "application/json", ...headers },
      },
      (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => (text += chunk.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text || "{}") as never }));
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

describe("the fault suite (timeouts, garbage, hostile answers)", () => {
  const knobs: [string, Record<string, unknown>][] = [
    ["HTTP 500 with an HTML page", { http500: true }],
    ["a body that is not XML", { garbageBody: true }],
    ["a signed answer altered after signing", { badResponseSignature: true }],
    ["a dropped connection", { dropConnection: true }],
    ["no answer within the timeout", { latencyMs: 25_000 }],
  ];

  afterAll(() =>
    setSimFaults({
      latencyMs: 0,
      http500: false,
      garbageBody: false,
      badResponseSignature: false,
      dropConnection: false,
    }),
  );

  it.each(knobs)(
    "%s: the client gets a sentence a person can act on",
    async (_name, faults) => {
      await setSimFaults({
        latencyMs: 0,
        http500: false,
        garbageBody: false,
        badResponseSignature: false,
        dropConnection: false,
        ...faults,
      });
      const token = { metadata: { authorization: `Bearer ${await tobacconistToken("TAB-0002")}` } };
      const issued = await failure(
        certification.issueCertificate({ ...issueRequest(), tobacconistId: "TAB-0002" }, token),
      );
      expect([status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.UNAUTHENTICATED]).toContain(issued.code);
      const record = await failure(
        consultation.getIndividualRecord(
          { comuneCode: "022205", tobacconistId: "TAB-0002", fiscalCode: mario.fiscalCode },
          token,
        ),
      );
      expect([status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.UNAUTHENTICATED]).toContain(record.code);
      const test = await config.testAnprConnection({}, admin());
      expect(test.ok).toBe(false);
      statusMessages.push(test.detail);
    },
    120_000,
  );

  it("no status message is [object Object] or JavaScript error text", () => {
    expect(statusMessages.length).toBeGreaterThanOrEqual(15);
    for (const message of statusMessages) {
      expect(message).not.toMatch(
        /\[object Object\]|TypeError|ReferenceError|Cannot read propert|is not a function|\(reading '/,
      );
      expect(message.length).toBeGreaterThan(10);
    }
  });

  it("no log line of any process holds a SOAP envelope or a codice fiscale", async () => {
    await setSimFaults({
      latencyMs: 0,
      http500: false,
      garbageBody: false,
      badResponseSignature: false,
      dropConnection: false,
    });
    // A successful certificate and a KO answer too, so citizens' data did pass through every process.
    await certification.issueCertificate(issueRequest(), {
      metadata: { authorization: `Bearer ${await tobacconistToken()}` },
    });
    const lines = allLogs()
      .split("\n")
      .filter((l) => l.trim() !== "");
    expect(lines.length).toBeGreaterThan(20);
    const offending = lines.filter((l) => containsPersonalData(l));
    expect(offending).toEqual([]);
    expect(lines.filter((l) => l.includes("unable to serialize"))).toEqual([]);
  }, 60_000);
});

describe("new ANPR credentials are proven before they replace the working ones", () => {
  const servingAndUnchanged = async (fingerprint: string) => {
    // SERVING (the fault tests above may have left the box re-checking ANPR after its outage)
    await waitFor(
      "the box SERVING",
      async () =>
        (await health.check({ service: "novabox.certification.v1.CertificationService" })).status ===
        HealthCheckResponse_ServingStatus.SERVING,
      20_000,
      200,
    );
    const current = (await config.getConfig({}, admin())).config!;
    expect(current.workstationCertificate?.sha256Fingerprint).toBe(fingerprint);
    const issued = await certification.issueCertificate(issueRequest(), {
      metadata: { authorization: `Bearer ${await tobacconistToken()}` },
    });
    expect(issued.anprProtocolNumber).toMatch(/^\d+$/);
  };

  it("a workstation certificate from a CA that ANPR does not trust is refused; the box keeps serving on the old one", async () => {
    const before = (await config.getConfig({}, admin())).config!;
    const foreignCa = createCertificateAuthority({ commonName: "Some other CA", validDays: 365 });
    const foreign = issueWorkstationCertificate(foreignCa, {
      comuneCode: "022205",
      postazioneId: "POST-022205-01",
      validDays: 30,
    });
    const err = await failure(
      config.uploadWorkstationCertificate({ pkcs12: foreign.toPkcs12("123456"), pin: "123456" }, admin()),
    );
    expect([status.FAILED_PRECONDITION, status.INVALID_ARGUMENT]).toContain(err.code);
    expect(err.message).toMatch(/not installed|kept|still uses|previous/i);
    expect(err.message).toMatch(/ANPR/);
    await servingAndUnchanged(before.workstationCertificate!.sha256Fingerprint);
  }, 120_000);

  it("an unrelated certificate as the ANPR CA is refused; the box keeps serving on the old one", async () => {
    const before = (await config.getConfig({}, admin())).config!;
    const err = await failure(
      config.uploadCaCertificate({ certificate: readFileSync(join(meshDir, "ca.pem")), password: "" }, admin()),
    );
    expect([status.FAILED_PRECONDITION, status.INVALID_ARGUMENT]).toContain(err.code);
    expect(err.message).toMatch(/not installed|kept|still uses|previous/i);
    expect((await config.getConfig({}, admin())).config!.caCertificate?.sha256Fingerprint).toBe(
      before.caCertificate!.sha256Fingerprint,
    );
    await servingAndUnchanged(before.workstationCertificate!.sha256Fingerprint);
  }, 120_000);
});

describe("login throttling", () => {
  it("a script guessing passwords from one address is slowed; the administrator still logs in from another", async () => {
    const login = "/novabox.config.v1.ConfigService/Login";
    const answers: { status: number; code?: string }[] = [];
    for (let i = 0; i < 12; i++) {
      const answer = await connectCall(login, { username: "admin", password: `guess-${i}` }, "127.0.0.2");
      answers.push({ status: answer.status, ...(answer.body.code ? { code: answer.body.code } : {}) });
    }
    expect(answers.slice(0, 5).every((a) => a.code === "unauthenticated")).toBe(true);
    expect(answers.slice(6).every((a) => a.code === "resource_exhausted")).toBe(true);
    // Headers claiming another address do not let the guesser pass for someone else.
    const spoofed = await connectCall(login, { username: "admin", password: "guess-x" }, "127.0.0.2", {
      "x-forwarded-for": "127.0.0.1",
      "x-mesh-peer-address": "127.0.0.1",
    });
    expect(spoofed.body.code).toBe("resource_exhausted");
    const started = Date.now();
    const adminLogin = await connectCall(
      login,
      { username: "admin", password: readFileSync(adminPasswordFile, "utf8").trim() },
      "127.0.0.1",
    );
    expect(adminLogin.status).toBe(200);
    expect(adminLogin.body.session?.token).toBeTruthy();
    expect(Date.now() - started).toBeLessThan(30_000);
    // And still the guesser is kept waiting.
    expect(
      (
        await connectCall(
          login,
          { username: "admin", password: readFileSync(adminPasswordFile, "utf8").trim() },
          "127.0.0.2",
        )
      ).body.code,
    ).toBe("resource_exhausted");
  }, 120_000);
});

describe("the router stopped under a running box", () => {
  it("the box logs the announcement failure with a readable message and code", async () => {
    const before = box.process.output().length;
    await router.process.stop();
    const line = await waitFor(
      "the box to log a failed announcement",
      () => {
        const found = box.process
          .output()
          .slice(before)
          .split("\n")
          .filter((l) => l.startsWith("{"))
          .map(
            (l) =>
              JSON.parse(l) as {
                msg?: string;
                novares?: string;
                err?: { message?: string; codeName?: string; code?: number };
              },
          )
          .find((l) => /announcement to Novares failed/.test(l.msg ?? ""));
        return Promise.resolve(found);
      },
      30_000,
      200,
    );
    expect(JSON.stringify(line)).not.toContain("unable to serialize");
    expect(line.err).toMatchObject({ codeName: "UNAVAILABLE", code: status.UNAVAILABLE });
    expect(line.err?.message).toMatch(/connect|connection|unavailable/i);
    expect(line.novares).toBe(routerAddress);
    // The box keeps serving its own clients (Novares being away is not a reason to stop).
    await waitFor(
      "the box SERVING",
      async () => (await health.check({})).status === HealthCheckResponse_ServingStatus.SERVING,
      20_000,
      200,
    );
  }, 40_000);
});
