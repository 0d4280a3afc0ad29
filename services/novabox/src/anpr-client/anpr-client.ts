/**
 * The Novabox's client of ANPR: builds each request body from typed input, stamps it with the next
 * `idOperazioneComune`, wraps it in the SOAP envelope of the official WSDL, signs the envelope with
 * WS-Security and POSTs it (soap-transport.ts), and reads the answer — verifying its signature when
 * ANPR signed it. It has no gRPC imports: the handlers map its typed errors.
 *
 * Per-request cost is kept low: the signer holds keys parsed once, each answer is parsed once (the
 * document read for the fault, the signature and the result), and one keep-alive HTTPS agent
 * (trusting the configured CA) carries every call.
 */
import { Agent } from "node:https";
import type { Document, Element } from "@xmldom/xmldom";
import { childElements, findChild, parseXmlSafe } from "#shared/anpr/xml.js";
import { createWsSecurityVerifier } from "#shared/anpr/wssecurity.js";
import {
  AnprBadResponseError,
  AnprFaultError,
  AnprResponseSignatureError,
  AnprTimeoutError,
  AnprUnavailableError,
  AnprWrongSubjectError,
  describeError,
} from "../domain/anpr-errors.js";
import type { OperationCounter } from "./operation-counter.js";
import { createOperationIds } from "./operation-id.js";
import {
  buildRichiesta3002,
  buildRichiesta6001,
  buildRichiestaConnessione,
  type AnprEnvironment,
  type TestataInput,
} from "./requests.js";
import { parseRisposta3002, parseRisposta6001, parseRispostaConnessione } from "./responses.js";
import type { AnprGateway } from "../domain/ports.js";
import { DomainError } from "#shared/runtime/domain-error.js";
import { postSoap, soapEnvelope, wsdlNamespaces, type MtomAttachments, type SoapAnswer } from "./soap-transport.js";

export type { MtomAttachments } from "./soap-transport.js";
export type { AnprCallOptions } from "../domain/ports.js";

/** Signs a SOAP envelope (see #shared/anpr/wssecurity.js `createWsSecuritySigner`). */
export interface EnvelopeSigner {
  secure(envelopeXml: string): string;
}

/** The ANPR endpoint paths, relative to the environment's base URL. */
export const anprPaths = {
  certificazione6001: "/ANPR6001ServizioCertificazione/AnprService6001",
  consultazione3000: "/ANPR3000ServiziConsultazione/AnprService3000",
  testConn: "/ANPRTestConn/TestConn",
} as const;

/** Options for {@link createAnprClient}. */
export interface AnprClientOptions {
  /** ANPR's base URL for the environment, e.g. `https://127.0.0.1:8443` for the simulator. */
  baseUrl: string;
  /** PROD, PRE or TEST: sent as `tipoInvio`. */
  environment: AnprEnvironment;
  /** `codDestinatario` (ANPR's interface version); default ANPR05 (italia/anpr#3883). */
  interfaceVersion?: string;
  /** The Comune's ISTAT code: `codMittente`. */
  comuneCode: string;
  /** The CA certificate(s) that ANPR's TLS certificate must chain to (the "CA certificate" of the config). */
  caCertificatePem: string | string[];
  /** Signs each envelope with the workstation credentials. */
  signer: EnvelopeSigner;
  /** The persistent sequence of this box's `idOperazioneComune` values. */
  counter: OperationCounter;
  /** The box's IdPostazione: names the box inside each `idOperazioneComune` (operation-id.ts). Default `NOVABOX`. */
  workstationId?: string;
  /** The largest answer read from ANPR, in bytes, enforced while streaming (default 20 MB). */
  maxAnswerBytes?: number;
  /** CA certificates ANPR's response signatures must chain to; default: `caCertificatePem`. */
  responseSignatureCaPem?: string[];
  /** Per-call timeout in milliseconds (default 30 000). */
  timeoutMs?: number;
  /** The clock, for `dataOraRichiesta` and timestamp checks. */
  now?: () => Date;
}

/** The default of {@link AnprClientOptions.maxAnswerBytes}: far above the largest real certificate. */
export const defaultMaxAnswerBytes = 20 * 1024 * 1024;

/** Per-call options: the `idOperazioneComune` to send (a retry of a pending request); default a new one. */
/**
 * The ANPR SOAP client: the domain's {@link AnprGateway} port over HTTPS with WS-Security, plus
 * closing its keep-alive connections.
 */
export interface AnprClient extends AnprGateway {
  /** Closes the keep-alive connections. */
  close(): void;
}

/** One ANPR service: where it is and the namespaces of its WSDL's envelope. */
interface SoapService {
  url: URL;
  namespaces: { tns: string; schema: string };
}

/**
 * Reassembles an MTOM/XOP answer into the plain envelope it stands for: each xop:Include is replaced
 * by its attachment in base64. XOP is a transport encoding, and WS-Security signs the reassembled
 * infoset, so verification and parsing both work on the result.
 */
