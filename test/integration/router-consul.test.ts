/**
 * Two Novares routers (main.ts processes) against one REAL Consul server agent (a single-server
 * cluster with a data dir, so a restart keeps its state): boxes announced through either router
 * appear as healthy "novabox" services with a gRPC check, both routers route by Comune from their
 * blocking-query tables, a killed box stops receiving traffic within the check interval (timed),
 * a Consul outage leaves routing working and heals by itself, a registration Consul lost comes
 * back with the next announcement, and a restarted router rebuilds its table from Consul.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { status } from "@grpc/grpc-js";
import { InstanceHealth } from "#gen/novares/discovery/v1/discovery_service_pb.js";
import { RpcError } from "#shared/grpc-status.js";
import { keepAnnouncing, routerClients, startFakeBox, type FakeBox, type RouterClients } from "../../services/router/test/fake-box.js";
import { freePorts } from "../support/ports.js";
import { start, waitFor, type StartedProcess } from "../support/process.js";
import { startService, type StartedService } from "../support/services.js";
import { requireTool } from "../support/tools.js";

interface ConsulHealthEntry {
  Service: { ID: string; Address: string; Port: number; Tags: string[]; Meta: Record<string, string> };
  Checks: { CheckID: string; Type: string; Status: string }[];
}

const checkIntervalSeconds = 1;

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

  const startRouterProcess = async () => {
    const service = await startService(
      "services/router/src/server/main.ts",
      {
        ROUTER_PORT: "0",
        MESH_PLAINTEXT: "true",
        MESH_TLS_DIR: "",
        CONSUL_HTTP_ADDR: consulAddr,
        CONSUL_CHECK_INTERVAL: `${checkIntervalSeconds}s`,
        ROUTER_ANNOUNCE_INTERVAL_MS: "1000",
        ROUTER_EXPIRES_AFTER_MS: "10000",
      },
      "router ready",
    );
    return { service, clients: routerClients(`127.0.0.1:${service.ready.port as number}`) };
  };

  const passing = async (): Promise<ConsulHealthEntry[]> => (await (await fetch(`${http}/v1/health/service/novabox?passing`)).json()) as ConsulHealthEntry[];
  const servingVia = async (r: { clients: RouterClients }, comuneCode: string) =>
    (await r.clients.discovery.resolveComune({ comuneCode }, { deadline: 3_000 }).catch(() => ({ instances: [] }))).instances.map((i) => i.instanceId);
  const boxOf = async (r: { clients: RouterClients }, comuneCode: string, idempotencyKey = "") =>
    (await r.clients.certification.issueCertificate({ comuneCode, idempotencyKey }, { deadline: 5_000 })).requestId.split("|")[0];

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

  it("registers every announced box as a healthy Consul service with a gRPC check and its Meta", async () => {
    const entries = await waitFor("three passing novabox services", async () => {
      const list = await passing();
      return list.length === 3 ? list : undefined;
    });
    const trento = entries.find((e) => e.Service.Meta.comune_code === "022205")!;
    expect(trento.Service).toMatchObject({ ID: announcers.trento1!.instanceId, Address: "127.0.0.1", Port: boxes.trento1!.port, Meta: { comune_code: "022205", comune_name: "Comune 022205", workstation: "POST-trento1", version: "0.1.0-test" } });
    expect(trento.Service.Tags).toContain("comune_code=022205");
    expect(trento.Checks.map((c) => c.Type).sort()).toEqual(expect.arrayContaining(["grpc", "ttl"]));
    for (const r of routers) expect(r.service.ready.registry).toBe("consul");
  }, 30_000);

  it("routes by Comune through either router, from the table Consul fed", async () => {
    for (const r of routers) {
      await waitFor("the router to see every box SERVING", async () => (await servingVia(r, "022161")).length === 2 && (await servingVia(r, "022205")).length === 1, 10_000, 50);
      expect(await boxOf(r, "022205")).toBe("trento1");
      const seen = new Set<string | undefined>();
      for (let k = 0; k < 4; k++) seen.add(await boxOf(r, "022161", `c-${k}`));
      expect([...seen].sort()).toEqual(["rovereto1", "rovereto2"]);
      const unknown = await r.clients.certification.listCertificateTypes({ comuneCode: "099999" }, { deadline: 5_000 }).catch((e: unknown) => e);
      expect(unknown).toBeInstanceOf(RpcError);
      expect((unknown as RpcError).code).toBe(status.NOT_FOUND);
      expect((unknown as RpcError).message).toBe("no Novabox is registered for comune 099999");
      const listed = await r.clients.discovery.listInstances({}, { deadline: 3_000 });
      expect(listed.instances.map((i) => i.comuneCode)).toEqual(["022161", "022161", "022205"]);
      expect(listed.instances.every((i) => i.health === InstanceHealth.SERVING && i.registeredAt)).toBe(true);
    }
  }, 30_000);

  it("stops sending to a killed box within the check interval, on both routers", async () => {
    const victim = announcers.rovereto2!.instanceId;
    announcers.rovereto2!.stop();
    const t0 = Date.now();
    boxes.rovereto2!.kill();
    const elapsed: number[] = [];
    await Promise.all(
      routers.map(async (r) => {
        await waitFor("the killed box to leave the router's SERVING set", async () => !(await servingVia(r, "022161")).includes(victim), 15_000, 20);
        elapsed.push(Date.now() - t0);
      }),
    );
    console.log(`consul registry: killed box removed from routing after ${elapsed.sort((a, b) => a - b).join(" ms and ")} ms (check interval ${checkIntervalSeconds} s)`);
    expect(Math.max(...elapsed)).toBeLessThan(checkIntervalSeconds * 1000 + 3_000);
    for (const r of routers) for (let k = 0; k < 4; k++) expect(await boxOf(r, "022161")).toBe("rovereto1");
    const stillListed = (await routers[0]!.clients.discovery.listInstances({ comuneCode: "022161" })).instances.find((i) => i.instanceId === victim);
    expect(stillListed?.health).toBe(InstanceHealth.NOT_SERVING);
  }, 30_000);

  it("keeps routing while Consul is down, and heals without manual action when it comes back", async () => {
    await agent!.stop();
    const outageStart = Date.now();
    for (const r of routers) {
      expect(await boxOf(r, "022205")).toBe("trento1");
      expect(await boxOf(r, "022161")).toBe("rovereto1");
    }
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    for (const r of routers) expect(await boxOf(r, "022205")).toBe("trento1");
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
      await waitFor("the new box to be SERVING on every router", async () => (await servingVia(r, "022161")).includes(announcers.rovereto3!.instanceId), 20_000, 50);
    }
    console.log(`after the Consul restart, a new box was routable on both routers ${Date.now() - t0} ms after its first announcement`);
    for (const r of routers) expect((await servingVia(r, "022205")).length).toBe(1);
  }, 90_000);

  it("re-registers a box Consul has lost at its next announcement", async () => {
    const id = announcers.trento1!.instanceId;
    const res = await fetch(`${http}/v1/agent/service/deregister/${id}`, { method: "PUT" });
    expect(res.status).toBe(200);
    await waitFor("trento1 to be passing in Consul again", async () => (await passing()).some((e) => e.Service.ID === id), 20_000, 100);
    for (const r of routers) await waitFor("trento1 to be routable again", async () => (await servingVia(r, "022205")).includes(id), 10_000, 50);
  }, 30_000);

  it("withdraws through a router (idempotent), and both routers stop routing to it", async () => {
    const box = await startFakeBox({ name: "bolzano1", comuneCode: "021008" });
    boxes.bolzano1 = box;
    const { instanceId } = await routers[1]!.clients.discovery.announce({ comuneCode: "021008", comuneName: "Bolzano", workstationCode: "POST-bz", host: "127.0.0.1", port: box.port, version: "1" });
    for (const r of routers) await waitFor("bolzano1 to be routable", async () => (await servingVia(r, "021008")).includes(instanceId), 10_000, 50);
    expect((await routers[0]!.clients.discovery.withdraw({ instanceId })).removed).toBe(true);
    expect((await routers[0]!.clients.discovery.withdraw({ instanceId })).removed).toBe(false);
    for (const r of routers) {
      await waitFor("bolzano1 to be gone", async () => {
        const err = await r.clients.discovery.resolveComune({ comuneCode: "021008" }).then(() => undefined, (e: unknown) => e);
        return err instanceof RpcError && err.code === status.NOT_FOUND;
      }, 10_000, 50);
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
