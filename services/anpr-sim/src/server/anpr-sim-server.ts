/**
 * The ANPR simulator's transport: one HTTPS listener (its own CA) serving the official WSDL paths
 * through the `soap` package, plus the checks ANPR makes before it reads a request, applied to the
 * raw envelope: WS-Security (signature over Body and Timestamp, fresh timestamp, certificate chaining
 * to the trusted workstation CA), the SAML assertion (present, IdSede = codMittente, IdPostazioneFirmato
 * verifiable with the same certificate), and the body's validity against the official XSD. A failed
 * check answers a SOAP fault as WS-Security prescribes; the operation itself (and its KO answers) is
 * the handlers' business.
 *
 * Also here: the fault knobs (`/__sim/faults`), the operation log (`GET /__sim/operations`), the capture of every received envelope to
 * `captureDir`, response signing, and MTOM/XOP packaging of certificate PDFs.
 */
import { createHash, randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import soap from "soap";
import type { Logger } from "pino";
import type { Element } from "@xmldom/xmldom";
import { isDomainError } from "#shared/runtime/domain-error.js";
import { anprSpecDir, createXsdValidator, type AnprSchemaName, type XsdValidator } from "#shared/anpr/xsd.js";
import { findChild, XmlError } from "#shared/anpr/xml.js";
import { createWsSecurityVerifier, type VerifiedEnvelope } from "#shared/anpr/wssecurity.js";
import { escapeXml } from "#shared/anpr/xml-text.js";
import { applyFaultPatch, FaultSpecError, noFaults, type FaultKnobs } from "./faults.js";
import type { AnprSimHandlers, SimAnswer, SimRequest } from "../handlers/anpr-sim-handlers.js";
import { risposta3002Ko, risposta6001Ko, type AnswerHeader, type AnswerMessage } from "../soap/answers.js";

/** Signs an outgoing envelope (ANPR's own signature on its answers). */
export interface AnswerSigner {
  secure(envelopeXml: string): string;
}

/** Options for {@link createAnprSimServer}. */
export interface AnprSimServerOptions {
  /** The HTTPS key and certificate (issued by the simulator's CA). */
  tls: { keyPem: string; certPem: string };
  /** Workstation certificates must chain to one of these. */
  workstationCaPem: string[];
  /** The operations. */
  handlers: AnprSimHandlers;
  logger: Logger;
  /** Signs every SOAP answer when given. */
  answerSigner?: AnswerSigner;
  /** Writes every received envelope there (`ANPR_SIM_CAPTURE_DIR`). */
  captureDir?: string;
  /** Initial fault knobs. */
  faults?: FaultKnobs;
  /** The operations carried out, served as JSON at `GET /__sim/operations` (tests count acts with it). */
  operations?: () => unknown[];
  /** Validate bodies against the official XSD (default true). */
  validateXsd?: boolean;
  /** Allowed clock skew for timestamps, seconds (default 60). */
  clockSkewSeconds?: number;
  /**
   * The interface versions (`codDestinatario`) ANPR still serves; default {@link servedInterfaceVersions}
   * (only ANPR05 since the older ones were retired: italia/anpr #3883, #4360). Others are refused with
   * ANPR's own error (#3705, #3923).
   */
  interfaceVersions?: readonly string[];
  /**
   * Accept a SAML assertion without its own signature (default false: ANPR's published requests and
   * the official client sign it, and WSS4J refuses unsigned bearer assertions). A present assertion
   * signature is verified either way.
   */
  acceptUnsignedAssertion?: boolean;
  now?: () => Date;
}

/** A running simulator. */
export interface AnprSimServer {
  /** Listens on `host:port` (port 0 = any free port); resolves to the bound port. */
  listen(port: number, host?: string): Promise<number>;
  /** The current fault knobs. */
  faults(): FaultKnobs;
  /** Replaces the fault knobs. */
  setFaults(faults: FaultKnobs): void;
  /** Stops listening, drops open connections, and waits for requests still being handled. */
  close(): Promise<void>;
}

/** The `codDestinatario` values ANPR serves today: ANPR05 only (italia/anpr #3883, #4360). */
export const servedInterfaceVersions: readonly string[] = Object.freeze(["ANPR05"]);

/**
 * ANPR's refusal of a retired interface version: error `XXXX`, text "CodDestinatario diverso da"
 * followed by the versions it serves, as quoted in italia/anpr #3705 and #3923.
 */
export function retiredInterfaceMessage(served: readonly string[]): AnswerMessage {
  return {
    code: "XXXX",
    severity: "E",
    text: `CodDestinatario diverso da ${served.join(" ")}`,
    field: "codDestinatario",
  };
}

interface ServiceRoute {
  path: string;
  wsdl: string;
  schema: AnprSchemaName;
  operation: keyof AnprSimHandlers;
  expectedRoot: string;
  /** The KO answer body of this service; absent where the schema has none (TestConn: a SOAP fault). */
  ko?: (h: AnswerHeader, errors: readonly AnswerMessage[]) => string;
}

const routes: ServiceRoute[] = [
  {
    path: "/ANPR6001ServizioCertificazione/AnprService6001",
    wsdl: "soap-official/6001servizioCertificazione.wsdl",
    schema: "certificazione6001",
    operation: "emissioneCertificato",
    expectedRoot: "Richiesta6001",
    ko: risposta6001Ko,
  },
  {
    path: "/ANPR3000ServiziConsultazione/AnprService3000",
    wsdl: "soap-official/3000serviziConsultazione.wsdl",
    schema: "consultazione3000",
    operation: "interrogazioneCittadino",
    expectedRoot: "Richiesta3002",
    ko: risposta3002Ko,
  },
  {
    path: "/ANPRTestConn/TestConn",
    wsdl: "anpr-client-example/testConnettivita.wsdl",
    schema: "connessione",
    operation: "testConnessione",
    expectedRoot: "RichiestaConnessione",
  },
];

const soapEnvNs = "http://schemas.xmlsoap.org/soap/envelope/";

/** A SOAP 1.1 fault envelope. */
export function soapFault(faultCode: string, faultString: string): string {
  return (
    `<soap:Envelope xmlns:soap="${soapEnvNs}" xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" ` +
    `xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"><soap:Body><soap:Fault>` +
    `<faultcode>${escapeXml(faultCode)}</faultcode><faultstring>${escapeXml(faultString)}</faultstring>` +
    `</soap:Fault></soap:Body></soap:Envelope>`
  );
}

/** The WS-Security fault code for a verification failure reason. */
function securityFaultCode(reason: string): string {
  if (reason === "TIMESTAMP_EXPIRED") return "wsu:MessageExpired";
  if (
    reason === "CERTIFICATE_UNTRUSTED" ||
    reason.startsWith("SAML") ||
    reason === "ID_POSTAZIONE_FIRMATO_INVALID" ||
    reason === "IDSEDE_MISMATCH"
  ) {
    return "wsse:FailedAuthentication";
  }
  if (reason === "SIGNATURE_INVALID" || reason === "SIGNATURE_REFERENCES_INVALID") return "wsse:FailedCheck";
  return "wsse:InvalidSecurity";
}

class CheckFailure extends Error {
  constructor(
    readonly faultCode: string,
    message: string,
  ) {
    super(message);
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Wraps a base64 PDF answer into an MTOM/XOP multipart package. */
function toMtom(envelope: string): { body: Buffer; contentType: string } | undefined {
  const match = /<certificatoPdf>([A-Za-z0-9+/=\s]+)<\/certificatoPdf>/.exec(envelope);
  if (!match?.[1]) return undefined;
  const contentId = `${randomUUID()}@anpr-sim`;
  const root = envelope.replace(
    match[0],
    `<certificatoPdf><xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include" href="cid:${encodeURIComponent(contentId)}"/></certificatoPdf>`,
  );
  const boundary = `uuid:${randomUUID()}`;
  const rootId = `<root.message@anpr-sim>`;
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Type: application/xop+xml; charset=UTF-8; type="text/xml"\r\nContent-Transfer-Encoding: binary\r\nContent-ID: ${rootId}\r\n\r\n${root}\r\n` +
        `--${boundary}\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <${contentId}>\r\n\r\n`,
    ),
    Buffer.from(match[1].replace(/\s+/g, ""), "base64"),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return {
    body,
    contentType: `multipart/related; type="application/xop+xml"; start="${rootId}"; start-info="text/xml"; boundary="${boundary}"`,
  };
}

/** Creates the simulator's HTTPS server. */
export async function createAnprSimServer(options: AnprSimServerOptions): Promise<AnprSimServer> {
  const logger = options.logger;
  const now = options.now ?? (() => new Date());
  let faults: FaultKnobs = { ...(options.faults ?? noFaults) };
  const validators = new Map<AnprSchemaName, XsdValidator>(routes.map((r) => [r.schema, createXsdValidator(r.schema)]));
  if (options.captureDir) mkdirSync(options.captureDir, { recursive: true });
  let captured = 0;

  const server: Server = createServer({ key: options.tls.keyPem, cert: options.tls.certPem });
  // Idle keep-alive connections stay open 65 s (as common front ends do), not Node's 5 s: a box's
  // agent reusing a connection the simulator had just closed got ECONNRESET on a loaded machine,
  // an outcome-unknown the tests did not ask for.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  /** Checks signature, timestamp, certificate chain, SAML presence and IdPostazioneFirmato. */
  const verifier = createWsSecurityVerifier({
    trustedCaPem: options.workstationCaPem,
    maxClockSkewSeconds: options.clockSkewSeconds ?? 60,
    requireSaml: true,
    checkIdPostazioneFirmato: true,
    requireSignedAssertion: !(options.acceptUnsignedAssertion ?? false),
  });
  const served = options.interfaceVersions ?? servedInterfaceVersions;
  let koSequence = BigInt(Date.now()) * 1000n;

  /**
   * ANPR's answer to a retired `codDestinatario`, or undefined when the version is served: a KO
   * answer (no operation recorded) where the service has one, a soap:Client fault on TestConn,
   * whose answer schema has no error list — so a box set to a retired version fails its
   * connectivity test, not its first certificate.
   */
  function retiredVersionAnswer(route: ServiceRoute, body: Element): string | undefined {
    const testata = findChild(body, undefined, "testataRichiesta");
    const field = (name: string) => (testata && findChild(testata, undefined, name)?.textContent?.trim()) ?? "";
    const version = field("codDestinatario");
    if (served.includes(version)) return undefined;
    const message = { ...retiredInterfaceMessage(served), value: version };
    if (!route.ko) throw new CheckFailure("soap:Client", `${message.code} - ${message.text}`);
    koSequence += 1n;
    const header: AnswerHeader = {
      idOperazioneComune: field("idOperazioneComune"),
      codMittente: field("codMittente"),
      codDestinatario: version,
      operazioneRichiesta: field("operazioneRichiesta"),
      dataOraRichiesta: field("dataOraRichiesta"),
      idOperazioneANPR: String(koSequence),
      esito: "KO",
    };
    return `<soap:Envelope xmlns:soap="${soapEnvNs}"><soap:Body>${route.ko(header, [message])}</soap:Body></soap:Envelope>`;
  }

  /** The checks ANPR makes on the raw envelope before dispatching. */
  function check(route: ServiceRoute, raw: string): SimRequest {
    let result: VerifiedEnvelope;
    try {
      // The verifier parses the envelope first, with the same safe parser (no DOCTYPE, every error
      // fatal): a request that is not well-formed XML fails there, before any security check.
      result = verifier.verify(raw, { now: now() });
    } catch (err) {
      if (err instanceof XmlError)
        throw new CheckFailure("soap:Client", `the request is not well-formed XML: ${err.message}`);
      const reason = isDomainError(err) ? err.reason : "SECURITY_HEADER_MISSING";
      throw new CheckFailure(securityFaultCode(reason), err instanceof Error ? err.message : String(err));
    }
    const body = result.bodyElement;
    if (body.localName !== route.expectedRoot)
      throw new CheckFailure("soap:Client", `expected ${route.expectedRoot} on ${route.path}, got ${body.localName}`);
    const bodyXml = result.bodyXml;
    if (options.validateXsd ?? true) {
      const validation = validators.get(route.schema)!.validateSync(bodyXml);
      if (!validation.valid)
        throw new CheckFailure(
          "soap:Client",
          `the body does not validate against the ANPR schema: ${validation.errors.slice(0, 3).join("; ")}`,
        );
    }
    const saml = result.saml;
    const attributes = saml?.attributes ?? {};
    const testata = findChild(body, undefined, "testataRichiesta");
    const codMittente = (testata && findChild(testata, undefined, "codMittente")?.textContent?.trim()) ?? "";
    if (attributes.IdSede !== codMittente) {
      throw new CheckFailure(
        securityFaultCode("IDSEDE_MISMATCH"),
        `SAML IdSede "${attributes.IdSede ?? ""}" does not match codMittente "${codMittente}"`,
      );
    }
    const postazione = attributes.IdPostazione ?? "";
    return {
      body,
      bodyXml,
      bodyDigest: createHash("sha256")
        .update(bodyXml.replace(/<dataOraRichiesta>[^<]*<\/dataOraRichiesta>/, ""))
        .digest("hex"),
      workstation: {
        comuneCode: codMittente,
        postazioneId: postazione,
        operatorId: saml?.nameId ?? "",
        sedeId: attributes.IdSede ?? "",
      },
      mtom: faults.mtom,
    };
  }

  /**
   * Per service path: the `soap` package's listener, which serves the WSDL (`GET ...?wsdl`), and the
   * envelope prefix it writes around an answer (XML declaration, soap:Envelope with the WSDL's
   * namespace declarations, soap:Body). POSTs are not dispatched through `soap`: each path carries
   * exactly one operation and check() has already verified the body's root element, so the handler
   * is called directly and its answer body wrapped exactly as `soap` would (`Server._envelope`),
   * without `soap` parsing the request a second time into objects nobody reads.
   */
  const wsdlServers = new Map<
    string,
    { listener: (req: IncomingMessage, res: ServerResponse) => void; envelopeStart: string }
  >();
  for (const route of routes) {
    const probe = createServer();
    const wsdlFile = fileURLToPath(new URL(route.wsdl, anprSpecDir));
    const xml = readFileSync(wsdlFile, "utf8");
    // What soap.listen() does, keeping the WSDL object to read its envelope namespaces.
    const wsdl = new soap.WSDL(xml, wsdlFile, {});
    await new Promise<void>((resolve, reject) => {
      const callback = (err: unknown) =>
        err ? reject(err instanceof Error ? err : new Error(`cannot load ${route.wsdl}`)) : resolve();
      new soap.Server(probe, route.path, {}, wsdl, {
        path: route.path,
        services: {},
        xml,
        uri: wsdlFile,
        suppressStack: true,
        callback,
      });
    });
    wsdlServers.set(route.path, {
      listener: probe.listeners("request")[0] as (req: IncomingMessage, res: ServerResponse) => void,
      envelopeStart: `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${soapEnvNs}" ${wsdl.xmlnsInEnvelope}>`,
    });
  }

  function send(
    res: ServerResponse,
    status: number,
    body: string | Buffer,
    contentType = "text/xml; charset=utf-8",
  ): void {
    res.writeHead(status, { "Content-Type": contentType });
    res.end(body);
  }

  /**
   * The transport faults (latency, dropped connection, HTTP 500, garbage): before the request is
   * read, or — with `afterProcessing` — once the operation has been carried out. True when the
   * answer was replaced (or the connection dropped) and nothing more must be sent.
   */
  async function transportFaults(knobs: FaultKnobs, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    if (knobs.latencyMs > 0) await new Promise((r) => setTimeout(r, knobs.latencyMs));
    if (knobs.dropConnection) {
      req.socket.destroy();
      return true;
    }
    if (knobs.http500) {
      send(res, 500, "<html><body><h1>500 Internal Server Error</h1></body></html>", "text/html");
      return true;
    }
    if (knobs.garbageBody) {
      send(res, 200, "\u0000\u0001 this is not XML {", "text/xml");
      return true;
    }
    return false;
  }

  /** Signs, breaks (knob), pads (knob) and packages (MTOM knob) what soap wrote. */
  function finishAnswer(res: ServerResponse, status: number, envelope: string, knobs: FaultKnobs = faults): void {
    let out = envelope;
    if (options.answerSigner && status < 500) {
      out = options.answerSigner.secure(out);
      if (knobs.badResponseSignature)
        out = out
          .replace(/<testataRisposta>/, "<testataRisposta><!-- altered -->")
          .replace(
            /(<esitoOperazione>)(OK|KO)/,
            (_m: string, tag: string, v: string) => `${tag}${v === "OK" ? "KO" : "OK"}`,
          );
    }
    const mtom = knobs.mtom ? toMtom(out) : undefined;
    if (mtom) send(res, status, mtom.body, mtom.contentType);
    else if (knobs.answerPaddingBytes > 0) sendPadded(res, status, out, knobs.answerPaddingBytes);
    else send(res, status, out);
  }

  /** Sends `envelope` followed by an XML comment of `padding` bytes, streamed in 1 MB chunks. */
  function sendPadded(res: ServerResponse, status: number, envelope: string, padding: number): void {
    res.writeHead(status, { "Content-Type": "text/xml; charset=utf-8" });
    res.write(envelope);
    res.write("<!--");
    const chunk = Buffer.alloc(1024 * 1024, "x");
    let left = Math.max(0, padding - 7);
    const pump = () => {
      while (left > 0) {
        const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
        left -= piece.length;
        if (!res.write(piece)) return void res.once("drain", pump);
      }
      res.end("-->");
    };
    res.on("error", () => undefined);
    pump();
  }

  async function handleAdmin(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === "GET") return send(res, 200, JSON.stringify(faults), "application/json");
    if (req.method === "DELETE") {
      faults = { ...noFaults };
      return send(res, 200, JSON.stringify(faults), "application/json");
    }
    if (req.method === "PUT") {
      try {
        faults = applyFaultPatch(
          faults,
          JSON.parse((await readBody(req)).toString() || "{}") as Record<string, unknown>,
        );
        logger.info({ faults }, "fault knobs changed");
        return send(res, 200, JSON.stringify(faults), "application/json");
      } catch (err) {
        return send(
          res,
          400,
          JSON.stringify({
            error: err instanceof FaultSpecError || err instanceof SyntaxError ? err.message : "bad request",
          }),
          "application/json",
        );
      }
    }
    send(res, 405, "", "text/plain");
  }

  const inFlight = new Set<Promise<void>>();
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const handling = (async () => {
      const path = new URL(req.url ?? "/", "https://anpr-sim").pathname.replace(/\/$/, "");
      if (path === "/__sim/faults") return handleAdmin(req, res);
      if (path === "/__sim/operations" && req.method === "GET")
        return send(res, 200, JSON.stringify(options.operations?.() ?? []), "application/json");
      const route = routes.find((r) => r.path === path);
      const wsdlServer = route && wsdlServers.get(route.path);
      if (!route || !wsdlServer) return send(res, 404, "not found", "text/plain");
      if (req.method === "GET") return wsdlServer.listener(req, res);
      if (req.method !== "POST") return send(res, 405, "", "text/plain");
      const raw = (await readBody(req)).toString("utf8");
      const knobs = faults;
      if (options.captureDir) {
        captured += 1;
        writeFileSync(
          join(options.captureDir, `${String(captured).padStart(6, "0")}-${String(route.operation)}.xml`),
          raw,
        );
      }
      if (!knobs.afterProcessing && (await transportFaults(knobs, req, res))) return;
      let request: SimRequest;
      try {
        request = check(route, raw);
      } catch (err) {
        const failure = err instanceof CheckFailure ? err : new CheckFailure("soap:Server", "internal error");
        logger.warn({ path, fault: failure.faultCode, reason: failure.message }, "request refused");
        return send(res, 500, soapFault(failure.faultCode, failure.message));
      }
      let retired: string | undefined;
      try {
        retired = retiredVersionAnswer(route, request.body);
      } catch (err) {
        const failure = err instanceof CheckFailure ? err : new CheckFailure("soap:Server", "internal error");
        logger.warn({ path, fault: failure.faultCode, reason: failure.message }, "request refused");
        return send(res, 500, soapFault(failure.faultCode, failure.message));
      }
      if (retired) return finishAnswer(res, 200, retired);
      request.replayOtherSubject = knobs.replayOtherSubject;
      const answer: SimAnswer = await options.handlers[route.operation](request);
      const envelope = `${wsdlServer.envelopeStart}<soap:Body>${answer.xml}</soap:Body></soap:Envelope>`;
      if (knobs.afterProcessing && ((await transportFaults(knobs, req, res)) || res.destroyed)) return;
      finishAnswer(res, 200, envelope, knobs);
    })().catch((err: unknown) => {
      logger.error({ err }, "simulator request failed");
      if (!res.headersSent && !res.destroyed) send(res, 500, soapFault("soap:Server", "internal error"));
    });
    inFlight.add(handling);
    void handling.finally(() => inFlight.delete(handling));
  });

  return {
    listen(port, host = "127.0.0.1") {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
      });
    },
    faults: () => ({ ...faults }),
    setFaults(next) {
      faults = { ...next };
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await Promise.allSettled([...inFlight]);
      await closed;
    },
  };
}
