/**
 * Two Novares routers (main.ts processes) against one REAL Consul server agent (a single-server
 * cluster with a data dir, so a restart keeps its state): boxes announced through either router are
 * registered once in Consul's catalog (external node per province, one service per province, one
 * check per instance written by the routers — no router's agent involved); both routers route by
 * Comune from their sharded blocking-query tables; an unchanged announcement writes nothing; each
 * instance is probed by the one router that owns it; a killed box stops receiving traffic within
 * the probe interval once its announcements are late (timed); a box that stops announcing turns critical even when it announced
 * only to the other router; a Consul outage leaves routing working and heals by itself; a
 * registration Consul lost comes back with the next announcement; a restarted router rebuilds its
 * table from Consul.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { status } from "@grpc/grpc-js";
import { InstanceHealth } from "#gen/novares/discovery/v1/discovery_service_pb.js";
import { RpcError } from "#shared/rpc/grpc-status.js";
import { ownerOf } from "../../services/router/src/domain/directory-shards.js";
import {
  keepAnnouncing,
  routerClients,
  startFakeBox,
  type FakeBox,
  type RouterClients,
} from "../../services/router/test/fake-box.js";
import { freePorts } from "../support/ports.js";
import { start, waitFor, type StartedProcess } from "../support/process.js";
import { startService, type StartedService } from "../support/services.js";
import { sampleSum, scrape } from "../support/prometheus-text.js";
import { requireTool } from "../support/tools.js";

interface ConsulHealthEntry {
  Node: { Node: string; Meta: Record<string, string> };
  Service: { ID: string; Service: string; Address: string; Port: number; Tags: string[]; Meta: Record<string, string> };
  Checks: { CheckID: string; Status: string; Output: string }[];
}

const checkIntervalSeconds = 1;
const heartbeatIntervalMs = 1_000;
const announceIntervalMs = 1_000;

describe("routers with a real Consul", () => {
  let consulBin: string;
  let agent: StartedProcess | undefined;
  let dataDir: string;
  let consulArgs: string[];
  let http: string;
  let consulAddr: string;
  const routers: { service: StartedService; clients: RouterClients }[] = [];
  const boxes: Record<string, FakeBox> = {};
  const announcers: Record<string, { instanceId: string; stop: () => void }> = {};

  const startAgent = async () => {
    agent = start(consulBin, consulArgs);
    await waitFor(
      "consul to elect itself leader",
      async () => {
        if (agent?.child.exitCode !== null) throw new Error(`consul exited:\n${agent?.output().slice(-2000)}`);
        const res = await fetch(`${http}/v1/status/leader`);
        return res.ok && ((await res.json()) as string) !== "";
      },
      40_000,
      100,
    );
  };

  let routerSerial = 0;
  const startRouterProcess = async () => {
    const routerId = `router-${String.fromCharCode(97 + (routerSerial++ % 2))}`;
    const service = await startService(
      "services/router/src/server/main.ts",
      {
        ROUTER_PORT: "0",
        ROUTER_OPS_PORT: "0",
        MESH_PLAINTEXT: "true",
        MESH_TLS_DIR: "",
        CONSUL_HTTP_ADDR: consulAddr,
        ROUTER_ID: routerId,
        ROUTER_HEALTH_INTERVAL_MS: String(checkIntervalSeconds * 1000),
        ROUTER_HEARTBEAT_INTERVAL_MS: String(heartbeatIntervalMs),
        ROUTER_DEREGISTER_AFTER_MS: "8000",
        ROUTER_ANNOUNCE_INTERVAL_MS: String(announceIntervalMs),
        ROUTER_EXPIRES_AFTER_MS: "10000",
      },
      "router ready",
    );
    return { service, clients: routerClients(`127.0.0.1:${service.ready.port as number}`) };
  };

  /** Every instance in the catalog, across the province services. */
  const catalog = async (query = ""): Promise<ConsulHealthEntry[]> => {
    const services = Object.keys(
      (await (await fetch(`${http}/v1/catalog/services`)).json()) as Record<string, string[]>,
    ).filter((n) => /^novabox-\d{3}$/.test(n));
    const lists = await Promise.all(
      services.map(
        async (name) =>
          (await (await fetch(`${http}/v1/health/service/${name}${query}`)).json()) as ConsulHealthEntry[],
      ),
    );
    return lists.flat();
  };
  const passing = () => catalog("?passing");
  const servingVia = async (r: { clients: RouterClients }, comuneCode: string) =>
    (
      await r.clients.discovery.resolveComune({ comuneCode }, { deadline: 3_000 }).catch(() => ({ instances: [] }))
    ).instances.map((i) => i.instanceId);
  const boxOf = async (r: { clients: RouterClients }, comuneCode: string, idempotencyKey = "") =>
    (
      await r.clients.certification.issueCertificate({ comuneCode, idempotencyKey }, { deadline: 5_000 })
    ).requestId.split("|")[0];

  beforeAll(async () => {
    consulBin = requireTool("consul");
    const [httpPort, dnsPort, serfLan, serfWan, server, grpc, grpcTls] = await freePorts(7);
    dataDir = mkdtempSync(join(tmpdir(), "router-consul-"));
    http = `http://127.0.0.1:${httpPort}`;
    consulAddr = `127.0.0.1:${httpPort}`;
    consulArgs = [
      "agent",
      "-server",
      "-bootstrap-expect=1",
      "-node=router-test",
      "-bind=127.0.0.1",
      "-client=127.0.0.1",
      "-log-level=warn",
      `-data-dir=${dataDir}`,
      `-http-port=${httpPort}`,
      `-dns-port=${dnsPort}`,
      `-serf-lan-port=${serfLan}`,
      `-serf-wan-port=${serfWan}`,
      `-server-port=${server}`,
      `-grpc-port=${grpc}`,
      "-hcl",
      `ports { grpc_tls = ${grpcTls} }`,
    ];
    await startAgent();
    routers.push(await startRouterProcess(), await startRouterProcess());
    const layout: [string, string][] = [
      ["trento1", "022205"],
      ["rovereto1", "022161"],
      ["rovereto2", "022161"],
    ];
    for (const [name, comuneCode] of layout) {
      boxes[name] = await startFakeBox({ name, comuneCode });
      announcers[name] = await keepAnnouncing(
        routers.map((r) => r.clients.discovery),
        boxes[name],
        1_000,
      );
    }
  }, 120_000);

  afterAll(async () => {
    for (const a of Object.values(announcers)) a.stop();
    for (const b of Object.values(boxes)) b.kill();
    for (const r of routers) {
      r.clients.channel.close();
      await r.service.process.stop();
    }
    await agent?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 30_000);

  it("registers every announced box once in the catalog, on its province's external node, with one check the routers write", async () => {
    const entries = await waitFor("three passing novabox instances", async () => {
      const list = await passing();
      return list.length === 3 ? list : undefined;
    });
    const trento = entries.find((e) => e.Service.Meta.comune_code === "022205")!;
    expect(trento.Service).toMatchObject({
      ID: announcers.trento1!.instanceId,
      Service: "novabox-022",
      Address: "127.0.0.1",
      Port: boxes.trento1!.port,
      Meta: { comune_code: "022205", comune_name: "Comune 022205", workstation: "POST-trento1", version: "0.1.0-test" },
    });
    expect(trento.Service.Tags).toEqual(["novabox"]);
    expect(trento.Node.Node).toBe("novabox-province-022");
    expect(trento.Node.Meta["external-node"]).toBe("true");
    expect(trento.Checks.map((c) => c.CheckID)).toEqual([`${announcers.trento1!.instanceId}:health`]);
    expect(entries.filter((e) => e.Service.Meta.comune_code === "022161").map((e) => e.Node.Node)).toEqual([
      "novabox-province-022",
      "novabox-province-022",
    ]);
    // Registered through the catalog: no router's agent holds a Novabox service.
    const agentServices = (await (await fetch(`${http}/v1/agent/services`)).json()) as Record<string, unknown>;
    expect(Object.keys(agentServices).filter((id) => id.startsWith("novabox-"))).toEqual([]);
    for (const r of routers) expect(r.service.ready.registry).toBe("consul");
  }, 30_000);

  it("spreads the health checks: a box turning NOT_SERVING is caught by the router that owns it", async () => {
    const names = ["trento1", "rovereto1", "rovereto2"];
    const ids = names.map((n) => announcers[n]!.instanceId);
    const owners = ids.map((id) => ownerOf(id, ["router-a", "router-b"]));
    for (const n of names) boxes[n]!.setServing(false);
    try {
      await waitFor(
        "every check to report NOT_SERVING, written by the instance's owner",
        async () => {
          const entries = await catalog();
          return ids.every(
            (id, k) =>
              entries.find((e) => e.Service.ID === id)?.Checks[0]?.Output ===
              `NOT_SERVING or unreachable (probed by router ${owners[k]})`,
          );
        },
        15_000,
        100,
      );
    } finally {
      for (const n of names) boxes[n]!.setServing(true);
    }
    await waitFor("the three boxes to be passing again", async () => (await passing()).length === 3, 15_000, 100);
  }, 40_000);

  it("writes nothing to Consul for an unchanged announcement", async () => {
    const indexOf = async () => (await fetch(`${http}/v1/health/service/novabox-022`)).headers.get("x-consul-index");
    // The previous test flipped the boxes' health: a probe started before the flip back may still
    // write its result. Wait until the index holds still for two probe intervals (a router that
    // wrote on every announcement never settles, and this times out), then measure.
    let before = await indexOf();
    await waitFor(
      "the directory to settle after the previous test's health flips",
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 2 * checkIntervalSeconds * 1000));
        const now = await indexOf();
        const settled = now === before;
        before = now;
        return settled;
      },
      15_000,
      0,
    );
    await new Promise((resolve) => setTimeout(resolve, 3_500)); // three announcements of each box, to both routers
    expect(await indexOf()).toBe(before);
  }, 30_000);

  it("routes by Comune through either router, from the table Consul fed", async () => {
    for (const r of routers) {
      await waitFor(
        "the router to see every box SERVING",
        async () => (await servingVia(r, "022161")).length === 2 && (await servingVia(r, "022205")).length === 1,
        10_000,
        50,
      );
      expect(await boxOf(r, "022205")).toBe("trento1");
      const seen = new Set<string | undefined>();
      // Keyed calls go to each key's owner box (rendezvous hashing): over 16 keys both boxes own some
      // (all on one box: 2 × 2^-16).
      for (let k = 0; k < 16; k++) seen.add(await boxOf(r, "022161", `c-${k}`));
      expect([...seen].sort()).toEqual(["rovereto1", "rovereto2"]);
      const unknown = await r.clients.certification
        .listCertificateTypes({ comuneCode: "099999" }, { deadline: 5_000 })
        .catch((e: unknown) => e);
      expect(unknown).toBeInstanceOf(RpcError);
      expect((unknown as RpcError).code).toBe(status.NOT_FOUND);
      expect((unknown as RpcError).message).toBe("no Novabox is registered for comune 099999");
      const listed = await r.clients.discovery.listInstances({}, { deadline: 3_000 });
      expect(listed.instances.map((i) => i.comuneCode)).toEqual(["022161", "022161", "022205"]);
      expect(listed.instances.every((i) => i.health === InstanceHealth.SERVING && i.registeredAt)).toBe(true);
    }
  }, 30_000);

  it("stops sending to a killed box within the check interval after its announcements are late, on both routers", async () => {
    const victim = announcers.rovereto2!.instanceId;
    announcers.rovereto2!.stop();
    const t0 = Date.now();
    boxes.rovereto2!.kill();
    const elapsed: number[] = [];
    await Promise.all(
      routers.map(async (r) => {
        await waitFor(
          "the killed box to leave the router's SERVING set",
          async () => !(await servingVia(r, "022161")).includes(victim),
          15_000,
          20,
        );
        elapsed.push(Date.now() - t0);
      }),
    );
    console.log(
      `consul registry: killed box removed from routing after ${elapsed.sort((a, b) => a - b).join(" ms and ")} ms (check interval ${checkIntervalSeconds} s)`,
    );
    // A passing box that keeps announcing on time is probed less often (probeIntervalFor,
    // domain/directory-shards.ts): once its announcements stop, they are late after the announce
    // interval + one heartbeat batch + 1 s, and its owner probes it within the check interval after.
    const lateAfterMs = announceIntervalMs + heartbeatIntervalMs + 1_000;
    expect(Math.max(...elapsed)).toBeLessThan(lateAfterMs + checkIntervalSeconds * 1000 + 3_000);
    for (const r of routers) for (let k = 0; k < 4; k++) expect(await boxOf(r, "022161")).toBe("rovereto1");
    const stillListed = (await routers[0]!.clients.discovery.listInstances({ comuneCode: "022161" })).instances.find(
      (i) => i.instanceId === victim,
    );
    expect(stillListed?.health).toBe(InstanceHealth.NOT_SERVING);
  }, 30_000);

  it("marks a box that stops announcing critical, even if it announced only to the other router, then deregisters it", async () => {
    const quiet = await startFakeBox({ name: "verona1", comuneCode: "023091" });
    boxes.verona1 = quiet;
    const announce = () =>
      routers[1]!.clients.discovery.announce({
        comuneCode: "023091",
        comuneName: "Verona",
        workstationCode: "POST-vr",
        host: "127.0.0.1",
        port: quiet.port,
        version: "1",
      });
    const { instanceId } = await announce();
    for (const r of routers)
      await waitFor(
        "verona1 to be routable",
        async () => (await servingVia(r, "023091")).includes(instanceId),
        10_000,
        50,
      );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await announce();
    const lastAnnouncement = Date.now();
    // Alive and serving, but silent: still routable well inside expires_after (10 s)...
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    for (const r of routers) expect(await servingVia(r, "023091")).toEqual([instanceId]);
    // ...and critical on both routers once no router has seen an announcement for 10 s.
    for (const r of routers)
      await waitFor(
        "verona1 to leave the SERVING set",
        async () => (await servingVia(r, "023091")).length === 0,
        20_000,
        100,
      );
    const expiredAfter = Date.now() - lastAnnouncement;
    console.log(
      `consul directory: a silent box left routing ${expiredAfter} ms after its last announcement (expires_after 10 s)`,
    );
    expect(expiredAfter).toBeGreaterThanOrEqual(10_000);
    const entry = (await catalog()).find((e) => e.Service.ID === instanceId);
    expect(entry?.Checks[0]).toMatchObject({
      Status: "critical",
      Output: expect.stringContaining("announcement overdue") as unknown as string,
    });
    // Critical for ROUTER_DEREGISTER_AFTER_MS (8 s): its owner removes it from the catalog.
    await waitFor(
      "verona1 to be deregistered",
      async () => !(await catalog()).some((e) => e.Service.ID === instanceId),
      20_000,
      200,
    );
  }, 60_000);

  it("keeps routing while Consul is down, and heals without manual action when it comes back", async () => {
    /** A router's registry-sync metrics (what the ConsulSyncStalled alert watches). */
    const syncMetrics = async (r: { service: StartedService }) => {
      const body = await scrape(`http://127.0.0.1:${String(r.service.ready.opsPort)}/metrics`);
      return {
        failed: sampleSum(body, "router_registry_syncs_total", { outcome: "failed" }),
        ok: sampleSum(body, "router_registry_syncs_total", { outcome: "ok" }),
        lag: sampleSum(body, "router_registry_sync_lag_seconds"),
      };
    };
    const beforeOutage = await Promise.all(routers.map(syncMetrics));
    await agent!.stop();
    const outageStart = Date.now();
    for (const r of routers) {
      expect(await boxOf(r, "022205")).toBe("trento1");
      expect(await boxOf(r, "022161")).toBe("rovereto1");
    }
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    for (const r of routers) expect(await boxOf(r, "022205")).toBe("trento1");
    // Each router counts its failed Consul queries, and its sync lag grows, while Consul is down.
    const duringOutage = await Promise.all(
      routers.map((r, i) =>
        waitFor(
          "the router to count failed registry syncs",
          async () => {
            const m = await syncMetrics(r);
            return m.failed > beforeOutage[i]!.failed && m.lag >= 1 ? m : undefined;
          },
          15_000,
          200,
        ),
      ),
    );
    await startAgent();
    console.log(`consul restarted after ${Date.now() - outageStart} ms of outage`);

    boxes.rovereto3 = await startFakeBox({ name: "rovereto3", comuneCode: "022161" });
    announcers.rovereto3 = await waitFor("an announcement to succeed after the restart", () =>
      keepAnnouncing(
        routers.map((r) => r.clients.discovery),
        boxes.rovereto3!,
        1_000,
      ).catch(() => undefined),
    );
    const t0 = Date.now();
    for (const r of routers) {
      await waitFor(
        "the new box to be SERVING on every router",
        async () => (await servingVia(r, "022161")).includes(announcers.rovereto3!.instanceId),
        20_000,
        50,
      );
    }
    console.log(
      `after the Consul restart, a new box was routable on both routers ${Date.now() - t0} ms after its first announcement`,
    );
    for (const r of routers) expect((await servingVia(r, "022205")).length).toBe(1);
    // Synchronised again: new successful syncs, the lag back under the outage's.
    for (const [i, r] of routers.entries()) {
      const healed = await syncMetrics(r);
      expect(healed.ok).toBeGreaterThan(duringOutage[i]!.ok);
      expect(healed.lag).toBeLessThan(duringOutage[i]!.lag + 1);
    }
  }, 90_000);

  it("re-registers a box Consul has lost at its next announcement", async () => {
    const id = announcers.trento1!.instanceId;
    const res = await fetch(`${http}/v1/catalog/deregister`, {
      method: "PUT",
      body: JSON.stringify({ Node: "novabox-province-022", ServiceID: id }),
    });
    expect(res.status).toBe(200);
    await waitFor(
      "trento1 to be passing in Consul again",
      async () => (await passing()).some((e) => e.Service.ID === id),
      20_000,
      100,
    );
    for (const r of routers)
      await waitFor(
        "trento1 to be routable again",
        async () => (await servingVia(r, "022205")).includes(id),
        10_000,
        50,
      );
  }, 30_000);

  it("withdraws through a router (idempotent), and both routers stop routing to it", async () => {
    const box = await startFakeBox({ name: "bolzano1", comuneCode: "021008" });
    boxes.bolzano1 = box;
    const { instanceId } = await routers[1]!.clients.discovery.announce({
      comuneCode: "021008",
      comuneName: "Bolzano",
      workstationCode: "POST-bz",
      host: "127.0.0.1",
      port: box.port,
      version: "1",
    });
    for (const r of routers)
      await waitFor(
        "bolzano1 to be routable",
        async () => (await servingVia(r, "021008")).includes(instanceId),
        10_000,
        50,
      );
    expect((await routers[0]!.clients.discovery.withdraw({ instanceId })).removed).toBe(true);
    expect((await routers[0]!.clients.discovery.withdraw({ instanceId })).removed).toBe(false);
    for (const r of routers) {
      await waitFor(
        "bolzano1 to be gone",
        async () => {
          const err = await r.clients.discovery.resolveComune({ comuneCode: "021008" }).then(
            () => undefined,
            (e: unknown) => e,
          );
          return err instanceof RpcError && err.code === status.NOT_FOUND;
        },
        10_000,
        50,
      );
    }
  }, 30_000);

  it("a restarted router rebuilds its table from Consul before it serves", async () => {
    const old = routers.shift()!;
    old.clients.channel.close();
    await old.service.process.stop();
    const fresh = await startRouterProcess();
    routers.unshift(fresh);
    const t0 = Date.now();
    const serving = await servingVia(fresh, "022161");
    expect(serving.sort()).toEqual([announcers.rovereto1!.instanceId, announcers.rovereto3!.instanceId].sort());
    expect(await boxOf(fresh, "022205")).toBe("trento1");
    console.log(`restarted router answered from its Consul-built table ${Date.now() - t0} ms after its ready line`);
  }, 60_000);
});
