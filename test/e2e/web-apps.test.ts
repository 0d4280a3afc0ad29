/**
 * The browser apps in real Chromium (Debian's chromium driven by playwright-core) against the mesh
 * started as `npm start` starts it, on free ports and a temporary dev folder, after building the apps
 * so the services serve them. A third, unconfigured Novabox is started separately for the setup
 * wizard. Screenshots of each screen go to test-artifacts/. At the end, a scripted mass extraction
 * shows its alert in the console and in the panels of the Comuni involved, and every screen of both
 * apps is checked with axe-core (WCAG 2.1 AA) in Italian and in German.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { Client, status } from "@grpc/grpc-js";
import { DiscoveryService, InstanceHealth } from "#gen/novares/discovery/v1/discovery_service_pb.js";
import { createGrpcClient } from "#shared/rpc/grpc-adapter.js";
import { createConnectTransport } from "@connectrpc/connect-node";
import { ConsultationService } from "#gen/novabox/consultation/v1/consultation_service_pb.js";
import { ensureMeshPki, meshBoxRole, meshCredentials, parseMeshBoxSpec } from "#shared/dev-pki/mesh-pki.js";
import { configureNovabox } from "../../scripts/configure-novabox.js";
import { startTestMesh, type MeshPorts } from "../support/mesh.js";
import { freePorts } from "../support/ports.js";
import { run, waitFor, type StartedProcess } from "../support/process.js";
import { startService, type StartedService } from "../support/services.js";
import { requireTool } from "../support/tools.js";
import { fillAdminStep, fillAnprStep, fillMeshStep, type AnprStepValues } from "../support/setup-wizard.js";

const root = new URL("../../", import.meta.url).pathname;
const artifacts = join(root, "test-artifacts");
const dev = mkdtempSync(join(tmpdir(), "web-e2e-"));
const freshHome = join(dev, "fresh-box", "anpr_home");
const chromiumArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
];

let mesh: StartedProcess | undefined;
let freshBox: StartedService | undefined;
let browser: Browser | undefined;
let context: BrowserContext | undefined;
let ports: MeshPorts;
let gatewayUrl = "";
let simUrl = "";
let ssoIssuer = "";
let freshBoxUrl = "";
let freshGrpcPort = 0;
let secondBox: StartedService | undefined;
let secondBoxPorts = { grpc: 0, http: 0 };
const massThreshold = 3;

interface Workstation {
  comuneCode: string;
  operatorId: string;
  sedeId: string;
  postazioneId: string;
}

beforeAll(async () => {
  const chromiumPath = requireTool("chromium");
  mkdirSync(artifacts, { recursive: true });
  mkdirSync(freshHome, { recursive: true, mode: 0o700 });

  const build = await run("npm", ["run", "build:web"], { cwd: root, timeoutMs: 120_000 });
  if (build.code !== 0) throw new Error(`npm run build:web failed:\n${build.stdout}\n${build.stderr}`);

  const [freshGrpc, freshHttp, secondGrpc, secondHttp] = await freePorts(4);
  secondBoxPorts = { grpc: secondGrpc!, http: secondHttp! };
  // A low mass-extraction threshold, so the scripted extraction at the end raises an alert quickly.
  const started = await startTestMesh(dev, { GATEWAY_MASS_EXTRACTION_DISTINCT: String(massThreshold) });
  mesh = started.process;
  ports = started.ports;
  gatewayUrl = started.ready.gateway;
  simUrl = started.ready.sim;
  ssoIssuer = started.ready.ssoIssuer;

  freshBox = await startService(
    "services/novabox/src/server/main.ts",
    {
      ANPR_HOME: freshHome,
      NOVABOX_HOST: "127.0.0.1",
      NOVABOX_GRPC_PORT: String(freshGrpc),
      NOVABOX_HTTP_PORT: String(freshHttp),
      NOVABOX_MESH_PLAINTEXT: "true",
      NOVABOX_WEB_DIR: join(root, "web/dist/novabox"),
    },
    "novabox ready",
  );
  freshBoxUrl = `http://127.0.0.1:${freshHttp}`;
  freshGrpcPort = freshGrpc!;

  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: chromiumArgs,
    headless: true,
    timeout: 30_000,
  });
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "it-IT" });
  context.setDefaultTimeout(20_000);
}, 300_000);

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await freshBox?.process.stop(10_000);
  await secondBox?.process.stop(10_000);
  await mesh?.stop(15_000);
  rmSync(dev, { recursive: true, force: true });
}, 60_000);

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
}

/**
 * Signs a tobacconist in from the console's sign-in panel through the development SSO's OpenID
 * Connect flow: the console redirects to the issuer's authorize endpoint (PKCE S256, state, nonce),
 * the login form picks the tobacconist, and the browser comes back through /accesso/callback to the
 * page it started from. Returns the callback URL the browser went through.
 */
