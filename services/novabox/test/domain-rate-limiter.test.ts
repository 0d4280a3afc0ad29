import { describe, expect, it } from "@jest/globals";
import { createRateLimiter } from "../src/domain/rate-limiter.js";
import { MassExtractionError } from "../src/domain/errors.js";
import { fakeClock, fiscalCodeFor, testSettings } from "./fakes.js";

function setup(
  perTobacconistPerMinute: number,
  massExtractionDistinctFiscalCodes: number,
  massExtractionWindowSeconds = 3600,
) {
  const clock = fakeClock();
  const settings = testSettings({
    rateLimits: { perTobacconistPerMinute, massExtractionDistinctFiscalCodes, massExtractionWindowSeconds },
  });
  return { clock, limiter: createRateLimiter({ settings: () => settings, clock }) };
}

describe("rate limiter", () => {
  it("allows N requests per sliding minute per tobacconist and says when to retry", () => {
    const { clock, limiter } = setup(3, 0);
    limiter.admit("a");
    clock.advance(20_000);
    limiter.admit("a");
    limiter.admit("a");
    limiter.admit("b");
    expect(() => limiter.admit("a")).toThrow(
      expect.objectContaining({
        kind: "rate-limited",
        reason: "RATE_LIMITED",
        metadata: { retryAfterSeconds: "40", limitPerMinute: "3" },
      }),
    );
    clock.advance(40_000);
    limiter.admit("a");
    expect(() => limiter.admit("a")).toThrow(/per minute/);
  });

  it("0 means no limit", () => {
    const { limiter } = setup(0, 0);
    for (let i = 0; i < 1000; i++) limiter.admit("a", fiscalCodeFor(i));
  });

  it("refuses more than N distinct fiscal codes in the window, alerting once per episode", () => {
    const { clock, limiter } = setup(0, 3, 600);
    limiter.admit("a", fiscalCodeFor(1));
    clock.advance(100_000);
    limiter.admit("a", fiscalCodeFor(2));
    limiter.admit("a", fiscalCodeFor(3));
    limiter.admit("b", fiscalCodeFor(4));
    let first: unknown;
    try {
      limiter.admit("a", fiscalCodeFor(4));
    } catch (err) {
      first = err;
    }
    expect(first).toBeInstanceOf(MassExtractionError);
    expect(first).toMatchObject({
      kind: "rate-limited",
      reason: "MASS_EXTRACTION",
      alert: true,
      metadata: { retryAfterSeconds: "500" },
    });
    expect(() => limiter.admit("a", fiscalCodeFor(5))).toThrow(expect.objectContaining({ alert: false }));
    limiter.admit("a", fiscalCodeFor(2));
    clock.advance(500_001);
    limiter.admit("a", fiscalCodeFor(5));
    expect(() => limiter.admit("a", fiscalCodeFor(6))).toThrow(expect.objectContaining({ alert: true }));
  });

  it("keeps bounded state", () => {
    const clock = fakeClock();
    const settings = testSettings({
      rateLimits: { perTobacconistPerMinute: 1, massExtractionDistinctFiscalCodes: 0, massExtractionWindowSeconds: 0 },
    });
    const limiter = createRateLimiter({ settings: () => settings, clock, maxTrackedTobacconists: 2 });
    limiter.admit("a");
    limiter.admit("b");
    limiter.admit("c");
    limiter.admit("a");
    expect(() => limiter.admit("c")).toThrow(/per minute/);
  });
});
