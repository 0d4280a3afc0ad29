/**
 * UpdateConfig as its proto comments say: every rate limit has its own update_mask path, 0 means
 * "no limit" / "no check" / "never purged", and an unknown path or a bad value changes nothing.
 */
import { describe, expect, it } from "@jest/globals";
import { create } from "@bufbuild/protobuf";
import { AnprEnvironment, SettingsSchema } from "#gen/novabox/config/v1/config_service_pb.js";
import { applySettingsUpdate } from "../src/handlers/config-mappers.js";
import { createConfigService } from "../src/domain/config-service.js";
import { createRateLimiter } from "../src/domain/rate-limiter.js";
import type { Settings } from "../src/domain/model.js";
import type { ConfigStore } from "../src/domain/ports.js";
import { fakeAuditLog, fakeClock, testSettings } from "./fakes.js";

const now = new Date("2026-11-30T09:00:00Z");

function service(initial: Settings) {
  let stored = initial;
  const audit = fakeAuditLog();
  const config = {
    getSettings: () => stored,
    saveSettings: (next: Settings) => {
      stored = next;
      return { settings: next, updatedAt: now };
    },
  } as unknown as ConfigStore;
  const svc = createConfigService({
    config,
    audit,
    clock: () => now,
    missingForAnpr: () => [],
    anpr: () => Promise.reject(new Error("unused")),
  });
  return { svc, audit, current: () => stored };
}

describe("UpdateConfig update_mask paths", () => {
  it("sets one rate limit through its own path and leaves the others alone", () => {
    const current = testSettings();
    const source = create(SettingsSchema, { rateLimits: { perTobacconistPerMinute: 7 } });
    const next = applySettingsUpdate(current, source, ["rate_limits.per_tobacconist_per_minute"], now);
    expect(next.rateLimits).toEqual({ ...current.rateLimits, perTobacconistPerMinute: 7 });
    const window = applySettingsUpdate(
      current,
      create(SettingsSchema, { rateLimits: { massExtractionWindow: { seconds: 600n } } }),
      ["settings.rate_limits.mass_extraction_window"],
      now,
    );
    expect(window.rateLimits).toEqual({ ...current.rateLimits, massExtractionWindowSeconds: 600 });
  });

  it("accepts 0 as 'no limit', and the rate limiter then admits every call", () => {
    const { svc, audit, current } = service(
      testSettings({
        rateLimits: {
          perTobacconistPerMinute: 2,
          massExtractionDistinctFiscalCodes: 1,
          massExtractionWindowSeconds: 3600,
        },
      }),
    );
    const paths = [
      "rate_limits.per_tobacconist_per_minute",
      "rate_limits.mass_extraction_distinct_fiscal_codes",
      "log_retention_days",
    ];
    const next = applySettingsUpdate(current(), create(SettingsSchema, { rateLimits: {} }), paths, now);
    svc.updateSettings(next, "admin", paths);
    expect(current().rateLimits).toEqual({
      perTobacconistPerMinute: 0,
      massExtractionDistinctFiscalCodes: 0,
      massExtractionWindowSeconds: 3600,
    });
    expect(current().logRetentionDays).toBe(0);
    expect(audit.entries.at(-1)).toMatchObject({
      operation: "CONFIG_UPDATE",
      outcome: "SUCCESS",
      detail: `settings updated: ${paths.join(", ")}`,
    });
    const limiter = createRateLimiter({ settings: current, clock: fakeClock() });
    for (let i = 0; i < 50; i++) limiter.admit("TAB-0001", `RSSMRA85T10A56${String(i).padStart(2, "0")}`);
  });

  it("refuses an unknown path naming it and the known ones, and a window of 0", () => {
    const source = create(SettingsSchema, { rateLimits: {} });
    expect(() => applySettingsUpdate(testSettings(), source, ["rate_limits.per_hour"], now)).toThrow(
      /unknown setting "rate_limits.per_hour" in update_mask; known: .*rate_limits.per_tobacconist_per_minute/,
    );
    expect(() => applySettingsUpdate(testSettings(), source, ["rate_limits.mass_extraction_window"], now)).toThrow(
      /at least 1s/,
    );
  });

  it("'*' still means every top-level field", () => {
    const source = create(SettingsSchema, {
      anprEnvironment: AnprEnvironment.TEST,
      comuneCode: "022161",
      logRetentionDays: 30,
      rateLimits: { perTobacconistPerMinute: 5, massExtractionDistinctFiscalCodes: 9 },
    });
    const next = applySettingsUpdate(testSettings(), source, ["*"], now);
    expect(next).toMatchObject({
      comuneCode: "022161",
      logRetentionDays: 30,
      rateLimits: {
        perTobacconistPerMinute: 5,
        massExtractionDistinctFiscalCodes: 9,
        massExtractionWindowSeconds: 3600,
      },
    });
  });
});
