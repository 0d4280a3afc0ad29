/**
 * Whether the box can serve tobacconists right now, re-checked for as long as it runs: a box that
 * passed its first connectivity test must not stay SERVING while ANPR is down for hours. The check
 * (a TestConn, plus what can be seen without calling ANPR) runs every `intervalMs` while it passes;
 * while it fails, the wait doubles up to `maxBackoffMs` (ANPR down must not be hammered by thousands
 * of boxes), so a failure is seen within one interval and a recovery within the backoff ceiling.
 * `checkNow()` re-checks at once (a configuration change, a real call that found ANPR unavailable).
 *
 * Every verdict that is not serving carries one of a few stable reasons an operator can act on, shown
 * by the router and the console.
 */

/** Why a box is not serving. */
export type NotServingReason =
  "not configured" | "certificate expired" | "clock skew" | "ANPR unreachable" | "ANPR refused the credentials";

/** The outcome of one check. */
export type HealthVerdict = { serving: true } | { serving: false; reason: NotServingReason; detail: string };

/** Timer functions, injected so tests drive time. */
export interface MonitorTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Options of {@link createAnprHealthMonitor}. */
export interface AnprHealthMonitorOptions {
  /** One check; must not throw (a thrown error counts as "ANPR unreachable"). */
  check: () => Promise<HealthVerdict>;
  /** Told when the verdict changes (serving ↔ not, or another reason), and after the first check. */
  onChange: (verdict: HealthVerdict) => void;
  /** Wait between checks while serving (default 60 000 ms). */
  intervalMs?: number;
  /** Largest wait while failing (default 300 000 ms). */
  maxBackoffMs?: number;
  /** Default: global timers, unref'd. */
  timers?: MonitorTimers;
}

/** See the module comment. */
export interface AnprHealthMonitor {
  /** Runs the first check and resolves after it; then keeps checking. */
  start(): Promise<void>;
  /** Checks now (after any check in flight), replacing the pending wait; resolves with the verdict. */
  checkNow(): Promise<HealthVerdict>;
  /** Takes a verdict learned elsewhere (e.g. a connectivity test the admin just ran). */
  report(verdict: HealthVerdict): void;
  /** The latest verdict. */
  readonly current: HealthVerdict;
  /** Consecutive failed checks. */
  readonly failures: number;
  /** Stops checking; resolves once a check in flight has finished. */
  stop(): Promise<void>;
}

const defaultTimers: MonitorTimers = {
  setTimeout(callback, ms) {
    const handle = setTimeout(callback, ms);
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** The wait before the next check after `failures` consecutive failures (0 = serving). */
export function nextCheckDelay(failures: number, intervalMs: number, maxBackoffMs: number): number {
  if (failures <= 1) return intervalMs;
  return Math.min(maxBackoffMs, intervalMs * 2 ** Math.min(failures - 1, 30));
}

function sameVerdict(a: HealthVerdict, b: HealthVerdict): boolean {
  if (a.serving || b.serving) return a.serving === b.serving;
  return a.reason === b.reason && a.detail === b.detail;
}

/** Creates the {@link AnprHealthMonitor}. */
export function createAnprHealthMonitor(options: AnprHealthMonitorOptions): AnprHealthMonitor {
  const timers = options.timers ?? defaultTimers;
  const intervalMs = options.intervalMs ?? 60_000;
  const maxBackoffMs = Math.max(options.maxBackoffMs ?? 300_000, intervalMs);
  let current: HealthVerdict = { serving: false, reason: "not configured", detail: "not checked yet" };
  let failures = 0;
  let started = false;
  let stopped = false;
  let timer: unknown;
  let chain: Promise<HealthVerdict> = Promise.resolve(current);
  let reported = false;

  const apply = (verdict: HealthVerdict) => {
    failures = verdict.serving ? 0 : failures + 1;
    const changed = !reported || !sameVerdict(verdict, current);
    reported = true;
    current = verdict;
    if (changed && !stopped) options.onChange(verdict);
  };
  const schedule = () => {
    if (stopped || !started) return;
    if (timer !== undefined) timers.clearTimeout(timer);
    timer = timers.setTimeout(
      () => {
        timer = undefined;
        void run();
      },
      nextCheckDelay(failures, intervalMs, maxBackoffMs),
    );
  };
  const run = (): Promise<HealthVerdict> => {
    chain = chain.then(async () => {
      let verdict: HealthVerdict;
      try {
        verdict = await options.check();
      } catch (err) {
        verdict = {
          serving: false,
          reason: "ANPR unreachable",
          detail: err instanceof Error ? err.message : String(err),
        };
      }
      apply(verdict);
      schedule();
      return verdict;
    });
    return chain;
  };

  return {
    async start() {
      if (started) return;
      started = true;
      stopped = false;
      await run();
    },
    checkNow: () => run(),
    report(verdict) {
      chain = chain.then(() => {
        apply(verdict);
        schedule();
        return verdict;
      });
    },
    get current() {
      return current;
    },
    get failures() {
      return failures;
    },
    stop() {
      stopped = true;
      if (timer !== undefined) timers.clearTimeout(timer);
      timer = undefined;
      return chain.then(
        () => undefined,
        () => undefined,
      );
    },
  };
}
