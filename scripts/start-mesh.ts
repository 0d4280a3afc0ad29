/**
 * `npm start`: the whole mesh on one machine. Starts the ANPR simulator, the Novares router (embedded
 * registry, or Consul when CONSUL_HTTP_ADDR is set), the gateway with the development SSO, and two
 * Novaboxes (Trento 022205, Rovereto 022161) with mutual TLS inside the mesh; configures each box
 * on first run from the development PKI (admin password saved beside it, 0600); waits until both
 * boxes are routable; prints the URLs and how to get a demo token; Ctrl-C stops everything. A process
 * that dies once the mesh is ready is reported (and a `{"msg":"process died"}` line printed) while
 * the rest keeps running; during start-up any death stops the whole mesh.
 *
 * Everything lives under MESH_DEV_DIR (default .dev, git-ignored); each process logs to
 * MESH_DEV_DIR/logs/<name>.log. Ports are overridable by environment (see the README).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { ensureDevPki } from "#shared/dev-pki/anpr-dev-pki.js";
import { ensureMeshPki, meshCredentials } from "#shared/dev-pki/mesh-pki.js";
import { parseCommandLine } from "../services/shared/src/runtime/cli.js";
import { configureNovabox } from "./configure-novabox.js";

parseCommandLine(process.argv.slice(2), {
  usage: `usage: npm start   (node --import tsx scripts/start-mesh.ts, after npm run build:web)

Runs the whole mesh on this machine: the ANPR simulator, the Novares router and gateway, and two
Novaboxes (Trento 022205, Rovereto 022161) with mutual TLS; configures the boxes on first run and
prints the URLs, where each process logs, and how to get a demo token. Ctrl-C stops everything.
It takes no arguments; these environment variables override its defaults:
  MESH_DEV_DIR (default .dev)        everything it writes: PKIs, ANPR_HOMEs, logs/<process>.log
  ANPR_SIM_PORT (8443)  ROUTER_PORT (50060)  GATEWAY_PORT (8090)  GATEWAY_H2C_PORT (8091)
  TRENTO_GRPC_PORT (50051)  TRENTO_HTTP_PORT (8081)  ROVERETO_GRPC_PORT (50052)  ROVERETO_HTTP_PORT (8082)
  CONSUL_HTTP_ADDR                   use Consul as the router's registry instead of the embedded one
  LOG_LEVEL (info)
`,
});

const root = resolve(new URL("..", import.meta.url).pathname);
const dev = resolve(process.env.MESH_DEV_DIR ?? join(root, ".dev"));
const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const ports = {
  sim: port("ANPR_SIM_PORT", 8443),
  router: port("ROUTER_PORT", 50060),
  routerOps: port("ROUTER_OPS_PORT", 9460),
  gateway: port("GATEWAY_PORT", 8090),
  gatewayH2c: port("GATEWAY_H2C_PORT", 8091),
};
const boxes = [
  { comune: "022205", name: "Trento", grpc: port("TRENTO_GRPC_PORT", 50051), http: port("TRENTO_HTTP_PORT", 8081) },
  {
    comune: "022161",
    name: "Rovereto",
    grpc: port("ROVERETO_GRPC_PORT", 50052),
    http: port("ROVERETO_HTTP_PORT", 8082),
  },
];
const host = "127.0.0.1";
/**
 * The development SSO is an OpenID Connect issuer at the gateway's /dev-sso (discovery, authorize,
 * token, JWKS): the console signs in through it, the gateway and the boxes check its tokens' `iss`.
 */
const ssoIssuer = `http://${host}:${ports.gateway}/dev-sso`;
const ssoAudience = "novabox";

interface Child {
  name: string;
  process: ChildProcess;
  ready: Promise<Record<string, unknown>>;
}
const children: Child[] = [];
let stopping = false;
let meshReady = false;

