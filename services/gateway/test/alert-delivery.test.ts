/** At-least-once delivery of mass-extraction alerts to every Comune involved, with retries. */
import { describe, expect, it } from "@jest/globals";
import { createAlertDelivery } from "../src/domain/alert-delivery.js";
import type { MassExtractionAlert } from "../src/domain/quota.js";

const alert: MassExtractionAlert = {
  id: "a-1",
  tobacconistId: "TAB-0002",
  raisedAt: new Date("2026-11-30T10:00:00Z"),
  distinctFiscalCodes: 4,
  windowSeconds: 600,
  comuni: ["022205", "001001", "022205"],
};

describe("createAlertDelivery", () => {
  it("delivers once to each distinct Comune, retrying a failing one until it succeeds", async () => {
    const attempts: string[] = [];
    let trentoFailures = 2;
    const delivery = createAlertDelivery({
      retryDelaysMs: [5, 5, 5],
      sink: (comune) => {
        attempts.push(comune);
        return comune === "022205" && trentoFailures-- > 0
          ? Promise.reject(new Error("no SERVING Novabox"))
          : Promise.resolve();
      },
    });
    await delivery.deliver(alert);
    expect(attempts.filter((c) => c === "001001")).toHaveLength(1);
    expect(attempts.filter((c) => c === "022205")).toHaveLength(3);
  });

  it("gives up after the last delay and says so; close() cancels pending retries", async () => {
    const warnings: string[] = [];
    const logger = { info: () => undefined, warn: (_d: object, m: string) => void warnings.push(m) };
    let calls = 0;
    const failing = createAlertDelivery({
      retryDelaysMs: [1, 1],
      logger,
      sink: () => {
        calls++;
        return Promise.reject(new Error("down"));
      },
    });
    await failing.deliver({ ...alert, comuni: ["022205"] });
    expect(calls).toBe(3);
    expect(warnings.at(-1)).toBe("mass-extraction alert not delivered: giving up");

    let closedCalls = 0;
    const closing = createAlertDelivery({
      retryDelaysMs: [60_000],
      sink: () => {
        closedCalls++;
        return Promise.reject(new Error("down"));
      },
    });
    const pending = closing.deliver({ ...alert, comuni: ["022205"] });
    await new Promise((r) => setTimeout(r, 20));
    closing.close();
    await pending;
    expect(closedCalls).toBe(1);
  });
});
