import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Element } from "@xmldom/xmldom";
import { isDomainError, type DomainError } from "../src/runtime/domain-error.js";
import { signIdPostazione } from "../src/anpr/cms.js";
import {
  createCertificateAuthority,
  issueWorkstationCertificate,
  loadWorkstationCredentials,
  type DevCertificateAuthority,
  type WorkstationCredentials,
} from "../src/anpr/pki.js";
import {
  createWsSecuritySigner,
  SoapEnvelopeError,
  verifyWsSecurity,
  wsNamespaces,
  WsSecurityError,
  type WsSecuritySigner,
  type WsSecuritySignerOptions,
} from "../src/anpr/wssecurity.js";
import { childElements, findChild, findDescendants, parseXmlSafe, serializeXml, XmlError } from "../src/anpr/xml.js";
import { anprSpecDir } from "../src/anpr/xsd.js";
import { requireTool } from "../../../test/support/tools.js";

const richiesta = readFileSync(new URL("anpr-client-example/6001_888013_FREE.req", anprSpecDir), "utf8").replace(
  /^<\?xml[^>]*>\s*/,
  "",
);
const soapNs = "http://schemas.xmlsoap.org/soap/envelope/";
const envelope = (prefix = "soap", header = `<${prefix}:Header/>`) =>
  `<?xml version="1.0" encoding="UTF-8"?><${prefix}:Envelope xmlns:${prefix}="${soapNs}" xmlns:tns="http://sogei.it/ANPR/6001certificazione">${header}<${prefix}:Body>${richiesta}</${prefix}:Body></${prefix}:Envelope>`;

function errorOf(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (err) {
    if (isDomainError(err)) return err;
    throw err;
  }
  throw new Error("expected an error");
}

/** Parses, edits and re-serializes an envelope (the edits an attacker could make in transit). */
function edit(xml: string, change: (doc: ReturnType<typeof parseXmlSafe>) => void): string {
  const doc = parseXmlSafe(xml);
  change(doc);
  return serializeXml(doc);
}

function securityOf(doc: ReturnType<typeof parseXmlSafe>): Element {
  return findDescendants(doc, wsNamespaces.wsse, "Security")[0]!;
}

