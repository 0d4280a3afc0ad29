/**
 * Display helpers shared by both apps. Each takes the Intl locale of the current language
 * (`useI18n().intlLocale()`: it-IT or de-DE; Italian by default); times are always Europe/Rome.
 */
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";

const formatters = new Map<string, Intl.DateTimeFormat>();
const cached = (locale: string, style: "dateTime" | "date"): Intl.DateTimeFormat => {
  const key = `${locale}|${style}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(
      locale,
      style === "dateTime"
        ? { dateStyle: "short", timeStyle: "medium", timeZone: "Europe/Rome" }
        : { dateStyle: "long", timeZone: "Europe/Rome" },
    );
    formatters.set(key, f);
  }
  return f;
};

/** "23/11/26, 10:50:32" (de: "23.11.26, 10:50:32"), or "—" when absent. */
export function formatDateTime(ts: Timestamp | undefined, locale = "it-IT"): string {
  return ts ? cached(locale, "dateTime").format(timestampDate(ts)) : "—";
}

/** "23 novembre 2026" (de: "23. November 2026"), or "—" when absent. */
export function formatDate(ts: Timestamp | undefined, locale = "it-IT"): string {
  return ts ? cached(locale, "date").format(timestampDate(ts)) : "—";
}

/** Cents as euros: 200n → "2,00 €". */
export function formatEuro(cents: bigint | number, locale = "it-IT"): string {
  return new Intl.NumberFormat(locale, { style: "currency", currency: "EUR" }).format(Number(cents) / 100);
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

const agoWords = {
  "it-IT": { never: "mai", seconds: (n: number) => `${n} s fa`, minutes: (n: number) => `${n} min fa` },
  "de-DE": { never: "nie", seconds: (n: number) => `vor ${n} s`, minutes: (n: number) => `vor ${n} Min.` },
} as const;

/** "a few seconds ago"-style wording for the last announcement. */
export function ago(ts: Timestamp | undefined, now = new Date(), locale = "it-IT"): string {
  const words = locale === "de-DE" ? agoWords["de-DE"] : agoWords["it-IT"];
  if (!ts) return words.never;
  const seconds = Math.max(0, Math.round((now.getTime() - timestampDate(ts).getTime()) / 1000));
  if (seconds < 60) return words.seconds(seconds);
  if (seconds < 3600) return words.minutes(Math.floor(seconds / 60));
  return formatDateTime(ts, locale);
}

/** The current month in Europe/Rome, "YYYY-MM" (the value of an <input type="month">). */
export function currentRomeMonth(): string {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: "Europe/Rome",
    year: "numeric",
    month: "2-digit",
  }).formatToParts(new Date());
  return `${parts.find((p) => p.type === "year")!.value}-${parts.find((p) => p.type === "month")!.value}`;
}
