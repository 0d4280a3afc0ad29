/**
 * Identity-bound discovery through the real router process, driven by the real grpcurl with the
 * mesh certificates `ensureMeshPki` issues (one SPIFFE ID each): a box's certificate announces and
 * withdraws only its own Comune and workstation, the router refuses to route a Comune's calls to a
 * box whose certificate names another Comune, and a real Novabox serves tobacconists' calls only
 * to the router or the gateway. Every refusal is PERMISSION_DENIED and leaves a log line.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureMeshPki, meshCredentials, type MeshPki } from "#shared/dev-pki/mesh-pki.js";
import { startFakeBox, type FakeBox } from "../../services/router/test/fake-box.js";
import { run, waitFor, type RunResult } from "../support/process.js";
import { startService, type StartedService } from "../support/services.js";
import { requireTool } from "../support/tools.js";

const dir = mkdtempSync(join(tmpdir(), "mesh-identity-"));
let pki: MeshPki;
let router: StartedService;
let trentoBox: FakeBox;
let roveretoBox: FakeBox;
let routerAddress = "";

/** grpcurl as `role` (a mesh certificate of `pki`) against `address`. */
function grpcurl(role: string, method: string, body: object, address = routerAddress): Promise<RunResult> {
  const files = pki.identities[role]!;
  return run(
    requireTool("grpcurl"),
    [
      "-cacert",
      pki.caCertificate,
      "-cert",
      files.certificate,
      "-key",
      files.privateKey,
      "-d",
      JSON.stringify(body),
      address,
      method,
    ],
    { timeoutMs: 20_000 },
  );
}

const announce = (role: string, comuneCode: string, workstationCode: string, port: number) =>
  grpcurl(role, "novares.discovery.v1.DiscoveryService/Announce", {
    comuneCode,
    comuneName: `Comune ${comuneCode}`,
    workstationCode,
    host: "127.0.0.1",
    port,
    version: "test",
  });

const listTypes = (comuneCode: string) =>
  grpcurl("gateway", "novabox.certification.v1.CertificationService/ListCertificateTypes", { comuneCode });

beforeAll(async () => {
  requireTool("grpcurl");
  pki = await ensureMeshPki(dir, { boxes: ["022205", "022161"] });
  trentoBox = await startFakeBox({
    name: "trento",
    comuneCode: "022205",
    credentials: meshCredentials(dir, "box-022205").server,
  });
  roveretoBox = await startFakeBox({
    name: "rovereto",
    comuneCode: "022161",
    credentials: meshCredentials(dir, "box-022161").server,
  });
  router = await startService(
    "services/router/src/server/main.ts",
    {
      ROUTER_HOST: "127.0.0.1",
      ROUTER_PORT: "0",
      MESH_TLS_DIR: dir,
      MESH_PLAINTEXT: "",
      CONSUL_HTTP_ADDR: "",
      ROUTER_HEALTH_INTERVAL_MS: "300",
    },
    "router ready",
  );
  routerAddress = `127.0.0.1:${String(router.ready.port)}`;
}, 90_000);

