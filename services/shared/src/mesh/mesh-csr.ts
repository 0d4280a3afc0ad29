/**
 * Mesh certificates issued without moving private keys (PKCS#10, RFC 2986): a box creates its own
 * key and a certificate signing request naming its SPIFFE ID and host names; the Novares operator
 * signs the request with the mesh CA only for a Comune it approved, and the box installs the
 * certificate next to its key. Renewal is the same flow with a fresh key, started before expiry;
 * the running box picks the new pair up without a restart (mesh-tls.ts re-reads its files).
 *
 * Files of a box (`role` = `box-<comune>` or `box-<comune>-<workstation>`), in its mesh folder:
 * `<role>-key.pem.next` + `<role>.csr` while a request is pending, `<role>.pem` + `<role>-key.pem`
 * once installed (key written before certificate; the loader keeps the old pair until both match).
 */
import { X509Certificate, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from "node:crypto";
import { chmod, readFile, rename, rm, writeFile } from "node:fs/promises";
import { isIP } from "node:net";
import { join } from "node:path";
import type * as Forge from "node-forge";
import { lazyRequire } from "../runtime/lazy-require.js";
import type { DevCertificateAuthority } from "../anpr/pki.js";
import { DomainError } from "../runtime/domain-error.js";
import { meshIdentityUri, parseMeshIdentityUri, type MeshIdentity } from "./mesh-identity.js";
import { meshOrganization } from "../dev-pki/mesh-pki.js";

/** node-forge, loaded on first use (lazy-require.ts): a box that only signs with stored keys never loads it. */
const forge = lazyRequire<typeof Forge>("node-forge");

/** A signing request cannot be signed (reason says why). */
export class MeshCsrError extends DomainError {
  constructor(
    message: string,
    reason:
      | "CSR_UNREADABLE"
      | "CSR_SIGNATURE_INVALID"
      | "CSR_NO_IDENTITY"
      | "CSR_COMUNE_NOT_APPROVED"
      | "CSR_ROLE_NOT_ALLOWED",
    kind: "invalid-input" | "forbidden" = "invalid-input",
  ) {
    super(kind, message, { reason });
  }
}

/** Creates a fresh RSA-2048 key and a CSR for `identity` with `hostnames` (DNS names or IPs). */
export function createMeshCsr(
  identity: MeshIdentity,
  hostnames: readonly string[],
): { csrPem: string; privateKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const privateKeyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: "spki", format: "pem" }).toString());
  csr.setSubject([
    { shortName: "C", value: "IT" },
    { shortName: "O", value: meshOrganization },
    { shortName: "CN", value: meshIdentityUri(identity) },
  ]);
  csr.setAttributes([
    { name: "extensionRequest", extensions: [{ name: "subjectAltName", altNames: altNamesOf(identity, hostnames) }] },
  ]);
  csr.sign(forge.pki.privateKeyFromPem(privateKeyPem), forge.md.sha256.create());
  return { csrPem: forge.pki.certificationRequestToPem(csr), privateKeyPem };
}

function altNamesOf(identity: MeshIdentity, hostnames: readonly string[]) {
  return [
    { type: 6, value: meshIdentityUri(identity) },
    ...hostnames.map((name) => (isIP(name) === 0 ? { type: 2, value: name } : { type: 7, ip: name })),
  ];
}

/** What the operator allows. */
export interface MeshCsrPolicy {
  /** ISTAT codes of the Comuni whose boxes may be certified. */
  approvedComuni: readonly string[];
  /** Certify a router or gateway request too (default false: those are issued by the operator). */
  allowNovaresRoles?: boolean;
  validDays: number;
}

/**
 * Checks the CSR (its own signature, one SPIFFE ID, a box of an approved Comune) and signs it with
 * `ca`: the certificate carries the requested names and the requester's public key, never a key
 * the operator saw. Throws {@link MeshCsrError}.
 */
