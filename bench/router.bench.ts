/**
 * What the Novares router and gateway add to a call, through `npm start`'s mesh (mutual TLS, the
 * real processes), against baselines measured in the same run: the same cheap call
 * (ListCertificateTypes for Trento, answered by the box without ANPR) made
 *
 * - directly to the box;
 * - through the router;
 * - through a bare grpc-js pass-through proxy written for the bench (bench/support/bare-proxy.ts:
 *   the least a grpc-js hop costs);
 * - through a bare `node:http2` relay written for the bench (bench/support/bare-http2-proxy.ts: the
 *   least an HTTP/2 + mutual-TLS hop costs in Node, the floor of the router's raw forwarder);
 * - through the gateway's gRPC (h2c) listener, which calls the router.
 *
 * Each target gets `BENCH_WARMUP` unmeasured calls (default 3000, 64 in flight), then `BENCH_CALLS`
 * calls (default 3000) with 64 in flight and 300 one at a time, in two interleaved rounds. Printed: CPU per call of the router, the bare proxies and the gateway (from
 * /proc), p50 latency added over the direct call at 64 in flight and at 1, and throughput relative to
 * direct. Targets (issue 16): router ≤ 0.25 ms CPU per call, ≤ 0.5 ms p50 added at 64 concurrent,
 * ≥ 70% of direct throughput. Run: `node --import tsx bench/router.bench.ts`.
 *
 * The router's CPU per call is all its process's CPU during the loaded runs divided by their calls,
 * so it includes what the router does meanwhile on its own (health probes, announcements, the
 * audit witness): that background rate is measured over `BENCH_IDLE_MS` (default 3000) of no load
 * before the runs and printed beside it, not subtracted. `BENCH_TARGETS=direct,router,raw` (a
 * comma list; direct and router are always run) limits the targets, for quicker iterations.
 *
 * The router runs the data plane under test: `ROUTER_DATA_PLANE` (default `frames`, the router's own
 * HTTP/2 engine; `node-http2` for the earlier node:http2 data plane), printed with the figures.
 */
import { spawn } from "node:child_process";
import { Client, credentials, Metadata } from "@grpc/grpc-js";
import { create, toBinary } from "@bufbuild/protobuf";
import { ListCertificateTypesRequestSchema } from "#gen/novabox/certification/v1/certification_service_pb.js";
import { closedLoop, cpuMs, rawUnary, startBenchMesh, type LoadResult } from "./support/mesh.js";

const calls = Number(process.env.BENCH_CALLS ?? 3000);
const serialCalls = 300;
const warmupCalls = Number(process.env.BENCH_WARMUP ?? 3000);
const idleMs = Number(process.env.BENCH_IDLE_MS ?? 3000);
const path = "/novabox.certification.v1.CertificationService/ListCertificateTypes";
const request = Buffer.from(
  toBinary(ListCertificateTypesRequestSchema, create(ListCertificateTypesRequestSchema, { comuneCode: "022205" })),
);

