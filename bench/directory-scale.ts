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
import {
  connect as connectHttp2,
  constants as http2Constants,
  type ClientHttp2Session,
  type ClientHttp2Stream,
  type IncomingHttpHeaders,
} from "node:http2";
import { createServer as createNetServer } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { Client, credentials } from "@grpc/grpc-js";
import { create, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import {
  AnnounceRequestSchema,
  DiscoveryService,
  ListInstancesRequestSchema,
} from "#gen/novares/discovery/v1/discovery_service_pb.js";
import { createGrpcClient } from "#shared/rpc/grpc-adapter.js";
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

/** One HTTP/2 frame (RFC 9113 §4.1): 24-bit length, type, flags, stream id, payload. */
function h2Frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(streamId, 5);
  return Buffer.concat([header, payload]);
}

/**
 * What the 16,000 boxes answer to the routers' probes: grpc.health.v1 Check → SERVING. Each box
 * answers only its own probes, on its own machine; here one process answers all of them (1,600
 * probe connections a second at 16,000), so its side must cost as little as possible while the
 * router's side — a TCP connection, node:http2 session and gRPC call per probe (box-probe.ts) —
 * stays what it is with real boxes. It is therefore not an HTTP/2 stack but the bytes a gRPC
 * server sends to a one-shot probe, written on a plain TCP socket: its SETTINGS (RFC 9113 §3.4),
 * the ACK of the client's, and once the request on stream 1 (a fresh connection's first stream)
 * has ended, the response HEADERS (`:status 200` from HPACK's static table, `content-type:
 * application/grpc` as a literal without indexing, RFC 7541 §6.2.2), one DATA frame with the
 * framed HealthCheckResponse{SERVING} and the trailers `grpc-status: 0` with END_STREAM. It does
 * not decode the request's headers (HPACK): the routers send nothing else to these ports.
 * A node:http2 server here (a session per connection) cost the bench more CPU than either router.
 */
