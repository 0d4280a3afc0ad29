/**
 * WS-Security for ANPR SOAP 1.1 messages, as GovWay's ANPR profile sends them (WSS4J actions
 * "SAMLTokenUnsigned Timestamp Signature", mustUnderstand false): a `wsse:Security` header with
 *
 * 1. a SAML 2.0 assertion (Issuer and NameID = operator id, bearer confirmation, Conditions,
 *    AuthnStatement, attributes IdSede, IdPostazione, IdPostazioneFirmato, IdApplicazione), itself
 *    signed with the workstation key by an enveloped signature (exclusive c14n, KeyInfo with the
 *    workstation certificate), as every published ANPR request does (italia/anpr #2437, #2572,
 *    #3285, #700, #2504), as the official Java client's `SAML2CallbackHandler` does and as GovWay's
 *    ANPR profile sets (`openspcoop2.saml.assertion.sign=true`). Apache WSS4J's stock SAML
 *    validator refuses an unsigned bearer assertion, so an unsigned one is only sent on request;
 * 2. a BinarySecurityToken with the workstation certificate (X509v3, Base64Binary);
 * 3. a wsu:Timestamp (Created, Expires);
 * 4. an XML signature (exclusive c14n, RSA-SHA256 / SHA-256 by default, RSA-SHA1 / SHA-1 as in
 *    `policy-X509v3.xml` on request) over the SOAP Body and the Timestamp, whose KeyInfo is a
 *    SecurityTokenReference pointing at the BinarySecurityToken (DirectReference).
 *
 * Signing and verifying use xml-crypto. Verification is defensive against the known xml-crypto
 * pitfalls (signature wrapping, several references or signatures, comments inside signature values,
 * trusting a certificate embedded in KeyInfo): the structure is checked before the cryptography,
 * the key comes only from the referenced BinarySecurityToken, and every value returned is read from
 * the bytes xml-crypto verified, never from the received document.
 */
import { randomUUID, X509Certificate } from "node:crypto";
import type { Document, Element, Node } from "@xmldom/xmldom";
import { SignedXml } from "xml-crypto";
import { DomainError } from "#shared/runtime/domain-error.js";
import { verifyIdPostazioneFirmato } from "./cms.js";
import {
  describeCertificate,
  parseCertificates,
  verifyCertificateChain,
  type CertificateInfo,
  type WorkstationCredentials,
} from "./pki.js";
import { childElements, findChild, findDescendants, isElement, parseXmlSafe, serializeXml, textOf } from "./xml.js";

/** The namespaces of a secured ANPR envelope. */
export const wsNamespaces = {
  soap11: "http://schemas.xmlsoap.org/soap/envelope/",
  wsse: "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd",
  wsu: "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd",
  ds: "http://www.w3.org/2000/09/xmldsig#",
  saml2: "urn:oasis:names:tc:SAML:2.0:assertion",
  xsi: "http://www.w3.org/2001/XMLSchema-instance",
  xsd: "http://www.w3.org/2001/XMLSchema",
  xmlns: "http://www.w3.org/2000/xmlns/",
} as const;

const tokenProfile = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3";
const base64Binary = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary";
const excC14n = "http://www.w3.org/2001/10/xml-exc-c14n#";
const envelopedSignature = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
const unspecifiedNameId = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";
const unspecifiedAttrName = "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified";
const bearer = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
const unspecifiedAuthnContext = "urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified";

/** The two algorithm suites a signer can use. */
export type WsSignatureAlgorithm = "rsa-sha256" | "rsa-sha1";

const suites: Record<WsSignatureAlgorithm, { signature: string; digest: string }> = {
  "rsa-sha256": {
    signature: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    digest: "http://www.w3.org/2001/04/xmlenc#sha256",
  },
  "rsa-sha1": {
    signature: "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
    digest: "http://www.w3.org/2000/09/xmldsig#sha1",
  },
};

/** The SAML attributes ANPR requires, in the order GovWay sends them. */
export const requiredSamlAttributes = ["IdSede", "IdPostazione", "IdPostazioneFirmato", "IdApplicazione"] as const;

/** Why an envelope could not be secured or read as SOAP 1.1. */
export type SoapEnvelopeErrorReason = "SOAP_ENVELOPE_INVALID" | "SECURITY_HEADER_PRESENT";

/** The input is not a SOAP 1.1 envelope we can secure or verify (kind `invalid-input`). */
export class SoapEnvelopeError extends DomainError {
  declare readonly reason: SoapEnvelopeErrorReason;

  constructor(reason: SoapEnvelopeErrorReason, message: string) {
    super("invalid-input", message, { reason });
  }
}

/** Why a secured envelope was refused by {@link verifyWsSecurity}. */
export type WsSecurityErrorReason =
  | "SECURITY_HEADER_MISSING"
  | "SIGNATURE_INVALID"
  | "SIGNATURE_REFERENCES_INVALID"
  | "TIMESTAMP_MISSING"
  | "TIMESTAMP_EXPIRED"
  | "TIMESTAMP_INVALID"
  | "CERTIFICATE_UNTRUSTED"
  | "SAML_MISSING"
  | "SAML_INVALID"
  | "SAML_UNSIGNED"
  | "SAML_SIGNATURE_INVALID";

/**
 * The sender of an envelope could not be authenticated (kind `unauthenticated`). `reason` says
 * which rule failed; the message explains it without echoing the envelope.
 */
export class WsSecurityError extends DomainError {
  declare readonly reason: WsSecurityErrorReason;

  constructor(reason: WsSecurityErrorReason, message: string, cause?: unknown) {
    super("unauthenticated", message, { reason, cause });
  }
}

// Anchored paths: xml-crypto evaluates them with the (slow) xpath package, and `//*[@Id=...]`
// scans cost a millisecond each on a secured envelope.
const securityXPath = `/*/*[local-name(.)='Header' and namespace-uri(.)='${wsNamespaces.soap11}']/*[local-name(.)='Security' and namespace-uri(.)='${wsNamespaces.wsse}']`;
const timestampXPath = `${securityXPath}/*[local-name(.)='Timestamp' and namespace-uri(.)='${wsNamespaces.wsu}']`;
const bodyXPath = `/*/*[local-name(.)='Body' and namespace-uri(.)='${wsNamespaces.soap11}']`;

