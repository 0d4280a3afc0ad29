/**
 * X.509 material for ANPR: the workstation (postazione) credentials a Novabox signs with, read from
 * the PKCS#12 file the Comune uploads; CA certificates; chain checks; and a small development PKI
 * (CA, server and workstation certificates) for the ANPR simulator, demos and tests.
 *
 * node-forge reads PKCS#12 (Node has no API for it) and builds certificates, but it is slow at RSA:
 * every private-key operation here goes through node:crypto, and forge runs once per file or
 * certificate, never per request. Certificates are exposed as PEM plus node:crypto objects only.
 *
 * Conventions: fingerprints are SHA-256, uppercase hex pairs separated by colons (the form OpenSSL
 * and node:crypto print, `AB:CD:...`); serial numbers are uppercase hex; distinguished names are
 * RFC 4514 strings, most specific first (`CN=POST-022205-01,OU=...,O=...,C=IT`).
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  X509Certificate,
  type KeyObject,
} from "node:crypto";
import { isIP } from "node:net";
import type * as Forge from "node-forge";
import { lazyRequire } from "#shared/runtime/lazy-require.js";
import { DomainError } from "#shared/runtime/domain-error.js";

/** node-forge, loaded on first use (lazy-require.ts): a box that only signs with stored keys never loads it. */
const forge = lazyRequire<typeof Forge>("node-forge");

/** Why credentials or a certificate were refused. */
export type CredentialsErrorReason =
  | "WRONG_PIN"
  | "NOT_PKCS12"
  | "NO_PRIVATE_KEY"
  | "NO_CERTIFICATE"
  | "KEY_CERT_MISMATCH"
  | "CERT_EXPIRED"
  | "CERT_NOT_YET_VALID"
  | "UNTRUSTED_CERT"
  | "NOT_A_CERTIFICATE"
  | "NOT_A_PRIVATE_KEY";

/**
 * Uploaded credentials or a certificate cannot be used. Kind `invalid-input`: the admin has to
 * upload another file or type the right PIN. The message says which problem it is in plain words
 * and never contains the PIN or key material.
 */
export class CredentialsError extends DomainError {
  declare readonly reason: CredentialsErrorReason;

  constructor(
    reason: CredentialsErrorReason,
    message: string,
    options: { cause?: unknown; metadata?: Record<string, string> } = {},
  ) {
    super("invalid-input", message, { reason, ...options });
  }
}

/** What identifies an X.509 certificate and its validity, as the panel and the logs show it. */
export interface CertificateFacts {
  /** Subject DN, RFC 4514, most specific first (`CN=...,O=...`). */
  subject: string;
  /** Issuer DN, same format. */
  issuer: string;
  /** Serial number, uppercase hex. */
  serialNumber: string;
  /** SHA-256 fingerprint of the DER certificate, uppercase hex pairs joined by `:`. */
  fingerprintSha256: string;
  notBefore: Date;
  notAfter: Date;
}

/** A workstation's signing identity, ready for WS-Security and CMS signing. */
export interface WorkstationCredentials extends CertificateFacts {
  /** The workstation certificate (the one matching the private key), PEM. */
  certificatePem: string;
  /** The same certificate, DER in base64 (the BinarySecurityToken content). */
  certificateDerBase64: string;
  /** The private key, as a node:crypto key (sign with node:crypto, never forge). */
  privateKey: KeyObject;
  /** The other certificates found in the PKCS#12 (intermediates, CA), PEM, in file order. */
  chainPem: string[];
}

/** Options for {@link loadWorkstationCredentials}. */
export interface LoadWorkstationCredentialsOptions {
  /** The instant the certificate must be valid at; defaults to the current time. */
  now?: Date;
  /** When given, the certificate must chain (through the PKCS#12's own certificates) to one of these. */
  trustedCaPem?: string[];
}

/** What {@link describeCertificate} and {@link loadCaCertificate} report about a certificate. */
export interface CertificateInfo extends CertificateFacts {
  /** The certificate, PEM. */
  pem: string;
  /** True when basicConstraints says this is a CA. */
  isCa: boolean;
}

