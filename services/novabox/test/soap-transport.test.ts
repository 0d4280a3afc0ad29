import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { Agent, createServer, type Server } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureDevPki, type DevPkiManifest } from "#shared/dev-pki/anpr-dev-pki.js";
import { anprSpecDir } from "#shared/anpr/spec-dir.js";
import { postSoap, soapEnvelope, splitMultipartRelated, wsdlNamespaces } from "../src/anpr-client/soap-transport.js";

const wsdl = (relative: string) => readFileSync(fileURLToPath(new URL(relative, anprSpecDir)), "utf8");

describe("the SOAP envelope of each ANPR service", () => {
  it.each([
    ["certificazione6001", "soap-official/6001servizioCertificazione.wsdl"],
    ["consultazione3000", "soap-official/3000serviziConsultazione.wsdl"],
    ["testConn", "anpr-client-example/testConnettivita.wsdl"],
  ] as const)("%s declares the namespaces its WSDL declares (%s)", (service, file) => {
    const definitions = /<wsdl:definitions\b[^>]*>/.exec(wsdl(file))![0];
    expect(definitions).toContain(`targetNamespace="${wsdlNamespaces[service].tns}"`);
    expect(definitions).toContain(`xmlns:tns="${wsdlNamespaces[service].tns}"`);
    expect(definitions).toContain(`xmlns:schema="${wsdlNamespaces[service].schema}"`);
  });

  it("wraps the body in a SOAP 1.1 envelope with an empty Header for WS-Security", () => {
    expect(soapEnvelope(wsdlNamespaces.testConn, "<schema:x/>")).toBe(
      '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"  xmlns:tns="http://sogei.it/ANPR/TestConn" xmlns:schema="http://sogei.it/ANPR/connessione"><soap:Header></soap:Header><soap:Body><schema:x/></soap:Body></soap:Envelope>',
    );
  });
});

describe("splitMultipartRelated (MTOM answers)", () => {
  const pdf = Buffer.from([0x25, 0x50, 0x44, 0x46, 0x0d, 0x0a, 0x2d, 0x2d, 0x00, 0xff]);
  const body = Buffer.concat([
    Buffer.from(
      '--MIME_b\r\nContent-Type: application/xop+xml; charset=UTF-8; type="text/xml"\r\nContent-ID: <root.message@cxf.apache.org>\r\n\r\n<soap:Envelope/>\r\n--MIME_b\r\nContent-Type: application/pdf\r\nContent-ID: <pdf-1@anpr>\r\n\r\n',
    ),
    pdf,
    Buffer.from("\r\n--MIME_b--\r\n"),
  ]);

  it("returns the root part and the attachments byte for byte, header names in lower case", () => {
    const { root, attachments } = splitMultipartRelated(
      body,
      'multipart/related; type="application/xop+xml"; boundary="MIME_b"; start="<root.message@cxf.apache.org>"; start-info="text/xml"',
    );
    expect(root.toString()).toBe("<soap:Envelope/>");
    expect(attachments).toHaveLength(1);
    expect(attachments[0]!.headers["content-id"]).toBe("<pdf-1@anpr>");
    expect(Buffer.compare(attachments[0]!.body, pdf)).toBe(0);
  });

  it("takes the part named by start as the root even when it is not first", () => {
    const { root } = splitMultipartRelated(body, "multipart/related; boundary=MIME_b; start=<pdf-1@anpr>");
    expect(Buffer.compare(root, pdf)).toBe(0);
  });

  it("refuses a body without its boundary or a part that is never closed", () => {
    expect(() => splitMultipartRelated(body, "multipart/related")).toThrow(/no boundary/);
    expect(() => splitMultipartRelated(body, "multipart/related; boundary=other")).toThrow(
      /does not contain its boundary/,
    );
    expect(() => splitMultipartRelated(body.subarray(0, 120), "multipart/related; boundary=MIME_b")).toThrow(
      /not closed|no end of headers/,
    );
  });
});

describe("postSoap on kept-alive sockets", () => {
  const dir = mkdtempSync(join(tmpdir(), "soap-transport-"));
  let pki: DevPkiManifest;
  let server: Server;
  let url: URL;
  /** What the server does with the n-th request on a connection (1-based): answer, or reset. */
  let onRequest: (nth: number) => "answer" | "reset" = () => "answer";
  let received = 0;

  beforeAll(async () => {
    pki = await ensureDevPki(join(dir, "pki"));
    server = createServer(
      { key: readFileSync(pki.simulator.tlsKeyFile), cert: readFileSync(pki.simulator.tlsCertificateFile) },
      (req, res) => {
        received++;
        const socket = req.socket as Socket & { served?: number };
        socket.served = (socket.served ?? 0) + 1;
        if (onRequest(socket.served) === "reset") {
          socket.destroy(); // the server had given up the idle connection: the client sees a reset
          return;
        }
        req.resume();
        req.on("end", () => res.end("<soap:Envelope/>"));
      },
    );
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = new URL(`https://127.0.0.1:${String((server.address() as AddressInfo).port)}/ANPR`);
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  const agent = () => new Agent({ keepAlive: true, maxSockets: 1, ca: readFileSync(pki.simulator.caCertificateFile) });
  const post = (a: Agent) =>
    postSoap(url, "<soap:Envelope/>", { agent: a, timeoutMs: 10_000, maxAnswerBytes: 1_000_000 });

  it("sends a request again on another socket when the kept-alive one was reset before any answer", async () => {
    const a = agent();
    onRequest = (nth) => (nth === 2 ? "reset" : "answer");
    received = 0;
    expect((await post(a)).rootPart).toBe("<soap:Envelope/>");
    expect((await post(a)).rootPart).toBe("<soap:Envelope/>"); // 2nd on the kept-alive socket: reset, sent again
    expect(received).toBe(3);
    a.destroy();
  });

  it("does not send again after a reset on a fresh socket: the error is reported as it is", async () => {
    const fresh = agent();
    onRequest = () => "reset";
    received = 0;
    await expect(post(fresh)).rejects.toMatchObject({ code: "ECONNRESET" });
    expect(received).toBe(1);
    fresh.destroy();
  });
});
