/**
 * The one way a service counts and times the calls it serves or makes: a counter and a latency
 * histogram declared together and recorded together ({@link createCallMeter}), and the settle step
 * that records an async call's outcome before passing its result or error on ({@link settle}). The
 * RPC metrics of `observability.ts`, the box's ANPR calls and the router's announcements all use
 * them, so a call is never counted without its latency, nor counted twice on an error path.
 */
import { performance } from "node:perf_hooks";
import type { LabelValues } from "prom-client";
import type { MetricFactory } from "./observability.js";

/** A counter and a histogram of the same calls. */
export interface CallMeter<L extends string> {
  /** Records one call that took `seconds`. */
  record(labels: LabelValues<L>, seconds: number): void;
  /** Starts timing a call; the returned function records it (once it is called) with its labels. */
  start(): (labels: LabelValues<L>) => void;
}

/** Options of {@link createCallMeter}. */
export interface CallMeterOptions<L extends string> {
  /** The counter: `name` ends in `_total`. */
  count: { name: string; help: string };
  /** The latency histogram, in seconds. */
  seconds: { name: string; help: string; buckets: readonly number[] };
  /** Labels of both metrics. */
  labelNames: readonly L[];
  /** Labels only the counter carries (e.g. an error code: too fine-grained for a latency series). */
  countOnlyLabels?: readonly L[];
}

/** Seconds since `started` (a `performance.now()` reading). */
export function secondsSince(started: number): number {
  return (performance.now() - started) / 1000;
}

/** Declares the counter and histogram of {@link CallMeterOptions} and returns their {@link CallMeter}. */
export function createCallMeter<L extends string>(metrics: MetricFactory, options: CallMeterOptions<L>): CallMeter<L> {
  const countOnly = new Set<string>(options.countOnlyLabels ?? []);
  const latencyLabels = options.labelNames.filter((l) => !countOnly.has(l));
  const count = metrics.counter({ ...options.count, labelNames: [...options.labelNames] });
  const histogram = metrics.histogram({
    ...options.seconds,
    labelNames: latencyLabels,
    buckets: [...options.seconds.buckets],
  });
  const record = (labels: LabelValues<L>, seconds: number): void => {
    count.inc(labels);
    if (countOnly.size === 0) histogram.observe(labels, seconds);
    else histogram.observe(Object.fromEntries(latencyLabels.map((l) => [l, labels[l]])) as LabelValues<L>, seconds);
  };
  return {
    record,
    start() {
      const started = performance.now();
      return (labels) => record(labels, secondsSince(started));
    },
  };
}

/** How an async call ended, for {@link settle}. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Awaits `call`, tells `onSettled` how it ended (and how long it took), then returns its value or
 * rethrows its error unchanged: the recording never changes the call's outcome.
 */
export async function settle<T>(
  call: () => Promise<T>,
  onSettled: (outcome: Settled<T>, seconds: number) => void,
): Promise<T> {
  const started = performance.now();
  let value: T;
  try {
    value = await call();
  } catch (error) {
    onSettled({ ok: false, error }, secondsSince(started));
    throw error;
  }
  onSettled({ ok: true, value }, secondsSince(started));
  return value;
}