/**
 * Opens a workstation PKCS#12 file (from OpenSSL 3 — AES-256-CBC, SHA-256 MAC — older 3DES/RC2
 * files, or node-forge) with `pin`, and returns the key and its certificate. Parses with forge
 * once; the private key comes back as a node:crypto KeyObject so signing stays fast.
 *
 * Throws {@link CredentialsError}: `NOT_PKCS12` (not a PKCS#12 file), `WRONG_PIN` (MAC or
 * decryption fails), `NO_PRIVATE_KEY`, `NO_CERTIFICATE`, `KEY_CERT_MISMATCH` (no certificate in the
 * file matches the key), `CERT_NOT_YET_VALID` / `CERT_EXPIRED` (at `options.now`), and
 * `UNTRUSTED_CERT` when `options.trustedCaPem` is given and the certificate does not chain to it.
 */
export function loadWorkstationCredentials(
  pkcs12: Uint8Array,
  pin: string,
  options: LoadWorkstationCredentialsOptions = {},
): WorkstationCredentials {
  let asn1: Forge.asn1.Asn1;
  try {
    asn1 = forge.asn1.fromDer(forge.util.createBuffer(Buffer.from(pkcs12).toString("binary")));
  } catch (err) {
    throw new CredentialsError("NOT_PKCS12", "the file is not a PKCS#12 (.p12/.pfx) keystore", { cause: err });
  }
  let p12: Forge.pkcs12.Pkcs12Pfx;
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(asn1, false, pin);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (/password|MAC could not be verified|decrypt/i.test(message)) {
      throw new CredentialsError("WRONG_PIN", "the PIN does not open this PKCS#12 keystore", { cause: scrub(err) });
    }
    throw new CredentialsError("NOT_PKCS12", "the file is not a PKCS#12 keystore this system can read", {
      cause: scrub(err),
    });
  }

  const keys: KeyObject[] = [];
  const certificates: X509Certificate[] = [];
  for (const safe of p12.safeContents) {
    for (const bag of safe.safeBags) {
      if (bag.type === forge.pki.oids.pkcs8ShroudedKeyBag || bag.type === forge.pki.oids.keyBag) {
        const der = bag.key
          ? asn1ToDer(forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(bag.key)))
          : asn1ToDer(bag.asn1);
        try {
          keys.push(createPrivateKey({ key: der, format: "der", type: "pkcs8" }));
        } catch (err) {
          throw new CredentialsError("NOT_PKCS12", "the PKCS#12 keystore holds a private key this system cannot read", {
            cause: err,
          });
        }
      } else if (bag.type === forge.pki.oids.certBag) {
        const der = bag.cert ? asn1ToDer(forge.pki.certificateToAsn1(bag.cert)) : asn1ToDer(bag.asn1);
        certificates.push(parseX509(der));
      }
    }
  }
  return pairCredentials(keys, certificates, options);
}

/**
 * The workstation key and certificates as one PEM text: the private key (PKCS#8), then the
 * workstation certificate, then the rest of the PKCS#12's certificates. The Novabox seals this text
 * beside the PKCS#12 when the Comune uploads it (encrypted like every secret, never in clear), so a
 * start opens the key with node:crypto in a millisecond instead of decoding the PKCS#12 with
 * node-forge's JavaScript PBKDF2 and ciphers. Read it back with {@link loadWorkstationKey}.
 */
export function exportWorkstationKey(credentials: WorkstationCredentials): string {
  return [
    credentials.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    credentials.certificatePem,
    ...credentials.chainPem,
  ].join("");
}

/**
 * Reads what {@link exportWorkstationKey} wrote, with the same checks as
 * {@link loadWorkstationCredentials} (a key, a certificate matching it, valid at `options.now`,
 * chained to `options.trustedCaPem` when given) and the same {@link CredentialsError}s.
 */
export function loadWorkstationKey(
  pem: string,
  options: LoadWorkstationCredentialsOptions = {},
): WorkstationCredentials {
  const keyBlock = /-----BEGIN PRIVATE KEY-----[\s\S]*?-----END PRIVATE KEY-----/.exec(pem);
  if (!keyBlock) throw new CredentialsError("NO_PRIVATE_KEY", "the stored workstation key holds no private key");
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: keyBlock[0], format: "pem" });
  } catch (err) {
    throw new CredentialsError("NOT_A_PRIVATE_KEY", "the stored workstation key cannot be read", { cause: scrub(err) });
  }
  const certificates = pem.includes("-----BEGIN CERTIFICATE-----") ? toX509List([pem]) : [];
  return pairCredentials([key], certificates, options);
}

