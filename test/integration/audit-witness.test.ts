/**
 * The audit log against checkpoints witnessed outside the box. A real router (mutual TLS, file
 * witness store) and real Novabox processes; the attacker edits the box's SQLite file from this
 * test process, with root's powers (the secret key file, the triggers dropped, the HMAC chain
 * recomputed). Each attack leaves a chain that verifies on its own, and both verifiers — the box's
 * VerifyAuditLog and `npm run audit:verify` with the witness — name the first witnessed checkpoint
 * that disagrees: a re-chained edit, the newest rows deleted, and the database restored to an older
 * copy. The router's own summary (what the Novares console shows) disagrees too. An edit re-chained
 * without the box's key — with the old unkeyed SHA-256 formula, or with a guessed key — fools a check
 * of the links alone but not the keyed chain (HASH_MISMATCH at the edited row) nor the witness.
 * Last, a signed CSV export of a log holding formula-looking, accented user names round-trips
 * through the real `npm run audit:verify -- --export` CLI: BOM, accents intact, every = + - @ cell
 * neutralised, the signature verifies with the export's checkpoint, and one changed byte fails.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomBytes } from "node:crypto";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { Client } from "@grpc/grpc-js";
import { create } from "@bufbuild/protobuf";
import { ConfigService, SettingsSchema, WitnessOutcome } from "#gen/novabox/config/v1/config_service_pb.js";
import { DiscoveryService } from "#gen/novares/discovery/v1/discovery_service_pb.js";
import { AuditWitnessService, WitnessState } from "#gen/novares/witness/v1/witness_service_pb.js";
import { createGrpcClient, type GrpcClient } from "#shared/rpc/grpc-adapter.js";
import { ensureMeshPki, meshBoxRole, meshCredentials } from "#shared/dev-pki/mesh-pki.js";
import { decodeCheckpoint } from "#shared/mesh/audit-checkpoint.js";
import {
  computeAuditHash,
  readAuditChainKey,
  readSecretKeyFile,
  secretKeyFilePath,
  verifyAuditChain,
  type AuditHashInput,
} from "../../services/novabox/src/store/index.js";
import { createSecretBox } from "../../services/novabox/src/store/secret-box.js";
import { startService, type StartedService } from "../support/services.js";
import { run, waitFor } from "../support/process.js";

const root = new URL("../../", import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), "audit-witness-"));
const meshDir = join(work, "mesh");
let router: StartedService;
let routerAddress = "";
let channel: Client;
let witness: GrpcClient<typeof AuditWitnessService>;
let discovery: GrpcClient<typeof DiscoveryService>;
const boxes: StartedService[] = [];
/** One box per scenario, each with its own mesh certificate (Comune 022205, its own workstation). */
const workstations = [
  "POST-INTACT",
  "POST-RECHAIN",
  "POST-TRUNC",
  "POST-OLDER",
  "POST-V1",
  "POST-GUESS",
  "POST-EXPORT",
];
const roleOf = (workstation: string) => meshBoxRole({ comuneCode: "022205", workstationId: workstation });

beforeAll(async () => {
  await ensureMeshPki(meshDir, { boxes: workstations.map((w) => `022205:${w}`) });
  router = await startService(
    "services/router/src/server/main.ts",
    {
      ROUTER_PORT: "0",
      ROUTER_HOST: "127.0.0.1",
      MESH_TLS_DIR: meshDir,
      ROUTER_WITNESS_DIR: join(work, "witness"),
      ROUTER_ANNOUNCE_INTERVAL_MS: "300",
      ROUTER_EXPIRES_AFTER_MS: "5000",
    },
    "router ready",
  );
  expect(router.ready.witness).toBe("file");
  routerAddress = `127.0.0.1:${String(router.ready.port)}`;
  channel = new Client(routerAddress, meshCredentials(meshDir, "gateway").client);
  witness = createGrpcClient(AuditWitnessService, channel);
  discovery = createGrpcClient(DiscoveryService, channel);
}, 120_000);

afterAll(async () => {
  channel?.close();
  for (const box of boxes) await box.process.stop();
  await router?.process.stop();
  rmSync(work, { recursive: true, force: true });
});

/** A box on its own ANPR_HOME, announcing to the router as workstation `workstation`. */
class Box {
  service!: StartedService;
  channel!: Client;
  config!: GrpcClient<typeof ConfigService>;
  token = "";
  username = "admin";
  constructor(
    readonly home: string,
    readonly workstation: string,
  ) {}

