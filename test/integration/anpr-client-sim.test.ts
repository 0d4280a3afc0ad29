/**
 * The Novabox's ANPR client against the ANPR simulator over real HTTPS: certificates and individual
 * records, the refusals ANPR makes (tampered body, expired timestamp, foreign CA, missing SAML, an
 * idOperazioneComune reused for another service), ANPR's replay rule per Comune, answers about
 * another subject caught, the answer-size cap, and every fault knob turning into its typed client error.
 * Independent checkers: xmlsec1 verifies captured envelopes, xmllint validates their bodies, pdfinfo
 * reads the PDFs.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureDevPki, type DevPkiManifest, type DevPkiWorkstation } from "#shared/dev-pki/anpr-dev-pki.js";
import {
  createCertificateAuthority,
  issueWorkstationCertificate,
  loadWorkstationCredentials,
  type WorkstationCredentials,
} from "#shared/anpr/pki.js";
import { signIdPostazione } from "#shared/anpr/cms.js";
import {
  createWsSecurityAnswerSigner,
  createWsSecuritySigner,
  type WsSecuritySignerOptions,
} from "#shared/anpr/wssecurity.js";
import { anprSpecDir } from "#shared/anpr/xsd.js";
import { createLogger } from "#shared/runtime/logger.js";
import {
  createAnprClient,
  type AnprClient,
  type EnvelopeSigner,
} from "../../services/novabox/src/anpr-client/anpr-client.js";
import {
  createFileOperationCounter,
  type OperationCounter,
} from "../../services/novabox/src/anpr-client/operation-counter.js";
import type { CertificateRequestInput } from "../../services/novabox/src/domain/model.js";
import {
  AnprBadResponseError,
  AnprFaultError,
  AnprRejectedError,
  AnprResponseSignatureError,
  AnprTimeoutError,
  AnprUnavailableError,
  AnprAnswerTooLargeError,
  AnprWrongSubjectError,
} from "../../services/novabox/src/domain/anpr-errors.js";
import { startAnprSim, type RunningAnprSim } from "../../services/anpr-sim/src/server/start-anpr-sim.js";
import { createPopulation, DEMO_CITIZENS, type Person } from "../../services/anpr-sim/src/domain/population.js";
import { checkCertificateType } from "../../services/anpr-sim/src/domain/certification.js";
import { isCertificateTypeId } from "#shared/anpr/tables.js";
import { noFaults } from "../../services/anpr-sim/src/server/faults.js";
import { requireTool } from "../support/tools.js";
import { run } from "../support/process.js";

const work = mkdtempSync(join(tmpdir(), "anpr-e2e-"));
const captureDir = join(work, "capture");
let manifest: DevPkiManifest;
let sim: RunningAnprSim;
let trento: DevPkiWorkstation;
let credentials: WorkstationCredentials;
let signerOptions: WsSecuritySignerOptions;
let caPem: string;
const clients: AnprClient[] = [];

const mario = DEMO_CITIZENS.marioRossi;
const seed = 4242;
const residentsPerComune = 300;

/**
 * For each certificate type, a Trento subject who can have it, found in the same deterministic
 * population the simulator builds (type 20 needs a reference date the 6001 request cannot carry).
 */
function subjectsByType(): [number, Person][] {
  const population = createPopulation({ seed, residentsPerComune });
  const trentini = population.byComune("022205");
  const result: [number, Person][] = [];
  for (let type = 1; type <= 19; type++) {
    if (!isCertificateTypeId(type)) continue;
    const subject = trentini.find((p) => checkCertificateType(population, p, type, "022205") === undefined);
    if (subject) result.push([type, subject]);
  }
  return result;
}

function certificateRequest(types: number[], extra: Partial<CertificateRequestInput> = {}): CertificateRequestInput {
  return {
    certificateTypes: types,
    subject: { fiscalCode: mario.fiscalCode, surname: mario.surname, name: mario.name },
    officer: { surname: "BIANCHI", name: "ANNA" },
    requesterType: 1,
    useAbroad: 0,
    issuance: 1,
    stampDuty: { paidCents: 1600 },
    feesCents: 0,
    ...extra,
  };
}