function startChild(name: string, entry: string, env: Record<string, string>, readyMessage: string): Child {
  mkdirSync(join(dev, "logs"), { recursive: true });
  const logFile = join(dev, "logs", `${name}.log`);
  const log = createWriteStream(logFile, { flags: "a" });
  // Say where each process logs as it starts: that is where a failed certificate is explained.
  console.log(`starting ${name.padEnd(16)} log: ${logFile}`);
  const child = spawn(process.execPath, ["--import", "tsx", join(root, entry)], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let buffer = "";
  const ready = new Promise<Record<string, unknown>>((resolveReady, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      log.write(chunk);
      buffer += chunk.toString();
      let newline;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (line.includes(`"msg":"${readyMessage}"`)) resolveReady(JSON.parse(line) as Record<string, unknown>);
      }
    });
    child.stderr.on("data", (chunk: Buffer) => log.write(chunk));
    child.on("exit", (code, signal) => {
      reject(
        new Error(`${name} exited (${code ?? signal}) before it was ready; see ${join(dev, "logs", `${name}.log`)}`),
      );
      if (stopping) return;
      if (!meshReady) {
        console.error(
          `${name} stopped unexpectedly (${code ?? signal}) while the mesh was starting; see ${join(dev, "logs", `${name}.log`)}. Stopping the mesh.`,
        );
        void stopAll(1);
        return;
      }
      // Once the mesh runs, one dead process is reported and the rest keep running, so failover
      // (a box, a router or a gateway lost) can be watched in the demo. Ctrl-C still stops all.
      const alive = children
        .filter((c) => c.process.exitCode === null && c.process.signalCode === null)
        .map((c) => c.name);
      console.error(
        `${name} stopped unexpectedly (${code ?? signal}); see ${join(dev, "logs", `${name}.log`)}. The rest of the mesh keeps running: ${alive.join(", ") || "nothing"}.`,
      );
      console.log(JSON.stringify({ msg: "process died", name, code, signal, alive }));
    });
  });
  const entryChild = { name, process: child, ready };
  children.push(entryChild);
  return entryChild;
}

async function stopAll(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((done) => {
          if (c.process.exitCode !== null || c.process.signalCode !== null) return done();
          const timer = setTimeout(() => c.process.kill("SIGKILL"), 8_000);
          c.process.once("exit", () => {
            clearTimeout(timer);
            done();
          });
          c.process.kill("SIGTERM");
        }),
    ),
  );
  console.log("mesh stopped");
  process.exit(code);
}

process.on("SIGINT", () => void stopAll(0));
process.on("SIGTERM", () => void stopAll(0));

