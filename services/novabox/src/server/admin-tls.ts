/**
 * The admin panel's door: HTTPS unless the box listens on loopback only. The panel carries the
 * workstation PKCS#12, its PIN and the admin password, so it is never served in clear on a network
 * interface:
 *
 * - a certificate the Comune provides (`certFile` + `keyFile`, PEM; e.g. from its own CA), or
 * - one generated on first start (RSA-2048, self-signed, 2 years, SANs localhost, 127.0.0.1, ::1,
 *   the host name and the listen address and `hostnames`), kept in ANPR_HOME/admin-tls and reused;
 *   re-generated when it has expired or expires within 30 days. The caller logs its SHA-256
 *   fingerprint so the administrator can compare it with what the browser shows before trusting it.
 *
 * Plain HTTP only when the listen address is a loopback address (behind a local reverse proxy, or
 * `npm start`); asked for on any other address it is refused before anything listens.
 */
import { X509Certificate, createPrivateKey, generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { isIP } from "node:net";
import { join } from "node:path";
import type * as Forge from "node-forge";
import { lazyRequire } from "#shared/runtime/lazy-require.js";
import { DomainError } from "#shared/runtime/domain-error.js";
import { writeAtomic } from "#shared/runtime/write-atomic.js";

/** node-forge, loaded on first use (lazy-require.ts): a box that only signs with stored keys never loads it. */
const forge = lazyRequire<typeof Forge>("node-forge");

/** `auto`: HTTPS unless bound to loopback; `https`: always; `http`: only on loopback. */
export type AdminTlsMode = "auto" | "https" | "http";

/** Options of {@link resolveAdminDoor}. */
export interface AdminDoorOptions {
  /** ANPR_HOME: where a generated certificate is kept (admin-tls/). */
  home: string;
  /** The listen address of the HTTP listener. */
  host: string;
  mode: AdminTlsMode;
  /** A certificate the Comune provides (PEM, may include the chain) and its key. */
  certFile?: string;
  keyFile?: string;
  /** Extra names for a generated certificate (DNS names or IP addresses). */
  hostnames?: readonly string[];
  clock?: () => Date;
}

/** How the panel is served. */
export type AdminDoor =
  | { scheme: "http" }
  | {
      scheme: "https";
      certificatePem: string;
      privateKeyPem: string;
      /** SHA-256 fingerprint, colon-separated hex (what browsers and `openssl x509 -fingerprint -sha256` show). */
      fingerprint: string;
      /** "provided" by the Comune, "generated" now, or "stored" (generated at an earlier start). */
      origin: "provided" | "generated" | "stored";
      notAfter: Date;
    };

/** The door's configuration cannot be used (the box refuses to start). */
export class AdminDoorError extends DomainError {
  constructor(message: string, reason: "ADMIN_PLAINTEXT_NOT_LOOPBACK" | "ADMIN_TLS_FILES_UNUSABLE", cause?: unknown) {
    super("invalid-input", message, { reason, cause });
  }
}

/** True for addresses reachable from this host only. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

const renewBeforeMs = 30 * 86_400_000;
const validityMs = 730 * 86_400_000;

/** Decides HTTP or HTTPS and loads (or creates) the certificate. Throws {@link AdminDoorError}. */
export async function resolveAdminDoor(options: AdminDoorOptions): Promise<AdminDoor> {
  const loopback = isLoopbackHost(options.host);
  if (options.mode === "http") {
    if (!loopback) {
      throw new AdminDoorError(
        `the admin panel carries the workstation certificate, its PIN and the admin password: plain HTTP is allowed only on a loopback address, not on ${options.host}; use HTTPS (NOVABOX_ADMIN_TLS=auto) or bind NOVABOX_HOST to 127.0.0.1 behind a TLS reverse proxy`,
        "ADMIN_PLAINTEXT_NOT_LOOPBACK",
      );
    }
    return { scheme: "http" };
  }
  if (options.mode === "auto" && loopback && !options.certFile) return { scheme: "http" };
  const clock = options.clock ?? (() => new Date());
  if (options.certFile || options.keyFile) return providedDoor(options);
  return generatedDoor(options, clock);
}

async function providedDoor(options: AdminDoorOptions): Promise<AdminDoor> {
  if (!options.certFile || !options.keyFile) {
    throw new AdminDoorError(
      "give both the admin panel's certificate and its key (NOVABOX_ADMIN_TLS_CERT_FILE and NOVABOX_ADMIN_TLS_KEY_FILE)",
      "ADMIN_TLS_FILES_UNUSABLE",
    );
  }
  let certificatePem: string;
  let privateKeyPem: string;
  try {
    [certificatePem, privateKeyPem] = await Promise.all([
      readFile(options.certFile, "utf8"),
      readFile(options.keyFile, "utf8"),
    ]);
  } catch (err) {
    throw new AdminDoorError(
      `cannot read the admin panel's certificate or key: ${err instanceof Error ? err.message : String(err)}`,
      "ADMIN_TLS_FILES_UNUSABLE",
      err,
    );
  }
  const cert = parse(certificatePem, privateKeyPem);
  if (!cert)
    throw new AdminDoorError(
      `${options.certFile} and ${options.keyFile} are not a matching PEM certificate and private key`,
      "ADMIN_TLS_FILES_UNUSABLE",
    );
  return {
    scheme: "https",
    certificatePem,
    privateKeyPem,
    fingerprint: cert.fingerprint256,
    origin: "provided",
    notAfter: new Date(cert.validTo),
  };
}

/** The certificate and key when they match, else undefined. */
function parse(certificatePem: string, privateKeyPem: string): X509Certificate | undefined {
  try {
    const cert = new X509Certificate(certificatePem);
    return cert.checkPrivateKey(createPrivateKey(privateKeyPem)) ? cert : undefined;
  } catch {
    return undefined;
  }
}

async function generatedDoor(options: AdminDoorOptions, clock: () => Date): Promise<AdminDoor> {
  const dir = join(options.home, "admin-tls");
  const certPath = join(dir, "admin-cert.pem");
  const keyPath = join(dir, "admin-key.pem");
  try {
    const [certificatePem, privateKeyPem] = await Promise.all([readFile(certPath, "utf8"), readFile(keyPath, "utf8")]);
    const cert = parse(certificatePem, privateKeyPem);
    if (cert && new Date(cert.validTo).getTime() - clock().getTime() > renewBeforeMs) {
      return {
        scheme: "https",
        certificatePem,
        privateKeyPem,
        fingerprint: cert.fingerprint256,
        origin: "stored",
        notAfter: new Date(cert.validTo),
      };
    }
  } catch {
    // none yet
  }
  const names = [
    ...new Set(
      [
        "localhost",
        "127.0.0.1",
        "::1",
        hostname(),
        ...(options.host && options.host !== "0.0.0.0" && options.host !== "::" ? [options.host] : []),
        ...(options.hostnames ?? []),
      ].filter(Boolean),
    ),
  ];
  const { certificatePem, privateKeyPem } = selfSigned(names, clock());
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeAtomic(keyPath, privateKeyPem, 0o600);
  await writeAtomic(certPath, certificatePem, 0o644);
  const cert = new X509Certificate(certificatePem);
  return {
    scheme: "https",
    certificatePem,
    privateKeyPem,
    fingerprint: cert.fingerprint256,
    origin: "generated",
    notAfter: new Date(cert.validTo),
  };
}

function selfSigned(names: readonly string[], now: Date): { certificatePem: string; privateKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const privateKeyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: "spki", format: "pem" }).toString());
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01;
  cert.serialNumber = serial.toString("hex");
  cert.validity.notBefore = new Date(now.getTime() - 5 * 60_000);
  cert.validity.notAfter = new Date(now.getTime() + validityMs);
  const subject = [
    { shortName: "CN", value: `Novabox admin panel (${hostname()})` },
    { shortName: "O", value: "Novabox" },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: "basicConstraints", cA: false, critical: true },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    { name: "subjectAltName", altNames: names.map((n) => (isIP(n) ? { type: 7, ip: n } : { type: 2, value: n })) },
    { name: "subjectKeyIdentifier" },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privateKeyPem), forge.md.sha256.create());
  return { certificatePem: forge.pki.certificateToPem(cert), privateKeyPem };
}
