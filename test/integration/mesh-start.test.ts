/**
 * `npm start` as a user runs it, on free ports and a temporary dev folder: the simulator, the router,
 * the gateway with the development SSO and two Novaboxes with mutual TLS come up, the boxes are
 * configured automatically, a tobacconist's browser-style call (connect-web) through the gateway
 * issues a certificate for each Comune, a box killed afterwards is reported while the rest keeps
 * serving, and SIGTERM stops every process.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { CertificationService, CertificateType } from "#gen/novabox/certification/v1/certification_service_pb.js";
import { DiscoveryService, InstanceHealth } from "#gen/novares/discovery/v1/discovery_service_pb.js";
import { waitFor, type StartedProcess } from "../support/process.js";
import { startTestMesh } from "../support/mesh.js";

const dev = mkdtempSync(join(tmpdir(), "mesh-start-"));
let mesh: StartedProcess;
let ports: Record<string, number>;
let gatewayUrl = "";
let readyPids: Record<string, number> = {};

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

beforeAll(async () => {
  const started = await startTestMesh(dev);
  mesh = started.process;
  ports = { ...started.ports };
  gatewayUrl = started.ready.gateway;
  readyPids = started.ready.pids;
}, 180_000);

afterAll(async () => {
  await mesh?.stop(15_000);
  rmSync(dev, { recursive: true, force: true });
}, 30_000);

async function demoToken(tobacconistId: string): Promise<string> {
  const res = await fetch(`${gatewayUrl}/dev-sso/token`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ tobacconistId }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { token: string }).token;
}

describe("npm start", () => {
  it("prints the URLs and a demo-token command", () => {
    expect(mesh.output()).toContain(`Novares gateway    ${gatewayUrl}`);
    expect(mesh.output()).toContain("/dev-sso/token");
  });

  it("shows both boxes as serving in the mesh view", async () => {
    const discovery = createClient(DiscoveryService, createConnectTransport({ baseUrl: gatewayUrl }));
    const { instances } = await discovery.listInstances({});
    expect(
      instances
        .filter((i) => i.health === InstanceHealth.SERVING)
        .map((i) => i.comuneCode)
        .sort(),
    ).toEqual(["022161", "022205"]);
  });

  it.each([
    ["022205", "connect", { fiscalCode: "RSSMRA85T10A562S", surname: "ROSSI", name: "MARIO" }],
    ["022161", "grpc-web", { fiscalCode: "DLLPLA70C05H612A", surname: "DALLAPICCOLA", name: "PAOLO" }],
  ])("issues a certificate for comune %s through the gateway (%s)", async (comuneCode, protocol, subject) => {
    const token = await demoToken("TAB-0001");
    const transport =
      protocol === "connect"
        ? createConnectTransport({ baseUrl: gatewayUrl })
        : createGrpcWebTransport({ baseUrl: gatewayUrl });
    const certification = createClient(CertificationService, transport);
    const issued = await certification.issueCertificate(
      {
        comuneCode,
        tobacconistId: "TAB-0001",
        idempotencyKey: randomUUID(),
        subject,
        certificateTypes: [CertificateType.RESIDENCE],
        stampDuty: { case: "stampDutyPaid", value: {} },
      },
      { headers: { authorization: `Bearer ${token}` } },
    );
    expect(Buffer.from(issued.pdf.subarray(0, 5)).toString()).toBe("%PDF-");
    expect(issued.anprProtocolNumber).toMatch(/^\d+$/);
    expect(issued.charges?.serviceFeeCents).toBe(200n);
  });

  it("reports a box that dies and keeps the rest of the mesh running", async () => {
    const pid = readyPids["novabox-022161"]!;
    process.kill(pid, "SIGKILL");
    await waitFor(
      "npm start to report the dead box",
      () => Promise.resolve(mesh.output().includes('"msg":"process died","name":"novabox-022161"')),
      20_000,
      100,
    );
    expect(mesh.output()).toContain("novabox-022161 stopped unexpectedly (SIGKILL)");
    expect(mesh.child.exitCode).toBeNull();
    // Trento still issues through the same router and gateway.
    const token = await demoToken("TAB-0002");
    const certification = createClient(CertificationService, createConnectTransport({ baseUrl: gatewayUrl }));
    const issued = await certification.issueCertificate(
      {
        comuneCode: "022205",
        tobacconistId: "TAB-0002",
        idempotencyKey: randomUUID(),
        subject: { fiscalCode: "RSSMRA85T10A562S", surname: "ROSSI", name: "MARIO" },
        certificateTypes: [CertificateType.RESIDENCE],
        stampDuty: { case: "stampDutyPaid", value: {} },
      },
      { headers: { authorization: `Bearer ${token}` } },
    );
    expect(Buffer.from(issued.pdf.subarray(0, 5)).toString()).toBe("%PDF-");
    for (const [name, other] of Object.entries(readyPids))
      if (name !== "novabox-022161") expect(`${name} alive: ${isAlive(other)}`).toBe(`${name} alive: true`);
  }, 60_000);

  it("stops every process on SIGTERM", async () => {
    await mesh.stop(15_000);
    for (const port of Object.values(ports)) expect(`${port}: ${await portOpen(port)}`).toBe(`${port}: false`);
  }, 30_000);
});
