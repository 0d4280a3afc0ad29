/**
 * Online backup while certificates are being issued, restored into a new ANPR_HOME, with real
 * processes: the ANPR simulator over HTTPS, the Novares router as witness (mutual TLS, file
 * store), a Novabox on mutual TLS announcing to it, and the real `npm run backup`, `npm run
 * restore` and `npm run audit:verify` programs.
 *
 * Four tobacconist terminals issue 100 certificates; after the 20th acknowledgement the backup CLI
 * runs beside the serving box (the last 10 certificates wait for it to finish, so some are surely
 * acknowledged after it). The box is then lost (stopped), and the backup is restored into a fresh
 * ANPR_HOME (with the box's secret key copied there) and started as the same mesh instance.
 *
 * The contract it checks, taking the lost box's database as ground truth:
 * - every certificate acknowledged before the backup started is in the restored log, unchanged
 *   (same row, same hash); a certificate acknowledged while the backup ran is in it exactly when its
 *   row is at or below the backup's checkpoint (the row `npm run backup` prints);
 * - every certificate acknowledged after the checkpoint is NOT in the restored log, and its row id
 *   is inside the gap both verifiers report (`ids <checkpoint+1>–<last witnessed row> lost by the
 *   restore`), with the first lost witnessed checkpoint named as a disagreement: the loss is shown,
 *   never hidden (rows written after the box's last witnessed checkpoint would be beyond any
 *   checkpoint; the test waits for the witness to see the head, so there are none here);
 * - the restored box comes back SERVING (grpc.health.v1), and the idOperazioneComune values it then
 *   sends, as captured by the simulator, are higher than every id sent before the backup (and
 *   after it: the counter's clock floor);
 * - the router's summary of the instance (what the Novares console shows) is RESTORED_WITH_GAP.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomUUID } from "node:crypto";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { Client } from "@grpc/grpc-js";
import { SignJWT } from "jose";
import { ConfigService, WitnessOutcome } from "#gen/novabox/config/v1/config_service_pb.js";
import { CertificationService, CertificateType } from "#gen/novabox/certification/v1/certification_service_pb.js";
import { Health, HealthCheckResponse_ServingStatus } from "#gen/grpc/health/v1/health_pb.js";
import { DiscoveryService } from "#gen/novares/discovery/v1/discovery_service_pb.js";
import { AuditWitnessService, WitnessState } from "#gen/novares/witness/v1/witness_service_pb.js";
import { createGrpcClient, type GrpcClient } from "#shared/rpc/grpc-adapter.js";
import { ensureDevPki, type DevPkiManifest } from "#shared/dev-pki/anpr-dev-pki.js";
import { ensureMeshPki, meshBoxRole, meshCredentials } from "#shared/dev-pki/mesh-pki.js";
import { decodeCheckpoint } from "#shared/mesh/audit-checkpoint.js";
import { ensureDevSsoKeyPair, type DevSsoKeyPair } from "../../services/gateway/src/server/sso-keys.js";
import { boxComponent } from "../../services/novabox/src/anpr-client/operation-id.js";
import { secretKeyFilePath } from "../../services/novabox/src/store/secret-box.js";
import { startService, type StartedService } from "../support/services.js";
import { run, waitFor } from "../support/process.js";
import { configureTrentoBox, simAdmin, type SimAdmin, type SimOperation } from "../support/exactly-once.js";

const root = new URL("../../", import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), "audit-backup-"));
const meshDir = join(work, "mesh");
const homeA = join(work, "home-lost");
const homeB = join(work, "home-restored");
const backupDir = join(work, "backups");
const issuer = "https://sso.novares.test";
const workstation = "POST-BACKUP";
const role = meshBoxRole({ comuneCode: "022205", workstationId: workstation });
const mario = { fiscalCode: "RSSMRA85T10A562S", surname: "ROSSI", name: "MARIO" };
const total = 100;
const terminals = 4;

let manifest: DevPkiManifest;
let sso: DevSsoKeyPair;
let sim: StartedService;
let admin: SimAdmin;
let router: StartedService;
let routerAddress = "";
let routerChannel: Client;
let witness: GrpcClient<typeof AuditWitnessService>;
let discovery: GrpcClient<typeof DiscoveryService>;
const started: StartedService[] = [];
const channels: Client[] = [];

/** A box process on `home` with its gRPC clients (mesh client certificate "gateway"). */
async function startBox(home: string) {
  const service = await startService(
    "services/novabox/src/server/main.ts",
    {
      ANPR_HOME: home,
      NOVABOX_GRPC_PORT: "0",
      NOVABOX_HTTP_PORT: "0",
      NOVABOX_HOST: "127.0.0.1",
      NOVABOX_MESH_TLS_DIR: meshDir,
      NOVABOX_MESH_ROLE: role,
      NOVABOX_ANPR_TIMEOUT_MS: "30000",
    },
    "novabox ready",
  );
  started.push(service);
  const channel = new Client(`127.0.0.1:${String(service.ready.grpcPort)}`, meshCredentials(meshDir, "gateway").client);
  channels.push(channel);
  return {
    service,
    grpcPort: Number(service.ready.grpcPort),
    certification: createGrpcClient(CertificationService, channel),
    config: createGrpcClient(ConfigService, channel),
    health: createGrpcClient(Health, channel),
    stop: async () => {
      channel.close();
      await service.process.stop();
    },
  };
}

