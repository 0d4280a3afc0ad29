/** Text escaping for the ANPR XML both the client and the simulator write by hand. */

const escapes: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };

/** Escapes text for element content or attribute values. */
export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => escapes[c]!);
}