/** Options for {@link createWsSecuritySigner}. */
export interface WsSecuritySignerOptions {
  /** The workstation key and certificate (from {@link loadWorkstationCredentials}). */
  credentials: WorkstationCredentials;
  /** The operator id: SAML Issuer and NameID (GovWay `IdOperatore`). */
  operatorId: string;
  /** SAML attribute IdSede (the Comune's ISTAT code). */
  sedeId: string;
  /** SAML attribute IdPostazione. */
  postazioneId: string;
  /** SAML attribute IdApplicazione. */
  applicationId: string;
  /** SAML attribute IdPostazioneFirmato, computed once with {@link signIdPostazione}. */
  idPostazioneFirmato: string;
  /** Signature suite; default `rsa-sha256` (GovWay), `rsa-sha1` for the Basic128Rsa15 policy. */
  algorithm?: WsSignatureAlgorithm;
  /** Timestamp lifetime; default 300 s (GovWay `timeToLive`). */
  timestampTtlSeconds?: number;
  /** SAML Conditions lifetime; default 3600 s (GovWay `notOnOrAfter.minutes` = 60). */
  samlValiditySeconds?: number;
  /**
   * Sign the SAML assertion itself (enveloped signature, exclusive c14n, KeyInfo with the
   * workstation certificate); default true, as ANPR's published requests and the official client
   * do. `false` sends it unsigned (the old GovWay "SAMLTokenUnsigned" action), which WSS4J-based
   * receivers refuse.
   */
  signAssertion?: boolean;
  /** Clock; default `() => new Date()`. */
  now?: () => Date;
}

/** Adds WS-Security to SOAP envelopes; see {@link createWsSecuritySigner}. */
export interface WsSecuritySigner {
  /**
   * Returns `envelopeXml` with a `wsse:Security` header (SAML assertion, BinarySecurityToken,
   * Timestamp, Signature over Body and Timestamp) and a `wsu:Id` on the Body. Throws
   * {@link SoapEnvelopeError} when the input is not a SOAP 1.1 envelope with a Body, or already
   * has a Security header.
   */
  secure(envelopeXml: string): string;
}

/**
 * Creates a signer bound to one workstation identity. Everything that does not change per message
 * (key, certificate, SAML attribute values) is prepared here; each `secure()` call costs two XML
 * parses, one exclusive canonicalization per reference and one RSA signature with node:crypto.
 * Works with any prefix for the SOAP 1.1 namespace; a missing soap:Header is created.
 */
export function createWsSecuritySigner(options: WsSecuritySignerOptions): WsSecuritySigner {
  const samlMs = (options.samlValiditySeconds ?? 3600) * 1000;
  const operatorId = escapeXml(options.operatorId);
  const attributes = [
    ["IdSede", options.sedeId],
    ["IdPostazione", options.postazioneId],
    ["IdPostazioneFirmato", options.idPostazioneFirmato],
    ["IdApplicazione", options.applicationId],
  ]
    .map(
      ([name, value]) =>
        `<saml2:Attribute Name="${name}" NameFormat="${unspecifiedAttrName}"><saml2:AttributeValue xsi:type="xsd:string">${escapeXml(value!)}</saml2:AttributeValue></saml2:Attribute>`,
    )
    .join("");
  const signAssertion = options.signAssertion ?? true;
  const suite = suites[options.algorithm ?? "rsa-sha256"];
  const assertionXml = (instant: Date, created: string, suffix: string) =>
    `<saml2:Assertion xmlns:saml2="${wsNamespaces.saml2}" xmlns:xsd="${wsNamespaces.xsd}" xmlns:xsi="${wsNamespaces.xsi}" ID="_${suffix.replace(/-/g, "")}" IssueInstant="${created}" Version="2.0">` +
    `<saml2:Issuer Format="${unspecifiedNameId}">${operatorId}</saml2:Issuer>` +
    `<saml2:Subject><saml2:NameID Format="${unspecifiedNameId}">${operatorId}</saml2:NameID><saml2:SubjectConfirmation Method="${bearer}"/></saml2:Subject>` +
    `<saml2:Conditions NotBefore="${created}" NotOnOrAfter="${new Date(instant.getTime() + samlMs).toISOString()}"/>` +
    `<saml2:AuthnStatement AuthnInstant="${created}"><saml2:AuthnContext><saml2:AuthnContextClassRef>${unspecifiedAuthnContext}</saml2:AuthnContextClassRef></saml2:AuthnContext></saml2:AuthnStatement>` +
    `<saml2:AttributeStatement>${attributes}</saml2:AttributeStatement>` +
    `</saml2:Assertion>`;
  return createSigner(options, (instant, created, suffix) => {
    const xml = assertionXml(instant, created, suffix);
    return signAssertion ? signAssertionXml(xml, options.credentials, suite) : xml;
  });
}

/**
 * Signs a standalone SAML assertion with an enveloped signature placed right after its Issuer (where
 * the SAML 2.0 schema puts ds:Signature): one reference to the assertion's `ID`, transforms
 * enveloped-signature + exclusive c14n, KeyInfo = X509Data with the signing certificate (what
 * WSS4J's `SamlAssertionWrapper.signAssertion` and OpenSAML produce). The assertion declares every
 * namespace it uses, so its canonical form does not depend on the envelope it is later put into.
 */
