/**
 * The Consul directory at national scale, on demand (`npm run bench:directory-scale`; several
 * minutes, not part of `npm test`): a real Consul (`consul agent -dev`), two compiled routers
 * (`scripts/build.sh`, plain node, defaults: announce every 10 s, heartbeat batch every 5 s, each
 * instance probed by its owner every 10 s), and 16,000 instances — two per Comune, 8,000 Comuni
 * over 107 provinces — whose gRPC health is served by a pool of small health servers in this process.
 * Prints, as figures of one run:
 *   - registration time (16,000 first announcements, half to each router);
 *   - time to the first full table (a third router started on the full directory);
 *   - one change (a box re-announcing with a new version) reflected in every router's
 *     WatchInstances stream: min / median / max over BENCH_CHANGES changes;
 *   - a burst of 100 changes in one second: time until every router has all of them, router and
 *     Consul CPU meanwhile;
 *   - what a router downloads per change (the answer of one province's blocking query) against the
 *     whole directory (every province);
 *   - router RSS; router and Consul CPU while 16,000 boxes announce at the default interval.
 * CPU comes from /proc/<pid>/stat (user + system), RSS from /proc/<pid>/status.
 */
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http2";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { Client, credentials } from "@grpc/grpc-js";
import { DiscoveryService } from "#gen/novares/discovery/v1/discovery_service_pb.js";
import { createGrpcClient, type GrpcClient } from "#shared/rpc/grpc-adapter.js";
import { freePorts } from "../test/support/ports.js";
import { run, start, waitFor, type StartedProcess } from "../test/support/process.js";
import { requireTool } from "../test/support/tools.js";

const root = new URL("..", import.meta.url).pathname;
const instancesTotal = Number(process.env.BENCH_INSTANCES ?? 16_000);
const changes = Number(process.env.BENCH_CHANGES ?? 20);
const steadySeconds = Number(process.env.BENCH_STEADY_SECONDS ?? 30);
const announceIntervalMs = 10_000;
/**
 * The routers start as deploy/systemd/novares-router.service starts them (the node flags of its
 * ExecStart, which the Docker image's CMD repeats, and its MALLOC_ARENA_MAX), so the bench measures
 * what production runs.
 */
const routerUnit = (() => {
  const text = readFileSync(new URL("../deploy/systemd/novares-router.service", import.meta.url), "utf8");
  const exec = /^ExecStart=\S+ (.*?)\s*dist\/services\/router\/src\/server\/main(?:\.bundle)?\.js$/m.exec(text);
  if (!exec) throw new Error("deploy/systemd/novares-router.service: ExecStart does not run the router's main.js");
  const arenas = /^Environment=MALLOC_ARENA_MAX=(\d+)$/m.exec(text);
  return {
    nodeFlags: exec[1]!.split(/\s+/).filter(Boolean),
    env: arenas ? { MALLOC_ARENA_MAX: arenas[1]! } : ({} as Record<string, string>),
  };
})();
// Extra node flags for the router processes (profiling, e.g. "--heapsnapshot-signal=SIGUSR2").
const routerNodeArgs = [
  ...routerUnit.nodeFlags,
  ...(process.env.BENCH_ROUTER_NODE_ARGS ?? "").split(" ").filter(Boolean),
];
const healthServers = 16;
// Announcements in flight at once while registering (boxes starting together after an outage).
const announcers = Number(process.env.BENCH_ANNOUNCERS ?? 200);
const registrationCapMs = 10 * 60_000;
const ticks = 100; // USER_HZ, the unit of /proc/<pid>/stat times on Linux

const cpuSeconds = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / ticks;
};
const rssMiB = (pid: number): number =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;
const peakRssMiB = (pid: number): number =>
  Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;
/** Seconds of CPU (user + system) in a process.cpuUsage() answer. */
const cpuOf = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1e6;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const fmt = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * What the 16,000 boxes answer to the routers' probes: grpc.health.v1 Check → SERVING, on plain
 * node:http2 (one DATA frame with the 7-byte gRPC message, then grpc-status 0 trailers). Each box
 * answers only its own probes; here one process answers all of them, so its side of a probe must
 * cost as little as possible (a grpc-js server costs several times more per connection and call)
 * while the router's side — connection, HTTP/2, gRPC client — stays what it is with real boxes.
 */