export function reassembleXop(rootPart: string, mtom: MtomAttachments | undefined): string {
  if (!mtom || mtom.parts.length === 0) return rootPart;
  const attachments = new Map<string, Buffer>();
  for (const part of mtom.parts) {
    const id = part.headers["content-id"] ?? part.headers["Content-ID"];
    if (id) attachments.set(id.trim().replace(/^<|>$/g, ""), part.body);
  }
  return rootPart.replace(
    /<([\w.-]+:)?Include\b[^>]*?href="cid:([^"]+)"[^>]*?\/>/g,
    (include: string, _prefix: string, href: string) => {
      const content = attachments.get(decodeURIComponent(href));
      if (!content) throw new AnprBadResponseError(`the MTOM attachment cid:${href} is missing`);
      return content.toString("base64");
    },
  );
}

interface SoapError extends Error {
  code?: string;
}

/** Transport error codes meaning the request never left this box (no act at ANPR is possible). */
const notSentCodes =
  /^(ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|CERT_|ERR_TLS_CERT)/;

function transportError(err: unknown, timeoutMs: number): DomainError {
  if (err instanceof DomainError) return err;
  const e = (err ?? {}) as SoapError;
  const message = describeError(err);
  if (e.code === "ECONNABORTED" || e.code === "ETIMEDOUT" || /timeout/i.test(message))
    return new AnprTimeoutError(timeoutMs, err);
  if (e.code && notSentCodes.test(e.code))
    return new AnprUnavailableError(`ANPR cannot be reached (${e.code}); retry later`, err, { requestNotSent: true });
  if (e.code && /^(ECONNRESET|EPIPE|ERR_SOCKET|ECONNABORTED)/.test(e.code))
    return new AnprUnavailableError(`the connection to ANPR broke (${e.code}); retry later`, err);
  if (/socket hang up|network/i.test(message))
    return new AnprUnavailableError(`the connection to ANPR broke (${message}); retry later`, err);
  if (/TLS|certificate|self.signed|unable to verify/i.test(message)) {
    return new AnprUnavailableError(`ANPR cannot be reached securely (${message}); retry later`, err, {
      requestNotSent: true,
    });
  }
  return new AnprBadResponseError(message, err);
}

/** The longest a kept-alive socket to ANPR stays idle (below Node servers' default 5 s keep-alive). */
const idleSocketTimeoutMs = 4_000;

/** Letters only, upper case, accents removed: how two spellings of one name compare. */
function nameKey(value: string): string {
  return value
    .normalize("NFD")
    .replace(/[^A-Za-z]/g, "")
    .toUpperCase();
}

/** The SOAP 1.1 Fault in `envelope`'s Body, if it is one: ANPR refused the request at the SOAP level. */
function soapFault(envelope: Element | null | undefined): AnprFaultError | undefined {
  const body = envelope ? findChild(envelope, undefined, "Body") : undefined;
  const fault = body ? findChild(body, undefined, "Fault") : undefined;
  if (!fault) return undefined;
  const text = (name: string) => (findChild(fault, undefined, name)?.textContent ?? "").trim();
  return new AnprFaultError(text("faultcode") || "soap:Server", text("faultstring") || "SOAP fault");
}

