import { describe, expect, it } from "@jest/globals";
import { backoffDelay, createAnnouncer, type AnnouncerTimers } from "../src/domain/announcer.js";

/** Timers that run only when the test says so, recording each scheduled delay. */
function manualTimers() {
  const pending = new Map<number, () => void>();
  const delays: number[] = [];
  let next = 0;
  const timers: AnnouncerTimers = {
    setTimeout(callback, ms) {
      delays.push(ms);
      pending.set(++next, callback);
      return next;
    },
    clearTimeout(handle) {
      pending.delete(handle as number);
    },
  };
  const fire = async () => {
    const entries = [...pending.entries()];
    pending.clear();
    for (const [, cb] of entries) cb();
    await flush();
  };
  return { timers, delays, pending, fire };
}

const flush = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe("announcer", () => {
  it("backs off exponentially with full jitter up to the maximum, then resets on success", async () => {
    const { timers, delays, fire } = manualTimers();
    let fail = 8;
    let calls = 0;
    const announcer = createAnnouncer({
      announce: () => {
        calls++;
        return fail-- > 0 ? Promise.reject(new Error("router down")) : Promise.resolve({ nextInMs: 15_000 });
      },
      timers,
      random: () => 0.5,
      logger: { warn: () => undefined },
    });
    announcer.start();
    await flush();
    for (let i = 0; i < 8; i++) await fire();
    expect(calls).toBe(9);
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 15_000]);
    expect(announcer.failures).toBe(0);
    announcer.stop();
  });

  it("computes the full-jitter ceiling", () => {
    expect([1, 2, 3, 7, 8, 100].map((n) => backoffDelay(n, 1000, 60_000, () => 0.999_999))).toEqual([
      999, 1999, 3999, 59_999, 59_999, 59_999,
    ]);
    expect(backoffDelay(3, 1000, 60_000, () => 0)).toBe(0);
  });

  it("never throws out when announce throws synchronously or the logger throws", async () => {
    const { timers, delays } = manualTimers();
    const announcer = createAnnouncer({
      announce: () => {
        throw new Error("sync");
      },
      timers,
      random: () => 1,
      logger: {
        warn: () => {
          throw new Error("logger broken");
        },
      },
    });
    expect(() => announcer.start()).not.toThrow();
    await flush();
    expect(delays).toEqual([1000]);
    announcer.stop();
  });

  it("stop() cancels the pending timer and an in-flight announcement schedules nothing", async () => {
    const { timers, delays, pending } = manualTimers();
    let resolve: (v: { nextInMs: number }) => void = () => undefined;
    const announcer = createAnnouncer({ announce: () => new Promise((r) => (resolve = r)), timers });
    announcer.start();
    announcer.stop();
    resolve({ nextInMs: 1000 });
    await flush();
    expect(delays).toEqual([]);
    expect(announcer.running).toBe(false);

    const second = createAnnouncer({ announce: () => Promise.resolve({ nextInMs: 5000 }), timers });
    second.start();
    await flush();
    expect(pending.size).toBe(1);
    second.stop();
    expect(pending.size).toBe(0);
  });

  it("trigger() announces at once and replaces the pending wait", async () => {
    const { timers, pending } = manualTimers();
    let calls = 0;
    const announcer = createAnnouncer({ announce: () => (calls++, Promise.resolve({ nextInMs: 60_000 })), timers });
    announcer.start();
    await flush();
    announcer.trigger();
    await flush();
    expect(calls).toBe(2);
    expect(pending.size).toBe(1);
    announcer.stop();
  });
});