async function startHealthResponder(): Promise<{ port: number; shutdown(ms: number): Promise<void> }> {
  // Length-prefixed HealthCheckResponse { status: SERVING (1) }: flag 0, length 2, field 1 = 1.
  const serving = Buffer.from([0, 0, 0, 0, 2, 0x08, 0x01]);
  const server = createServer();
  server.on("stream", (stream, headers) => {
    stream.on("error", () => undefined);
    stream.resume();
    if (headers[":path"] !== "/grpc.health.v1.Health/Check") {
      stream.respond({ ":status": 200, "content-type": "application/grpc", "grpc-status": "12" }, { endStream: true });
      return;
    }
    stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
    stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
    stream.end(serving);
  });
  server.on("session", (session) => session.on("error", () => undefined));
  const port = await new Promise<number>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)),
  );
  return {
    port,
    shutdown: (ms) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}

interface BenchInstance {
  comuneCode: string;
  workstationCode: string;
  port: number;
  version: number;
}

/** 8,000 Comuni over provinces 001-107, two workstations each. */
function instances(healthPorts: number[]): BenchInstance[] {
  const list: BenchInstance[] = [];
  const comuni = Math.ceil(instancesTotal / 2);
  for (let c = 0; c < comuni; c++) {
    const province = String(1 + (c % 107)).padStart(3, "0");
    const comuneCode = `${province}${String(1 + Math.floor(c / 107)).padStart(3, "0")}`;
    for (let w = 1; w <= 2 && list.length < instancesTotal; w++)
      list.push({
        comuneCode,
        workstationCode: `POST-${comuneCode}-${w}`,
        port: healthPorts[list.length % healthPorts.length]!,
        version: 1,
      });
  }
  return list;
}

const request = (i: BenchInstance) => ({
  comuneCode: i.comuneCode,
  comuneName: `Comune ${i.comuneCode}`,
  workstationCode: i.workstationCode,
  host: "127.0.0.1",
  port: i.port,
  version: `1.0.${i.version}`,
});

