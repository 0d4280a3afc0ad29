/**
 * How fast a Novabox starts and how small it stays, from the compiled output (`scripts/build.sh`):
 * the one-file bundle `main.bundle.js` that deploy/systemd and deploy/docker run (the targets are
 * judged on it) and, for comparison, the per-module `main.js` — against a bare `node` process
 * started the same way in the same run:
 *
 * - start: from spawn until grpc.health.v1 answers SERVING (ANPR_HOME already configured, the
 *   simulator up, so the box's ANPR connectivity test passes at start); the bare process: from spawn
 *   until it prints that it listens;
 * - start CPU: the process's CPU time (user + system, /proc) at that moment — what the start costs
 *   whatever else runs on the machine (wall time grows with the machine's load, CPU time much less);
 * - idle RSS: VmRSS from /proc three seconds after it serves.
 *
 * Targets (issue 16): start ≤ 1.5 s and idle RSS ≤ 80 MiB. Builds into `.dev/bench-dist-<pid>` (inside
 * the repository, so node_modules resolves), starts the compiled simulator, configures a box once
 * (plaintext gRPC, a throw-away SSO key), then times `BENCH_STARTS` (default 3) starts of each.
 * Run: `node --import tsx bench/box-start.bench.ts`.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, credentials } from "@grpc/grpc-js";
import { Health, HealthCheckResponse_ServingStatus } from "#gen/grpc/health/v1/health_pb.js";
import { ensureDevPki } from "#shared/dev-pki/anpr-dev-pki.js";
import { createGrpcClient } from "#shared/rpc/grpc-adapter.js";
import { configureNovabox } from "../scripts/configure-novabox.js";
import { freePorts } from "../test/support/ports.js";
import { cpuMs, median, rssMiB } from "./support/mesh.js";

const starts = Number(process.env.BENCH_STARTS ?? 3);
/**
 * The box starts as deploy/systemd/novabox.service starts it: the node flags of its ExecStart and
 * its MALLOC_ARENA_MAX (the per-module main.js and bare node get the same, so only the code differs).
 */
const unit = (() => {
  const text = readFileSync(new URL("../deploy/systemd/novabox.service", import.meta.url), "utf8");
  const exec = /^ExecStart=\S+ (.*) dist\/services\/novabox\/src\/server\/main\.bundle\.js$/m.exec(text);
  if (!exec) throw new Error("deploy/systemd/novabox.service: ExecStart does not run main.bundle.js");
  const arenas = /^Environment=MALLOC_ARENA_MAX=(\d+)$/m.exec(text);
  return {
    nodeFlags: exec[1]!.split(/\s+/).filter(Boolean),
    env: arenas ? { MALLOC_ARENA_MAX: arenas[1]! } : ({} as Record<string, string>),
  };
})();
const root = new URL("..", import.meta.url).pathname;
const dist = join(root, ".dev", `bench-dist-${process.pid}`);
const work = mkdtempSync(join(tmpdir(), "bench-box-start-"));
const children: ChildProcess[] = [];

function launch(args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  return child;
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 8_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

function printed(child: ChildProcess, pattern: RegExp, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = pattern.exec(out);
      if (match) resolve(match[0]);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.once("exit", (code) =>
      reject(new Error(`${what} exited (${code}) before it was ready:\n${out.slice(-2000)}`)),
    );
  });
}

interface Samples {
  startMs: number[];
  cpuMs: number[];
  rss: number[];
}
const samples = (): Samples => ({ startMs: [], cpuMs: [], rss: [] });

