import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { execFileSync, spawnSync } from "node:child_process";
import { createVerify, createSign, randomBytes, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { connect, createServer, type Server } from "node:tls";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDomainError } from "../src/runtime/domain-error.js";
import { ensureDevPki, readDevPkiManifest } from "../src/dev-pki/anpr-dev-pki.js";
import {
  createCertificateAuthority,
  CredentialsError,
  describeCertificate,
  issueServerCertificate,
  issueWorkstationCertificate,
  loadCaCertificate,
  loadCertificateAuthority,
  exportWorkstationKey,
  loadWorkstationCredentials,
  loadWorkstationKey,
  verifyCertificateChain,
  type DevCertificateAuthority,
  type IssuedWorkstationCertificate,
} from "../src/anpr/pki.js";
import { requireTool } from "../../../test/support/tools.js";

const repoRoot = new URL("../../../", import.meta.url).pathname;
const day = 86_400_000;

function errorOf(fn: () => unknown): CredentialsError {
  try {
    fn();
  } catch (err) {
    if (isDomainError(err)) return err as CredentialsError;
    throw err;
  }
  throw new Error("expected an error");
}

describe("ANPR PKI", () => {
  let openssl: string;
  let dir: string;
  let ca: DevCertificateAuthority;
  let otherCa: DevCertificateAuthority;
  let workstation: IssuedWorkstationCertificate;
  const pin = "48151623";

  const file = (name: string, content: string | Uint8Array) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const run = (...args: string[]) =>
    execFileSync(openssl, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const runAll = (...args: string[]) => {
    const result = spawnSync(openssl, args, { encoding: "utf8" });
    if (result.status !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr}`);
    return result.stdout + result.stderr;
  };

  beforeAll(() => {
    openssl = requireTool("openssl");
    dir = mkdtempSync(join(tmpdir(), "anpr-pki-"));
    ca = createCertificateAuthority({ commonName: "Test workstation CA", validDays: 30 });
    otherCa = createCertificateAuthority({ commonName: "Some other CA", validDays: 30 });
    workstation = issueWorkstationCertificate(ca, {
      comuneCode: "022205",
      postazioneId: "POST-022205-01",
      validDays: 10,
    });
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe("loadWorkstationCredentials", () => {
    it("opens a node-forge PKCS#12 with the right PIN and signs with node:crypto", () => {
      const credentials = loadWorkstationCredentials(workstation.toPkcs12(pin), pin, {
        trustedCaPem: [ca.certificatePem],
      });
      expect(credentials.subject).toBe("CN=POST-022205-01,OU=Postazioni ANPR,O=Comune 022205,C=IT");
      expect(credentials.issuer).toBe("CN=Test workstation CA,O=Novabox mesh (development),C=IT");
      expect(credentials.certificatePem).toBe(new X509Certificate(workstation.certificatePem).toString());
      expect(Buffer.from(credentials.certificateDerBase64, "base64")).toEqual(
        new X509Certificate(workstation.certificatePem).raw,
      );
      expect(credentials.chainPem).toEqual([new X509Certificate(ca.certificatePem).toString()]);
      expect(credentials.fingerprintSha256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      expect(credentials.serialNumber).toMatch(/^[0-9A-F]+$/);
      expect(credentials.notAfter.getTime() - credentials.notBefore.getTime()).toBe(10 * day);
      const signature = createSign("sha256").update("ciao").sign(credentials.privateKey);
      expect(createVerify("sha256").update("ciao").verify(credentials.certificatePem, signature)).toBe(true);
    });

    it("writes PKCS#12 files OpenSSL 3 reads (AES-256-CBC, PBKDF2-SHA256)", () => {
      const p12 = file("forge.p12", workstation.toPkcs12(pin));
      const details = runAll("pkcs12", "-in", p12, "-passin", `pass:${pin}`, "-info", "-noout");
      expect(details).toContain("AES-256-CBC");
      expect(details).toContain("hmacWithSHA256");
      expect(run("pkcs12", "-in", p12, "-passin", `pass:${pin}`, "-nodes", "-nocerts")).toContain("PRIVATE KEY");
    });

    it("refuses a wrong PIN with WRONG_PIN, without echoing the PIN", () => {
      const err = errorOf(() => loadWorkstationCredentials(workstation.toPkcs12(pin), "99999999"));
      expect(err).toBeInstanceOf(CredentialsError);
      expect(err).toMatchObject({ kind: "invalid-input", reason: "WRONG_PIN" });
      expect(err.message).not.toContain("99999999");
      expect(err.message).not.toContain(pin);
    });

    it("refuses bytes that are not PKCS#12 with NOT_PKCS12", () => {
      expect(errorOf(() => loadWorkstationCredentials(randomBytes(512), pin))).toMatchObject({ reason: "NOT_PKCS12" });
      expect(errorOf(() => loadWorkstationCredentials(Buffer.from(workstation.certificatePem), pin))).toMatchObject({
        reason: "NOT_PKCS12",
      });
      expect(errorOf(() => loadWorkstationCredentials(new Uint8Array(), pin))).toMatchObject({ reason: "NOT_PKCS12" });
    });

    it("opens a PKCS#12 made by OpenSSL 3 with its default algorithms", () => {
      const p12 = join(dir, "openssl.p12");
      run(
        "pkcs12",
        "-export",
        "-in",
        file("ws.pem", workstation.certificatePem),
        "-inkey",
        file("ws.key", workstation.privateKeyPem),
        "-certfile",
        file("ca.pem", ca.certificatePem),
        "-passout",
        `pass:${pin}`,
        "-out",
        p12,
      );
      const details = runAll("pkcs12", "-in", p12, "-passin", `pass:${pin}`, "-info", "-noout");
      expect(details).toContain("MAC: sha256");
      expect(details).toContain("AES-256-CBC");
      const credentials = loadWorkstationCredentials(readFileSync(p12), pin, { trustedCaPem: [ca.certificatePem] });
      expect(credentials.subject).toContain("CN=POST-022205-01");
      expect(credentials.chainPem).toHaveLength(1);
      expect(errorOf(() => loadWorkstationCredentials(readFileSync(p12), "0000"))).toMatchObject({
        reason: "WRONG_PIN",
      });
    });

    it("opens legacy PKCS#12 files (RC2-40 certificates, 3DES key, SHA-1 MAC) such as Windows exports", () => {
      const p12 = join(dir, "legacy.p12");
      run(
        "pkcs12",
        "-export",
        "-legacy",
        "-in",
        file("ws-l.pem", workstation.certificatePem),
        "-inkey",
        file("ws-l.key", workstation.privateKeyPem),
        "-passout",
        `pass:${pin}`,
        "-out",
        p12,
      );
      expect(runAll("pkcs12", "-legacy", "-in", p12, "-passin", `pass:${pin}`, "-info", "-noout")).toContain("RC2");
      expect(loadWorkstationCredentials(readFileSync(p12), pin).subject).toContain("CN=POST-022205-01");
      expect(errorOf(() => loadWorkstationCredentials(readFileSync(p12), "1"))).toMatchObject({ reason: "WRONG_PIN" });
    });

    it("refuses an expired certificate with CERT_EXPIRED and a future one with CERT_NOT_YET_VALID", () => {
      const expired = issueWorkstationCertificate(ca, {
        comuneCode: "022205",
        postazioneId: "POST-OLD",
        validDays: 1,
        notBefore: new Date(Date.now() - 10 * day),
      });
      const err = errorOf(() => loadWorkstationCredentials(expired.toPkcs12(pin), pin));
      expect(err).toMatchObject({ reason: "CERT_EXPIRED" });
      expect(err.message).toMatch(/expired/);
      const future = issueWorkstationCertificate(ca, {
        comuneCode: "022205",
        postazioneId: "POST-NEW",
        validDays: 10,
        notBefore: new Date(Date.now() + day),
      });
      expect(errorOf(() => loadWorkstationCredentials(future.toPkcs12(pin), pin))).toMatchObject({
        reason: "CERT_NOT_YET_VALID",
      });
      expect(
        loadWorkstationCredentials(future.toPkcs12(pin), pin, { now: new Date(Date.now() + 2 * day) }).subject,
      ).toContain("POST-NEW");
    });

    it("refuses a certificate from another CA with UNTRUSTED_CERT", () => {
      const foreign = issueWorkstationCertificate(otherCa, {
        comuneCode: "022205",
        postazioneId: "POST-X",
        validDays: 5,
      });
      expect(
        errorOf(() => loadWorkstationCredentials(foreign.toPkcs12(pin), pin, { trustedCaPem: [ca.certificatePem] })),
      ).toMatchObject({ reason: "UNTRUSTED_CERT" });
      expect(loadWorkstationCredentials(foreign.toPkcs12(pin), pin).subject).toContain("POST-X");
    });

    it("refuses a PKCS#12 whose key does not match its certificate with KEY_CERT_MISMATCH", () => {
      const other = issueWorkstationCertificate(ca, { comuneCode: "022161", postazioneId: "POST-B", validDays: 5 });
      const p12 = join(dir, "mismatch.p12");
      run(
        "pkcs12",
        "-export",
        "-nocerts",
        "-inkey",
        file("b.key", other.privateKeyPem),
        "-certfile",
        file("a.pem", workstation.certificatePem),
        "-passout",
        `pass:${pin}`,
        "-out",
        p12,
      );
      expect(errorOf(() => loadWorkstationCredentials(readFileSync(p12), pin))).toMatchObject({
        reason: "KEY_CERT_MISMATCH",
      });
    });

    it("refuses a PKCS#12 without a private key with NO_PRIVATE_KEY", () => {
      const p12 = join(dir, "certonly.p12");
      run(
        "pkcs12",
        "-export",
        "-nokeys",
        "-in",
        file("only.pem", workstation.certificatePem),
        "-passout",
        `pass:${pin}`,
        "-out",
        p12,
      );
      expect(errorOf(() => loadWorkstationCredentials(readFileSync(p12), pin))).toMatchObject({
        reason: "NO_PRIVATE_KEY",
      });
    });
  });

  describe("exportWorkstationKey / loadWorkstationKey (the key kept beside the PKCS#12)", () => {
    it("gives back the same credentials as the PKCS#12, with node:crypto only", () => {
      const fromPkcs12 = loadWorkstationCredentials(workstation.toPkcs12(pin), pin);
      const pem = exportWorkstationKey(fromPkcs12);
      expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
      const fromPem = loadWorkstationKey(pem, { trustedCaPem: [ca.certificatePem] });
      const { privateKey: a, ...restA } = fromPkcs12;
      const { privateKey: b, ...restB } = fromPem;
      expect(restB).toEqual(restA);
      expect(b.export({ type: "pkcs8", format: "der" })).toEqual(a.export({ type: "pkcs8", format: "der" }));
    });

    it("checks the stored key as the PKCS#12 is checked: key, match, validity, trust", () => {
      const credentials = loadWorkstationCredentials(workstation.toPkcs12(pin), pin);
      const pem = exportWorkstationKey(credentials);
      const certificates = pem.slice(pem.indexOf("-----BEGIN CERTIFICATE-----"));
      expect(errorOf(() => loadWorkstationKey(certificates))).toMatchObject({ reason: "NO_PRIVATE_KEY" });
      const other = issueWorkstationCertificate(ca, { comuneCode: "022161", postazioneId: "POST-B", validDays: 5 });
      expect(errorOf(() => loadWorkstationKey(other.privateKeyPem + certificates))).toMatchObject({
        reason: "KEY_CERT_MISMATCH",
      });
      expect(errorOf(() => loadWorkstationKey(pem, { now: new Date(Date.now() + 20 * day) }))).toMatchObject({
        reason: "CERT_EXPIRED",
      });
      expect(errorOf(() => loadWorkstationKey(pem, { trustedCaPem: [otherCa.certificatePem] }))).toMatchObject({
        reason: "UNTRUSTED_CERT",
      });
    });
  });

  describe("CA certificates and chains", () => {
    it("reads a CA certificate as PEM text, PEM bytes or DER, with OpenSSL's fingerprint", () => {
      const der = new X509Certificate(ca.certificatePem).raw;
      const fromPem = loadCaCertificate(ca.certificatePem);
      expect(loadCaCertificate(Buffer.from(ca.certificatePem))).toEqual(fromPem);
      expect(loadCaCertificate(der)).toEqual(fromPem);
      expect(fromPem.isCa).toBe(true);
      expect(fromPem.subject).toBe("CN=Test workstation CA,O=Novabox mesh (development),C=IT");
      const printed = run("x509", "-in", file("ca-fp.pem", ca.certificatePem), "-noout", "-fingerprint", "-sha256");
      expect(printed.trim()).toBe(`sha256 Fingerprint=${fromPem.fingerprintSha256}`);
    });

    it("refuses what is not a certificate with NOT_A_CERTIFICATE", () => {
      expect(errorOf(() => loadCaCertificate("hello"))).toMatchObject({ reason: "NOT_A_CERTIFICATE" });
      expect(errorOf(() => loadCaCertificate(randomBytes(300)))).toMatchObject({ reason: "NOT_A_CERTIFICATE" });
      expect(errorOf(() => loadCaCertificate(workstation.privateKeyPem))).toMatchObject({
        reason: "NOT_A_CERTIFICATE",
      });
    });

    it("checks chains: issuer, signature, validity at `now`", () => {
      const now = new Date();
      expect(verifyCertificateChain(workstation.certificatePem, [ca.certificatePem], now)).toBe(true);
      expect(
        verifyCertificateChain(workstation.certificatePem, [otherCa.certificatePem + ca.certificatePem], now),
      ).toBe(true);
      expect(verifyCertificateChain(workstation.certificatePem, [otherCa.certificatePem], now)).toBe(false);
      expect(
        verifyCertificateChain(workstation.certificatePem, [ca.certificatePem], new Date(Date.now() + 20 * day)),
      ).toBe(false);
      expect(verifyCertificateChain(workstation.certificatePem, [], now)).toBe(false);
      expect(() => verifyCertificateChain("nope", [ca.certificatePem], now)).toThrow(CredentialsError);
    });

    it("agrees with openssl verify on the development certificates", () => {
      const server = issueServerCertificate(ca, {
        commonName: "localhost",
        dnsNames: ["localhost"],
        ipAddresses: ["127.0.0.1"],
        validDays: 5,
      });
      const caFile = file("ca-v.pem", ca.certificatePem);
      expect(
        run(
          "verify",
          "-CAfile",
          caFile,
          "-verify_hostname",
          "localhost",
          file("srv.pem", server.certificatePem),
        ).trim(),
      ).toMatch(/OK$/);
      expect(run("verify", "-CAfile", caFile, "-verify_ip", "127.0.0.1", join(dir, "srv.pem")).trim()).toMatch(/OK$/);
      expect(
        run("verify", "-CAfile", caFile, "-purpose", "sslclient", file("ws-v.pem", workstation.certificatePem)).trim(),
      ).toMatch(/OK$/);
      expect(() =>
        run("verify", "-CAfile", file("other.pem", otherCa.certificatePem), join(dir, "ws-v.pem")),
      ).toThrow();
    });

    it("rebuilds a CA from its files and refuses a key that is not its own", () => {
      const loaded = loadCertificateAuthority(ca.certificatePem, ca.privateKeyPem);
      const issued = issueWorkstationCertificate(loaded, {
        comuneCode: "022205",
        postazioneId: "POST-R",
        validDays: 1,
      });
      expect(verifyCertificateChain(issued.certificatePem, [ca.certificatePem], new Date())).toBe(true);
      expect(errorOf(() => loadCertificateAuthority(ca.certificatePem, otherCa.privateKeyPem))).toMatchObject({
        reason: "KEY_CERT_MISMATCH",
      });
      expect(errorOf(() => loadCertificateAuthority(ca.certificatePem, "garbage"))).toMatchObject({
        reason: "NOT_A_PRIVATE_KEY",
      });
    });
  });

  describe("development PKI on disk", () => {
    const servers: Server[] = [];
    afterAll(() => servers.forEach((s) => s.close()));

    it("creates a consistent PKI once, keeps it on the next call, and serializes concurrent callers", async () => {
      const out = join(dir, "dev-pki");
      const [first, concurrent] = await Promise.all([ensureDevPki(out), ensureDevPki(out)]);
      expect(concurrent).toEqual(first);
      const before = readFileSync(first.workstationCa.certificateFile, "utf8");
      const actions: string[] = [];
      const again = await ensureDevPki(out, { onFile: (_file, action) => actions.push(action) });
      expect(again).toEqual(first);
      expect(new Set(actions)).toEqual(new Set(["kept"]));
      expect(readFileSync(first.workstationCa.certificateFile, "utf8")).toBe(before);
      expect(await readDevPkiManifest(out)).toEqual(first);

      const manifestText = readFileSync(join(out, "manifest.json"), "utf8");
      expect(first.workstations.map((w) => [w.comuneCode, w.postazioneId])).toEqual([
        ["022205", "POST-022205-01"],
        ["022161", "POST-022161-01"],
      ]);
      for (const w of first.workstations) {
        const wsPin = readFileSync(w.pinFile, "utf8").trim();
        expect(wsPin).toMatch(/^\d{8}$/);
        expect(manifestText).not.toContain(wsPin);
        expect(statSync(w.pinFile).mode & 0o777).toBe(0o600);
        expect(statSync(w.pkcs12File).mode & 0o777).toBe(0o600);
        const credentials = loadWorkstationCredentials(readFileSync(w.pkcs12File), wsPin, {
          trustedCaPem: [readFileSync(first.workstationCa.certificateFile, "utf8")],
        });
        expect(credentials.subject).toContain(`CN=${w.postazioneId}`);
        expect(credentials.fingerprintSha256).toBe(w.certificateFingerprintSha256);
      }
      expect(statSync(first.workstationCa.keyFile).mode & 0o777).toBe(0o600);
      expect(statSync(first.simulator.tlsKeyFile).mode & 0o777).toBe(0o600);
      expect(describeCertificate(readFileSync(first.simulator.caCertificateFile)).isCa).toBe(true);

      const server = createServer(
        { cert: readFileSync(first.simulator.tlsCertificateFile), key: readFileSync(first.simulator.tlsKeyFile) },
        (socket) => socket.end("ok"),
      );
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const port = (server.address() as { port: number }).port;
      const reply = await new Promise<string>((resolve, reject) => {
        const socket = connect(
          { host: "127.0.0.1", port, servername: "localhost", ca: readFileSync(first.simulator.caCertificateFile) },
          () => {
            socket.setEncoding("utf8");
            socket.once("data", (data: string) => resolve(data));
          },
        );
        socket.once("error", reject);
      });
      expect(reply).toBe("ok");
    });

    it("runs as a script: tsx scripts/pki-dev.ts <dir> [--force]", () => {
      const out = join(dir, "script-pki");
      const tsx = join(repoRoot, "node_modules/.bin/tsx");
      const created = execFileSync(tsx, ["scripts/pki-dev.ts", out], { cwd: repoRoot, encoding: "utf8" });
      expect(created).toContain("created");
      expect(created).toContain("workstation-022161.p12");
      const kept = execFileSync(tsx, ["scripts/pki-dev.ts", out], { cwd: repoRoot, encoding: "utf8" });
      expect(kept).not.toMatch(/^created/m);
      const pinBefore = readFileSync(join(out, "workstation-022205.pin"), "utf8");
      execFileSync(tsx, ["scripts/pki-dev.ts", out, "--force"], { cwd: repoRoot, encoding: "utf8" });
      expect(readFileSync(join(out, "workstation-022205.pin"), "utf8")).not.toBe(pinBefore);
    });
  });
});