async function main(): Promise<void> {
  const started = Date.now();
  const pki = await ensureDevPki(join(dev, "pki"));
  const meshDir = join(dev, "mesh-pki");
  await ensureMeshPki(meshDir, { boxes: boxes.map((b) => b.comune) });

  const sim = startChild(
    "anpr-sim",
    "services/anpr-sim/src/server/main.ts",
    { ANPR_SIM_HOST: host, ANPR_SIM_PORT: String(ports.sim), ANPR_SIM_PKI_DIR: pki.dir },
    "anpr-sim ready",
  );
  const router = startChild(
    "router",
    "services/router/src/server/main.ts",
    {
      ROUTER_HOST: host,
      ROUTER_PORT: String(ports.router),
      ROUTER_OPS_PORT: String(ports.routerOps),
      MESH_TLS_DIR: meshDir,
      ROUTER_WITNESS_DIR: join(dev, "router", "witness"),
      ...(process.env.CONSUL_HTTP_ADDR ? { CONSUL_HTTP_ADDR: process.env.CONSUL_HTTP_ADDR } : {}),
    },
    "router ready",
  );
  const gateway = startChild(
    "gateway",
    "services/gateway/src/server/main.ts",
    {
      GATEWAY_HOST: host,
      GATEWAY_PORT: String(ports.gateway),
      GATEWAY_H2C_PORT: String(ports.gatewayH2c),
      ROUTER_ADDRESS: `${host}:${ports.router}`,
      MESH_TLS_DIR: meshDir,
      GATEWAY_DEV_SSO: "true",
      GATEWAY_SSO_DIR: join(dev, "sso"),
      GATEWAY_SSO_ISSUER: ssoIssuer,
      GATEWAY_SSO_AUDIENCE: ssoAudience,
      ...(existsSync(join(root, "web/dist/console")) ? { GATEWAY_WEB_DIR: join(root, "web/dist/console") } : {}),
    },
    "gateway ready",
  );
  const boxChildren = boxes.map((box) => {
    mkdirSync(join(dev, "boxes", box.comune), { recursive: true, mode: 0o700 });
    return startChild(
      `novabox-${box.comune}`,
      "services/novabox/src/server/main.ts",
      {
        ANPR_HOME: join(dev, "boxes", box.comune, "anpr_home"),
        NOVABOX_HOST: host,
        NOVABOX_GRPC_PORT: String(box.grpc),
        NOVABOX_HTTP_PORT: String(box.http),
        NOVABOX_MESH_TLS_DIR: meshDir,
        NOVABOX_MESH_ROLE: `box-${box.comune}`,
        ...(existsSync(join(root, "web/dist/novabox")) ? { NOVABOX_WEB_DIR: join(root, "web/dist/novabox") } : {}),
      },
      "novabox ready",
    );
  });
  const simReady = await sim.ready;
  await Promise.all([router.ready, gateway.ready, ...boxChildren.map((b) => b.ready)]);
  const simUrl = String(simReady.url);
  const gatewayUrl = `http://${host}:${ports.gateway}`;
  const ssoPublicKey = await (await fetch(`${gatewayUrl}/dev-sso/public-key`)).text();
  for (const box of boxes) {
    const workstation = pki.workstations.find((w) => w.comuneCode === box.comune)!;
    await configureNovabox({
      address: `${host}:${box.grpc}`,
      credentials: meshCredentials(meshDir, `box-${box.comune}`).client,
      adminPasswordFile: join(dev, "boxes", box.comune, "admin-password"),
      workstation,
      caCertificateFile: pki.simulator.caCertificateFile,
      comune: { code: box.comune, name: box.name },
      anprBaseUrl: simUrl,
      novaresDiscoveryAddress: `${host}:${ports.router}`,
      advertised: { host, port: box.grpc },
      sso: { publicKeyPem: ssoPublicKey, issuer: ssoIssuer, audience: ssoAudience },
    });
  }

  const deadline = Date.now() + 60_000;
  for (;;) {
    const listing = (await (
      await fetch(`${gatewayUrl}/novares.discovery.v1.DiscoveryService/ListInstances`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: "{}",
      })
    ).json()) as { instances?: { comuneCode?: string; health?: string }[] };
    const healthy = new Set(
      (listing.instances ?? []).filter((i) => i.health === "INSTANCE_HEALTH_SERVING").map((i) => i.comuneCode),
    );
    if (boxes.every((b) => healthy.has(b.comune))) break;
    if (Date.now() > deadline)
      throw new Error(`the boxes did not become routable within 60 s: ${JSON.stringify(listing)}`);
    await new Promise((r) => setTimeout(r, 500));
  }

  console.log(
    [
      "",
      "Novabox mesh is running:",
      `  ANPR simulator     ${simUrl}`,
      `  Novares router     ${host}:${ports.router}  (gRPC, mutual TLS; registry: ${process.env.CONSUL_HTTP_ADDR ? `Consul ${process.env.CONSUL_HTTP_ADDR}` : "embedded"})`,
      `  Novares gateway    ${gatewayUrl}  (Connect / gRPC-web for browsers; gRPC h2c on ${ports.gatewayH2c})`,
      ...boxes.map(
        (b) =>
          `  Novabox ${b.name.padEnd(10)} gRPC ${host}:${b.grpc} (mutual TLS), admin panel http://${host}:${b.http}  (admin password in ${join(dev, "boxes", b.comune, "admin-password")})`,
      ),
      "",
      "Each process logs (JSON lines) to its own file:",
      ...children.map((c) => `  ${c.name.padEnd(18)} ${join(dev, "logs", `${c.name}.log`)}`),
      "",
      "A demo tobacconist's token:",
      `  curl -s -X POST ${gatewayUrl}/dev-sso/token -H 'Content-Type: application/json' -d '{"tobacconistId":"TAB-0001"}'`,
      "",
      `mesh ready in ${((Date.now() - started) / 1000).toFixed(1)} s — Ctrl-C stops everything`,
    ].join("\n"),
  );
  meshReady = true;
  console.log(
    JSON.stringify({
      msg: "mesh ready",
      gateway: gatewayUrl,
      router: `${host}:${ports.router}`,
      sim: simUrl,
      ssoIssuer,
      boxes,
      pids: Object.fromEntries(children.map((c) => [c.name, c.process.pid])),
    }),
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  void stopAll(1);
});
