/**
 * Trusting ANPR and keeping the workstation certificate alive (issue 9), with a real Novabox store
 * (SQLite under a temporary ANPR_HOME), the real ConfigService domain and the simulator over HTTPS:
 *
 * - ANPR's TLS is trusted by CA, never by its server certificate, and a CA bundle is accepted
 *   (italia/anpr#1905): the server's own (leaf) certificate is refused with NOT_A_CA; a bundle of
 *   the old and the new CA is stored whole; when ANPR's server certificate is re-issued by the new
 *   CA (the rotations of #4339, #5148), the box's stored configuration still connects, unchanged,
 *   while a configuration holding only the old CA is refused by TLS.
 * - The workstation certificate: GetConfig's warnings (what the admin panel shows) name it from
 *   30 days before it expires, not earlier.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureDevPki, type DevPkiManifest, type DevPkiWorkstation } from "#shared/dev-pki/anpr-dev-pki.js";
import {
  createCertificateAuthority,
  issueWorkstationCertificate,
  loadCertificateAuthority,
  loadWorkstationCredentials,
  splitPemBundle,
} from "#shared/anpr/pki.js";
import { signIdPostazione } from "#shared/anpr/cms.js";
import { createWsSecuritySigner } from "#shared/anpr/wssecurity.js";
import { createLogger } from "#shared/runtime/logger.js";
import { createAnprClient, type AnprClient } from "../../services/novabox/src/anpr-client/anpr-client.js";
import { createFileOperationCounter } from "../../services/novabox/src/anpr-client/operation-counter.js";
import { createConfigService, type ConfigService } from "../../services/novabox/src/domain/config-service.js";
import { openNovaboxStore, type NovaboxStore } from "../../services/novabox/src/store/index.js";
import { startAnprSim, type RunningAnprSim } from "../../services/anpr-sim/src/server/start-anpr-sim.js";

const work = mkdtempSync(join(tmpdir(), "anpr-trust-"));
const day = 86_400_000;
let manifest: DevPkiManifest;
let trento: DevPkiWorkstation;
let store: NovaboxStore;
let now = new Date();
let service: ConfigService;
const clients: AnprClient[] = [];
const sims: RunningAnprSim[] = [];

const errorOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (err) {
    return err as Error & { kind?: string; reason?: string; details?: { field?: string } };
  }
  throw new Error("expected an error");
};

/** An ANPR client built only from what the box has stored (as the box's gateway builds it). */
async function clientFromStore(
  baseUrl: string,
  caCertificatePem = store.config.getSecrets().caCertificatePem!,
): Promise<AnprClient> {
  const credentials = loadWorkstationCredentials(
    readFileSync(trento.pkcs12File),
    readFileSync(trento.pinFile, "utf8").trim(),
  );
  const client = await createAnprClient({
    baseUrl,
    environment: "TEST",
    comuneCode: "022205",
    caCertificatePem,
    signer: createWsSecuritySigner({
      credentials,
      operatorId: trento.operatorId,
      sedeId: trento.sedeId,
      postazioneId: trento.postazioneId,
      applicationId: trento.applicationId,
      idPostazioneFirmato: signIdPostazione(credentials, trento.postazioneId),
    }),
    counter: createFileOperationCounter({ path: join(work, `counter-${String(clients.length)}`) }),
    timeoutMs: 30_000,
  });
  clients.push(client);
  return client;
}

async function startSim(pkiDir: string): Promise<RunningAnprSim> {
  const sim = await startAnprSim({
    logger: createLogger({ name: "anpr-sim", level: "silent" }),
    pkiDir,
    seed: 7,
    residentsPerComune: 50,
  });
  sims.push(sim);
  return sim;
}

beforeAll(async () => {
  manifest = await ensureDevPki(join(work, "pki"));
  trento = manifest.workstations.find((w) => w.comuneCode === "022205")!;
  store = openNovaboxStore({ home: join(work, "anpr_home"), now: () => now });
  service = createConfigService({
    config: store.config,
    audit: store.audit,
    clock: () => now,
    missingForAnpr: () => [],
    anpr: () => Promise.reject(new Error("not used here")),
  });
}, 120_000);

afterAll(async () => {
  for (const c of clients) c.close();
  for (const s of sims) await s.close();
  store?.close();
  rmSync(work, { recursive: true, force: true });
});

