/** Display helpers shared by both apps (Italian formats). */
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";

const dateTime = new Intl.DateTimeFormat("it-IT", { dateStyle: "short", timeStyle: "medium", timeZone: "Europe/Rome" });
const dateOnly = new Intl.DateTimeFormat("it-IT", { dateStyle: "long", timeZone: "Europe/Rome" });

/** "23/11/26, 10:50:32", or "—" when absent. */
export function formatDateTime(ts: Timestamp | undefined): string {
  return ts ? dateTime.format(timestampDate(ts)) : "—";
}

/** "23 novembre 2026", or "—" when absent. */
export function formatDate(ts: Timestamp | undefined): string {
  return ts ? dateOnly.format(timestampDate(ts)) : "—";
}

/** Cents as euros: 200n → "€ 2,00". */
export function formatEuro(cents: bigint | number): string {
  return new Intl.NumberFormat("it-IT", { style: "currency", currency: "EUR" }).format(Number(cents) / 100);
}

/** A fiscal code with the middle hidden: RSSMRA85T10A562S → RSS•••••••••562S. */
export function maskFiscalCode(code: string): string {
  if (code.length < 8) return code ? "•".repeat(code.length) : "";
  return `${code.slice(0, 3)}${"•".repeat(code.length - 7)}${code.slice(-4)}`;
}

/** Days from `now` until `ts` (negative when past). */
export function daysUntil(ts: Timestamp | undefined, now = new Date()): number | undefined {
  return ts ? Math.floor((timestampDate(ts).getTime() - now.getTime()) / 86_400_000) : undefined;
}

/** "a few seconds ago"-style wording for the last announcement. */
export function ago(ts: Timestamp | undefined, now = new Date()): string {
  if (!ts) return "mai";
  const seconds = Math.max(0, Math.round((now.getTime() - timestampDate(ts).getTime()) / 1000));
  if (seconds < 60) return `${seconds} s fa`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min fa`;
  return formatDateTime(ts);
}

/** The current month in Europe/Rome, "YYYY-MM" (the value of an <input type="month">). */
export function currentRomeMonth(): string {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Rome", year: "numeric", month: "2-digit" }).formatToParts(new Date());
  return `${parts.find((p) => p.type === "year")!.value}-${parts.find((p) => p.type === "month")!.value}`;
}