async function signInWithOidc(page: Page, tobacconistId: string, screenshotName?: string): Promise<string> {
  const startedAt = new URL(page.url()).pathname;
  await page.getByTestId("sign-in").waitFor();
  let callback = "";
  const onRequest = (request: { url(): string }) => {
    if (request.url().includes("/accesso/callback?")) callback = request.url();
  };
  page.on("request", onRequest);
  await page.click("[data-testid=sign-in] button[type=submit]");
  await page.waitForURL(/\/dev-sso\/authorize\?/);
  const authorize = new URL(page.url());
  expect(authorize.searchParams.get("response_type")).toBe("code");
  expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
  expect(authorize.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(authorize.searchParams.get("state")).toBeTruthy();
  expect(authorize.searchParams.get("nonce")).toBeTruthy();
  await page.getByTestId("sso-login").waitFor();
  await page.selectOption("#tobacconist", tobacconistId);
  if (screenshotName) await screenshot(page, screenshotName);
  await page.click("[data-testid=sso-login] button[value=approve]");
  await page.waitForURL((url) => url.pathname === startedAt);
  await page.getByTestId("signed-in-as").waitFor();
  page.off("request", onRequest);
  expect(callback).toContain("code=");
  return callback;
}

/** The first five bytes of the PDF behind a blob URL in the page. */
function pdfHead(page: Page, url: string): Promise<string> {
  return page.evaluate(async (u) => new TextDecoder().decode((await (await fetch(u)).arrayBuffer()).slice(0, 5)), url);
}

function workstation(comuneCode: string): Workstation & { pkcs12: string; pin: string; pinFile: string } {
  const manifest = JSON.parse(readFileSync(join(dev, "pki", "manifest.json"), "utf8")) as {
    workstations: (Workstation & { pkcs12File: string; pinFile: string })[];
  };
  const w = manifest.workstations.find((x) => x.comuneCode === comuneCode)!;
  const pinFile = join(dev, "pki", w.pinFile);
  return { ...w, pkcs12: join(dev, "pki", w.pkcs12File), pinFile, pin: readFileSync(pinFile, "utf8").trim() };
}

/** The wizard's ANPR step for a dev PKI workstation of `comuneCode`, against the simulator. */
function anprStep(
  comuneCode: string,
  comuneName: string,
  [registryOfficerSurname, registryOfficerName]: [string, string],
  environment: AnprStepValues["environment"],
): AnprStepValues {
  const w = workstation(comuneCode);
  return {
    caFile: join(dev, "pki", "anpr-sim-ca.pem"),
    pkcs12File: w.pkcs12,
    pin: w.pin,
    operatorId: w.operatorId,
    officeId: w.sedeId,
    workstationId: w.postazioneId,
    comuneCode,
    comuneName,
    registryOfficerSurname,
    registryOfficerName,
    anprBaseUrl: simUrl,
    environment,
  };
}

describe("Novabox admin panel", () => {
  let page: Page;

  it("the setup wizard configures a fresh box from the dev PKI files; a wrong PIN is shown next to the PIN", async () => {
    page = await context!.newPage();
    await page.goto(freshBoxUrl);
    await page.waitForURL("**/configurazione-iniziale");
    await page.getByTestId("step-admin").waitFor();

    // step 1: a short password is refused in the browser, next to the field
    await page.fill("#username", "admin");
    await page.fill("#password", "troppo corta");
    await page.fill("#confirm", "troppo corta");
    await page.fill("#password", "breve");
    await page.click("text=Crea l'amministratore");
    await expect(page.locator("#password-error").textContent()).resolves.toContain("Almeno 12 caratteri");
    await screenshot(page, "novabox-wizard-1-admin");
    await fillAdminStep(page, "una frase lunga e sicura");
    await page.click("text=Crea l'amministratore");

    // step 2: ANPR credentials, first with a wrong PIN
    await page.getByTestId("step-anpr").waitFor();
    const w = workstation("022205");
    await fillAnprStep(page, {
      ...anprStep("022205", "Trento", ["BIANCHI", "ANNA"], { label: "Test (collaudo)" }),
      pin: "sbagliato-0000",
    });
    await page.click("text=Salva e continua");
    const pinError = page.locator('.field:has(#pin) [data-field-error="pin"]');
    await pinError.waitFor();
    expect(await pinError.textContent()).toContain("PIN");
    await screenshot(page, "novabox-wizard-2-wrong-pin");

    await page.fill("#pin", w.pin);
    await page.click("text=Salva e continua");

    // step 3: Novares and the SSO, checked in the browser first (nothing filled in yet)
    await page.getByTestId("step-mesh").waitFor();
    await page.fill("#sso_audience", "");
    await page.click("[data-testid=step-mesh] button[type=submit]");
    await expect(page.locator("#novares_discovery_address-error").textContent()).resolves.toContain(
      "Inserire l'indirizzo di Novares",
    );
    expect(await page.locator("#sso_issuer-error").textContent()).toContain("emittente SSO");
    expect(await page.locator("#sso_jwks_url-error").textContent()).toContain("JWKS");
    await page.fill("#novares_discovery_address", "router.novares.it");
    await page.click("[data-testid=step-mesh] button[type=submit]");
    expect(await page.locator("#novares_discovery_address-error").textContent()).toContain("host:porta");
    // this box speaks plaintext inside the mesh, so the router (mutual TLS) cannot be reached from it;
    // and the JWKS address is wrong on purpose: the panel must say both
    await fillMeshStep(page, {
      discoveryAddress: `127.0.0.1:${ports.router}`,
      advertisedHost: "127.0.0.1",
      advertisedPort: freshGrpcPort,
      ssoIssuer,
      ssoAudience: "novabox",
      ssoJwksUrl: `${gatewayUrl}/dev-sso/no-such-jwks.json`,
    });
    await screenshot(page, "novabox-wizard-3-novares-sso");
    await page.click("[data-testid=step-mesh] button[type=submit]");

    // step 4: the connectivity checks, ANPR and Novares (a real announcement)
    await page.getByTestId("step-check").waitFor();
    await page.click("text=Verifica il collegamento");
    const result = page.getByTestId("connection-result");
    await result.waitFor();
    expect(await result.textContent()).toContain("Collegamento riuscito");
    await page.click("text=Verifica il collegamento con Novares");
    const novares = page.getByTestId("novares-result");
    await novares.waitFor({ timeout: 30_000 });
    expect(await novares.getAttribute("data-ok")).toBe("false");
    // a plaintext client at a TLS listener: the router is not reached (UNAVAILABLE)
    expect({ stage: await novares.getAttribute("data-stage") }).toEqual({ stage: "NETWORK" });
    expect(await novares.textContent()).toContain("Collegamento con Novares non riuscito");
    expect(await novares.textContent()).toContain(`127.0.0.1:${ports.router}`);
    await screenshot(page, "novabox-wizard-4-connection");

    // the configuration: both certificates with fingerprint, subject and expiry
    await page.click("text=Vai alla configurazione");
    await page.getByTestId("workstation-certificate").waitFor();
    expect(await page.getByTestId("settings").textContent()).toContain("Trento (022205)");
    const ws = (await page.getByTestId("workstation-certificate").textContent()) ?? "";
    expect(ws).toContain(w.postazioneId);
    expect(ws).toContain("Impronta SHA-256");
    expect(await page.getByTestId("ca-certificate").textContent()).toContain("Scadenza");

    // GetConfig's warnings: the SSO key set could not be fetched (the JWKS address above answers 404)
    const staleWarning = page.locator('[data-testid=config-warnings] li[data-warning="SSO_KEYS_STALE"]');
    await waitFor(
      "the SSO_KEYS_STALE warning in the panel",
      async () => ((await staleWarning.count()) > 0 ? true : (await page.reload(), undefined)),
      30_000,
      1_000,
    );
    await waitFor(
      "the failed fetch in the warning",
      async () =>
        ((await staleWarning.textContent()) ?? "").includes("HTTP 404") ? true : (await page.reload(), undefined),
      30_000,
      1_000,
    );
    expect(await staleWarning.textContent()).toContain("never fetched");
    await screenshot(page, "novabox-configuration-warnings");
    // fixed on the configuration page: the warning goes away
    await page.fill("[data-testid=mesh] #sso_jwks_url", `${gatewayUrl}/dev-sso/jwks.json`);
    await page.click("[data-testid=mesh] button[type=submit]");
    await page.getByTestId("mesh-settings-saved").waitFor();
    await waitFor(
      "the SSO_KEYS_STALE warning to go",
      async () => ((await staleWarning.count()) === 0 ? true : (await page.reload(), undefined)),
      30_000,
      1_000,
    );
    await page.getByTestId("workstation-certificate").waitFor();
    expect(await page.locator("[data-testid=mesh] #sso_jwks_url").inputValue()).toBe(`${gatewayUrl}/dev-sso/jwks.json`);
    await screenshot(page, "novabox-configuration");
  }, 120_000);

  it("the audit log shows the transactions just made, fiscal codes masked, and the integrity check passes", async () => {
    await page.click("text=Registro delle operazioni");
    const table = page.getByTestId("audit-table");
    await table.locator("tbody tr").first().waitFor();
    const text = (await table.textContent()) ?? "";
    expect(text).toContain("Creazione amministratore");
    expect(text).toContain("Caricamento certificato postazione");
    expect(text).toContain("Dati non validi"); // the wrong PIN
    expect(text).toContain("Verifica collegamento ANPR");
    await page.click("text=Verifica l'integrità");
    const integrity = page.getByTestId("integrity-result");
    await integrity.waitFor();
    expect(await integrity.textContent()).toContain("Registro integro");
    // The weekly summary of the log analysis, with what to back up and how often.
    const summary = page.getByTestId("weekly-summary");
    await summary.getByTestId("summary-entries").waitFor();
    expect(Number(await summary.getByTestId("summary-entries").textContent())).toBeGreaterThan(3);
    expect(await summary.textContent()).toContain("Riepilogo settimanale");
    expect(await summary.textContent()).toContain("secret.key");
    await screenshot(page, "novabox-audit-log");
  }, 60_000);

  it("the admin changes the password and signs in with the new one", async () => {
    await page.click("text=Cambio password");
    await page.fill("#current_password", "una frase lunga e sicura");
    await page.fill("#new_password", "un'altra frase lunga e sicura");
    await page.fill("#confirm", "un'altra frase lunga e sicura");
    await page.click("button:has-text('Cambia la password')");
    await page.getByTestId("password-changed").waitFor();
    await screenshot(page, "novabox-change-password");
    await page.click("header >> text=Esci");
    await page.waitForURL("**/accesso");
    await page.fill("#login-username", "admin");
    await page.fill("#login-password", "un'altra frase lunga e sicura");
    await page.click("button:has-text('Accedi')");
    await page.waitForURL("**/configurazione");
  }, 60_000);

  it("a revoked tobacconist is listed, and stays listed after a reload", async () => {
    await page.getByTestId("revoked").waitFor();
    await page.fill("#tobacconist_id", "TAB-0099");
    await page.fill("#reason", "Convenzione sospesa");
    await page.click("button:has-text('Revoca')");
    const row = page.locator('[data-testid="revoked-list"] tr[data-tobacconist="TAB-0099"]');
    await row.waitFor();
    expect(await row.textContent()).toContain("Convenzione sospesa");
    await page.reload();
    await row.waitFor();
    await screenshot(page, "novabox-revoked-tobacconists");
  }, 60_000);

  it("the audit log filters by operation and exports the rows as CSV", async () => {
    await page.click("text=Registro delle operazioni");
    await page.getByTestId("audit-table").locator("tbody tr").first().waitFor();
    await page.selectOption("#filter_operation", { label: "Modifica configurazione" });
    await page.click("button:has-text('Applica i filtri')");
    await page.waitForFunction(`(() => {
      const rows = [...document.querySelectorAll('[data-testid="audit-table"] tbody tr')];
      return rows.length > 0 && rows.every((r) => r.getAttribute("data-operation") === "Modifica configurazione");
    })()`);
    await page.getByTestId("requests-chart").waitFor();
    await screenshot(page, "novabox-audit-filtered");
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("button:has-text('Esporta CSV')")]);
    const path = await download.path();
    const lines = readFileSync(path, "utf8").split("\r\n");
    expect(lines[0]).toBe(
      "id,data_ora,operazione,esito,codice_fiscale,tabaccheria,utente,protocollo_anpr,id_operazione_anpr,errore_anpr,dettaglio,id_richiesta,hash",
    );
    expect(lines[1]).toContain("Modifica configurazione");
  }, 60_000);
});