async function client(
  options: {
    signer?: EnvelopeSigner;
    counter?: OperationCounter;
    timeoutMs?: number;
    maxAnswerBytes?: number;
    workstationId?: string;
  } = {},
): Promise<AnprClient> {
  const c = await createAnprClient({
    baseUrl: sim.url,
    environment: "TEST",
    comuneCode: trento.comuneCode,
    caCertificatePem: caPem,
    signer: options.signer ?? createWsSecuritySigner(signerOptions),
    counter: options.counter ?? createFileOperationCounter({ path: join(work, `counter-${clients.length}`) }),
    workstationId: options.workstationId ?? `BOX${clients.length}`,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.maxAnswerBytes ? { maxAnswerBytes: options.maxAnswerBytes } : {}),
  });
  clients.push(c);
  return c;
}

async function pdfText(pdf: Uint8Array, name: string): Promise<{ info: string; text: string }> {
  const file = join(work, `${name}.pdf`);
  writeFileSync(file, pdf);
  const info = await run(requireTool("pdfinfo"), [file]);
  expect(info.code).toBe(0);
  const text = await run(requireTool("pdftotext"), [file, "-"]);
  return { info: info.stdout, text: text.stdout };
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
  sim = await startAnprSim({
    logger: createLogger({ name: "anpr-sim", level: "silent" }),
    pkiDir: manifest.dir,
    captureDir,
    seed,
    residentsPerComune,
  });
}, 120_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await sim?.close();
  rmSync(work, { recursive: true, force: true });
});

describe("client → simulator over HTTPS", () => {
  it("passes the connectivity test", async () => {
    const result = await (await client()).testConnection();
    expect(result.outcome).toBe("OK");
    expect(result.anprOperationId).toMatch(/^\d+$/);
  });

  it.each([
    [[1], "nascita"],
    [[3], "matrimonio"],
    [[5], "cittadinanza"],
    [[7], "esistenza in vita"],
    [[8], "residenza"],
    [[11], "stato civile"],
    [[12], "stato di famiglia"],
    [[13], "famiglia e stato civile"],
    [[16], "famiglia con rapporti di parentela"],
    [[8, 12, 5], "contestuale"],
  ])("issues certificate type(s) %j (%s) as a PDF pdfinfo accepts", async (types) => {
    const result = await (await client()).issueCertificate(certificateRequest(types));
    expect(result.protocolNumber).toMatch(/^\d+$/);
    const { info, text } = await pdfText(result.pdf, `cert-${types.join("-")}`);
    expect(info).toMatch(/Pages:\s+[1-9]/);
    expect(text).toContain("ROSSI");
    expect(text).toContain(result.protocolNumber);
    expect(text).not.toContain("ANTEPRIMA");
  });

  it("issues every certificate type 1–19 to a subject who can have it", async () => {
    const cases = subjectsByType();
    expect(cases.map(([type]) => type)).toEqual(Array.from({ length: 19 }, (_, i) => i + 1));
    const c = await client();
    for (const [type, person] of cases) {
      const result = await c.issueCertificate(
        certificateRequest([type], {
          subject: { fiscalCode: person.fiscalCode, surname: person.surname, name: person.name },
        }),
      );
      const { text } = await pdfText(result.pdf, `type-${type}`);
      expect(`type ${type}: ${text.includes(person.surname) && text.includes(result.protocolNumber)}`).toBe(
        `type ${type}: true`,
      );
    }
  }, 180_000);

  it("marks a preview (emissione 3) ANTEPRIMA", async () => {
    const result = await (await client()).issueCertificate(certificateRequest([8], { issuance: 3 }));
    expect((await pdfText(result.pdf, "preview")).text).toContain("ANTEPRIMA");
  });

  it("returns the individual record with the family", async () => {
    const record = await (await client()).getIndividualRecord({ fiscalCode: mario.fiscalCode });
    expect(record.subject).toMatchObject({
      fiscalCode: mario.fiscalCode,
      surname: "ROSSI",
      name: "MARIO",
      sex: "M",
      birthDate: "1985-12-10",
    });
    expect(record.subject.residence?.comune.comuneName).toBe("TRENTO");
    expect(record.familyMembers.map((m) => m.name).sort()).toEqual(expect.arrayContaining(["GIULIA", "LUCA", "SOFIA"]));
  });

  it("answers KO with ANPR's code for an unknown subject and for a deceased one", async () => {
    const c = await client();
    const unknown = await c.getIndividualRecord({ fiscalCode: "VRDGPP80A01H501P" }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(AnprRejectedError);
    expect((unknown as AnprRejectedError).kind).toBe("not-found");
    const dead = DEMO_CITIZENS.giuseppeMoser;
    const refused = await c
      .issueCertificate(
        certificateRequest([8], { subject: { fiscalCode: dead.fiscalCode, surname: dead.surname, name: dead.name } }),
      )
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AnprRejectedError);
    expect((refused as AnprRejectedError).errors[0]?.severity).toBe("E");
  });

  it("sends bodies that validate against the official XSD and envelopes xmlsec1 verifies", async () => {
    const xmllint = requireTool("xmllint");
    const xmlsec1 = requireTool("xmlsec1");
    const specs = fileURLToPath(anprSpecDir);
    const certFile = join(work, "workstation.pem");
    writeFileSync(certFile, credentials.certificatePem);
    const files = readdirSync(captureDir).filter((f) => f.endsWith("emissioneCertificato.xml"));
    expect(files.length).toBeGreaterThan(0);
    for (const name of files.slice(0, 3)) {
      const file = join(captureDir, name);
      // The message signature (a child of wsse:Security), then the assertion's own (italia/anpr#2437).
      const verify = await run(xmlsec1, [
        "--verify",
        "--pubkey-cert-pem",
        certFile,
        "--id-attr:Id",
        "Body",
        "--id-attr:Id",
        "Timestamp",
        "--node-xpath",
        "//*[local-name()='Security']/*[local-name()='Signature']",
        file,
      ]);
      expect(`${name}: ${verify.code}`).toBe(`${name}: 0`);
      const assertion = await run(xmlsec1, [
        "--verify",
        "--pubkey-cert-pem",
        certFile,
        "--id-attr:ID",
        "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
        "--node-xpath",
        "//*[local-name()='Assertion']/*[local-name()='Signature']",
        file,
      ]);
      expect(`${name} assertion: ${assertion.code}`).toBe(`${name} assertion: 0`);
      const envelope = readFileSync(file, "utf8");
      const body = /<ns2:Richiesta6001[\s\S]*<\/ns2:Richiesta6001>/.exec(envelope)?.[0];
      expect(body).toBeDefined();
      const bodyFile = join(work, `body-${name}`);
      writeFileSync(bodyFile, body!);
      const lint = await run(xmllint, [
        "--noout",
        "--schema",
        join(specs, "soap-official/6001certificazione.xsd"),
        bodyFile,
      ]);
      expect(lint.stderr.trim()).toBe(`${bodyFile} validates`);
    }
  });
});

