/**
 * IdPostazioneFirmato: the workstation id signed as a CMS (PKCS#7) SignedData with the workstation
 * certificate, which ANPR expects in the SAML assertion next to the plain IdPostazione (GovWay's
 * `PKCS7Signature.sign(IdPostazione, "UTF8", "SHA256withRSA")`).
 *
 * The structure is built by node-forge (attached content, signed attributes contentType,
 * signingTime and messageDigest, the signer certificate included); the RSA signature itself is made
 * by node:crypto. Verification is implemented here on forge's ASN.1 reader plus node:crypto,
 * because forge cannot verify PKCS#7.
 */
import { createHash, privateEncrypt, constants, verify as cryptoVerify, X509Certificate } from "node:crypto";
import forge from "node-forge";
import { DomainError } from "#shared/runtime/domain-error.js";
import type { WorkstationCredentials } from "./pki.js";

/** The IdPostazioneFirmato value is not a valid CMS signature of a workstation id. */
export class IdPostazioneFirmatoError extends DomainError {
  declare readonly reason: "ID_POSTAZIONE_FIRMATO_INVALID";

  constructor(message: string, cause?: unknown) {
    super("unauthenticated", message, { reason: "ID_POSTAZIONE_FIRMATO_INVALID", cause });
  }
}

/** What {@link verifyIdPostazioneFirmato} proves: this content was signed by this certificate. */
export interface VerifiedIdPostazione {
  /** The signed workstation id (UTF-8). */
  content: string;
  /** The signer's certificate, PEM. */
  signerCertificatePem: string;
}

/** DER DigestInfo prefix (RFC 8017 §9.2 note 1) for SHA-256: the input of an RSASSA-PKCS1-v1_5 signature. */
const sha256DigestInfoPrefix = Buffer.from("3031300d060960864801650304020105000420", "hex");

/**
 * Signs `postazioneId` (UTF-8) as a base64 DER CMS SignedData with attached content, SHA-256 and
 * RSA PKCS#1 v1.5, carrying the workstation certificate. The value is stable for a given key and
 * id apart from its signing time, so callers compute it once per credentials (when the PKCS#12 is
 * loaded) and pass it to every signer, rather than once per request.
 */
export function signIdPostazione(credentials: WorkstationCredentials, postazioneId: string): string {
  if (postazioneId.length === 0) {
    throw new DomainError("invalid-input", "the workstation id to sign is empty", { reason: "INVALID_POSTAZIONE_ID" });
  }
  const certificate = forge.pki.certificateFromPem(credentials.certificatePem);
  const p7 = forge.pkcs7.createSignedData();
  p7.content = forge.util.createBuffer(forge.util.encodeUtf8(postazioneId));
  p7.addCertificate(certificate);
  const nodeSigner = {
    sign(md: forge.md.MessageDigest): string {
      const digestInfo = Buffer.concat([sha256DigestInfoPrefix, Buffer.from(md.digest().getBytes(), "binary")]);
      return privateEncrypt({ key: credentials.privateKey, padding: constants.RSA_PKCS1_PADDING }, digestInfo).toString(
        "binary",
      );
    },
  };
  p7.addSigner({
    key: nodeSigner as unknown as forge.pki.rsa.PrivateKey,
    certificate,
    digestAlgorithm: forge.pki.oids.sha256!,
    // DER order of the SET OF (shortest encoding first), so the encoding forge signs is canonical.
    authenticatedAttributes: [
      { type: forge.pki.oids.contentType!, value: forge.pki.oids.data },
      { type: forge.pki.oids.signingTime! },
      { type: forge.pki.oids.messageDigest! },
    ],
  });
  p7.sign();
  return Buffer.from(forge.asn1.toDer(p7.toAsn1()).getBytes(), "binary").toString("base64");
}

const oids = {
  signedData: "1.2.840.113549.1.7.2",
  data: "1.2.840.113549.1.7.1",
  contentType: "1.2.840.113549.1.9.3",
  messageDigest: "1.2.840.113549.1.9.4",
  rsaEncryption: "1.2.840.113549.1.1.1",
} as const;

const digestOids: Record<string, string> = {
  "2.16.840.1.101.3.4.2.1": "sha256",
  "2.16.840.1.101.3.4.2.2": "sha384",
  "2.16.840.1.101.3.4.2.3": "sha512",
  "1.3.14.3.2.26": "sha1",
};

const signatureOids: Record<string, string | null> = {
  [oids.rsaEncryption]: null,
  "1.2.840.113549.1.1.11": "sha256",
  "1.2.840.113549.1.1.12": "sha384",
  "1.2.840.113549.1.1.13": "sha512",
  "1.2.840.113549.1.1.5": "sha1",
};

