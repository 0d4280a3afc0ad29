/**
 * The periodic log analysis in a running box (decree, annex 1, 4.3): a Novabox process on a real
 * ANPR_HOME, the ANPR simulator over HTTPS, tobacconists calling IssueCertificate with signed SSO
 * tokens, and the analysis every second (NOVABOX_ANALYSIS_INTERVAL_MS). Ordinary traffic — two
 * tobacconists, two certificates each, for different citizens — raises no ANOMALY_ALERT across
 * several runs; a scripted burst — one tobacconist printing 45 certificates in a few seconds —
 * raises a `burst` alert for that tobacconist, in the audit log and in the weekly summary the panel
 * shows (GetAuditSummary), and nothing about the ordinary tobacconists.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, credentials } from "@grpc/grpc-js";
import { SignJWT } from "jose";
import { AuditOperation, type ConfigService } from "#gen/novabox/config/v1/config_service_pb.js";
import { CertificationService, CertificateType } from "#gen/novabox/certification/v1/certification_service_pb.js";
import { createGrpcClient, type GrpcClient } from "#shared/rpc/grpc-adapter.js";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { ensureDevPki } from "#shared/dev-pki/anpr-dev-pki.js";
import { ensureDevSsoKeyPair, type DevSsoKeyPair } from "../../services/gateway/src/server/sso-keys.js";
import { startService, type StartedService } from "../support/services.js";
import { waitFor } from "../support/process.js";
import { configureTrentoBox } from "../support/exactly-once.js";

const work = mkdtempSync(join(tmpdir(), "audit-analysis-"));
const issuer = "https://sso.novares.test";
const citizens = {
  mario: { fiscalCode: "RSSMRA85T10A562S", surname: "ROSSI", name: "MARIO" },
  giulia: { fiscalCode: "BNCGLI87D62L378U", surname: "BIANCHI", name: "GIULIA" },
  andrea: { fiscalCode: "GTTNDR90R05L378P", surname: "GOTTARDI", name: "ANDREA" },
};

let sso: DevSsoKeyPair;
let sim: StartedService;
let box: StartedService;
let channel: Client;
let certification: GrpcClient<typeof CertificationService>;
let config: GrpcClient<typeof ConfigService>;
let admin: { metadata: Record<string, string> };
let closeConfig: () => void = () => undefined;

async function issue(tobacconist: string, subject: (typeof citizens)[keyof typeof citizens]): Promise<void> {
  const jwt = await new SignJWT({ name: `Tabaccheria ${tobacconist}` })
    .setProtectedHeader({ alg: "RS256" })
    .setSubject(tobacconist)
    .setIssuer(issuer)
    .setAudience("novabox")
    .setIssuedAt()
    .setExpirationTime("5m")
    .sign(sso.privateKey);
  const answer = await certification.issueCertificate(
    {
      comuneCode: "022205",
      tobacconistId: tobacconist,
      idempotencyKey: randomUUID(),
      subject,
      certificateTypes: [CertificateType.RESIDENCE],
      stampDuty: { case: "stampDutyPaid" as const, value: {} },
    },
    { metadata: { authorization: `Bearer ${jwt}` }, deadline: new Date(Date.now() + 90_000) },
  );
  expect(answer.anprProtocolNumber).not.toBe("");
}

/** The weekly summary once the analysis has run twice after `since` (so every row before it was analysed). */
async function summaryAfter(since: number) {
  const first = await waitFor(
    "an analysis run",
    async () => {
      const s = await config.getAuditSummary({}, admin);
      return s.lastAnalysisAt && timestampDate(s.lastAnalysisAt).getTime() > since ? s : undefined;
    },
    60_000,
    200,
  );
  const after = timestampDate(first.lastAnalysisAt!).getTime();
  return waitFor(
    "a second analysis run",
    async () => {
      const s = await config.getAuditSummary({}, admin);
      return s.lastAnalysisAt && timestampDate(s.lastAnalysisAt).getTime() > after ? s : undefined;
    },
    60_000,
    200,
  );
}