function signAssertionXml(
  assertionXml: string,
  credentials: Pick<WorkstationCredentials, "privateKey" | "certificateDerBase64">,
  suite: { signature: string; digest: string },
): string {
  const signer = new SignedXml({
    privateKey: credentials.privateKey,
    signatureAlgorithm: suite.signature,
    canonicalizationAlgorithm: excC14n,
    getKeyInfoContent: () =>
      `<ds:X509Data><ds:X509Certificate>${credentials.certificateDerBase64}</ds:X509Certificate></ds:X509Data>`,
  });
  signer.addReference({ xpath: "/*", transforms: [envelopedSignature, excC14n], digestAlgorithm: suite.digest });
  signer.computeSignature(assertionXml, {
    prefix: "ds",
    location: {
      reference: `/*/*[local-name(.)='Issuer' and namespace-uri(.)='${wsNamespaces.saml2}']`,
      action: "after",
    },
  });
  return signer.getSignedXml();
}

/** Options for {@link createWsSecurityAnswerSigner}: a key and certificate, no SAML identity. */
export interface WsSecurityAnswerSignerOptions {
  /** The signing key and its certificate (sent as the BinarySecurityToken). */
  credentials: Pick<WorkstationCredentials, "privateKey" | "certificateDerBase64">;
  algorithm?: WsSignatureAlgorithm;
  timestampTtlSeconds?: number;
  now?: () => Date;
}

/**
 * A signer for ANPR's side: the same BinarySecurityToken, Timestamp and Signature over Body and
 * Timestamp as {@link createWsSecuritySigner}, without a SAML assertion (answers carry none). The
 * client checks it with `requireSaml: false`.
 */
export function createWsSecurityAnswerSigner(options: WsSecurityAnswerSignerOptions): WsSecuritySigner {
  return createSigner(options);
}

type AssertionXml = (instant: Date, created: string, suffix: string) => string;

function createSigner(options: WsSecurityAnswerSignerOptions, assertion?: AssertionXml): WsSecuritySigner {
  const suite = suites[options.algorithm ?? "rsa-sha256"];
  const ttlMs = (options.timestampTtlSeconds ?? 300) * 1000;
  const now = options.now ?? (() => new Date());
  const privateKey = options.credentials.privateKey;
  const certificateBase64 = options.credentials.certificateDerBase64;

  return {
    secure(envelopeXml) {
      const doc = parseXmlSafe(envelopeXml);
      const { envelope, header: existingHeader, body } = soapParts(doc);
      if (existingHeader && findChild(existingHeader, wsNamespaces.wsse, "Security")) {
        throw new SoapEnvelopeError("SECURITY_HEADER_PRESENT", "the envelope already has a wsse:Security header");
      }
      const header =
        existingHeader ??
        envelope.insertBefore(doc.createElementNS(wsNamespaces.soap11, qualified(envelope.prefix, "Header")), body);

      const suffix = randomUUID();
      let bodyId = body.getAttributeNS(wsNamespaces.wsu, "Id");
      if (!bodyId) {
        bodyId = `id-${suffix}`;
        body.setAttributeNS(wsNamespaces.xmlns, "xmlns:wsu", wsNamespaces.wsu);
        body.setAttributeNS(wsNamespaces.wsu, "wsu:Id", bodyId);
      } else if (!/^[A-Za-z_][\w.-]*$/.test(bodyId)) {
        throw new SoapEnvelopeError("SOAP_ENVELOPE_INVALID", "the SOAP Body has a wsu:Id that is not a valid XML id");
      }
      const timestampId = `TS-${suffix}`;
      const tokenId = `X509-${suffix}`;

      const instant = now();
      const created = instant.toISOString();
      const samlXml = assertion ? assertion(instant, created, suffix) : "";
      const securityXml =
        `<wsse:Security xmlns:wsse="${wsNamespaces.wsse}" xmlns:wsu="${wsNamespaces.wsu}">` +
        samlXml +
        `<wsse:BinarySecurityToken EncodingType="${base64Binary}" ValueType="${tokenProfile}" wsu:Id="${tokenId}">${certificateBase64}</wsse:BinarySecurityToken>` +
        `<wsu:Timestamp wsu:Id="${timestampId}"><wsu:Created>${created}</wsu:Created><wsu:Expires>${new Date(instant.getTime() + ttlMs).toISOString()}</wsu:Expires></wsu:Timestamp>` +
        `</wsse:Security>`;
      const security = doc.importNode(parseXmlSafe(securityXml).documentElement!, true);
      header.insertBefore(security, header.firstChild);

      const keyInfo = `<wsse:SecurityTokenReference><wsse:Reference URI="#${tokenId}" ValueType="${tokenProfile}"/></wsse:SecurityTokenReference>`;
      const signer = new SignedXml({
        privateKey,
        signatureAlgorithm: suite.signature,
        canonicalizationAlgorithm: excC14n,
        idMode: "wssecurity",
        getKeyInfoContent: () => keyInfo,
      });
      for (const xpath of [timestampXPath, bodyXPath]) {
        signer.addReference({ xpath, transforms: [excC14n], digestAlgorithm: suite.digest });
      }
      signer.computeSignature(serializeXml(doc), {
        prefix: "ds",
        location: { reference: securityXPath, action: "append" },
        existingPrefixes: { wsse: wsNamespaces.wsse },
      });
      return signer.getSignedXml();
    },
  };
}

/** Options for {@link createWsSecurityVerifier}. */
export interface WsSecurityVerifierOptions {
  /** CA certificates (PEM, bundles allowed) the signing certificate must chain to. */
  trustedCaPem: string[];
  /** Tolerated clock difference for Timestamp and SAML Conditions; default 60 s. */
  maxClockSkewSeconds?: number;
  /** Refuse envelopes without a SAML assertion (`SAML_MISSING`); default true. */
  requireSaml?: boolean;
  /**
   * Check that IdPostazioneFirmato is a CMS signature of IdPostazione made with the very
   * certificate that signed the envelope (binds the SAML attribute to the key); default true.
   */
  checkIdPostazioneFirmato?: boolean;
  /**
   * Refuse an assertion that does not carry its own enveloped signature (`SAML_UNSIGNED`); default
   * true, as WSS4J's stock validator does for bearer assertions. A present signature is always
   * verified, whatever this says.
   */
  requireSignedAssertion?: boolean;
}

