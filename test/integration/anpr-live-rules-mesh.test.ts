/**
 * ANPR's live rules on a mesh of real processes (issue 9): the ANPR simulator over HTTPS, the
 * Novares router, and two Novabox processes of one Comune (Trento) started in the same second, as
 * a Comune with two workstations would run them; driven by the real grpcurl, through the router.
 *
 * - idOperazioneComune belongs to the Comune (italia/anpr#596, #1836): the two boxes never share
 *   one; each box's ids stay strictly increasing across a restart and after its ANPR_HOME is
 *   restored from an older copy (a reused id would make ANPR replay a stored answer, #3822).
 * - 8 concurrent certificates through the router (ghz, 200 calls, each with its own idempotency
 *   key) all succeed: requests of one Comune overtake each other at ANPR without an invented EN079,
 *   and a kept-alive socket the simulator had closed is not a lost certificate.
 * - An answer about another person (the simulator's `replayOtherSubject` knob, #3822) never reaches
 *   the caller: grpcurl through the router gets DATA_LOSS ANPR_WRONG_SUBJECT, the box writes the
 *   audit row, and nothing is cached: the same key, retried once the fault is gone, gets the
 *   certificate of the person asked for.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomUUID } from "node:crypto";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignJWT } from "jose";
import { AuditOutcome } from "#gen/novabox/config/v1/config_service_pb.js";
import { ensureDevPki, type DevPkiManifest } from "#shared/dev-pki/anpr-dev-pki.js";
import { boxComponent } from "../../services/novabox/src/anpr-client/operation-id.js";
import { ensureDevSsoKeyPair, type DevSsoKeyPair } from "../../services/gateway/src/server/sso-keys.js";
import { startService, type StartedService } from "../support/services.js";
import { run, waitFor } from "../support/process.js";
import { requireTool } from "../support/tools.js";
import {
  certificateIssueRows,
  certificatesOf,
  configureTrentoBox,
  loginAdmin,
  simAdmin,
  type SimAdmin,
  type SimOperation,
} from "../support/exactly-once.js";

const work = mkdtempSync(join(tmpdir(), "anpr-live-rules-mesh-"));
const issuer = "https://sso.novares.test";
const giulia = { fiscalCode: "BNCGLI87D62L378U", surname: "BIANCHI", name: "GIULIA" };
const mario = { fiscalCode: "RSSMRA85T10A562S", surname: "ROSSI", name: "MARIO" };
/** The two boxes of Trento: each names itself in every id by its IdPostazione. */
const boxes = [
  { name: "a", workstationId: "POST-022205-01", home: join(work, "home-a") },
  { name: "b", workstationId: "POST-022205-02", home: join(work, "home-b") },
] as const;
const componentOf = (workstationId: string) => boxComponent(workstationId);

let manifest: DevPkiManifest;
let sso: DevSsoKeyPair;
let sim: StartedService;
let simAdm: SimAdmin;
let router: StartedService;
const running = new Map<string, StartedService>();
let routerAddress = "";
let grpcurl: string;

const boxEnv = (home: string) => ({
  ANPR_HOME: home,
  NOVABOX_GRPC_PORT: "0",
  NOVABOX_HTTP_PORT: "0",
  NOVABOX_HOST: "127.0.0.1",
  NOVABOX_MESH_PLAINTEXT: "true",
  NOVABOX_ANPR_TIMEOUT_MS: "30000",
  NOVABOX_SETTLE_INTERVAL_MS: "3600000",
});

async function startBox(box: (typeof boxes)[number]): Promise<StartedService> {
  const started = await startService("services/novabox/src/server/main.ts", boxEnv(box.home), "novabox ready");
  running.set(box.name, started);
  return started;
}

async function stopBox(box: (typeof boxes)[number]): Promise<void> {
  await running.get(box.name)?.process.stop(15_000);
  running.delete(box.name);
}

async function bearer(): Promise<string> {
  return new SignJWT({ name: "Tabaccheria 1" })
    .setProtectedHeader({ alg: "RS256" })
    .setSubject("TAB-0001")
    .setIssuer(issuer)
    .setAudience("novabox")
    .setIssuedAt()
    .setExpirationTime("30m")
    .sign(sso.privateKey);
}

const issueJson = (subject: typeof mario, key: string) =>
  JSON.stringify({
    comuneCode: "022205",
    tobacconistId: "TAB-0001",
    idempotencyKey: key,
    subject,
    certificateTypes: ["CERTIFICATE_TYPE_RESIDENCE"],
    stampDutyPaid: {},
  });

/** grpcurl (plaintext mesh) IssueCertificate at `address`. */
async function grpcurlIssue(address: string, subject: typeof mario, key: string) {
  return run(
    grpcurl,
    [
      "-plaintext",
      "-max-time",
      "120",
      "-H",
      `authorization: Bearer ${await bearer()}`,
      "-d",
      issueJson(subject, key),
      address,
      "novabox.certification.v1.CertificationService/IssueCertificate",
    ],
    { timeoutMs: 150_000 },
  );
}

