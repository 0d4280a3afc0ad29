/**
 * CPU per certificate of the Novabox and of the ANPR simulator, through `npm start`'s mesh (mutual
 * TLS, the real processes), each against the work it cannot avoid, measured in the same run:
 *
 * - box: one `secure()` of the 6001 request (WS-Security + signed SAML assertion) plus one
 *   `verify()` of the signed answer carrying the PDF — the box's own crypto (issue 16, target ≤ 1.5×);
 * - simulator: one `verify()` of a signed request with the simulator's own verifier options — the
 *   message signature over Body and Timestamp AND the SAML assertion's own signature, certificate
 *   chain, timestamp, IdPostazioneFirmato — one PDF render of the same certificate, and one
 *   `secure()` of the answer (target ≤ 1.5×). Nothing the simulator does not have to do.
 *
 * The baseline is one certificate's crypto at a time, in the order the mesh runs it (box secure →
 * simulator verify → render → answer signature → box verify), each step timed on its own; and the
 * certificates through the mesh and the baseline rounds alternate in blocks, so a load that comes
 * and goes on the shared machine weighs on both sides alike. The processes' CPU (user + system, every
 * thread) comes from /proc; the baselines run in this process and are timed with
 * process.cpuUsage(), so both sides count CPU, not wall time. Run:
 * `node --import tsx bench/certificate-cpu.bench.ts` (`BENCH_CERTIFICATES`, default 60;
 * `BENCH_ROUNDS` for the baselines, default 40; `BENCH_BLOCKS`, default 4; `BENCH_WARMUP`, default 40).
 *
 * Both sides are measured warm: the box first issues `BENCH_WARMUP` certificates and the baseline
 * runs 20 unmeasured rounds. A freshly started box spends markedly more per certificate over its
 * first few dozen (V8 still compiling the gRPC, SQLite, HTTPS and XML paths; the baseline's code is
 * a small part of that): the box's figure of each block is printed, in order, so a run that was not
 * yet warm shows it.
 */
import { readFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { join } from "node:path";
import { createPrivateKey, X509Certificate, randomUUID } from "node:crypto";
import { Client } from "@grpc/grpc-js";
import { ensureDevPki } from "#shared/dev-pki/anpr-dev-pki.js";
import { loadWorkstationCredentials } from "#shared/anpr/pki.js";
import { signIdPostazione } from "#shared/anpr/cms.js";
import {
  createWsSecurityAnswerSigner,
  createWsSecuritySigner,
  createWsSecurityVerifier,
} from "#shared/anpr/wssecurity.js";
import { createGrpcClient } from "#shared/rpc/grpc-adapter.js";
import { CertificateType, CertificationService } from "#gen/novabox/certification/v1/certification_service_pb.js";
import { buildRichiesta6001 } from "../services/novabox/src/anpr-client/requests.js";
import { formatOperationId } from "../services/novabox/src/anpr-client/operation-id.js";
import { createPopulation, DEMO_CITIZENS } from "../services/anpr-sim/src/domain/population.js";
import { issueCertificate } from "../services/anpr-sim/src/domain/certification.js";
import { renderCertificatePdf } from "../services/anpr-sim/src/domain/certificate-pdf.js";
import { cpuMs, selfCpuMs, startBenchMesh } from "./support/mesh.js";

const certificates = Number(process.env.BENCH_CERTIFICATES ?? 60);
const rounds = Number(process.env.BENCH_ROUNDS ?? 40);
const blocks = Math.max(1, Number(process.env.BENCH_BLOCKS ?? 4));
const warmup = Number(process.env.BENCH_WARMUP ?? 40);
const mario = DEMO_CITIZENS.marioRossi;

function post(url: string, ca: string, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      { method: "POST", ca, headers: { "Content-Type": "text/xml; charset=utf-8", SOAPAction: '""' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const mesh = await startBenchMesh();
try {
  const pki = await ensureDevPki(join(mesh.devDir, "pki"));
  const workstation = pki.workstations.find((w) => w.comuneCode === "022205")!;
  const credentials = loadWorkstationCredentials(
    readFileSync(workstation.pkcs12File),
    readFileSync(workstation.pinFile, "utf8").trim(),
  );
  // The bench signs as a workstation of its own, so its idOperazioneComune never collides with the box's.
  const postazioneId = "BENCH-POSTAZIONE";
  const signer = createWsSecuritySigner({
    credentials,
    operatorId: workstation.operatorId,
    sedeId: workstation.sedeId,
    postazioneId,
    applicationId: workstation.applicationId,
    idPostazioneFirmato: signIdPostazione(credentials, postazioneId),
  });
  const simCaPem = readFileSync(pki.simulator.caCertificateFile, "utf8");
  const requestVerifier = createWsSecurityVerifier({
    trustedCaPem: [readFileSync(pki.workstationCa.certificateFile, "utf8")],
    requireSaml: true,
    checkIdPostazioneFirmato: true,
  });
  const answerVerifier = createWsSecurityVerifier({
    trustedCaPem: [simCaPem],
    requireSaml: false,
    checkIdPostazioneFirmato: false,
  });
  const tlsKeyPem = readFileSync(pki.simulator.tlsKeyFile, "utf8");
  const answerSigner = createWsSecurityAnswerSigner({
    credentials: {
      privateKey: createPrivateKey(tlsKeyPem),
      certificateDerBase64: new X509Certificate(readFileSync(pki.simulator.tlsCertificateFile, "utf8")).raw.toString(
        "base64",
      ),
    },
  });

  let operation = BigInt(Date.now()) * 1000n;
  const requestEnvelope = () =>
    `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>${buildRichiesta6001(
      {
        idOperazioneComune: formatOperationId("BENCH", (operation += 1n)),
        codMittente: "022205",
        environment: "TEST",
        now: new Date(),
      },
      {
        certificateTypes: [8],
        subject: { fiscalCode: mario.fiscalCode, surname: mario.surname, name: mario.name },
        officer: { surname: "ROSSI", name: "ANNA" },
        requesterType: 2,
        useAbroad: 0,
        issuance: 1,
        stampDuty: { paidCents: 1600 },
        feesCents: 0,
      },
    )}</soap:Body></soap:Envelope>`;
  // One real signed answer of the simulator, for the box's verify() baseline.
  const signedRequest = signer.secure(requestEnvelope());
  const signedAnswer = await post(
    `${mesh.ready.sim}/ANPR6001ServizioCertificazione/AnprService6001`,
    simCaPem,
    signedRequest,
  );
  // The baseline verifies this one answer again and again: at the instant it arrived, so a long run
  // does not outlive its 5-minute Timestamp (the checks and their cost are the same at any instant).
  const answeredAt = new Date();
  const answerBody = answerVerifier.verify(signedAnswer, { now: answeredAt }).bodyXml;
  if (!answerBody.includes("certificatoPdf"))
    throw new Error(`bench: the simulator did not issue the certificate: ${answerBody.slice(0, 400)}`);
  const unsignedAnswer = `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>${answerBody}</soap:Body></soap:Envelope>`;
  const population = createPopulation({ seed: 20_251_123, residentsPerComune: 3000 });
  const { content } = issueCertificate(population, {
    comuneCode: "022205",
    subject: mario,
    certificateTypes: [8],
    emissione: 1,
    stampDuty: { kind: "paid", amountCents: 1600 },
    secretariatFeesCents: 0,
    officer: { surname: "ROSSI", name: "ANNA" },
    issuedAt: new Date().toISOString(),
    protocolNumber: "2026000000001",
  });
  // The request verification counts what ANPR checks: the assertion is signed and its signature verified.
  if (!requestVerifier.verify(signedRequest).saml?.signed)
    throw new Error("bench: the request's SAML assertion was not signed and verified");

  /** One certificate's unavoidable crypto and PDF, step by step, in the order the mesh runs it. */
  const steps = { secure: 0, verifyRequest: 0, render: 0, signAnswer: 0, verifyAnswer: 0 };
  let measuredRounds = 0;
  async function baselineRound(record: boolean): Promise<void> {
    const t0 = selfCpuMs();
    const signed = signer.secure(requestEnvelope());
    const t1 = selfCpuMs();
    requestVerifier.verify(signed);
    const t2 = selfCpuMs();
    await renderCertificatePdf(content);
    const t3 = selfCpuMs();
    answerSigner.secure(unsignedAnswer);
    const t4 = selfCpuMs();
    // The box parses the answer once (to read a SOAP Fault) and hands that document to verify();
    // verify() on the string parses it itself: the same work.
    answerVerifier.verify(signedAnswer, { now: answeredAt });
    const t5 = selfCpuMs();
    if (!record) return;
    measuredRounds += 1;
    steps.secure += t1 - t0;
    steps.verifyRequest += t2 - t1;
    steps.render += t3 - t2;
    steps.signAnswer += t4 - t3;
    steps.verifyAnswer += t5 - t4;
  }

  // The mesh: certificates straight to the Trento box (mutual TLS), one at a time.
  await mesh.liftRateLimit("022205");
  const token = await mesh.token();
  const channel = new Client(`127.0.0.1:${mesh.ports.trentoGrpc}`, mesh.credentials("router"));
  const box = createGrpcClient(CertificationService, channel);
  const issue = () =>
    box.issueCertificate(
      {
        comuneCode: "022205",
        tobacconistId: "TAB-0001",
        idempotencyKey: randomUUID(),
        subject: { fiscalCode: mario.fiscalCode, surname: mario.surname, name: mario.name },
        certificateTypes: [CertificateType.RESIDENCE],
        stampDuty: { case: "stampDutyPaid", value: {} },
      },
      { metadata: { authorization: `Bearer ${token}` }, deadline: 60_000 },
    );
  for (let i = 0; i < warmup; i++) await issue();
  for (let i = 0; i < 20; i++) await baselineRound(false);
  let boxCpu = 0;
  let simCpu = 0;
  let wall = 0;
  let issued = 0;
  const blockFigures: string[] = [];
  for (let block = 0; block < blocks; block++) {
    const count = Math.round((certificates * (block + 1)) / blocks) - issued;
    const boxBefore = cpuMs(mesh.pids["novabox-022205"]);
    const simBefore = cpuMs(mesh.pids["anpr-sim"]);
    const started = Date.now();
    for (let i = 0; i < count; i++) await issue();
    wall += Date.now() - started;
    const blockBoxCpu = cpuMs(mesh.pids["novabox-022205"]) - boxBefore;
    boxCpu += blockBoxCpu;
    blockFigures.push(`${(blockBoxCpu / count).toFixed(1)}`);
    simCpu += cpuMs(mesh.pids["anpr-sim"]) - simBefore;
    issued += count;
    const roundsNow = Math.round((rounds * (block + 1)) / blocks) - measuredRounds;
    for (let i = 0; i < roundsNow; i++) await baselineRound(true);
  }
  channel.close();
  const wallPerCertificate = wall / issued;
  const boxPerCertificate = boxCpu / issued;
  const simPerCertificate = simCpu / issued;
  const per = (total: number) => total / measuredRounds;
  const secureMs = per(steps.secure);
  const verifyAnswerMs = per(steps.verifyAnswer);
  const verifyRequestMs = per(steps.verifyRequest);
  const renderMs = per(steps.render);
  const signAnswerMs = per(steps.signAnswer);
  const boxBaseline = secureMs + verifyAnswerMs;
  const simBaseline = verifyRequestMs + renderMs + signAnswerMs;

  console.log(
    `\ncertificates through the Trento box: ${issued} at concurrency 1 after ${warmup} unmeasured, ${wallPerCertificate.toFixed(1)} ms wall each; baselines ${measuredRounds} rounds of one certificate's steps after 20 unmeasured; ${blocks} alternating blocks`,
  );
  console.log(`  box CPU per certificate in each block, in order: ${blockFigures.join(", ")} ms`);
  console.log(
    `  box: secure() ${secureMs.toFixed(2)} + verify(answer, ${(signedAnswer.length / 1024).toFixed(0)} KiB) ${verifyAnswerMs.toFixed(2)} = ${boxBaseline.toFixed(2)} ms CPU`,
  );
  console.log(
    `  sim: verify(request, signed assertion included) ${verifyRequestMs.toFixed(2)} + render PDF ${renderMs.toFixed(2)} + secure(answer) ${signAnswerMs.toFixed(2)} = ${simBaseline.toFixed(2)} ms CPU`,
  );
  console.log(
    `box CPU per certificate:       ${boxPerCertificate.toFixed(1)} ms = ${(boxPerCertificate / boxBaseline).toFixed(2)}x secure()+verify()  (target <= 1.5x)`,
  );
  console.log(
    `simulator CPU per certificate: ${simPerCertificate.toFixed(1)} ms = ${(simPerCertificate / simBaseline).toFixed(2)}x verify+render+sign  (target <= 1.5x)`,
  );
} finally {
  await mesh.stop();
}