/** Options for {@link verifyWsSecurity}: the verifier's options plus the instant to check at. */
export interface VerifyWsSecurityOptions extends WsSecurityVerifierOptions {
  /** The instant timestamps, assertion and certificate must be valid at; default now. */
  now?: Date;
}

/** The SAML facts of a verified envelope. */
export interface VerifiedSaml {
  /** The Subject NameID (operator id). */
  nameId: string;
  /** The Issuer (operator id in the GovWay profile). */
  issuer: string;
  /** Attribute name → value (several values joined with ","). */
  attributes: Record<string, string>;
  /** Whether the assertion carried its own signature (verified against the message's certificate). */
  signed: boolean;
}

/** What {@link verifyWsSecurity} proves about an envelope. */
export interface VerifiedEnvelope {
  /** The signing certificate (from the BinarySecurityToken), PEM. */
  certificatePem: string;
  /** Subject, fingerprint and validity of that certificate. */
  certificate: CertificateInfo;
  signatureAlgorithm: WsSignatureAlgorithm;
  /** The signed Timestamp. */
  timestamp: { created: Date; expires: Date };
  /** The SAML assertion's facts; absent only when `requireSaml` is false and there is none. */
  saml?: VerifiedSaml;
  /**
   * The first element child of the signed Body, in a fresh document parsed from the exact bytes
   * whose digest was verified (never a node of the received document).
   */
  bodyElement: Element;
  /** `bodyElement` serialized (namespace declarations included), e.g. for XSD validation. */
  bodyXml: string;
}

/** Verifies secured envelopes; see {@link createWsSecurityVerifier}. */
export interface WsSecurityVerifier {
  /**
   * Verifies one envelope at `options.now` (default now); see {@link verifyWsSecurity}.
   * `options.document` is `envelopeXml` already parsed with `parseXmlSafe` by the caller (the box
   * reads an answer's SOAP Fault before it verifies), so the envelope is not parsed twice; it must
   * be that very string's parse and must not have been changed. The signature is still checked
   * over `envelopeXml`'s bytes and everything returned comes from the signed bytes, as without it.
   */
  verify(envelopeXml: string, options?: { now?: Date; document?: Document }): VerifiedEnvelope;
}

/**
 * Creates a verifier for envelopes in the profile {@link createWsSecuritySigner} produces (what the
 * ANPR simulator receives from a Novabox); the rules are listed on {@link verifyWsSecurity}. Other
 * WS-Security stacks are accepted when they keep to the same profile (DirectReference token
 * reference, exclusive c14n). Trust anchors are parsed once here, and checked IdPostazioneFirmato
 * values are cached (they repeat on every message of a workstation), so keep one verifier per
 * process rather than calling {@link verifyWsSecurity} in a hot path.
 */