beforeAll(async () => {
  const manifest = await ensureDevPki(join(work, "pki"));
  sso = await ensureDevSsoKeyPair(join(work, "sso"));
  sim = await startService(
    "services/anpr-sim/src/server/main.ts",
    { ANPR_SIM_PORT: "0", ANPR_SIM_PKI_DIR: manifest.dir, ANPR_SIM_RESIDENTS_PER_COMUNE: "50" },
    "anpr-sim ready",
  );
  box = await startService(
    "services/novabox/src/server/main.ts",
    {
      ANPR_HOME: join(work, "anpr_home"),
      NOVABOX_GRPC_PORT: "0",
      NOVABOX_HTTP_PORT: "0",
      NOVABOX_HOST: "127.0.0.1",
      NOVABOX_MESH_PLAINTEXT: "true",
      NOVABOX_ANALYSIS_INTERVAL_MS: "1000",
    },
    "novabox ready",
  );
  channel = new Client(`127.0.0.1:${String(box.ready.grpcPort)}`, credentials.createInsecure());
  certification = createGrpcClient(CertificationService, channel);
  const configured = await configureTrentoBox({
    grpcPort: Number(box.ready.grpcPort),
    manifest,
    simUrl: String(sim.ready.url),
    ssoPublicKeyPem: sso.publicKeyPem,
    ssoIssuer: issuer,
    workstationId: "POST-ANALYSIS",
  });
  ({ config, admin } = configured);
  closeConfig = configured.close;
}, 240_000);

afterAll(async () => {
  closeConfig();
  channel?.close();
  await box?.process.stop();
  await sim?.process.stop();
  rmSync(work, { recursive: true, force: true });
});

describe("audit log analysis in a running box", () => {
  it("stays quiet on ordinary traffic", async () => {
    await issue("TAB-0001", citizens.mario);
    await issue("TAB-0002", citizens.giulia);
    await issue("TAB-0001", citizens.giulia);
    await issue("TAB-0002", citizens.mario);
    const summary = await summaryAfter(Date.now());
    expect(summary.alerts).toEqual([]);
    expect(Number(summary.certificatesIssued)).toBe(4);
    expect(Number(summary.tobacconists)).toBe(2);
    const alerts = await config.listAuditLog(
      { filter: { operations: [AuditOperation.ANOMALY_ALERT] }, pageSize: 10 },
      admin,
    );
    expect(alerts.entries).toEqual([]);
  }, 180_000);

  it("raises a burst alert for the tobacconist of a scripted burst, and only for it", async () => {
    const burst = 45;
    let left = burst;
    await Promise.all(
      Array.from({ length: 5 }, async () => {
        while (left > 0) {
          left -= 1;
          await issue("TAB-0666", citizens.andrea);
        }
      }),
    );
    const summary = await waitFor(
      "the burst alert in the weekly summary",
      async () => {
        const s = await config.getAuditSummary({}, admin);
        return s.alerts.some((a) => a.rule === "burst") ? s : undefined;
      },
      60_000,
      200,
    );
    const alert = summary.alerts.find((a) => a.rule === "burst")!;
    expect(alert.tobacconistId).toBe("TAB-0666");
    expect(alert.detail).toMatch(/^burst: \d+ registry operations within 10 minutes \(limit 20\)/);
    expect(alert.detail).not.toContain(citizens.andrea.fiscalCode);
    expect(Number(summary.certificatesIssued)).toBe(4 + burst);
    // Nothing about the ordinary tobacconists, and no citizen rule: Mario and Giulia were each asked
    // for by two tobacconists (the rule needs three), Andrea by one.
    expect(summary.alerts.filter((a) => a.tobacconistId !== "TAB-0666")).toEqual([]);
    // The alert is an audit row, chained like every other.
    const rows = await config.listAuditLog(
      { filter: { operations: [AuditOperation.ANOMALY_ALERT] }, pageSize: 10 },
      admin,
    );
    expect(rows.entries.map((e) => e.tobacconistId)).toContain("TAB-0666");
    expect(rows.entries.find((e) => e.tobacconistId === "TAB-0666")?.id).toBe(alert.entryId);
    expect((await config.verifyAuditLog({}, admin)).ok).toBe(true);
  }, 240_000);
});
