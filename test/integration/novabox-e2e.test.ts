/**
 * The Novabox as a Comune runs it: the ANPR simulator and a Novabox as separate processes on a
 * temporary ANPR_HOME, configured through ConfigService, then used by a tobacconist with a signed SSO
 * token; restarted, and everything persists. Also: each bad input with its status code, secrets never
 * on disk or in the logs in clear, and an edited audit row caught by verify.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { generateKeyPairSync, randomUUID } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, credentials, status } from "@grpc/grpc-js";
import { create } from "@bufbuild/protobuf";
import { SignJWT, importPKCS8 } from "jose";
import Database from "better-sqlite3";
import {
  ConfigService,
  AnprEnvironment,
  SettingsSchema,
  type Settings,
} from "#gen/novabox/config/v1/config_service_pb.js";
import { CertificationService, CertificateType } from "#gen/novabox/certification/v1/certification_service_pb.js";
import { ConsultationService } from "#gen/novabox/consultation/v1/consultation_service_pb.js";
import { Health, HealthCheckResponse_ServingStatus } from "#gen/grpc/health/v1/health_pb.js";
import { createGrpcClient, type GrpcClient } from "#shared/rpc/grpc-adapter.js";
import { RpcError } from "#shared/rpc/grpc-status.js";
import { ensureDevPki, type DevPkiManifest } from "#shared/dev-pki/anpr-dev-pki.js";
import { loadWorkstationCredentials } from "#shared/anpr/pki.js";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { startService, type StartedService } from "../support/services.js";
import { run, waitFor } from "../support/process.js";
import { requireTool } from "../support/tools.js";

const work = mkdtempSync(join(tmpdir(), "novabox-e2e-"));
const home = join(work, "anpr_home");
/** Every envelope the simulator receives is written here. */
const captureDir = join(work, "captured");
const caPassword = "CA-PASSWORD-SENTINEL-9031";
const adminPassword = "correct horse battery staple";
const mario = { fiscalCode: "RSSMRA85T10A562S", surname: "ROSSI", name: "MARIO" };

let manifest: DevPkiManifest;
let sim: StartedService;
let box: StartedService | undefined;
let boxOutputs = "";
let channel: Client | undefined;
let config: GrpcClient<typeof ConfigService>;
let certification: GrpcClient<typeof CertificationService>;
let consultation: GrpcClient<typeof ConsultationService>;
let health: GrpcClient<typeof Health>;
let session = "";
let pin = "";
const sso = generateKeyPairSync("rsa", { modulusLength: 2048 });
const ssoPublicPem = sso.publicKey.export({ type: "spki", format: "pem" }).toString();

async function startBox(): Promise<void> {
  box = await startService(
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
  channel = new Client(`127.0.0.1:${String(box.ready.grpcPort)}`, credentials.createInsecure());
  config = createGrpcClient(ConfigService, channel);
  certification = createGrpcClient(CertificationService, channel);
  consultation = createGrpcClient(ConsultationService, channel);
  health = createGrpcClient(Health, channel);
}

async function stopBox(): Promise<void> {
  channel?.close();
  if (box) {
    await box.process.stop();
    boxOutputs += box.process.output();
  }
  box = undefined;
}

const admin = () => ({ metadata: { authorization: `Bearer ${session}` } });

async function ssoToken(sub: string, options: { issuer?: string; expiresIn?: string } = {}): Promise<string> {
  const key = await importPKCS8(sso.privateKey.export({ type: "pkcs8", format: "pem" }).toString(), "RS256");
  return new SignJWT({ name: `Tabaccheria ${sub}` })
    .setProtectedHeader({ alg: "RS256" })
    .setSubject(sub)
    .setIssuer(options.issuer ?? "https://sso.novares.test")
    .setAudience("novabox")
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? "5m")
    .sign(key);
}

const asTobacconist = async (sub = "TAB-0001") => ({ metadata: { authorization: `Bearer ${await ssoToken(sub)}` } });

async function codeOf(promise: Promise<unknown>): Promise<{ code: number; message: string; field?: string }> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof RpcError)
      return {
        code: err.code,
        message: err.message,
        ...(err.details.fieldViolations[0] ? { field: err.details.fieldViolations[0].field } : {}),
      };
    throw err;
  }
  throw new Error("expected the call to fail");
}

