/**
 * A WS-Security stack nobody here wrote, against ours (issue 9, italia/anpr #2437, #2572): Apache
 * WSS4J 3.0 (test/interop/wss4j-harness, built by test/interop/build.sh).
 * (a) WSS4J's stock validators verify the envelopes the Novabox's client really sends (captured by
 *     the simulator), the signed assertion required — and refuse one whose assertion is unsigned;
 * (b) GovWay-style requests built by WSS4J's own builders (SAML token, Timestamp, Signature with a
 *     DirectReference BinarySecurityToken, exclusive c14n; RSA-SHA1 and RSA-SHA256) are answered OK
 *     by the simulator, and tampered ones are refused.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureDevPki, type DevPkiManifest, type DevPkiWorkstation } from "#shared/dev-pki/anpr-dev-pki.js";
import { loadWorkstationCredentials, type WorkstationCredentials } from "#shared/anpr/pki.js";
import { signIdPostazione } from "#shared/anpr/cms.js";
import {
  createWsSecuritySigner,
  type WsSecuritySignerOptions,
  type WsSignatureAlgorithm,
} from "#shared/anpr/wssecurity.js";
import { createLogger } from "#shared/runtime/logger.js";
import { createAnprClient, type AnprClient } from "../../services/novabox/src/anpr-client/anpr-client.js";
import { createFileOperationCounter } from "../../services/novabox/src/anpr-client/operation-counter.js";
import { startAnprSim, type RunningAnprSim } from "../../services/anpr-sim/src/server/start-anpr-sim.js";
import { DEMO_CITIZENS } from "../../services/anpr-sim/src/domain/population.js";
import { interopClasspath } from "../support/interop.js";
import { run } from "../support/process.js";

const work = mkdtempSync(join(tmpdir(), "wss4j-interop-"));
const captureDir = join(work, "capture");
const mario = DEMO_CITIZENS.marioRossi;
let manifest: DevPkiManifest;
let trento: DevPkiWorkstation;
let credentials: WorkstationCredentials;
let signerOptions: WsSecuritySignerOptions;
let caPem: string;
let sim: RunningAnprSim;
let harness: { java: string; classpath: string };
const clients: AnprClient[] = [];

/** Runs the harness; resolves with its exit code and output. */
const wss4j = (args: string[]) =>
  run(harness.java, ["-cp", harness.classpath, "it.novabox.interop.Harness", ...args], { timeoutMs: 120_000 });

let lastId = 0n;
/** A fresh idOperazioneComune: increasing, never below the clock (ms × 1000), as ANPR advises (#4858). */
function nextId(): string {
  const floor = BigInt(Date.now()) * 1000n;
  lastId = lastId >= floor ? lastId + 1n : floor;
  return String(lastId);
}

function testata(operation: string): string {
  return (
    `<testataRichiesta><idOperazioneComune>${nextId()}</idOperazioneComune><codMittente>022205</codMittente><codDestinatario>ANPR05</codDestinatario>` +
    `<operazioneRichiesta>${operation}</operazioneRichiesta><dataOraRichiesta>2026-11-30T10:00:00.000+01:00</dataOraRichiesta><tipoOperazione>C</tipoOperazione><tipoInvio>TEST</tipoInvio></testataRichiesta>`
  );
}