/** The shared end of both loaders: pairs a key with its certificate and checks the certificate. */
function pairCredentials(
  keys: KeyObject[],
  certificates: X509Certificate[],
  options: LoadWorkstationCredentialsOptions,
): WorkstationCredentials {
  const now = options.now ?? new Date();
  if (keys.length === 0) {
    throw new CredentialsError(
      "NO_PRIVATE_KEY",
      "the PKCS#12 keystore contains no private key: export it together with the key",
    );
  }
  if (certificates.length === 0) {
    throw new CredentialsError("NO_CERTIFICATE", "the PKCS#12 keystore contains no certificate");
  }
  let pair: { key: KeyObject; cert: X509Certificate } | undefined;
  for (const key of keys) {
    const cert = certificates.find((c) => c.checkPrivateKey(key));
    if (cert) {
      pair = { key, cert };
      break;
    }
  }
  if (!pair) {
    throw new CredentialsError(
      "KEY_CERT_MISMATCH",
      "the private key in the PKCS#12 keystore does not belong to its certificate",
    );
  }
  const { key, cert } = pair;
  const chain = certificates.filter((c) => c !== cert);
  const info = describeX509(cert);
  checkValidity(info, now);
  if (options.trustedCaPem && !verifyCertificateChain(cert, options.trustedCaPem, now, chain)) {
    throw new CredentialsError(
      "UNTRUSTED_CERT",
      "the workstation certificate is not issued by a trusted certification authority",
      {
        metadata: { subject: info.subject, issuer: info.issuer },
      },
    );
  }
  return {
    certificatePem: info.pem,
    certificateDerBase64: cert.raw.toString("base64"),
    privateKey: key,
    chainPem: chain.map((c) => c.toString()),
    subject: info.subject,
    issuer: info.issuer,
    serialNumber: info.serialNumber,
    fingerprintSha256: info.fingerprintSha256,
    notBefore: info.notBefore,
    notAfter: info.notAfter,
  };
}

/**
 * Reads a CA certificate (PEM text or bytes, or DER bytes) — e.g. the trust anchor for ANPR's TLS
 * endpoint, or a workstation CA. Any key type (node:crypto parses it, not forge). Throws
 * {@link CredentialsError} `NOT_A_CERTIFICATE` when the input holds no X.509 certificate. Does not
 * check validity dates: the caller decides what an expired anchor means.
 */
export function loadCaCertificate(pemOrDer: Uint8Array | string): CertificateInfo {
  return describeCertificate(pemOrDer);
}

/**
 * Parses a CA certificate or a bundle of them (several PEM blocks, as ANPR's CA rotations need:
 * old and new CA side by side, italia/anpr#1905, #4339, #5148; or one DER certificate) and
 * describes each, in file order. Throws {@link CredentialsError} `NOT_A_CERTIFICATE` when any block
 * cannot be read.
 */
export function loadCaBundle(pemOrDer: Uint8Array | string): CertificateInfo[] {
  const text = typeof pemOrDer === "string" ? pemOrDer : Buffer.from(pemOrDer).toString("latin1");
  if (!text.includes("-----BEGIN")) return [describeCertificate(pemOrDer)];
  return splitPemBundle(text).map((block) => describeCertificate(block));
}

/**
 * Parses one certificate (PEM text or bytes, DER bytes, or an already parsed node:crypto
 * X509Certificate) and describes it. Throws {@link CredentialsError} `NOT_A_CERTIFICATE` when it
 * cannot be read.
 */
export function describeCertificate(certificate: Uint8Array | string | X509Certificate): CertificateInfo {
  return describeX509(certificate instanceof X509Certificate ? certificate : parseX509(certificate));
}

/**
 * True when `certificate` is valid at `now` and chains to one of `trustedCa` (PEM entries may be
 * bundles; parsed X509Certificates are accepted to spare re-parsing in hot paths), optionally
 * through `intermediates`: every link is checked for issuer name, a valid signature, CA basic
 * constraints and validity at `now`, at most 8 links deep. Returns false for an untrusted or
 * expired chain; throws {@link CredentialsError} `NOT_A_CERTIFICATE` only when an input is not a
 * certificate at all.
 */
export function verifyCertificateChain(
  certificate: string | X509Certificate,
  trustedCa: ReadonlyArray<string | X509Certificate>,
  now: Date,
  intermediates: ReadonlyArray<string | X509Certificate> = [],
): boolean {
  const anchors = toX509List(trustedCa);
  const others = toX509List(intermediates);
  let current = certificate instanceof X509Certificate ? certificate : parseX509(certificate);
  if (!validAt(current, now)) return false;
  for (let depth = 0; depth < 8; depth++) {
    if (anchors.some((ca) => issuedBy(current, ca, now))) return true;
    const next = others.find((ca) => ca !== current && issuedBy(current, ca, now));
    if (!next) return false;
    current = next;
  }
  return false;
}