function settings(simUrl: string): Settings {
  return create(SettingsSchema, {
    operatorId: "OPERATORE-022205",
    officeId: "022205",
    workstationId: "POST-022205-01",
    comuneCode: "022205",
    comuneName: "Trento",
    anprEnvironment: AnprEnvironment.TEST,
    anprBaseUrl: simUrl,
    registryOfficerSurname: "BIANCHI",
    registryOfficerName: "ANNA",
    ssoPublicKeyPem: ssoPublicPem,
    ssoIssuer: "https://sso.novares.test",
    ssoAudience: "novabox",
    logRetentionDays: 365,
    rateLimits: {
      perTobacconistPerMinute: 60,
      massExtractionDistinctFiscalCodes: 20,
      massExtractionWindow: { seconds: 3600n },
    },
    revokedTobacconists: [{ tobacconistId: "TAB-REVOKED", reason: "contratto sospeso" }],
    serviceFeeCents: 200n,
    stampDutyCents: 1600n,
    enabledCertificateTypes: Array.from({ length: 19 }, (_, i) => i + 1),
  });
}

function issueRequest(extra: Record<string, unknown> = {}) {
  return {
    comuneCode: "022205",
    tobacconistId: "TAB-0001",
    idempotencyKey: randomUUID(),
    subject: mario,
    certificateTypes: [CertificateType.RESIDENCE],
    stampDuty: { case: "stampDutyPaid" as const, value: {} },
    ...extra,
  };
}

beforeAll(async () => {
  manifest = await ensureDevPki(join(work, "pki"));
  pin = readFileSync(manifest.workstations[0]!.pinFile, "utf8").trim();
  sim = await startService(
    "services/anpr-sim/src/server/main.ts",
    {
      ANPR_SIM_PORT: "0",
      ANPR_SIM_PKI_DIR: manifest.dir,
      ANPR_SIM_RESIDENTS_PER_COMUNE: "200",
      ANPR_SIM_CAPTURE_DIR: captureDir,
    },
    "anpr-sim ready",
  );
  await startBox();
}, 180_000);

afterAll(async () => {
  await stopBox();
  await sim?.process.stop();
  rmSync(work, { recursive: true, force: true });
});

