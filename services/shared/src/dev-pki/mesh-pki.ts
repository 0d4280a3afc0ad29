/**
 * The mesh PKI: a private certification authority whose certificates authenticate every gRPC hop of
 * the mesh with mutual TLS (gateway → router → Novabox, and boxes announcing to the router). It
 * replaces the IPsec VPN of the old design: any party that holds a certificate from this CA is in
 * the mesh, anything else is refused during the TLS handshake, before a single byte of gRPC.
 *
 * Each party is both server and client (the router serves the gateway and calls the boxes; a box
 * serves the router and calls it to announce itself), so every leaf certificate carries
 * extendedKeyUsage serverAuth AND clientAuth. Its subjectAltName holds exactly one SPIFFE ID naming
 * who it speaks for (mesh-identity.ts: `spiffe://novares/router`, `.../gateway`,
 * `.../comune/<code>/postazione/<workstation>`), DNS localhost + IP 127.0.0.1, the names given for
 * every leaf (`hostnames`) and the names given for that leaf alone (`sans`), so each host gets a
 * certificate valid for its own name only.
 *
 * Files (PEM; keys PKCS#8, mode 0600, written atomically): `ca.pem` / `ca-key.pem`, `router.pem` /
 * `router-key.pem`, `gateway.pem` / `gateway-key.pem`, `box-<comune>.pem` / `box-<comune>-key.pem`
 * for the Comune's first workstation (`POST-<comune>-01`), `box-<comune>-<workstation>.pem` for others.
 * {@link ensureMeshPki} is idempotent: files that are still valid are kept, so a second run (or a
 * second `npm start`) changes nothing and running services keep trusting each other.
 */
