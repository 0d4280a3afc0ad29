/**
 * ANPR's live rules (issue 9), client and simulator over real HTTPS:
 * - every envelope carries `codDestinatario` ANPR05 and a signed SAML assertion (italia/anpr #3883,
 *   #2437, #2572), which xmlsec1 verifies on its own;
 * - the simulator refuses a retired interface version with ANPR's own error (#3705, #3923) and an
 *   unsigned assertion unless its knob allows it;
 * - the client accepts ANPR's answers unsigned (as the real ANPR sends them, #2437, #2564) and signed;
 * - 3002 by surname and name, as the official sample request asks;
 * - the connectivity test reports ANPR's time, so a skewed clock is measured (#481, #715).
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureDevPki, type DevPkiManifest, type DevPkiWorkstation } from "#shared/dev-pki/anpr-dev-pki.js";
import { loadWorkstationCredentials, type WorkstationCredentials } from "#shared/anpr/pki.js";
import { signIdPostazione } from "#shared/anpr/cms.js";
import { createWsSecuritySigner, type WsSecuritySignerOptions } from "#shared/anpr/wssecurity.js";
import { createLogger } from "#shared/runtime/logger.js";
import { createAnprClient, type AnprClient } from "../../services/novabox/src/anpr-client/anpr-client.js";
import { createFileOperationCounter } from "../../services/novabox/src/anpr-client/operation-counter.js";
import { AnprFaultError, AnprRejectedError } from "../../services/novabox/src/domain/anpr-errors.js";
import { clockSkewMs } from "../../services/novabox/src/domain/config-service.js";
import { startAnprSim, type RunningAnprSim } from "../../services/anpr-sim/src/server/start-anpr-sim.js";
import { DEMO_CITIZENS } from "../../services/anpr-sim/src/domain/population.js";
import { requireTool } from "../support/tools.js";
import { run } from "../support/process.js";

const work = mkdtempSync(join(tmpdir(), "anpr-live-"));
const captureDir = join(work, "capture");
const logger = createLogger({ name: "anpr-sim", level: "silent" });
const mario = DEMO_CITIZENS.marioRossi;
let manifest: DevPkiManifest;
let trento: DevPkiWorkstation;
let credentials: WorkstationCredentials;
let signerOptions: WsSecuritySignerOptions;
let caPem: string;
/** The strict simulator: ANPR05 only, signed assertions required, signed answers. */
let sim: RunningAnprSim;
/** A lenient one: unsigned assertions accepted, answers unsigned (as the real ANPR sends them). */
let lenient: RunningAnprSim;
/** One whose clock is 40 s behind the box's. */
let late: RunningAnprSim;
const clients: AnprClient[] = [];

async function client(
  target: RunningAnprSim,
  options: { signAssertion?: boolean; interfaceVersion?: string } = {},
): Promise<AnprClient> {
  const c = await createAnprClient({
    baseUrl: target.url,
    environment: "TEST",
    comuneCode: trento.comuneCode,
    caCertificatePem: caPem,
    signer: createWsSecuritySigner({
      ...signerOptions,
      ...(options.signAssertion === undefined ? {} : { signAssertion: options.signAssertion }),
    }),
    counter: createFileOperationCounter({ path: join(work, `counter-${clients.length}`) }),
    ...(options.interfaceVersion ? { interfaceVersion: options.interfaceVersion } : {}),
    timeoutMs: 20_000,
  });
  clients.push(c);
  return c;
}

const certificate = (c: AnprClient) =>
  c.issueCertificate({
    certificateTypes: [8],
    subject: { fiscalCode: mario.fiscalCode, surname: mario.surname, name: mario.name },
    officer: { surname: "BIANCHI", name: "ANNA" },
    requesterType: 1,
    useAbroad: 0,
    issuance: 1,
    stampDuty: { paidCents: 1600 },
    feesCents: 0,
  });

function post(target: RunningAnprSim, path: string, envelope: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const req = request(
      `${target.url}${path}`,
      { method: "POST", ca: caPem, headers: { "Content-Type": "text/xml; charset=utf-8", SOAPAction: '""' } },
      (res) => {
        let data = "";
        res.on("data", (c: Buffer) => (data += c.toString()));
        res.on("end", () => resolve(data));
      },
    );
    req.on("error", reject);
    req.end(envelope);
  });
}

beforeAll(async () => {
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
  const common = { logger, pkiDir: manifest.dir, seed: 4242, residentsPerComune: 300 };
  sim = await startAnprSim({ ...common, captureDir });
  lenient = await startAnprSim({ ...common, acceptUnsignedAssertion: true, signAnswers: false });
  late = await startAnprSim({ ...common, now: () => new Date(Date.now() - 40_000) });
}, 180_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all([sim?.close(), lenient?.close(), late?.close()]);
  rmSync(work, { recursive: true, force: true });
});