describe("ANPR's TLS trusted by CA, with a bundle (italia/anpr#1905, #4339, #5148)", () => {
  it("refuses ANPR's server (leaf) certificate with NOT_A_CA, saying to upload the CA", async () => {
    const leaf = splitPemBundle(readFileSync(manifest.simulator.tlsCertificateFile, "utf8"))[0]!;
    const err = await errorOf(service.uploadCaCertificate(Buffer.from(leaf), "", "admin"));
    expect(err).toMatchObject({ kind: "invalid-input", reason: "NOT_A_CA" });
    expect(err.message).toMatch(/not a CA certificate.*upload that CA's certificate, or a PEM bundle/);
    expect(store.config.caCertificateSummary()).toBeUndefined();
  });

  it("stores a bundle of the old and the new CA whole, and keeps connecting after ANPR's server certificate is re-issued by the new CA", async () => {
    const oldCaPem = readFileSync(manifest.simulator.caCertificateFile, "utf8");
    const newCa = createCertificateAuthority({ commonName: "ANPR simulator CA 2 (rotation)", validDays: 3650 });
    const summary = await service.uploadCaCertificate(Buffer.from(oldCaPem + newCa.certificatePem), "", "admin");
    expect(summary.subject).toContain("Novabox ANPR simulator CA");
    const stored = splitPemBundle(store.config.getSecrets().caCertificatePem!);
    expect(stored).toHaveLength(2);
    expect(stored[1]!.replace(/\s/g, "")).toBe(newCa.certificatePem.replace(/\s/g, ""));
    const row = store.audit
      .list({}, 10)
      .entries.find((e) => e.operation === "CA_CERTIFICATE_UPLOAD" && e.outcome === "SUCCESS");
    expect(row?.detail).toMatch(/^CA bundle of 2 .*Novabox ANPR simulator CA.*; .*ANPR simulator CA 2/);

    // Before the rotation: the server certificate is the old CA's.
    const before = await startSim(manifest.dir);
    expect((await (await clientFromStore(before.url)).testConnection()).outcome).toBe("OK");

    // The rotation: ANPR's server certificate re-issued by the new CA (workstation trust unchanged).
    const rotated = join(work, "pki-rotated");
    cpSync(manifest.dir, rotated, { recursive: true });
    writeFileSync(join(rotated, "anpr-sim-ca.pem"), newCa.certificatePem);
    writeFileSync(join(rotated, "anpr-sim-ca.key"), newCa.privateKeyPem, { mode: 0o600 });
    rmSync(join(rotated, "anpr-sim-tls.pem"));
    const after = await startSim(rotated);
    const served = splitPemBundle(readFileSync(join(rotated, "anpr-sim-tls.pem"), "utf8"));
    expect(served[served.length - 1]!.replace(/\s/g, "")).toBe(newCa.certificatePem.replace(/\s/g, ""));

    // The stored configuration, unchanged, connects; the old CA alone does not.
    expect((await (await clientFromStore(after.url)).testConnection()).outcome).toBe("OK");
    const oldOnly = await errorOf((await clientFromStore(after.url, oldCaPem)).testConnection());
    expect(oldOnly.message).toMatch(/certificate|TLS|self.signed|unable to verify/i);
  }, 180_000);

  it("leaves expired CAs of a bundle out, and refuses a bundle with no valid CA", async () => {
    const ca = loadCertificateAuthority(
      readFileSync(manifest.simulator.caCertificateFile, "utf8"),
      readFileSync(manifest.simulator.caKeyFile, "utf8"),
    );
    const expired = createCertificateAuthority({
      commonName: "ANPR expired CA",
      validDays: 1,
      notBefore: new Date(Date.now() - 10 * day),
    });
    await service.uploadCaCertificate(Buffer.from(expired.certificatePem + ca.certificatePem), "", "admin");
    expect(splitPemBundle(store.config.getSecrets().caCertificatePem!)).toHaveLength(1);
    const err = await errorOf(service.uploadCaCertificate(Buffer.from(expired.certificatePem), "", "admin"));
    expect(err).toMatchObject({ kind: "invalid-input", reason: "CERT_EXPIRED" });
  });
});

describe("workstation certificate expiry warning (GetConfig, the admin panel)", () => {
  it("appears from 30 days before the certificate expires, not earlier, and says what to do", async () => {
    const wsCa = loadCertificateAuthority(
      readFileSync(manifest.workstationCa.certificateFile, "utf8"),
      readFileSync(manifest.workstationCa.keyFile, "utf8"),
    );
    const issued = issueWorkstationCertificate(wsCa, {
      comuneCode: "022205",
      postazioneId: trento.postazioneId,
      validDays: 90,
    });
    now = new Date();
    await service.uploadWorkstationCertificate(issued.toPkcs12("12345678"), "12345678", "admin");
    const notAfter = store.config.workstationCertificateSummary()!.notAfter;
    const expiring = () => service.warnings().filter((w) => w.code === "WORKSTATION_CERTIFICATE_EXPIRING");

    now = new Date(notAfter.getTime() - 31 * day);
    expect(expiring()).toEqual([]);
    now = new Date(notAfter.getTime() - 30 * day + 60_000);
    expect(expiring()).toHaveLength(1);
    expect(expiring()[0]!.message).toMatch(/expires on \d{4}-\d{2}-\d{2} \(in 30 days\): request the renewal now/);
    now = new Date(notAfter.getTime() + day);
    expect(expiring()[0]!.message).toMatch(/expired on .*ANPR refuses every request/);
  });
});
