/**
 * The billing facts of a certificate operation, written into the audit row's `detail` in one
 * documented form so that the Comune's monthly account is computed from the audit log itself (the
 * integral record the decree asks for), not from a second ledger that could disagree with it:
 *
 *   `types=8,12; fee=200; bollo=1600; diritti=0; esenzione=3; motivo=NOTARY; motivo_testo=<uri-encoded>`
 *
 * Amounts in euro cents. `fee`/`bollo`/`diritti` are written only for a certificate actually issued
 * (not for previews, refusals or idempotent replays, which charge nothing); `esenzione` only with a
 * table 39 exemption; `motivo_testo` only for reason OTHER. Unknown parts are ignored when reading,
 * so later additions do not break older reports.
 */

/** What a certificate operation row records. */
export interface CertificateFacts {
  /** Table 13 ids of the request (one certificate, several types when contestuale). */
  types: readonly number[];
  /** The amounts charged, when a certificate was issued. */
  charges?: { serviceFeeCents: number; stampDutyCents: number; secretariatFeesCents: number };
  /** Table 39 exemption id, when declared. */
  exemption?: number;
  /** The stated reason's key and, for OTHER, its text. */
  reason?: { key: string; description?: string };
  /** ANPR warning codes of the answer. */
  warnings?: readonly string[];
}

/** Formats `facts` for the audit row's detail. */
export function formatCertificateFacts(facts: CertificateFacts): string {
  const parts = [`types=${facts.types.join(",")}`];
  if (facts.charges) {
    parts.push(
      `fee=${facts.charges.serviceFeeCents}`,
      `bollo=${facts.charges.stampDutyCents}`,
      `diritti=${facts.charges.secretariatFeesCents}`,
    );
  }
  if (facts.exemption !== undefined) parts.push(`esenzione=${facts.exemption}`);
  if (facts.warnings && facts.warnings.length > 0) parts.push(`avvisi=${facts.warnings.join(",")}`);
  if (facts.reason) {
    parts.push(`motivo=${facts.reason.key}`);
    if (facts.reason.description) parts.push(`motivo_testo=${encodeURIComponent(facts.reason.description)}`);
  }
  return parts.join("; ");
}

/** Reads what {@link formatCertificateFacts} wrote; undefined when `detail` carries no `types=`. */
export function parseCertificateFacts(detail: string): CertificateFacts | undefined {
  const fields = new Map<string, string>();
  for (const part of detail.split(";")) {
    const at = part.indexOf("=");
    if (at > 0) fields.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
  }
  const types = fields.get("types");
  if (types === undefined) return undefined;
  const int = (name: string): number | undefined => {
    const value = fields.get(name);
    return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
  };
  const fee = int("fee");
  const bollo = int("bollo");
  const diritti = int("diritti");
  const exemption = int("esenzione");
  const reasonKey = fields.get("motivo");
  const reasonText = fields.get("motivo_testo");
  const warnings = fields.get("avvisi");
  return {
    types: types
      .split(",")
      .filter((t) => /^\d+$/.test(t))
      .map(Number),
    ...(fee !== undefined && bollo !== undefined && diritti !== undefined
      ? { charges: { serviceFeeCents: fee, stampDutyCents: bollo, secretariatFeesCents: diritti } }
      : {}),
    ...(exemption !== undefined ? { exemption } : {}),
    ...(warnings ? { warnings: warnings.split(",") } : {}),
    ...(reasonKey
      ? { reason: { key: reasonKey, ...(reasonText ? { description: decodeURIComponent(reasonText) } : {}) } }
      : {}),
  };
}