/** The certificates Trento's box `workstationId` obtained at ANPR, by their idOperazioneComune. */
async function idsOf(workstationId: string): Promise<string[]> {
  const prefix = componentOf(workstationId);
  return (await simAdm.operations())
    .filter((o: SimOperation) => o.comuneCode === "022205" && o.idOperazioneComune.startsWith(prefix))
    .map((o) => o.idOperazioneComune);
}

/** The sequence part of an id (16 digits after the box component): comparable as a number. */
const sequenceOf = (id: string, workstationId: string) => BigInt(id.slice(componentOf(workstationId).length));

beforeAll(async () => {
  grpcurl = requireTool("grpcurl");
  manifest = await ensureDevPki(join(work, "pki"));
  sso = await ensureDevSsoKeyPair(join(work, "sso"));
  sim = await startService(
    "services/anpr-sim/src/server/main.ts",
    { ANPR_SIM_PORT: "0", ANPR_SIM_PKI_DIR: manifest.dir, ANPR_SIM_RESIDENTS_PER_COMUNE: "100" },
    "anpr-sim ready",
  );
  simAdm = simAdmin(String(sim.ready.url), manifest.simulator.caCertificateFile);
  router = await startService(
    "services/router/src/server/main.ts",
    {
      ROUTER_HOST: "127.0.0.1",
      ROUTER_PORT: "0",
      MESH_PLAINTEXT: "true",
      ROUTER_ANNOUNCE_INTERVAL_MS: "1000",
      ROUTER_EXPIRES_AFTER_MS: "4000",
      ROUTER_HEALTH_INTERVAL_MS: "1000",
    },
    "router ready",
  );
  routerAddress = `127.0.0.1:${String(router.ready.port)}`;
  // Two boxes of one Comune, started as processes in the same second.
  await Promise.all(boxes.map((b) => startBox(b)));
  for (const b of boxes) {
    const configured = await configureTrentoBox({
      grpcPort: Number(running.get(b.name)!.ready.grpcPort),
      manifest,
      simUrl: String(sim.ready.url),
      ssoPublicKeyPem: sso.publicKeyPem,
      ssoIssuer: issuer,
      workstationId: b.workstationId,
      novaresDiscoveryAddress: routerAddress,
    });
    configured.close();
  }
  await waitFor(
    "the router to route comune 022205",
    async () => {
      const resolved = await run(grpcurl, [
        "-plaintext",
        "-d",
        '{"comuneCode":"022205"}',
        routerAddress,
        "novares.discovery.v1.DiscoveryService/ResolveComune",
      ]);
      return resolved.code === 0 && resolved.stdout.includes("SERVING");
    },
    60_000,
    500,
  );
}, 240_000);

afterAll(async () => {
  for (const b of boxes) await stopBox(b);
  await router?.process.stop();
  await sim?.process.stop();
  rmSync(work, { recursive: true, force: true });
}, 90_000);

describe("idOperazioneComune belongs to the Comune (italia/anpr#596, #1836, #3822)", () => {
  it("two boxes of Trento started in the same second never share an id", async () => {
    // Each box gets certificates of its own, straight at its port.
    for (const b of boxes) {
      for (let i = 0; i < 3; i++) {
        const answered = await grpcurlIssue(
          `127.0.0.1:${String(running.get(b.name)!.ready.grpcPort)}`,
          mario,
          randomUUID(),
        );
        expect(answered.stderr).toBe("");
      }
    }
    const [idsA, idsB] = [await idsOf(boxes[0].workstationId), await idsOf(boxes[1].workstationId)];
    expect(idsA.length).toBeGreaterThanOrEqual(3);
    expect(idsB.length).toBeGreaterThanOrEqual(3);
    const all = (await simAdm.operations()).filter((o) => o.comuneCode === "022205").map((o) => o.idOperazioneComune);
    expect(new Set(all).size).toBe(all.length);
    for (const id of [...idsA, ...idsB]) expect(id).toMatch(/^[0-9A-Z]{1,30}$/);
  }, 300_000);

  it("a box's ids stay strictly increasing across a restart and after restoring an older copy of ANPR_HOME", async () => {
    const box = boxes[0];
    const direct = () => `127.0.0.1:${String(running.get(box.name)!.ready.grpcPort)}`;
    const issueOne = async () => expect((await grpcurlIssue(direct(), mario, randomUUID())).stderr).toBe("");
    const maxSequence = async () =>
      (await idsOf(box.workstationId))
        .map((id) => sequenceOf(id, box.workstationId))
        .reduce((a, b) => (a > b ? a : b), 0n);

    // An older copy of ANPR_HOME, taken with the box stopped (as a backup would be).
    await stopBox(box);
    const backup = join(work, "home-a-backup");
    cpSync(box.home, backup, { recursive: true });
    await startBox(box);
    for (let i = 0; i < 3; i++) await issueOne();
    const beforeRestart = await maxSequence();

    // Restart: the next id is above every id sent before.
    await stopBox(box);
    await startBox(box);
    const sentBefore = (await idsOf(box.workstationId)).length;
    await issueOne();
    const afterRestart = (await idsOf(box.workstationId)).slice(sentBefore);
    expect(afterRestart).toHaveLength(1);
    expect(sequenceOf(afterRestart[0]!, box.workstationId)).toBeGreaterThan(beforeRestart);

    // Restore the older copy: its stored mark is below ids already sent; the box still goes above them.
    const highest = await maxSequence();
    await stopBox(box);
    rmSync(box.home, { recursive: true, force: true });
    cpSync(backup, box.home, { recursive: true });
    await startBox(box);
    const sentBeforeRestore = (await idsOf(box.workstationId)).length;
    await issueOne();
    await issueOne();
    const afterRestore = (await idsOf(box.workstationId))
      .slice(sentBeforeRestore)
      .map((id) => sequenceOf(id, box.workstationId));
    expect(afterRestore).toHaveLength(2);
    expect(afterRestore[0]!).toBeGreaterThan(highest);
    expect(afterRestore[1]!).toBeGreaterThan(afterRestore[0]!);
  }, 300_000);
});