/**
 * Verifies a base64 DER CMS SignedData such as IdPostazioneFirmato: exactly one signer, whose
 * certificate is carried in the message (matched by issuer and serial number); a supported
 * digest (SHA-1/2) and RSA signature; when signed attributes are present, contentType = data and a
 * messageDigest equal to the content's digest. When `expectedCertificatePem` is given, the signer
 * certificate must be exactly that certificate (e.g. the one in the WS-Security
 * BinarySecurityToken). Chain and validity of the certificate are the caller's business.
 * Throws {@link IdPostazioneFirmatoError} (`ID_POSTAZIONE_FIRMATO_INVALID`) on any failure.
 */
export function verifyIdPostazioneFirmato(base64: string, expectedCertificatePem?: string): VerifiedIdPostazione {
  try {
    return verifySignedData(base64, expectedCertificatePem);
  } catch (err) {
    if (err instanceof IdPostazioneFirmatoError) throw err;
    throw new IdPostazioneFirmatoError("IdPostazioneFirmato is not a readable CMS SignedData", err);
  }
}

function verifySignedData(base64: string, expectedCertificatePem: string | undefined): VerifiedIdPostazione {
  const trimmed = base64.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) throw new IdPostazioneFirmatoError("IdPostazioneFirmato is not base64");
  const contentInfo = forge.asn1.fromDer(forge.util.createBuffer(Buffer.from(trimmed, "base64").toString("binary")));
  const [contentType, wrapped] = seq(contentInfo, "ContentInfo");
  if (oidOf(contentType) !== oids.signedData || !wrapped)
    throw new IdPostazioneFirmatoError("IdPostazioneFirmato is not a CMS SignedData");
  const signedData = children(wrapped)[0];
  const [, , encapContentInfo, ...optional] = seq(signedData, "SignedData");
  const [eContentType, eContentWrapper] = seq(encapContentInfo, "EncapsulatedContentInfo");
  if (oidOf(eContentType) !== oids.data)
    throw new IdPostazioneFirmatoError("IdPostazioneFirmato does not sign plain data");
  if (!eContentWrapper)
    throw new IdPostazioneFirmatoError(
      "IdPostazioneFirmato has no attached content (detached signatures are not accepted)",
    );
  const content = octets(children(eContentWrapper)[0]);

  const certificates: Array<{ asn1: forge.asn1.Asn1; x509: X509Certificate }> = [];
  let signerInfos: forge.asn1.Asn1 | undefined;
  for (const field of optional) {
    if (isContextTag(field, 0)) {
      for (const cert of children(field)) certificates.push({ asn1: cert, x509: new X509Certificate(derOf(cert)) });
    } else if (field.tagClass === forge.asn1.Class.UNIVERSAL && field.type === forge.asn1.Type.SET) {
      signerInfos = field;
    }
  }
  const signers = signerInfos ? children(signerInfos) : [];
  if (signers.length !== 1)
    throw new IdPostazioneFirmatoError(`IdPostazioneFirmato must have exactly one signer (found ${signers.length})`);
  const signerFields = seq(signers[0], "SignerInfo");
  const [, sid, digestAlgorithm, ...rest] = signerFields;
  const signedAttrs = isContextTag(rest[0], 0) ? rest.shift() : undefined;
  const [signatureAlgorithm, signatureValue] = rest;

  const signer = certificates.find((cert) => matchesSignerId(cert.asn1, sid))?.x509;
  if (!signer) throw new IdPostazioneFirmatoError("IdPostazioneFirmato does not carry its signer's certificate");
  if (expectedCertificatePem !== undefined && !signer.raw.equals(new X509Certificate(expectedCertificatePem).raw)) {
    throw new IdPostazioneFirmatoError(
      "IdPostazioneFirmato is signed with a different certificate than the one expected",
    );
  }

  const digestName = digestOids[oidOf(children(digestAlgorithm)[0])];
  if (!digestName) throw new IdPostazioneFirmatoError("IdPostazioneFirmato uses an unsupported digest algorithm");
  const sigOid = oidOf(children(signatureAlgorithm)[0]);
  if (!(sigOid in signatureOids))
    throw new IdPostazioneFirmatoError("IdPostazioneFirmato uses an unsupported signature algorithm");
  const sigHash = signatureOids[sigOid];
  if (sigHash && sigHash !== digestName)
    throw new IdPostazioneFirmatoError("IdPostazioneFirmato mixes digest algorithms");

  let signedBytes: Buffer;
  if (signedAttrs) {
    const attributes = children(signedAttrs);
    const attrValue = (oid: string) => {
      const matches = attributes.filter((a) => oidOf(children(a)[0]) === oid);
      if (matches.length !== 1) return undefined;
      const values = children(children(matches[0])[1]);
      return values.length === 1 ? values[0] : undefined;
    };
    const ct = attrValue(oids.contentType);
    if (!ct || oidOf(ct) !== oids.data)
      throw new IdPostazioneFirmatoError("IdPostazioneFirmato has no valid content-type attribute");
    const md = attrValue(oids.messageDigest);
    const expected = createHash(digestName).update(content).digest();
    if (!md || !octets(md).equals(expected))
      throw new IdPostazioneFirmatoError("IdPostazioneFirmato's message digest does not match its content");
    const asSet = forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.SET, true, attributes);
    signedBytes = derOf(asSet);
  } else {
    signedBytes = content;
  }
  const ok = cryptoVerify(digestName, signedBytes, signer.publicKey, octets(signatureValue));
  if (!ok) throw new IdPostazioneFirmatoError("IdPostazioneFirmato's signature does not verify");
  return { content: content.toString("utf8"), signerCertificatePem: signer.toString() };
}