describe("configuring a fresh Novabox through ConfigService", () => {
  it("starts unconfigured and NOT_SERVING", async () => {
    const { status: setup } = await config.getSetupStatus({});
    expect(setup).toMatchObject({ adminRegistered: false, configured: false });
    expect((await health.check({ service: "" })).status).toBe(HealthCheckResponse_ServingStatus.NOT_SERVING);
  });

  it("registers the first admin once, then logs in", async () => {
    const registered = await config.registerAdmin({ username: "admin", password: adminPassword });
    expect(registered.session?.token).toBeTruthy();
    expect((await codeOf(config.registerAdmin({ username: "other", password: adminPassword }))).code).toBe(
      status.FAILED_PRECONDITION,
    );
    expect((await codeOf(config.login({ username: "admin", password: "wrong password!!" }))).code).toBe(
      status.UNAUTHENTICATED,
    );
    session = (await config.login({ username: "admin", password: adminPassword })).session!.token;
    expect((await codeOf(config.getConfig({}))).code).toBe(status.UNAUTHENTICATED);
  });

  it("refuses bad certificates with INVALID_ARGUMENT saying which", async () => {
    const p12 = readFileSync(manifest.workstations[0]!.pkcs12File);
    const wrongPin = await codeOf(config.uploadWorkstationCertificate({ pkcs12: p12, pin: "0000" }, admin()));
    expect(wrongPin.code).toBe(status.INVALID_ARGUMENT);
    expect(wrongPin.message).toMatch(/PIN/);
    const notP12 = await codeOf(
      config.uploadWorkstationCertificate({ pkcs12: Buffer.from("not a pkcs12"), pin }, admin()),
    );
    expect(notP12.code).toBe(status.INVALID_ARGUMENT);
    expect(notP12.message).toMatch(/PKCS#12/);
    const notCa = await codeOf(
      config.uploadCaCertificate(
        { certificate: Buffer.from("-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n"), password: "" },
        admin(),
      ),
    );
    expect(notCa.code).toBe(status.INVALID_ARGUMENT);
  });

  it("takes the CA certificate, the workstation PKCS#12 and the settings, and shows certificates only by summary", async () => {
    const ca = await config.uploadCaCertificate(
      { certificate: readFileSync(manifest.simulator.caCertificateFile), password: caPassword },
      admin(),
    );
    expect(ca.certificate?.sha256Fingerprint).toMatch(/^[0-9A-F:]+$/);
    const ws = await config.uploadWorkstationCertificate(
      { pkcs12: readFileSync(manifest.workstations[0]!.pkcs12File), pin },
      admin(),
    );
    expect(ws.certificate?.subject).toContain("POST-022205-01");
    const updated = await config.updateConfig(
      { settings: settings(String(sim.ready.url)), updateMask: { paths: ["*"] } },
      admin(),
    );
    expect(updated.config?.settings?.comuneCode).toBe("022205");
    const got = await config.getConfig({}, admin());
    expect(got.config?.workstationCertificate?.notAfter).toBeDefined();
    expect(
      JSON.stringify(got, (_k, v: unknown) =>
        typeof v === "bigint" ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString("base64") : v,
      ),
    ).not.toContain(pin);
    expect(got.config?.setupStatus?.configured).toBe(true);
  });

  it("passes ANPR's connectivity test and turns SERVING", async () => {
    const result = await config.testAnprConnection({}, admin());
    expect(result).toMatchObject({ ok: true });
    await waitFor(
      "health SERVING",
      async () => (await health.check({ service: "" })).status === HealthCheckResponse_ServingStatus.SERVING,
      10_000,
    );
  });
});

describe("the browser door (HTTP/1.1, Connect)", () => {
  it("serves ConfigService over Connect with CORS for the admin panel", async () => {
    const baseUrl = `http://127.0.0.1:${String(box!.ready.httpPort)}`;
    const client = createClient(ConfigService, createConnectTransport({ baseUrl, httpVersion: "1.1" }));
    const { status: setup } = await client.getSetupStatus({});
    expect(setup?.configured).toBe(true);
    const denied = await client.getConfig({}).catch((e: unknown) => e);
    expect((denied as { code?: number }).code).toBe(status.UNAUTHENTICATED);
    const preflight = await fetch(`${baseUrl}/novabox.config.v1.ConfigService/GetConfig`, {
      method: "OPTIONS",
      headers: {
        Origin: "http://panel.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,authorization",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("http://panel.example");
    expect(preflight.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
  });
});

describe("a tobacconist with a signed SSO token", () => {
  it("issues a certificate with the fee and the stamp duty, and a retry with the same key replays it", async () => {
    const request = issueRequest();
    const issued = await certification.issueCertificate(request, await asTobacconist());
    expect(Buffer.from(issued.pdf.subarray(0, 5)).toString()).toBe("%PDF-");
    expect(issued.anprProtocolNumber).toMatch(/^\d+$/);
    expect(issued.charges).toMatchObject({ serviceFeeCents: 200n, stampDutyCents: 1600n });
    const again = await certification.issueCertificate(request, await asTobacconist());
    expect(again.anprProtocolNumber).toBe(issued.anprProtocolNumber);
    expect(again.replayed).toBe(true);
  });

  it("gets no stamp duty when exempt", async () => {
    const issued = await certification.issueCertificate(
      issueRequest({ stampDuty: { case: "stampDutyExemption", value: { reason: 5 } } }),
      await asTobacconist(),
    );
    expect(issued.charges?.stampDutyCents).toBe(0n);
  });

  it("reads the individual record as structured data", async () => {
    const record = await consultation.getIndividualRecord(
      { comuneCode: "022205", tobacconistId: "TAB-0001", fiscalCode: mario.fiscalCode },
      await asTobacconist(),
    );
    expect(record.record).toBeDefined();
    expect(JSON.stringify(record.record, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))).toContain(
      "ROSSI",
    );
  });

  it.each([
    [
      "a malformed codice fiscale",
      { subject: { ...mario, fiscalCode: "RSSMRA85T10A562X" } },
      status.INVALID_ARGUMENT,
      "subject.fiscal_code",
    ],
    ["no certificate type", { certificateTypes: [] }, status.INVALID_ARGUMENT, "certificate_types"],
    [
      "exemption 99 without text",
      { stampDuty: { case: "stampDutyExemption", value: { reason: 99, description: "" } } },
      status.INVALID_ARGUMENT,
      "stamp_duty_exemption.description",
    ],
  ])("refuses %s before calling ANPR", async (_name, extra, code, field) => {
    const result = await codeOf(certification.issueCertificate(issueRequest(extra), await asTobacconist()));
    expect(result.code).toBe(code);
    expect(result.field).toBe(field);
  });

  it("refuses a missing or forged token, and a revoked tobacconist", async () => {
    expect((await codeOf(certification.issueCertificate(issueRequest()))).code).toBe(status.UNAUTHENTICATED);
    const forged = `${(await ssoToken("TAB-0001")).slice(0, -4)}AAAA`;
    expect(
      (
        await codeOf(
          certification.issueCertificate(issueRequest(), { metadata: { authorization: `Bearer ${forged}` } }),
        )
      ).code,
    ).toBe(status.UNAUTHENTICATED);
    expect(
      (
        await codeOf(
          certification.issueCertificate(
            issueRequest({ tobacconistId: "TAB-REVOKED" }),
            await asTobacconist("TAB-REVOKED"),
          ),
        )
      ).code,
    ).toBe(status.PERMISSION_DENIED);
  });

  it("answers FAILED_PRECONDITION naming both Comuni for another comune_code, audits it, and sends nothing to ANPR", async () => {
    const envelopes = () => readdirSync(captureDir).length;
    const before = envelopes();
    const calls = [
      certification.issueCertificate(issueRequest({ comuneCode: "022161" }), await asTobacconist()),
      certification.previewCertificate(issueRequest({ comuneCode: "022161" }), await asTobacconist()),
      certification.listCertificateTypes({ comuneCode: "022161" }),
      consultation.getIndividualRecord(
        { comuneCode: "022161", tobacconistId: "TAB-0001", fiscalCode: mario.fiscalCode },
        await asTobacconist(),
      ),
    ];
    for (const call of calls) {
      const refused = await codeOf(call);
      expect(refused.code).toBe(status.FAILED_PRECONDITION);
      expect(refused.message).toContain("022161");
      expect(refused.message).toContain("022205");
      expect(refused.field).toBe("comune_code");
    }
    expect(envelopes()).toBe(before);
    const { entries } = await config.listAuditLog({ pageSize: 10 }, admin());
    expect(entries.filter((e) => e.detail.includes("COMUNE_MISMATCH")).length).toBeGreaterThanOrEqual(3);
    // The box's own Comune still reaches ANPR.
    await certification.previewCertificate(issueRequest(), await asTobacconist());
    expect(envelopes()).toBe(before + 1);
  });

  it("maps an ANPR refusal to a gRPC code with the ANPR code in the details", async () => {
    const dead = { fiscalCode: "MSRGPP40B14L378B", surname: "MOSER", name: "GIUSEPPE" };
    try {
      await certification.issueCertificate(issueRequest({ subject: dead }), await asTobacconist());
      throw new Error("expected a refusal");
    } catch (err) {
      expect(err).toBeInstanceOf(RpcError);
      expect((err as RpcError).code).toBe(status.FAILED_PRECONDITION);
      expect((err as RpcError).details.metadata.anprCode).toMatch(/^E/);
    }
  });
});

describe("the audit log", () => {
  it("lists the transactions just made and verifies", async () => {
    const page = await config.listAuditLog({ pageSize: 100 }, admin());
    expect(page.entries.length).toBeGreaterThan(5);
    expect(page.entries.some((e) => e.fiscalCode === mario.fiscalCode && e.anprProtocolNumber !== "")).toBe(true);
    expect((await config.verifyAuditLog({}, admin())).ok).toBe(true);
  });
});

describe("after a restart", () => {
  it("keeps config, admin, certificates and audit log", async () => {
    const before = (await config.listAuditLog({ pageSize: 1000 }, admin())).entries.length;
    await stopBox();
    await startBox();
    session = (await config.login({ username: "admin", password: adminPassword })).session!.token;
    const got = await config.getConfig({}, admin());
    expect(got.config?.settings?.operatorId).toBe("OPERATORE-022205");
    expect(got.config?.workstationCertificate?.sha256Fingerprint).toBeTruthy();
    const issued = await certification.issueCertificate(issueRequest(), await asTobacconist());
    expect(issued.anprProtocolNumber).toMatch(/^\d+$/);
    const after = (await config.listAuditLog({ pageSize: 1000 }, admin())).entries.length;
    expect(after).toBeGreaterThanOrEqual(before + 2);
    expect((await config.verifyAuditLog({}, admin())).ok).toBe(true);
  });

  it("the real grpcurl drives the same flow", async () => {
    const grpcurl = requireTool("grpcurl");
    const address = `127.0.0.1:${String(box!.ready.grpcPort)}`;
    const list = await run(grpcurl, ["-plaintext", address, "list"]);
    expect(list.stdout).toContain("novabox.certification.v1.CertificationService");
    const healthCheck = await run(grpcurl, ["-plaintext", address, "grpc.health.v1.Health/Check"]);
    expect(healthCheck.stdout).toContain("SERVING");
    const login = await run(grpcurl, [
      "-plaintext",
      "-d",
      JSON.stringify({ username: "admin", password: adminPassword }),
      address,
      "novabox.config.v1.ConfigService/Login",
    ]);
    expect(login.code).toBe(0);
    const adminToken = (JSON.parse(login.stdout) as { session: { token: string } }).session.token;
    const upload = await run(grpcurl, [
      "-plaintext",
      "-H",
      `authorization: Bearer ${adminToken}`,
      "-d",
      JSON.stringify({
        certificate: readFileSync(manifest.simulator.caCertificateFile).toString("base64"),
        password: caPassword,
      }),
      address,
      "novabox.config.v1.ConfigService/UploadCaCertificate",
    ]);
    expect(upload.stderr).toBe("");
    expect(upload.stdout).toContain("sha256Fingerprint");
    const got = await run(grpcurl, [
      "-plaintext",
      "-H",
      `authorization: Bearer ${adminToken}`,
      address,
      "novabox.config.v1.ConfigService/GetConfig",
    ]);
    expect(got.stdout).toContain("OPERATORE-022205");
    expect(got.stdout).not.toContain(caPassword);
    const token = await ssoToken("TAB-0002");
    const issued = await run(grpcurl, [
      "-plaintext",
      "-H",
      `authorization: Bearer ${token}`,
      "-d",
      JSON.stringify({
        comuneCode: "022205",
        tobacconistId: "TAB-0002",
        idempotencyKey: randomUUID(),
        subject: mario,
        certificateTypes: ["CERTIFICATE_TYPE_RESIDENCE"],
        stampDutyPaid: {},
      }),
      address,
      "novabox.certification.v1.CertificationService/IssueCertificate",
    ]);
    expect(issued.stderr).toBe("");
    expect(JSON.parse(issued.stdout)).toMatchObject({ anprProtocolNumber: expect.stringMatching(/^\d+$/) as unknown });
    const record = await run(grpcurl, [
      "-plaintext",
      "-H",
      `authorization: Bearer ${token}`,
      "-d",
      JSON.stringify({ comuneCode: "022205", tobacconistId: "TAB-0002", fiscalCode: mario.fiscalCode }),
      address,
      "novabox.consultation.v1.ConsultationService/GetIndividualRecord",
    ]);
    expect(record.stdout).toContain("ROSSI");
  });
});

describe("secrets and integrity on disk", () => {
  it("never writes the PIN, the CA password or the private key in clear, in the database or the logs", async () => {
    await stopBox();
    const credentials_ = loadWorkstationCredentials(readFileSync(manifest.workstations[0]!.pkcs12File), pin);
    const keyDer = credentials_.privateKey.export({ type: "pkcs8", format: "der" });
    const sentinels = [Buffer.from(pin), Buffer.from(caPassword), keyDer.subarray(keyDer.length - 64)];
    const files = readdirSync(home, { recursive: true })
      .map((f) => join(home, String(f)))
      .filter((f) => statSync(f).isFile());
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const bytes = readFileSync(file);
      for (const sentinel of sentinels) expect(`${file}: ${bytes.includes(sentinel)}`).toBe(`${file}: false`);
    }
    const logs = Buffer.from(boxOutputs);
    for (const sentinel of sentinels) expect(logs.includes(sentinel)).toBe(false);
    await startBox();
  });

  it("an edited audit row makes verify fail at that row", async () => {
    await stopBox();
    const db = new Database(join(home, "novabox.db"));
    // An attacker with file access drops the append-only trigger first; the hash chain still tells.
    db.exec("DROP TRIGGER IF EXISTS audit_log_no_update");
    const row = db.prepare("SELECT id FROM audit_log ORDER BY id LIMIT 1 OFFSET 3").get() as { id: number };
    db.prepare("UPDATE audit_log SET detail = detail || ' (edited)' WHERE id = ?").run(row.id);
    db.close();
    const cli = await run(process.execPath, ["--import", "tsx", "services/novabox/src/cli/audit-verify.ts", home], {
      cwd: new URL("../../", import.meta.url).pathname,
    });
    expect(cli.code).toBe(1);
    expect(cli.stdout + cli.stderr).toContain(String(row.id));
    await startBox();
    session = (await config.login({ username: "admin", password: adminPassword })).session!.token;
    const verification = await config.verifyAuditLog({}, admin());
    expect(verification.ok).toBe(false);
    expect(Number(verification.firstBrokenId)).toBe(row.id);
  });
});
