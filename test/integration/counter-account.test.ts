/**
 * The counter's business on a real Novabox (simulator and box as processes, real SQLite): the stated
 * reason (motivo) required in the experimental phase and recorded in the audit row, and the Comune's
 * monthly account — checked figure by figure against a sum this test computes itself from the raw
 * audit rows read out of the SQLite file — exported as CSV and as a PDF that `pdfinfo` opens.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { generateKeyPairSync, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, credentials, status } from "@grpc/grpc-js";
import { create } from "@bufbuild/protobuf";
import { SignJWT, importPKCS8 } from "jose";
import Database from "better-sqlite3";
import { AccountFileFormat, AccountService } from "#gen/novabox/account/v1/account_service_pb.js";
import { ConfigService, AnprEnvironment, SettingsSchema } from "#gen/novabox/config/v1/config_service_pb.js";
import {
  CertificationService,
  CertificateType,
  RequestReason,
} from "#gen/novabox/certification/v1/certification_service_pb.js";
import { createGrpcClient, type GrpcClient } from "#shared/rpc/grpc-adapter.js";
import { RpcError } from "#shared/rpc/grpc-status.js";
import { ensureDevPki } from "#shared/dev-pki/anpr-dev-pki.js";
import { startService, type StartedService } from "../support/services.js";
import { run } from "../support/process.js";
import { requireTool } from "../support/tools.js";

const work = mkdtempSync(join(tmpdir(), "counter-account-"));
const home = join(work, "anpr_home");
const mario = { fiscalCode: "RSSMRA85T10A562S", surname: "ROSSI", name: "MARIO" };
const sso = generateKeyPairSync("rsa", { modulusLength: 2048 });

let sim: StartedService;
let box: StartedService;
let channel: Client;
let config: GrpcClient<typeof ConfigService>;
let account: GrpcClient<typeof AccountService>;
let certification: GrpcClient<typeof CertificationService>;
let session = "";

const admin = () => ({ metadata: { authorization: `Bearer ${session}` } });

async function as(sub: string) {
  const key = await importPKCS8(sso.privateKey.export({ type: "pkcs8", format: "pem" }).toString(), "RS256");
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: "RS256" })
    .setSubject(sub)
    .setIssuer("https://sso.novares.test")
    .setAudience("novabox")
    .setIssuedAt()
    .setExpirationTime("5m")
    .sign(key);
  return { metadata: { authorization: `Bearer ${token}` } };
}

const reason = (code: RequestReason, description = "") => ({ reason: code, description });

function issueRequest(tobacconistId: string, extra: Record<string, unknown> = {}) {
  return {
    comuneCode: "022205",
    tobacconistId,
    idempotencyKey: randomUUID(),
    subject: mario,
    certificateTypes: [CertificateType.RESIDENCE],
    stampDuty: { case: "stampDutyPaid" as const, value: {} },
    reason: reason(RequestReason.NOTARY),
    ...extra,
  };
}

async function failure(promise: Promise<unknown>): Promise<RpcError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof RpcError) return err;
    throw err;
  }
  throw new Error("expected the call to fail");
}

/** This month in Europe/Rome, "YYYY-MM". */
function romeMonth(date = new Date()): string {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: "Europe/Rome",
    year: "numeric",
    month: "2-digit",
  }).formatToParts(date);
  return `${parts.find((p) => p.type === "year")!.value}-${parts.find((p) => p.type === "month")!.value}`;
}