async function untilServing(address: string, timeoutMs: number): Promise<void> {
  const channel = new Client(address, credentials.createInsecure());
  const health = createGrpcClient(Health, channel);
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      try {
        if (
          (await health.check({ service: "" }, { deadline: 1_000 })).status ===
          HealthCheckResponse_ServingStatus.SERVING
        )
          return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`the box at ${address} was not SERVING within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    channel.close();
  }
}

try {
  execFileSync("bash", [join(root, "scripts/build.sh"), dist], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
  const pki = await ensureDevPki(join(work, "pki"));
  const [simPort, grpcPort, httpPort] = await freePorts(3);
  const sim = launch([join(dist, "services/anpr-sim/src/server/main.js")], {
    ANPR_SIM_HOST: "127.0.0.1",
    ANPR_SIM_PORT: String(simPort),
    ANPR_SIM_PKI_DIR: pki.dir,
    LOG_LEVEL: "info",
  });
  await printed(sim, /"msg":"anpr-sim ready"/, "the simulator");

  const home = join(work, "anpr_home");
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const boxEnv = {
    ANPR_HOME: home,
    NOVABOX_HOST: "127.0.0.1",
    NOVABOX_GRPC_PORT: String(grpcPort),
    NOVABOX_HTTP_PORT: String(httpPort),
    NOVABOX_MESH_PLAINTEXT: "true",
    ...unit.env,
  };
  const boxArgs = [...unit.nodeFlags, join(dist, "services/novabox/src/server/main.bundle.js")];
  const moduleArgs = [...unit.nodeFlags, join(dist, "services/novabox/src/server/main.js")];
  const address = `127.0.0.1:${grpcPort}`;
  {
    const box = launch(boxArgs, boxEnv);
    await untilServing(address, 60_000).catch(() => undefined); // NOT_SERVING until configured
    const sso = generateKeyPairSync("ec", { namedCurve: "P-256" })
      .publicKey.export({ type: "spki", format: "pem" })
      .toString();
    await configureNovabox({
      address,
      credentials: credentials.createInsecure(),
      adminPasswordFile: join(work, "admin-password"),
      workstation: pki.workstations.find((w) => w.comuneCode === "022205")!,
      caCertificateFile: pki.simulator.caCertificateFile,
      comune: { code: "022205", name: "Trento" },
      anprBaseUrl: `https://127.0.0.1:${simPort}`,
      novaresDiscoveryAddress: "127.0.0.1:9",
      advertised: { host: "127.0.0.1", port: grpcPort! },
      sso: { publicKeyPem: sso, issuer: "https://sso.bench", audience: "novabox" },
    });
    await untilServing(address, 30_000);
    await stop(box);
  }

  /** Start to SERVING, CPU at that moment and idle RSS, of one spawn of `args`. */
  const measureBox = async (args: string[], into: Samples) => {
    const t0 = performance.now();
    const box = launch(args, boxEnv);
    await untilServing(address, 60_000);
    into.startMs.push(performance.now() - t0);
    into.cpuMs.push(cpuMs(box.pid!));
    await new Promise((r) => setTimeout(r, 3_000));
    into.rss.push(rssMiB(box.pid!));
    await stop(box);
  };
  const bundle = samples();
  const modules = samples();
  const bare = samples();
  for (let i = 0; i < starts; i++) {
    await measureBox(boxArgs, bundle);
    await measureBox(moduleArgs, modules);

    const t0 = performance.now();
    const bareNode = launch(
      [
        ...unit.nodeFlags,
        "-e",
        "require('node:http').createServer().listen(0, '127.0.0.1', () => console.log('listening'))",
      ],
      unit.env,
    );
    await printed(bareNode, /listening/, "bare node");
    bare.startMs.push(performance.now() - t0);
    bare.cpuMs.push(cpuMs(bareNode.pid!));
    await new Promise((r) => setTimeout(r, 3_000));
    bare.rss.push(rssMiB(bareNode.pid!));
    await stop(bareNode);
  }
  await stop(sim);

  const ms = (v: number[]) => v.map((x) => x.toFixed(0)).join(", ");
  const mib = (v: number[]) => v.map((x) => x.toFixed(1)).join(", ");
  const ratio = (a: number[], b: number[]) => (median(a) / median(b)).toFixed(1);
  console.log(
    `\nnode flags and environment of deploy/systemd/novabox.service: ${[...unit.nodeFlags, ...Object.entries(unit.env).map(([k, v]) => `${k}=${v}`)].join(" ")}`,
  );
  console.log(
    `compiled Novabox, ${starts} starts each (configured ANPR_HOME, simulator up), beside a bare node process:`,
  );
  for (const [name, s] of [
    ["bundle (main.bundle.js)", bundle],
    ["per-module (main.js)", modules],
    ["bare node", bare],
  ] as const)
    console.log(
      `  ${name.padEnd(24)} start ${ms(s.startMs)} ms; CPU at that moment ${ms(s.cpuMs)} ms; idle RSS ${mib(s.rss)} MiB`,
    );
  console.log(
    `per-module main.js: start ${(median(modules.startMs) / 1000).toFixed(2)} s, CPU ${(median(modules.cpuMs) / 1000).toFixed(2)} s, idle RSS ${median(modules.rss).toFixed(1)} MiB (medians; the bundle's start CPU is ${ratio(bundle.cpuMs, modules.cpuMs)}x this)`,
  );
  console.log(
    `box start:     ${(median(bundle.startMs) / 1000).toFixed(2)} s median (target <= 1.5 s) = ${ratio(bundle.startMs, bare.startMs)}x a bare node start (${median(bare.startMs).toFixed(0)} ms)`,
  );
  console.log(
    `box start CPU: ${(median(bundle.cpuMs) / 1000).toFixed(2)} s median = ${ratio(bundle.cpuMs, bare.cpuMs)}x a bare node start (${median(bare.cpuMs).toFixed(0)} ms)`,
  );
  console.log(
    `box idle RSS:  ${median(bundle.rss).toFixed(1)} MiB median (target <= 80 MiB) = ${ratio(bundle.rss, bare.rss)}x a bare node process (${median(bare.rss).toFixed(1)} MiB)`,
  );
} finally {
  await Promise.all(children.map(stop));
  rmSync(dist, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
}
