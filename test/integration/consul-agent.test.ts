/**
 * The real consul binary (built by scripts/install-tools.sh) starts as a dev agent and answers its
 * HTTP API: the registry the Novares router will use in later work.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireTool } from "../support/tools.js";
import { run, start, waitFor, type StartedProcess } from "../support/process.js";
import { freePorts } from "../support/ports.js";

describe("consul agent -dev", () => {
  let agent: StartedProcess;
  let dataDir: string;
  let http: string;

  beforeAll(async () => {
    const consul = requireTool("consul");
    const version = await run(consul, ["version"]);
    expect(version.code).toBe(0);
    const [httpPort, dnsPort, serfLan, serfWan, server, grpc] = await freePorts(6);
    dataDir = mkdtempSync(join(tmpdir(), "consul-test-"));
    http = `http://127.0.0.1:${httpPort}`;
    agent = start(consul, [
      "agent",
      "-dev",
      "-bind=127.0.0.1",
      "-client=127.0.0.1",
      `-data-dir=${dataDir}`,
      `-http-port=${httpPort}`,
      `-dns-port=${dnsPort}`,
      `-serf-lan-port=${serfLan}`,
      `-serf-wan-port=${serfWan}`,
      `-server-port=${server}`,
      `-grpc-port=${grpc}`,
      // -dev would take the fixed gRPC-TLS port 8503, which another Consul on the machine may hold.
      "-grpc-tls-port=-1",
    ]);
    await waitFor("consul to elect itself leader", async () => {
      const res = await fetch(`${http}/v1/status/leader`);
      const leader = (await res.json()) as string;
      return res.ok && leader !== "";
    });
  }, 60_000);

  afterAll(async () => {
    await agent?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("reports a leader and itself as the only member", async () => {
    const leader = (await (await fetch(`${http}/v1/status/leader`)).json()) as string;
    expect(leader).toMatch(/^127\.0\.0\.1:\d+$/);
    const members = (await (await fetch(`${http}/v1/agent/members`)).json()) as { Addr: string; Status: number }[];
    expect(members).toHaveLength(1);
    expect(members[0]).toMatchObject({ Addr: "127.0.0.1", Status: 1 });
  });

  it("registers a service and returns it from the catalog", async () => {
    const registration = {
      ID: "novabox-022205-test",
      Name: "novabox",
      Address: "127.0.0.1",
      Port: 50051,
      Meta: { comune_code: "022205", comune_name: "Trento" },
    };
    const put = await fetch(`${http}/v1/agent/service/register`, { method: "PUT", body: JSON.stringify(registration) });
    expect(put.status).toBe(200);
    const services = await waitFor("the catalog to list the service", async () => {
      const list = (await (await fetch(`${http}/v1/catalog/service/novabox`)).json()) as {
        ServiceID: string;
        ServiceMeta: Record<string, string>;
        ServicePort: number;
      }[];
      return list.length > 0 ? list : undefined;
    });
    expect(services[0]).toMatchObject({
      ServiceID: "novabox-022205-test",
      ServicePort: 50051,
      ServiceMeta: { comune_code: "022205" },
    });
    const unknown = await fetch(`${http}/v1/agent/service/no-such-service`);
    expect(unknown.status).toBe(404);
  });
});
