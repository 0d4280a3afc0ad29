/**
 * Per-tobacconist limits (decree 4.2–4.3, agreement art. 3.11): a sliding one-minute window of
 * requests, and a mass-extraction guard on the number of distinct fiscal codes per window. In
 * memory, per process: each tobacconist keeps at most `limit` timestamps and `threshold` fiscal
 * codes, and at most `maxTrackedTobacconists` tobacconists are tracked (least recently seen evicted).
 */
import { MassExtractionError, RateLimitedError } from "./errors.js";
import type { Settings } from "./model.js";
import type { Clock } from "./ports.js";

/** Options of {@link createRateLimiter}. */
export interface RateLimiterOptions {
  /** Current settings; limits are read on every call, so panel changes apply at once. */
  settings: () => Pick<Settings, "rateLimits">;
  clock: Clock;
  /** Most tobacconists tracked at once (default 10 000). */
  maxTrackedTobacconists?: number;
}

/** Counts requests per tobacconist. */
export interface RateLimiter {
  /**
   * Admits one request of `tobacconistId` (about `fiscalCode`, when given) or throws
   * {@link RateLimitedError} / {@link MassExtractionError} ("rate-limited", `retryAfterSeconds` in
   * metadata). A refused request is not counted. When the error's `alert` is true the caller must
   * append a ANOMALY_ALERT audit row. `meshMinuteCount` is the mesh-wide count Novares reports
   * (this request included): the box refuses when either its own count or that one exceeds its limit,
   * so a second box of the Comune does not double a tobacconist's allowance.
   */
  admit(tobacconistId: string, fiscalCode?: string, meshMinuteCount?: number): void;
}

interface TobacconistState {
  /** Admitted request times (ms), oldest first. */
  requests: number[];
  /** Fiscal code → last admitted time (ms), oldest first (re-inserted on use). */
  fiscalCodes: Map<string, number>;
  /** True once an alert was raised for the current episode; reset when a new code is admitted again. */
  alerted: boolean;
}

const MINUTE_MS = 60_000;

/** Creates the in-memory {@link RateLimiter}. */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const maxTracked = options.maxTrackedTobacconists ?? 10_000;
  const states = new Map<string, TobacconistState>();

  const stateOf = (id: string): TobacconistState => {
    let state = states.get(id);
    if (state) states.delete(id);
    else state = { requests: [], fiscalCodes: new Map(), alerted: false };
    states.set(id, state);
    while (states.size > maxTracked) {
      const oldest = states.keys().next().value;
      if (oldest === undefined) break;
      states.delete(oldest);
    }
    return state;
  };

  return {
    admit(tobacconistId, fiscalCode, meshMinuteCount) {
      const { rateLimits } = options.settings();
      const now = options.clock().getTime();
      const state = stateOf(tobacconistId);

      const perMinute = rateLimits.perTobacconistPerMinute;
      while (state.requests.length > 0 && (state.requests[0] ?? 0) <= now - MINUTE_MS) state.requests.shift();
      if (perMinute > 0 && state.requests.length >= perMinute) {
        const oldest = state.requests[state.requests.length - perMinute] ?? now;
        throw new RateLimitedError(perMinute, Math.max(1, Math.ceil((oldest + MINUTE_MS - now) / 1000)));
      }
      if (perMinute > 0 && meshMinuteCount !== undefined && meshMinuteCount > perMinute)
        throw new RateLimitedError(perMinute, 60);

      const threshold = rateLimits.massExtractionDistinctFiscalCodes;
      const windowMs = rateLimits.massExtractionWindowSeconds * 1000;
      let admitCode: string | undefined;
      if (fiscalCode !== undefined) {
        const code = fiscalCode.trim().toUpperCase();
        for (const [c, at] of state.fiscalCodes) {
          if (at > now - windowMs) break;
          state.fiscalCodes.delete(c);
        }
        if (threshold > 0 && windowMs > 0 && !state.fiscalCodes.has(code) && state.fiscalCodes.size >= threshold) {
          const oldestAt = state.fiscalCodes.values().next().value ?? now;
          const alert = !state.alerted;
          state.alerted = true;
          throw new MassExtractionError(
            threshold,
            rateLimits.massExtractionWindowSeconds,
            Math.max(1, Math.ceil((oldestAt + windowMs - now) / 1000)),
            alert,
          );
        }
        admitCode = code;
      }

      if (perMinute > 0) {
        state.requests.push(now);
        if (state.requests.length > perMinute) state.requests.splice(0, state.requests.length - perMinute);
      } else {
        state.requests.length = 0;
      }
      if (admitCode !== undefined) {
        if (!state.fiscalCodes.has(admitCode)) state.alerted = false;
        state.fiscalCodes.delete(admitCode);
        if (threshold > 0 && windowMs > 0) state.fiscalCodes.set(admitCode, now);
      }
    },
  };
}