const dataPlane = process.env.ROUTER_DATA_PLANE ?? "frames";
// The mesh's router inherits this process's environment (scripts/start-mesh.ts).
process.env.ROUTER_DATA_PLANE = dataPlane;
const mesh = await startBenchMesh();
/** Starts a bench proxy script (`{"port":N}` on stdout) towards Trento's box. */
const startProxy = (script: string) => {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", new URL(script, import.meta.url).pathname, mesh.meshDir, `127.0.0.1:${mesh.ports.trentoGrpc}`],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const port = new Promise<number>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      const match = /"port":(\d+)/.exec(chunk.toString());
      if (match) resolve(Number(match[1]));
    });
    child.once("exit", (code) => reject(new Error(`${script} exited ${code}`)));
  });
  return { child, port };
};
const bare = startProxy("support/bare-proxy.ts");
const raw = startProxy("support/bare-http2-proxy.ts");
try {
  const barePort = await bare.port;
  const rawPort = await raw.port;
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${await mesh.token()}`);

  interface Target {
    name: "direct" | "router" | "bare" | "raw" | "gateway";
    client: Client;
    /** Processes whose CPU counts as this hop's own (none for direct). */
    hop?: number;
    loaded: LoadResult[];
    serial: LoadResult[];
    hopCpuMs: number;
  }
  const target = (name: Target["name"], client: Client, hop?: number): Target => ({
    name,
    client,
    ...(hop ? { hop } : {}),
    loaded: [],
    serial: [],
    hopCpuMs: 0,
  });
  const targets: Target[] = [
    target("direct", new Client(`127.0.0.1:${mesh.ports.trentoGrpc}`, mesh.credentials("router"))),
    target("router", new Client(mesh.ready.router, mesh.credentials("gateway")), mesh.pids.router),
    target("bare", new Client(`127.0.0.1:${barePort}`, mesh.credentials("gateway")), bare.child.pid),
    target("raw", new Client(`127.0.0.1:${rawPort}`, mesh.credentials("gateway")), raw.child.pid),
    target(
      "gateway",
      new Client(`127.0.0.1:${mesh.ports.gatewayH2c}`, credentials.createInsecure()),
      mesh.pids.gateway,
    ),
  ];
  const only = process.env.BENCH_TARGETS?.split(",");
  if (only) targets.splice(0, targets.length, ...targets.filter((t) => ["direct", "router", ...only].includes(t.name)));
  // Every hop warm before it is measured: V8's optimizing compiler and the heap's growth cost CPU in
  // the first thousands of calls (a short warm-up made the per-call figure fall with BENCH_CALLS).
  for (const t of targets) await closedLoop(warmupCalls, 64, () => rawUnary(t.client, path, request, metadata));

  const idleBefore = cpuMs(mesh.pids.router);
  await new Promise((resolve) => setTimeout(resolve, idleMs));
  const routerIdleMsPerS = ((cpuMs(mesh.pids.router) - idleBefore) * 1000) / idleMs;
  let routerLoadedS = 0;

  for (let round = 0; round < 2; round++) {
    for (const t of targets) {
      const before = t.hop ? cpuMs(t.hop) : 0;
      t.loaded.push(await closedLoop(calls, 64, () => rawUnary(t.client, path, request, metadata)));
      if (t.name === "router") routerLoadedS += t.loaded.at(-1)!.seconds;
      if (t.hop) t.hopCpuMs += cpuMs(t.hop) - before;
      t.serial.push(await closedLoop(serialCalls, 1, () => rawUnary(t.client, path, request, metadata)));
    }
  }
  for (const t of targets) t.client.close();

  const avg = (list: LoadResult[], key: "p50Ms" | "perSecond") =>
    list.reduce((sum, r) => sum + r[key], 0) / list.length;
  const by = Object.fromEntries(targets.map((t) => [t.name, t])) as Partial<Record<Target["name"], Target>> & {
    direct: Target;
    router: Target;
  };
  // A target left out by BENCH_TARGETS prints NaN.
  const cpuPerCall = (t: Target | undefined) => (t ? t.hopCpuMs / (calls * t.loaded.length) : NaN);
  const added = (t: Target | undefined, base: Target | undefined, kind: "loaded" | "serial") =>
    t && base ? avg(t[kind], "p50Ms") - avg(base[kind], "p50Ms") : NaN;
  const share = (t: Target | undefined, base: Target | undefined) =>
    t && base ? (100 * avg(t.loaded, "perSecond")) / avg(base.loaded, "perSecond") : NaN;
  const background = (routerIdleMsPerS * routerLoadedS) / (calls * by.router.loaded.length);

  console.log(
    `\nListCertificateTypes for Trento: ${calls} calls at 64 in flight and ${serialCalls} at 1, per target, 2 rounds; router data plane ${dataPlane}`,
  );
  for (const t of targets) {
    console.log(
      `  ${t.name.padEnd(8)} ${avg(t.loaded, "perSecond").toFixed(0).padStart(6)} calls/s, p50 ${avg(t.loaded, "p50Ms").toFixed(2)} ms at 64, ${avg(t.serial, "p50Ms").toFixed(2)} ms at 1` +
        (t.hop ? `, ${(cpuPerCall(t) * 1000).toFixed(0)} µs CPU per call` : ""),
    );
  }
  console.log(
    `router CPU per routed call:  ${cpuPerCall(by.router).toFixed(3)} ms (target <= 0.25) = ${(cpuPerCall(by.router) / cpuPerCall(by.bare)).toFixed(2)}x the bare grpc-js pass-through (${cpuPerCall(by.bare).toFixed(3)} ms), ${(cpuPerCall(by.router) / cpuPerCall(by.raw)).toFixed(2)}x the bare node:http2 relay (${cpuPerCall(by.raw).toFixed(3)} ms)`,
  );
  console.log(
    `router background:           ${routerIdleMsPerS.toFixed(1)} ms CPU per second with no load (probes, announcements, audit witness): ~${background.toFixed(3)} ms of the CPU per call above`,
  );
  console.log(
    `router p50 added latency:    ${added(by.router, by.direct, "loaded").toFixed(2)} ms at 64 in flight (target <= 0.5; bare grpc-js proxy ${added(by.bare, by.direct, "loaded").toFixed(2)}, bare http2 relay ${added(by.raw, by.direct, "loaded").toFixed(2)}), ${added(by.router, by.direct, "serial").toFixed(2)} ms at 1 (bare grpc-js ${added(by.bare, by.direct, "serial").toFixed(2)}, bare http2 ${added(by.raw, by.direct, "serial").toFixed(2)})`,
  );
  console.log(
    `router throughput:           ${share(by.router, by.direct).toFixed(0)}% of direct at 64 in flight (target >= 70%; bare grpc-js proxy ${share(by.bare, by.direct).toFixed(0)}%, bare http2 relay ${share(by.raw, by.direct).toFixed(0)}%)`,
  );
  if (by.gateway)
    console.log(
      `gateway over the router:     ${cpuPerCall(by.gateway).toFixed(3)} ms CPU per call = ${(cpuPerCall(by.gateway) / cpuPerCall(by.router)).toFixed(2)}x the router's; p50 +${added(by.gateway, by.router, "loaded").toFixed(2)} ms at 64, +${added(by.gateway, by.router, "serial").toFixed(2)} ms at 1; throughput ${share(by.gateway, by.router).toFixed(0)}% of the router's`,
    );
} finally {
  bare.child.kill("SIGTERM");
  raw.child.kill("SIGTERM");
  await mesh.stop();
}
