/**
 * Signed audit-log checkpoints and signed audit exports: the evidence a Novabox produces about its
 * audit log so that someone outside the box (the Novares witness, a DPO, an auditor) can later tell
 * whether the log still says what it said.
 *
 * **Checkpoint.** The head of the log (last id, its hash, rows retained, time, chain scheme) of one
 * box (Comune + workstation), serialized as a `novares.witness.v1.AuditCheckpoint` message. The box
 * signs `"novabox-audit-checkpoint-v1\n" ‖ bytes` with RSASSA-PKCS1-v1_5 / SHA-256 under its mesh
 * private key and attaches its mesh certificate. A verifier checks that the certificate was issued
 * by the mesh CA, is valid at the checkpoint's time, names (SPIFFE ID, mesh-identity.ts) the very box
 * the checkpoint speaks for (its Comune and workstation), and that the signature verifies over the
 * exact bytes received.
 *
 * **Export.** A CSV export comes with a detached signature file (JSON, `novabox-audit-export-v1`):
 * the export's checkpoint (signed as above), the SHA-256 of the CSV bytes, and the box's signature
 * over `"novabox-audit-export-v1\n" ‖ SHA-256(csv) ‖ checkpoint bytes`. Changing one byte of the CSV
 * (or swapping the checkpoint) makes {@link verifyAuditExport} fail.
 */
