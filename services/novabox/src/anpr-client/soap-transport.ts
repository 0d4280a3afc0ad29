/**
 * How the Novabox's SOAP requests travel to ANPR: each body the client built (requests.ts) is put in
 * the SOAP 1.1 envelope its WSDL defines, signed (WS-Security, by the caller's signer) and POSTed
 * over the keep-alive HTTPS agent; the answer is read while it streams, with a byte cap and a
 * deadline, and an MTOM (multipart/related, XOP) answer is split into its root part and attachments.
 *
 * This replaces the `soap` package, which the client used only as transport (it sent our own XML
 * through `_xml`): loading it and parsing the WSDLs with their schemas was the largest share of a
 * box's start-up, and it parsed every answer into objects the client never read before the client
 * parsed it again. The envelope is byte for byte what soap produced for the official WSDLs
 * (`soap:` prefix, the WSDL's `tns` and `schema` namespaces declared on the Envelope, an empty
 * Header for WS-Security to fill, `SOAPAction: ""` from the bindings, `text/xml; charset=utf-8`);
 * soap-transport.test.ts checks the namespaces against the WSDL files.
 */
import { request, type Agent } from "node:https";
import type { IncomingHttpHeaders } from "node:http";
import { AnprAnswerTooLargeError, AnprTimeoutError } from "../domain/anpr-errors.js";

/** The SOAP 1.1 envelope namespace. */
export const soapEnvelopeNamespace = "http://schemas.xmlsoap.org/soap/envelope/";

/** The namespaces each WSDL declares on wsdl:definitions (`tns`, `schema`), by ANPR service. */
export const wsdlNamespaces = {
  /** soap-official/6001servizioCertificazione.wsdl */
  certificazione6001: {
    tns: "http://sogei.it/ANPR/6001AnprService",
    schema: "http://sogei.it/ANPR/6001certificazione",
  },
  /** soap-official/3000serviziConsultazione.wsdl */
  consultazione3000: { tns: "http://sogei.it/ANPR/3000AnprService", schema: "http://sogei.it/ANPR/3000consultazione" },
  /** anpr-client-example/testConnettivita.wsdl */
  testConn: { tns: "http://sogei.it/ANPR/TestConn", schema: "http://sogei.it/ANPR/connessione" },
} as const;

/** The unsigned envelope of `body` for the WSDL with `namespaces`. */
export function soapEnvelope(namespaces: { tns: string; schema: string }, body: string): string {
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    `<soap:Envelope xmlns:soap="${soapEnvelopeNamespace}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"  xmlns:tns="${namespaces.tns}" xmlns:schema="${namespaces.schema}">` +
    `<soap:Header></soap:Header><soap:Body>${body}</soap:Body></soap:Envelope>`
  );
}

/** Attachments of an MTOM answer: every part but the root, header names in lower case. */
export interface MtomAttachments {
  parts: { headers: Record<string, string>; body: Buffer }[];
}

/** What came back: the HTTP status and headers, the root XML part, and the MTOM attachments if any. */
export interface SoapAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  /** The SOAP envelope (the whole body, or the root part of a multipart/related answer). */
  rootPart: string;
  mtom?: MtomAttachments;
}

/** Options of {@link postSoap}. */
export interface PostSoapOptions {
  /** The keep-alive agent trusting ANPR's CA. */
  agent: Agent;
  /** From sending until the whole answer is read (AnprTimeoutError). */
  timeoutMs: number;
  /** The most bytes of answer read (AnprAnswerTooLargeError, enforced while streaming). */
  maxAnswerBytes: number;
}

/** A transport failure, with the node error code the client maps (ECONNREFUSED, ECONNRESET, ...). */
type TransportFailure = Error & { code?: string };

/** Socket errors that, on a kept-alive socket, mean the server had closed it before reading the request. */
const staleSocketCodes = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED"]);

/** How many times a request that failed on a reused (kept-alive) socket is sent again on another one. */
const staleSocketResends = 2;

/**
 * POSTs the signed `envelope` to `url`. Rejects with {@link AnprTimeoutError},
 * {@link AnprAnswerTooLargeError}, or the socket/TLS error as node reports it (its `code` says
 * whether the request could have left the box); resolves with any HTTP status.
 *
 * A request that fails with a reset before any answer arrived, on a socket the agent had kept
 * alive from an earlier call, is sent again (at most twice, within the same deadline) on another
 * socket, as Node's documentation advises for keep-alive clients (`request.reusedSocket`): the
 * server closed the idle connection while the request was on its way. Sending the same envelope
 * again is safe even if the first copy had reached ANPR: it carries the same
 * `idOperazioneComune`, and ANPR answers a repeated id for the same service with its stored answer
 * instead of a second act (italia/anpr#596, #3822). A reset on a fresh socket, or once an answer
 * began, is reported as it is.
 */
export async function postSoap(url: URL, envelope: string, options: PostSoapOptions): Promise<SoapAnswer> {
  const payload = Buffer.from(envelope, "utf8");
  const deadline = Date.now() + options.timeoutMs;
  for (let resends = 0; ; resends++) {
    try {
      return await postOnce(url, payload, options, Math.max(1, deadline - Date.now()));
    } catch (err) {
      const stale = err instanceof StaleSocketError;
      if (!stale || resends >= staleSocketResends || Date.now() >= deadline) throw stale ? err.cause : err;
    }
  }
}

