/** CSV text built in the browser (RFC 4180: comma-separated, CRLF, quotes doubled). */

/** One field, quoted when it holds a comma, quote, or line break. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The whole file: header line then one line per row. */
export function toCsv(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(",")).join("\r\n") + "\r\n";
}

/** Counts per day ("YYYY-MM-DD") and per key, days in ascending order. */
export function countPerDay<K extends string | number>(
  items: readonly { day: string; key: K }[],
): { day: string; counts: Map<K, number> }[] {
  const days = new Map<string, Map<K, number>>();
  for (const { day, key } of items) {
    const counts = days.get(day) ?? new Map<K, number>();
    counts.set(key, (counts.get(key) ?? 0) + 1);
    days.set(day, counts);
  }
  return [...days.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([day, counts]) => ({ day, counts }));
}