async function token(tobacconist: string): Promise<{ metadata: Record<string, string> }> {
  const jwt = await new SignJWT({ name: `Tabaccheria ${tobacconist}` })
    .setProtectedHeader({ alg: "RS256" })
    .setSubject(tobacconist)
    .setIssuer(issuer)
    .setAudience("novabox")
    .setIssuedAt()
    .setExpirationTime("10m")
    .sign(sso.privateKey);
  return { metadata: { authorization: `Bearer ${jwt}` } };
}

/** Issues one certificate, retrying a transport failure with the same idempotency key; returns its protocol number. */
async function issue(certification: GrpcClient<typeof CertificationService>, tobacconist: string): Promise<string> {
  const key = randomUUID();
  for (let attempt = 1; ; attempt++) {
    try {
      const answer = await certification.issueCertificate(
        {
          comuneCode: "022205",
          tobacconistId: tobacconist,
          idempotencyKey: key,
          subject: mario,
          certificateTypes: [CertificateType.RESIDENCE],
          stampDuty: { case: "stampDutyPaid" as const, value: {} },
        },
        { ...(await token(tobacconist)), deadline: new Date(Date.now() + 90_000) },
      );
      return answer.anprProtocolNumber;
    } catch (err) {
      if (attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** The 16-digit sequence of an idOperazioneComune of this box (`<component><sequence>`). */
const sequenceOf = (id: string) => BigInt(id.slice(-16));

/** Every CERTIFICATE_ISSUE SUCCESS row of a database: protocol number → { id, hash }. */
function issuedRows(home: string): Map<string, { id: number; hash: string }> {
  const db = new Database(join(home, "novabox.db"), { readonly: true });
  try {
    const rows = db
      .prepare(
        "SELECT id, hash, anpr_protocol_number AS protocol FROM audit_log WHERE operation = 'CERTIFICATE_ISSUE' AND outcome = 'SUCCESS'",
      )
      .all() as { id: number; hash: string; protocol: string }[];
    return new Map(rows.map((r) => [r.protocol, { id: r.id, hash: r.hash }]));
  } finally {
    db.close();
  }
}

function headId(home: string): number {
  const db = new Database(join(home, "novabox.db"), { readonly: true });
  try {
    return (db.prepare("SELECT max(id) AS id FROM audit_log").get() as { id: number }).id;
  } finally {
    db.close();
  }
}

/** The witness's checkpoints of the box, once one is at row `id` or beyond. */
async function witnessedAtLeast(id: number) {
  return waitFor(
    `a checkpoint of ${workstation} at row ${id}`,
    async () => {
      const listed = await witness
        .listAuditCheckpoints({ comuneCode: "022205", workstationCode: workstation })
        .catch(() => undefined);
      const found = listed?.checkpoints.some((c) => c.signed && decodeCheckpoint(c.signed.checkpoint).lastId >= id);
      return found ? listed : undefined;
    },
    60_000,
    200,
  );
}

beforeAll(async () => {
  manifest = await ensureDevPki(join(work, "pki"));
  sso = await ensureDevSsoKeyPair(join(work, "sso"));
  await ensureMeshPki(meshDir, { boxes: [`022205:${workstation}`] });
  sim = await startService(
    "services/anpr-sim/src/server/main.ts",
    { ANPR_SIM_PORT: "0", ANPR_SIM_PKI_DIR: manifest.dir, ANPR_SIM_RESIDENTS_PER_COMUNE: "50" },
    "anpr-sim ready",
  );
  started.push(sim);
  admin = simAdmin(String(sim.ready.url), manifest.simulator.caCertificateFile);
  router = await startService(
    "services/router/src/server/main.ts",
    {
      ROUTER_PORT: "0",
      ROUTER_HOST: "127.0.0.1",
      MESH_TLS_DIR: meshDir,
      ROUTER_WITNESS_DIR: join(work, "witness"),
      ROUTER_ANNOUNCE_INTERVAL_MS: "300",
      ROUTER_EXPIRES_AFTER_MS: "10000",
    },
    "router ready",
  );
  started.push(router);
  routerAddress = `127.0.0.1:${String(router.ready.port)}`;
  routerChannel = new Client(routerAddress, meshCredentials(meshDir, "gateway").client);
  channels.push(routerChannel);
  witness = createGrpcClient(AuditWitnessService, routerChannel);
  discovery = createGrpcClient(DiscoveryService, routerChannel);
}, 240_000);

afterAll(async () => {
  for (const channel of channels) channel.close();
  for (const service of started.reverse()) await service.process.stop();
  rmSync(work, { recursive: true, force: true });
});

describe("online backup during issuance, restore into a new ANPR_HOME", () => {
  it("keeps every certificate acknowledged before the checkpoint, shows the rest as a named gap, and never reuses an operation id", async () => {
    // The box that will be lost.
    const lost = await startBox(homeA);
    const configured = await configureTrentoBox({
      grpcPort: lost.grpcPort,
      manifest,
      simUrl: String(sim.ready.url),
      ssoPublicKeyPem: sso.publicKeyPem,
      ssoIssuer: issuer,
      workstationId: workstation,
      novaresDiscoveryAddress: routerAddress,
      channelCredentials: meshCredentials(meshDir, "gateway").client,
    });
    configured.close();
    await issue(lost.certification, "TAB-WARM"); // fonts, WSDLs, keys

    // 100 certificates from four terminals; the backup runs after the 20th acknowledgement.
    const acks: { protocol: string; at: number }[] = [];
    let sent = 0;
    let backupDone!: () => void;
    const backupFinished = new Promise<void>((resolve) => (backupDone = resolve));
    const terminal = async (n: number) => {
      while (sent < total) {
        sent += 1;
        if (sent > total - 10) await backupFinished; // the last 10 surely after the backup
        const protocol = await issue(lost.certification, `TAB-000${String(n)}`);
        acks.push({ protocol, at: Date.now() });
      }
    };
    const traffic = Promise.all(Array.from({ length: terminals }, (_, n) => terminal(n + 1)));
    await waitFor("20 acknowledged certificates", () => Promise.resolve(acks.length >= 20 || undefined), 300_000, 50);
    const opsBeforeBackup = await admin.operations();
    const backupStartedAt = Date.now();
    const backup = await run(
      process.execPath,
      ["--import", "tsx", "services/novabox/src/cli/backup.ts", homeA, backupDir],
      {
        cwd: root,
        timeoutMs: 120_000,
        env: { ...process.env, NOVABOX_MESH_TLS_DIR: meshDir, NOVABOX_MESH_ROLE: role },
      },
    );
    const backupEndedAt = Date.now();
    backupDone();
    await traffic;
    expect(backup.code).toBe(0);
    expect(backup.stdout).toMatch(/checkpoint: .*\.checkpoint\.json \(signed\)/);
    const checkpointId = Number(/audit log through row (\d+)/.exec(backup.stdout)?.[1]);
    const backupFile = /backup written: (\S+\.db)/.exec(backup.stdout)?.[1] ?? "";
    expect(checkpointId).toBeGreaterThan(0);
    expect(acks).toHaveLength(total);

    // The lost box's last rows are witnessed, then it is gone; its database is the ground truth.
    const lostHead = headId(homeA);
    const beforeLoss = await witnessedAtLeast(lostHead);
    await lost.stop();
    const truth = issuedRows(homeA);
    const allOpsBefore = await admin.operations();

    // Restore into a fresh ANPR_HOME: the key first (it is not in the backup), then the copy.
    mkdirSync(homeB, { recursive: true, mode: 0o700 });
    copyFileSync(secretKeyFilePath(homeA), secretKeyFilePath(homeB));
    chmodSync(secretKeyFilePath(homeB), 0o600);
    const restore = await run(
      process.execPath,
      ["--import", "tsx", "services/novabox/src/cli/restore.ts", backupFile, homeB],
      {
        cwd: root,
        timeoutMs: 120_000,
        env: { ...process.env, NOVABOX_MESH_TLS_DIR: meshDir },
      },
    );
    expect(restore.stderr).toBe("");
    expect(restore.stdout).toMatch(
      new RegExp(`audit log through row ${checkpointId}, RESTORE recorded as row ${checkpointId + 1}`),
    );
    expect(restore.code).toBe(0);
    const restoredRows = issuedRows(homeB);

    // Acknowledged before the backup started: all there, the same rows.
    const before = acks.filter((a) => a.at < backupStartedAt);
    expect(before.length).toBeGreaterThanOrEqual(20);
    for (const a of before) expect(restoredRows.get(a.protocol)).toEqual(truth.get(a.protocol));
    // Every acknowledged certificate is in the lost box's log; the checkpoint decides which survive.
    const after: number[] = [];
    for (const a of acks) {
      const row = truth.get(a.protocol);
      expect(row).toBeDefined();
      if (row!.id <= checkpointId) expect(restoredRows.get(a.protocol)).toEqual(row);
      else {
        expect(restoredRows.has(a.protocol)).toBe(false);
        after.push(row!.id);
      }
    }
    // The last 10 waited for the backup: acknowledged after it, not in the restored log.
    expect(acks.filter((a) => a.at > backupEndedAt).length).toBeGreaterThanOrEqual(10);
    expect(after.length).toBeGreaterThanOrEqual(10);
    expect(Math.min(...after)).toBeGreaterThan(checkpointId);
    expect(Math.max(...after)).toBeLessThanOrEqual(lostHead);

    // The restored box, same mesh instance, comes back SERVING.
    const restored = await startBox(homeB);
    await waitFor(
      "the restored box to be SERVING",
      async () =>
        (await restored.health.check({ service: "" }).catch(() => undefined))?.status ===
          HealthCheckResponse_ServingStatus.SERVING || undefined,
      60_000,
      200,
    );
    // Its next operation ids are above every id ANPR saw before the backup (and since).
    const maxBefore = (ops: SimOperation[]) =>
      ops
        .filter((o) => o.comuneCode === "022205" && o.idOperazioneComune.startsWith(boxComponent(workstation)))
        .map((o) => sequenceOf(o.idOperazioneComune))
        .reduce((m, s) => (s > m ? s : m), 0n);
    expect(
      opsBeforeBackup.filter((o) => o.idOperazioneComune.startsWith(boxComponent(workstation))).length,
    ).toBeGreaterThanOrEqual(20);
    for (let i = 0; i < 3; i++) await issue(restored.certification, "TAB-0001");
    const fresh = (await admin.operations()).slice(allOpsBefore.length).filter((o) => o.service === "6001");
    expect(fresh).toHaveLength(3);
    for (const op of fresh) {
      expect(op.idOperazioneComune.startsWith(boxComponent(workstation))).toBe(true);
      expect(sequenceOf(op.idOperazioneComune)).toBeGreaterThan(maxBefore(opsBeforeBackup));
      expect(sequenceOf(op.idOperazioneComune)).toBeGreaterThan(maxBefore(allOpsBefore));
    }

    // Both verifiers: the chain is intact, and the witness names the first checkpoint the restore lost.
    const expected = beforeLoss.checkpoints
      .map((c) => ({ sequence: Number(c.sequence), lastId: decodeCheckpoint(c.signed!.checkpoint).lastId }))
      .sort((a, b) => a.sequence - b.sequence)
      .find((c) => c.lastId > checkpointId)!;
    expect(expected).toBeDefined();
    const gap = `ids ${String(checkpointId + 1)}–${String(lostHead)} lost by the restore of`;
    await witnessedAtLeast(headId(homeB)); // the restored box's own checkpoints are compared too
    const session = (await restored.config.login({ username: "admin", password: "correct horse battery staple" }))
      .session!.token;
    const verified = await restored.config.verifyAuditLog({}, { metadata: { authorization: `Bearer ${session}` } });
    expect(verified.ok).toBe(true);
    expect(verified.witness).toMatchObject({
      outcome: WitnessOutcome.DISAGREES,
      firstDisagreeingSequence: BigInt(expected.sequence),
      firstDisagreeingId: BigInt(expected.lastId),
    });
    expect(verified.witness?.reason).toMatch(
      new RegExp(
        `^checkpoint #${String(expected.sequence)} \\(row ${String(expected.lastId)},.*beyond row ${String(checkpointId)}, the newest row of the backup restored`,
      ),
    );
    expect(verified.witness?.restoreGap).toContain(gap);
    const cli = await run(
      process.execPath,
      [
        "--import",
        "tsx",
        "services/novabox/src/cli/audit-verify.ts",
        homeB,
        "--witness",
        routerAddress,
        "--mesh-tls-dir",
        meshDir,
        "--mesh-role",
        role,
      ],
      { cwd: root, timeoutMs: 60_000 },
    );
    expect(cli.stdout).toMatch(/audit log intact/);
    expect(cli.stdout).toMatch(
      new RegExp(
        `witness DISAGREES at checkpoint #${String(expected.sequence)} \\(row ${String(expected.lastId)}\\): .*lost by the restore`,
      ),
    );
    expect(cli.stdout).toContain(`witness: ${gap}`);
    expect(cli.code).toBe(1);
    // The router's own view, as the Novares console shows it.
    await waitFor(
      "the router to show the restore's gap",
      async () => {
        const listed = await discovery.listInstances({ comuneCode: "022205" });
        const summary = listed.instances.find((i) => i.workstationCode === workstation)?.auditWitness;
        return summary?.state === WitnessState.RESTORED_WITH_GAP ? summary : undefined;
      },
      30_000,
      200,
    );
    await restored.stop();
  }, 600_000);
});
