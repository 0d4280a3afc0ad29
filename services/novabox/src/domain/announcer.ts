/**
 * Keeps the box announced to Novares: announce, wait the interval Novares asked for, repeat. A failed
 * announcement is retried with exponential backoff and full jitter (delay = random · min(max,
 * base · 2^(failures−1))), so a restarted router is not hit by every box at once. Never throws out of
 * its timers; `stop()` cancels whatever is pending.
 */
import type { Log } from "#shared/runtime/log.js";

/** Timer functions, injected so tests drive time. */
export interface AnnouncerTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Options of {@link createAnnouncer}. */
export interface AnnouncerOptions {
  /** Announces once; resolves with the delay before the next announcement. */
  announce: () => Promise<{ nextInMs: number }>;
  logger?: Pick<Log, "warn"> & Partial<Pick<Log, "info">>;
  /** Default: the global setTimeout/clearTimeout (unref'd, so they do not keep the process alive). */
  timers?: AnnouncerTimers;
  /** First retry delay ceiling (default 1000 ms). */
  baseBackoffMs?: number;
  /** Largest retry delay (default 60 000 ms). */
  maxBackoffMs?: number;
  /** Uniform in [0, 1) (default Math.random). */
  random?: () => number;
}

/** The announcement loop. */
export interface Announcer {
  /** Starts announcing now; no-op when running. */
  start(): void;
  /** Stops; cancels the pending timer, and an announcement in flight schedules nothing. */
  stop(): void;
  /** Announces now (e.g. after a config change), replacing the pending wait; no-op when stopped. */
  trigger(): void;
  /** True between start() and stop(). */
  readonly running: boolean;
  /** Consecutive failures so far (0 after a success). */
  readonly failures: number;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

const defaultTimers: AnnouncerTimers = {
  setTimeout(callback, ms) {
    const handle = setTimeout(callback, ms);
    handle.unref();
    return handle;
  },
  clearTimeout(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

/** Runs a log call; a throwing logger must not end the loop. */
function safeLog(log: () => void): void {
  try {
    log();
  } catch {
    return;
  }
}

/** The full-jitter backoff delay after `failures` consecutive failures (≥ 1). */
export function backoffDelay(failures: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 52));
  return Math.floor(random() * ceiling);
}

/** Creates the {@link Announcer}. */
export function createAnnouncer(options: AnnouncerOptions): Announcer {
  const timers = options.timers ?? defaultTimers;
  const base = options.baseBackoffMs ?? 1000;
  const max = options.maxBackoffMs ?? 60_000;
  const random = options.random ?? Math.random;
  let running = false;
  let failures = 0;
  let timer: unknown;
  /** Bumped by stop() and trigger(), so a stale announcement's completion schedules nothing. */
  let generation = 0;

  const schedule = (ms: number, gen: number) => {
    if (!running || gen !== generation) return;
    timer = timers.setTimeout(
      () => {
        timer = undefined;
        run(gen);
      },
      Math.min(Math.max(0, ms), MAX_TIMER_MS),
    );
  };

  const run = (gen: number) => {
    if (!running || gen !== generation) return;
    let pending: Promise<{ nextInMs: number }>;
    try {
      pending = options.announce();
    } catch (err) {
      pending = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    pending
      .then(
        (result) => {
          failures = 0;
          const next = Number.isFinite(result.nextInMs) && result.nextInMs >= 0 ? result.nextInMs : max;
          schedule(next, gen);
          safeLog(() => options.logger?.info?.({ nextInMs: next }, "announced to Novares"));
        },
        (err: unknown) => {
          // Stopped or replaced meanwhile (a config change closes the old channel): not a failure.
          if (!running || gen !== generation) return;
          failures += 1;
          const delay = backoffDelay(failures, base, max, random);
          schedule(delay, gen);
          safeLog(() =>
            options.logger?.warn({ err, failures, retryInMs: delay }, "announcement to Novares failed; retrying"),
          );
        },
      )
      .catch(() => undefined);
  };

  const cancel = () => {
    if (timer !== undefined) timers.clearTimeout(timer);
    timer = undefined;
    generation += 1;
  };

  return {
    start() {
      if (running) return;
      running = true;
      failures = 0;
      cancel();
      run(generation);
    },
    stop() {
      running = false;
      cancel();
    },
    trigger() {
      if (!running) return;
      cancel();
      run(generation);
    },
    get running() {
      return running;
    },
    get failures() {
      return failures;
    },
  };
}