import { createHash, createPrivateKey, sign, verify, X509Certificate, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { AuditCheckpointSchema } from "#gen/novares/witness/v1/witness_service_pb.js";
import { DomainError } from "../runtime/domain-error.js";
import { describeMeshIdentity, meshIdentityOfSubjectAltName } from "./mesh-identity.js";

/** What a checkpoint asserts. */
export interface AuditHead {
  comuneCode: string;
  workstationCode: string;
  /** Id of the newest row (0 for an empty log). */
  lastId: number;
  headHash: string;
  rowCount: number;
  time: Date;
  /** `novabox-audit-v2` (or v1 for a log not yet migrated). */
  chain: string;
  /** Why it was taken: announce, backup, export. */
  purpose: string;
  /** The backup's newest id when the log was restored from a backup (0: never restored). */
  restoredFromId?: number;
  restoredAt?: Date;
  /** The id the witness reported last, and the hash the log holds for it now. */
  priorId?: number;
  priorHash?: string;
}

/** A checkpoint as signed and carried on the wire. */
export interface SignedCheckpoint {
  /** The serialized AuditCheckpoint: exactly the signed bytes. */
  checkpoint: Uint8Array;
  signature: Uint8Array;
  certificatePem: string;
}

/** The box's signing identity: its mesh certificate and private key. */
export interface MeshSigningIdentity {
  certificatePem: string;
  privateKey: KeyObject;
}

/** A checkpoint or export whose signature, signer or content does not verify. */
export class EvidenceInvalidError extends DomainError {
  constructor(message: string, reason = "EVIDENCE_INVALID") {
    super("forbidden", message, { reason });
  }
}

const checkpointPrefix = Buffer.from("novabox-audit-checkpoint-v1\n", "ascii");
const exportPrefix = Buffer.from("novabox-audit-export-v1\n", "ascii");

/**
 * The signing identity of the mesh TLS pair loaded now (mesh-tls.ts `material()`), so a renewed
 * certificate signs from the moment it serves TLS: the process reads its mesh files once, in one
 * place. The key is parsed once per pair.
 */
export function meshSigningIdentityOf(
  material: () => { certificate: Buffer; privateKey: Buffer },
): () => MeshSigningIdentity {
  let cached: { certificate: Buffer; identity: MeshSigningIdentity } | undefined;
  return () => {
    const current = material();
    if (cached?.certificate !== current.certificate)
      cached = {
        certificate: current.certificate,
        identity: {
          certificatePem: current.certificate.toString("utf8"),
          privateKey: createPrivateKey(current.privateKey),
        },
      };
    return cached.identity;
  };
}

/** Reads a box's signing identity from the mesh PKI folder (`<role>.pem`, `<role>-key.pem`). */
export function loadMeshSigningIdentity(dir: string, role: string): MeshSigningIdentity {
  const root = resolve(dir);
  return {
    certificatePem: readFileSync(join(root, `${role}.pem`), "utf8"),
    privateKey: createPrivateKey(readFileSync(join(root, `${role}-key.pem`))),
  };
}

/** Serializes a head as the AuditCheckpoint message. */
export function encodeCheckpoint(head: AuditHead): Uint8Array {
  return toBinary(
    AuditCheckpointSchema,
    create(AuditCheckpointSchema, {
      comuneCode: head.comuneCode,
      workstationCode: head.workstationCode,
      lastId: BigInt(head.lastId),
      headHash: head.headHash,
      rowCount: BigInt(head.rowCount),
      time: timestampFromDate(head.time),
      chain: head.chain,
      purpose: head.purpose,
      restoredFromId: BigInt(head.restoredFromId ?? 0),
      ...(head.restoredAt ? { restoredAt: timestampFromDate(head.restoredAt) } : {}),
      priorId: BigInt(head.priorId ?? 0),
      priorHash: head.priorHash ?? "",
    }),
  );
}

/** Parses checkpoint bytes (no signature check: see {@link verifyCheckpoint}). */
export function decodeCheckpoint(bytes: Uint8Array): AuditHead {
  let message;
  try {
    message = fromBinary(AuditCheckpointSchema, bytes);
  } catch (err) {
    throw new EvidenceInvalidError(
      `the audit checkpoint cannot be parsed: ${err instanceof Error ? err.message : String(err)}`,
      "CHECKPOINT_UNREADABLE",
    );
  }
  return {
    comuneCode: message.comuneCode,
    workstationCode: message.workstationCode,
    lastId: Number(message.lastId),
    headHash: message.headHash,
    rowCount: Number(message.rowCount),
    time: message.time ? timestampDate(message.time) : new Date(0),
    chain: message.chain,
    purpose: message.purpose,
    restoredFromId: Number(message.restoredFromId),
    ...(message.restoredAt ? { restoredAt: timestampDate(message.restoredAt) } : {}),
    priorId: Number(message.priorId),
    priorHash: message.priorHash,
  };
}

/** Signs a head with the box's mesh key. */
export function signCheckpoint(head: AuditHead, identity: MeshSigningIdentity): SignedCheckpoint {
  const checkpoint = encodeCheckpoint(head);
  const signature = sign("sha256", Buffer.concat([checkpointPrefix, checkpoint]), identity.privateKey);
  return { checkpoint, signature: new Uint8Array(signature), certificatePem: identity.certificatePem };
}

/** Options of {@link verifyCheckpoint}. */
export interface VerifyCheckpointOptions {
  /** The mesh CA certificate (PEM) the signer must be issued by. */
  caPem: string;
  /**
   * The certificate the checkpoint must be signed with (e.g. the announcing peer's TLS client
   * certificate, PEM or DER); when given, the attached certificate must be the same one.
   */
  expectedCertificate?: string | Uint8Array;
}

function checkSigner(
  certificatePem: string,
  options: VerifyCheckpointOptions,
  comuneCode: string,
  workstationCode: string,
  at: Date,
): X509Certificate {
  let cert: X509Certificate;
  let ca: X509Certificate;
  try {
    cert = new X509Certificate(certificatePem);
    ca = new X509Certificate(options.caPem);
  } catch {
    throw new EvidenceInvalidError("the signer's certificate cannot be parsed", "SIGNER_UNREADABLE");
  }
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey))
    throw new EvidenceInvalidError("the signer's certificate was not issued by the mesh CA", "SIGNER_NOT_IN_MESH");
  const identity = meshIdentityOfSubjectAltName(cert.subjectAltName);
  if (identity?.role !== "box" || identity.comuneCode !== comuneCode || identity.workstationId !== workstationCode) {
    throw new EvidenceInvalidError(
      `the checkpoint speaks for Comune ${comuneCode} workstation ${workstationCode} but is signed by ${describeMeshIdentity(identity)}`,
      "SIGNER_WRONG_BOX",
    );
  }
  if (at.getTime() < Date.parse(cert.validFrom) - 300_000 || at.getTime() > Date.parse(cert.validTo)) {
    throw new EvidenceInvalidError(`the signer's certificate was not valid at ${at.toISOString()}`, "SIGNER_EXPIRED");
  }
  if (options.expectedCertificate !== undefined) {
    const expected = new X509Certificate(
      typeof options.expectedCertificate === "string"
        ? options.expectedCertificate
        : Buffer.from(options.expectedCertificate),
    );
    if (expected.fingerprint256 !== cert.fingerprint256)
      throw new EvidenceInvalidError(
        "the checkpoint is signed with another certificate than the announcing box's",
        "SIGNER_NOT_PEER",
      );
  }
  return cert;
}