export function signMeshCsr(
  ca: DevCertificateAuthority,
  csrPem: string,
  policy: MeshCsrPolicy,
): { certificatePem: string; identity: MeshIdentity; hostnames: string[] } {
  let csr: Forge.pki.CertificateSigningRequest;
  try {
    csr = forge.pki.certificationRequestFromPem(csrPem);
  } catch {
    throw new MeshCsrError(
      "the file is not a PEM certificate signing request (-----BEGIN CERTIFICATE REQUEST-----)",
      "CSR_UNREADABLE",
    );
  }
  if (!csr.verify())
    throw new MeshCsrError(
      "the signing request's signature does not match its key: it was altered; ask the box for a new one",
      "CSR_SIGNATURE_INVALID",
    );
  const extensions =
    (
      csr.getAttribute({ name: "extensionRequest" }) as {
        extensions?: { name: string; altNames?: { type: number; value?: string; ip?: string }[] }[];
      } | null
    )?.extensions ?? [];
  const altNames = extensions.find((e) => e.name === "subjectAltName")?.altNames ?? [];
  const uris = altNames.filter((a) => a.type === 6).map((a) => a.value ?? "");
  const identity = uris.length === 1 ? parseMeshIdentityUri(uris[0]!) : undefined;
  if (!identity)
    throw new MeshCsrError(
      "the signing request must name exactly one mesh identity (URI spiffe://novares/comune/<code>/postazione/<id>)",
      "CSR_NO_IDENTITY",
    );
  if (identity.role !== "box" && !policy.allowNovaresRoles)
    throw new MeshCsrError(
      `the signing request is for the ${identity.role}: only Novabox requests are signed this way`,
      "CSR_ROLE_NOT_ALLOWED",
      "forbidden",
    );
  if (identity.role === "box" && !policy.approvedComuni.includes(identity.comuneCode ?? "")) {
    throw new MeshCsrError(
      `Comune ${identity.comuneCode ?? "?"} is not approved for the mesh (approved: ${policy.approvedComuni.join(", ") || "none"}): nothing signed`,
      "CSR_COMUNE_NOT_APPROVED",
      "forbidden",
    );
  }
  const hostnames = altNames.filter((a) => a.type === 2 || a.type === 7).map((a) => (a.type === 2 ? a.value! : a.ip!));

  const cert = forge.pki.createCertificate();
  cert.publicKey = csr.publicKey!;
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01;
  cert.serialNumber = serial.toString("hex");
  const start = new Date(Date.now() - 5 * 60_000);
  cert.validity.notBefore = start;
  cert.validity.notAfter = new Date(start.getTime() + policy.validDays * 86_400_000);
  cert.setSubject([
    { shortName: "C", value: "IT" },
    { shortName: "O", value: meshOrganization },
    { shortName: "CN", value: meshIdentityUri(identity) },
  ]);
  cert.setIssuer(forge.pki.certificateFromPem(ca.certificatePem).subject.attributes);
  cert.setExtensions([
    { name: "basicConstraints", cA: false, critical: true },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true, clientAuth: true },
    { name: "subjectAltName", altNames: altNamesOf(identity, hostnames) },
    { name: "subjectKeyIdentifier" },
  ]);
  cert.sign(
    forge.pki.privateKeyFromPem(ca.privateKey.export({ type: "pkcs8", format: "pem" }).toString()),
    forge.md.sha256.create(),
  );
  return { certificatePem: forge.pki.certificateToPem(cert), identity, hostnames };
}

/** True when the certificate in `certFile` expires within `days` days (or cannot be read). */
export async function dueForRenewal(certFile: string, days: number, now = new Date()): Promise<boolean> {
  try {
    const cert = new X509Certificate(await readFile(certFile));
    return new Date(cert.validTo).getTime() - now.getTime() <= days * 86_400_000;
  } catch {
    return true;
  }
}

/** Writes `<role>-key.pem.next` (0600) and `<role>.csr` in `dir`. */
export async function writeMeshCsr(
  dir: string,
  role: string,
  request: { csrPem: string; privateKeyPem: string },
): Promise<{ csr: string; pendingKey: string }> {
  const pendingKey = join(dir, `${role}-key.pem.next`);
  const csr = join(dir, `${role}.csr`);
  await writeFile(pendingKey, request.privateKeyPem, { mode: 0o600 });
  await chmod(pendingKey, 0o600);
  await writeFile(csr, request.csrPem);
  return { csr, pendingKey };
}

/**
 * Installs a signed certificate for the pending key: checks they match and that the certificate is
 * signed by the mesh CA in `dir`, then replaces key and certificate (each by rename). Throws when
 * the certificate is not for the pending key.
 */
export async function installMeshCertificate(
  dir: string,
  role: string,
  certificatePem: string,
): Promise<{ fingerprint: string; notAfter: Date }> {
  const pendingKey = join(dir, `${role}-key.pem.next`);
  const keyPem = await readFile(pendingKey, "utf8");
  const cert = new X509Certificate(certificatePem);
  const ca = new X509Certificate(await readFile(join(dir, "ca.pem")));
  if (!cert.checkPrivateKey(createPrivateKey(keyPem)))
    throw new DomainError(
      "invalid-input",
      `the certificate is not for the key of the pending request (${pendingKey})`,
      { reason: "CERTIFICATE_KEY_MISMATCH" },
    );
  if (!cert.checkIssued(ca) || !cert.verify(createPublicKey(ca.publicKey.export({ type: "spki", format: "pem" })))) {
    throw new DomainError("invalid-input", "the certificate is not signed by the mesh CA (ca.pem)", {
      reason: "CERTIFICATE_NOT_FROM_MESH_CA",
    });
  }
  const tmpCert = join(dir, `${role}.pem.${randomBytes(4).toString("hex")}.tmp`);
  await writeFile(tmpCert, certificatePem);
  await rename(pendingKey, join(dir, `${role}-key.pem`));
  await rename(tmpCert, join(dir, `${role}.pem`));
  await rm(join(dir, `${role}.csr`), { force: true });
  return { fingerprint: cert.fingerprint256, notAfter: new Date(cert.validTo) };
}
