/**
 * The Comune's monthly account per tobacconist (agreement art. 4: the €2.00 fee the Comune controls,
 * the stamp duty and its table 39 exemptions; art. 5.4: the Comune monitors every operation),
 * computed from the audit log alone. What counts:
 * - a certificate: a CERTIFICATE_ISSUE row with outcome SUCCESS whose facts carry charges (replays
 *   of an idempotency key carry none and are not counted again);
 * - a preview: a CERTIFICATE_PREVIEW row with outcome SUCCESS;
 * - a refusal: a CERTIFICATE_ISSUE or CERTIFICATE_PREVIEW row with any other outcome.
 * Months are calendar months in Europe/Rome time, the Comune's.
 */
import { parseCertificateFacts } from "./certificate-ledger.js";
import { romeMidnight } from "#shared/runtime/rome-time.js";
import { InvalidInputError } from "./errors.js";
import type { AuditEntry } from "./model.js";

/** One tobacconist's month ("" = the totals). */
export interface TobacconistMonth {
  tobacconistId: string;
  certificatesIssued: number;
  /** Table 13 id → certificates of that type (a contestuale counts for each type). */
  certificatesByType: Map<number, number>;
  previews: number;
  refusals: number;
  serviceFeesCents: number;
  stampDutyCents: number;
  secretariatFeesCents: number;
  /** Table 39 id → certificates issued with that exemption. */
  exemptions: Map<number, number>;
  /** Reason key ("" = none stated) → certificates and previews. */
  reasons: Map<string, number>;
}

/** A month's account. */
export interface MonthlyAccount {
  month: string;
  start: Date;
  end: Date;
  tobacconists: TobacconistMonth[];
  totals: TobacconistMonth;
}

/** Parses "YYYY-MM" into its Europe/Rome bounds; throws INVALID_ARGUMENT naming `month`. */
export function monthRange(month: string): { month: string; start: Date; end: Date } {
  const match = /^(\d{4})-(\d{2})$/.exec(month.trim());
  const year = Number(match?.[1]);
  const m = Number(match?.[2]);
  if (!match || m < 1 || m > 12 || year < 2000 || year > 9999) {
    throw new InvalidInputError(
      "month",
      `month must be "YYYY-MM" (e.g. "2026-11"), not ${JSON.stringify(month)}`,
      "INVALID_MONTH",
    );
  }
  const next = m === 12 ? { year: year + 1, month: 1 } : { year, month: m + 1 };
  return {
    month: `${match[1]}-${match[2]}`,
    start: romeMidnight(year, m, 1),
    end: romeMidnight(next.year, next.month, 1),
  };
}

function emptyMonth(tobacconistId: string): TobacconistMonth {
  return {
    tobacconistId,
    certificatesIssued: 0,
    certificatesByType: new Map(),
    previews: 0,
    refusals: 0,
    serviceFeesCents: 0,
    stampDutyCents: 0,
    secretariatFeesCents: 0,
    exemptions: new Map(),
    reasons: new Map(),
  };
}

const bump = <K>(map: Map<K, number>, key: K, by = 1) => map.set(key, (map.get(key) ?? 0) + by);

function add(into: TobacconistMonth, from: TobacconistMonth): void {
  into.certificatesIssued += from.certificatesIssued;
  into.previews += from.previews;
  into.refusals += from.refusals;
  into.serviceFeesCents += from.serviceFeesCents;
  into.stampDutyCents += from.stampDutyCents;
  into.secretariatFeesCents += from.secretariatFeesCents;
  for (const [k, v] of from.certificatesByType) bump(into.certificatesByType, k, v);
  for (const [k, v] of from.exemptions) bump(into.exemptions, k, v);
  for (const [k, v] of from.reasons) bump(into.reasons, k, v);
}

/**
 * Computes the account of `month` from `entries` (any order; rows outside the month or of other
 * operations are ignored).
 */
export function computeMonthlyAccount(month: string, entries: Iterable<AuditEntry>): MonthlyAccount {
  const range = monthRange(month);
  const rows = new Map<string, TobacconistMonth>();
  for (const entry of entries) {
    if (entry.operation !== "CERTIFICATE_ISSUE" && entry.operation !== "CERTIFICATE_PREVIEW") continue;
    const time = entry.time.getTime();
    if (time < range.start.getTime() || time >= range.end.getTime()) continue;
    let row = rows.get(entry.tobacconistId);
    if (!row) rows.set(entry.tobacconistId, (row = emptyMonth(entry.tobacconistId)));
    // An unknown outcome is neither a refusal nor a certificate: it ends as RECOVERED (an issued
    // certificate, counted) or as a refusal once settled.
    if (entry.outcome === "OUTCOME_UNKNOWN") continue;
    if (entry.outcome !== "SUCCESS" && entry.outcome !== "RECOVERED") {
      row.refusals += 1;
      continue;
    }
    const facts = parseCertificateFacts(entry.detail);
    if (entry.operation === "CERTIFICATE_PREVIEW") {
      row.previews += 1;
      bump(row.reasons, facts?.reason?.key ?? "");
      continue;
    }
    if (!facts?.charges) continue;
    row.certificatesIssued += 1;
    for (const type of facts.types) bump(row.certificatesByType, type);
    row.serviceFeesCents += facts.charges.serviceFeeCents;
    row.stampDutyCents += facts.charges.stampDutyCents;
    row.secretariatFeesCents += facts.charges.secretariatFeesCents;
    if (facts.exemption !== undefined) bump(row.exemptions, facts.exemption);
    bump(row.reasons, facts.reason?.key ?? "");
  }
  const tobacconists = [...rows.values()].sort((a, b) => a.tobacconistId.localeCompare(b.tobacconistId));
  const totals = emptyMonth("");
  for (const row of tobacconists) add(totals, row);
  return { ...range, tobacconists, totals };
}

const euro = (cents: number) => `${Math.trunc(cents / 100)},${String(Math.abs(cents) % 100).padStart(2, "0")}`;

/** Neutralises a cell a spreadsheet would read as a formula (=, +, -, @) and quotes as CSV needs. */
function cell(value: string | number): string {
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[";\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * The account as CSV for Italian spreadsheets: UTF-8 with BOM, `;` separators, euro amounts with a
 * decimal comma, one row per tobacconist and a totals row; certificate types and exemptions as
 * `id:count` lists.
 */
export function monthlyAccountCsv(account: MonthlyAccount): string {
  const header = [
    "mese",
    "tabaccheria",
    "certificati",
    "per tipo",
    "anteprime",
    "rifiuti",
    "corrispettivi (EUR)",
    "bollo (EUR)",
    "diritti (EUR)",
    "esenzioni",
    "motivi",
  ];
  const list = <K>(map: Map<K, number>) =>
    [...map.entries()]
      .sort((a, b) => String(a[0]).localeCompare(String(b[0]), "en", { numeric: true }))
      .map(([k, v]) => `${String(k) || "nessuno"}:${v}`)
      .join(" ");
  const line = (r: TobacconistMonth) =>
    [
      account.month,
      r.tobacconistId || "TOTALE",
      r.certificatesIssued,
      list(r.certificatesByType),
      r.previews,
      r.refusals,
      euro(r.serviceFeesCents),
      euro(r.stampDutyCents),
      euro(r.secretariatFeesCents),
      list(r.exemptions),
      list(r.reasons),
    ]
      .map(cell)
      .join(";");
  return `\uFEFF${[header.join(";"), ...account.tobacconists.map(line), line(account.totals)].join("\r\n")}\r\n`;
}
