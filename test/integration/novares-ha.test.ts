/**
 * Novares survives a lost node (issue 12, point 4), with real parts only: three Consul servers
 * (one Raft cluster) and one Consul client agent per router host, two routers (each on its own
 * agent, Consul directory), two gateways balancing across both routers, the ANPR simulator and two
 * Novaboxes (Trento, Rovereto) announcing to both routers, all on 127.0.0.1 with mutual TLS in the
 * mesh. Under steady certificate traffic (two tobacconist clients, each certificate with its own
 * idempotency key, retried with the same key on the other gateway until acknowledged) the test kills
 * (SIGKILL) the Consul leader, then router A, then gateway 1, and asserts:
 * - every key is acknowledged, and the simulator's operation log (`GET /__sim/operations`) holds
 *   exactly one certificate per key: no acknowledged certificate lost, none issued twice;
 * - every acknowledged protocol number is in its box's audit log as a successful issuance;
 * - each box stayed routable (ResolveComune answered with a SERVING instance) on every live router,
 *   with no gap longer than `maxUnroutableMs`;
 * - Consul elected a new leader and still lists both boxes as passing.
 * Slow by nature (a dozen processes on a shared machine): one describe, generous timeouts.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { Client } from "@grpc/grpc-js";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { CertificationService, CertificateType } from "#gen/novabox/certification/v1/certification_service_pb.js";
import {
  AuditOperation,
  AuditOutcome,
  ConfigService,
  SettingsSchema,
  type AuditEntry,
} from "#gen/novabox/config/v1/config_service_pb.js";
import { DiscoveryService } from "#gen/novares/discovery/v1/discovery_service_pb.js";
import { ensureDevPki, type DevPkiManifest } from "#shared/dev-pki/anpr-dev-pki.js";
import { createGrpcClient, type GrpcClient } from "#shared/rpc/grpc-adapter.js";
import { ensureMeshPki, meshCredentials } from "#shared/dev-pki/mesh-pki.js";
import { configureNovabox } from "../../scripts/configure-novabox.js";
import { freePorts } from "../support/ports.js";
import { start, waitFor, type StartedProcess } from "../support/process.js";
import { startService, type StartedService } from "../support/services.js";
import { requireTool } from "../support/tools.js";

/** Longest time a box may be unroutable through a live router (generous: a loaded 2-core machine). */
const maxUnroutableMs = 10_000;
/** How long traffic runs before the first kill, between kills, and after the last one. */
const phaseMs = 12_000;

const comuni = [
  { code: "022205", name: "Trento", subject: { fiscalCode: "RSSMRA85T10A562S", surname: "ROSSI", name: "MARIO" } },
  {
    code: "022161",
    name: "Rovereto",
    subject: { fiscalCode: "DLLPLA70C05H612A", surname: "DALLAPICCOLA", name: "PAOLO" },
  },
] as const;

interface ConsulNode {
  name: string;
  server: boolean;
  http: number;
  serfLan: number;
  serverPort: number;
  process?: StartedProcess;
}

interface SimOperation {
  comuneCode: string;
  idOperazioneComune: string;
  service: string;
  outcome: string;
  protocolNumber: string;
  issuance: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function httpsJson<T>(url: string, ca: Buffer): Promise<T> {
  return new Promise((resolve, reject) => {
    httpsRequest(url, { ca }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () =>
        res.statusCode === 200
          ? resolve(JSON.parse(body) as T)
          : reject(new Error(`${url}: ${res.statusCode} ${body}`)),
      );
    })
      .on("error", reject)
      .end();
  });
}

