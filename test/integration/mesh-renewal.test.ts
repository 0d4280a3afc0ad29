/**
 * A box's mesh certificate renewed through the CSR flow (scripts/mesh-csr.ts, run as operators run
 * it) while the real box process keeps serving mesh calls: the box makes its own key and request,
 * the operator signs it with the mesh CA (refusing a Comune it did not approve, exit 3, nothing
 * written), the box installs it, and the running box presents the new certificate on new
 * connections without a restart while a steady stream of calls never fails.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { X509Certificate } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, copyFileSync } from "node:fs";
import { connect as tlsConnect } from "node:tls";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@grpc/grpc-js";
import { ensureMeshPki, meshCredentials } from "#shared/dev-pki/mesh-pki.js";
import { run, waitFor } from "../support/process.js";
import { startService, type StartedService } from "../support/services.js";

const root = new URL("../../", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "mesh-renewal-"));
const novares = join(dir, "novares");
const boxDir = join(dir, "box");
let box: StartedService;

const csr = (...args: string[]) =>
  run(process.execPath, ["--import", "tsx", join(root, "scripts/mesh-csr.ts"), ...args], {
    cwd: root,
    timeoutMs: 60_000,
  });

/** The certificate the box presents to a new mesh connection (as the gateway). */
function presented(port: number): Promise<string> {
  const gateway = (name: string) => readFileSync(join(novares, name));
  return new Promise((resolve, reject) => {
    const socket = tlsConnect(
      {
        host: "127.0.0.1",
        port,
        ca: gateway("ca.pem"),
        cert: gateway("gateway.pem"),
        key: gateway("gateway-key.pem"),
        servername: "localhost",
      },
      () => {
        resolve(socket.getPeerX509Certificate()!.fingerprint256);
        socket.end();
      },
    );
    socket.once("error", reject);
  });
}

beforeAll(async () => {
  await ensureMeshPki(novares, { boxes: ["022205"] });
  // The box's own folder holds only the CA certificate and its own pair (the CA key stays at Novares).
  mkdirSync(boxDir);
  for (const f of ["ca.pem", "box-022205.pem", "box-022205-key.pem"]) copyFileSync(join(novares, f), join(boxDir, f));
  box = await startService(
    "services/novabox/src/server/main.ts",
    {
      ANPR_HOME: join(dir, "home"),
      NOVABOX_HOST: "127.0.0.1",
      NOVABOX_GRPC_PORT: "0",
      NOVABOX_HTTP_PORT: "0",
      NOVABOX_MESH_PLAINTEXT: "",
      NOVABOX_MESH_TLS_DIR: boxDir,
      NOVABOX_MESH_ROLE: "box-022205",
      NOVABOX_MESH_TLS_REFRESH_MS: "300",
    },
    "novabox ready",
  );
}, 90_000);

afterAll(async () => {
  await box?.process.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("renewing a box's mesh certificate with a CSR", () => {
  it("refuses to sign a request for a Comune the operator did not approve", async () => {
    const other = join(dir, "rovereto");
    mkdirSync(other);
    expect((await csr("request", other, "--comune", "022161")).code).toBe(0);
    const refused = await csr(
      "sign",
      join(other, "box-022161.csr"),
      "--ca",
      novares,
      "--approved",
      "022205",
      "--out",
      join(other, "signed.pem"),
    );
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain("Comune 022161 is not approved for the mesh");
    expect(existsSync(join(other, "signed.pem"))).toBe(false);
  }, 90_000);

  it("picks the renewed certificate up without a restart while calls keep flowing", async () => {
    const port = Number(box.ready.grpcPort);
    const before = await presented(port);
    expect(before).toBe(new X509Certificate(readFileSync(join(boxDir, "box-022205.pem"))).fingerprint256);

    // A steady stream of mesh calls (as the gateway) for the whole renewal.
    const channel = new Client(`127.0.0.1:${port}`, meshCredentials(novares, "gateway").client);
    let ok = 0;
    const failures: string[] = [];
    let streaming = true;
    const stream = (async () => {
      while (streaming) {
        await new Promise<void>((resolve) =>
          channel.makeUnaryRequest(
            "/grpc.health.v1.Health/Check",
            () => Buffer.alloc(0),
            (b: Buffer) => b,
            Buffer.alloc(0),
            { deadline: Date.now() + 10_000 },
            (err) => {
              if (err) failures.push(err.message);
              else ok++;
              resolve();
            },
          ),
        );
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    try {
      // Nothing to renew while the certificate is valid beyond the threshold…
      const early = await csr("request", boxDir, "--comune", "022205", "--renew-before-days", "1");
      expect(early.stdout).toContain("nothing to renew");
      expect(existsSync(join(boxDir, "box-022205.csr"))).toBe(false);
      // …and a request once it is within it (a renewal window longer than the validity forces it here).
      const requested = await csr(
        "request",
        boxDir,
        "--comune",
        "022205",
        "--renew-before-days",
        "100000",
        "--san",
        "novabox.comune.trento.it",
      );
      expect(requested.code).toBe(0);
      expect(statSync(join(boxDir, "box-022205-key.pem.next")).mode & 0o077).toBe(0);
      const signed = await csr(
        "sign",
        join(boxDir, "box-022205.csr"),
        "--ca",
        novares,
        "--approved",
        "022205,022161",
        "--out",
        join(dir, "renewed.pem"),
      );
      expect(signed.stderr).toBe("");
      expect(signed.stdout).toContain("Comune 022205 workstation POST-022205-01");
      const renewed = new X509Certificate(readFileSync(join(dir, "renewed.pem")));
      expect(renewed.subjectAltName).toContain("URI:spiffe://novares/comune/022205/postazione/POST-022205-01");
      expect(renewed.subjectAltName).toContain("DNS:novabox.comune.trento.it");
      expect((await csr("install", boxDir, join(dir, "renewed.pem"), "--comune", "022205")).code).toBe(0);

      const after = await waitFor(
        "the box to present the renewed certificate",
        async () => {
          const now = await presented(port);
          return now === renewed.fingerprint256 ? now : undefined;
        },
        30_000,
        200,
      );
      expect(after).not.toBe(before);
      expect(box.process.output()).toContain(renewed.fingerprint256);
      expect(box.process.output()).toContain("mesh certificate reloaded");
      const okAtSwitch = ok;
      await waitFor(
        "calls to keep flowing after the renewal",
        () => Promise.resolve(ok >= okAtSwitch + 5),
        30_000,
        100,
      );
    } finally {
      streaming = false;
      await stream;
      channel.close();
    }
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(10);
    expect(box.process.child.exitCode).toBeNull();
  }, 120_000);
});