/** The three requests of the official sample, for a demo citizen of Trento. */
const requests = {
  testConn: {
    path: "/ANPRTestConn/TestConn",
    answer: "RispostaConnessione",
    body: () =>
      `<ns2:RichiestaConnessione xmlns:ns2="http://sogei.it/ANPR/connessione">${testata("OP01")}</ns2:RichiestaConnessione>`,
  },
  certificate6001: {
    path: "/ANPR6001ServizioCertificazione/AnprService6001",
    answer: "Risposta6001OK",
    body: () =>
      `<ns2:Richiesta6001 xmlns:ns2="http://sogei.it/ANPR/6001certificazione">${testata("6001")}<listaTipiCertificati><tipoCertificato>8</tipoCertificato></listaTipiCertificati>` +
      `<soggettoIntestatario><generalita><codiceFiscale><codFiscale>${mario.fiscalCode}</codFiscale></codiceFiscale><cognome>${mario.surname}</cognome><nome>${mario.name}</nome></generalita></soggettoIntestatario>` +
      `<datiControllo><cognomeUffAnagrafe>BIANCHI</cognomeUffAnagrafe><nomeUffAnagrafe>ANNA</nomeUffAnagrafe><tipoRichiedente>1</tipoRichiedente><tipoRichiesta>1</tipoRichiesta><paEstera>0</paEstera><emissione>1</emissione><bollo>1600</bollo><diritti>0</diritti></datiControllo></ns2:Richiesta6001>`,
  },
  record3002: {
    path: "/ANPR3000ServiziConsultazione/AnprService3000",
    answer: "Risposta3002_OK",
    body: () =>
      `<ns2:Richiesta3002 xmlns:ns2="http://sogei.it/ANPR/3000consultazione">${testata("3002")}<criteriRicerca><cognome>${mario.surname}</cognome><nome>${mario.name}</nome></criteriRicerca>` +
      `<datiRichiesta><schedaAnagraficaRichiesta>1</schedaAnagraficaRichiesta><dataRiferimentoRichiesta>2026-11-30</dataRiferimentoRichiesta><datiAnagraficiRichiesti>2</datiAnagraficiRichiesti></datiRichiesta></ns2:Richiesta3002>`,
  },
} as const;

/** A request secured by WSS4J's builders. */
async function buildWithWss4j(body: string, algorithm: WsSignatureAlgorithm, extra: string[] = []): Promise<string> {
  const bodyFile = join(work, `body-${nextId()}.xml`);
  writeFileSync(bodyFile, body);
  const built = await wss4j([
    "build",
    "--p12",
    trento.pkcs12File,
    "--pin",
    readFileSync(trento.pinFile, "utf8").trim(),
    "--alg",
    algorithm,
    "--operator",
    trento.operatorId,
    "--sede",
    trento.sedeId,
    "--postazione",
    trento.postazioneId,
    "--app",
    trento.applicationId,
    "--body",
    bodyFile,
    ...extra,
  ]);
  expect(built.stderr).toBe("");
  expect(built.code).toBe(0);
  return built.stdout;
}

