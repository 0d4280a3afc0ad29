/**
 * Runs `npm start`'s orchestrator (scripts/start-mesh.ts) for a test: on free ports, in a temporary
 * dev folder, waiting for its "mesh ready" line. Stop it with `mesh.process.stop()` (SIGTERM stops
 * every child process).
 */
import { join } from "node:path";
import { freePorts } from "./ports.js";
import { start, waitFor, type StartedProcess } from "./process.js";

const root = new URL("../../", import.meta.url).pathname;

/** The ports a test mesh listens on. */
export interface MeshPorts {
  sim: number;
  router: number;
  /** The router's /metrics, /healthz and /readyz. */
  routerOps: number;
  gateway: number;
  gatewayH2c: number;
  trentoGrpc: number;
  trentoHttp: number;
  roveretoGrpc: number;
  roveretoHttp: number;
}

/** A started test mesh. */
export interface TestMesh {
  process: StartedProcess;
  ports: MeshPorts;
  /** The "mesh ready" line: gateway URL, router address, simulator URL, boxes, each process's PID. */
  ready: { gateway: string; router: string; sim: string; ssoIssuer: string; pids: Record<string, number> };
}

/**
 * Starts the mesh in `devDir` and resolves once it is ready (up to 170 s). `env` reaches every process
 * of the mesh (OTEL_* variables, check intervals, the simulator's capture folder).
 */
export async function startTestMesh(devDir: string, env: Record<string, string> = {}): Promise<TestMesh> {
  const [sim, router, gateway, gatewayH2c, trentoGrpc, trentoHttp, roveretoGrpc, roveretoHttp, routerOps] =
    await freePorts(9);
  const ports: MeshPorts = {
    sim: sim!,
    router: router!,
    routerOps: routerOps!,
    gateway: gateway!,
    gatewayH2c: gatewayH2c!,
    trentoGrpc: trentoGrpc!,
    trentoHttp: trentoHttp!,
    roveretoGrpc: roveretoGrpc!,
    roveretoHttp: roveretoHttp!,
  };
  const mesh = start(process.execPath, ["--import", "tsx", join(root, "scripts/start-mesh.ts")], {
    cwd: root,
    env: {
      ...process.env,
      MESH_DEV_DIR: devDir,
      ANPR_SIM_PORT: String(ports.sim),
      ROUTER_PORT: String(ports.router),
      ROUTER_OPS_PORT: String(ports.routerOps),
      GATEWAY_PORT: String(ports.gateway),
      GATEWAY_H2C_PORT: String(ports.gatewayH2c),
      TRENTO_GRPC_PORT: String(ports.trentoGrpc),
      TRENTO_HTTP_PORT: String(ports.trentoHttp),
      ROVERETO_GRPC_PORT: String(ports.roveretoGrpc),
      ROVERETO_HTTP_PORT: String(ports.roveretoHttp),
      ...env,
    },
  });
  try {
    const ready = await waitFor(
      "npm start to print mesh ready",
      () => {
        if (mesh.child.exitCode !== null)
          throw new Error(`start-mesh exited ${mesh.child.exitCode}:\n${mesh.output().slice(-4000)}`);
        const line = mesh
          .output()
          .split("\n")
          .find((l) => l.includes('"msg":"mesh ready"'));
        return Promise.resolve(line ? (JSON.parse(line) as TestMesh["ready"]) : undefined);
      },
      170_000,
      250,
    );
    return { process: mesh, ports, ready };
  } catch (err) {
    await mesh.stop(15_000);
    throw err;
  }
}