export function createWsSecurityVerifier(options: WsSecurityVerifierOptions): WsSecurityVerifier {
  const skewMs = (options.maxClockSkewSeconds ?? 60) * 1000;
  const requireSaml = options.requireSaml ?? true;
  const checkFirmato = options.checkIdPostazioneFirmato ?? true;
  const requireSignedAssertion = options.requireSignedAssertion ?? true;
  const trusted = parseCertificates(options.trustedCaPem);
  const firmatoCache = new Map<string, string>();

  const checkIdPostazioneFirmato = (firmato: string, certificatePem: string, fingerprint: string): string => {
    const key = `${fingerprint}|${firmato}`;
    const cached = firmatoCache.get(key);
    if (cached !== undefined) return cached;
    const { content } = verifyIdPostazioneFirmato(firmato, certificatePem);
    if (firmatoCache.size >= 256) firmatoCache.delete(firmatoCache.keys().next().value!);
    firmatoCache.set(key, content);
    return content;
  };

  return {
    verify(envelopeXml, verifyOptions = {}) {
      const now = verifyOptions.now ?? new Date();
      const doc = verifyOptions.document ?? parseXmlSafe(envelopeXml);
      const { header, body } = soapParts(doc);
      const securityHeaders = header ? childElements(header, wsNamespaces.wsse, "Security") : [];
      if (securityHeaders.length === 0)
        throw new WsSecurityError("SECURITY_HEADER_MISSING", "the envelope has no wsse:Security header");
      if (securityHeaders.length > 1)
        throw new WsSecurityError(
          "SIGNATURE_REFERENCES_INVALID",
          "the envelope has more than one wsse:Security header",
        );
      const security = securityHeaders[0]!;

      const ids = indexIds(doc);
      const timestamps = childElements(security, wsNamespaces.wsu, "Timestamp");
      if (timestamps.length === 0)
        throw new WsSecurityError("TIMESTAMP_MISSING", "the Security header has no wsu:Timestamp");
      if (timestamps.length > 1)
        throw new WsSecurityError(
          "SIGNATURE_REFERENCES_INVALID",
          "the Security header has more than one wsu:Timestamp",
        );
      const timestamp = timestamps[0]!;

      const assertions = childElements(security, wsNamespaces.saml2, "Assertion");
      if (assertions.length > 1)
        throw new WsSecurityError("SAML_INVALID", "the Security header has more than one SAML assertion");
      const assertion = assertions[0];

      // Exactly one message signature (a child of the Security header) and at most one enveloped
      // signature inside the assertion (italia/anpr #2437, #2572, #3285); any other is refused.
      const signatures = findDescendants(doc, wsNamespaces.ds, "Signature");
      const messageSignatures = signatures.filter((s) => s.parentNode === security);
      const assertionSignatures = assertion ? signatures.filter((s) => s.parentNode === assertion) : [];
      if (signatures.length !== messageSignatures.length + assertionSignatures.length) {
        throw new WsSecurityError(
          "SIGNATURE_REFERENCES_INVALID",
          "the envelope carries a ds:Signature outside the wsse:Security header and the SAML assertion",
        );
      }
      if (messageSignatures.length === 0) throw new WsSecurityError("SIGNATURE_INVALID", "the envelope is not signed");
      if (messageSignatures.length > 1 || assertionSignatures.length > 1) {
        throw new WsSecurityError(
          "SIGNATURE_REFERENCES_INVALID",
          "the envelope carries more than one message signature, or more than one signature in the SAML assertion",
        );
      }
      const signature = messageSignatures[0]!;
      rejectCommentsAndInstructions(signature);

      const plan = readSignedInfo(signature, ids, body, timestamp);
      const certificate = resolveSigningCertificate(signature, security, ids);
      const certificatePem = certificate.toString();

      const verifier = new SignedXml({
        publicCert: certificate.publicKey,
        getCertFromKeyInfo: () => null,
        idMode: "wssecurity",
      });
      // References resolve through `Id` attributes only (wsu:Id or plain); indexIds has already
      // refused any duplicate among Id/ID/id, so this narrows nothing but xml-crypto's XPath scans.
      verifier.idAttributes = ["Id"];
      let valid: boolean;
      try {
        verifier.loadSignature(signature);
        valid = verifier.checkSignature(envelopeXml);
      } catch (err) {
        throw new WsSecurityError("SIGNATURE_INVALID", "the XML signature does not verify", err);
      }
      if (!valid)
        throw new WsSecurityError("SIGNATURE_INVALID", "the XML signature does not verify: a signed part was changed");
      const signed = readSignedReferences(verifier.getSignedReferences(), plan);

      if (!verifyCertificateChain(certificate, trusted, now)) {
        throw new WsSecurityError(
          "CERTIFICATE_UNTRUSTED",
          "the signing certificate is not issued by a trusted authority or is not valid now",
        );
      }
      const times = checkTimestamp(signed.timestamp, now, skewMs);

      let saml: VerifiedSaml | undefined;
      if (!assertion) {
        if (requireSaml) throw new WsSecurityError("SAML_MISSING", "the Security header has no SAML 2.0 assertion");
      } else {
        const assertionSignature = assertionSignatures[0];
        if (!assertionSignature && requireSignedAssertion) {
          throw new WsSecurityError(
            "SAML_UNSIGNED",
            "the SAML assertion is not signed: sign it with the workstation key (enveloped signature, exclusive c14n), as ANPR requires",
          );
        }
        // A signed assertion is read from the bytes its signature covers, never from the document.
        const signedAssertion = assertionSignature
          ? verifyAssertionSignature(assertion, assertionSignature, certificate, envelopeXml, ids)
          : assertion;
        saml = { ...readAssertion(signedAssertion, now, skewMs), signed: !!assertionSignature };
        if (checkFirmato) {
          let content: string;
          try {
            content = checkIdPostazioneFirmato(
              saml.attributes.IdPostazioneFirmato!,
              certificatePem,
              certificate.fingerprint256,
            );
          } catch (err) {
            throw new WsSecurityError(
              "SAML_INVALID",
              "the SAML attribute IdPostazioneFirmato is not signed by the certificate that signed the message",
              err,
            );
          }
          if (content !== saml.attributes.IdPostazione) {
            throw new WsSecurityError(
              "SAML_INVALID",
              "the SAML attribute IdPostazioneFirmato does not sign IdPostazione",
            );
          }
        }
      }

      const bodyElement = childElements(signed.body)[0];
      if (!bodyElement) throw new SoapEnvelopeError("SOAP_ENVELOPE_INVALID", "the SOAP Body is empty");
      return {
        certificatePem,
        certificate: describeCertificate(certificate),
        signatureAlgorithm: plan.algorithm,
        timestamp: times,
        ...(saml ? { saml } : {}),
        bodyElement,
        bodyXml: serializeXml(bodyElement),
      };
    },
  };
}

/**
 * Verifies a WS-Security envelope and returns what it proves. Rules, each with its
 * {@link WsSecurityError} reason:
 * - exactly one `wsse:Security` header (`SECURITY_HEADER_MISSING`);
 * - exactly one message ds:Signature, a child of that header, plus at most one inside the SAML assertion (no other anywhere), free of comments and processing
 *   instructions, exclusive c14n, RSA-SHA256 (SHA-256 digests) or RSA-SHA1 (`SIGNATURE_INVALID` when
 *   it does not verify or is malformed);
 * - exactly two references, by `#id`, to the envelope's own Body and to the header's Timestamp,
 *   each with the single transform exc-c14n, and no id value used twice anywhere in the document
 *   (`SIGNATURE_REFERENCES_INVALID`: defeats signature wrapping);
 * - the key is the certificate of the BinarySecurityToken the KeyInfo's SecurityTokenReference
 *   points to (a certificate embedded in KeyInfo is never used), and it must chain to
 *   `trustedCaPem` and be valid at `now` (`CERTIFICATE_UNTRUSTED`);
 * - the signed Timestamp exists (`TIMESTAMP_MISSING`), was not created in the future beyond the
 *   skew and has Expires after Created (`TIMESTAMP_INVALID`), and has not expired
 *   (`TIMESTAMP_EXPIRED`);
 * - a SAML 2.0 assertion (`SAML_MISSING`) with Issuer, NameID, bearer confirmation, Conditions
 *   valid at `now`, the four ANPR attributes, and IdPostazioneFirmato signing IdPostazione with the
 *   message's certificate (`SAML_INVALID`);
 * - the assertion's own enveloped signature, made with the message's certificate
 *   (`SAML_SIGNATURE_INVALID`), required unless `requireSignedAssertion` is false (`SAML_UNSIGNED`);
 *   the message signature still covers only Body and Timestamp, as in ANPR's published requests.
 * A DOCTYPE or malformed XML throws {@link XmlError} (`invalid-input`); a non-SOAP document
 * throws {@link SoapEnvelopeError}. Convenience for one-off checks: it builds a verifier per call
 * (see {@link createWsSecurityVerifier}).
 */
export function verifyWsSecurity(envelopeXml: string, options: VerifyWsSecurityOptions): VerifiedEnvelope {
  return createWsSecurityVerifier(options).verify(envelopeXml, options.now ? { now: options.now } : {});
}