import { X509Certificate, createPrivateKey, generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";
import { chmod, mkdir, readFile, stat } from "node:fs/promises";
import { isIP } from "node:net";
import { join, resolve } from "node:path";
import type { ChannelCredentials, ServerCredentials } from "@grpc/grpc-js";
import type * as Forge from "node-forge";
import { lazyRequire } from "../runtime/lazy-require.js";
import {
  createCertificateAuthority,
  loadCertificateAuthority,
  signCertificate,
  type DevCertificateAuthority,
} from "../anpr/pki.js";
import { DomainError } from "../runtime/domain-error.js";
import {
  isMeshWorkstationId,
  meshIdentityOfSubjectAltName,
  meshIdentityUri,
  type MeshIdentity,
} from "../mesh/mesh-identity.js";
import { createMeshTls, type MeshTls, type MeshTlsOptions } from "../mesh/mesh-tls.js";
import { writeAtomic } from "../runtime/write-atomic.js";

/** node-forge, loaded on first use (lazy-require.ts): a box that only signs with stored keys never loads it. */
const forge = lazyRequire<typeof Forge>("node-forge");

/** The organization (O) of every mesh certificate. */
export const meshOrganization = "Novares mesh";

/** The CN of the mesh CA. */
export const meshCaCommonName = "Novares mesh CA";

/** A party of the mesh: the router, the gateway, or the Novabox of a Comune (`box-<ISTAT code>`). */
export type MeshRole = "router" | "gateway" | `box-${string}`;

/** One box to certify: a Comune and one of its workstations. */
export interface MeshBoxSpec {
  comuneCode: string;
  workstationId: string;
}

/** The workstation a box certificate names when only the Comune is given: `POST-<comune>-01`. */
export function defaultWorkstationId(comuneCode: string): string {
  return `POST-${comuneCode}-01`;
}

/**
 * Parses a box as the CLI and tests write it: `022205` (first workstation, `POST-022205-01`) or
 * `022205:POST-022205-02`. Throws "invalid-input" naming the problem.
 */
export function parseMeshBoxSpec(value: string): MeshBoxSpec {
  const [comuneCode = "", workstation] = value.trim().split(":", 2);
  if (!comunePattern.test(comuneCode))
    throw new DomainError("invalid-input", `"${comuneCode}" is not an ISTAT Comune code (six digits, e.g. 022205)`, {
      reason: "INVALID_COMUNE_CODE",
    });
  const workstationId = workstation?.trim() || defaultWorkstationId(comuneCode);
  if (!isMeshWorkstationId(workstationId)) {
    throw new DomainError(
      "invalid-input",
      `"${workstationId}" cannot name a workstation in a mesh certificate: use 1-64 letters, digits, ".", "-" or "_"`,
      { reason: "INVALID_WORKSTATION_ID" },
    );
  }
  return { comuneCode, workstationId };
}

/** The file/role name of a box: `box-<comune>` for its first workstation, `box-<comune>-<workstation, lower case>` otherwise. */
export function meshBoxRole(box: MeshBoxSpec): MeshRole {
  return box.workstationId === defaultWorkstationId(box.comuneCode)
    ? `box-${box.comuneCode}`
    : `box-${box.comuneCode}-${box.workstationId.toLowerCase()}`;
}

/** The identity a role's certificate names (boxes: from `box`). */
export function meshIdentityForRole(role: MeshRole, box?: MeshBoxSpec): MeshIdentity {
  if (role === "router" || role === "gateway") return { role };
  if (!box) {
    const code = /^box-(\d{6})$/.exec(role)?.[1];
    if (!code)
      throw new DomainError("invalid-input", `the mesh role ${role} needs its Comune and workstation`, {
        reason: "INVALID_MESH_ROLE",
      });
    return { role: "box", comuneCode: code, workstationId: defaultWorkstationId(code) };
  }
  return { role: "box", comuneCode: box.comuneCode, workstationId: box.workstationId };
}

/** Options for {@link ensureMeshPki}. */
export interface EnsureMeshPkiOptions {
  /** The boxes that get a certificate: `022205` (its first workstation) or `022205:POST-022205-02`. */
  boxes: readonly string[];
  /** Extra DNS names or IP addresses EVERY leaf certificate is valid for (besides localhost, 127.0.0.1). */
  hostnames?: readonly string[];
  /** DNS names or IP addresses for one leaf only, by role (`router`, `gateway`, `box-022205`, ...): each host its own. */
  sans?: Readonly<Record<string, readonly string[]>>;
  /** Validity of new leaf certificates, in days (default 825). */
  leafValidDays?: number;
  /** Validity of a new CA, in days (default 3650). */
  caValidDays?: number;
  /** Leaves expiring sooner than this many days are renewed (default 30). */
  renewBeforeDays?: number;
  /** Reports each file as created or kept (for the CLI). */
  onFile?: (file: string, action: "created" | "kept") => void;
  /** The current time (tests). */
  now?: Date;
}

/** The files of one party. */
export interface MeshIdentityFiles {
  /** Its certificate, PEM. */
  certificate: string;
  /** Its private key, PKCS#8 PEM, mode 0600. */
  privateKey: string;
}

/** What {@link ensureMeshPki} produced: absolute paths. */
export interface MeshPki {
  dir: string;
  /** The CA certificate every party trusts. */
  caCertificate: string;
  /** The CA key (keep it off the servers in a real deployment). */
  caPrivateKey: string;
  /** Per role (`router`, `gateway`, `box-022205`, ...). */
  identities: Record<string, MeshIdentityFiles>;
  /** The files written by this run (empty when everything was kept). */
  created: string[];
}

/** grpc-js credentials of one party, built from the mesh PKI folder. */
export interface MeshCredentials {
  /** Server side: presents the party's certificate and REQUIRES a client certificate from the mesh CA. */
  server: ServerCredentials;
  /** Client side: trusts only the mesh CA and presents the party's certificate. */
  client: ChannelCredentials;
}

const comunePattern = /^\d{6}$/;

/** The file names of `role` inside the PKI folder. */
export function meshIdentityFileNames(role: MeshRole): MeshIdentityFiles {
  return { certificate: `${role}.pem`, privateKey: `${role}-key.pem` };
}

/**
 * Creates (or completes) the mesh PKI in `dir`: the CA, then router, gateway and one box per Comune.
 * Idempotent: a file pair is kept when it parses, the key matches, it chains to the CA, it is valid
 * for at least `renewBeforeDays` more days and its subjectAltName covers every requested hostname;
 * otherwise it is reissued. A missing or unreadable CA is recreated, and then every leaf with it.
 */
export async function ensureMeshPki(dir: string, options: EnsureMeshPkiOptions): Promise<MeshPki> {
  const root = resolve(dir);
  const now = options.now ?? new Date();
  const common = ["localhost", "127.0.0.1", ...(options.hostnames ?? [])];
  const boxes = options.boxes.map(parseMeshBoxSpec);
  await mkdir(root, { recursive: true, mode: 0o700 });
  const created: string[] = [];
  const report = (file: string, action: "created" | "kept") => {
    if (action === "created") created.push(file);
    options.onFile?.(file, action);
  };

  const caFile = join(root, "ca.pem");
  const caKeyFile = join(root, "ca-key.pem");
  let ca = await loadValidCa(caFile, caKeyFile, now, options.renewBeforeDays ?? 30);
  const caRenewed = ca === undefined;
  if (!ca) {
    ca = createCertificateAuthority({
      commonName: meshCaCommonName,
      organization: meshOrganization,
      validDays: options.caValidDays ?? 3650,
    });
    await writeAtomic(caKeyFile, ca.privateKeyPem, 0o600);
    await writeAtomic(caFile, ca.certificatePem, 0o644);
    report(caFile, "created");
    report(caKeyFile, "created");
  } else {
    await tightenKeyMode(caKeyFile);
    report(caFile, "kept");
    report(caKeyFile, "kept");
  }

  const parties = new Map<MeshRole, MeshIdentity>([
    ["router", { role: "router" }],
    ["gateway", { role: "gateway" }],
  ]);
  for (const box of boxes) parties.set(meshBoxRole(box), meshIdentityForRole(meshBoxRole(box), box));
  for (const role of Object.keys(options.sans ?? {})) {
    if (!parties.has(role as MeshRole))
      throw new DomainError(
        "invalid-input",
        `names were given for ${role}, which is not one of ${[...parties.keys()].join(", ")}`,
        { reason: "UNKNOWN_MESH_ROLE" },
      );
  }
  const identities: Record<string, MeshIdentityFiles> = {};
  const caCert = new X509Certificate(ca.certificatePem);
  for (const [role, identity] of parties) {
    const names = meshIdentityFileNames(role);
    const files = { certificate: join(root, names.certificate), privateKey: join(root, names.privateKey) };
    identities[role] = files;
    const hostnames = [...new Set([...common, ...(options.sans?.[role] ?? [])])];
    const keep =
      !caRenewed && (await leafStillGood(files, caCert, identity, hostnames, now, options.renewBeforeDays ?? 30));
    if (keep) {
      await tightenKeyMode(files.privateKey);
      report(files.certificate, "kept");
      report(files.privateKey, "kept");
      continue;
    }
    const leaf = issueMeshCertificate(ca, { role, identity, hostnames, validDays: options.leafValidDays ?? 825 });
    await writeAtomic(files.privateKey, leaf.privateKeyPem, 0o600);
    await writeAtomic(files.certificate, leaf.certificatePem, 0o644);
    report(files.certificate, "created");
    report(files.privateKey, "created");
  }
  return { dir: root, caCertificate: caFile, caPrivateKey: caKeyFile, identities, created };
}

/** Options for {@link issueMeshCertificate}. */
export interface IssueMeshCertificateOptions {
  role: MeshRole;
  /** Who the certificate speaks for (its SPIFFE ID); default from the role (a box role names its first workstation). */
  identity?: MeshIdentity;
  /** DNS names and IP addresses for subjectAltName. */
  hostnames: readonly string[];
  validDays: number;
  /** Start of validity; default five minutes ago (clock skew). */
  notBefore?: Date;
}

/**
 * Issues one mesh leaf certificate (RSA-2048, SHA-256) signed by `ca`: CN = role, O = "Novares
 * mesh", serverAuth + clientAuth, subjectAltName = the SPIFFE ID of `identity` plus `hostnames`.
 * Exposed for tests that need a certificate from another CA or for another identity.
 */
export function issueMeshCertificate(
  ca: DevCertificateAuthority,
  options: IssueMeshCertificateOptions,
): { certificatePem: string; privateKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: "spki", format: "pem" }).toString());
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01;
  cert.serialNumber = serial.toString("hex");
  const start = options.notBefore ?? new Date(Date.now() - 5 * 60_000);
  cert.validity.notBefore = start;
  cert.validity.notAfter = new Date(start.getTime() + options.validDays * 86_400_000);
  cert.setSubject([
    { shortName: "C", value: "IT" },
    { shortName: "O", value: meshOrganization },
    { shortName: "CN", value: options.role },
  ]);
  cert.setIssuer(forge.pki.certificateFromPem(ca.certificatePem).subject.attributes);
  const altNames = [
    { type: 6, value: meshIdentityUri(options.identity ?? meshIdentityForRole(options.role)) },
    ...options.hostnames.map((name) => (isIP(name) === 0 ? { type: 2, value: name } : { type: 7, ip: name })),
  ];
  cert.setExtensions([
    { name: "basicConstraints", cA: false, critical: true },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true, clientAuth: true },
    { name: "subjectAltName", altNames },
    { name: "subjectKeyIdentifier" },
  ]);
  signCertificate(cert, ca.privateKey);
  return {
    certificatePem: forge.pki.certificateToPem(cert),
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  };
}