  async start(): Promise<void> {
    this.service = await startService(
      "services/novabox/src/server/main.ts",
      {
        ANPR_HOME: this.home,
        NOVABOX_GRPC_PORT: "0",
        NOVABOX_HTTP_PORT: "0",
        NOVABOX_HOST: "127.0.0.1",
        NOVABOX_MESH_TLS_DIR: meshDir,
        NOVABOX_MESH_ROLE: roleOf(this.workstation),
      },
      "novabox ready",
    );
    boxes.push(this.service);
    this.channel = new Client(
      `127.0.0.1:${String(this.service.ready.grpcPort)}`,
      meshCredentials(meshDir, "gateway").client,
    );
    this.config = createGrpcClient(ConfigService, this.channel);
  }

  async stop(): Promise<void> {
    this.channel.close();
    await this.service.process.stop();
  }

  auth() {
    return { metadata: { authorization: `Bearer ${this.token}` } };
  }

  async setUp(username = "admin"): Promise<void> {
    this.username = username;
    this.token = (
      await this.config.registerAdmin({ username, password: "a long passphrase for the test" })
    ).session!.token;
    await this.config.updateConfig(
      {
        settings: create(SettingsSchema, {
          comuneCode: "022205",
          comuneName: "Trento",
          workstationId: this.workstation,
          novaresDiscoveryAddress: routerAddress,
        }),
        updateMask: { paths: ["comune_code", "comune_name", "workstation_id", "novares_discovery_address"] },
      },
      this.auth(),
    );
  }

  /** Appends `n` ADMIN_LOGIN rows through the API. */
  async activity(n: number): Promise<void> {
    for (let i = 0; i < n; i++)
      this.token = (
        await this.config.login({ username: this.username, password: "a long passphrase for the test" })
      ).session!.token;
  }

  headId(): number {
    const db = new Database(join(this.home, "novabox.db"), { readonly: true });
    try {
      return (db.prepare("SELECT max(id) AS id FROM audit_log").get() as { id: number }).id;
    } finally {
      db.close();
    }
  }

  /** Waits until the witness holds a checkpoint at the log's current head; returns the history. */
  async witnessedAtHead() {
    const head = this.headId();
    return waitFor(
      `a checkpoint of ${this.workstation} at row ${head}`,
      async () => {
        const listed = await witness
          .listAuditCheckpoints({ comuneCode: "022205", workstationCode: this.workstation })
          .catch(() => undefined);
        const found = listed?.checkpoints.some((c) => c.signed && readLastId(c.signed.checkpoint) === head);
        return found ? listed : undefined;
      },
      30_000,
      100,
    );
  }

  cli() {
    return run(
      process.execPath,
      [
        "--import",
        "tsx",
        "services/novabox/src/cli/audit-verify.ts",
        this.home,
        "--witness",
        routerAddress,
        "--mesh-tls-dir",
        meshDir,
        "--mesh-role",
        roleOf(this.workstation),
      ],
      { cwd: root, timeoutMs: 60_000 },
    );
  }
}

/** The last_id a signed checkpoint asserts. */
function readLastId(bytes: Uint8Array): number {
  return decodeCheckpoint(bytes).lastId;
}

/**
 * How the attacker recomputes the chain: with the box's key (read with root's powers from
 * secret.key), with the documented unkeyed SHA-256 formula of novabox-audit-v1, or with a guessed key.
 */
type Rechain = "box-key" | "sha256-v1" | "guessed-key";