/** Creates an {@link AnprClient} (a promise, as when it loaded WSDLs; nothing is read at creation now). */
export function createAnprClient(options: AnprClientOptions): Promise<AnprClient> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxAnswerBytes = options.maxAnswerBytes ?? defaultMaxAnswerBytes;
  const operationIds = createOperationIds(options.counter, options.workstationId ?? "NOVABOX");
  const now = options.now ?? (() => new Date());
  const caList = Array.isArray(options.caCertificatePem) ? options.caCertificatePem : [options.caCertificatePem];
  const responseCas = options.responseSignatureCaPem ?? caList;
  // An idle kept-alive socket is closed by us before the server closes it: Node's agent applies
  // `timeout` to idle sockets, lowered to the server's `Keep-Alive: timeout=N` hint minus 1 s, so
  // a request never goes out on a socket the server is closing (ECONNRESET on a reused socket,
  // seen as lost certificates under 8 concurrent calls). A call in flight has axios's own timeout.
  const agent = new Agent({ keepAlive: true, ca: caList, maxSockets: 16, timeout: idleSocketTimeoutMs });
  const responseVerifier = createWsSecurityVerifier({
    trustedCaPem: responseCas,
    requireSaml: false,
    checkIdPostazioneFirmato: false,
  });
  const service = (path: string, namespaces: SoapService["namespaces"]): SoapService => ({
    url: new URL(path, options.baseUrl),
    namespaces,
  });
  const certificazione = service(anprPaths.certificazione6001, wsdlNamespaces.certificazione6001);
  const consultazione = service(anprPaths.consultazione3000, wsdlNamespaces.consultazione3000);
  const connessione = service(anprPaths.testConn, wsdlNamespaces.testConn);

  const testata = async (id?: string): Promise<TestataInput> => ({
    idOperazioneComune: id ?? (await operationIds.next()),
    codMittente: options.comuneCode,
    environment: options.environment,
    ...(options.interfaceVersion ? { interfaceVersion: options.interfaceVersion } : {}),
    now: now(),
  });

  /**
   * Sends `body` to `target`; returns the answer's body root element, signature-checked when
   * signed, and ANPR's time for it: the signed Timestamp's Created, else the HTTP `Date` header
   * (1 s resolution).
   */
  const callTimed = async (target: SoapService, body: string): Promise<{ root: Element; anprTime?: Date }> => {
    let answer: SoapAnswer;
    let raw: string;
    try {
      answer = await postSoap(target.url, options.signer.secure(soapEnvelope(target.namespaces, body)), {
        agent,
        timeoutMs,
        maxAnswerBytes,
      });
      raw = reassembleXop(answer.rootPart, answer.mtom);
    } catch (err) {
      throw transportError(err, timeoutMs);
    }
    const date = answer.headers.date;
    const parsedDate = date ? new Date(date) : undefined;
    const lastHttpDate = parsedDate && !Number.isNaN(parsedDate.getTime()) ? parsedDate : undefined;
    let document: Document | undefined;
    try {
      document = parseXmlSafe(raw);
    } catch (err) {
      if (answer.status >= 400) throw new AnprUnavailableError(`ANPR answered HTTP ${answer.status}; retry later`);
      throw new AnprBadResponseError("the answer is not well-formed XML", err);
    }
    const envelope = document.documentElement;
    const fault = soapFault(envelope);
    if (fault) throw fault;
    if (answer.status >= 400) throw new AnprUnavailableError(`ANPR answered HTTP ${answer.status}; retry later`);
    const header = envelope ? findChild(envelope, undefined, "Header") : undefined;
    if (header && findChild(header, undefined, "Security")) {
      try {
        // The document parsed above is handed over, so the answer is parsed once (issue 16).
        const verified = responseVerifier.verify(raw, { now: now(), document });
        return { root: verified.bodyElement, anprTime: verified.timestamp.created };
      } catch (err) {
        throw new AnprResponseSignatureError(describeError(err), err);
      }
    }
    const soapBody = envelope ? findChild(envelope, undefined, "Body") : undefined;
    const root = soapBody ? childElements(soapBody)[0] : undefined;
    if (!root) throw new AnprBadResponseError("the SOAP answer has an empty body");
    return { root, ...(lastHttpDate ? { anprTime: lastHttpDate } : {}) };
  };
  const call = async (target: SoapService, body: string): Promise<Element> => (await callTimed(target, body)).root;

  /** The answer must echo our id (else ANPR replayed another operation's answer: italia/anpr#3822). */
  const checkEcho = (echoed: string, sent: string) => {
    if (echoed !== sent)
      throw new AnprWrongSubjectError(
        `operation id: the answer echoes idOperazioneComune ${echoed || "(none)"}, not ${sent}`,
      );
  };

  return Promise.resolve({
    nextOperationId: () => operationIds.take(),
    async issueCertificate(input, callOptions) {
      const head = await testata(callOptions?.idOperazioneComune);
      const root = await call(certificazione, buildRichiesta6001(head, input));
      const result = parseRisposta6001(root);
      checkEcho(result.echoedOperationId, head.idOperazioneComune);
      const asked = input.subject;
      if (asked.fiscalCode && result.subject.fiscalCode.toUpperCase() !== asked.fiscalCode.toUpperCase()) {
        throw new AnprWrongSubjectError(
          "fiscal code: the certificate names another fiscal code than the one requested",
        );
      }
      if (
        nameKey(result.subject.surname) !== nameKey(asked.surname) ||
        nameKey(result.subject.name) !== nameKey(asked.name)
      ) {
        throw new AnprWrongSubjectError("names: the certificate names another person than the one requested");
      }
      return { ...result, idOperazioneComune: head.idOperazioneComune };
    },
    async getIndividualRecord(input, callOptions) {
      const head = await testata(callOptions?.idOperazioneComune);
      const body = buildRichiesta3002(head, {
        fiscalCode: input.fiscalCode,
        referenceDate: input.referenceDate ?? head.now,
      });
      const root = await call(consultazione, body);
      const result = parseRisposta3002(root, input.fiscalCode);
      checkEcho(result.echoedOperationId, head.idOperazioneComune);
      return { ...result, idOperazioneComune: head.idOperazioneComune };
    },
    async testConnection() {
      const head = await testata();
      const sentAt = now();
      const { root, anprTime } = await callTimed(connessione, buildRichiestaConnessione(head));
      const answeredAt = now();
      return {
        ...parseRispostaConnessione(root),
        idOperazioneComune: head.idOperazioneComune,
        sentAt,
        answeredAt,
        ...(anprTime ? { anprTime } : {}),
      };
    },
    close() {
      agent.destroy();
    },
  });
}
