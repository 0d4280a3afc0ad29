import { describe, expect, it } from "@jest/globals";
import { romeDay, romeMidnight, romeOffsetMs, romeWallClock } from "../src/runtime/rome-time.js";

/** The time-zone database's answer (ICU through Intl), which rome-time.ts does without. */
const icu = new Intl.DateTimeFormat("en-CA", {
  timeZone: "Europe/Rome",
  hourCycle: "h23",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});
function icuWallClock(instantMs: number): string {
  const p = Object.fromEntries(icu.formatToParts(new Date(instantMs)).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}
function wallClock(instantMs: number): string {
  const p = romeWallClock(instantMs);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${p.year}-${two(p.month)}-${two(p.day)} ${two(p.hour)}:${two(p.minute)}:${two(p.second)}`;
}

describe("Europe/Rome time without ICU", () => {
  it("agrees with the time-zone database every hour from 1996 to 2045, and every minute around each change", () => {
    const mismatches: string[] = [];
    const check = (ms: number) => {
      if (wallClock(ms) !== icuWallClock(ms)) mismatches.push(new Date(ms).toISOString());
    };
    for (let ms = Date.UTC(1996, 0, 1); ms < Date.UTC(2046, 0, 1); ms += 3_600_000) check(ms + 1_799_000);
    for (let year = 1996; year <= 2045; year++) {
      for (const month of [2, 9]) {
        const lastDay = new Date(Date.UTC(year, month + 1, 0));
        const change = Date.UTC(year, month, lastDay.getUTCDate() - lastDay.getUTCDay(), 1);
        for (let ms = change - 7_200_000; ms <= change + 7_200_000; ms += 60_000) check(ms);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it("changes offset at 01:00 UTC on the last Sunday of March and of October", () => {
    expect(romeOffsetMs(Date.UTC(2026, 2, 29, 0, 59, 59, 999))).toBe(3_600_000);
    expect(romeOffsetMs(Date.UTC(2026, 2, 29, 1))).toBe(7_200_000);
    expect(romeOffsetMs(Date.UTC(2026, 9, 25, 0, 59, 59, 999))).toBe(7_200_000);
    expect(romeOffsetMs(Date.UTC(2026, 9, 25, 1))).toBe(3_600_000);
    expect(romeWallClock(Date.UTC(2026, 11, 31, 23, 30, 0, 7))).toEqual({
      year: 2027,
      month: 1,
      day: 1,
      hour: 0,
      minute: 30,
      second: 0,
      millisecond: 7,
      offsetMinutes: 60,
    });
  });

  it("finds Rome midnights and days across the changes", () => {
    expect(romeMidnight(2026, 3, 29).toISOString()).toBe("2026-03-28T23:00:00.000Z");
    expect(romeMidnight(2026, 3, 30).toISOString()).toBe("2026-03-29T22:00:00.000Z");
    expect(romeMidnight(2026, 10, 26).toISOString()).toBe("2026-10-25T23:00:00.000Z");
    expect(romeDay(Date.UTC(2026, 9, 25, 22, 30))).toEqual({ day: "2026-10-25", endsAt: Date.UTC(2026, 9, 25, 23) });
  });
});
