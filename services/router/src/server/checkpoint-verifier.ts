/**
 * The witness's signature check: a checkpoint must be signed by a mesh certificate (issued by the
 * mesh CA) named `box-<comune_code>` for the Comune it speaks for; when the caller's TLS client
 * certificate is known, by that very certificate.
 */
import { X509Certificate } from "node:crypto";
import { verifyCheckpoint } from "#shared/mesh/audit-checkpoint.js";
import type { CheckpointVerifier } from "../domain/audit-witness.js";

/** Creates the {@link CheckpointVerifier} for the mesh CA `caPem` returns (the one the router has loaded now). */
export function createCheckpointVerifier(caPem: () => string): CheckpointVerifier {
  return (signed, peerCertificate) => {
    const head = verifyCheckpoint(signed, {
      caPem: caPem(),
      ...(peerCertificate ? { expectedCertificate: peerCertificate } : {}),
    });
    const certificateFingerprint = new X509Certificate(signed.certificatePem).fingerprint256
      .replace(/:/g, "")
      .toLowerCase();
    return { head, certificateFingerprint };
  };
}
