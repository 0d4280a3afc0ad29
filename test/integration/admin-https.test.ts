/**
 * The admin panel's door, as the box process serves it: HTTPS with a certificate generated on a
 * fresh ANPR_HOME (its SHA-256 fingerprint logged, the same one the TLS handshake presents, kept
 * across restarts), the Comune's own certificate when given, and plain HTTP refused on a network
 * address before anything listens. The admin API (Connect) answers over that HTTPS, trusting only
 * the certificate the box generated.
 */
import { afterAll, describe, expect, it } from "@jest/globals";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { connect as tlsConnect } from "node:tls";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCertificateAuthority, issueServerCertificate } from "#shared/anpr/pki.js";
import { resolveAdminDoor } from "../../services/novabox/src/server/admin-tls.js";
import { run } from "../support/process.js";
import { startService, type StartedService } from "../support/services.js";

const root = new URL("../../", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "admin-https-"));
const started: StartedService[] = [];

afterAll(async () => {
  for (const s of started) await s.process.stop();
  rmSync(dir, { recursive: true, force: true });
});

const boxEnv = (home: string, extra: Record<string, string> = {}) => ({
  ANPR_HOME: home,
  NOVABOX_HOST: "127.0.0.1",
  NOVABOX_GRPC_PORT: "0",
  NOVABOX_HTTP_PORT: "0",
  NOVABOX_MESH_PLAINTEXT: "true",
  NOVABOX_MESH_TLS_DIR: "",
  ...extra,
});

async function startBox(env: Record<string, string>): Promise<StartedService> {
  const box = await startService("services/novabox/src/server/main.ts", env, "novabox ready");
  started.push(box);
  return box;
}

/** The fingerprint the box logged for its panel certificate. */
function loggedFingerprint(box: StartedService): { fingerprint: string; origin: string } {
  const line = box.process
    .output()
    .split("\n")
    .find((l) => l.includes('"fingerprint"') && l.includes("admin panel over HTTPS"));
  expect(line).toBeDefined();
  return JSON.parse(line!) as { fingerprint: string; origin: string };
}

/** The certificate the TLS handshake presents on `port` (not verified: we compare it ourselves). */
function presented(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: "127.0.0.1", port, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerX509Certificate()!.fingerprint256);
      socket.end();
    });
    socket.once("error", reject);
  });
}

/** GetSetupStatus over HTTPS (Connect JSON), trusting only `ca`. */
function setupStatus(port: number, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method: "POST",
        path: "/novabox.config.v1.ConfigService/GetSetupStatus",
        ca,
        headers: { "Content-Type": "application/json" },
      },
      (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.once("error", reject);
    req.end("{}");
  });
}

describe("the admin panel over HTTPS", () => {
  const home = join(dir, "fresh-home");

  it("generates a certificate on a fresh ANPR_HOME, logs its fingerprint, serves the API over it and keeps it across restarts", async () => {
    const box = await startBox(boxEnv(home, { NOVABOX_ADMIN_TLS: "https" }));
    expect(box.ready.httpScheme).toBe("https");
    const logged = loggedFingerprint(box);
    expect(logged.origin).toBe("generated");
    expect(logged.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const port = Number(box.ready.httpPort);
    expect(await presented(port)).toBe(logged.fingerprint);

    const certificatePem = readFileSync(join(home, "admin-tls", "admin-cert.pem"), "utf8");
    expect(new X509Certificate(certificatePem).fingerprint256).toBe(logged.fingerprint);
    expect(new X509Certificate(certificatePem).subjectAltName).toContain("IP Address:127.0.0.1");
    expect(statSync(join(home, "admin-tls", "admin-key.pem")).mode & 0o077).toBe(0);
    const answer = await setupStatus(port, certificatePem);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toHaveProperty("status");
    // Plain HTTP gets no answer from the panel.
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();

    await box.process.stop();
    const again = await startBox(boxEnv(home, { NOVABOX_ADMIN_TLS: "https" }));
    expect(loggedFingerprint(again)).toMatchObject({ fingerprint: logged.fingerprint, origin: "stored" });
    expect(await presented(Number(again.ready.httpPort))).toBe(logged.fingerprint);
    await again.process.stop();
  }, 120_000);

  it("serves the Comune's own certificate when given", async () => {
    const ca = createCertificateAuthority({ commonName: "Comune di Trento CA", validDays: 30 });
    const leaf = issueServerCertificate(ca, {
      commonName: "novabox.comune.trento.it",
      dnsNames: ["localhost"],
      ipAddresses: ["127.0.0.1"],
      validDays: 30,
    });
    writeFileSync(join(dir, "comune.pem"), leaf.certificatePem);
    writeFileSync(join(dir, "comune-key.pem"), leaf.privateKeyPem, { mode: 0o600 });
    const box = await startBox(
      boxEnv(join(dir, "comune-home"), {
        NOVABOX_ADMIN_TLS_CERT_FILE: join(dir, "comune.pem"),
        NOVABOX_ADMIN_TLS_KEY_FILE: join(dir, "comune-key.pem"),
      }),
    );
    const expected = new X509Certificate(leaf.certificatePem).fingerprint256;
    expect(loggedFingerprint(box)).toMatchObject({ fingerprint: expected, origin: "provided" });
    expect(await presented(Number(box.ready.httpPort))).toBe(expected);
    expect((await setupStatus(Number(box.ready.httpPort), ca.certificatePem)).status).toBe(200);
    await box.process.stop();
  }, 120_000);

  it("refuses plain HTTP on a network address before listening, naming the fix", async () => {
    const result = await run(process.execPath, ["--import", "tsx", join(root, "services/novabox/src/server/main.ts")], {
      cwd: root,
      timeoutMs: 60_000,
      env: {
        ...process.env,
        ...boxEnv(join(dir, "refused-home"), { NOVABOX_HOST: "0.0.0.0", NOVABOX_ADMIN_TLS: "http" }),
      },
    });
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain("plain HTTP is allowed only on a loopback address, not on 0.0.0.0");
    expect(result.stdout + result.stderr).not.toContain("novabox ready");
  }, 90_000);

  it("by default (auto) serves HTTPS on any non-loopback address and plain HTTP only on loopback", async () => {
    const anyAddress = await resolveAdminDoor({ home: join(dir, "auto-home"), host: "0.0.0.0", mode: "auto" });
    expect(anyAddress.scheme).toBe("https");
    expect((await resolveAdminDoor({ home: join(dir, "auto-home"), host: "192.0.2.10", mode: "auto" })).scheme).toBe(
      "https",
    );
    expect((await resolveAdminDoor({ home: join(dir, "auto-home"), host: "127.0.0.1", mode: "auto" })).scheme).toBe(
      "http",
    );
    await expect(
      resolveAdminDoor({ home: join(dir, "auto-home"), host: "192.0.2.10", mode: "http" }),
    ).rejects.toMatchObject({ reason: "ADMIN_PLAINTEXT_NOT_LOOPBACK" });
  });
});