beforeAll(async () => {
  const manifest = await ensureDevPki(join(work, "pki"));
  sim = await startService(
    "services/anpr-sim/src/server/main.ts",
    { ANPR_SIM_PORT: "0", ANPR_SIM_PKI_DIR: manifest.dir, ANPR_SIM_RESIDENTS_PER_COMUNE: "50" },
    "anpr-sim ready",
  );
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
  account = createGrpcClient(AccountService, channel);
  certification = createGrpcClient(CertificationService, channel);
  session = (await config.registerAdmin({ username: "admin", password: "correct horse battery staple" })).session!
    .token;
  await config.uploadCaCertificate(
    { certificate: readFileSync(manifest.simulator.caCertificateFile), password: "" },
    admin(),
  );
  const ws = manifest.workstations[0]!;
  await config.uploadWorkstationCertificate(
    { pkcs12: readFileSync(ws.pkcs12File), pin: readFileSync(ws.pinFile, "utf8").trim() },
    admin(),
  );
  const settings = create(SettingsSchema, {
    operatorId: ws.operatorId,
    officeId: ws.sedeId,
    workstationId: ws.postazioneId,
    comuneCode: "022205",
    comuneName: "Trento",
    anprEnvironment: AnprEnvironment.TEST,
    anprBaseUrl: String(sim.ready.url),
    registryOfficerSurname: "BIANCHI",
    registryOfficerName: "ANNA",
    ssoPublicKeyPem: sso.publicKey.export({ type: "spki", format: "pem" }).toString(),
    ssoIssuer: "https://sso.novares.test",
    ssoAudience: "novabox",
    logRetentionDays: 365,
    rateLimits: {
      perTobacconistPerMinute: 100,
      massExtractionDistinctFiscalCodes: 50,
      massExtractionWindow: { seconds: 3600n },
    },
    serviceFeeCents: 200n,
    stampDutyCents: 1600n,
    secretariatFeesCents: 50n,
    enabledCertificateTypes: Array.from({ length: 19 }, (_, i) => i + 1),
    experimentalPhase: true,
  });
  await config.updateConfig({ settings, updateMask: { paths: ["*"] } }, admin());
  expect((await config.testAnprConnection({}, admin())).ok).toBe(true);
}, 180_000);

afterAll(async () => {
  channel?.close();
  await box?.process.stop();
  await sim?.process.stop();
  rmSync(work, { recursive: true, force: true });
});

describe("a stated reason (motivo) in the experimental phase", () => {
  it("refuses a certificate or a preview without a reason with INVALID_ARGUMENT naming the field", async () => {
    const issue = await failure(
      certification.issueCertificate(issueRequest("TAB-0001", { reason: undefined }), await as("TAB-0001")),
    );
    expect(issue.code).toBe(status.INVALID_ARGUMENT);
    expect(issue.details.fieldViolations[0]?.field).toBe("reason");
    expect(issue.message).toMatch(/experimental phase/);
    const { idempotencyKey: _unused, ...preview } = issueRequest("TAB-0001", { reason: undefined });
    expect(
      (await failure(certification.previewCertificate(preview, await as("TAB-0001")))).details.fieldViolations[0]
        ?.field,
    ).toBe("reason");
    const other = await failure(
      certification.issueCertificate(
        issueRequest("TAB-0001", { reason: reason(RequestReason.OTHER) }),
        await as("TAB-0001"),
      ),
    );
    expect(other.details.fieldViolations[0]?.field).toBe("reason.description");
  });

  it("records the reason in the audit row of the certificate", async () => {
    const issued = await certification.issueCertificate(
      issueRequest("TAB-0001", { reason: reason(RequestReason.OTHER, "pratica; condominio") }),
      await as("TAB-0001"),
    );
    const db = new Database(join(home, "novabox.db"), { readonly: true });
    try {
      const row = db
        .prepare("SELECT detail FROM audit_log WHERE anpr_protocol_number = ? AND operation = 'CERTIFICATE_ISSUE'")
        .get(issued.anprProtocolNumber) as { detail: string };
      expect(row.detail).toContain("motivo=OTHER");
      expect(row.detail).toContain(`motivo_testo=${encodeURIComponent("pratica; condominio")}`);
    } finally {
      db.close();
    }
  });

  it("issues without a reason once the Comune ends the experimental phase", async () => {
    await config.updateConfig(
      { settings: { experimentalPhase: false }, updateMask: { paths: ["experimental_phase"] } },
      admin(),
    );
    const issued = await certification.issueCertificate(
      issueRequest("TAB-0002", { reason: undefined }),
      await as("TAB-0002"),
    );
    expect(issued.anprProtocolNumber).toMatch(/^\d+$/);
    await config.updateConfig(
      { settings: { experimentalPhase: true }, updateMask: { paths: ["experimental_phase"] } },
      admin(),
    );
  });
});

