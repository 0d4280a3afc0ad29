/**
 * A client nobody here wrote, against our simulator (issue 9): the official ANPR sample client
 * italia/anpr-client-example (Java, Apache CXF 3.1 + WSS4J 2.1, driven by the WSDL's WS-Policy;
 * BSD licence, vendored under test/interop/third_party/anpr-client-example with the Java 17
 * dependency fixes its README lists, built by test/interop/build.sh).
 *
 * Its own three sample requests (request/TestConn, request/6001, request/3002) are sent by its own
 * main class, `RunSenderMessage TEST <WS> <file>`, with only the values the samples leave to the
 * integrator filled in: our Comune, a fresh idOperazioneComune, tipoInvio TEST (FREE was switched
 * off in 2022, italia/anpr#3403), codDestinatario ANPR05 (the only version served since
 * 15 January 2024, #3883) and, for 6001, a subject of that Comune (searched by surname and name,
 * as the sample does). The simulator must answer each one OK: the sample signs the SAML
 * assertion itself (SAML2CallbackHandler, #2437, #2572) and the simulator requires exactly that.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureDevPki, type DevPkiManifest, type DevPkiWorkstation } from "#shared/dev-pki/anpr-dev-pki.js";
import { createLogger } from "#shared/runtime/logger.js";
import { startAnprSim, type RunningAnprSim } from "../../services/anpr-sim/src/server/start-anpr-sim.js";
import { DEMO_CITIZENS } from "../../services/anpr-sim/src/domain/population.js";
import { interopClasspath, interopDir } from "../support/interop.js";
import { requireTool } from "../support/tools.js";
import { run } from "../support/process.js";

const project = "third_party/anpr-client-example";
const samples = join(interopDir, project, "request");
const work = mkdtempSync(join(tmpdir(), "anpr-client-example-"));
const comune = "022205";
const mario = DEMO_CITIZENS.marioRossi;
let manifest: DevPkiManifest;
let trento: DevPkiWorkstation;
let sim: RunningAnprSim;
let client: { java: string; classpath: string };

/**
 * What the sample client needs on Java 17 at run time (test/interop/third_party/README.md): CXF
 * 3.1 and SAAJ reflect into java.lang / java.net and into the JDK's internal Xerces.
 */
const jvmFlags = [
  "--add-opens=java.base/java.lang=ALL-UNNAMED",
  "--add-opens=java.base/java.net=ALL-UNNAMED",
  "--add-exports=java.xml/com.sun.org.apache.xerces.internal.dom=ALL-UNNAMED",
  "--add-exports=java.xml/com.sun.org.apache.xerces.internal.jaxp=ALL-UNNAMED",
  "--add-exports=java.xml/com.sun.org.apache.xerces.internal.util=ALL-UNNAMED",
];

let lastId = 0n;
/** A fresh idOperazioneComune: increasing, never below the clock (ms × 1000), as ANPR advises (#4858). */
function nextId(): string {
  const floor = BigInt(Date.now()) * 1000n;
  lastId = lastId >= floor ? lastId + 1n : floor;
  return String(lastId);
}