/** The attacker: opens the file directly, drops the guards, and re-chains from `fromId`. */
function rechainFrom(
  home: string,
  fromId: number,
  edit: (db: Database.Database) => void,
  scheme: Rechain = "box-key",
): void {
  const db = new Database(join(home, "novabox.db"));
  try {
    db.exec("DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_delete_only_purged;");
    const chain = readAuditChainKey(db, createSecretBox(readSecretKeyFile(secretKeyFilePath(home))))!;
    edit(db);
    const rows = db.prepare("SELECT * FROM audit_log WHERE id >= ? ORDER BY id").all(fromId) as Record<
      string,
      string | number
    >[];
    let previous =
      (db.prepare("SELECT hash FROM audit_log WHERE id = ?").get(fromId - 1) as { hash: string } | undefined)?.hash ??
      "0".repeat(64);
    const update = db.prepare("UPDATE audit_log SET previous_hash = ?, hash = ? WHERE id = ?");
    const key =
      scheme === "box-key" ? chain.key : scheme === "guessed-key" ? new Uint8Array(randomBytes(32)) : undefined;
    for (const row of rows) {
      const input: AuditHashInput = {
        id: Number(row.id),
        time: Number(row.time),
        operation: row.operation as AuditHashInput["operation"],
        outcome: row.outcome as AuditHashInput["outcome"],
        authenticationMethod: row.authentication_method as AuditHashInput["authenticationMethod"],
        fiscalCode: String(row.fiscal_code),
        requestId: String(row.request_id),
        tobacconistId: String(row.tobacconist_id),
        actor: String(row.actor),
        anprProtocolNumber: String(row.anpr_protocol_number),
        anprOperationId: String(row.anpr_operation_id),
        anprErrorCode: String(row.anpr_error_code),
        detail: String(row.detail),
        previousHash: previous,
      };
      const hash = computeAuditHash(input, Number(row.id) <= chain.legacyThroughId ? undefined : key);
      update.run(previous, hash, row.id);
      previous = hash;
    }
    // The forgery is consistent: the links alone cannot tell.
    expect(verifyAuditChain(db)).toMatchObject({ ok: true, hmacChecked: false });
    // With the box's key, the chain alone can tell only when the attacker did not have it.
    expect(verifyAuditChain(db, chain)).toMatchObject(
      scheme === "box-key" ? { ok: true } : { ok: false, firstBrokenId: fromId, failure: "HASH_MISMATCH" },
    );
  } finally {
    db.close();
  }
}

/** The first checkpoint (by sequence) whose last_id is at least `id`. */
function firstCheckpointAtOrAfter(
  listed: Awaited<ReturnType<Box["witnessedAtHead"]>>,
  id: number,
): { sequence: number; lastId: number } {
  const found = listed.checkpoints
    .map((c) => ({ sequence: Number(c.sequence), lastId: readLastId(c.signed!.checkpoint) }))
    .find((c) => c.lastId >= id);
  if (!found) throw new Error(`no checkpoint at or after row ${id}`);
  return found;
}

async function routerSummary(workstation: string) {
  const listed = await discovery.listInstances({ comuneCode: "022205" });
  return listed.instances.find((i) => i.workstationCode === workstation)?.auditWitness;
}