describe("Novares high availability (3 Consul servers, 2 routers, 2 gateways)", () => {
  const work = mkdtempSync(join(tmpdir(), "novares-ha-"));
  const meshDir = join(work, "mesh-pki");
  const consul: ConsulNode[] = [];
  const started: StartedProcess[] = [];
  const channels: Client[] = [];
  let pki: DevPkiManifest;
  let sim: StartedService;
  const routers: {
    id: string;
    port: number;
    service?: StartedService;
    discovery?: GrpcClient<typeof DiscoveryService>;
    alive: boolean;
  }[] = [];
  const gateways: { url: string; service?: StartedService; alive: boolean }[] = [];
  const boxes: { code: string; grpc: number; service?: StartedService }[] = [];

  const consulGet = async <T>(
    path: string,
    via = consul.filter(
      (c) => c.process && c.process.child.exitCode === null && c.process.child.signalCode === null,
    )[0]!,
  ): Promise<T> => {
    const res = await fetch(`http://127.0.0.1:${via.http}${path}`);
    if (!res.ok) throw new Error(`consul ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };

  beforeAll(async () => {
    const consulBin = requireTool("consul");
    // --- Consul: three servers, then one client agent per router host --------------------------
    const names = ["server-1", "server-2", "server-3", "agent-router-a", "agent-router-b"];
    for (const name of names) {
      const [http, serfLan, serfWan, serverPort, dns, grpc, grpcTls] = (await freePorts(7)) as [
        number,
        number,
        number,
        number,
        number,
        number,
        number,
      ];
      const node: ConsulNode = { name, server: name.startsWith("server"), http, serfLan, serverPort };
      consul.push(node);
      Object.assign(node, { serfWan, dns, grpc, grpcTls });
    }
    for (const node of consul) {
      const extra = node as ConsulNode & { serfWan: number; dns: number; grpc: number; grpcTls: number };
      const dataDir = join(work, "consul", node.name);
      mkdirSync(dataDir, { recursive: true });
      const joins = consul.filter((c) => c.server && c !== node).map((c) => `-retry-join=127.0.0.1:${c.serfLan}`);
      node.process = start(consulBin, [
        "agent",
        ...(node.server ? ["-server", "-bootstrap-expect=3"] : []),
        `-node=${node.name}`,
        "-bind=127.0.0.1",
        "-client=127.0.0.1",
        "-log-level=warn",
        `-data-dir=${dataDir}`,
        `-http-port=${node.http}`,
        `-dns-port=${extra.dns}`,
        `-serf-lan-port=${node.serfLan}`,
        `-serf-wan-port=${extra.serfWan}`,
        `-server-port=${node.serverPort}`,
        `-grpc-port=${extra.grpc}`,
        ...joins,
        "-retry-interval=1s",
        "-hcl",
        `ports { grpc_tls = ${extra.grpcTls} }`,
        // Loopback: Raft's tightest timings, so a lost leader is replaced in about a second.
        "-hcl",
        "performance { raft_multiplier = 1 }",
      ]);
      started.push(node.process);
    }
    await waitFor(
      "the three Consul servers to elect a leader, and both agents to join",
      async () => {
        for (const node of consul)
          if (node.process!.child.exitCode !== null)
            throw new Error(`consul ${node.name} exited:\n${node.process!.output().slice(-2000)}`);
        const leaders = await Promise.all(consul.map((c) => consulGet<string>("/v1/status/leader", c).catch(() => "")));
        const peers = await consulGet<string[]>("/v1/status/peers", consul[0]);
        const members = await consulGet<{ Name: string; Status: number }[]>("/v1/agent/members", consul[0]);
        return (
          leaders.every((l) => l !== "" && l === leaders[0]) &&
          peers.length === 3 &&
          members.filter((m) => m.Status === 1).length === 5
        );
      },
      90_000,
      250,
    );

    // --- PKIs, simulator, routers, gateways, boxes -----------------------------------------------
    pki = await ensureDevPki(join(work, "pki"));
    await ensureMeshPki(meshDir, { boxes: comuni.map((c) => c.code) });
    const [routerA, routerB, gw1, gw1h2c, gw2, gw2h2c, trento, trentoHttp, rovereto, roveretoHttp] =
      await freePorts(10);
    routers.push({ id: "router-a", port: routerA!, alive: true }, { id: "router-b", port: routerB!, alive: true });
    const routerList = routers.map((r) => `127.0.0.1:${r.port}`).join(",");
    const startRouter = (r: (typeof routers)[number], agent: ConsulNode) =>
      startService(
        "services/router/src/server/main.ts",
        {
          ROUTER_HOST: "127.0.0.1",
          ROUTER_PORT: String(r.port),
          ROUTER_OPS_PORT: "0",
          ROUTER_ID: r.id,
          MESH_TLS_DIR: meshDir,
          CONSUL_HTTP_ADDR: `127.0.0.1:${agent.http}`,
          ROUTER_HEALTH_INTERVAL_MS: "1000",
          ROUTER_HEARTBEAT_INTERVAL_MS: "1000",
          ROUTER_ANNOUNCE_INTERVAL_MS: "2000",
          ROUTER_EXPIRES_AFTER_MS: "15000",
          ROUTER_DEREGISTER_AFTER_MS: "60000",
        },
        "router ready",
        120_000,
      );
    const startGateway = (port: number, h2c: number) =>
      startService(
        "services/gateway/src/server/main.ts",
        {
          GATEWAY_HOST: "127.0.0.1",
          GATEWAY_PORT: String(port),
          GATEWAY_H2C_PORT: String(h2c),
          ROUTER_ADDRESS: routerList,
          MESH_TLS_DIR: meshDir,
          GATEWAY_DEV_SSO: "true",
          GATEWAY_SSO_DIR: join(work, "sso"),
          GATEWAY_ROUTER_CHECK_INTERVAL_MS: "500",
          GATEWAY_QUOTA_PER_MINUTE: "10000",
          GATEWAY_QUOTA_PER_DAY: "100000",
        },
        "gateway ready",
        120_000,
      );
    const startBox = (code: string, grpc: number, http: number) => {
      mkdirSync(join(work, "boxes", code), { recursive: true, mode: 0o700 });
      return startService(
        "services/novabox/src/server/main.ts",
        {
          ANPR_HOME: join(work, "boxes", code, "anpr_home"),
          NOVABOX_HOST: "127.0.0.1",
          NOVABOX_GRPC_PORT: String(grpc),
          NOVABOX_HTTP_PORT: String(http),
          NOVABOX_MESH_TLS_DIR: meshDir,
          NOVABOX_MESH_ROLE: `box-${code}`,
        },
        "novabox ready",
        120_000,
      );
    };
    const agents = consul.filter((c) => !c.server);
    // The first gateway creates the development SSO key both gateways share.
    const [simService, routerAService, routerBService, gateway1, trentoBox, roveretoBox] = await Promise.all([
      startService(
        "services/anpr-sim/src/server/main.ts",
        { ANPR_SIM_HOST: "127.0.0.1", ANPR_SIM_PORT: "0", ANPR_SIM_PKI_DIR: pki.dir },
        "anpr-sim ready",
        120_000,
      ),
      startRouter(routers[0]!, agents[0]!),
      startRouter(routers[1]!, agents[1]!),
      startGateway(gw1!, gw1h2c!),
      startBox("022205", trento!, trentoHttp!),
      startBox("022161", rovereto!, roveretoHttp!),
    ]);
    sim = simService;
    started.push(
      sim.process,
      routerAService.process,
      routerBService.process,
      gateway1.process,
      trentoBox.process,
      roveretoBox.process,
    );
    const gateway2 = await startGateway(gw2!, gw2h2c!);
    started.push(gateway2.process);
    routers[0]!.service = routerAService;
    routers[1]!.service = routerBService;
    for (const r of routers) {
      const channel = new Client(`127.0.0.1:${r.port}`, meshCredentials(meshDir, "gateway").client);
      channels.push(channel);
      r.discovery = createGrpcClient(DiscoveryService, channel);
    }
    gateways.push(
      { url: `http://127.0.0.1:${gw1}`, service: gateway1, alive: true },
      { url: `http://127.0.0.1:${gw2}`, service: gateway2, alive: true },
    );
    boxes.push(
      { code: "022205", grpc: trento!, service: trentoBox },
      { code: "022161", grpc: rovereto!, service: roveretoBox },
    );

    const ssoPublicKey = await (await fetch(`${gateways[0]!.url}/dev-sso/public-key`)).text();
    for (const box of boxes) {
      const comune = comuni.find((c) => c.code === box.code)!;
      await configureNovabox({
        address: `127.0.0.1:${box.grpc}`,
        credentials: meshCredentials(meshDir, `box-${box.code}`).client,
        adminPasswordFile: join(work, "boxes", box.code, "admin-password"),
        workstation: pki.workstations.find((w) => w.comuneCode === box.code)!,
        caCertificateFile: pki.simulator.caCertificateFile,
        comune: { code: comune.code, name: comune.name },
        anprBaseUrl: String(sim.ready.url),
        // Both routers: grpc-js's ipv4 target with pick-first fails over to the next address.
        novaresDiscoveryAddress: `ipv4:${routerList}`,
        advertised: { host: "127.0.0.1", port: box.grpc },
        sso: { publicKeyPem: ssoPublicKey, issuer: "https://sso.novares.dev", audience: "novabox" },
      });
      // Five demo tobacconists carry all the traffic (retries included): lift the box's per-minute limit.
      const channel = new Client(`127.0.0.1:${box.grpc}`, meshCredentials(meshDir, `box-${box.code}`).client);
      try {
        const config = createGrpcClient(ConfigService, channel);
        const password = readFileSync(join(work, "boxes", box.code, "admin-password"), "utf8").trim();
        const session = (await config.login({ username: "admin", password })).session!.token;
        await config.updateConfig(
          {
            settings: create(SettingsSchema, { rateLimits: { perTobacconistPerMinute: 10_000 } }),
            updateMask: { paths: ["rate_limits.per_tobacconist_per_minute"] },
          },
          { metadata: { authorization: `Bearer ${session}` } },
        );
      } finally {
        channel.close();
      }
    }
    await waitFor(
      "both boxes to be routable through both routers",
      async () => {
        for (const r of routers)
          for (const c of comuni)
            if (!(await r.discovery!.resolveComune({ comuneCode: c.code }, { deadline: 3_000 })).instances.length)
              return false;
        return true;
      },
      90_000,
      300,
    );
  }, 300_000);

  afterAll(async () => {
    for (const c of channels) c.close();
    for (const p of [...started].reverse()) await p.stop(5_000).catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  }, 60_000);

  it("loses no acknowledged certificate, issues none twice, and keeps every box routable while a Consul server, a router and a gateway die", async () => {
    // The development SSO's demo tobacconists, one token each (taken before any kill; they outlive the test).
    const demo = (
      (await (await fetch(`${gateways[0]!.url}/dev-sso/tobacconists`)).json()) as {
        tobacconists: { tobacconistId: string }[];
      }
    ).tobacconists.map((t) => t.tobacconistId);
    expect(demo.length).toBeGreaterThan(0);
    const tokens = new Map<string, string>();
    for (const tobacconistId of demo) {
      const res = await fetch(`${gateways[0]!.url}/dev-sso/token`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ tobacconistId }),
      });
      expect(res.status).toBe(200);
      tokens.set(tobacconistId, ((await res.json()) as { token: string }).token);
    }
    const clients = gateways.map((g) => createClient(CertificationService, createConnectTransport({ baseUrl: g.url })));

    // --- routability monitor: every live router, every Comune, every 250 ms -----------------------
    const lastRoutable = new Map<string, number>();
    const worstGap = new Map<string, number>();
    let monitoring = true;
    const monitor = (async () => {
      const t0 = Date.now();
      while (monitoring) {
        await Promise.all(
          routers
            .filter((r) => r.alive)
            .flatMap((r) =>
              comuni.map(async (c) => {
                const key = `${r.id}/${c.code}`;
                const ok = await r.discovery!.resolveComune({ comuneCode: c.code }, { deadline: 2_000 }).then(
                  (answer) => answer.instances.length > 0,
                  () => false,
                );
                const now = Date.now();
                const since = lastRoutable.get(key) ?? t0;
                // Checked again after the call: a router killed meanwhile is not "unroutable".
                if (!r.alive) return;
                worstGap.set(key, Math.max(worstGap.get(key) ?? 0, now - since));
                if (ok) lastRoutable.set(key, now);
              }),
            ),
        );
        await sleep(250);
      }
    })();

    // --- steady traffic: two clients, each certificate under its own idempotency key -------------
    interface Ack {
      key: string;
      comuneCode: string;
      protocolNumber: string;
      attempts: number;
    }
    const acks: Ack[] = [];
    const failures: string[] = [];
    const attemptErrors = new Map<string, number>();
    let traffic = true;
    let sequence = 0;
    const client = async (worker: number) => {
      while (traffic) {
        const n = sequence++;
        const comune = comuni[n % comuni.length]!;
        const tobacconistId = demo[n % demo.length]!;
        const key = randomUUID();
        const giveUpAt = Date.now() + 120_000;
        for (let attempt = 1; ; attempt++) {
          const g = (worker + attempt) % gateways.length;
          try {
            const issued = await clients[g]!.issueCertificate(
              {
                comuneCode: comune.code,
                tobacconistId,
                idempotencyKey: key,
                subject: comune.subject,
                certificateTypes: [CertificateType.RESIDENCE],
                stampDuty: { case: "stampDutyPaid", value: {} },
              },
              { headers: { authorization: `Bearer ${tokens.get(tobacconistId)!}` }, timeoutMs: 20_000 },
            );
            acks.push({ key, comuneCode: comune.code, protocolNumber: issued.anprProtocolNumber, attempts: attempt });
            break;
          } catch (err) {
            const code = err instanceof ConnectError ? Code[err.code] : String(err);
            attemptErrors.set(code, (attemptErrors.get(code) ?? 0) + 1);
            if (Date.now() > giveUpAt) {
              failures.push(`${key} (${comune.code}): ${String(err)}`);
              break;
            }
            await sleep(200 + Math.random() * 300);
          }
        }
        await sleep(150);
      }
    };
    const workers = [client(0), client(1)];

    const events: string[] = [];
    const acksAt: number[] = [];
    const mark = (event: string) => {
      events.push(`${event} after ${acks.length} acks`);
      acksAt.push(acks.length);
    };
    await sleep(phaseMs);

    // 1. The Consul leader dies.
    const leaderAddress = await consulGet<string>("/v1/status/leader");
    const leader = consul.find((c) => c.server && leaderAddress.endsWith(`:${c.serverPort}`))!;
    expect(leader).toBeDefined();
    leader.process!.child.kill("SIGKILL");
    mark(`killed Consul leader ${leader.name}`);
    await waitFor(
      "the two surviving Consul servers to elect a new leader",
      async () => {
        const now = await consulGet<string>(
          "/v1/status/leader",
          consul.find((c) => c.name === "agent-router-b"),
        );
        return now !== "" && now !== leaderAddress;
      },
      30_000,
      200,
    );
    await sleep(phaseMs);

    // 2. Router A dies (its host's agent stays).
    routers[0]!.alive = false;
    routers[0]!.service!.process.child.kill("SIGKILL");
    mark("killed router-a");
    await sleep(phaseMs);

    // 3. Gateway 1 dies.
    gateways[0]!.alive = false;
    gateways[0]!.service!.process.child.kill("SIGKILL");
    mark("killed gateway 1");
    await sleep(phaseMs);
    mark("end of traffic");

    traffic = false;
    await Promise.all(workers);
    monitoring = false;
    await monitor;

    // --- what ANPR did, what the boxes recorded --------------------------------------------------
    const operations = await httpsJson<SimOperation[]>(
      `${String(sim.ready.url)}/__sim/operations`,
      readFileSync(pki.simulator.caCertificateFile),
    );
    const certificates = operations.filter((o) => o.service === "6001" && o.outcome === "OK" && o.issuance === 1);
    const byProtocol = new Map<string, number>();
    for (const o of certificates) byProtocol.set(o.protocolNumber, (byProtocol.get(o.protocolNumber) ?? 0) + 1);

    const audit = new Map<string, AuditEntry[]>();
    for (const box of boxes) {
      const channel = new Client(`127.0.0.1:${box.grpc}`, meshCredentials(meshDir, `box-${box.code}`).client);
      channels.push(channel);
      const config = createGrpcClient(ConfigService, channel);
      const password = readFileSync(join(work, "boxes", box.code, "admin-password"), "utf8").trim();
      const session = (await config.login({ username: "admin", password })).session!.token;
      const entries: AuditEntry[] = [];
      let pageToken = "";
      do {
        const page = await config.listAuditLog(
          { pageSize: 500, pageToken },
          { metadata: { authorization: `Bearer ${session}` } },
        );
        entries.push(...page.entries);
        pageToken = page.nextPageToken;
      } while (pageToken);
      audit.set(box.code, entries);
    }
    const issuedInAudit = new Set(
      [...audit.values()]
        .flat()
        .filter((e) => e.operation === AuditOperation.CERTIFICATE_ISSUE && e.outcome === AuditOutcome.SUCCESS)
        .map((e) => e.anprProtocolNumber),
    );

    const gaps = Object.fromEntries([...worstGap].map(([k, v]) => [k, v]));
    const retried = acks.filter((a) => a.attempts > 1).length;
    // One line for the log of a CI run: what happened and how long each box was unroutable at worst.
    console.log(
      JSON.stringify({
        events,
        acknowledged: acks.length,
        retried,
        attemptErrors: Object.fromEntries(attemptErrors),
        certificatesAtAnpr: certificates.length,
        worstUnroutableMs: gaps,
      }),
    );

    expect(failures).toEqual([]);
    expect(acks.length).toBeGreaterThan(10);
    // Exactly one certificate at ANPR per acknowledged key, and no other.
    expect(new Set(acks.map((a) => a.protocolNumber)).size).toBe(acks.length);
    for (const a of acks)
      expect(`${a.protocolNumber}: ${byProtocol.get(a.protocolNumber) ?? 0}`).toBe(`${a.protocolNumber}: 1`);
    expect(certificates.length).toBe(acks.length);
    // Every acknowledged certificate is in its box's audit log.
    for (const a of acks)
      expect(`${a.protocolNumber} audited: ${issuedInAudit.has(a.protocolNumber)}`).toBe(
        `${a.protocolNumber} audited: true`,
      );
    // Each box stayed routable through every live router.
    expect(worstGap.size).toBe(routers.length * comuni.length);
    expect(
      [...worstGap].filter(([, gap]) => gap > maxUnroutableMs).map(([key, gap]) => `${key} unroutable for ${gap} ms`),
    ).toEqual([]);
    // Traffic went on after each kill.
    for (let i = 1; i < acksAt.length; i++)
      expect(`after "${events[i - 1]}": ${acksAt[i]! - acksAt[i - 1]!} more acknowledged`).not.toMatch(/: 0 more/);
    // Consul survived its lost server: a leader, two voters alive, both boxes still passing.
    const surviving = consul.find((c) => c.name === "agent-router-b")!;
    expect(await consulGet<string>("/v1/status/leader", surviving)).not.toBe("");
    const passing = await consulGet<{ Service: { Meta: Record<string, string> } }[]>(
      "/v1/health/service/novabox-022?passing",
      surviving,
    );
    expect(passing.length).toBe(comuni.length);
  }, 240_000);
});