function post(path: string, envelope: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${sim.url}${path}`,
      { method: "POST", ca: caPem, headers: { "Content-Type": "text/xml; charset=utf-8", SOAPAction: '""' } },
      (res) => {
        let data = "";
        res.on("data", (c: Buffer) => (data += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: data }));
      },
    );
    req.on("error", reject);
    req.end(envelope);
  });
}

beforeAll(async () => {
  harness = interopClasspath("wss4j-harness");
  manifest = await ensureDevPki(join(work, "pki"));
  trento = manifest.workstations.find((w) => w.comuneCode === "022205")!;
  credentials = loadWorkstationCredentials(
    readFileSync(trento.pkcs12File),
    readFileSync(trento.pinFile, "utf8").trim(),
  );
  signerOptions = {
    credentials,
    operatorId: trento.operatorId,
    sedeId: trento.sedeId,
    postazioneId: trento.postazioneId,
    applicationId: trento.applicationId,
    idPostazioneFirmato: signIdPostazione(credentials, trento.postazioneId),
  };
  caPem = readFileSync(manifest.simulator.caCertificateFile, "utf8");
  sim = await startAnprSim({
    logger: createLogger({ name: "anpr-sim", level: "silent" }),
    pkiDir: manifest.dir,
    captureDir,
    seed: 4242,
    residentsPerComune: 300,
  });
}, 180_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await sim?.close();
  rmSync(work, { recursive: true, force: true });
});

describe("WSS4J's stock validators on the envelopes the Novabox sends", () => {
  it("verify every captured request, RSA-SHA256 and RSA-SHA1, the signed assertion required; an unsigned assertion is refused", async () => {
    for (const algorithm of ["rsa-sha256", "rsa-sha1"] as const) {
      const c = await createAnprClient({
        baseUrl: sim.url,
        environment: "TEST",
        comuneCode: "022205",
        caCertificatePem: caPem,
        signer: createWsSecuritySigner({ ...signerOptions, algorithm }),
        counter: createFileOperationCounter({ path: join(work, `counter-${algorithm}`) }),
        timeoutMs: 20_000,
      });
      clients.push(c);
      await c.testConnection();
      await c.issueCertificate({
        certificateTypes: [8],
        subject: { fiscalCode: mario.fiscalCode, surname: mario.surname, name: mario.name },
        officer: { surname: "BIANCHI", name: "ANNA" },
        requesterType: 1,
        useAbroad: 0,
        issuance: 1,
        stampDuty: { paidCents: 1600 },
        feesCents: 0,
      });
      await c.getIndividualRecord({ fiscalCode: mario.fiscalCode });
    }
    const files = readdirSync(captureDir).map((f) => join(captureDir, f));
    expect(files).toHaveLength(6);
    const caFile = join(work, "workstation-ca.pem");
    writeFileSync(caFile, readFileSync(manifest.workstationCa.certificateFile));
    const verified = await wss4j(["verify", "--ca", caFile, ...files]);
    const lines = verified.stdout
      .trim()
      .split("\n")
      .map(
        (l) => JSON.parse(l) as { file: string; ok: boolean; samlSigned?: boolean; signed?: string[]; error?: string },
      );
    expect(lines.map((l) => (l.ok ? "ok" : `${l.file}: ${l.error}`))).toEqual(files.map(() => "ok"));
    for (const line of lines) {
      expect(line.samlSigned).toBe(true);
      expect(line.signed).toEqual(expect.arrayContaining(["Body", "Timestamp"]));
    }
    expect(verified.code).toBe(0);

    // The same stock validators refuse an unsigned bearer assertion (our simulator does too).
    const unsigned = createWsSecuritySigner({ ...signerOptions, signAssertion: false }).secure(
      `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>${requests.testConn.body()}</soap:Body></soap:Envelope>`,
    );
    const unsignedFile = join(work, "unsigned.xml");
    writeFileSync(unsignedFile, unsigned);
    const refused = await wss4j(["verify", "--ca", caFile, unsignedFile]);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout.trim()) as { ok: boolean }).toMatchObject({ ok: false });
  }, 300_000);
});

describe("GovWay-style requests built by WSS4J, answered by the simulator", () => {
  it.each([
    ["testConn", "rsa-sha256"],
    ["certificate6001", "rsa-sha256"],
    ["record3002", "rsa-sha256"],
    ["testConn", "rsa-sha1"],
    ["certificate6001", "rsa-sha1"],
    ["record3002", "rsa-sha1"],
  ] as const)(
    "%s with %s: answered OK",
    async (name, algorithm) => {
      const r = requests[name];
      const answer = await post(r.path, await buildWithWss4j(r.body(), algorithm));
      expect(answer.text).not.toContain("Fault");
      expect(answer.status).toBe(200);
      expect(answer.text).toContain(r.answer);
      expect(answer.text).toContain("<esitoOperazione>OK</esitoOperazione>");
    },
    180_000,
  );

  it("tampered ones are refused: a changed body, a changed assertion, an unsigned assertion", async () => {
    const r = requests.certificate6001;
    const body = await post(
      r.path,
      (await buildWithWss4j(r.body(), "rsa-sha256")).replace(
        `<cognomeUffAnagrafe>BIANCHI`,
        `<cognomeUffAnagrafe>VERDI`,
      ),
    );
    expect(body.status).toBe(500);
    expect(body.text).toContain("wsse:FailedCheck");

    const assertion = await post(
      r.path,
      (await buildWithWss4j(r.body(), "rsa-sha1")).replace(`>${trento.postazioneId}<`, `>POST-022205-99<`),
    );
    expect(assertion.status).toBe(500);
    expect(assertion.text).toContain("wsse:FailedAuthentication");
    expect(assertion.text).toMatch(/assertion(&apos;|')s signature/);

    const unsigned = await post(r.path, await buildWithWss4j(r.body(), "rsa-sha256", ["--unsigned-assertion"]));
    expect(unsigned.status).toBe(500);
    expect(unsigned.text).toContain("wsse:FailedAuthentication");
    expect(unsigned.text).toMatch(/not signed/);
  }, 300_000);
});