describe("Novares console", () => {
  it("the mesh view shows both boxes, serving, live from the watch stream", async () => {
    const page = await context!.newPage();
    await page.goto(gatewayUrl);
    await page.getByTestId("stream-state").filter({ hasText: "collegato" }).waitFor();
    await page.locator('tr[data-comune="022205"][data-health="In servizio"]').waitFor();
    await page.locator('tr[data-comune="022161"][data-health="In servizio"]').waitFor();
    expect(await page.getByTestId("count-serving").textContent()).toContain("In servizio: 2");
    expect(await page.getByTestId("instances").textContent()).toContain("Rovereto (022161)");
    // Per box: its audit log as Novares witnessed it (when, and whether it still agrees).
    const witnessed = page.locator('tr[data-comune="022205"] [data-testid="audit-witness"][data-witness="AGREES"]');
    await witnessed.waitFor();
    expect(await witnessed.textContent()).toMatch(/Concorda.*ultimo punto di controllo/);
    await screenshot(page, "console-mesh-view");
    await page.close();
  }, 60_000);

  it("a box turns unhealthy in the view after it is killed", async () => {
    // A second Trento workstation (POST-022205-02) joins the mesh with its own mesh certificate (the
    // router accepts an announcement only for the workstation the certificate names) and Trento's
    // workstation PKCS#12, so that killing it leaves npm start's own processes running.
    const home = join(dev, "second-box", "anpr_home");
    mkdirSync(home, { recursive: true, mode: 0o700 });
    const meshDir = join(dev, "mesh-pki");
    const secondWorkstation = parseMeshBoxSpec("022205:POST-022205-02");
    await ensureMeshPki(meshDir, { boxes: ["022205:POST-022205-02"] });
    const role = meshBoxRole(secondWorkstation);
    secondBox = await startService(
      "services/novabox/src/server/main.ts",
      {
        ANPR_HOME: home,
        NOVABOX_HOST: "127.0.0.1",
        NOVABOX_GRPC_PORT: String(secondBoxPorts.grpc),
        NOVABOX_HTTP_PORT: String(secondBoxPorts.http),
        NOVABOX_MESH_TLS_DIR: meshDir,
        NOVABOX_MESH_ROLE: role,
      },
      "novabox ready",
    );
    const w = workstation("022205");
    await configureNovabox({
      address: `127.0.0.1:${secondBoxPorts.grpc}`,
      credentials: meshCredentials(meshDir, role).client,
      adminPasswordFile: join(dev, "second-box", "admin-password"),
      workstation: {
        pkcs12File: w.pkcs12,
        pinFile: w.pinFile,
        operatorId: w.operatorId,
        sedeId: w.sedeId,
        postazioneId: "POST-022205-02",
      },
      caCertificateFile: join(dev, "pki", "anpr-sim-ca.pem"),
      comune: { code: "022205", name: "Trento" },
      anprBaseUrl: simUrl,
      novaresDiscoveryAddress: `127.0.0.1:${ports.router}`,
      advertised: { host: "127.0.0.1", port: secondBoxPorts.grpc },
      sso: {
        publicKeyPem: await (await fetch(`${gatewayUrl}/dev-sso/public-key`)).text(),
        issuer: ssoIssuer,
        audience: "novabox",
      },
    });

    const page = await context!.newPage();
    await page.goto(gatewayUrl);
    const row = page.locator('tr[data-comune="022205"]', { hasText: "POST-022205-02" });
    await row.and(page.locator('[data-health="In servizio"]')).waitFor({ timeout: 30_000 });
    expect(await page.getByTestId("count-serving").textContent()).toContain("In servizio: 3");
    const killedAt = Date.now();
    secondBox.process.child.kill("SIGKILL");
    await page.waitForFunction(
      `(() => {
        const rows = [...document.querySelectorAll('tr[data-comune="022205"]')].filter((r) => r.textContent.includes("POST-022205-02"));
        return rows.length === 0 || rows.every((r) => r.getAttribute("data-health") !== "In servizio");
      })()`,
      undefined,
      { timeout: 30_000 },
    );
    process.stdout.write(`mesh view: killed box shown unhealthy after ${Date.now() - killedAt} ms\n`);
    await screenshot(page, "console-mesh-view-box-down");
    await page.close();
  }, 120_000);

  let protocol = "";

  it("a tobacconist signs in, issues a certificate and sees the PDF and the receipt", async () => {
    const page = await context!.newPage();
    await page.goto(`${gatewayUrl}/emissione`);
    await page.getByTestId("sign-in").waitFor();
    await screenshot(page, "console-sign-in");
    const callback = await signInWithOidc(page, "TAB-0001", "console-sso-login");
    await page.getByTestId("issue-form").waitFor();
    expect(await page.getByTestId("signed-in-as").textContent()).toContain("Tabaccheria Centrale");

    // the callback URL replayed in another tab: its state, verifier and nonce are gone, and the code was used
    const replay = await context!.newPage();
    await replay.goto(callback);
    await replay.getByTestId("sign-in-callback").locator("[role=alert], .error").first().waitFor();
    expect(await replay.getByTestId("sign-in-callback").textContent()).toContain("Nessun accesso in corso");
    await replay.close();

    // the browser's own check of the fiscal code, next to the field
    await page.locator('#comune_code option[value="022205"]').waitFor({ state: "attached" });
    await page.selectOption("#comune_code", "022205");
    await page.fill("#subject\\.fiscal_code", "RSSMRA85T10A562X");
    await page.click("text=Emetti il certificato");
    expect(await page.locator('[data-field-error="subject.fiscal_code"]').textContent()).toContain(
      "carattere di controllo",
    );

    await page.fill("#subject\\.fiscal_code", "RSSMRA85T10A562S");
    await page.fill("#subject\\.surname", "ROSSI");
    await page.fill("#subject\\.name", "MARIO");
    await page.locator('input[type=checkbox][value="8"]').check();
    // the reason (motivo) is asked for: without it the form says so next to the field
    await page.click("button:has-text('Anteprima')");
    expect(await page.locator('[data-field-error="reason"]').textContent()).toContain("motivo della richiesta");
    await page.selectOption("#reason", { label: "Atto notarile" });
    await screenshot(page, "console-issue-form");

    // the preview (anteprima) first: a PDF, nothing charged
    await page.click("button:has-text('Anteprima')");
    await page.getByTestId("preview").waitFor({ timeout: 30_000 });
    const previewSrc = (await page.getByTestId("pdf").getAttribute("src")) ?? "";
    expect(await pdfHead(page, previewSrc)).toBe("%PDF-");
    await page.waitForTimeout(2000); // let the PDF viewer paint before the screenshot
    await screenshot(page, "console-certificate-preview");

    await page.click("text=Emetti il certificato");
    await page.getByTestId("issued").waitFor({ timeout: 30_000 });
    protocol = ((await page.getByTestId("protocol").textContent()) ?? "").trim();
    expect(protocol).toMatch(/^\d+$/);
    const src = (await page.getByTestId("pdf").getAttribute("src")) ?? "";
    expect(src).toMatch(/^blob:/);
    expect(await pdfHead(page, src)).toBe("%PDF-");
    expect(await page.getByTestId("fee").textContent()).toContain("2,00");
    expect(await page.getByTestId("stamp-duty").textContent()).toMatch(/\d+,\d{2}/);
    // the request id adopted by every service (x-request-id), on the receipt
    expect(((await page.getByTestId("request-id").textContent()) ?? "").trim()).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    await page.waitForTimeout(2000); // let the PDF viewer paint before the screenshot
    await screenshot(page, "console-certificate-issued");
    await page.close();
  }, 90_000);

  it("the Comune's audit log shows the issued certificate with its ANPR protocol", async () => {
    expect(protocol).not.toBe("");
    const page = await context!.newPage();
    await page.goto(`http://127.0.0.1:${ports.trentoHttp}/accesso`);
    await page.fill("#login-username", "admin");
    await page.fill("#login-password", readFileSync(join(dev, "boxes", "022205", "admin-password"), "utf8").trim());
    await page.click("button:has-text('Accedi')");
    await page.waitForURL("**/configurazione");
    await page.click("text=Registro delle operazioni");
    const row = page.locator('tr[data-operation="Emissione certificato"]', { hasText: protocol });
    await row.waitFor();
    expect(await row.textContent()).toContain("TAB-0001");
    expect(await row.textContent()).not.toContain("RSSMRA85T10A562S"); // masked by default
    await page.check("#reveal-fiscal-codes");
    expect(await row.textContent()).toContain("RSSMRA85T10A562S");
    await page.click("text=Verifica l'integrità");
    expect(await page.getByTestId("integrity-result").textContent()).toContain("Registro integro");

    // the month's account: the certificate counted for TAB-0001 with its fee, and the chart
    await page.click("text=Conto mensile");
    const accountRow = page.locator('[data-testid="account-table"] tr[data-tobacconist="TAB-0001"]');
    await accountRow.waitFor();
    expect(await accountRow.textContent()).toMatch(/NOTARY: 2/); // the preview and the certificate
    expect(await accountRow.textContent()).toContain("2,00");
    await page.getByTestId("account-chart").waitFor();
    await screenshot(page, "novabox-monthly-account");
    await page.close();
  }, 60_000);

  it("the console shows the tobacconist's account of the month", async () => {
    const page = await context!.newPage();
    await page.goto(`${gatewayUrl}/conto`);
    await signInWithOidc(page, "TAB-0001");
    const row = page.locator('[data-testid="counter-account"] tbody tr', { hasText: "022205" });
    await row.waitFor();
    expect(await row.textContent()).toContain("TAB-0001");
    expect(await page.getByTestId("mass-extraction-alerts").textContent()).toContain("Nessuna segnalazione");
    await screenshot(page, "console-counter");
    await page.close();
  }, 60_000);
});