/** Parses certificates (PEM bundles allowed) once, e.g. a verifier's trust anchors. */
export function parseCertificates(certificates: ReadonlyArray<string | X509Certificate>): X509Certificate[] {
  return toX509List(certificates);
}

/** Splits a PEM bundle into its `CERTIFICATE` blocks (one entry when it holds one certificate). */
export function splitPemBundle(pem: string): string[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g);
  return blocks ? blocks.map((b) => `${b}\n`) : [pem];
}

// ---------------------------------------------------------------------------------------------
// Development PKI
// ---------------------------------------------------------------------------------------------

/** A certification authority whose key is at hand (development and tests only). */
export interface DevCertificateAuthority {
  /** The CA certificate, PEM. */
  certificatePem: string;
  /** The CA private key, PKCS#8 PEM (unencrypted: keep the file private). */
  privateKeyPem: string;
  /** The CA private key as a node:crypto key, for signing certificates. */
  privateKey: KeyObject;
  /** Subject DN of the CA, RFC 4514. */
  subject: string;
}

/** Options for {@link createCertificateAuthority}. */
export interface CreateCertificateAuthorityOptions {
  commonName: string;
  /** Organization (O); defaults to "Novabox mesh (development)". */
  organization?: string;
  validDays: number;
  /** Start of validity; defaults to five minutes ago (tolerates clock skew). */
  notBefore?: Date;
}

/** A certificate issued by a {@link DevCertificateAuthority}, with its fresh key. */
export interface IssuedCertificate {
  /** The certificate, PEM. */
  certificatePem: string;
  /** Its private key, PKCS#8 PEM (unencrypted). */
  privateKeyPem: string;
  /** Its private key as a node:crypto key. */
  privateKey: KeyObject;
  /** The issuing CA's certificate, PEM, as a one-element chain. */
  chainPem: string[];
}

/** Options for {@link issueServerCertificate}. */
export interface IssueServerCertificateOptions {
  commonName: string;
  /** DNS subjectAltNames (e.g. `localhost`). */
  dnsNames?: string[];
  /** IP subjectAltNames (e.g. `127.0.0.1`, `::1`). */
  ipAddresses?: string[];
  validDays: number;
  notBefore?: Date;
}

/** Options for {@link issueWorkstationCertificate}. */
export interface IssueWorkstationCertificateOptions {
  /** ISTAT code of the Comune (six digits, e.g. `022205`). */
  comuneCode: string;
  /** The workstation id, which becomes the certificate's CN (e.g. `POST-022205-01`). */
  postazioneId: string;
  validDays: number;
  /** Start of validity; defaults to five minutes ago. Set it in the past to make expired certificates. */
  notBefore?: Date;
}

/** A workstation certificate that can also be packaged as a PKCS#12 file. */
export interface IssuedWorkstationCertificate extends IssuedCertificate {
  /**
   * The key, certificate and CA certificate as PKCS#12 bytes protected by `pin`: AES-256-CBC with
   * PBKDF2-HMAC-SHA256 for the key, SHA-1 MAC (node-forge's only MAC), 2048 iterations. Readable
   * by {@link loadWorkstationCredentials} and by OpenSSL 3.
   */
  toPkcs12(pin: string, options?: { friendlyName?: string }): Uint8Array;
}

/**
 * Creates a self-signed RSA-2048 / SHA-256 certificate authority (basicConstraints CA, keyCertSign
 * and cRLSign). Development and tests only: the key is generated in memory and returned.
 */
export function createCertificateAuthority(options: CreateCertificateAuthorityOptions): DevCertificateAuthority {
  const { privateKey, publicKeyPem, privateKeyPem } = generateRsaKey();
  const cert = newCertificate(publicKeyPem, options.validDays, options.notBefore);
  const name = [
    { shortName: "C", value: "IT" },
    { shortName: "O", value: options.organization ?? "Novabox mesh (development)" },
    { shortName: "CN", value: options.commonName },
  ];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  signCertificate(cert, privateKey);
  const certificatePem = forge.pki.certificateToPem(cert);
  return { certificatePem, privateKeyPem, privateKey, subject: describeCertificate(certificatePem).subject };
}

/**
 * Rebuilds a {@link DevCertificateAuthority} from its stored certificate and PKCS#8/PKCS#1 key PEM.
 * Throws {@link CredentialsError} `NOT_A_CERTIFICATE`, `NOT_A_PRIVATE_KEY` or `KEY_CERT_MISMATCH`.
 */
