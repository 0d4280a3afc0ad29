/**
 * The gateway's readiness follows its router: /readyz answers 503 (with the reason) and the gateway's
 * grpc.health.v1 (over h2c, checked with the real grpcurl) NOT_SERVING while the router is down, and
 * 200 / SERVING again once a router serves at the same address. /healthz (liveness) stays 200.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { credentials, ServerCredentials } from "@grpc/grpc-js";
import { createLogger } from "#shared/runtime/logger.js";
import { startGateway, type RunningGateway } from "../../services/gateway/src/server/gateway-server.js";
import { startRouter, type RunningRouter } from "../../services/router/src/server/router-server.js";
import { waitFor } from "../support/process.js";
import { requireTool } from "../support/tools.js";

const exec = promisify(execFile);
const logger = createLogger({ name: "gateway-readiness-test", level: "silent" });
const root = new URL("../../", import.meta.url).pathname;
const checkIntervalMs = 300;
const ssoDir = mkdtempSync(join(tmpdir(), "gateway-readiness-"));

let router: RunningRouter | undefined;
let gateway: RunningGateway;
let routerPort = 0;

const startTheRouter = (port: number) =>
  startRouter({
    logger,
    port,
    serverCredentials: ServerCredentials.createInsecure(),
    boxCredentials: credentials.createInsecure(),
  });

async function readyz(): Promise<{ status: number; body: { ready: boolean; reason?: string } }> {
  const res = await fetch(`http://127.0.0.1:${gateway.port}/readyz`);
  return { status: res.status, body: (await res.json()) as { ready: boolean; reason?: string } };
}

async function grpcHealth(): Promise<string> {
  const grpcurl = requireTool("grpcurl");
  const { stdout } = await exec(grpcurl, [
    "-plaintext",
    "-import-path",
    join(root, "third_party/proto"),
    "-proto",
    "grpc/health/v1/health.proto",
    `127.0.0.1:${gateway.h2cPort}`,
    "grpc.health.v1.Health/Check",
  ]);
  return (JSON.parse(stdout) as { status: string }).status;
}

beforeAll(async () => {
  router = await startTheRouter(0);
  routerPort = router.port;
  gateway = await startGateway({
    logger,
    host: "127.0.0.1",
    port: 0,
    h2cPort: 0,
    router: { address: `127.0.0.1:${routerPort}`, plaintext: true },
    sso: { issuer: "https://sso.novares.dev", audience: "novabox", devSsoDir: ssoDir },
    routerCheckIntervalMs: checkIntervalMs,
  });
});

afterAll(async () => {
  await gateway?.close();
  await router?.close();
  rmSync(ssoDir, { recursive: true, force: true });
});

describe("gateway readiness", () => {
  it("is ready while its router serves, 503 while the router is down, and ready again after", async () => {
    expect((await readyz()).status).toBe(200);
    expect(await grpcHealth()).toBe("SERVING");

    await router!.close();
    router = undefined;
    const down = await waitFor(
      "/readyz to answer 503",
      async () => {
        const r = await readyz();
        return r.status === 503 ? r : undefined;
      },
      10_000,
      50,
    );
    expect(down.body.ready).toBe(false);
    expect(down.body.reason).toMatch(/router is unreachable/);
    expect(await grpcHealth()).toBe("NOT_SERVING");
    const live = await fetch(`http://127.0.0.1:${gateway.port}/healthz`);
    expect(live.status).toBe(200);

    router = await startTheRouter(routerPort);
    await waitFor(
      "/readyz to answer 200",
      async () => ((await readyz()).status === 200 ? true : undefined),
      15_000,
      50,
    );
    expect(await grpcHealth()).toBe("SERVING");
  }, 40_000);

  it("serves the gateway's metrics with the call counters", async () => {
    const res = await fetch(`http://127.0.0.1:${gateway.port}/metrics`);
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain("# TYPE mesh_rpc_server_handled_total counter");
    expect(body).toMatch(
      /mesh_rpc_client_handled_total\{method="grpc.health.v1.Health\/Check",code="OK",service="gateway"\} \d+/,
    );
  });
});