describe("a mass extraction across Comuni", () => {
  it("raises one alert that the console lists and the panels of the Comuni involved show", async () => {
    const { token } = (await (
      await fetch(`${gatewayUrl}/dev-sso/token`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ tobacconistId: "TAB-0004" }),
      })
    ).json()) as { token: string };
    const consultation = createClient(
      ConsultationService,
      createConnectTransport({ baseUrl: gatewayUrl, httpVersion: "1.1" }),
    );
    const comuni = ["022205", "022161"];
    const outcomes: Code[] = [];
    for (let i = 0; i <= massThreshold; i++) {
      const fiscalCode = `XTRPRS80A01H${String(500 + i)}Z`;
      try {
        await consultation.getIndividualRecord(
          { comuneCode: comuni[i % 2]!, fiscalCode },
          { headers: { authorization: `Bearer ${token}` } },
        );
        outcomes.push(Code.Unknown);
      } catch (err) {
        outcomes.push(ConnectError.from(err).code);
      }
    }
    expect(outcomes.slice(0, massThreshold)).not.toContain(Code.ResourceExhausted);
    expect(outcomes[massThreshold]).toBe(Code.ResourceExhausted);

    // The console: the tobacconist's own alert, with both Comuni.
    const consolePage = await context!.newPage();
    await consolePage.goto(`${gatewayUrl}/conto`);
    await signInWithOidc(consolePage, "TAB-0004");
    const alert = consolePage.locator('[data-testid="mass-extraction-alerts"] li[data-alert]');
    await alert.waitFor();
    expect(await alert.count()).toBe(1);
    expect(await alert.textContent()).toContain("022205");
    expect(await alert.textContent()).toContain("022161");
    await screenshot(consolePage, "console-mass-extraction-alert");
    await consolePage.close();

    // The panels of both Comuni: the alert Novares handed to their box, in the audit log's alerts.
    for (const [comune, httpPort] of [
      ["022205", ports.trentoHttp],
      ["022161", ports.roveretoHttp],
    ] as const) {
      const panel = await context!.newPage();
      await panel.goto(`http://127.0.0.1:${httpPort}/accesso`);
      await panel.fill("#login-username", "admin");
      await panel.fill("#login-password", readFileSync(join(dev, "boxes", comune, "admin-password"), "utf8").trim());
      await panel.click("button:has-text('Accedi')");
      await panel.waitForURL("**/configurazione");
      await panel.click("text=Registro delle operazioni");
      const alerts = panel.getByTestId("anomaly-alerts");
      await waitFor(
        `the alert in the panel of ${comune}`,
        async () => {
          if (((await alerts.textContent()) ?? "").includes("TAB-0004")) return true;
          await panel.click('[data-testid="anomaly-alerts"] button');
          return undefined;
        },
        30_000,
        500,
      );
      const text = (await alerts.textContent()) ?? "";
      expect(text).toContain("Novares");
      expect(text).toContain(`${massThreshold} distinct fiscal codes`);
      if (comune === "022205") await screenshot(panel, "novabox-mass-extraction-alert");
      await panel.close();
    }
  }, 120_000);
});