// ---------------------------------------------------------------------------------------------
// internals
// ---------------------------------------------------------------------------------------------

interface SignaturePlan {
  algorithm: WsSignatureAlgorithm;
  bodyId: string;
  timestampId: string;
}

function soapParts(doc: Document): { envelope: Element; header: Element | undefined; body: Element } {
  const envelope = doc.documentElement;
  if (!envelope || envelope.namespaceURI !== wsNamespaces.soap11 || envelope.localName !== "Envelope") {
    throw new SoapEnvelopeError("SOAP_ENVELOPE_INVALID", "the document is not a SOAP 1.1 envelope");
  }
  const parts = childElements(envelope);
  const headers = parts.filter((e) => e.namespaceURI === wsNamespaces.soap11 && e.localName === "Header");
  const bodies = parts.filter((e) => e.namespaceURI === wsNamespaces.soap11 && e.localName === "Body");
  if (bodies.length !== 1 || headers.length > 1 || (headers[0] && parts[0] !== headers[0])) {
    throw new SoapEnvelopeError(
      "SOAP_ENVELOPE_INVALID",
      "the SOAP envelope must have one Body, preceded by at most one Header",
    );
  }
  return { envelope, header: headers[0], body: bodies[0]! };
}

/** Every Id/ID/id attribute value (any namespace, as xml-crypto resolves them) → its element; duplicates refused. */
function indexIds(doc: Document): Map<string, Element> {
  const ids = new Map<string, Element>();
  const visit = (node: Node) => {
    for (let child = node.firstChild; child; child = child.nextSibling) {
      if (!isElement(child)) continue;
      for (let i = 0; i < child.attributes.length; i++) {
        const attr = child.attributes.item(i)!;
        const name = attr.localName ?? attr.name;
        if (name !== "Id" && name !== "ID" && name !== "id") continue;
        if (ids.has(attr.value)) {
          throw new WsSecurityError(
            "SIGNATURE_REFERENCES_INVALID",
            "the envelope uses the same id on more than one element",
          );
        }
        ids.set(attr.value, child);
      }
      visit(child);
    }
  };
  visit(doc);
  return ids;
}

function rejectCommentsAndInstructions(root: Node): void {
  for (let child = root.firstChild; child; child = child.nextSibling) {
    if (child.nodeType === child.COMMENT_NODE || child.nodeType === child.PROCESSING_INSTRUCTION_NODE) {
      throw new WsSecurityError("SIGNATURE_INVALID", "the ds:Signature contains comments or processing instructions");
    }
    rejectCommentsAndInstructions(child);
  }
}

function algorithmAttr(element: Element | undefined): string {
  return element?.getAttribute("Algorithm") ?? "";
}

function only(parent: Element, ns: string, localName: string, what: string): Element {
  const found = childElements(parent, ns, localName);
  if (found.length !== 1) throw new WsSecurityError("SIGNATURE_INVALID", `the signature must have exactly one ${what}`);
  return found[0]!;
}

function readSignedInfo(
  signature: Element,
  ids: Map<string, Element>,
  body: Element,
  timestamp: Element,
): SignaturePlan {
  const ds = wsNamespaces.ds;
  const signedInfo = only(signature, ds, "SignedInfo", "SignedInfo");
  only(signature, ds, "SignatureValue", "SignatureValue");
  const c14n = only(signedInfo, ds, "CanonicalizationMethod", "CanonicalizationMethod");
  if (algorithmAttr(c14n) !== excC14n)
    throw new WsSecurityError(
      "SIGNATURE_INVALID",
      "the signature must use exclusive canonicalization without comments",
    );
  const method = algorithmAttr(only(signedInfo, ds, "SignatureMethod", "SignatureMethod"));
  const algorithm = (Object.keys(suites) as WsSignatureAlgorithm[]).find((name) => suites[name].signature === method);
  if (!algorithm)
    throw new WsSecurityError("SIGNATURE_INVALID", "the signature algorithm is not RSA-SHA256 or RSA-SHA1");

  const children = childElements(signedInfo);
  const references = children.filter((e) => e.namespaceURI === ds && e.localName === "Reference");
  if (children.length !== references.length + 2)
    throw new WsSecurityError("SIGNATURE_REFERENCES_INVALID", "the SignedInfo holds unexpected elements");
  if (references.length !== 2)
    throw new WsSecurityError(
      "SIGNATURE_REFERENCES_INVALID",
      "the signature must reference exactly the Body and the Timestamp",
    );
  const referenced = new Map<Element, string>();
  for (const reference of references) {
    const uri = reference.getAttribute("URI") ?? "";
    const id = uri.startsWith("#") ? uri.slice(1) : "";
    const target = ids.get(id);
    if (!target || (target !== body && target !== timestamp) || referenced.has(target)) {
      throw new WsSecurityError(
        "SIGNATURE_REFERENCES_INVALID",
        "the signature must reference exactly the SOAP Body and the Security Timestamp",
      );
    }
    referenced.set(target, id);
    const transforms = childElements(only(reference, ds, "Transforms", "Transforms per reference"));
    if (
      transforms.length !== 1 ||
      transforms[0]!.localName !== "Transform" ||
      algorithmAttr(transforms[0]) !== excC14n
    ) {
      throw new WsSecurityError(
        "SIGNATURE_REFERENCES_INVALID",
        "each reference must use the single transform exclusive c14n",
      );
    }
    const digest = algorithmAttr(only(reference, ds, "DigestMethod", "DigestMethod per reference"));
    if (digest !== suites["rsa-sha256"].digest && !(algorithm === "rsa-sha1" && digest === suites["rsa-sha1"].digest)) {
      throw new WsSecurityError(
        "SIGNATURE_INVALID",
        "the reference digest algorithm is not accepted with this signature algorithm",
      );
    }
    only(reference, ds, "DigestValue", "DigestValue per reference");
  }
  return { algorithm, bodyId: referenced.get(body)!, timestampId: referenced.get(timestamp)! };
}

