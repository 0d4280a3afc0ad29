/**
 * The router's audit witness with real signatures (a mesh CA made for the test): it keeps signed
 * checkpoints per instance in the file store, refuses forged or foreign ones, and sees a log that
 * goes backwards, a rewritten entry, and a recorded restore (shown as a gap).
 */
import { afterAll, describe, expect, it } from "@jest/globals";
import { createPrivateKey } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCertificateAuthority } from "#shared/anpr/pki.js";
import { issueMeshCertificate } from "#shared/dev-pki/mesh-pki.js";
import { signCheckpoint, type AuditHead } from "#shared/mesh/audit-checkpoint.js";
import { isDomainError } from "#shared/runtime/domain-error.js";
import { createAuditWitness } from "../src/domain/audit-witness.js";
import { createCheckpointVerifier } from "../src/server/checkpoint-verifier.js";
import { createFileCheckpointStore } from "../src/server/file-checkpoint-store.js";

const dir = mkdtempSync(join(tmpdir(), "witness-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ca = createCertificateAuthority({ commonName: "Novares mesh CA", organization: "Novares mesh", validDays: 30 });
const identityOf = (role: `box-${string}`) => {
  const issued = issueMeshCertificate(ca, { role, hostnames: ["127.0.0.1"], validDays: 30 });
  return { certificatePem: issued.certificatePem, privateKey: createPrivateKey(issued.privateKeyPem) };
};
const trento = identityOf("box-022205");
const rovereto = identityOf("box-022161");
const hash = (n: number) => n.toString(16).padStart(64, "0");
const head = (lastId: number, extra: Partial<AuditHead> = {}): AuditHead => ({
  comuneCode: "022205",
  workstationCode: "POST-022205-01",
  lastId,
  headHash: hash(lastId),
  rowCount: lastId,
  time: new Date(),
  chain: "novabox-audit-v2",
  purpose: "announce",
  ...extra,
});

function newWitness(folder: string) {
  const clock = { ms: Date.now() };
  const witness = createAuditWitness({
    store: createFileCheckpointStore(folder),
    verify: createCheckpointVerifier(() => ca.certificatePem),
    clock: () => new Date(clock.ms),
  });
  return { witness, clock };
}

describe("audit witness", () => {
  it("keeps checkpoints durably, once per new head, and agrees while the log grows", async () => {
    const folder = join(dir, "grow");
    const { witness, clock } = newWitness(folder);
    expect(await witness.record("022205", "POST-022205-01", signCheckpoint(head(3), trento))).toBe(3);
    clock.ms += 1000;
    await witness.record("022205", "POST-022205-01", signCheckpoint(head(3), trento));
    clock.ms += 1000;
    await witness.record(
      "022205",
      "POST-022205-01",
      signCheckpoint(head(7, { priorId: 3, priorHash: hash(3) }), trento),
    );
    const listed = await witness.list("022205", "POST-022205-01");
    expect(listed?.checkpoints.map((c) => c.sequence)).toEqual([1, 2]);
    expect(listed?.summary).toMatchObject({ state: "AGREES", lastId: 7, highestId: 7 });
    // A new router process reads the same file.
    const reread = await newWitness(folder).witness.list("022205", "POST-022205-01");
    expect(reread?.checkpoints).toHaveLength(2);
    expect(JSON.parse(readFileSync(join(folder, "022205", "POST-022205-01.json"), "utf8"))).toMatchObject({
      comuneCode: "022205",
      nextSequence: 3,
    });
  });

  it("refuses a checkpoint signed by another Comune's box, or altered", async () => {
    const { witness } = newWitness(join(dir, "forged"));
    await expect(witness.record("022205", "POST-022205-01", signCheckpoint(head(1), rovereto))).rejects.toMatchObject({
      kind: "forbidden",
      reason: "SIGNER_WRONG_BOX",
    });
    const signed = signCheckpoint(head(2), trento);
    const altered = { ...signed, checkpoint: new Uint8Array(signed.checkpoint) };
    const last = altered.checkpoint.length - 1;
    altered.checkpoint[last] = altered.checkpoint[last]! ^ 1;
    const error = await witness.record("022205", "POST-022205-01", altered).catch((e: unknown) => e);
    expect(isDomainError(error) && error.kind).toBe("forbidden");
    await expect(witness.record("022205", "POST-9", signCheckpoint(head(1), trento))).rejects.toMatchObject({
      reason: "CHECKPOINT_NOT_OF_ANNOUNCER",
    });
  });

  it("disagrees when the log goes back or a witnessed entry changes hash, and stays so", async () => {
    const back = newWitness(join(dir, "back")).witness;
    await back.record("022205", "POST-022205-01", signCheckpoint(head(10), trento));
    await back.record("022205", "POST-022205-01", signCheckpoint(head(6), trento));
    expect(back.summaryOf("022205", "POST-022205-01")).toMatchObject({ state: "DISAGREES", highestId: 10 });
    expect(back.summaryOf("022205", "POST-022205-01")?.reason).toMatch(/went back from row 10 .* to row 6/);
    await back.record("022205", "POST-022205-01", signCheckpoint(head(12), trento));
    expect(back.summaryOf("022205", "POST-022205-01")?.state).toBe("DISAGREES");

    const rewritten = newWitness(join(dir, "rewritten")).witness;
    await rewritten.record("022205", "POST-022205-01", signCheckpoint(head(10), trento));
    await rewritten.record(
      "022205",
      "POST-022205-01",
      signCheckpoint(head(15, { priorId: 10, priorHash: hash(999) }), trento),
    );
    expect(rewritten.summaryOf("022205", "POST-022205-01")?.reason).toMatch(
      /row 10 was witnessed with hash 000000000000… and the box now reports/,
    );
  });

  it("shows a recorded restore as a gap", async () => {
    const { witness, clock } = newWitness(join(dir, "restore"));
    await witness.record("022205", "POST-022205-01", signCheckpoint(head(20), trento));
    clock.ms += 60_000;
    await witness.record(
      "022205",
      "POST-022205-01",
      signCheckpoint(head(16, { headHash: hash(1600), restoredFromId: 15, restoredAt: new Date(clock.ms) }), trento),
    );
    expect(witness.summaryOf("022205", "POST-022205-01")).toMatchObject({ state: "RESTORED_WITH_GAP" });
    expect(witness.summaryOf("022205", "POST-022205-01")?.reason).toMatch(/ids 16–20 witnessed before are lost/);
  });
});
