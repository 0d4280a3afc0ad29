/**
 * Calendar days and months as the Comuni and the tabaccherie count them: Europe/Rome time, across
 * the daylight-saving changes. One place for the box's monthly account, the gateway's day quota and
 * ledger, so a certificate issued at 00:30 on the 1st is in the same month everywhere.
 */

const ROME = "Europe/Rome";
let formatter: Intl.DateTimeFormat | undefined;
/**
 * The Europe/Rome formatter, made on first use: building it loads the time-zone data, which costs
 * a process's start-up a noticeable share when done at import (README, "Performance").
 */
const parts = (): Intl.DateTimeFormat =>
  (formatter ??= new Intl.DateTimeFormat("en-CA", {
    timeZone: ROME,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }));

/** Offset of Europe/Rome from UTC at `instantMs`, in ms. */
function romeOffsetMs(instantMs: number): number {
  const p = Object.fromEntries(
    parts()
      .formatToParts(new Date(instantMs))
      .map((x) => [x.type, x.value]),
  );
  return (
    Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second)) -
    Math.floor(instantMs / 1000) * 1000
  );
}

/** The instant of Europe/Rome midnight starting `year`-`month`-`day` (month 1-12; overflowing days roll over). */
export function romeMidnight(year: number, month: number, day: number): Date {
  const naive = Date.UTC(year, month - 1, day);
  const first = naive - romeOffsetMs(naive);
  return new Date(naive - romeOffsetMs(first));
}

/** The Europe/Rome calendar day of `nowMs` ("YYYY-MM-DD") and when it ends (the next Rome midnight, ms). */
export function romeDay(nowMs: number): { day: string; endsAt: number } {
  const p = Object.fromEntries(
    parts()
      .formatToParts(new Date(nowMs))
      .map((x) => [x.type, x.value]),
  );
  return {
    day: `${p.year}-${p.month}-${p.day}`,
    endsAt: romeMidnight(Number(p.year), Number(p.month), Number(p.day) + 1).getTime(),
  };
}

/** The Europe/Rome month of `nowMs`, "YYYY-MM". */
export function romeMonth(nowMs: number): string {
  return romeDay(nowMs).day.slice(0, 7);
}
