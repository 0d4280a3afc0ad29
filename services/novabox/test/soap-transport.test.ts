import { describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { anprSpecDir } from "#shared/anpr/spec-dir.js";
import { soapEnvelope, splitMultipartRelated, wsdlNamespaces } from "../src/anpr-client/soap-transport.js";

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
