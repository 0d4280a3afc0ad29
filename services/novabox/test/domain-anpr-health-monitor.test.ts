import { describe, expect, it } from "@jest/globals";
import {
  createAnprHealthMonitor,
  nextCheckDelay,
  type HealthVerdict,
  type MonitorTimers,
} from "../src/domain/anpr-health-monitor.js";

/** Timers driven by the test: `fire()` runs the pending callback and returns its delay. */
function fakeTimers(): MonitorTimers & { fire(): Promise<number | undefined>; pendingMs(): number | undefined } {
  let pending: { callback: () => void; ms: number } | undefined;
  return {
    setTimeout(callback, ms) {
      pending = { callback, ms };
      return pending;
    },
    clearTimeout(handle) {
      if (handle === pending) pending = undefined;
    },
    pendingMs: () => pending?.ms,
    async fire() {
      const p = pending;
      pending = undefined;
      p?.callback();
      for (let i = 0; i < 10; i++) await Promise.resolve();
      return p?.ms;
    },
  };
}

const down: HealthVerdict = {
  serving: false,
  reason: "ANPR unreachable",
  detail: "ANPR answered HTTP 500; retry later",
};

describe("ANPR health monitor", () => {
  it("turns NOT_SERVING at the first failed check, backs off while failing, and SERVING again at the first success", async () => {
    const timers = fakeTimers();
    const answers: HealthVerdict[] = [{ serving: true }, down, down, down, down, { serving: true }];
    const seen: HealthVerdict[] = [];
    const monitor = createAnprHealthMonitor({
      check: () => Promise.resolve(answers.shift()!),
      onChange: (v) => seen.push(v),
      intervalMs: 1_000,
      maxBackoffMs: 4_000,
      timers,
    });
    await monitor.start();
    expect(seen).toEqual([{ serving: true }]);
    expect(timers.pendingMs()).toBe(1_000);

    await timers.fire();
    expect(seen.at(-1)).toEqual(down);
    expect(monitor.failures).toBe(1);
    // The waits while failing: one interval, then doubling up to the ceiling.
    expect(timers.pendingMs()).toBe(1_000);
    await timers.fire();
    expect(timers.pendingMs()).toBe(2_000);
    await timers.fire();
    expect(timers.pendingMs()).toBe(4_000);
    await timers.fire();
    expect(timers.pendingMs()).toBe(4_000);
    expect(seen).toHaveLength(2); // the same reason again is not a change

    await timers.fire();
    expect(seen.at(-1)).toEqual({ serving: true });
    expect(monitor.failures).toBe(0);
    expect(timers.pendingMs()).toBe(1_000);
    await monitor.stop();
  });

  it("counts a throwing check as ANPR unreachable, and takes verdicts learned elsewhere", async () => {
    const timers = fakeTimers();
    const seen: HealthVerdict[] = [];
    const monitor = createAnprHealthMonitor({
      check: () => Promise.reject(new Error("socket hang up")),
      onChange: (v) => seen.push(v),
      intervalMs: 1_000,
      timers,
    });
    await monitor.start();
    expect(monitor.current).toEqual({ serving: false, reason: "ANPR unreachable", detail: "socket hang up" });
    monitor.report({ serving: true });
    await monitor.checkNow().catch(() => undefined);
    expect(seen.map((v) => v.serving)).toEqual([false, true, false]);
    await monitor.stop();
    expect(timers.pendingMs()).toBeUndefined();
  });

  it("computes the wait before the next check", () => {
    expect(nextCheckDelay(0, 60_000, 300_000)).toBe(60_000);
    expect(nextCheckDelay(1, 60_000, 300_000)).toBe(60_000);
    expect(nextCheckDelay(2, 60_000, 300_000)).toBe(120_000);
    expect(nextCheckDelay(3, 60_000, 300_000)).toBe(240_000);
    expect(nextCheckDelay(9, 60_000, 300_000)).toBe(300_000);
  });
});
