/**
 * Rolling upgrade (issue 12, point 6): a mesh where one router and one box still run the previous
 * release while the rest runs this checkout, and every cross-version hop carries the end-to-end
 * issue and record flow.
 *
 * The previous release is `previousRelease` below (the last commit of the previous development
 * round), extracted with `git archive` into .tmp/ inside this repository so it runs on the same
 * node_modules, through tsx like `npm run router` / `npm run novabox` did then. First the test
 * checks with `buf breaking` that today's contracts are a compatible evolution of that release's
 * (the same rule as `npm run proto:breaking` against proto/baseline.binpb). Then, with this
 * checkout's simulator, mesh PKI and gateways:
 *   - lane 1: gateway → PREVIOUS router ← NEW box (Rovereto 022161 announces to the old router,
 *     which forwards to it);
 *   - lane 2: gateway → NEW router ← PREVIOUS box (Trento 022205 announces to the new router,
 *     which forwards to it);
 * and in each lane a tobacconist issues a certificate and reads the individual record through the
 * gateway. Embedded registries: the previous release kept its Consul directory on the router's
 * agent, so old and new routers cannot share a Consul directory (see README "Rolling upgrades").
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { CertificationService, CertificateType } from "#gen/novabox/certification/v1/certification_service_pb.js";
import { ConsultationService } from "#gen/novabox/consultation/v1/consultation_service_pb.js";
import { DiscoveryService, InstanceHealth } from "#gen/novares/discovery/v1/discovery_service_pb.js";
import { ensureDevPki } from "#shared/dev-pki/anpr-dev-pki.js";
import { ensureMeshPki, meshCredentials } from "#shared/dev-pki/mesh-pki.js";
import { configureNovabox } from "../../scripts/configure-novabox.js";
import { freePorts } from "../support/ports.js";
import { run, waitFor } from "../support/process.js";
import { startService, type StartedService } from "../support/services.js";

/** The previous release: the last commit of the previous development round (2026-11-23). */
const previousRelease = "8b6b10a9e27387bee680518f697f090bb17b158c";

const root = new URL("../../", import.meta.url).pathname;
const previousDir = join(root, ".tmp", `previous-release-${previousRelease.slice(0, 7)}-${process.pid}`);
const work = join(tmpdir(), `rolling-upgrade-${process.pid}`);

const subjects = {
  "022205": { fiscalCode: "RSSMRA85T10A562S", surname: "ROSSI", name: "MARIO" },
  "022161": { fiscalCode: "DLLPLA70C05H612A", surname: "DALLAPICCOLA", name: "PAOLO" },
} as const;