interface Expected {
  certificates: number;
  previews: number;
  refusals: number;
  fees: number;
  bollo: number;
  diritti: number;
  byType: Record<string, number>;
  exemptions: Record<string, number>;
}

/** The account of `month`, summed here from the raw rows of the SQLite file (not the box's code). */
function expectedFromRawRows(month: string): Map<string, Expected> {
  const db = new Database(join(home, "novabox.db"), { readonly: true });
  try {
    const rows = db
      .prepare(
        "SELECT time, operation, outcome, tobacconist_id AS t, detail FROM audit_log WHERE operation IN ('CERTIFICATE_ISSUE','CERTIFICATE_PREVIEW') ORDER BY id",
      )
      .all() as {
      time: number;
      operation: string;
      outcome: string;
      t: string;
      detail: string;
    }[];
    const out = new Map<string, Expected>();
    for (const row of rows) {
      if (romeMonth(new Date(row.time)) !== month) continue;
      const e = out.get(row.t) ?? {
        certificates: 0,
        previews: 0,
        refusals: 0,
        fees: 0,
        bollo: 0,
        diritti: 0,
        byType: {},
        exemptions: {},
      };
      out.set(row.t, e);
      if (row.outcome !== "SUCCESS") e.refusals++;
      else if (row.operation === "CERTIFICATE_PREVIEW") e.previews++;
      else {
        const fee = /(?:^|; )fee=(\d+)/.exec(row.detail);
        if (!fee) continue;
        e.certificates++;
        e.fees += Number(fee[1]);
        e.bollo += Number(/bollo=(\d+)/.exec(row.detail)![1]);
        e.diritti += Number(/diritti=(\d+)/.exec(row.detail)![1]);
        for (const type of /types=([\d,]+)/.exec(row.detail)![1]!.split(","))
          e.byType[type] = (e.byType[type] ?? 0) + 1;
        const exemption = /esenzione=(\d+)/.exec(row.detail);
        if (exemption) e.exemptions[exemption[1]!] = (e.exemptions[exemption[1]!] ?? 0) + 1;
      }
    }
    return out;
  } finally {
    db.close();
  }
}

