/**
 * Calendar days and months as the Comuni and the tabaccherie count them: Europe/Rome time, across
 * the daylight-saving changes. One place for the box's monthly account, the gateway's day quota and
 * ledger, so a certificate issued at 00:30 on the 1st is in the same month everywhere.
 */

const hourMs = 3_600_000;

/** 01:00 UTC on the last Sunday of `month` (0-based) of `year`. */
function lastSundayAt0100Utc(year: number, month: number): number {
  const lastDay = new Date(Date.UTC(year, month + 1, 0));
  return Date.UTC(year, month, lastDay.getUTCDate() - lastDay.getUTCDay(), 1);
}

/**
 * Offset of Europe/Rome from UTC at `instantMs`, in ms: +2 h from 01:00 UTC on the last Sunday of
 * March to 01:00 UTC on the last Sunday of October, +1 h otherwise — the European Union's summer-time
 * rule (Directive 2000/84/EC; Italy has followed it since 1996), checked against the time-zone
 * database hour by hour in services/shared/test/rome-time.test.ts.
 *
 * Computed rather than asked of `Intl.DateTimeFormat`: the first Intl formatter loads ICU's
 * time-zone and locale data, ~5 MiB of a Novabox's resident memory and part of its start (README
 * "Performance"), and every ANPR request stamps its time in Europe/Rome.
 */
export function romeOffsetMs(instantMs: number): number {
  const year = new Date(instantMs).getUTCFullYear();
  const summer = instantMs >= lastSundayAt0100Utc(year, 2) && instantMs < lastSundayAt0100Utc(year, 9);
  return summer ? 2 * hourMs : hourMs;
}

/** The Europe/Rome wall clock at `instantMs`: fields as numbers, and the offset in minutes. */
export function romeWallClock(instantMs: number): {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
  offsetMinutes: number;
} {
  const offset = romeOffsetMs(instantMs);
  const local = new Date(instantMs + offset);
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
    millisecond: local.getUTCMilliseconds(),
    offsetMinutes: offset / 60_000,
  };
}

/** The instant of Europe/Rome midnight starting `year`-`month`-`day` (month 1-12; overflowing days roll over). */
export function romeMidnight(year: number, month: number, day: number): Date {
  const naive = Date.UTC(year, month - 1, day);
  const first = naive - romeOffsetMs(naive);
  return new Date(naive - romeOffsetMs(first));
}

/** The Europe/Rome calendar day of `nowMs` ("YYYY-MM-DD") and when it ends (the next Rome midnight, ms). */
export function romeDay(nowMs: number): { day: string; endsAt: number } {
  const p = romeWallClock(nowMs);
  const two = (n: number) => String(n).padStart(2, "0");
  return {
    day: `${p.year}-${two(p.month)}-${two(p.day)}`,
    endsAt: romeMidnight(p.year, p.month, p.day + 1).getTime(),
  };
}

/** The Europe/Rome month of `nowMs`, "YYYY-MM". */
export function romeMonth(nowMs: number): string {
  return romeDay(nowMs).day.slice(0, 7);
}
