/**
 * The stored form of an issued certificate (the `idempotency.response` column): JSON with the PDF
 * in base64, versioned so a box can read what an older one wrote. The store owns it; the domain
 * hands over and gets back {@link IssuedCertificate} values.
 */
import type { AnprMessage, Charges, IssuedCertificate } from "../domain/model.js";

/** The stored form of an issuance (JSON, PDF in base64), version 1. */
interface StoredResultV1 {
  v: 1;
  pdf: string;
  protocolNumber: string;
  anprOperationId: string;
  warnings: AnprMessage[];
  charges: Charges;
  certificateTypes: number[];
  issuedAt: string;
  requestId: string;
}

/** Serializes an issued certificate for the `idempotency.response` column. */
export function encodeIssuance(result: IssuedCertificate): Uint8Array {
  const stored: StoredResultV1 = {
    v: 1,
    pdf: Buffer.from(result.pdf).toString("base64"),
    protocolNumber: result.protocolNumber,
    anprOperationId: result.anprOperationId,
    warnings: result.warnings,
    charges: result.charges,
    certificateTypes: result.certificateTypes,
    issuedAt: result.issuedAt.toISOString(),
    requestId: result.requestId,
  };
  return new TextEncoder().encode(JSON.stringify(stored));
}

/** Reads what {@link encodeIssuance} wrote, marked as replayed (whatever is read back replays the first issue). */
export function decodeIssuance(bytes: Uint8Array): IssuedCertificate {
  const stored = JSON.parse(new TextDecoder().decode(bytes)) as StoredResultV1;
  if (stored.v !== 1) throw new Error(`unknown stored issuance version ${String(stored.v)}`);
  return {
    pdf: new Uint8Array(Buffer.from(stored.pdf, "base64")),
    protocolNumber: stored.protocolNumber,
    anprOperationId: stored.anprOperationId,
    warnings: stored.warnings,
    charges: stored.charges,
    certificateTypes: stored.certificateTypes,
    issuedAt: new Date(stored.issuedAt),
    requestId: stored.requestId,
    replayed: true,
  };
}
