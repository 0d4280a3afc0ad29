/**
 * The audit log as a CSV file a DPO can open in a spreadsheet: UTF-8 with a byte-order mark (so
 * Excel reads accents right), CRLF line ends, RFC 4180 quoting, and every cell that a spreadsheet
 * would take for a formula — starting with `=`, `+`, `-`, `@`, a tab or a carriage return — prefixed
 * with a single quote, as OWASP's "CSV Injection" guidance recommends
 * (https://owasp.org/www-community/attacks/CSV_Injection). Fields such as `detail` carry text a
 * tobacconist or an attacker could have influenced, so no cell is trusted.
 */
import type { AuditEntry } from "./model.js";

/** The UTF-8 byte-order mark. */
export const utf8Bom = "\uFEFF";

/** The header row. */
export const auditCsvHeader = [
  "id",
  "data_ora",
  "operazione",
  "esito",
  "metodo_autenticazione",
  "codice_fiscale",
  "tabaccheria",
  "utente",
  "protocollo_anpr",
  "id_operazione_anpr",
  "errore_anpr",
  "dettaglio",
  "id_richiesta",
  "hash_precedente",
  "hash",
] as const;

/** A cell a spreadsheet will not evaluate: formula-looking values get a leading `'`. */
export function neutraliseCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** One RFC 4180 field: quoted when it holds a comma, quote or line break. */
export function csvField(value: string): string {
  const safe = neutraliseCell(value);
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One entry's cells, in header order. */
export function auditCsvCells(e: AuditEntry): string[] {
  return [
    String(e.id),
    e.time.toISOString(),
    e.operation,
    e.outcome,
    e.authenticationMethod,
    e.fiscalCode,
    e.tobacconistId,
    e.actor,
    e.anprProtocolNumber,
    e.anprOperationId,
    e.anprErrorCode,
    e.detail,
    e.requestId,
    e.previousHash,
    e.hash,
  ];
}

/** The whole file (BOM, header, rows) as UTF-8 bytes, and how many rows it holds. */
export function buildAuditCsv(batches: Iterable<AuditEntry[]>): { csv: Buffer; rows: number } {
  const lines = [auditCsvHeader.map(csvField).join(",")];
  let rows = 0;
  for (const batch of batches) {
    for (const entry of batch) {
      lines.push(auditCsvCells(entry).map(csvField).join(","));
      rows += 1;
    }
  }
  return { csv: Buffer.from(`${utf8Bom}${lines.join("\r\n")}\r\n`, "utf8"), rows };
}