/** True when `element` carries an `Id` attribute (wsu:Id or unqualified, as xml-crypto resolves them) equal to `id`. */
function hasId(element: Element, id: string): boolean {
  for (let i = 0; i < element.attributes.length; i++) {
    const attr = element.attributes.item(i)!;
    if ((attr.localName ?? attr.name) === "Id" && attr.value === id) return true;
  }
  return false;
}

function resolveSigningCertificate(signature: Element, security: Element, ids: Map<string, Element>): X509Certificate {
  const keyInfo = only(signature, wsNamespaces.ds, "KeyInfo", "KeyInfo");
  const strs = childElements(keyInfo);
  const str = strs[0];
  if (strs.length !== 1 || str!.namespaceURI !== wsNamespaces.wsse || str!.localName !== "SecurityTokenReference") {
    throw new WsSecurityError("SIGNATURE_INVALID", "the KeyInfo must hold only a wsse:SecurityTokenReference");
  }
  const refs = childElements(str!);
  const ref = refs[0];
  if (refs.length !== 1 || ref!.namespaceURI !== wsNamespaces.wsse || ref!.localName !== "Reference") {
    throw new WsSecurityError(
      "SIGNATURE_INVALID",
      "the SecurityTokenReference must be a direct wsse:Reference to the BinarySecurityToken",
    );
  }
  const valueType = ref!.getAttribute("ValueType");
  const uri = ref!.getAttribute("URI") ?? "";
  const token = uri.startsWith("#") ? ids.get(uri.slice(1)) : undefined;
  if (
    (valueType && valueType !== tokenProfile) ||
    !token ||
    token.parentNode !== security ||
    token.namespaceURI !== wsNamespaces.wsse ||
    token.localName !== "BinarySecurityToken"
  ) {
    throw new WsSecurityError(
      "SIGNATURE_INVALID",
      "the SecurityTokenReference does not point to a BinarySecurityToken in the Security header",
    );
  }
  const encoding = token.getAttribute("EncodingType");
  if (token.getAttribute("ValueType") !== tokenProfile || (encoding && encoding !== base64Binary)) {
    throw new WsSecurityError("SIGNATURE_INVALID", "the BinarySecurityToken is not a base64 X.509 v3 certificate");
  }
  try {
    return new X509Certificate(Buffer.from(textOf(token).replace(/\s+/g, ""), "base64"));
  } catch (err) {
    throw new WsSecurityError("SIGNATURE_INVALID", "the BinarySecurityToken does not hold a readable certificate", err);
  }
}

function readSignedReferences(signedXml: string[], plan: SignaturePlan): { body: Element; timestamp: Element } {
  let body: Element | undefined;
  let timestamp: Element | undefined;
  for (const xml of signedXml) {
    const root = parseXmlSafe(xml).documentElement!;
    if (root.namespaceURI === wsNamespaces.soap11 && root.localName === "Body" && hasId(root, plan.bodyId) && !body)
      body = root;
    else if (
      root.namespaceURI === wsNamespaces.wsu &&
      root.localName === "Timestamp" &&
      hasId(root, plan.timestampId) &&
      !timestamp
    )
      timestamp = root;
    else
      throw new WsSecurityError(
        "SIGNATURE_REFERENCES_INVALID",
        "the signed parts are not the SOAP Body and the Timestamp",
      );
  }
  if (!body || !timestamp)
    throw new WsSecurityError(
      "SIGNATURE_REFERENCES_INVALID",
      "the signed parts are not the SOAP Body and the Timestamp",
    );
  return { body, timestamp };
}