async function main(): Promise<void> {
  const consulBin = requireTool("consul");
  const work = mkdtempSync(join(tmpdir(), "bench-directory-"));
  // BENCH_ROUTER_BUILD: an existing scripts/build.sh output to run instead of building (iterating).
  const prebuilt = process.env.BENCH_ROUTER_BUILD;
  const buildDir = prebuilt ?? join(root, ".tmp", `bench-directory-${process.pid}`);
  const processes: StartedProcess[] = [];
  const channels: Client[] = [];
  const servers: { shutdown(ms: number): Promise<void> }[] = [];
  const timers: NodeJS.Timeout[] = [];
  // Interrupted (Ctrl-C, a quiet window's end): stop Consul and the routers before leaving.
  for (const signal of ["SIGINT", "SIGTERM"] as const)
    process.once(signal, () => {
      for (const p of processes) p.child.kill("SIGKILL");
      if (!prebuilt) rmSync(buildDir, { recursive: true, force: true });
      process.exit(130);
    });
  console.log(
    `routers started as deploy/systemd/novares-router.service starts them: node ${[...routerUnit.nodeFlags, ...Object.entries(routerUnit.env).map(([k, v]) => `${k}=${v}`)].join(" ") || "(no flags)"}`,
  );
  console.log(
    `load average before the run: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")} (${cpus().length} cores)`,
  );
  try {
    if (!prebuilt) {
      console.log("building the routers (scripts/build.sh)...");
      const build = await run("bash", [join(root, "scripts/build.sh"), buildDir], { timeoutMs: 600_000 });
      if (build.code !== 0) throw new Error(`build failed: ${build.stderr}`);
    }

    const [httpPort, dnsPort, serfLan, serfWan, serverPort, grpcPort] = (await freePorts(6)) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const consul = start(consulBin, [
      "agent",
      "-dev",
      "-bind=127.0.0.1",
      "-client=127.0.0.1",
      "-log-level=error",
      `-node=bench`,
      `-http-port=${httpPort}`,
      `-dns-port=${dnsPort}`,
      `-serf-lan-port=${serfLan}`,
      `-serf-wan-port=${serfWan}`,
      `-server-port=${serverPort}`,
      `-grpc-port=${grpcPort}`,
      // -dev would take the fixed gRPC-TLS port 8503, which another Consul on the machine may hold.
      "-grpc-tls-port=-1",
      "-hcl",
      "limits { http_max_conns_per_client = 4000 }",
    ]);
    processes.push(consul);
    const consulUrl = `http://127.0.0.1:${httpPort}`;
    await waitFor(
      "consul to elect itself",
      async () =>
        (await fetch(`${consulUrl}/v1/status/leader`)).ok &&
        (await (await fetch(`${consulUrl}/v1/status/leader`)).json()) !== "",
      60_000,
      200,
    );

    const healthPorts: number[] = [];
    for (let k = 0; k < healthServers; k++) {
      const server = await startHealthResponder();
      healthPorts.push(server.port);
      servers.push(server);
    }
    const all = instances(healthPorts);

    const startRouter = async (id: string) => {
      const p = start(
        process.execPath,
        [...routerNodeArgs, join(buildDir, "services/router/src/server/main.bundle.js")],
        {
          cwd: root,
          env: {
            ...process.env,
            ...routerUnit.env,
            ROUTER_PORT: "0",
            ROUTER_ID: id,
            MESH_PLAINTEXT: "true",
            CONSUL_HTTP_ADDR: `127.0.0.1:${httpPort}`,
            LOG_LEVEL: "info",
          },
        },
      );
      processes.push(p);
      // BENCH_ROUTER_LOG_DIR: each router's log also written to <dir>/<id>.log (diagnosis).
      if (process.env.BENCH_ROUTER_LOG_DIR) {
        const log = createWriteStream(join(process.env.BENCH_ROUTER_LOG_DIR, `${id}.log`));
        p.child.stdout?.pipe(log);
        p.child.stderr?.pipe(log);
      }
      const t0 = Date.now();
      const ready = await waitFor(
        `${id} ready`,
        () => {
          const line = p
            .output()
            .split("\n")
            .find((l) => l.includes('"msg":"router ready"'));
          if (p.child.exitCode !== null) throw new Error(`${id} exited: ${p.output().slice(-2000)}`);
          return Promise.resolve(line ? (JSON.parse(line) as { port: number }) : undefined);
        },
        120_000,
        20,
      );
      const channel = new Client(`127.0.0.1:${ready.port}`, credentials.createInsecure(), {
        "grpc.max_receive_message_length": 64 * 1024 * 1024,
      });
      channels.push(channel);
      return {
        id,
        process: p,
        pid: p.child.pid!,
        discovery: createGrpcClient(DiscoveryService, channel),
        readyMs: Date.now() - t0,
      };
    };
    const routers = [await startRouter("router-a"), await startRouter("router-b")];
    const announceVia = (k: number) => routers[k % routers.length]!.discovery;

    // --- every registered box keeps announcing --------------------------------------------------
    // Like real boxes: once an instance has announced, it re-announces every announceIntervalMs
    // for the rest of the run, so nothing expires while the rest register, and the changes and the
    // burst below are measured under the steady load. A FIFO of (instance, due time); a tick every
    // 50 ms sends what is due.
    let due: { k: number; at: number }[] = [];
    let dueHead = 0;
    let keepAliveSent = 0;
    let keepAliveFailed = 0;
    let keepAliveInFlight = 0;
    // A box announces one at a time: a change (below) waits for the keep-alive of its instance in
    // flight, or that older announcement could reach a router after the change and write the
    // previous version back.
    const announcing = new Map<number, Promise<unknown>>();
    const schedule = (k: number) => due.push({ k, at: Date.now() + announceIntervalMs });
    const keepAlive = setInterval(() => {
      const now = Date.now();
      while (dueHead < due.length && due[dueHead]!.at <= now && keepAliveInFlight < 2_000) {
        const { k } = due[dueHead++]!;
        keepAliveInFlight++;
        const sent = announceVia(k)
          .announce(request(all[k]!), { deadline: 10_000 })
          .then(
            () => keepAliveSent++,
            () => keepAliveFailed++,
          )
          .finally(() => {
            keepAliveInFlight--;
            if (announcing.get(k) === sent) announcing.delete(k);
            schedule(k);
          });
        announcing.set(k, sent);
      }
      if (dueHead > 50_000) {
        due = due.slice(dueHead);
        dueHead = 0;
      }
    }, 50);
    timers.push(keepAlive);

    // --- registration --------------------------------------------------------------------------
    const consulCpu0 = cpuSeconds(consul.child.pid!);
    const routerReg0 = routers.map((r) => cpuSeconds(r.pid));
    const benchCpu0 = process.cpuUsage();
    const t0 = Date.now();
    let next = 0;
    let retried = 0;
    let lastError = "";
    // Like real boxes: an announcement the router could not record (deadline, Consul busy) is
    // retried with jittered backoff, for as long as it takes within registrationCapMs, so a busy
    // shared machine slows the figure down instead of ending the run.
    // Progress on stderr every 10 s (the figures stay on stdout): a stalled run is visible at once.
    const progress = setInterval(
      () =>
        console.error(
          `  registering: ${next}/${all.length} started after ${fmt(Date.now() - t0)}, ${retried} retried${lastError ? ` (last error: ${lastError.slice(0, 160)})` : ""}; keep-alives ${keepAliveSent} sent, ${keepAliveFailed} failed, ${keepAliveInFlight} in flight`,
        ),
      10_000,
    );
    timers.push(progress);
    await Promise.all(
      Array.from({ length: announcers }, async () => {
        while (next < all.length) {
          const k = next++;
          for (let attempt = 1; ; attempt++) {
            try {
              await announceVia(k + attempt - 1).announce(request(all[k]!), { deadline: 30_000 });
              schedule(k);
              break;
            } catch (err) {
              retried++;
              lastError = String(err);
              if (Date.now() - t0 > registrationCapMs)
                throw new Error(`registration not done after ${fmt(registrationCapMs)}: ${lastError}`);
              await sleep(Math.random() * Math.min(5_000, 250 * 2 ** attempt));
            }
          }
        }
      }),
    );
    const registrationMs = Date.now() - t0;
    clearInterval(progress);
    const countOf = async (discovery: GrpcClient<typeof DiscoveryService>) => {
      let total = 0;
      let pageToken = "";
      do {
        const page = await discovery.listInstances({ pageSize: 5000, pageToken }, { deadline: 30_000 });
        total += page.instances.length;
        pageToken = page.nextPageToken;
      } while (pageToken);
      return total;
    };
    for (const r of routers) {
      let last = 0;
      await waitFor(
        `${r.id} to hold every instance`,
        async () => (last = await countOf(r.discovery)) === all.length,
        120_000,
        500,
      ).catch((err: unknown) => {
        throw new Error(
          `${String(err)} (it holds ${last}); its log:\n${r.process
            .output()
            .split("\n")
            .filter((l) => !l.includes('"component":"access"'))
            .join("\n")
            .slice(-3000)}`,
        );
      });
    }
    const registrationVisibleMs = Date.now() - t0;
    console.log(
      `registration: ${all.length} instances announced in ${fmt(registrationMs)}, in both routers' tables after ${fmt(registrationVisibleMs)} (Consul CPU ${(cpuSeconds(consul.child.pid!) - consulCpu0).toFixed(1)} s; router CPU ${routers.map((r, i) => `${(cpuSeconds(r.pid) - routerReg0[i]!).toFixed(1)} s`).join(" / ")}; bench CPU ${cpuOf(process.cpuUsage(benchCpu0)).toFixed(1)} s; ${retried} announcements retried)`,
    );
    const warnings = routers.flatMap((r) =>
      r.process
        .output()
        .split("\n")
        .filter((l) => l.includes('"level":40') || l.includes('"level":50')),
    );
    if (warnings.length) {
      const byMessage = new Map<string, number>();
      for (const w of warnings) {
        const msg = /"msg":"([^"]*)"/.exec(w)?.[1] ?? w.slice(0, 120);
        byMessage.set(msg, (byMessage.get(msg) ?? 0) + 1);
      }
      console.log(
        `router warnings during registration: ${[...byMessage].map(([msg, n]) => `${n} × ${msg}`).join("; ")}`,
      );
    }

    // --- first full table of a fresh router ------------------------------------------------------
    const spawned = Date.now();
    const third = await startRouter("router-c");
    // "router ready" means listening, not a full table: poll its ListInstances until it serves all.
    let fullCount = 0;
    await waitFor(
      "the new router to hold every instance",
      async () => (fullCount = await countOf(third.discovery)) === all.length,
      120_000,
      50,
    );
    const firstTableMs = Date.now() - spawned;
    console.log(
      `first full table: a new router served all ${fullCount} instances ${fmt(firstTableMs)} after it was spawned (process start included; listening after ${fmt(third.readyMs)})`,
    );
    routers.push(third);

    // --- one change at a time ----------------------------------------------------------------------
    // A watcher whose stream ends (e.g. WatcherTooSlow when this busy process reads too slowly) is
    // reported and opened again; instances in the new snapshot count as seen when it arrives.
    const watcherEnds: string[] = [];
    const watchers = routers.map((r) => {
      const seen = new Map<string, number>();
      const controller = new AbortController();
      const mark = (instance: { workstationCode: string; version: string } | undefined) => {
        if (!instance) return;
        const key = `${instance.workstationCode}@${instance.version}`;
        if (!seen.has(key)) seen.set(key, Date.now());
      };
      const done = (async () => {
        while (!controller.signal.aborted) {
          try {
            for await (const message of r.discovery.watchInstances({}, { signal: controller.signal })) {
              if (message.payload.case === "event") mark(message.payload.value.instance);
              else if (message.payload.case === "snapshot") for (const i of message.payload.value.instances) mark(i);
            }
          } catch (err) {
            if (controller.signal.aborted) return;
            watcherEnds.push(`${r.id}: ${String(err).slice(0, 200)}`);
          }
        }
      })();
      return { seen, stop: () => controller.abort(), done };
    });
    await sleep(3_000);
    const change = async (k: number) => {
      const target = all[k]!;
      await announcing.get(k);
      target.version++;
      const key = `${target.workstationCode}@1.0.${target.version}`;
      const sent = Date.now();
      await announceVia(k + 1).announce(request(target), { deadline: 30_000 });
      return { key, sent };
    };
    // A random instance without a keep-alive in flight, so a change goes out when it is made.
    const idleInstance = (): number => {
      for (;;) {
        const k = Math.floor(Math.random() * all.length);
        if (!announcing.has(k)) return k;
      }
    };
    const single: number[] = [];
    let unseen = 0;
    for (let n = 0; n < changes; n++) {
      const { key, sent } = await change(idleInstance());
      const seenByAll = await waitFor(
        "every router to see the change",
        () => Promise.resolve(watchers.every((w) => w.seen.has(key))),
        30_000,
        2,
      ).catch(() => false);
      // Not seen by every router within 30 s: counted as 30 s (and reported below).
      if (!seenByAll) unseen++;
      single.push(seenByAll ? Math.max(...watchers.map((w) => w.seen.get(key)! - sent)) : 30_000);
      await sleep(300);
    }
    console.log(
      `one change reflected in every router (${routers.length} routers, ${changes} changes): min ${fmt(Math.min(...single))}, median ${fmt(median(single))}, max ${fmt(Math.max(...single))}${unseen ? `; ${unseen} not seen by every router within 30 s` : ""}${watcherEnds.length ? `; watch streams ended: ${watcherEnds.join(" | ")}` : ""}`,
    );

    // --- bytes per change --------------------------------------------------------------------------
    const services = Object.keys(
      (await (await fetch(`${consulUrl}/v1/catalog/services`)).json()) as Record<string, unknown>,
    ).filter((n) => /^novabox-\d{3}$/.test(n));
    const sizes = await Promise.all(
      services.map(async (name) =>
        Buffer.byteLength(await (await fetch(`${consulUrl}/v1/health/service/${name}?stale`)).text()),
      ),
    );
    const whole = sizes.reduce((a, b) => a + b, 0);
    console.log(
      `downloaded per change: one province's answer, median ${(median(sizes) / 1024).toFixed(0)} KB (max ${(Math.max(...sizes) / 1024).toFixed(0)} KB), instead of the whole directory ${(whole / 1024 / 1024).toFixed(1)} MB (${services.length} provinces)`,
    );

    // --- a burst of 100 changes in one second ------------------------------------------------------
    const routerCpu0 = routers.map((r) => cpuSeconds(r.pid));
    const consulBurst0 = cpuSeconds(consul.child.pid!);
    const burstStart = Date.now();
    const keys: string[] = [];
    const picked = new Set<number>();
    while (picked.size < 100) picked.add(idleInstance());
    let lastAck = 0;
    await Promise.all(
      [...picked].map(async (k, n) => {
        await sleep(n * 10);
        keys.push((await change(k)).key);
        lastAck = Date.now();
      }),
    );
    const absorbed = await waitFor(
      "every router to see the burst",
      () => Promise.resolve(watchers.every((w) => keys.every((k) => w.seen.has(k)))),
      120_000,
      5,
    ).catch(() => false);
    const burstMs = absorbed
      ? Math.max(...watchers.map((w) => Math.max(...keys.map((k) => w.seen.get(k)!)))) - burstStart
      : 120_000;
    const burstRouterCpu = routers.map((r, i) => cpuSeconds(r.pid) - routerCpu0[i]!);
    console.log(
      `burst of 100 changes in 1 s: ${absorbed ? "" : "NOT "}absorbed by every router in ${fmt(burstMs)} (the last announcement acknowledged after ${fmt(lastAck - burstStart)}); router CPU ${burstRouterCpu.map((c) => `${c.toFixed(2)} s`).join(" / ")}, Consul CPU ${(cpuSeconds(consul.child.pid!) - consulBurst0).toFixed(2)} s`,
    );
    for (const w of watchers) w.stop();

    // --- steady announcements ------------------------------------------------------------------------
    routers
      .pop()!
      .process.stop()
      .catch(() => undefined);
    await sleep(1_000);
    await sleep(announceIntervalMs); // one full round on the two remaining routers
    const cpuA = routers.map((r) => cpuSeconds(r.pid));
    const consulA = cpuSeconds(consul.child.pid!);
    const announcedA = keepAliveSent;
    const failedA = keepAliveFailed;
    const benchSteady0 = process.cpuUsage();
    const steadyStart = Date.now();
    await sleep(steadySeconds * 1000);
    const elapsed = (Date.now() - steadyStart) / 1000;
    const routerCores = routers.map((r, i) => (cpuSeconds(r.pid) - cpuA[i]!) / elapsed);
    const consulCores = (cpuSeconds(consul.child.pid!) - consulA) / elapsed;
    const benchCores = cpuOf(process.cpuUsage(benchSteady0)) / elapsed;
    clearInterval(keepAlive);
    const rate = (keepAliveSent - announcedA) / elapsed;
    const failed = keepAliveFailed - failedA;
    console.log(
      `steady load: ${all.length} boxes announcing every ${announceIntervalMs / 1000} s (${rate.toFixed(0)} announcements/s, ${failed} failed) over ${elapsed.toFixed(0)} s: router CPU ${routerCores.map((c) => `${c.toFixed(2)}`).join(" / ")} cores, Consul CPU ${consulCores.toFixed(2)} cores (the bench's own process, announcing and answering the probes: ${benchCores.toFixed(2)} cores)`,
    );
    const rss = routers.map((r) => rssMiB(r.pid));
    console.log(
      `router RSS: ${rss.map((m) => `${m.toFixed(0)} MiB`).join(" / ")} (peak ${routers.map((r) => `${peakRssMiB(r.pid).toFixed(0)} MiB`).join(" / ")})`,
    );
    const verdict = (met: boolean) => (met ? "met" : "NOT met");
    console.log(
      [
        "",
        `targets (${all.length} instances, ${routers.length} routers):`,
        `  registration ≤ 2 min: ${fmt(registrationVisibleMs)} — ${verdict(registrationVisibleMs <= 120_000)}`,
        `  first table ≤ 5 s: ${fmt(firstTableMs)} — ${verdict(firstTableMs <= 5_000)}`,
        `  one change ≤ 1 s (median): ${fmt(median(single))} — ${verdict(median(single) <= 1_000)}`,
        `  100-change burst ≤ 5 s: ${fmt(burstMs)} — ${verdict(burstMs <= 5_000)}`,
        `  steady router CPU ≤ 0.5 core: ${Math.max(...routerCores).toFixed(2)} — ${verdict(Math.max(...routerCores) <= 0.5)}`,
        `  steady Consul CPU ≤ 0.5 core: ${consulCores.toFixed(2)} — ${verdict(consulCores <= 0.5)}`,
        `  router RSS < 150 MiB: ${Math.max(...rss).toFixed(0)} MiB — ${verdict(Math.max(...rss) < 150)}`,
      ].join("\n"),
    );
    console.log(
      `load average after the run: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    );
  } finally {
    for (const t of timers) clearInterval(t);
    for (const c of channels) c.close();
    for (const p of processes.reverse()) await p.stop(5_000).catch(() => undefined);
    for (const s of servers) await s.shutdown(1_000).catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
    if (!prebuilt) rmSync(buildDir, { recursive: true, force: true });
  }
}

await main();