/** True for a context-specific tag `[n]` (forge types the tag number as a universal-type enum). */
function isContextTag(node: forge.asn1.Asn1 | undefined, n: number): boolean {
  return node !== undefined && node.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && (node.type as number) === n;
}

function children(node: forge.asn1.Asn1 | undefined): forge.asn1.Asn1[] {
  if (!node || !Array.isArray(node.value))
    throw new IdPostazioneFirmatoError("IdPostazioneFirmato has an unexpected ASN.1 structure");
  return node.value;
}

function seq(node: forge.asn1.Asn1 | undefined, what: string): forge.asn1.Asn1[] {
  if (!node || node.type !== forge.asn1.Type.SEQUENCE || !Array.isArray(node.value)) {
    throw new IdPostazioneFirmatoError(`IdPostazioneFirmato has a malformed ${what}`);
  }
  return node.value;
}

function oidOf(node: forge.asn1.Asn1 | undefined): string {
  if (!node || node.type !== forge.asn1.Type.OID || typeof node.value !== "string") return "";
  return forge.asn1.derToOid(node.value);
}

/** An OCTET STRING's bytes, also when BER-constructed from chunks. */
function octets(node: forge.asn1.Asn1 | undefined): Buffer {
  if (!node || node.type !== forge.asn1.Type.OCTETSTRING)
    throw new IdPostazioneFirmatoError("IdPostazioneFirmato has an unexpected ASN.1 structure");
  if (typeof node.value === "string") return Buffer.from(node.value, "binary");
  return Buffer.concat(node.value.map(octets));
}

function derOf(node: forge.asn1.Asn1): Buffer {
  return Buffer.from(forge.asn1.toDer(node).getBytes(), "binary");
}

/** SignerIdentifier: IssuerAndSerialNumber, or [0] SubjectKeyIdentifier. */
function matchesSignerId(cert: forge.asn1.Asn1, sid: forge.asn1.Asn1 | undefined): boolean {
  if (!sid) return false;
  const tbs = seq(seq(cert, "Certificate")[0], "TBSCertificate");
  if (isContextTag(sid, 0) && typeof sid.value === "string") {
    const ski = subjectKeyIdentifier(tbs);
    return ski !== undefined && ski.equals(Buffer.from(sid.value, "binary"));
  }
  const [issuer, serial] = seq(sid, "IssuerAndSerialNumber");
  const offset = tbs[0]?.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC ? 1 : 0;
  const certSerial = tbs[offset];
  const certIssuer = tbs[offset + 2];
  if (!issuer || !serial || !certSerial || !certIssuer) return false;
  return derOf(issuer).equals(derOf(certIssuer)) && derOf(serial).equals(derOf(certSerial));
}

/** The keyIdentifier of the certificate's subjectKeyIdentifier extension (2.5.29.14), if any. */
function subjectKeyIdentifier(tbs: forge.asn1.Asn1[]): Buffer | undefined {
  const extensions = tbs.find((f) => isContextTag(f, 3));
  if (!extensions) return undefined;
  for (const ext of children(children(extensions)[0])) {
    const parts = children(ext);
    if (oidOf(parts[0]) === "2.5.29.14") {
      const inner = forge.asn1.fromDer(forge.util.createBuffer(octets(parts[parts.length - 1]).toString("binary")));
      return octets(inner);
    }
  }
  return undefined;
}
