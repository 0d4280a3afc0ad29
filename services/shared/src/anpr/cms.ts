/**
 * IdPostazioneFirmato: the workstation id signed as a CMS (PKCS#7) SignedData with the workstation
 * certificate, which ANPR expects in the SAML assertion next to the plain IdPostazione (GovWay's
 * `PKCS7Signature.sign(IdPostazione, "UTF8", "SHA256withRSA")`).
 *
 * The structure is written here in DER with node:crypto for the signature (attached content, signed
 * attributes contentType, signingTime and messageDigest, the signer certificate included).
 * Verification is implemented on forge's ASN.1 reader plus node:crypto, because forge cannot verify
 * PKCS#7; forge is loaded only when something is verified (the simulator, tests).
 */
import { createHash, constants, sign as cryptoSign, verify as cryptoVerify, X509Certificate } from "node:crypto";
import type * as Forge from "node-forge";
import { lazyRequire } from "#shared/runtime/lazy-require.js";
import { DomainError } from "#shared/runtime/domain-error.js";
import type { WorkstationCredentials } from "./pki.js";

/** node-forge, loaded on first use (lazy-require.ts): a box that only signs with stored keys never loads it. */
const forge = lazyRequire<typeof Forge>("node-forge");

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

/**
 * Signs `postazioneId` (UTF-8) as a base64 DER CMS SignedData (RFC 5652) with attached content,
 * SHA-256 and RSA PKCS#1 v1.5, carrying the workstation certificate. The value is stable for a given
 * key and id apart from its signing time, so callers compute it once per credentials (when the key
 * is loaded) and pass it to every signer, rather than once per request.
 *
 * Written with node:crypto and a few lines of DER, not node-forge, so a box starting on its stored
 * key loads no forge at all. The encoding is the one forge produced before: version 1, signer by
 * issuer and serial number, signed attributes contentType, signingTime (UTCTime) and messageDigest
 * in DER SET OF order, rsaEncryption as the signature algorithm.
 */
export function signIdPostazione(credentials: WorkstationCredentials, postazioneId: string, now = new Date()): string {
  if (postazioneId.length === 0) {
    throw new DomainError("invalid-input", "the workstation id to sign is empty", { reason: "INVALID_POSTAZIONE_ID" });
  }
  const content = Buffer.from(postazioneId, "utf8");
  const certificate = Buffer.from(credentials.certificateDerBase64, "base64");
  const { issuer, serialNumber } = issuerAndSerialOf(certificate);
  const sha256 = der.sequence(der.oid("2.16.840.1.101.3.4.2.1"), der.null);
  // Shortest encoding first: the DER order of this SET OF, so the bytes signed are the bytes sent.
  const attributes = [
    der.sequence(der.oid(oids.contentType), der.set(der.oid(oids.data))),
    der.sequence(der.oid(signingTimeOid), der.set(der.utcTime(now))),
    der.sequence(der.oid(oids.messageDigest), der.set(der.octetString(createHash("sha256").update(content).digest()))),
  ];
  const signature = cryptoSign("sha256", der.set(...attributes), {
    key: credentials.privateKey,
    padding: constants.RSA_PKCS1_PADDING,
  });
  const signerInfo = der.sequence(
    der.integer(1),
    der.sequence(issuer, serialNumber),
    sha256,
    der.tagged(0xa0, ...attributes),
    der.sequence(der.oid(oids.rsaEncryption), der.null),
    der.octetString(signature),
  );
  const signedData = der.sequence(
    der.integer(1),
    der.set(sha256),
    der.sequence(der.oid(oids.data), der.tagged(0xa0, der.octetString(content))),
    der.tagged(0xa0, certificate),
    der.set(signerInfo),
  );
  return der.sequence(der.oid(oids.signedData), der.tagged(0xa0, signedData)).toString("base64");
}

const signingTimeOid = "1.2.840.113549.1.9.5";