/**
 * grpc-js credentials for `role` from the PKI folder `dir` (as written by {@link ensureMeshPki}).
 * The server credentials demand and verify a client certificate; the client credentials trust
 * only the mesh CA, so neither side accepts a party from outside the mesh. Both follow the files:
 * a renewed certificate is used without a restart (see mesh-tls.ts). Reads the files once now and
 * throws "precondition-failed" when they are missing or inconsistent: call it at start.
 */
export function meshCredentials(dir: string, role: MeshRole, options: MeshTlsOptions = {}): MeshCredentials & MeshTls {
  const root = resolve(dir);
  const names = meshIdentityFileNames(role);
  return createMeshTls(
    {
      caCertificate: join(root, "ca.pem"),
      certificate: join(root, names.certificate),
      privateKey: join(root, names.privateKey),
    },
    options,
  );
}

async function loadValidCa(
  certFile: string,
  keyFile: string,
  now: Date,
  renewBeforeDays: number,
): Promise<DevCertificateAuthority | undefined> {
  try {
    const ca = loadCertificateAuthority(await readFile(certFile, "utf8"), await readFile(keyFile, "utf8"));
    const cert = new X509Certificate(ca.certificatePem);
    if (!cert.ca || !validFor(cert, now, renewBeforeDays)) return undefined;
    return ca;
  } catch {
    return undefined;
  }
}

async function leafStillGood(
  files: MeshIdentityFiles,
  ca: X509Certificate,
  identity: MeshIdentity,
  hostnames: readonly string[],
  now: Date,
  renewBeforeDays: number,
): Promise<boolean> {
  try {
    const cert = new X509Certificate(await readFile(files.certificate));
    const key: KeyObject = createPrivateKey(await readFile(files.privateKey));
    if (!cert.checkPrivateKey(key) || !cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return false;
    if (!validFor(cert, now, renewBeforeDays)) return false;
    const san = cert.subjectAltName ?? "";
    const named = meshIdentityOfSubjectAltName(san);
    if (!named || meshIdentityUri(named) !== meshIdentityUri(identity)) return false;
    return hostnames.every((name) => san.includes(isIP(name) === 0 ? `DNS:${name}` : `IP Address:${name}`));
  } catch {
    return false;
  }
}

function validFor(cert: X509Certificate, now: Date, days: number): boolean {
  return now >= new Date(cert.validFrom) && new Date(cert.validTo).getTime() - now.getTime() > days * 86_400_000;
}

async function tightenKeyMode(file: string): Promise<void> {
  if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
}