function parseInstant(text: string | undefined): Date | undefined {
  if (!text || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(text)) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function checkTimestamp(timestamp: Element, now: Date, skewMs: number): { created: Date; expires: Date } {
  const createdElements = childElements(timestamp, wsNamespaces.wsu, "Created");
  const expiresElements = childElements(timestamp, wsNamespaces.wsu, "Expires");
  const created = createdElements.length === 1 ? parseInstant(textOf(createdElements[0]!)) : undefined;
  const expires = expiresElements.length === 1 ? parseInstant(textOf(expiresElements[0]!)) : undefined;
  if (!created || !expires)
    throw new WsSecurityError("TIMESTAMP_INVALID", "the Timestamp must have one valid Created and one valid Expires");
  if (expires <= created) throw new WsSecurityError("TIMESTAMP_INVALID", "the Timestamp expires before it was created");
  if (created.getTime() > now.getTime() + skewMs)
    throw new WsSecurityError("TIMESTAMP_INVALID", "the Timestamp was created in the future: check the sender's clock");
  if (expires.getTime() <= now.getTime() - skewMs)
    throw new WsSecurityError("TIMESTAMP_EXPIRED", `the message expired at ${expires.toISOString()}`);
  return { created, expires };
}

function readAssertion(assertion: Element, now: Date, skewMs: number): VerifiedSaml {
  const saml = wsNamespaces.saml2;
  const invalid = (what: string) => new WsSecurityError("SAML_INVALID", `the SAML assertion ${what}`);
  if (assertion.getAttribute("Version") !== "2.0") throw invalid("is not version 2.0");
  const issuerElement = findChild(assertion, saml, "Issuer");
  const issuer = issuerElement ? textOf(issuerElement) : "";
  const subject = findChild(assertion, saml, "Subject");
  const nameIdElement = subject ? findChild(subject, saml, "NameID") : undefined;
  const nameId = nameIdElement ? textOf(nameIdElement) : "";
  if (!issuer || !nameId) throw invalid("has no Issuer or no Subject NameID");
  const confirmations = subject ? childElements(subject, saml, "SubjectConfirmation") : [];
  if (!confirmations.some((c) => c.getAttribute("Method") === bearer))
    throw invalid("has no bearer SubjectConfirmation");
  const conditions = findChild(assertion, saml, "Conditions");
  if (conditions) {
    const notBefore = conditions.getAttribute("NotBefore");
    const notOnOrAfter = conditions.getAttribute("NotOnOrAfter");
    const from = notBefore ? parseInstant(notBefore) : null;
    const until = notOnOrAfter ? parseInstant(notOnOrAfter) : null;
    if (from === undefined || until === undefined) throw invalid("has unreadable Conditions");
    if ((from && from.getTime() > now.getTime() + skewMs) || (until && until.getTime() <= now.getTime() - skewMs)) {
      throw invalid("is not valid at this time (Conditions NotBefore/NotOnOrAfter)");
    }
  }
  const attributes: Record<string, string> = {};
  for (const statement of childElements(assertion, saml, "AttributeStatement")) {
    for (const attribute of childElements(statement, saml, "Attribute")) {
      const name = attribute.getAttribute("Name");
      if (!name || Object.hasOwn(attributes, name)) throw invalid("has an unnamed or repeated attribute");
      attributes[name] = childElements(attribute, saml, "AttributeValue").map(textOf).join(",");
    }
  }
  const missing = requiredSamlAttributes.filter((name) => !attributes[name]);
  if (missing.length > 0) throw invalid(`lacks the attributes ${missing.join(", ")}`);
  return { nameId, issuer, attributes, signed: false };
}

/**
 * Verifies the assertion's own enveloped signature and returns the assertion as signed (parsed from
 * the canonical bytes whose digest matched). Rules (`SAML_SIGNATURE_INVALID` otherwise): exclusive
 * c14n, RSA-SHA256 or RSA-SHA1; exactly one reference, to the assertion's own `ID`, with exactly the
 * transforms enveloped-signature then exclusive c14n; no comments; the key is the message's
 * BinarySecurityToken certificate — a certificate in the assertion's KeyInfo must be that same one
 * (the workstation signs both), and is never trusted on its own.
 */
function verifyAssertionSignature(
  assertion: Element,
  signature: Element,
  certificate: X509Certificate,
  envelopeXml: string,
  ids: Map<string, Element>,
): Element {
  const ds = wsNamespaces.ds;
  const invalid = (message: string, cause?: unknown) =>
    new WsSecurityError("SAML_SIGNATURE_INVALID", `the SAML assertion's signature ${message}`, cause);
  const id = assertion.getAttribute("ID") ?? "";
  if (!id || ids.get(id) !== assertion) throw invalid("cannot be checked: the assertion has no unique ID");
  try {
    rejectCommentsAndInstructions(signature);
  } catch (err) {
    throw invalid("contains comments or processing instructions", err);
  }
  const signedInfos = childElements(signature, ds, "SignedInfo");
  const signedInfo = signedInfos[0];
  if (signedInfos.length !== 1 || childElements(signature, ds, "SignatureValue").length !== 1)
    throw invalid("must have one SignedInfo and one SignatureValue");
  const c14n = childElements(signedInfo!, ds, "CanonicalizationMethod");
  if (c14n.length !== 1 || algorithmAttr(c14n[0]) !== excC14n) throw invalid("must use exclusive canonicalization");
  const methods = childElements(signedInfo!, ds, "SignatureMethod");
  const algorithm = (Object.keys(suites) as WsSignatureAlgorithm[]).find(
    (name) => methods.length === 1 && suites[name].signature === algorithmAttr(methods[0]),
  );
  if (!algorithm) throw invalid("is not RSA-SHA256 or RSA-SHA1");
  const references = childElements(signedInfo!, ds, "Reference");
  if (references.length !== 1 || childElements(signedInfo!).length !== 3)
    throw invalid("must hold exactly one reference, to the assertion");
  const reference = references[0]!;
  if (reference.getAttribute("URI") !== `#${id}`) throw invalid("does not reference the assertion it is in");
  const transformsParents = childElements(reference, ds, "Transforms");
  const transforms = transformsParents.length === 1 ? childElements(transformsParents[0]!) : [];
  if (
    transforms.length !== 2 ||
    transforms.some((t) => t.namespaceURI !== ds || t.localName !== "Transform") ||
    algorithmAttr(transforms[0]) !== envelopedSignature ||
    algorithmAttr(transforms[1]) !== excC14n
  ) {
    throw invalid("must use exactly the transforms enveloped-signature and exclusive c14n");
  }
  const digests = childElements(reference, ds, "DigestMethod");
  const digest = digests.length === 1 ? algorithmAttr(digests[0]) : "";
  if (digest !== suites["rsa-sha256"].digest && !(algorithm === "rsa-sha1" && digest === suites["rsa-sha1"].digest))
    throw invalid("uses a digest algorithm not accepted with its signature algorithm");
  const keyInfo = childElements(signature, ds, "KeyInfo")[0];
  const expectedDer = certificate.raw.toString("base64");
  for (const embedded of keyInfo ? findDescendants(keyInfo, ds, "X509Certificate") : []) {
    if (textOf(embedded).replace(/\s+/g, "") !== expectedDer)
      throw invalid("names another certificate than the one that signed the message");
  }
  const verifier = new SignedXml({ publicCert: certificate.publicKey, getCertFromKeyInfo: () => null });
  verifier.idAttributes = ["ID"];
  let valid: boolean;
  try {
    verifier.loadSignature(signature);
    valid = verifier.checkSignature(envelopeXml);
  } catch (err) {
    throw invalid("does not verify", err);
  }
  if (!valid) throw invalid("does not verify: the assertion was changed or signed by another key");
  const signedParts = verifier.getSignedReferences();
  const signedRoot = signedParts.length === 1 ? parseXmlSafe(signedParts[0]!).documentElement : undefined;
  if (
    !signedRoot ||
    signedRoot.namespaceURI !== wsNamespaces.saml2 ||
    signedRoot.localName !== "Assertion" ||
    signedRoot.getAttribute("ID") !== id
  ) {
    throw invalid("does not cover the assertion");
  }
  return signedRoot;
}

function qualified(prefix: string | null, localName: string): string {
  return prefix ? `${prefix}:${localName}` : localName;
}

function escapeXml(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