describe("audit log witnessed by Novares", () => {
  it("agrees while nothing is touched", async () => {
    const box = new Box(join(work, "intact"), "POST-INTACT");
    await box.start();
    await box.setUp();
    await box.activity(3);
    await box.witnessedAtHead();
    const verified = await box.config.verifyAuditLog({}, box.auth());
    expect(verified).toMatchObject({ ok: true, hmacChecked: true });
    expect(verified.witness?.outcome).toBe(WitnessOutcome.AGREES);
    expect(Number(verified.witness?.checkpointsChecked)).toBeGreaterThan(0);
    const cli = await box.cli();
    expect(cli.stdout).toMatch(/audit log intact/);
    expect(cli.stdout).toMatch(/witness agrees: \d+ checkpoint\(s\) of 022205\/POST-INTACT match the log/);
    expect(cli.code).toBe(0);
    expect((await routerSummary("POST-INTACT"))?.state).toBe(WitnessState.AGREES);
    await box.stop();
  }, 120_000);

  it("names the checkpoint a re-chained edit disagrees with", async () => {
    const box = new Box(join(work, "rechained"), "POST-RECHAIN");
    await box.start();
    await box.setUp();
    await box.activity(5);
    const listed = await box.witnessedAtHead();
    const target = box.headId() - 3;
    const expected = firstCheckpointAtOrAfter(listed, target);
    rechainFrom(box.home, target, (db) =>
      db.prepare("UPDATE audit_log SET actor = 'someone-else' WHERE id = ?").run(target),
    );

    const verified = await box.config.verifyAuditLog({}, box.auth());
    expect(verified.ok).toBe(true); // the chain alone is fooled
    expect(verified.witness).toMatchObject({
      outcome: WitnessOutcome.DISAGREES,
      firstDisagreeingSequence: BigInt(expected.sequence),
      firstDisagreeingId: BigInt(expected.lastId),
    });
    expect(verified.witness?.reason).toMatch(
      new RegExp(`checkpoint #${expected.sequence} \\(row ${expected.lastId},.*rewritten and the chain recomputed`),
    );
    const cli = await box.cli();
    expect(cli.stdout).toMatch(/audit log intact/);
    expect(cli.stdout).toMatch(
      new RegExp(`witness DISAGREES at checkpoint #${expected.sequence} \\(row ${expected.lastId}\\)`),
    );
    expect(cli.code).toBe(1);
    // The router sees it by itself at the next announcements (the box reports its hash for the witnessed row).
    await waitFor(
      "the router to flag the instance",
      async () => ((await routerSummary("POST-RECHAIN"))?.state === WitnessState.DISAGREES ? true : undefined),
      20_000,
      200,
    );
    await box.stop();
  }, 120_000);

  it("names the checkpoint that the deletion of the newest rows disagrees with", async () => {
    const box = new Box(join(work, "truncated"), "POST-TRUNC");
    await box.start();
    await box.setUp();
    await box.activity(4);
    const listed = await box.witnessedAtHead();
    await box.stop();
    const head = box.headId();
    const db = new Database(join(box.home, "novabox.db"));
    db.exec("DROP TRIGGER IF EXISTS audit_log_delete_only_purged;");
    db.prepare("DELETE FROM audit_log WHERE id > ?").run(head - 3);
    db.close();
    const expected = firstCheckpointAtOrAfter(listed, head - 2);

    const cli = await box.cli();
    expect(cli.stdout).toMatch(/audit log intact/);
    expect(cli.stdout).toMatch(
      new RegExp(
        `witness DISAGREES at checkpoint #${expected.sequence} \\(row ${expected.lastId}\\).*beyond the log's newest row ${head - 3}: the newest rows were removed`,
      ),
    );
    expect(cli.code).toBe(1);
    await box.start();
    const verified = await box.config.verifyAuditLog({}, box.auth());
    expect(verified.ok).toBe(true);
    expect(verified.witness).toMatchObject({
      outcome: WitnessOutcome.DISAGREES,
      firstDisagreeingSequence: BigInt(expected.sequence),
    });
    await waitFor(
      "the router to flag the instance",
      async () => ((await routerSummary("POST-TRUNC"))?.state === WitnessState.DISAGREES ? true : undefined),
      20_000,
      200,
    );
    expect((await routerSummary("POST-TRUNC"))?.reason).toMatch(/went back from row/);
    await box.stop();
  }, 120_000);

  it("names the checkpoint that a database restored to an older copy disagrees with", async () => {
    const box = new Box(join(work, "older"), "POST-OLDER");
    await box.start();
    await box.setUp();
    await box.activity(2);
    await box.witnessedAtHead();
    // An old copy of the database, taken consistently while the box runs.
    const copy = join(work, "older-copy.db");
    const live = new Database(join(box.home, "novabox.db"), { readonly: true });
    await live.backup(copy);
    live.close();
    const copyHead = (() => {
      const db = new Database(copy, { readonly: true });
      const id = (db.prepare("SELECT max(id) AS id FROM audit_log").get() as { id: number }).id;
      db.close();
      return id;
    })();
    await box.activity(4);
    const listed = await box.witnessedAtHead();
    await box.stop();
    for (const suffix of ["-wal", "-shm"]) rmSync(join(box.home, `novabox.db${suffix}`), { force: true });
    unlinkSync(join(box.home, "novabox.db"));
    copyFileSync(copy, join(box.home, "novabox.db"));
    const expected = firstCheckpointAtOrAfter(listed, copyHead + 1);

    const cli = await box.cli();
    expect(cli.stdout).toMatch(/audit log intact/);
    expect(cli.stdout).toMatch(
      new RegExp(`witness DISAGREES at checkpoint #${expected.sequence} \\(row ${expected.lastId}\\)`),
    );
    expect(cli.code).toBe(1);
    await box.start();
    await box.activity(6); // the restored box continues past the witnessed rows, with other content
    const verified = await box.config.verifyAuditLog({}, box.auth());
    expect(verified.ok).toBe(true);
    expect(verified.witness).toMatchObject({
      outcome: WitnessOutcome.DISAGREES,
      firstDisagreeingSequence: BigInt(expected.sequence),
    });
    expect(verified.witness?.reason).toMatch(new RegExp(`checkpoint #${expected.sequence} `));
    await box.stop();
  }, 180_000);

  for (const [scheme, workstation] of [
    ["sha256-v1", "POST-V1"],
    ["guessed-key", "POST-GUESS"],
  ] as const) {
    it(`detects an edit re-chained with ${scheme === "sha256-v1" ? "the old unkeyed SHA-256 formula" : "a guessed key"}, by the chain and by the witness`, async () => {
      const box = new Box(join(work, scheme), workstation);
      await box.start();
      await box.setUp();
      await box.activity(5);
      const listed = await box.witnessedAtHead();
      const target = box.headId() - 3;
      const expected = firstCheckpointAtOrAfter(listed, target);
      rechainFrom(
        box.home,
        target,
        (db) => db.prepare("UPDATE audit_log SET actor = 'someone-else' WHERE id = ?").run(target),
        scheme,
      );

      const cli = await box.cli();
      expect(cli.stdout).toMatch(
        new RegExp(
          `audit log BROKEN at row ${target} \\(HASH_MISMATCH\\): row ${target}'s content does not match its hash`,
        ),
      );
      expect(cli.stdout).toMatch(
        new RegExp(`witness DISAGREES at checkpoint #${expected.sequence} \\(row ${expected.lastId}\\)`),
      );
      expect(cli.code).toBe(1);
      const verified = await box.config.verifyAuditLog({}, box.auth());
      expect(verified).toMatchObject({ ok: false, firstBrokenId: BigInt(target), hmacChecked: true });
      expect(verified.witness).toMatchObject({
        outcome: WitnessOutcome.DISAGREES,
        firstDisagreeingSequence: BigInt(expected.sequence),
        firstDisagreeingId: BigInt(expected.lastId),
      });
      await box.stop();
    }, 120_000);
  }

  it("exports a spreadsheet-hostile log as a signed CSV that `audit:verify --export` checks, and one changed byte fails", async () => {
    const box = new Box(join(work, "export"), "POST-EXPORT");
    await box.start();
    await box.setUp("@Nicolò-Zoë"); // a formula-looking name with accents, written by the box itself
    const hostile = ['=HYPERLINK("http://evil.test","clic")', "+39 0461 000000", "-1+2", "@SUM(A1:A9)"];
    for (const username of hostile)
      await expect(box.config.login({ username, password: "wrong password for the test" })).rejects.toThrow();
    await box.activity(1);
    const exported = await box.config.exportAuditCsv({}, box.auth());
    const file = join(work, "audit-export.csv");
    writeFileSync(file, exported.csv);
    writeFileSync(`${file}.sig`, exported.signatureFile);

    const bytes = readFileSync(file);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // the BOM: Excel reads UTF-8
    const text = bytes.toString("utf8").slice(1);
    expect(text).toContain("'@Nicolò-Zoë"); // accents intact, the leading @ neutralised
    expect(text).toContain(`"'=HYPERLINK(""http://evil.test"",""clic"")"`);
    for (const cell of ["'+39 0461 000000", "'-1+2", "'@SUM(A1:A9)"]) expect(text).toContain(cell);
    // No cell a spreadsheet would evaluate: none starts with = + - @ (quoted or not).
    for (const line of text.split("\r\n").filter((l) => l !== ""))
      for (const cell of line.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/))
        expect(cell.replace(/^"/, "")).not.toMatch(/^[=+\-@]/);

    const verify = (target: string, signature = `${file}.sig`) =>
      run(
        process.execPath,
        [
          "--import",
          "tsx",
          "services/novabox/src/cli/audit-verify.ts",
          "--export",
          target,
          "--signature",
          signature,
          "--mesh-tls-dir",
          meshDir,
        ],
        { cwd: root, timeoutMs: 60_000 },
      );
    const head = decodeCheckpoint(exported.checkpoint!.checkpoint);
    const intact = await verify(file);
    expect(intact.stdout).toMatch(
      new RegExp(
        `export intact: ${Number(exported.rows)} entries, signed by .* for Comune 022205 workstation POST-EXPORT; checkpoint row ${head.lastId} hash ${head.headHash}`,
      ),
    );
    expect(intact.code).toBe(0);
    // The signature file carries the export's checkpoint: the box's head when it exported.
    expect(head.lastId).toBe(box.headId() - 1); // the AUDIT_EXPORT row came after the export

    // One byte changed: a digit of an id inside the file.
    const altered = Buffer.from(bytes);
    const at = altered.indexOf(Buffer.from("\r\n2,", "utf8")) + 2;
    altered[at] = "3".charCodeAt(0);
    const alteredFile = join(work, "audit-export-altered.csv");
    writeFileSync(alteredFile, altered);
    const tampered = await verify(alteredFile, `${file}.sig`);
    expect(tampered.stdout).toMatch(/export NOT intact/);
    expect(tampered.code).toBe(1);
    await box.stop();
  }, 120_000);
});