describe("an answer about another person never reaches the caller (italia/anpr#3822)", () => {
  it("grpcurl through the router: DATA_LOSS ANPR_WRONG_SUBJECT, an audit row, nothing cached", async () => {
    const key = randomUUID();
    await simAdm.setFaults({ replayOtherSubject: true });
    let refused;
    try {
      refused = await grpcurlIssue(routerAddress, giulia, key);
    } finally {
      await simAdm.clearFaults();
    }
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("Code: DataLoss");
    expect(refused.stderr).toMatch(/another (person|fiscal code)|idOperazioneComune/);
    expect(refused.stderr).toContain("ANPR_WRONG_SUBJECT");
    expect(refused.stdout).not.toContain("pdf");

    // The audit row, on whichever box the router chose.
    const rows = [];
    for (const b of boxes) {
      const admin = await loginAdmin(Number(running.get(b.name)!.ready.grpcPort));
      rows.push(...(await certificateIssueRows(admin.config, admin.admin)));
      admin.close();
    }
    const wrong = rows.filter((r) => r.detail.includes("ANPR_WRONG_SUBJECT"));
    expect(wrong).toHaveLength(1);
    expect(wrong[0]!.outcome).toBe(AuditOutcome.FAILED);
    expect(wrong[0]!.detail).toMatch(/abandoned; ANPR_WRONG_SUBJECT/);

    // Nothing cached: the same key, retried, gets Giulia's own certificate from a new act.
    const before = certificatesOf(await simAdm.operations()).length;
    const retried = await grpcurlIssue(routerAddress, giulia, key);
    expect(retried.stderr).toBe("");
    const answer = JSON.parse(retried.stdout) as { anprProtocolNumber: string; replayed?: boolean };
    expect(answer.replayed ?? false).toBe(false);
    const acts = certificatesOf(await simAdm.operations()).slice(before);
    expect(acts).toHaveLength(1);
    expect(acts[0]).toMatchObject({ fiscalCode: giulia.fiscalCode, protocolNumber: answer.anprProtocolNumber });
  }, 300_000);
});

describe("8 concurrent certificates through the router (ghz)", () => {
  it("all 200 succeed, each a certificate of its own at ANPR", async () => {
    const before = (await simAdm.operations()).filter(
      (o: SimOperation) => o.comuneCode === "022205" && o.service === "6001" && o.outcome === "OK",
    ).length;
    const data = issueJson(mario, "ghz-{{newUUID}}");
    const ghz = await run(
      requireTool("ghz"),
      [
        "--insecure",
        "--call",
        "novabox.certification.v1.CertificationService.IssueCertificate",
        "-d",
        data,
        "-m",
        JSON.stringify({ authorization: `Bearer ${await bearer()}` }),
        "-n",
        "200",
        "-c",
        "8",
        "-t",
        "120s",
        "-O",
        "json",
        routerAddress,
      ],
      { timeoutMs: 600_000 },
    );
    const report = JSON.parse(ghz.stdout) as {
      statusCodeDistribution?: Record<string, number>;
      errorDistribution?: Record<string, number>;
    };
    expect({ status: report.statusCodeDistribution, errors: report.errorDistribution ?? {} }).toEqual({
      status: { OK: 200 },
      errors: {},
    });
    const acts = (await simAdm.operations()).filter(
      (o: SimOperation) => o.comuneCode === "022205" && o.service === "6001" && o.outcome === "OK",
    );
    expect(acts.length - before).toBe(200);
    expect(new Set(acts.map((o) => o.idOperazioneComune)).size).toBe(acts.length);
  }, 600_000);
});