describe("ANPR's own sample requests", () => {
  it.each([
    ["6001_888013_FREE.req", "/ANPR6001ServizioCertificazione/AnprService6001", "Risposta6001"],
    ["3002_888002_FREE.req", "/ANPR3000ServiziConsultazione/AnprService3000", "Risposta3002"],
  ])("%s passes the simulator's checks and gets a %s answer", async (file, path, answer) => {
    const body = readFileSync(new URL(`anpr-client-example/${file}`, anprSpecDir), "utf8").replace(
      /^<\?xml[^>]*>\s*/,
      "",
    );
    const codMittente = /<codMittente>(\w+)<\/codMittente>/.exec(body)![1]!;
    const signer = createWsSecuritySigner({ ...signerOptions, sedeId: codMittente });
    const envelope = signer.secure(
      `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>${body}</soap:Body></soap:Envelope>`,
    );
    const { request } = await import("node:https");
    const text = await new Promise<string>((resolve, reject) => {
      const req = request(
        `${sim.url}${path}`,
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
    expect(text).not.toContain("Fault");
    expect(text).toContain(`:${answer}`);
  });
});

describe("the simulator refuses what ANPR refuses", () => {
  const faultOf = async (c: AnprClient) => (await c.testConnection().catch((e: unknown) => e)) as AnprFaultError;

  it("a tampered body", async () => {
    const honest = createWsSecuritySigner(signerOptions);
    const tampering: EnvelopeSigner = {
      secure: (xml) =>
        honest.secure(xml).replace("<tipoOperazione>C</tipoOperazione>", "<tipoOperazione>V</tipoOperazione>"),
    };
    const err = await faultOf(await client({ signer: tampering }));
    expect(err).toBeInstanceOf(AnprFaultError);
    expect(err.faultCode).toBe("wsse:FailedCheck");
    expect(err.kind).toBe("unauthenticated");
  });

  it("an expired timestamp", async () => {
    const err = await faultOf(
      await client({
        signer: createWsSecuritySigner({ ...signerOptions, now: () => new Date(Date.now() - 15 * 60_000) }),
      }),
    );
    expect(err.faultCode).toBe("wsu:MessageExpired");
  });

  it("a certificate from another CA", async () => {
    const rogueCa = createCertificateAuthority({ commonName: "Rogue CA", validDays: 30 });
    const rogue = issueWorkstationCertificate(rogueCa, {
      comuneCode: "022205",
      postazioneId: trento.postazioneId,
      validDays: 30,
    });
    const rogueCredentials = loadWorkstationCredentials(rogue.toPkcs12("1234"), "1234");
    const err = await faultOf(
      await client({
        signer: createWsSecuritySigner({
          ...signerOptions,
          credentials: rogueCredentials,
          idPostazioneFirmato: signIdPostazione(rogueCredentials, trento.postazioneId),
        }),
      }),
    );
    expect(err.faultCode).toBe("wsse:FailedAuthentication");
    expect(err.message).toMatch(/certificate/i);
  });

  it("a request without the SAML assertion", async () => {
    const err = await faultOf(await client({ signer: createWsSecurityAnswerSigner({ credentials }) }));
    expect(err.faultCode).toBe("wsse:FailedAuthentication");
    expect(err.message).toMatch(/SAML/);
  });

  it("a reused idOperazioneComune for another service is refused with EN079", async () => {
    const c = await client();
    const id = c.nextOperationId();
    await c.getIndividualRecord({ fiscalCode: mario.fiscalCode }, { idOperazioneComune: id });
    const refused = await c
      .issueCertificate(certificateRequest([1]), { idOperazioneComune: id })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AnprRejectedError);
    expect((refused as AnprRejectedError).errors[0]?.code).toBe("EN079");
    expect((refused as AnprRejectedError).message).toMatch(/servizio diverso/);
  });
});

describe("idOperazioneComune per Comune (italia/anpr#596, #1836, #3822)", () => {
  it("the same id for the same service replays the stored answer, from any workstation of the Comune, whatever the new request says", async () => {
    const a = await client({ workstationId: "POSTA" });
    const b = await client({ workstationId: "POSTB" });
    const id = a.nextOperationId();
    const first = await a.issueCertificate(certificateRequest([1]), { idOperazioneComune: id });
    const again = await b.issueCertificate(certificateRequest([1]), { idOperazioneComune: id });
    expect(again.protocolNumber).toBe(first.protocolNumber);
    const acts = sim.operations().filter((o) => o.idOperazioneComune === id);
    expect(acts).toHaveLength(1);
    // another request under the same id gets the stored answer: the client sees it is not about the certificate asked for
    const other = await b
      .issueCertificate(
        certificateRequest([2], {
          subject: {
            fiscalCode: DEMO_CITIZENS.giuliaBianchi.fiscalCode,
            surname: DEMO_CITIZENS.giuliaBianchi.surname,
            name: DEMO_CITIZENS.giuliaBianchi.name,
          },
        }),
        { idOperazioneComune: id },
      )
      .catch((e: unknown) => e);
    expect(other).toBeInstanceOf(AnprWrongSubjectError);
  });

  it("accepts a unique id that arrives after a higher one (requests overtake each other)", async () => {
    const c = await client();
    const low = c.nextOperationId();
    const high = c.nextOperationId();
    await c.issueCertificate(certificateRequest([1]), { idOperazioneComune: high });
    const late = await c.issueCertificate(certificateRequest([1]), { idOperazioneComune: low });
    expect(late.idOperazioneComune).toBe(low);
    expect(late.protocolNumber).not.toBe("");
  });

  it("8 certificates in parallel from two workstations of one Comune all succeed, with distinct ids", async () => {
    const a = await client({ workstationId: "PARA" });
    const b = await client({ workstationId: "PARB" });
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).issueCertificate(certificateRequest([1]))),
    );
    expect(new Set(results.map((r) => r.idOperazioneComune)).size).toBe(8);
    expect(new Set(results.map((r) => r.protocolNumber)).size).toBe(8);
  });
});