afterAll(async () => {
  trentoBox?.kill();
  roveretoBox?.kill();
  await router?.process.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("Announce and Withdraw bound to the certificate's Comune and workstation", () => {
  let trentoInstance = "";

  it("refuses another Comune's certificate, another workstation and the gateway with PERMISSION_DENIED, and logs it", async () => {
    const foreign = await announce("box-022161", "022205", "POST-022205-01", roveretoBox.port);
    expect(foreign.code).not.toBe(0);
    expect(foreign.stderr).toContain("Code: PermissionDenied");
    expect(foreign.stderr).toContain("Novabox of Comune 022161");
    expect(foreign.stderr).toContain("cannot announce Comune 022205");
    const otherWorkstation = await announce("box-022161", "022161", "POST-022161-02", roveretoBox.port);
    expect(otherWorkstation.stderr).toContain("Code: PermissionDenied");
    const gateway = await announce("gateway", "022205", "POST-022205-01", trentoBox.port);
    expect(gateway.stderr).toContain("Code: PermissionDenied");
    const resolved = await grpcurl("gateway", "novares.discovery.v1.DiscoveryService/ResolveComune", {
      comuneCode: "022205",
    });
    expect(resolved.stderr).toContain("Code: NotFound");
    const refusals = router.process
      .output()
      .split("\n")
      .filter((line) => line.includes("discovery call refused"));
    expect(refusals.length).toBeGreaterThanOrEqual(3);
    expect(refusals[0]).toContain('"comuneCode":"022205"');
  });

  it("accepts the Comune's own certificate, and routes its calls", async () => {
    const own = await announce("box-022205", "022205", "POST-022205-01", trentoBox.port);
    expect(own.stderr).toBe("");
    trentoInstance = (JSON.parse(own.stdout) as { instanceId: string }).instanceId;
    const answer = await waitFor(
      "Trento to be routable",
      async () => {
        const r = await listTypes("022205");
        return r.code === 0 ? r : undefined;
      },
      15_000,
      200,
    );
    expect(answer.stdout).toContain("trento|");
  });

  it("lets only the box itself withdraw its instance", async () => {
    const foreign = await grpcurl("box-022161", "novares.discovery.v1.DiscoveryService/Withdraw", {
      instanceId: trentoInstance,
    });
    expect(foreign.stderr).toContain("Code: PermissionDenied");
    expect(foreign.stderr).toContain(`cannot withdraw instance ${trentoInstance}`);
    expect((await listTypes("022205")).code).toBe(0);
    const own = await grpcurl("box-022205", "novares.discovery.v1.DiscoveryService/Withdraw", {
      instanceId: trentoInstance,
    });
    expect(JSON.parse(own.stdout)).toEqual({ removed: true });
    expect((await listTypes("022205")).stderr).toContain("Code: NotFound");
  });
});

describe("the router checks the dialed box's certificate names the Comune it routes for", () => {
  it("refuses to route Trento's calls to a box whose certificate names Rovereto (PERMISSION_DENIED), while Rovereto's own calls reach it", async () => {
    // Trento's certificate may announce Trento, but here it points the router at Rovereto's box.
    expect((await announce("box-022205", "022205", "POST-022205-01", roveretoBox.port)).code).toBe(0);
    const refused = await waitFor(
      "the router to refuse the dialed box",
      async () => {
        const r = await listTypes("022205");
        return r.stderr.includes("PermissionDenied") ? r : undefined;
      },
      15_000,
      200,
    );
    expect(refused.stderr).toContain("the Novabox dialed for Comune 022205 presents the Novabox of Comune 022161");
    expect(router.process.output()).toContain("Novabox certificate names another party: connection refused");
    const servedBefore = roveretoBox.served;
    expect((await listTypes("022205")).stderr).toContain("PermissionDenied");
    expect(roveretoBox.served).toBe(servedBefore);

    expect((await announce("box-022161", "022161", "POST-022161-01", roveretoBox.port)).code).toBe(0);
    const rovereto = await waitFor(
      "Rovereto to be routable",
      async () => {
        const r = await listTypes("022161");
        return r.code === 0 ? r : undefined;
      },
      15_000,
      200,
    );
    expect(rovereto.stdout).toContain("rovereto|");

    // Back at its own box, Trento is routable again.
    expect((await announce("box-022205", "022205", "POST-022205-01", trentoBox.port)).code).toBe(0);
    const trento = await waitFor(
      "Trento to be routable again",
      async () => {
        const r = await listTypes("022205");
        return r.code === 0 ? r : undefined;
      },
      15_000,
      200,
    );
    expect(trento.stdout).toContain("trento|");
  });
});

describe("AlertService through the router: only the gateway may hand a Comune an alert", () => {
  it("refuses a box's certificate with PERMISSION_DENIED before any box sees the call, and forwards the gateway's", async () => {
    const method = "novabox.alert.v1.AlertService/ReportMassExtraction";
    const alert = {
      comuneCode: "022205",
      alertId: "fake-1",
      tobacconistId: "TAB-0001",
      raisedAt: "2026-11-30T10:00:00Z",
      distinctFiscalCodes: 4,
      windowSeconds: 600,
      comuni: ["022205"],
    };
    const servedBefore = trentoBox.served;
    const asBox = await grpcurl("box-022161", method, alert);
    expect(asBox.stderr).toContain("Code: PermissionDenied");
    expect(asBox.stderr).toContain("served to the Novares gateway only");
    expect(asBox.stderr).toContain("the Novabox of Comune 022161");
    expect(trentoBox.served).toBe(servedBefore);
    expect(router.process.output()).toContain(
      "call refused: the caller's mesh certificate does not name an allowed role",
    );
    // The gateway's call is forwarded to Trento's (fake) box, which does not implement the service.
    const asGateway = await grpcurl("gateway", method, alert);
    expect(asGateway.stderr).not.toContain("PermissionDenied");
    expect(asGateway.stderr).toContain("Code: Unimplemented");
  });
});

describe("a Novabox serves tobacconists' calls only to the router and the gateway", () => {
  let box: StartedService | undefined;
  const home = join(dir, "anpr_home");

  afterAll(async () => {
    await box?.process.stop();
  });

  it("refuses another box's certificate with PERMISSION_DENIED and serves the gateway's", async () => {
    box = await startService(
      "services/novabox/src/server/main.ts",
      {
        ANPR_HOME: home,
        NOVABOX_HOST: "127.0.0.1",
        NOVABOX_GRPC_PORT: "0",
        NOVABOX_HTTP_PORT: "0",
        NOVABOX_MESH_TLS_DIR: dir,
        NOVABOX_MESH_ROLE: "box-022205",
        NOVABOX_MESH_PLAINTEXT: "",
      },
      "novabox ready",
    );
    const address = `127.0.0.1:${String(box.ready.grpcPort)}`;
    const method = "novabox.certification.v1.CertificationService/ListCertificateTypes";
    const asBox = await grpcurl("box-022161", method, {}, address);
    expect(asBox.stderr).toContain("Code: PermissionDenied");
    expect(asBox.stderr).toContain("the Novabox of Comune 022161");
    const record = await grpcurl(
      "box-022161",
      "novabox.consultation.v1.ConsultationService/GetIndividualRecord",
      { fiscalCode: "RSSMRA85T10A562S" },
      address,
    );
    expect(record.stderr).toContain("Code: PermissionDenied");
    const asGateway = await grpcurl("gateway", method, {}, address);
    expect(asGateway.stderr).toBe("");
    expect(asGateway.stdout).toContain("certificateTypes");
    const asRouter = await grpcurl("router", method, {}, address);
    expect(asRouter.code).toBe(0);
    // Alerts too: another Comune's box cannot write one into this box's audit log.
    const alert = {
      comuneCode: "022205",
      alertId: "forged-1",
      tobacconistId: "TAB-0001",
      raisedAt: "2026-11-30T10:00:00Z",
      distinctFiscalCodes: 4,
      windowSeconds: 600,
      comuni: ["022205"],
    };
    const forged = await grpcurl("box-022161", "novabox.alert.v1.AlertService/ReportMassExtraction", alert, address);
    expect(forged.stderr).toContain("Code: PermissionDenied");
  }, 60_000);
});