export function loadCertificateAuthority(certificatePem: string, privateKeyPem: string): DevCertificateAuthority {
  const cert = parseX509(certificatePem);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(privateKeyPem);
  } catch (err) {
    throw new CredentialsError("NOT_A_PRIVATE_KEY", "the CA key file is not a readable private key", { cause: err });
  }
  if (!cert.checkPrivateKey(privateKey)) {
    throw new CredentialsError("KEY_CERT_MISMATCH", "the CA key does not belong to the CA certificate");
  }
  return {
    certificatePem: cert.toString(),
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    privateKey,
    subject: describeX509(cert).subject,
  };
}

/**
 * Issues an RSA-2048 TLS server certificate (serverAuth, subjectAltName DNS and IP entries) signed
 * by `ca`, e.g. for the ANPR simulator's HTTPS endpoint on localhost.
 */
export function issueServerCertificate(
  ca: DevCertificateAuthority,
  options: IssueServerCertificateOptions,
): IssuedCertificate {
  const altNames: Array<{ type: number; value?: string; ip?: string }> = [
    ...(options.dnsNames ?? []).map((value) => ({ type: 2, value })),
    ...(options.ipAddresses ?? []).map((ip) => {
      if (isIP(ip) === 0)
        throw new DomainError("invalid-input", `"${ip}" is not an IP address`, { reason: "INVALID_IP_ADDRESS" });
      return { type: 7, ip };
    }),
  ];
  return issue(
    ca,
    options.validDays,
    options.notBefore,
    [
      { shortName: "C", value: "IT" },
      { shortName: "O", value: "Novabox mesh (development)" },
      { shortName: "CN", value: options.commonName },
    ],
    [
      { name: "basicConstraints", cA: false, critical: true },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      ...(altNames.length > 0 ? [{ name: "subjectAltName", altNames }] : []),
    ],
  );
}

/**
 * Issues an RSA-2048 workstation (postazione) certificate signed by `ca`: CN = postazione id,
 * O = "Comune <ISTAT code>", digitalSignature + nonRepudiation, clientAuth + emailProtection (so
 * OpenSSL accepts it for CMS signing). Returns PEMs and a `toPkcs12(pin)` packager.
 */