describe("interface version (codDestinatario)", () => {
  it("the client sends ANPR05 with a signed assertion that xmlsec1 verifies", async () => {
    const c = await client(sim);
    await c.testConnection();
    await certificate(c);
    await c.getIndividualRecord({ fiscalCode: mario.fiscalCode });
    const files = readdirSync(captureDir);
    expect(files.length).toBeGreaterThanOrEqual(3);
    const xmlsec1 = requireTool("xmlsec1");
    const certFile = join(work, "workstation.pem");
    writeFileSync(certFile, credentials.certificatePem);
    for (const name of files) {
      const envelope = readFileSync(join(captureDir, name), "utf8");
      expect(`${name}: ${/<codDestinatario>([^<]*)</.exec(envelope)?.[1]}`).toBe(`${name}: ANPR05`);
      const assertion = await run(xmlsec1, [
        "--verify",
        "--pubkey-cert-pem",
        certFile,
        "--id-attr:ID",
        "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
        "--node-xpath",
        "//*[local-name()='Assertion']/*[local-name()='Signature']",
        join(captureDir, name),
      ]);
      expect(`${name}: ${assertion.code}`).toBe(`${name}: 0`);
    }
  });

  it("a retired version is refused with ANPR's own error: a KO on 6001, a fault on TestConn", async () => {
    const c = await client(sim, { interfaceVersion: "ANPR04" });
    const refused = await certificate(c).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AnprRejectedError);
    expect((refused as AnprRejectedError).errors[0]).toMatchObject({
      code: "XXXX",
      severity: "E",
      text: "CodDestinatario diverso da ANPR05",
      value: "ANPR04",
    });
    const fault = await c.testConnection().catch((e: unknown) => e);
    expect(fault).toBeInstanceOf(AnprFaultError);
    expect((fault as AnprFaultError).faultCode).toBe("soap:Client");
    expect((fault as AnprFaultError).message).toContain("XXXX - CodDestinatario diverso da ANPR05");
  });
});

describe("the signed SAML assertion", () => {
  it("an unsigned assertion is refused by default and accepted only where the knob allows it", async () => {
    const fault = await (await client(sim, { signAssertion: false })).testConnection().catch((e: unknown) => e);
    expect(fault).toBeInstanceOf(AnprFaultError);
    expect((fault as AnprFaultError).faultCode).toBe("wsse:FailedAuthentication");
    expect((fault as AnprFaultError).message).toMatch(/assertion is not signed/);
    expect((await (await client(lenient, { signAssertion: false })).testConnection()).outcome).toBe("OK");
  });

  it("the client accepts unsigned answers, as the real ANPR sends them, as well as signed ones", async () => {
    const unsigned = await certificate(await client(lenient));
    expect(Buffer.from(unsigned.pdf.subarray(0, 5)).toString("latin1")).toBe("%PDF-");
    const signed = await certificate(await client(sim));
    expect(signed.protocolNumber).not.toBe("");
  });
});

describe("3002 by surname and name, as the official sample asks", () => {
  it("finds the subject in the requesting Comune, and says EN052 when neither code nor names are given", async () => {
    const signer = createWsSecuritySigner(signerOptions);
    const body = (criteria: string) =>
      `<ns2:Richiesta3002 xmlns:ns2="http://sogei.it/ANPR/3000consultazione"><testataRichiesta><idOperazioneComune>${Date.now()}${Math.floor(Math.random() * 1000)}</idOperazioneComune>` +
      `<codMittente>022205</codMittente><codDestinatario>ANPR05</codDestinatario><operazioneRichiesta>3002</operazioneRichiesta><dataOraRichiesta>2026-11-30T10:00:00.000+01:00</dataOraRichiesta>` +
      `<tipoOperazione>C</tipoOperazione><tipoInvio>TEST</tipoInvio></testataRichiesta><criteriRicerca>${criteria}</criteriRicerca>` +
      `<datiRichiesta><schedaAnagraficaRichiesta>1</schedaAnagraficaRichiesta><dataRiferimentoRichiesta>2026-11-30</dataRiferimentoRichiesta><datiAnagraficiRichiesti>2</datiAnagraficiRichiesti></datiRichiesta></ns2:Richiesta3002>`;
    const envelope = (criteria: string) =>
      signer.secure(
        `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>${body(criteria)}</soap:Body></soap:Envelope>`,
      );
    const found = await post(
      sim,
      "/ANPR3000ServiziConsultazione/AnprService3000",
      envelope(`<cognome>${mario.surname}</cognome><nome>${mario.name}</nome>`),
    );
    expect(found).toContain("Risposta3002_OK");
    expect(found).toContain(`<codFiscale>${mario.fiscalCode}</codFiscale>`);
    const nothing = await post(
      sim,
      "/ANPR3000ServiziConsultazione/AnprService3000",
      envelope(`<cognome>${mario.surname}</cognome>`),
    );
    expect(nothing).toContain("<codiceErroreAnomalia>EN052</codiceErroreAnomalia>");
  });
});

describe("clock skew against ANPR's answer time", () => {
  it("the connectivity test reports ANPR's time, 40 s behind ours here", async () => {
    const result = await (await client(late)).testConnection();
    expect(result.anprTime).toBeInstanceOf(Date);
    const skew = clockSkewMs(result.sentAt, result.answeredAt, result.anprTime!);
    expect(skew).toBeGreaterThan(35_000);
    expect(skew).toBeLessThan(45_000);
    const inTime = await (await client(sim)).testConnection();
    expect(Math.abs(clockSkewMs(inTime.sentAt, inTime.answeredAt, inTime.anprTime!))).toBeLessThan(5_000);
  });
});