/** A reset on a reused socket before any answer: {@link postSoap} sends the request again. */
class StaleSocketError extends Error {
  constructor(override readonly cause: TransportFailure) {
    super(cause.message);
  }
}

function postOnce(url: URL, payload: Buffer, options: PostSoapOptions, timeoutMs: number): Promise<SoapAnswer> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let answered = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(err);
    };
    const req = request(url, {
      method: "POST",
      agent: options.agent,
      headers: {
        "Content-Type": "text/xml; charset=utf-8",
        SOAPAction: '""',
        "Content-Length": payload.length,
        Accept: "text/xml, multipart/related",
      },
    });
    const timer = setTimeout(() => {
      const err = new AnprTimeoutError(options.timeoutMs);
      fail(err);
      req.destroy(err);
    }, timeoutMs);
    req.once("error", (err: TransportFailure) =>
      fail(!answered && req.reusedSocket && staleSocketCodes.has(err.code ?? "") ? new StaleSocketError(err) : err),
    );
    req.once("response", (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      let length = 0;
      res.on("data", (chunk: Buffer) => {
        length += chunk.length;
        if (length > options.maxAnswerBytes) {
          const err = new AnprAnswerTooLargeError(options.maxAnswerBytes);
          fail(err);
          req.destroy(err);
          return;
        }
        chunks.push(chunk);
      });
      res.once("error", (err: TransportFailure) => fail(err));
      res.once("aborted", () =>
        fail(Object.assign(new Error("socket hang up: the answer was cut off"), { code: "ECONNRESET" })),
      );
      res.once("end", () => {
        if (settled) return;
        if (!res.complete)
          return fail(Object.assign(new Error("socket hang up: the answer was cut off"), { code: "ECONNRESET" }));
        const body = Buffer.concat(chunks, length);
        try {
          const contentType = res.headers["content-type"] ?? "";
          const answer: SoapAnswer = { status: res.statusCode ?? 0, headers: res.headers, rootPart: "" };
          if (/^\s*multipart\/related/i.test(contentType)) {
            const { root, attachments } = splitMultipartRelated(body, contentType);
            answer.rootPart = root.toString("utf8");
            answer.mtom = { parts: attachments };
          } else answer.rootPart = body.toString("utf8");
          settled = true;
          clearTimeout(timer);
          resolve(answer);
        } catch (err) {
          fail(err instanceof Error ? err : new Error(String(err)));
        }
      });
    });
    req.end(payload);
  });
}

/** The value of parameter `name` of a Content-Type header (quoted or not), if present. */
function contentTypeParameter(contentType: string, name: string): string | undefined {
  const match = new RegExp(`;\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, "i").exec(contentType);
  return match ? (match[1] ?? match[2]) : undefined;
}

/**
 * Splits a multipart/related body (RFC 2387) into its root part — the one the `start` parameter
 * names, else the first — and the other parts. Throws when the body does not follow its boundary.
 */
export function splitMultipartRelated(
  body: Buffer,
  contentType: string,
): { root: Buffer; attachments: { headers: Record<string, string>; body: Buffer }[] } {
  const boundary = contentTypeParameter(contentType, "boundary");
  if (!boundary) throw new Error("the multipart answer has no boundary in its Content-Type");
  const delimiter = Buffer.from(`--${boundary}`);
  const nextDelimiter = Buffer.from(`\r\n--${boundary}`);
  const parts: { headers: Record<string, string>; body: Buffer }[] = [];
  let at = body.indexOf(delimiter);
  if (at < 0) throw new Error("the multipart answer does not contain its boundary");
  for (;;) {
    at += delimiter.length;
    if (body[at] === 0x2d && body[at + 1] === 0x2d) break; // "--": the closing delimiter
    while (body[at] === 0x20 || body[at] === 0x09) at++;
    if (body[at] === 0x0d && body[at + 1] === 0x0a) at += 2;
    const headersEnd = body.indexOf("\r\n\r\n", at);
    if (headersEnd < 0) throw new Error("a part of the multipart answer has no end of headers");
    const headers: Record<string, string> = {};
    for (const line of body.subarray(at, headersEnd).toString("latin1").split("\r\n")) {
      const colon = line.indexOf(":");
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const start = headersEnd + 4;
    const end = body.indexOf(nextDelimiter, start);
    if (end < 0) throw new Error("a part of the multipart answer is not closed by its boundary");
    parts.push({ headers, body: body.subarray(start, end) });
    at = end + 2;
  }
  if (parts.length === 0) throw new Error("the multipart answer has no parts");
  const startId = contentTypeParameter(contentType, "start")?.replace(/^<|>$/g, "");
  const rootIndex = startId
    ? Math.max(
        0,
        parts.findIndex((p) => (p.headers["content-id"] ?? "").replace(/^<|>$/g, "") === startId),
      )
    : 0;
  const [root] = parts.splice(rootIndex, 1);
  return { root: root!.body, attachments: parts };
}