describe("ANPR WS-Security", () => {
  let xmlsec1: string;
  let dir: string;
  let ca: DevCertificateAuthority;
  let credentials: WorkstationCredentials;
  let foreign: WorkstationCredentials;
  let signerOptions: WsSecuritySignerOptions;
  let signer: WsSecuritySigner;
  let signed: string;
  const trust = () => ({ trustedCaPem: [ca.certificatePem] });

  beforeAll(() => {
    xmlsec1 = requireTool("xmlsec1");
    dir = mkdtempSync(join(tmpdir(), "anpr-wss-"));
    ca = createCertificateAuthority({ commonName: "WSS test workstation CA", validDays: 30 });
    credentials = loadWorkstationCredentials(
      issueWorkstationCertificate(ca, { comuneCode: "022205", postazioneId: "POST-022205-01", validDays: 10 }).toPkcs12(
        "1234",
      ),
      "1234",
    );
    const otherCa = createCertificateAuthority({ commonName: "Untrusted CA", validDays: 30 });
    foreign = loadWorkstationCredentials(
      issueWorkstationCertificate(otherCa, {
        comuneCode: "022205",
        postazioneId: "POST-022205-01",
        validDays: 10,
      }).toPkcs12("1234"),
      "1234",
    );
    signerOptions = {
      credentials,
      operatorId: "OPERATORE-022205",
      sedeId: "022205",
      postazioneId: "POST-022205-01",
      applicationId: "NOVABOX",
      idPostazioneFirmato: signIdPostazione(credentials, "POST-022205-01"),
    };
    signer = createWsSecuritySigner(signerOptions);
    signed = signer.secure(envelope());
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const xmlsecVerify = (xml: string, name: string) => {
    const path = join(dir, name);
    writeFileSync(path, xml);
    const cert = join(dir, "signer.pem");
    writeFileSync(cert, credentials.certificatePem);
    // The message signature is the Security header's own child; the assertion carries another.
    return spawnSync(
      xmlsec1,
      [
        "--verify",
        "--pubkey-cert-pem",
        cert,
        "--id-attr:Id",
        "Body",
        "--id-attr:Id",
        "Timestamp",
        "--node-xpath",
        "//*[local-name()='Security']/*[local-name()='Signature']",
        path,
      ],
      { encoding: "utf8" },
    );
  };
  /** xmlsec1 on the SAML assertion's own enveloped signature (TOOLCHAIN.md). */
  const xmlsecVerifyAssertion = (xml: string, name: string) => {
    const path = join(dir, name);
    writeFileSync(path, xml);
    const cert = join(dir, "signer.pem");
    writeFileSync(cert, credentials.certificatePem);
    return spawnSync(
      xmlsec1,
      [
        "--verify",
        "--pubkey-cert-pem",
        cert,
        "--id-attr:ID",
        "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
        "--node-xpath",
        "//*[local-name()='Assertion']/*[local-name()='Signature']",
        path,
      ],
      { encoding: "utf8" },
    );
  };

  describe("createWsSecuritySigner", () => {
    it("adds SAML assertion, BinarySecurityToken, Timestamp and Signature, in this order", () => {
      const doc = parseXmlSafe(signed);
      const security = securityOf(doc);
      expect(security.parentNode).toBe(findChild(doc.documentElement!, soapNs, "Header"));
      expect(security.hasAttributeNS(soapNs, "mustUnderstand")).toBe(false);
      expect(childElements(security).map((e) => e.localName)).toEqual([
        "Assertion",
        "BinarySecurityToken",
        "Timestamp",
        "Signature",
      ]);

      const assertion = findChild(security, wsNamespaces.saml2, "Assertion")!;
      expect(assertion.getAttribute("Version")).toBe("2.0");
      expect(assertion.getAttribute("ID")).toMatch(/^_[0-9a-f]{32}$/);
      expect(findChild(assertion, wsNamespaces.saml2, "Issuer")!.textContent).toBe("OPERATORE-022205");
      // Signed by default: an enveloped signature right after the Issuer, as the SAML schema wants,
      // with the workstation certificate in its KeyInfo (italia/anpr #2437, #2572).
      expect(childElements(assertion).map((e) => e.localName)).toEqual([
        "Issuer",
        "Signature",
        "Subject",
        "Conditions",
        "AuthnStatement",
        "AttributeStatement",
      ]);
      const assertionSignature = findChild(assertion, wsNamespaces.ds, "Signature")!;
      expect(
        findDescendants(assertionSignature, wsNamespaces.ds, "Reference").map((r) => r.getAttribute("URI")),
      ).toEqual([`#${assertion.getAttribute("ID")}`]);
      expect(
        findDescendants(assertionSignature, wsNamespaces.ds, "Transform").map((t) => t.getAttribute("Algorithm")),
      ).toEqual(["http://www.w3.org/2000/09/xmldsig#enveloped-signature", "http://www.w3.org/2001/10/xml-exc-c14n#"]);
      expect(findDescendants(assertionSignature, wsNamespaces.ds, "X509Certificate")[0]!.textContent).toBe(
        credentials.certificateDerBase64,
      );
      const subject = findChild(assertion, wsNamespaces.saml2, "Subject")!;
      expect(findChild(subject, wsNamespaces.saml2, "NameID")!.textContent).toBe("OPERATORE-022205");
      expect(findChild(subject, wsNamespaces.saml2, "SubjectConfirmation")!.getAttribute("Method")).toBe(
        "urn:oasis:names:tc:SAML:2.0:cm:bearer",
      );
      const conditions = findChild(assertion, wsNamespaces.saml2, "Conditions")!;
      expect(
        Date.parse(conditions.getAttribute("NotOnOrAfter")!) - Date.parse(conditions.getAttribute("NotBefore")!),
      ).toBe(3600_000);
      expect(findChild(assertion, wsNamespaces.saml2, "AuthnStatement")).toBeDefined();
      const attributes = findDescendants(assertion, wsNamespaces.saml2, "Attribute").map((a) => [
        a.getAttribute("Name"),
        a.textContent,
      ]);
      expect(attributes).toEqual([
        ["IdSede", "022205"],
        ["IdPostazione", "POST-022205-01"],
        ["IdPostazioneFirmato", signerOptions.idPostazioneFirmato],
        ["IdApplicazione", "NOVABOX"],
      ]);

      const token = findChild(security, wsNamespaces.wsse, "BinarySecurityToken")!;
      expect(token.getAttribute("ValueType")).toMatch(/#X509v3$/);
      expect(token.getAttribute("EncodingType")).toMatch(/#Base64Binary$/);
      expect(token.textContent).toBe(credentials.certificateDerBase64);
      const timestamp = findChild(security, wsNamespaces.wsu, "Timestamp")!;
      const created = Date.parse(findChild(timestamp, wsNamespaces.wsu, "Created")!.textContent!);
      expect(Date.parse(findChild(timestamp, wsNamespaces.wsu, "Expires")!.textContent!) - created).toBe(300_000);

      const signature = findChild(security, wsNamespaces.ds, "Signature")!;
      const body = findChild(doc.documentElement!, soapNs, "Body")!;
      const uris = findDescendants(signature, wsNamespaces.ds, "Reference").map((r) => r.getAttribute("URI"));
      expect(uris).toEqual([
        `#${timestamp.getAttributeNS(wsNamespaces.wsu, "Id")}`,
        `#${body.getAttributeNS(wsNamespaces.wsu, "Id")}`,
      ]);
      expect(findDescendants(signature, wsNamespaces.ds, "CanonicalizationMethod")[0]!.getAttribute("Algorithm")).toBe(
        "http://www.w3.org/2001/10/xml-exc-c14n#",
      );
      expect(findDescendants(signature, wsNamespaces.ds, "SignatureMethod")[0]!.getAttribute("Algorithm")).toBe(
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
      );
      const reference = findDescendants(signature, wsNamespaces.wsse, "Reference")[0]!;
      expect(reference.getAttribute("URI")).toBe(`#${token.getAttributeNS(wsNamespaces.wsu, "Id")}`);
      expect(findDescendants(signature, wsNamespaces.ds, "X509Data")).toHaveLength(0);
    });

    it.each(["rsa-sha256", "rsa-sha1"] as const)("produces %s signatures that xmlsec1 verifies", (algorithm) => {
      const xml = createWsSecuritySigner({ ...signerOptions, algorithm }).secure(envelope());
      const result = xmlsecVerify(xml, `signed-${algorithm}.xml`);
      expect(result.stderr).toContain("SignedInfo References (ok/all): 2/2");
      expect(result.status).toBe(0);
      const assertionResult = xmlsecVerifyAssertion(xml, `assertion-${algorithm}.xml`);
      expect(assertionResult.stderr).toContain("SignedInfo References (ok/all): 1/1");
      expect(assertionResult.status).toBe(0);
      const digest =
        algorithm === "rsa-sha1" ? "http://www.w3.org/2000/09/xmldsig#sha1" : "http://www.w3.org/2001/04/xmlenc#sha256";
      const methods = findDescendants(parseXmlSafe(xml), wsNamespaces.ds, "DigestMethod").map((m) =>
        m.getAttribute("Algorithm"),
      );
      expect(methods).toEqual([digest, digest, digest]);
      expect(verifyWsSecurity(xml, trust()).signatureAlgorithm).toBe(algorithm);

      const tampered = xmlsecVerify(xml.replace("SPERANZA", "ROSSI"), `tampered-${algorithm}.xml`);
      expect(tampered.status).not.toBe(0);
      const tamperedAssertion = xmlsecVerifyAssertion(
        xml.replace(">POST-022205-01<", ">POST-022205-99<"),
        `tampered-assertion-${algorithm}.xml`,
      );
      expect(tamperedAssertion.status).not.toBe(0);
    });

    it("handles any SOAP prefix, a missing Header and a default namespace", () => {
      const variants = [
        envelope("S", ""),
        envelope("soapenv", "<soapenv:Header><tns:other>x</tns:other></soapenv:Header>"),
        `<Envelope xmlns="${soapNs}"><Body>${richiesta}</Body></Envelope>`,
      ];
      for (const [i, input] of variants.entries()) {
        const xml = signer.secure(input);
        expect(xmlsecVerify(xml, `variant-${i}.xml`).status).toBe(0);
        expect(xmlsecVerifyAssertion(xml, `variant-assertion-${i}.xml`).status).toBe(0);
        expect(verifyWsSecurity(xml, trust()).bodyElement.localName).toBe("Richiesta6001");
      }
      expect(signer.secure(envelope("S", ""))).toContain("<S:Header><wsse:Security");
    });

    it("refuses what is not a SOAP 1.1 envelope, or is already secured", () => {
      expect(errorOf(() => signer.secure(richiesta))).toMatchObject({ reason: "SOAP_ENVELOPE_INVALID" });
      expect(
        errorOf(() =>
          signer.secure(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body/></s:Envelope>`),
        ),
      ).toBeInstanceOf(SoapEnvelopeError);
      expect(errorOf(() => signer.secure(signed))).toMatchObject({ reason: "SECURITY_HEADER_PRESENT" });
      expect(errorOf(() => signer.secure("<not xml"))).toMatchObject({ reason: "XML_MALFORMED" });
    });
  });

  describe("verifyWsSecurity", () => {
    it("accepts a signed envelope and returns only what was signed", () => {
      const verified = verifyWsSecurity(signed, trust());
      expect(verified.signatureAlgorithm).toBe("rsa-sha256");
      expect(verified.certificatePem).toBe(credentials.certificatePem);
      expect(verified.certificate.fingerprintSha256).toBe(credentials.fingerprintSha256);
      expect(verified.saml).toEqual({
        nameId: "OPERATORE-022205",
        issuer: "OPERATORE-022205",
        attributes: {
          IdSede: "022205",
          IdPostazione: "POST-022205-01",
          IdPostazioneFirmato: signerOptions.idPostazioneFirmato,
          IdApplicazione: "NOVABOX",
        },
        signed: true,
      });
      expect(verified.timestamp.expires.getTime() - verified.timestamp.created.getTime()).toBe(300_000);
      expect(verified.bodyElement.localName).toBe("Richiesta6001");
      expect(verified.bodyElement.ownerDocument).not.toBe(undefined);
      expect(verified.bodyXml).toContain('<ns2:Richiesta6001 xmlns:ns2="http://sogei.it/ANPR/6001certificazione">');
      expect(verified.bodyXml).toContain("<cognome>SPERANZA</cognome>");
    });

    it("refuses a changed Body or Timestamp with SIGNATURE_INVALID", () => {
      const body = errorOf(() => verifyWsSecurity(signed.replace("SPERANZA", "ROSSI"), trust()));
      expect(body).toBeInstanceOf(WsSecurityError);
      expect(body).toMatchObject({ kind: "unauthenticated", reason: "SIGNATURE_INVALID" });
      const stretched = edit(signed, (doc) => {
        const expires = findDescendants(doc, wsNamespaces.wsu, "Expires")[0]!;
        expires.textContent = new Date(Date.now() + 86_400_000).toISOString();
      });
      expect(errorOf(() => verifyWsSecurity(stretched, trust()))).toMatchObject({ reason: "SIGNATURE_INVALID" });
    });

    it("refuses an expired Timestamp with TIMESTAMP_EXPIRED and a future one with TIMESTAMP_INVALID", () => {
      const old = createWsSecuritySigner({ ...signerOptions, now: () => new Date(Date.now() - 10 * 60_000) }).secure(
        envelope(),
      );
      expect(errorOf(() => verifyWsSecurity(old, trust()))).toMatchObject({ reason: "TIMESTAMP_EXPIRED" });
      expect(
        errorOf(() => verifyWsSecurity(signed, { ...trust(), now: new Date(Date.now() + 6 * 60_000) })),
      ).toMatchObject({ reason: "TIMESTAMP_EXPIRED" });
      expect(
        verifyWsSecurity(signed, { ...trust(), now: new Date(Date.now() + 5 * 60_000 + 30_000) }).saml,
      ).toBeDefined();
      expect(
        errorOf(() => verifyWsSecurity(signed, { ...trust(), now: new Date(Date.now() - 2 * 60_000) })),
      ).toMatchObject({ reason: "TIMESTAMP_INVALID" });
    });

    it("refuses an envelope without Security header or Timestamp", () => {
      expect(errorOf(() => verifyWsSecurity(envelope(), trust()))).toMatchObject({ reason: "SECURITY_HEADER_MISSING" });
      expect(errorOf(() => verifyWsSecurity(envelope("s", ""), trust()))).toMatchObject({
        reason: "SECURITY_HEADER_MISSING",
      });
      const noTimestamp = edit(signed, (doc) => {
        const ts = findDescendants(doc, wsNamespaces.wsu, "Timestamp")[0]!;
        ts.parentNode!.removeChild(ts);
      });
      expect(errorOf(() => verifyWsSecurity(noTimestamp, trust()))).toMatchObject({ reason: "TIMESTAMP_MISSING" });
    });

    it("refuses a certificate from an untrusted CA with CERTIFICATE_UNTRUSTED", () => {
      const xml = createWsSecuritySigner({
        ...signerOptions,
        credentials: foreign,
        idPostazioneFirmato: signIdPostazione(foreign, "POST-022205-01"),
      }).secure(envelope());
      expect(errorOf(() => verifyWsSecurity(xml, trust()))).toMatchObject({ reason: "CERTIFICATE_UNTRUSTED" });
      expect(
        errorOf(() =>
          verifyWsSecurity(signed, {
            ...trust(),
            now: new Date(Date.now() + 20 * 86_400_000),
            maxClockSkewSeconds: 100 * 86_400,
          }),
        ),
      ).toMatchObject({
        reason: "CERTIFICATE_UNTRUSTED",
      });
    });

    it("never trusts a certificate embedded in KeyInfo, only the referenced BinarySecurityToken", () => {
      const attacker = createWsSecuritySigner({ ...signerOptions, credentials: foreign }).secure(envelope());
      const forged = edit(attacker, (doc) => {
        findDescendants(doc, wsNamespaces.wsse, "BinarySecurityToken")[0]!.textContent =
          credentials.certificateDerBase64;
      });
      expect(errorOf(() => verifyWsSecurity(forged, trust()))).toMatchObject({ reason: "SIGNATURE_INVALID" });
      const withX509Data = edit(attacker, (doc) => {
        const keyInfo = findDescendants(doc, wsNamespaces.ds, "KeyInfo")[0]!;
        const data = doc.createElementNS(wsNamespaces.ds, "ds:X509Data");
        const cert = doc.createElementNS(wsNamespaces.ds, "ds:X509Certificate");
        cert.textContent = foreign.certificateDerBase64;
        data.appendChild(cert);
        keyInfo.appendChild(data);
        findDescendants(doc, wsNamespaces.wsse, "BinarySecurityToken")[0]!.textContent =
          credentials.certificateDerBase64;
      });
      expect(errorOf(() => verifyWsSecurity(withX509Data, trust()))).toMatchObject({ reason: "SIGNATURE_INVALID" });
    });

    it("refuses an envelope without SAML assertion with SAML_MISSING (or accepts it when not required)", () => {
      const noSaml = edit(signed, (doc) => {
        const assertion = findDescendants(doc, wsNamespaces.saml2, "Assertion")[0]!;
        assertion.parentNode!.removeChild(assertion);
      });
      expect(errorOf(() => verifyWsSecurity(noSaml, trust()))).toMatchObject({ reason: "SAML_MISSING" });
      const verified = verifyWsSecurity(noSaml, { ...trust(), requireSaml: false });
      expect(verified.saml).toBeUndefined();
    });

    it("refuses SAML attributes that were changed in transit (SAML_SIGNATURE_INVALID, or SAML_INVALID when unsigned)", () => {
      const swap = (xml: string) =>
        edit(xml, (doc) => {
          const attribute = findDescendants(doc, wsNamespaces.saml2, "Attribute").find(
            (a) => a.getAttribute("Name") === "IdPostazione",
          )!;
          findChild(attribute, wsNamespaces.saml2, "AttributeValue")!.textContent = "POST-022205-99";
        });
      expect(errorOf(() => verifyWsSecurity(swap(signed), trust()))).toMatchObject({
        reason: "SAML_SIGNATURE_INVALID",
      });
      // Even where unsigned assertions are tolerated, IdPostazioneFirmato still binds IdPostazione to the key.
      const unsignedSigner = createWsSecuritySigner({ ...signerOptions, signAssertion: false });
      expect(
        errorOf(() =>
          verifyWsSecurity(swap(unsignedSigner.secure(envelope())), { ...trust(), requireSignedAssertion: false }),
        ),
      ).toMatchObject({ reason: "SAML_INVALID" });
      const missing = edit(unsignedSigner.secure(envelope()), (doc) => {
        const attribute = findDescendants(doc, wsNamespaces.saml2, "Attribute").find(
          (a) => a.getAttribute("Name") === "IdApplicazione",
        )!;
        attribute.parentNode!.removeChild(attribute);
      });
      const err = errorOf(() => verifyWsSecurity(missing, { ...trust(), requireSignedAssertion: false }));
      expect(err).toMatchObject({ reason: "SAML_INVALID" });
      expect(err.message).toContain("IdApplicazione");
      const stale = createWsSecuritySigner({ ...signerOptions, samlValiditySeconds: 1 }).secure(envelope());
      expect(errorOf(() => verifyWsSecurity(stale, { ...trust(), now: new Date(Date.now() + 120_000) }))).toMatchObject(
        { reason: "SAML_INVALID" },
      );
    });

    it("refuses signature wrapping: the signed Body moved into the header and another Body in its place", () => {
      const moved = edit(signed, (doc) => {
        const envelopeElement = doc.documentElement!;
        const body = findChild(envelopeElement, soapNs, "Body")!;
        const wrapper = doc.createElementNS("urn:attacker", "x:Wrapper");
        findChild(envelopeElement, soapNs, "Header")!.appendChild(wrapper);
        envelopeElement.removeChild(body);
        wrapper.appendChild(body);
        const evil = doc.createElementNS(soapNs, "soap:Body");
        evil.appendChild(parseXmlSafe(richiesta.replace("SPERANZA", "ROSSI")).documentElement!.cloneNode(true));
        envelopeElement.appendChild(evil);
      });
      expect(errorOf(() => verifyWsSecurity(moved, trust()))).toMatchObject({ reason: "SIGNATURE_REFERENCES_INVALID" });

      const sameId = edit(moved, (doc) => {
        const bodies = findDescendants(doc, soapNs, "Body");
        const id = bodies[0]!.getAttributeNS(wsNamespaces.wsu, "Id")!;
        bodies[1]!.setAttributeNS(wsNamespaces.wsu, "wsu:Id", id);
      });
      expect(errorOf(() => verifyWsSecurity(sameId, trust()))).toMatchObject({
        reason: "SIGNATURE_REFERENCES_INVALID",
      });
    });

    it("refuses extra signatures, extra references and comments in the signature", () => {
      const twoSignatures = edit(signed, (doc) => {
        const signature = findDescendants(doc, wsNamespaces.ds, "Signature")[0]!;
        findChild(doc.documentElement!, soapNs, "Header")!.appendChild(signature.cloneNode(true));
      });
      expect(errorOf(() => verifyWsSecurity(twoSignatures, trust()))).toMatchObject({
        reason: "SIGNATURE_REFERENCES_INVALID",
      });

      const threeReferences = edit(signed, (doc) => {
        const reference = findDescendants(securityOf(doc), wsNamespaces.ds, "Reference").find(
          (r) => r.parentNode!.parentNode!.parentNode === securityOf(doc),
        )!;
        const copy = reference.cloneNode(true) as Element;
        const assertion = findDescendants(doc, wsNamespaces.saml2, "Assertion")[0]!;
        copy.setAttribute("URI", `#${assertion.getAttribute("ID")}`);
        reference.parentNode!.appendChild(copy);
      });
      expect(errorOf(() => verifyWsSecurity(threeReferences, trust()))).toMatchObject({
        reason: "SIGNATURE_REFERENCES_INVALID",
      });

      const commented = edit(signed, (doc) => {
        const digest = findDescendants(
          findChild(securityOf(doc), wsNamespaces.ds, "Signature")!,
          wsNamespaces.ds,
          "DigestValue",
        )[0]!;
        digest.appendChild(doc.createComment("x"));
      });
      expect(errorOf(() => verifyWsSecurity(commented, trust()))).toMatchObject({ reason: "SIGNATURE_INVALID" });
    });

    it("requires the assertion's own signature (SAML_UNSIGNED) unless told otherwise, and verifies it against the message's certificate", () => {
      const unsigned = createWsSecuritySigner({ ...signerOptions, signAssertion: false }).secure(envelope());
      expect(findDescendants(parseXmlSafe(unsigned), wsNamespaces.ds, "Signature")).toHaveLength(1);
      expect(errorOf(() => verifyWsSecurity(unsigned, trust()))).toMatchObject({
        reason: "SAML_UNSIGNED",
        kind: "unauthenticated",
      });
      expect(verifyWsSecurity(unsigned, { ...trust(), requireSignedAssertion: false }).saml).toMatchObject({
        nameId: "OPERATORE-022205",
        signed: false,
      });

      // The assertion signed by another key (here: another workstation's) is refused, whatever its KeyInfo says.
      const foreignAssertion = findDescendants(
        parseXmlSafe(createWsSecuritySigner({ ...signerOptions, credentials: foreign }).secure(envelope())),
        wsNamespaces.saml2,
        "Assertion",
      )[0]!;
      const swappedAssertion = edit(signed, (doc) => {
        const security = securityOf(doc);
        const own = findChild(security, wsNamespaces.saml2, "Assertion")!;
        security.replaceChild(doc.importNode(foreignAssertion, true), own);
      });
      const swapErr = errorOf(() => verifyWsSecurity(swappedAssertion, trust()));
      expect(swapErr).toMatchObject({ reason: "SAML_SIGNATURE_INVALID" });
      expect(swapErr.message).toContain("another certificate");
      const keyInfoRemoved = edit(swappedAssertion, (doc) => {
        const keyInfo = findDescendants(
          findChild(securityOf(doc), wsNamespaces.saml2, "Assertion")!,
          wsNamespaces.ds,
          "KeyInfo",
        )[0]!;
        keyInfo.parentNode!.removeChild(keyInfo);
      });
      expect(errorOf(() => verifyWsSecurity(keyInfoRemoved, trust()))).toMatchObject({
        reason: "SAML_SIGNATURE_INVALID",
      });

      const twoInAssertion = edit(signed, (doc) => {
        const assertion = findChild(securityOf(doc), wsNamespaces.saml2, "Assertion")!;
        assertion.appendChild(findChild(assertion, wsNamespaces.ds, "Signature")!.cloneNode(true));
      });
      expect(errorOf(() => verifyWsSecurity(twoInAssertion, trust()))).toMatchObject({
        reason: "SIGNATURE_REFERENCES_INVALID",
      });
    });

    it("refuses a DOCTYPE (entities) and malformed XML before looking at the signature", () => {
      const withEntity = signed
        .replace(
          '<?xml version="1.0" encoding="UTF-8"?>',
          '<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE e [<!ENTITY x "SPERANZA">]>',
        )
        .replace("SPERANZA", "&x;");
      const err = errorOf(() => verifyWsSecurity(withEntity, trust()));
      expect(err).toBeInstanceOf(XmlError);
      expect(err).toMatchObject({ reason: "XML_DOCTYPE_FORBIDDEN", kind: "invalid-input" });
      const external = `<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>`;
      expect(errorOf(() => parseXmlSafe(external))).toMatchObject({ reason: "XML_DOCTYPE_FORBIDDEN" });
      expect(errorOf(() => verifyWsSecurity(signed.slice(0, -20), trust()))).toMatchObject({ reason: "XML_MALFORMED" });
      expect(errorOf(() => parseXmlSafe("<a><b></a>"))).toMatchObject({ reason: "XML_MALFORMED" });
      expect(errorOf(() => parseXmlSafe("<a x=1/>"))).toMatchObject({ reason: "XML_MALFORMED" });
    });
  });
});
