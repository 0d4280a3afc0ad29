/**
 * What the mesh benchmarks share: `npm start`'s mesh on free ports in a temporary folder (through
 * test/support/mesh.ts), the PIDs of its processes, their CPU time and RSS read from /proc (so a
 * process's own cost is measured, whatever runs beside it on the machine), a tobacconist's token
 * from the development SSO, raw gRPC calls that neither encode nor decode (so the bench's own client
 * costs as little as possible), and the small statistics the benches print.
 */
import { readdirSync, readFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, type ChannelCredentials, type Metadata } from "@grpc/grpc-js";
import { create } from "@bufbuild/protobuf";
import { ConfigService, RateLimitsSchema, SettingsSchema } from "#gen/novabox/config/v1/config_service_pb.js";
import { createGrpcClient } from "#shared/rpc/grpc-adapter.js";
import { meshCredentials, type MeshRole } from "#shared/dev-pki/mesh-pki.js";
import { startTestMesh, type TestMesh } from "../../test/support/mesh.js";

/** A running bench mesh and where its files are. */
export interface BenchMesh extends TestMesh {
  devDir: string;
  meshDir: string;
  /** PIDs by process: anpr-sim, router, gateway, novabox-022205, novabox-022161. */
  pids: Record<"anpr-sim" | "router" | "gateway" | "novabox-022205" | "novabox-022161", number>;
  credentials(role: MeshRole): ChannelCredentials;
  /** A demo tobacconist's SSO token (TAB-0001 unless told). */
  token(tobacconistId?: string): Promise<string>;
  /** Raises a box's per-tobacconist rate limit, so a bench is not refused mid-run. */
  liftRateLimit(comune: string): Promise<void>;
  stop(): Promise<void>;
}

const entries: Record<keyof BenchMesh["pids"], string> = {
  "anpr-sim": "services/anpr-sim/src/server/main.ts",
  router: "services/router/src/server/main.ts",
  gateway: "services/gateway/src/server/main.ts",
  "novabox-022205": "box-022205",
  "novabox-022161": "box-022161",
};

/** The direct children of `pid` with their command lines. */
function childrenOf(pid: number): { pid: number; cmdline: string; environ: string }[] {
  const found: { pid: number; cmdline: string; environ: string }[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid !== pid) continue;
      found.push({
        pid: Number(name),
        cmdline: readFileSync(`/proc/${name}/cmdline`, "utf8"),
        environ: readFileSync(`/proc/${name}/environ`, "utf8"),
      });
    } catch {
      // the process ended meanwhile
    }
  }
  return found;
}

/** CPU time (user + system) of process `pid` so far, in milliseconds, from /proc/<pid>/stat. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of stat(5), i.e. 11 and 12 after the command name.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** Resident set size of process `pid`, in MiB, from /proc/<pid>/status. */
export function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) / 1024 : NaN;
}

/** CPU used by this process so far (ms). */
export function selfCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Starts the mesh (up to ~3 minutes on a loaded machine) and finds its processes. */
export async function startBenchMesh(): Promise<BenchMesh> {
  const devDir = mkdtempSync(join(tmpdir(), "bench-mesh-"));
  const mesh = await startTestMesh(devDir);
  const meshDir = join(devDir, "mesh-pki");
  const pids = {} as BenchMesh["pids"];
  for (const child of childrenOf(mesh.process.child.pid!)) {
    for (const [name, marker] of Object.entries(entries) as [keyof BenchMesh["pids"], string][]) {
      if (
        marker.startsWith("box-")
          ? child.environ.includes(`NOVABOX_MESH_ROLE=${marker}`)
          : child.cmdline.includes(marker)
      )
        pids[name] = child.pid;
    }
  }
  for (const name of Object.keys(entries) as (keyof BenchMesh["pids"])[]) {
    if (!pids[name]) throw new Error(`bench: could not find the ${name} process of the mesh`);
  }
  return {
    ...mesh,
    devDir,
    meshDir,
    pids,
    credentials: (role) => meshCredentials(meshDir, role).client,
    async token(tobacconistId = "TAB-0001") {
      const answer = await fetch(`${mesh.ready.gateway}/dev-sso/token`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ tobacconistId }),
      });
      return ((await answer.json()) as { token: string }).token;
    },
    async liftRateLimit(comune) {
      const box = comune === "022205" ? mesh.ports.trentoGrpc : mesh.ports.roveretoGrpc;
      const channel = new Client(`127.0.0.1:${box}`, meshCredentials(meshDir, `box-${comune}`).client);
      try {
        const config = createGrpcClient(ConfigService, channel);
        const password = readFileSync(join(devDir, "boxes", comune, "admin-password"), "utf8").trim();
        const token = (await config.login({ username: "admin", password })).session!.token;
        await config.updateConfig(
          {
            settings: create(SettingsSchema, {
              rateLimits: create(RateLimitsSchema, {
                perTobacconistPerMinute: 1_000_000,
                massExtractionDistinctFiscalCodes: 1_000_000,
                massExtractionWindow: { seconds: 60n, nanos: 0 },
              }),
            }),
            updateMask: { paths: ["rate_limits"] },
          },
          { metadata: { authorization: `Bearer ${token}` } },
        );
      } finally {
        channel.close();
      }
    },
    async stop() {
      await mesh.process.stop(15_000);
      rmSync(devDir, { recursive: true, force: true });
    },
  };
}

const passThrough = (b: Buffer) => b;

/** One unary call carrying `request` bytes as they are; resolves to the answer's bytes. */
export function rawUnary(
  client: Client,
  path: string,
  request: Buffer,
  metadata: Metadata,
  deadlineMs = 60_000,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      path,
      passThrough,
      passThrough,
      request,
      metadata,
      { deadline: Date.now() + deadlineMs },
      (err, value) => (err ? reject(err) : resolve(value!)),
    );
  });
}

/** Latency percentiles and throughput of a closed-loop load. */
export interface LoadResult {
  calls: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p90Ms: number;
}

/** Runs `total` calls of `call` with `concurrency` in flight; records each call's latency. */
export async function closedLoop(
  total: number,
  concurrency: number,
  call: () => Promise<unknown>,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next += 1;
        const t0 = process.hrtime.bigint();
        await call();
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return { calls: total, seconds, perSecond: total / seconds, p50Ms: at(0.5), p90Ms: at(0.9) };
}

/** Median of a list of numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