describe("answers that must never reach the caller", () => {
  afterAll(() => sim.server.setFaults({ ...noFaults }));

  it("an answer about another person (a replayed id) is refused as ANPR_WRONG_SUBJECT, for certificates and records", async () => {
    const c = await client();
    await c.issueCertificate(certificateRequest([1]));
    await c.getIndividualRecord({ fiscalCode: mario.fiscalCode });
    sim.server.setFaults({ ...noFaults, replayOtherSubject: true });
    const someoneElse = DEMO_CITIZENS.giuliaBianchi;
    const certificate = await c
      .issueCertificate(
        certificateRequest([1], {
          subject: { fiscalCode: someoneElse.fiscalCode, surname: someoneElse.surname, name: someoneElse.name },
        }),
      )
      .catch((e: unknown) => e);
    expect(certificate).toBeInstanceOf(AnprWrongSubjectError);
    expect((certificate as AnprWrongSubjectError).reason).toBe("ANPR_WRONG_SUBJECT");
    expect((certificate as AnprWrongSubjectError).message).toMatch(/idOperazioneComune|fiscal code/);
    const record = await c.getIndividualRecord({ fiscalCode: someoneElse.fiscalCode }).catch((e: unknown) => e);
    expect(record).toBeInstanceOf(AnprWrongSubjectError);
  });

  it("an answer larger than the cap is cut off while streaming, with a clear error", async () => {
    sim.server.setFaults({ ...noFaults, answerPaddingBytes: 3 * 1024 * 1024 });
    const err = await (
      await client({ maxAnswerBytes: 1024 * 1024 })
    )
      .issueCertificate(certificateRequest([1]))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AnprAnswerTooLargeError);
    expect((err as Error).message).toBe(
      "ANPR's answer exceeded 1048576 bytes, the most this Novabox reads (NOVABOX_ANPR_MAX_ANSWER_BYTES); it was discarded",
    );
  });

  it("an unreadable answer says what was wrong, never [object Object]", async () => {
    sim.server.setFaults({ ...noFaults, garbageBody: true });
    const err = await (await client()).issueCertificate(certificateRequest([1])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AnprBadResponseError);
    expect((err as Error).message).toMatch(/^ANPR sent an answer that cannot be read: \S/);
    expect((err as Error).message).not.toMatch(/object Object/);
  });

  it("afterProcessing: the act exists at ANPR although the answer was lost; the same id gets it back", async () => {
    const c = await client();
    const id = c.nextOperationId();
    sim.server.setFaults({ ...noFaults, afterProcessing: true, dropConnection: true });
    const lost = await c.issueCertificate(certificateRequest([1]), { idOperazioneComune: id }).catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(AnprUnavailableError);
    expect((lost as AnprUnavailableError).requestNotSent).toBe(false);
    const act = sim.operations().find((o) => o.idOperazioneComune === id);
    expect(act?.protocolNumber).toMatch(/^\d+$/);
    sim.server.setFaults({ ...noFaults });
    const recovered = await c.issueCertificate(certificateRequest([1]), { idOperazioneComune: id });
    expect(recovered.protocolNumber).toBe(act!.protocolNumber);
  });
});

describe("fault knobs become typed client errors", () => {
  afterAll(() => sim.server.setFaults({ ...noFaults }));

  it.each([
    ["latencyMs", { latencyMs: 1500 }, AnprTimeoutError],
    ["http500", { http500: true }, AnprUnavailableError],
    ["garbageBody", { garbageBody: true }, AnprBadResponseError],
    ["badResponseSignature", { badResponseSignature: true }, AnprResponseSignatureError],
    ["dropConnection", { dropConnection: true }, AnprUnavailableError],
  ] as const)("%s", async (_name, knob, errorClass) => {
    sim.server.setFaults({ ...noFaults, ...knob });
    const err = await (
      await client({ timeoutMs: "latencyMs" in knob ? 700 : 15_000 })
    )
      .testConnection()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(errorClass);
  });

  it("mtom: the PDF arrives as an XOP attachment", async () => {
    sim.server.setFaults({ ...noFaults, mtom: true });
    const result = await (await client()).issueCertificate(certificateRequest([1]));
    expect(Buffer.from(result.pdf.subarray(0, 5)).toString()).toBe("%PDF-");
  });
});
