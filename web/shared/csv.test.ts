/** The browser-side CSV builder and the per-day counts behind the audit chart. */
import { describe, expect, it } from "@jest/globals";
import { countPerDay, csvField, toCsv } from "./csv.ts";

describe("toCsv", () => {
  it("quotes only fields that need it and ends lines with CRLF", () => {
    expect(csvField("semplice")).toBe("semplice");
    expect(csvField('con "virgolette", e virgola')).toBe('"con ""virgolette"", e virgola"');
    expect(toCsv(["a", "b"], [["1", "x\ny"]])).toBe('a,b\r\n1,"x\ny"\r\n');
  });
});

describe("countPerDay", () => {
  it("counts by day and key, days ascending", () => {
    const days = countPerDay([
      { day: "2026-11-02", key: 1 },
      { day: "2026-11-01", key: 1 },
      { day: "2026-11-02", key: 2 },
      { day: "2026-11-02", key: 1 },
    ]);
    expect(days.map((d) => d.day)).toEqual(["2026-11-01", "2026-11-02"]);
    expect(days[1]!.counts.get(1)).toBe(2);
    expect(days[1]!.counts.get(2)).toBe(1);
  });
});