describe("every screen in Italian and in German", () => {
  const axeSource = join(root, "node_modules/axe-core/axe.min.js");
  let wizardBox: StartedService | undefined;

  afterAll(async () => {
    await wizardBox?.process.stop(10_000);
  });

  /** axe-core's WCAG 2.1 A/AA rules on the page as it is; the serious and critical violations. */
  async function seriousViolations(page: Page): Promise<string[]> {
    await page.addScriptTag({ path: axeSource });
    // evaluated in the page (a string: this file is compiled without the DOM types)
    const violations = await page.evaluate<{ id: string; impact: string | null; targets: string[] }[]>(`(async () => {
      const result = await window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] }, resultTypes: ["violations"] });
      return result.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => JSON.stringify(n.target)).slice(0, 3) }));
    })()`);
    return violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id} (${v.impact}) at ${v.targets.join(", ")}`);
  }

  /** Checks the page in its current language and then in the other, switched in the header. */
  async function bothLanguages(page: Page, screen: string): Promise<void> {
    for (const round of [0, 1]) {
      const lang = await page.locator("html").getAttribute("lang");
      expect({ screen, lang, violations: await seriousViolations(page) }).toEqual({ screen, lang, violations: [] });
      if (round === 0) await page.getByTestId(lang === "de" ? "lang-it" : "lang-de").click();
    }
  }

  it("the browser's language picks German; the switch changes the language, and the choice stays after a reload", async () => {
    const german = await browser!.newContext({ viewport: { width: 1280, height: 900 }, locale: "de-DE" });
    try {
      const page = await german.newPage();
      await page.goto(`http://127.0.0.1:${ports.trentoHttp}/accesso`);
      await expect(page.locator("h1").textContent()).resolves.toBe("Novabox · Verwaltung der Gemeinde");
      expect(await page.locator("html").getAttribute("lang")).toBe("de");
      await expect(page.locator("button:has-text('Anmelden')").count()).resolves.toBe(1);
      await page.getByTestId("lang-it").click();
      await expect(page.locator("h1").textContent()).resolves.toBe("Novabox · pannello del Comune");
      expect(await page.getByTestId("lang-it").getAttribute("aria-pressed")).toBe("true");
      await page.reload();
      await expect(page.locator("h1").textContent()).resolves.toBe("Novabox · pannello del Comune");
      expect(await page.locator("html").getAttribute("lang")).toBe("it");
      // the console (another origin, so no stored choice): German from the browser's language
      await page.goto(`${gatewayUrl}/emissione`);
      await expect(page.locator("h1").textContent()).resolves.toBe("Novares · Konsole");
    } finally {
      await german.close();
    }
  }, 60_000);

  it("the setup wizard: no serious or critical axe violation on any step, in either language", async () => {
    const [grpc, http] = await freePorts(2);
    const home = join(dev, "wizard-box", "anpr_home");
    mkdirSync(home, { recursive: true, mode: 0o700 });
    wizardBox = await startService(
      "services/novabox/src/server/main.ts",
      {
        ANPR_HOME: home,
        NOVABOX_HOST: "127.0.0.1",
        NOVABOX_GRPC_PORT: String(grpc),
        NOVABOX_HTTP_PORT: String(http),
        NOVABOX_MESH_PLAINTEXT: "true",
        NOVABOX_WEB_DIR: join(root, "web/dist/novabox"),
      },
      "novabox ready",
    );
    const german = await browser!.newContext({ viewport: { width: 1280, height: 900 }, locale: "de-DE" });
    try {
      const page = await german.newPage();
      await page.goto(`http://127.0.0.1:${http}`);
      await page.getByTestId("step-admin").waitFor();
      await expect(page.locator("button:has-text('Administrator anlegen')").count()).resolves.toBe(1);
      // a short password, refused next to the field, in German with the count
      await page.fill("#username", "admin");
      await page.fill("#password", "kurz");
      await page.fill("#confirm", "kurz");
      await page.click("button:has-text('Administrator anlegen')");
      await expect(page.locator("#password-error").textContent()).resolves.toBe(
        "Mindestens 12 Zeichen (jetzt 4): ein Satz aus mehreren Wörtern ist leicht zu merken.",
      );
      await bothLanguages(page, "wizard step 1");
      await fillAdminStep(page, "una frase lunga e sicura");
      await page.click("[data-testid=step-admin] button[type=submit]");
      await page.getByTestId("step-anpr").waitFor();
      await bothLanguages(page, "wizard step 2");
      await fillAnprStep(page, anprStep("022161", "Rovereto", ["VERDI", "LUCA"], "1"));
      await page.click("[data-testid=step-anpr] button[type=submit]");
      await page.getByTestId("step-mesh").waitFor();
      await bothLanguages(page, "wizard step 3");
      await fillMeshStep(page, {
        discoveryAddress: `127.0.0.1:${ports.router}`,
        advertisedHost: "127.0.0.1",
        ssoIssuer,
        ssoJwksUrl: `${gatewayUrl}/dev-sso/jwks.json`,
      });
      await page.click("[data-testid=step-mesh] button[type=submit]");
      await page.getByTestId("step-check").waitFor();
      await bothLanguages(page, "wizard step 4");
    } finally {
      await german.close();
    }
  }, 120_000);

  it("the panel and the console: no serious or critical axe violation on any screen, in either language", async () => {
    const page = await context!.newPage();
    await page.goto(`http://127.0.0.1:${ports.trentoHttp}/accesso`);
    await page.locator("#login-username").waitFor();
    await bothLanguages(page, "panel login");
    await page.fill("#login-username", "admin");
    await page.fill("#login-password", readFileSync(join(dev, "boxes", "022205", "admin-password"), "utf8").trim());
    await page.click("form button[type=submit]");
    await page.waitForURL("**/configurazione");
    await page.getByTestId("workstation-certificate").waitFor();
    await bothLanguages(page, "panel configuration");
    for (const [path, ready, screen] of [
      [
        "/registro",
        "[data-testid=anomaly-alerts] table, [data-testid=anomaly-alerts] [role=status]",
        "panel audit log",
      ],
      ["/conto", "[data-testid=account-table], [data-testid=account-empty]", "panel monthly account"],
      ["/password", "[data-testid=change-password]", "panel change password"],
    ] as const) {
      await page.click(`a[href="${path}"]`);
      await page.locator(ready).first().waitFor();
      await bothLanguages(page, screen);
    }

    await page.goto(gatewayUrl);
    await page.locator("[data-comune]").first().waitFor();
    await bothLanguages(page, "console mesh view");
    await page.goto(`${gatewayUrl}/emissione`);
    await page.getByTestId("sign-in").waitFor();
    await bothLanguages(page, "console sign-in");
    await signInWithOidc(page, "TAB-0001");
    await page.getByTestId("issue-form").waitFor();
    await bothLanguages(page, "console issuing form");
    await page.click('a[href="/conto"]');
    await page.getByTestId("counter-account").waitFor();
    await bothLanguages(page, "console account and alerts");
    await page.close();
  }, 180_000);
});

