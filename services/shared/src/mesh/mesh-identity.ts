/**
 * Who a mesh certificate speaks for. Every mesh certificate carries exactly one URI
 * subjectAltName in the SPIFFE ID form (https://github.com/spiffe/spiffe/blob/main/standards/X509-SVID.md:
 * "An X.509 SVID MUST contain exactly one URI SAN"), in the trust domain `novares`:
 *
 * - `spiffe://novares/router` — a Novares discovery router;
 * - `spiffe://novares/gateway` — a Novares Connect-web gateway;
 * - `spiffe://novares/comune/<ISTAT code>/postazione/<workstation id>` — the Novabox of one Comune,
 *   one workstation (the `workstation_code` it announces and the ANPR IdPostazione it signs with).
 *
 * The router reads the box's identity on Announce/Withdraw and when it dials a box; a box reads
 * its caller's identity before serving a tobacconist's call. The CN stays a human-readable label
 * and is never trusted. Pure functions, no I/O.
 */

/** The trust domain of every mesh SPIFFE ID. */
export const meshTrustDomain = "novares";

/** A party of the mesh, as its certificate names it. */
export type MeshIdentity =
  | { readonly role: "router" }
  | { readonly role: "gateway" }
  | { readonly role: "box"; readonly comuneCode: string; readonly workstationId: string };

const comunePattern = /^\d{6}$/;
/** SPIFFE path segments allow letters, digits, dot, dash and underscore. */
const workstationPattern = /^[A-Za-z0-9._-]{1,64}$/;

/** True when `value` can be the workstation segment of a box identity. */
export function isMeshWorkstationId(value: string): boolean {
  return workstationPattern.test(value) && value !== "." && value !== "..";
}

/** The SPIFFE ID of `identity`. Throws on a Comune code that is not six digits or an unusable workstation id. */
export function meshIdentityUri(identity: MeshIdentity): string {
  if (identity.role !== "box") return `spiffe://${meshTrustDomain}/${identity.role}`;
  if (!comunePattern.test(identity.comuneCode))
    throw new Error(`"${identity.comuneCode}" is not an ISTAT Comune code (six digits)`);
  if (!isMeshWorkstationId(identity.workstationId)) {
    throw new Error(
      `"${identity.workstationId}" cannot name a workstation in a mesh certificate: use 1-64 letters, digits, ".", "-" or "_"`,
    );
  }
  return `spiffe://${meshTrustDomain}/comune/${identity.comuneCode}/postazione/${identity.workstationId}`;
}

/** Parses a SPIFFE ID of the mesh; undefined when it is not one of the three forms. */
export function parseMeshIdentityUri(uri: string): MeshIdentity | undefined {
  const prefix = `spiffe://${meshTrustDomain}/`;
  if (!uri.startsWith(prefix)) return undefined;
  const path = uri.slice(prefix.length).split("/");
  if (path.length === 1 && (path[0] === "router" || path[0] === "gateway")) return { role: path[0] };
  if (
    path.length === 4 &&
    path[0] === "comune" &&
    path[2] === "postazione" &&
    comunePattern.test(path[1]!) &&
    isMeshWorkstationId(path[3]!)
  ) {
    return { role: "box", comuneCode: path[1]!, workstationId: path[3]! };
  }
  return undefined;
}

/**
 * The URIs of a subjectAltName as Node prints it (`X509Certificate.subjectAltName`, a TLS peer
 * certificate's `subjectaltname`): `DNS:a, IP Address:1.2.3.4, URI:spiffe://...`; values with
 * special characters are JSON-quoted by Node ≥ 17 (CVE-2021-44532), which this reads back.
 */
export function subjectAltNameUris(subjectAltName: string | undefined): string[] {
  if (!subjectAltName) return [];
  const uris: string[] = [];
  const entry = /(?:^|,\s*)URI:("(?:[^"\\]|\\.)*"|[^,]*)/g;
  for (const match of subjectAltName.matchAll(entry)) {
    const raw = match[1]!;
    try {
      uris.push(raw.startsWith('"') ? (JSON.parse(raw) as string) : raw.trim());
    } catch {
      // A malformed quoted value names nobody.
    }
  }
  return uris;
}

/**
 * The mesh identity a certificate's subjectAltName names, or undefined when it names none or
 * several (a certificate with two SPIFFE IDs is ambiguous and trusted for neither).
 */
export function meshIdentityOfSubjectAltName(subjectAltName: string | undefined): MeshIdentity | undefined {
  const spiffe = subjectAltNameUris(subjectAltName).filter((uri) => uri.startsWith("spiffe://"));
  if (spiffe.length !== 1) return undefined;
  return parseMeshIdentityUri(spiffe[0]!);
}

/** A short human description for messages and logs, e.g. `the Novabox of Comune 022161 (POST-022161-01)`. */
export function describeMeshIdentity(identity: MeshIdentity | undefined): string {
  if (!identity) return "a certificate that names no mesh identity";
  if (identity.role === "box")
    return `the Novabox of Comune ${identity.comuneCode} (workstation ${identity.workstationId})`;
  return `the Novares ${identity.role}`;
}