/** The few DER encoders the SignedData above needs (X.690). */
const der = {
  tagged(tag: number, ...contents: Buffer[]): Buffer {
    const body = Buffer.concat(contents);
    const length: number[] = [];
    for (let n = body.length; n > 0; n = Math.floor(n / 256)) length.unshift(n % 256);
    const header = body.length < 0x80 ? [tag, body.length] : [tag, 0x80 | length.length, ...length];
    return Buffer.concat([Buffer.from(header), body]);
  },
  sequence: (...contents: Buffer[]) => der.tagged(0x30, ...contents),
  set: (...contents: Buffer[]) => der.tagged(0x31, ...contents),
  octetString: (bytes: Buffer) => der.tagged(0x04, bytes),
  integer: (small: number) => der.tagged(0x02, Buffer.from([small])),
  null: Buffer.from([0x05, 0x00]),
  oid(dotted: string): Buffer {
    const [first = 0, second = 0, ...rest] = dotted.split(".").map(Number);
    const bytes = [40 * first + second];
    for (const arc of rest) {
      const base128 = [arc % 128];
      for (let n = Math.floor(arc / 128); n > 0; n = Math.floor(n / 128)) base128.unshift(0x80 | (n % 128));
      bytes.push(...base128);
    }
    return der.tagged(0x06, Buffer.from(bytes));
  },
  /** UTCTime `YYMMDDHHMMSSZ` (RFC 5652 §11.3: UTCTime for dates from 1950 to 2049). */
  utcTime(at: Date): Buffer {
    const two = (n: number) => String(n).padStart(2, "0");
    const text =
      two(at.getUTCFullYear() % 100) +
      two(at.getUTCMonth() + 1) +
      two(at.getUTCDate()) +
      two(at.getUTCHours()) +
      two(at.getUTCMinutes()) +
      two(at.getUTCSeconds()) +
      "Z";
    return der.tagged(0x17, Buffer.from(text, "ascii"));
  },
};

/**
 * The issuer Name and serialNumber INTEGER of a DER certificate, as their DER bytes: Certificate ::=
 * SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL, serialNumber, signature, issuer, ... } }.
 */
function issuerAndSerialOf(certificate: Buffer): { issuer: Buffer; serialNumber: Buffer } {
  const tbs = readTlv(certificate, readTlv(certificate, 0).contentStart);
  let field = readTlv(certificate, tbs.contentStart);
  if (field.tag === 0xa0) field = readTlv(certificate, field.end);
  const serialNumber = certificate.subarray(field.start, field.end);
  const signature = readTlv(certificate, field.end);
  const issuer = readTlv(certificate, signature.end);
  return { issuer: certificate.subarray(issuer.start, issuer.end), serialNumber };
}

/** One DER tag-length-value at `start`: its tag, where its content starts and where it ends. */
function readTlv(buffer: Buffer, start: number): { tag: number; start: number; contentStart: number; end: number } {
  const tag = buffer[start];
  let length = buffer[start + 1];
  if (tag === undefined || length === undefined) throw new Error("truncated DER");
  let contentStart = start + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) throw new Error("unsupported DER length");
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (buffer[contentStart + i] ?? 0);
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > buffer.length) throw new Error("truncated DER");
  return { tag, start, contentStart, end };
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

  const certificates: Array<{ asn1: Forge.asn1.Asn1; x509: X509Certificate }> = [];
  let signerInfos: Forge.asn1.Asn1 | undefined;
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
function isContextTag(node: Forge.asn1.Asn1 | undefined, n: number): boolean {
  return node !== undefined && node.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && (node.type as number) === n;
}

function children(node: Forge.asn1.Asn1 | undefined): Forge.asn1.Asn1[] {
  if (!node || !Array.isArray(node.value))
    throw new IdPostazioneFirmatoError("IdPostazioneFirmato has an unexpected ASN.1 structure");
  return node.value;
}

function seq(node: Forge.asn1.Asn1 | undefined, what: string): Forge.asn1.Asn1[] {
  if (!node || node.type !== forge.asn1.Type.SEQUENCE || !Array.isArray(node.value)) {
    throw new IdPostazioneFirmatoError(`IdPostazioneFirmato has a malformed ${what}`);
  }
  return node.value;
}

function oidOf(node: Forge.asn1.Asn1 | undefined): string {
  if (!node || node.type !== forge.asn1.Type.OID || typeof node.value !== "string") return "";
  return forge.asn1.derToOid(node.value);
}

/** An OCTET STRING's bytes, also when BER-constructed from chunks. */
function octets(node: Forge.asn1.Asn1 | undefined): Buffer {
  if (!node || node.type !== forge.asn1.Type.OCTETSTRING)
    throw new IdPostazioneFirmatoError("IdPostazioneFirmato has an unexpected ASN.1 structure");
  if (typeof node.value === "string") return Buffer.from(node.value, "binary");
  return Buffer.concat(node.value.map(octets));
}

function derOf(node: Forge.asn1.Asn1): Buffer {
  return Buffer.from(forge.asn1.toDer(node).getBytes(), "binary");
}

/** SignerIdentifier: IssuerAndSerialNumber, or [0] SubjectKeyIdentifier. */
function matchesSignerId(cert: Forge.asn1.Asn1, sid: Forge.asn1.Asn1 | undefined): boolean {
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
function subjectKeyIdentifier(tbs: Forge.asn1.Asn1[]): Buffer | undefined {
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