/** One of the sample's own request files with the integrator's values filled in. */
function fillSample(file: string, fill: (xml: string) => string): string {
  const xml = readFileSync(join(samples, file), "utf8")
    .replace(/<idOperazioneComune>[^<]*</, `<idOperazioneComune>${nextId()}<`)
    .replace(/<codMittente>[^<]*</, `<codMittente>${comune}<`)
    .replace(/<codDestinatario>[^<]*</, "<codDestinatario>ANPR05<")
    .replace(/<tipoInvio>FREE</, "<tipoInvio>TEST<");
  const out = join(work, "requests", file.replace(/\//g, "-"));
  writeFileSync(out, fill(xml));
  return out;
}

/** Runs the sample's main class in `work` (where it looks for keystore/cacerts) and returns its output. */
async function sendWithSample(ws: string, requestFile: string): Promise<string> {
  const result = await run(
    client.java,
    [
      ...jvmFlags,
      "-cp",
      `${join(work, "classpath")}:${client.classpath}`,
      "it.interno.anpr.security.main.RunSenderMessage",
      "TEST",
      ws,
      requestFile,
    ],
    { cwd: work, timeoutMs: 180_000 },
  );
  const output = `${result.stdout}\n${result.stderr}`;
  // RunSenderMessage prints a stack trace and exits 0 on any failure: the trace is the failure.
  expect(output).not.toMatch(/Exception|SOAPFaultException|Fault/);
  expect(result.code).toBe(0);
  return output;
}

beforeAll(async () => {
  client = interopClasspath(project);
  manifest = await ensureDevPki(join(work, "pki"));
  trento = manifest.workstations.find((w) => w.comuneCode === comune)!;
  sim = await startAnprSim({
    logger: createLogger({ name: "anpr-sim", level: "silent" }),
    pkiDir: manifest.dir,
    seed: 4242,
    residentsPerComune: 300,
  });

  // The sample trusts ANPR through ./keystore/cacerts (password "changeit"): our simulator's CA.
  mkdirSync(join(work, "keystore"), { recursive: true });
  mkdirSync(join(work, "requests"), { recursive: true });
  const imported = await run(requireTool("keytool"), [
    "-importcert",
    "-noprompt",
    "-alias",
    "anpr-sim-ca",
    "-file",
    manifest.simulator.caCertificateFile,
    "-keystore",
    join(work, "keystore", "cacerts"),
    "-storetype",
    "PKCS12",
    "-storepass",
    "changeit",
  ]);
  expect(imported.code).toBe(0);

  // Its settings: /config/TEST_Keystore.properties on the class path (Example_FREE_Keystore.properties's keys).
  const pin = readFileSync(trento.pinFile, "utf8").trim();
  mkdirSync(join(work, "classpath", "config"), { recursive: true });
  writeFileSync(
    join(work, "classpath", "config", "TEST_Keystore.properties"),
    [
      `org.apache.ws.security.crypto.merlin.keystore.file=${trento.pkcs12File}`,
      `org.apache.ws.security.crypto.merlin.keystore.password=${pin}`,
      "org.apache.ws.security.crypto.merlin.keystore.type=pkcs12",
      `org.apache.ws.security.crypto.merlin.keystore.alias=${trento.postazioneId}`,
      `ID_OPERATORE=${trento.operatorId}`,
      `ID_SEDE=${trento.sedeId}`,
      `ID_POSTAZIONE=${trento.postazioneId}`,
      `ID_APPLICAZIONE=${trento.applicationId}`,
      "ID_TRANSAZIONE=99999",
      `PATH_KEYSTORE_POSTAZIONE=${trento.pkcs12File}`,
      `PASS_KEYSTORE_POSTAZIONE=${pin}`,
      `ALIAS_KEYSTORE_POSTAZIONE=${trento.postazioneId}`,
      `URL_WS=${sim.url}`,
      "",
    ].join("\n"),
  );
}, 180_000);

afterAll(async () => {
  await sim?.close();
  rmSync(work, { recursive: true, force: true });
});

describe("the official ANPR client example against the simulator", () => {
  it("TestConn: the sample's request is answered OK", async () => {
    const output = await sendWithSample(
      "TESTCONN",
      fillSample("TestConn/testConn_FREE.req", (x) => x),
    );
    expect(output).toContain("RispostaConnessione");
    expect(output).toContain("<esitoOperazione>OK</esitoOperazione>");
  }, 240_000);

  it("6001: the sample's certificate request (subject by surname and name) is answered with the certificate", async () => {
    const output = await sendWithSample(
      "WS6001",
      fillSample("6001/6001_888013_FREE.req", (x) =>
        x
          .replace("<cognome>SPERANZA</cognome>", `<cognome>${mario.surname}</cognome>`)
          .replace("<nome>ENRICO</nome>", `<nome>${mario.name}</nome>`),
      ),
    );
    expect(output).toContain("Risposta6001OK");
    expect(output).toContain(mario.fiscalCode);
  }, 240_000);

  it("3002: the sample's record search by surname and name is answered OK", async () => {
    const output = await sendWithSample(
      "WS3002",
      fillSample("3002/3002_888002_FREE.req", (x) => x),
    );
    expect(output).toContain("Risposta3002_OK");
    expect(output).toContain(mario.fiscalCode);
  }, 240_000);
});