export function issueWorkstationCertificate(
  ca: DevCertificateAuthority,
  options: IssueWorkstationCertificateOptions,
): IssuedWorkstationCertificate {
  const issued = issue(
    ca,
    options.validDays,
    options.notBefore,
    [
      { shortName: "C", value: "IT" },
      { shortName: "O", value: `Comune ${options.comuneCode}` },
      { shortName: "OU", value: "Postazioni ANPR" },
      { shortName: "CN", value: options.postazioneId },
    ],
    [
      { name: "basicConstraints", cA: false, critical: true },
      { name: "keyUsage", digitalSignature: true, nonRepudiation: true, critical: true },
      { name: "extKeyUsage", clientAuth: true, emailProtection: true },
    ],
  );
  return {
    ...issued,
    toPkcs12(pin, p12Options = {}) {
      const key = forge.pki.privateKeyFromPem(issued.privateKeyPem);
      const chain = [
        forge.pki.certificateFromPem(issued.certificatePem),
        forge.pki.certificateFromPem(ca.certificatePem),
      ];
      const encryption = {
        algorithm: "aes256",
        prfAlgorithm: "sha256",
        count: 2048,
        friendlyName: p12Options.friendlyName ?? options.postazioneId,
      };
      const asn1 = forge.pkcs12.toPkcs12Asn1(
        key,
        chain,
        pin,
        encryption as Parameters<typeof forge.pkcs12.toPkcs12Asn1>[3],
      );
      return new Uint8Array(Buffer.from(forge.asn1.toDer(asn1).getBytes(), "binary"));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// internals
// ---------------------------------------------------------------------------------------------

function toX509List(items: ReadonlyArray<string | X509Certificate>): X509Certificate[] {
  return items.flatMap((item) => (item instanceof X509Certificate ? [item] : splitPemBundle(item).map(parseX509)));
}

function parseX509(input: Uint8Array | string): X509Certificate {
  try {
    if (typeof input === "string") return new X509Certificate(input);
    const text = Buffer.from(input).toString("latin1");
    return new X509Certificate(text.includes("-----BEGIN") ? text : Buffer.from(input));
  } catch (err) {
    throw new CredentialsError("NOT_A_CERTIFICATE", "the input is not an X.509 certificate (PEM or DER)", {
      cause: err,
    });
  }
}

function describeX509(cert: X509Certificate): CertificateInfo {
  return {
    pem: cert.toString(),
    subject: rfc4514(cert.subject),
    issuer: rfc4514(cert.issuer),
    serialNumber: cert.serialNumber.toUpperCase(),
    fingerprintSha256: cert.fingerprint256,
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    isCa: cert.ca,
  };
}

/** node:crypto prints names one RDN per line, least specific first, values already RFC 2253-escaped. */
function rfc4514(multiline: string): string {
  return multiline
    .split("\n")
    .filter((line) => line.length > 0)
    .reverse()
    .join(",");
}

function checkValidity(info: CertificateInfo, now: Date): void {
  if (now < info.notBefore) {
    throw new CredentialsError(
      "CERT_NOT_YET_VALID",
      `the workstation certificate is not valid yet (valid from ${info.notBefore.toISOString()})`,
      {
        metadata: { notBefore: info.notBefore.toISOString() },
      },
    );
  }
  if (now > info.notAfter) {
    throw new CredentialsError(
      "CERT_EXPIRED",
      `the workstation certificate expired on ${info.notAfter.toISOString()}`,
      {
        metadata: { notAfter: info.notAfter.toISOString() },
      },
    );
  }
}

function validAt(cert: X509Certificate, now: Date): boolean {
  return now >= new Date(cert.validFrom) && now <= new Date(cert.validTo);
}

function issuedBy(cert: X509Certificate, ca: X509Certificate, now: Date): boolean {
  return ca.ca && validAt(ca, now) && cert.checkIssued(ca) && cert.verify(ca.publicKey);
}

function asn1ToDer(asn1: Forge.asn1.Asn1): Buffer {
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), "binary");
}

/** Keeps the forge error's message for the logs but drops any attached ASN.1 or password data. */
function scrub(err: unknown): Error {
  return new Error(err instanceof Error ? err.message : "PKCS#12 parse error");
}

function generateRsaKey(): { privateKey: KeyObject; privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    privateKey,
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}

function newCertificate(publicKeyPem: string, validDays: number, notBefore?: Date): Forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKeyPem);
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01;
  cert.serialNumber = serial.toString("hex");
  const start = notBefore ?? new Date(Date.now() - 5 * 60_000);
  cert.validity.notBefore = start;
  cert.validity.notAfter = new Date(start.getTime() + validDays * 86_400_000);
  return cert;
}

function issue(
  ca: DevCertificateAuthority,
  validDays: number,
  notBefore: Date | undefined,
  subject: Forge.pki.CertificateField[],
  extensions: object[],
): IssuedCertificate {
  const caCert = forge.pki.certificateFromPem(ca.certificatePem);
  const { privateKey, publicKeyPem, privateKeyPem } = generateRsaKey();
  const cert = newCertificate(publicKeyPem, validDays, notBefore);
  cert.setSubject(subject);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    ...extensions,
    { name: "subjectKeyIdentifier" },
    { name: "authorityKeyIdentifier", keyIdentifier: subjectKeyIdentifierOf(ca.certificatePem) },
  ]);
  signCertificate(cert, ca.privateKey);
  return { certificatePem: forge.pki.certificateToPem(cert), privateKeyPem, privateKey, chainPem: [ca.certificatePem] };
}

/** RFC 5280 method 1: SHA-1 of the subjectPublicKey BIT STRING (the PKCS#1 RSAPublicKey), as forge bytes. */
function subjectKeyIdentifierOf(certificatePem: string): string {
  const rsaPublicKey = createPublicKey(certificatePem).export({ type: "pkcs1", format: "der" });
  return createHash("sha1").update(rsaPublicKey).digest().toString("binary");
}

/** forge's cert.sign (SHA-256 with RSA), the signature made by node:crypto (about 100 times faster than forge). */
export function signCertificate(cert: Forge.pki.Certificate, key: KeyObject): void {
  const oid = forge.pki.oids.sha256WithRSAEncryption!;
  cert.md = forge.md.sha256.create();
  cert.signatureOid = oid;
  cert.siginfo.algorithmOid = oid;
  const tbs = (
    forge.pki as unknown as { getTBSCertificate(c: Forge.pki.Certificate): Forge.asn1.Asn1 }
  ).getTBSCertificate(cert);
  cert.tbsCertificate = tbs;
  cert.signature = sign("sha256", asn1ToDer(tbs), key).toString("binary");
}