async function startHealthResponder(): Promise<{ port: number; shutdown(ms: number): Promise<void> }> {
  const [DATA, HEADERS, SETTINGS, PING, GOAWAY] = [0x0, 0x1, 0x4, 0x6, 0x7];
  const [ACK, END_STREAM, END_HEADERS] = [0x1, 0x1, 0x4];
  const contentType = Buffer.from("application/grpc");
  const grpcStatus = Buffer.from("grpc-status");
  // Length-prefixed HealthCheckResponse { status: SERVING (1) }: flag 0, length 2, field 1 = 1.
  const serving = Buffer.from([0, 0, 0, 0, 2, 0x08, 0x01]);
  const answer = Buffer.concat([
    h2Frame(HEADERS, END_HEADERS, 1, Buffer.concat([Buffer.from([0x88, 0x0f, 0x10, contentType.length]), contentType])),
    h2Frame(DATA, 0, 1, serving),
    h2Frame(
      HEADERS,
      END_HEADERS | END_STREAM,
      1,
      Buffer.concat([Buffer.from([0x00, grpcStatus.length]), grpcStatus, Buffer.from([1, 0x30])]),
    ),
  ]);
  const settings = h2Frame(SETTINGS, 0, 0);
  const settingsAck = h2Frame(SETTINGS, ACK, 0);
  const prefaceLength = 24; // "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
  const server = createNetServer((socket) => {
    socket.on("error", () => undefined);
    socket.write(settings);
    let pending: Buffer = Buffer.alloc(0);
    let prefaceSeen = false;
    let answered = false;
    socket.on("data", (chunk: Buffer) => {
      pending = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
      if (!prefaceSeen) {
        if (pending.length < prefaceLength) return;
        pending = pending.subarray(prefaceLength);
        prefaceSeen = true;
      }
      while (pending.length >= 9) {
        const length = pending.readUIntBE(0, 3);
        if (pending.length < 9 + length) break;
        const [type, flags] = [pending[3]!, pending[4]!];
        const streamId = pending.readUInt32BE(5) & 0x7fffffff;
        const payload = pending.subarray(9, 9 + length);
        pending = pending.subarray(9 + length);
        if (type === SETTINGS && !(flags & ACK)) socket.write(settingsAck);
        else if (type === PING && !(flags & ACK)) socket.write(h2Frame(PING, ACK, 0, Buffer.from(payload)));
        else if (type === GOAWAY) socket.end();
        else if (streamId === 1 && (type === DATA || type === HEADERS) && flags & END_STREAM && !answered) {
          answered = true;
          socket.write(answer);
        }
      }
    });
  });
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

/** Flow-control windows of the bench's raw client (see createRawClient). */
const flowWindow = 16 * 1024 * 1024;
/** HTTP/2 connections of the bench's raw client to each router (see createRawClient). */
const connectionsPerRouter = 8;

/**
 * The bench's unary calls to a router over one HTTP/2 connection, as a gRPC client sends them
 * (POST of the framed message, `grpc-timeout`; the answer's `grpc-status`), on node:http2 without
 * grpc-js: at 16,000 instances the bench sends 1,600 announcements a second, and grpc-js's call
 * stack on this side cost the bench more CPU than the routers spent serving them. The routers'
 * side is unchanged (their listener cannot tell). Anything but `grpc-status: 0` rejects with the
 * status and message.
 */
function createRawClient(port: number): {
  /** Announce; its answer is not decoded (the bench does not use it). */
  announce: (request: MessageInitShape<typeof AnnounceRequestSchema>, deadlineMs: number) => Promise<void>;
  /**
   * How many instances the router's ListInstances serves, page by page (5,000 a page), counting
   * the `instances` entries of each answer without decoding them: a full decode of 16,000
   * instances in this busy process was part of the "first full table" the bench measured.
   */
  countInstances: (deadlineMs: number) => Promise<number>;
  close: () => void;
} {
  // Several connections, used in turn: the router advertises MAX_CONCURRENT_STREAMS (1,000 on its
  // frame-level listener), and the bench keeps up to 2,200 calls in flight (keep-alives and
  // registrations) where 16,000 real boxes would each hold a connection of their own; on one
  // connection the excess would wait in the client for a free stream, and a change or a
  // registration behind a thousand keep-alives would be measured as slow.
  const sessions: (ClientHttp2Session | undefined)[] = Array.from({ length: connectionsPerRouter }, () => undefined);
  let turn = 0;
  const sessionNow = () => {
    const slot = turn++ % sessions.length;
    let session = sessions[slot];
    if (!session || session.closed || session.destroyed) {
      // Windows of 16 MiB (RFC 9113 §6.9.2): with the default 64 KiB, a 5,000-instance page
      // (~0.5 MB) waits for a WINDOW_UPDATE round trip through both busy processes every 64 KiB.
      const fresh = connectHttp2(`http://127.0.0.1:${port}`, { settings: { initialWindowSize: flowWindow } });
      fresh.on("error", () => undefined);
      fresh.once("connect", () => fresh.setLocalWindowSize(flowWindow));
      sessions[slot] = session = fresh;
    }
    return session;
  };
  const unary = (path: string, message: Uint8Array, deadlineMs: number) =>
    new Promise<Buffer>((resolve, reject) => {
      const framed = Buffer.alloc(5 + message.length);
      framed.writeUInt32BE(message.length, 1);
      framed.set(message, 5);
      let stream: ClientHttp2Stream;
      try {
        stream = sessionNow().request({
          ":method": "POST",
          ":path": path,
          "content-type": "application/grpc",
          te: "trailers",
          "grpc-timeout": `${deadlineMs}m`,
        });
      } catch (err) {
        return reject(err instanceof Error ? err : new Error(String(err)));
      }
      let status: string | undefined;
      let statusMessage = "";
      const chunks: Buffer[] = [];
      const take = (headers: IncomingHttpHeaders) => {
        if (headers["grpc-status"] === undefined) return;
        status = String(headers["grpc-status"]);
        statusMessage = decodeURIComponent(String(headers["grpc-message"] ?? ""));
      };
      const timer = setTimeout(() => {
        stream.close(http2Constants.NGHTTP2_CANCEL);
        reject(new Error(`DEADLINE_EXCEEDED: no answer within ${deadlineMs} ms`));
      }, deadlineMs);
      stream.on("response", take);
      stream.on("trailers", take);
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("error", () => undefined);
      stream.once("close", () => {
        clearTimeout(timer);
        if (status !== "0") return reject(new Error(`grpc-status ${status ?? "missing"}: ${statusMessage}`));
        const body = Buffer.concat(chunks);
        resolve(body.subarray(5, 5 + (body.length >= 5 ? body.readUInt32BE(1) : 0)));
      });
      stream.end(framed);
    });
  const varint = (bytes: Buffer, at: number): [value: number, next: number] => {
    let value = 0;
    for (let shift = 1; ; shift *= 128) {
      const byte = bytes[at++]!;
      value += (byte & 0x7f) * shift;
      if (byte < 0x80) return [value, at];
    }
  };
  return {
    announce: async (request, deadlineMs) => {
      await unary(
        "/novares.discovery.v1.DiscoveryService/Announce",
        toBinary(AnnounceRequestSchema, create(AnnounceRequestSchema, request)),
        deadlineMs,
      );
    },
    countInstances: async (deadlineMs) => {
      let total = 0;
      let pageToken = "";
      do {
        const answer = await unary(
          "/novares.discovery.v1.DiscoveryService/ListInstances",
          toBinary(ListInstancesRequestSchema, create(ListInstancesRequestSchema, { pageSize: 5000, pageToken })),
          deadlineMs,
        );
        // ListInstancesResponse: field 1 (instances) and field 2 (next_page_token), both
        // length-delimited; anything else is skipped by its wire type.
        pageToken = "";
        for (let at = 0; at < answer.length;) {
          const [tag, afterTag] = varint(answer, at);
          const wireType = tag & 7;
          if (wireType === 0) at = varint(answer, afterTag)[1];
          else if (wireType === 1) at = afterTag + 8;
          else if (wireType === 5) at = afterTag + 4;
          else if (wireType === 2) {
            const [length, start] = varint(answer, afterTag);
            if (tag >>> 3 === 1) total++;
            else if (tag >>> 3 === 2) pageToken = answer.toString("utf8", start, start + length);
            at = start + length;
          } else throw new Error(`ListInstancesResponse: unexpected wire type ${wireType}`);
        }
      } while (pageToken);
      return total;
    },
    close: () => {
      for (const session of sessions) session?.close();
    },
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
  const rawClients: { close: () => void }[] = [];
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
      const raw = createRawClient(ready.port);
      rawClients.push(raw);
      return {
        id,
        process: p,
        pid: p.child.pid!,
        discovery: createGrpcClient(DiscoveryService, channel),
        announce: raw.announce,
        countInstances: raw.countInstances,
        readyMs: Date.now() - t0,
      };
    };
    const routers = [await startRouter("router-a"), await startRouter("router-b")];
    const announceVia = (k: number) => routers[k % routers.length]!;

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
          .announce(request(all[k]!), 10_000)
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
              await announceVia(k + attempt - 1).announce(request(all[k]!), 30_000);
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
    let lastCountMs = 0;
    const countOf = async (r: { countInstances: (deadlineMs: number) => Promise<number> }) => {
      const asked = Date.now();
      const count = await r.countInstances(30_000);
      lastCountMs = Date.now() - asked;
      return count;
    };
    for (const r of routers) {
      let last = 0;
      await waitFor(
        `${r.id} to hold every instance`,
        async () => (last = await countOf(r)) === all.length,
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
      async () => (fullCount = await countOf(third)) === all.length,
      120_000,
      50,
    );
    const firstTableMs = Date.now() - spawned;
    console.log(
      `first full table: a new router served all ${fullCount} instances ${fmt(firstTableMs)} after it was spawned (process start included; listening after ${fmt(third.readyMs)}; the listing that counted them all took ${fmt(lastCountMs)})`,
    );
    // The router's own account of its first table (consul-directory.ts logs it once).
    const built = third.process
      .output()
      .split("\n")
      .find((l) => l.includes('"msg":"Consul directory: first full table"'));
    if (built) {
      const b = JSON.parse(built) as {
        afterMs: number;
        servicesMs: number;
        provinces: number;
        downloadedKB: number;
        provinceReadMs: { total: number; max: number };
        parseMs: number;
        applyMs: number;
      };
      console.log(
        `  inside the new router: table whole ${fmt(b.afterMs)} after its directory started — catalog of provinces after ${fmt(b.servicesMs)}, ${b.provinces} province reads (${(b.downloadedKB / 1024).toFixed(1)} MB, 8 at a time: ${fmt(b.provinceReadMs.total)} in all, the longest ${fmt(b.provinceReadMs.max)}), JSON parse ${fmt(b.parseMs)}, table build ${fmt(b.applyMs)}`,
      );
    }
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
      await announceVia(k + 1).announce(request(target), 30_000);
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
    for (const raw of rawClients) raw.close();
    for (const p of processes.reverse()) await p.stop(5_000).catch(() => undefined);
    for (const s of servers) await s.shutdown(1_000).catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
    if (!prebuilt) rmSync(buildDir, { recursive: true, force: true });
  }
}

await main();