describe("a box set up entirely in the browser joins the mesh", () => {
  // Last in this file: a third Trento workstation (POST-022205-03) would otherwise share Trento's
  // calls with npm start's box, which the tests above read the audit log of.
  let joiningBox: StartedService | undefined;
  const channels: Client[] = [];

  afterAll(async () => {
    for (const c of channels) c.close();
    await joiningBox?.process.stop(10_000);
  });

  it("the wizard sets ANPR, Novares and the SSO; the announcement succeeds; the router lists it SERVING and it verifies SSO tokens", async () => {
    const meshDir = join(dev, "mesh-pki");
    const workstationId = "POST-022205-03";
    await ensureMeshPki(meshDir, { boxes: [`022205:${workstationId}`] });
    const role = meshBoxRole(parseMeshBoxSpec(`022205:${workstationId}`));
    const [grpc, http] = await freePorts(2);
    const home = join(dev, "joining-box", "anpr_home");
    mkdirSync(home, { recursive: true, mode: 0o700 });
    joiningBox = await startService(
      "services/novabox/src/server/main.ts",
      {
        ANPR_HOME: home,
        NOVABOX_HOST: "127.0.0.1",
        NOVABOX_GRPC_PORT: String(grpc),
        NOVABOX_HTTP_PORT: String(http),
        NOVABOX_MESH_TLS_DIR: meshDir,
        NOVABOX_MESH_ROLE: role,
        NOVABOX_WEB_DIR: join(root, "web/dist/novabox"),
      },
      "novabox ready",
    );

    const page = await context!.newPage();
    await page.goto(`http://127.0.0.1:${http}`);
    await page.getByTestId("step-admin").waitFor();
    await fillAdminStep(page, "una frase lunga e sicura");
    await page.click("[data-testid=step-admin] button[type=submit]");

    await page.getByTestId("step-anpr").waitFor();
    await fillAnprStep(page, {
      ...anprStep("022205", "Trento", ["BIANCHI", "ANNA"], { label: "Test (collaudo)" }),
      workstationId,
    });
    await page.click("[data-testid=step-anpr] button[type=submit]");

    await page.getByTestId("step-mesh").waitFor();
    await fillMeshStep(page, {
      discoveryAddress: `127.0.0.1:${ports.router}`,
      advertisedHost: "127.0.0.1",
      advertisedPort: grpc!,
      ssoIssuer,
      ssoAudience: "novabox",
      ssoJwksUrl: `${gatewayUrl}/dev-sso/jwks.json`,
    });
    await page.click("[data-testid=step-mesh] button[type=submit]");

    await page.getByTestId("step-check").waitFor();
    await page.click("text=Verifica il collegamento");
    await page.getByTestId("connection-result").waitFor();
    expect(await page.getByTestId("connection-result").textContent()).toContain("Collegamento riuscito");
    await page.click("text=Verifica il collegamento con Novares");
    const novares = page.getByTestId("novares-result");
    await novares.waitFor({ timeout: 30_000 });
    expect(await novares.getAttribute("data-ok")).toBe("true");
    expect(await page.getByTestId("novares-instance").textContent()).toContain(workstationId.toLowerCase());
    expect(await novares.textContent()).toContain(`127.0.0.1:${grpc}`);
    await screenshot(page, "novabox-wizard-4-novares-joined");
    await page.close();

    // The router itself (mutual TLS, as the gateway): the box is listed for Trento, SERVING.
    const routerChannel = new Client(`127.0.0.1:${ports.router}`, meshCredentials(meshDir, "gateway").client);
    channels.push(routerChannel);
    const discovery = createGrpcClient(DiscoveryService, routerChannel);
    const instance = await waitFor(
      "the browser-configured box SERVING at the router",
      async () =>
        (await discovery.listInstances({ comuneCode: "022205" })).instances.find(
          (i) => i.workstationCode === workstationId && i.health === InstanceHealth.SERVING,
        ),
      30_000,
      500,
    );
    expect({ host: instance.host, port: instance.port }).toEqual({ host: "127.0.0.1", port: grpc });

    // The SSO set in the browser works: the box verifies a development SSO token against the JWKS
    // address it was given (called as the gateway would, over mutual TLS), and refuses a forged one.
    const { token } = (await (
      await fetch(`${gatewayUrl}/dev-sso/token`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ tobacconistId: "TAB-0002" }),
      })
    ).json()) as { token: string };
    const boxChannel = new Client(`127.0.0.1:${grpc}`, meshCredentials(meshDir, "gateway").client);
    channels.push(boxChannel);
    const consultation = createGrpcClient(ConsultationService, boxChannel);
    const record = await consultation.getIndividualRecord(
      { comuneCode: "022205", fiscalCode: "RSSMRA85T10A562S" },
      { metadata: { authorization: `Bearer ${token}` }, deadline: 30_000 },
    );
    expect(record.record).toBeDefined();
    expect(record.anprOperationId).not.toBe("");
    const forged = `${token.slice(0, -4)}AAAA`;
    await expect(
      consultation.getIndividualRecord(
        { comuneCode: "022205", fiscalCode: "RSSMRA85T10A562S" },
        { metadata: { authorization: `Bearer ${forged}` }, deadline: 30_000 },
      ),
    ).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
  }, 180_000);
});