describe(`rolling upgrade from ${previousRelease.slice(0, 7)}`, () => {
  const services: StartedService[] = [];
  const lanes: { name: string; comuneCode: "022205" | "022161"; gatewayUrl: string }[] = [];

  beforeAll(async () => {
    mkdirSync(previousDir, { recursive: true });
    const extract = await run(
      "bash",
      ["-c", `git -C "${root}" archive ${previousRelease} | tar -x -C "${previousDir}"`],
      { timeoutMs: 60_000 },
    );
    expect(extract.code).toBe(0);
    // It resolves packages from this checkout's node_modules (the parent folders); the production
    // dependencies it had that this checkout dropped are installed beside it, at its exact versions.
    const ours = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    const theirs = JSON.parse(readFileSync(join(previousDir, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    const missing = Object.entries(theirs.dependencies).filter(
      ([name, version]) =>
        ours.dependencies[name] !== version && !existsSync(join(root, "node_modules", name, "package.json")),
    );
    if (missing.length) {
      const deps = join(previousDir, ".previous-deps");
      mkdirSync(deps, { recursive: true });
      const install = await run(
        "npm",
        [
          "install",
          "--no-save",
          "--no-package-lock",
          "--no-audit",
          "--no-fund",
          "--omit=dev",
          "--prefix",
          deps,
          ...missing.map(([n, v]) => `${n}@${v}`),
        ],
        { timeoutMs: 240_000 },
      );
      expect(install.stderr.replace(/npm warn.*\n/gi, "")).toBe("");
      renameSync(join(deps, "node_modules"), join(previousDir, "node_modules"));
    }
    mkdirSync(work, { recursive: true });
    const pki = await ensureDevPki(join(work, "pki"));
    const meshDir = join(work, "mesh-pki");
    await ensureMeshPki(meshDir, { boxes: ["022205", "022161"] });
    const [oldRouter, newRouter, gw1, gw1h2c, gw2, gw2h2c, trento, trentoHttp, rovereto, roveretoHttp] =
      await freePorts(10);

    const routerEnv = (port: number) => ({
      ROUTER_HOST: "127.0.0.1",
      ROUTER_PORT: String(port),
      MESH_TLS_DIR: meshDir,
      CONSUL_HTTP_ADDR: "",
    });
    const gatewayEnv = (port: number, h2c: number, router: number) => ({
      GATEWAY_HOST: "127.0.0.1",
      GATEWAY_PORT: String(port),
      GATEWAY_H2C_PORT: String(h2c),
      ROUTER_ADDRESS: `127.0.0.1:${router}`,
      MESH_TLS_DIR: meshDir,
      GATEWAY_DEV_SSO: "true",
      GATEWAY_SSO_DIR: join(work, "sso"),
    });
    const boxEnv = (code: string, grpc: number, http: number) => {
      mkdirSync(join(work, "boxes", code), { recursive: true, mode: 0o700 });
      return {
        ANPR_HOME: join(work, "boxes", code, "anpr_home"),
        NOVABOX_HOST: "127.0.0.1",
        NOVABOX_GRPC_PORT: String(grpc),
        NOVABOX_HTTP_PORT: String(http),
        NOVABOX_MESH_TLS_DIR: meshDir,
        NOVABOX_MESH_ROLE: `box-${code}`,
      };
    };
    const previous = (entry: string) => join(".tmp", previousDir.split("/.tmp/")[1]!, entry);
    const settled = await Promise.allSettled([
      startService(
        "services/anpr-sim/src/server/main.ts",
        {
          ANPR_SIM_HOST: "127.0.0.1",
          ANPR_SIM_PORT: "0",
          ANPR_SIM_PKI_DIR: pki.dir,
          // The previous box still speaks the ANPR dialect of its day (codDestinatario ANPR00, an
          // unsigned SAML assertion), which live ANPR refuses now: the simulator's knobs accept it,
          // so this test checks the mesh contracts, not ANPR's own deadlines.
          ANPR_SIM_INTERFACE_VERSIONS: "ANPR05,ANPR00",
          ANPR_SIM_ACCEPT_UNSIGNED_ASSERTION: "true",
        },
        "anpr-sim ready",
        120_000,
      ),
      startService(previous("services/router/src/server/main.ts"), routerEnv(oldRouter!), "router ready", 120_000),
      startService("services/router/src/server/main.ts", routerEnv(newRouter!), "router ready", 120_000),
      startService(
        "services/gateway/src/server/main.ts",
        gatewayEnv(gw1!, gw1h2c!, oldRouter!),
        "gateway ready",
        120_000,
      ),
      startService(
        previous("services/novabox/src/server/main.ts"),
        boxEnv("022205", trento!, trentoHttp!),
        "novabox ready",
        120_000,
      ),
      startService(
        "services/novabox/src/server/main.ts",
        boxEnv("022161", rovereto!, roveretoHttp!),
        "novabox ready",
        120_000,
      ),
    ]);
    // Whatever started is stopped in afterAll, even when another process failed to start.
    for (const r of settled) if (r.status === "fulfilled") services.push(r.value);
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
    const simulator = settled[0];
    if (simulator.status !== "fulfilled") throw new Error("the simulator did not start");
    services.push(
      await startService(
        "services/gateway/src/server/main.ts",
        gatewayEnv(gw2!, gw2h2c!, newRouter!),
        "gateway ready",
        120_000,
      ),
    );
    const simUrl = String(simulator.value.ready.url);
    lanes.push(
      { name: "previous router, new box", comuneCode: "022161", gatewayUrl: `http://127.0.0.1:${gw1}` },
      { name: "new router, previous box", comuneCode: "022205", gatewayUrl: `http://127.0.0.1:${gw2}` },
    );

    const ssoPublicKey = await (await fetch(`${lanes[0]!.gatewayUrl}/dev-sso/public-key`)).text();
    for (const [code, name, grpc, router] of [
      ["022205", "Trento", trento!, newRouter!],
      ["022161", "Rovereto", rovereto!, oldRouter!],
    ] as const) {
      await configureNovabox({
        address: `127.0.0.1:${grpc}`,
        credentials: meshCredentials(meshDir, `box-${code}`).client,
        adminPasswordFile: join(work, "boxes", code, "admin-password"),
        workstation: pki.workstations.find((w) => w.comuneCode === code)!,
        caCertificateFile: pki.simulator.caCertificateFile,
        comune: { code, name },
        anprBaseUrl: simUrl,
        novaresDiscoveryAddress: `127.0.0.1:${router}`,
        advertised: { host: "127.0.0.1", port: grpc },
        sso: { publicKeyPem: ssoPublicKey, issuer: "https://sso.novares.dev", audience: "novabox" },
      });
    }
  }, 300_000);

  afterAll(async () => {
    for (const s of services.reverse()) await s.process.stop(5_000).catch(() => undefined);
    rmSync(previousDir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }, 60_000);

  it("has contracts that buf breaking accepts against the previous release", async () => {
    const buf = join(root, "node_modules/.bin/buf");
    const result = await run(buf, ["breaking", "proto", "--against", join(previousDir, "proto")], {
      cwd: root,
      timeoutMs: 120_000,
    });
    expect(`${result.stdout}${result.stderr}`).toBe("");
    expect(result.code).toBe(0);
  }, 150_000);

  it.each([0, 1])(
    "issues a certificate and reads the record across versions (lane %i)",
    async (lane) => {
      const { comuneCode, gatewayUrl, name } = lanes[lane]!;
      const transport = createConnectTransport({ baseUrl: gatewayUrl });
      await waitFor(
        `the box ${comuneCode} to be routable and SERVING (${name})`,
        async () =>
          (await createClient(DiscoveryService, transport).listInstances({})).instances.some(
            (i) => i.comuneCode === comuneCode && i.health === InstanceHealth.SERVING,
          ),
        60_000,
        300,
      );
      const token = (
        (await (
          await fetch(`${gatewayUrl}/dev-sso/token`, {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ tobacconistId: "TAB-0001" }),
          })
        ).json()) as { token: string }
      ).token;
      const headers = { authorization: `Bearer ${token}` };
      const issued = await createClient(CertificationService, transport).issueCertificate(
        {
          comuneCode,
          tobacconistId: "TAB-0001",
          idempotencyKey: randomUUID(),
          subject: subjects[comuneCode],
          certificateTypes: [CertificateType.RESIDENCE],
          stampDuty: { case: "stampDutyPaid", value: {} },
        },
        { headers, timeoutMs: 60_000 },
      );
      expect(Buffer.from(issued.pdf.subarray(0, 5)).toString()).toBe("%PDF-");
      expect(issued.anprProtocolNumber).toMatch(/^\d+$/);
      const record = await createClient(ConsultationService, transport).getIndividualRecord(
        { comuneCode, tobacconistId: "TAB-0001", fiscalCode: subjects[comuneCode].fiscalCode },
        { headers, timeoutMs: 60_000 },
      );
      expect(JSON.stringify(record.record, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))).toContain(
        subjects[comuneCode].surname,
      );
    },
    150_000,
  );
});