/** Verifies a signed checkpoint and returns what it asserts; throws {@link EvidenceInvalidError}. */
export function verifyCheckpoint(signed: SignedCheckpoint, options: VerifyCheckpointOptions): AuditHead {
  const head = decodeCheckpoint(signed.checkpoint);
  const cert = checkSigner(signed.certificatePem, options, head.comuneCode, head.workstationCode, head.time);
  if (!verify("sha256", Buffer.concat([checkpointPrefix, signed.checkpoint]), cert.publicKey, signed.signature)) {
    throw new EvidenceInvalidError(
      "the checkpoint's signature does not verify: it was altered or not signed by this box",
      "CHECKPOINT_SIGNATURE_INVALID",
    );
  }
  return head;
}

/** The detached signature file of an export (JSON). */
export interface AuditExportSignature {
  format: "novabox-audit-export-v1";
  /** Hex SHA-256 of the CSV file's bytes. */
  csvSha256: string;
  rows: number;
  /** Base64 of the signed checkpoint's bytes, its signature, and the signer's certificate. */
  checkpoint: string;
  checkpointSignature: string;
  certificatePem: string;
  /** Base64 of the box's signature over the prefix, the CSV's digest and the checkpoint bytes. */
  signature: string;
}

/** Signs an export: returns the detached signature file's bytes. */
export function signAuditExport(
  csv: Uint8Array,
  rows: number,
  signed: SignedCheckpoint,
  identity: MeshSigningIdentity,
): Uint8Array {
  const digest = createHash("sha256").update(csv).digest();
  const signature = sign("sha256", Buffer.concat([exportPrefix, digest, signed.checkpoint]), identity.privateKey);
  const file: AuditExportSignature = {
    format: "novabox-audit-export-v1",
    csvSha256: digest.toString("hex"),
    rows,
    checkpoint: Buffer.from(signed.checkpoint).toString("base64"),
    checkpointSignature: Buffer.from(signed.signature).toString("base64"),
    certificatePem: signed.certificatePem,
    signature: signature.toString("base64"),
  };
  return Buffer.from(`${JSON.stringify(file, null, 2)}\n`, "utf8");
}

/** What a verified export says. */
export interface VerifiedExport {
  head: AuditHead;
  rows: number;
  signer: string;
}

/** Verifies an export against its detached signature file; throws {@link EvidenceInvalidError}. */
export function verifyAuditExport(
  csv: Uint8Array,
  signatureFile: Uint8Array,
  options: VerifyCheckpointOptions,
): VerifiedExport {
  let file: AuditExportSignature;
  try {
    file = JSON.parse(Buffer.from(signatureFile).toString("utf8")) as AuditExportSignature;
  } catch {
    throw new EvidenceInvalidError("the signature file is not JSON", "EXPORT_SIGNATURE_UNREADABLE");
  }
  if (file.format !== "novabox-audit-export-v1")
    throw new EvidenceInvalidError(
      "the signature file is not a novabox-audit-export-v1 signature",
      "EXPORT_SIGNATURE_UNREADABLE",
    );
  const checkpoint = new Uint8Array(Buffer.from(file.checkpoint, "base64"));
  const head = verifyCheckpoint(
    { checkpoint, signature: Buffer.from(file.checkpointSignature, "base64"), certificatePem: file.certificatePem },
    options,
  );
  const digest = createHash("sha256").update(csv).digest();
  if (digest.toString("hex") !== file.csvSha256)
    throw new EvidenceInvalidError(
      "the CSV file's SHA-256 differs from the signed one: the file was changed after the export",
      "EXPORT_ALTERED",
    );
  const cert = new X509Certificate(file.certificatePem);
  if (
    !verify(
      "sha256",
      Buffer.concat([exportPrefix, digest, checkpoint]),
      cert.publicKey,
      Buffer.from(file.signature, "base64"),
    )
  ) {
    throw new EvidenceInvalidError("the export's signature does not verify", "EXPORT_SIGNATURE_INVALID");
  }
  return { head, rows: file.rows, signer: describeMeshIdentity(meshIdentityOfSubjectAltName(cert.subjectAltName)) };
}