describe("the Comune's monthly account", () => {
  it("matches, figure by figure, the sum of the month's audit rows", async () => {
    // A seeded month: three tobacconists, paid and exempt certificates, a contestuale one, a replay,
    // previews, and refusals of several kinds.
    const t1 = await as("TAB-0001");
    const replayed = issueRequest("TAB-0001");
    await certification.issueCertificate(replayed, t1);
    await certification.issueCertificate(replayed, t1);
    await certification.issueCertificate(
      issueRequest("TAB-0001", {
        certificateTypes: [CertificateType.RESIDENCE, CertificateType.FAMILY_STATUS],
        reason: reason(RequestReason.BANK_INSURANCE),
      }),
      t1,
    );
    await certification.issueCertificate(
      issueRequest("TAB-0001", { stampDuty: { case: "stampDutyExemption", value: { reason: 5 } } }),
      t1,
    );
    const t3 = await as("TAB-0003");
    await certification.issueCertificate(
      issueRequest("TAB-0003", {
        stampDuty: { case: "stampDutyExemption", value: { reason: 3 } },
        reason: reason(RequestReason.LEGAL),
      }),
      t3,
    );
    await certification.issueCertificate(
      issueRequest("TAB-0003", { certificateTypes: [CertificateType.CITIZENSHIP] }),
      t3,
    );
    const { idempotencyKey: _k, ...preview } = issueRequest("TAB-0003");
    await certification.previewCertificate(preview, t3);
    await certification.previewCertificate(preview, t3);
    await failure(
      certification.issueCertificate(
        issueRequest("TAB-0003", { subject: { ...mario, fiscalCode: "RSSMRA85T10A562X" } }),
        t3,
      ),
    );

    const month = romeMonth();
    const { account: got } = await account.getMonthlyAccount({ month }, admin());
    const expected = expectedFromRawRows(month);
    expect(got?.tobacconists.map((t) => t.tobacconistId)).toEqual([...expected.keys()].sort());
    const totals = { certificates: 0, previews: 0, refusals: 0, fees: 0, bollo: 0, diritti: 0 };
    for (const row of got!.tobacconists) {
      const e = expected.get(row.tobacconistId)!;
      expect({
        certificates: row.certificatesIssued,
        previews: row.previews,
        refusals: row.refusals,
        fees: Number(row.serviceFeesCents),
        bollo: Number(row.stampDutyCents),
        diritti: Number(row.secretariatFeesCents),
        byType: Object.fromEntries(row.certificatesByType.map((c) => [String(c.certificateType), c.count])),
        exemptions: Object.fromEntries(row.exemptions.map((c) => [String(c.reason), c.count])),
      }).toEqual(e);
      totals.certificates += e.certificates;
      totals.previews += e.previews;
      totals.refusals += e.refusals;
      totals.fees += e.fees;
      totals.bollo += e.bollo;
      totals.diritti += e.diritti;
    }
    expect({
      certificates: got!.totals!.certificatesIssued,
      previews: got!.totals!.previews,
      refusals: got!.totals!.refusals,
      fees: Number(got!.totals!.serviceFeesCents),
      bollo: Number(got!.totals!.stampDutyCents),
      diritti: Number(got!.totals!.secretariatFeesCents),
    }).toEqual(totals);
    // What the seeding above must have produced, so the comparison is not vacuous.
    const tab1 = expected.get("TAB-0001")!;
    expect(tab1.certificates).toBe(4); // the earlier test's + the replayed one once + contestuale + exempt
    expect(tab1.refusals).toBe(3); // the three refused for their reason
    expect(tab1.byType).toEqual({ "8": 4, "12": 1 });
    expect(tab1.exemptions).toEqual({ "5": 1 });
    expect(expected.get("TAB-0003")).toMatchObject({
      certificates: 2,
      previews: 2,
      refusals: 1,
      bollo: 1600,
      exemptions: { "3": 1 },
    });
    expect(got!.tobacconists.find((t) => t.tobacconistId === "TAB-0001")!.reasons).toEqual(
      expect.arrayContaining([{ $typeName: "novabox.account.v1.ReasonCount", reason: "BANK_INSURANCE", count: 1 }]),
    );
  });

  it("refuses a malformed month with INVALID_ARGUMENT naming it", async () => {
    const err = await failure(account.getMonthlyAccount({ month: "2026-13" }, admin()));
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.details.fieldViolations[0]?.field).toBe("month");
    expect((await failure(account.getMonthlyAccount({ month: romeMonth() }))).code).toBe(status.UNAUTHENTICATED);
  });

  it("exports a CSV with a BOM and a PDF that pdfinfo opens", async () => {
    const month = romeMonth();
    const csv = await account.exportMonthlyAccount({ month, format: AccountFileFormat.CSV }, admin());
    const text = Buffer.from(csv.content).toString("utf8");
    expect(text.startsWith("\uFEFF")).toBe(true);
    expect(csv.fileName).toBe(`conto-022205-${month}.csv`);
    const lines = text.slice(1).trim().split("\r\n");
    expect(lines[0]).toContain("corrispettivi (EUR)");
    const tab1 = lines.find((l) => l.includes(";TAB-0001;"))!.split(";");
    expect(tab1[2]).toBe("4");
    expect(tab1[6]).toBe("8,00");
    expect(lines.at(-1)).toContain(";TOTALE;");

    const pdf = await account.exportMonthlyAccount({ month, format: AccountFileFormat.PDF }, admin());
    expect(pdf.contentType).toBe("application/pdf");
    const file = join(work, pdf.fileName);
    writeFileSync(file, pdf.content);
    const info = await run(requireTool("pdfinfo"), [file]);
    expect(info.code).toBe(0);
    expect(info.stdout).toMatch(/Pages:\s+1/);
    const text2 = await run(requireTool("pdftotext"), [file, "-"]);
    expect(text2.stdout).toContain("Tabaccheria TAB-0003");
    expect(text2.stdout).toContain("Totale del mese");

    const missing = await failure(account.exportMonthlyAccount({ month }, admin()));
    expect(missing.details.fieldViolations[0]?.field).toBe("format");
  });
});
