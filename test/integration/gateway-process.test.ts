/**
 * The gateway as operators run it: `node --import tsx services/gateway/src/server/main.ts` with its
 * environment, the ready line with both ports, the development SSO, a call forwarded to a fake
 * router over mesh mutual TLS, graceful exit on SIGTERM, and a clear refusal of a bad configuration.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { DiscoveryService } from "#gen/novares/discovery/v1/discovery_service_pb.js";
import { createGrpcServer, grpcService, type GrpcServerHandle } from "#shared/rpc/grpc-server.js";
import { createLogger } from "#shared/runtime/logger.js";
import { ensureMeshPki, meshCredentials } from "#shared/dev-pki/mesh-pki.js";
import { run } from "../support/process.js";
import { startService, type StartedService } from "../support/services.js";

const root = new URL("../../", import.meta.url).pathname;

describe("gateway process (main.ts)", () => {
  let dir: string;
  let router: GrpcServerHandle;
  let routerPort: number;
  let gateway: StartedService;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gateway-process-"));
    await ensureMeshPki(join(dir, "mesh"), { boxes: [] });
    router = createGrpcServer({
      logger: createLogger({ name: "fake-router", level: "silent" }),
      reflection: false,
      services: [
        grpcService(DiscoveryService, {
          listInstances: () => ({ instances: [{ instanceId: "i-1", comuneCode: "022161", comuneName: "Rovereto" }] }),
        }),
      ],
    });
    routerPort = await router.listen("127.0.0.1:0", meshCredentials(join(dir, "mesh"), "router").server);
    gateway = await startService(
      "services/gateway/src/server/main.ts",
      {
        GATEWAY_PORT: "0",
        GATEWAY_H2C_PORT: "0",
        ROUTER_ADDRESS: `127.0.0.1:${routerPort}`,
        MESH_TLS_DIR: join(dir, "mesh"),
        GATEWAY_DEV_SSO: "true",
        GATEWAY_SSO_DIR: join(dir, "sso"),
      },
      "gateway ready",
    );
  });

  afterAll(async () => {
    await gateway?.process.stop();
    await router?.shutdown(1_000);
    await rm(dir, { recursive: true, force: true });
  });

  it("logs one ready line with both ports and devSso, and serves through mTLS to the router", async () => {
    expect(gateway.ready).toMatchObject({ msg: "gateway ready", devSso: true });
    expect(gateway.ready.port).toEqual(expect.any(Number));
    expect(gateway.ready.h2cPort).toEqual(expect.any(Number));
    const base = `http://127.0.0.1:${String(gateway.ready.port)}`;
    expect(await (await fetch(`${base}/dev-sso/public-key`)).text()).toMatch(/BEGIN PUBLIC KEY/);
    const list = await createClient(
      DiscoveryService,
      createConnectTransport({ baseUrl: base, fetch: globalThis.fetch }),
    ).listInstances({});
    expect(list.instances.map((i) => i.comuneName)).toEqual(["Rovereto"]);
  });

  it("exits cleanly on SIGTERM", async () => {
    const exited = new Promise<number | null>((resolve) => gateway.process.child.once("exit", (code) => resolve(code)));
    gateway.process.child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(gateway.process.output()).toMatch(/shutdown step done/);
  });

  it("refuses to start without router credentials or an SSO key, naming the variables", async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      GATEWAY_PORT: "0",
      GATEWAY_H2C_PORT: "0",
      MESH_TLS_DIR: "",
      MESH_PLAINTEXT: "",
      GATEWAY_DEV_SSO: "",
      GATEWAY_SSO_PUBLIC_KEY_FILE: "",
    };
    const result = await run(process.execPath, ["--import", "tsx", join(root, "services/gateway/src/server/main.ts")], {
      env,
      cwd: root,
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/MESH_TLS_DIR/);
    expect(result.stderr).toMatch(/GATEWAY_SSO_PUBLIC_KEY_FILE/);
  });
});
