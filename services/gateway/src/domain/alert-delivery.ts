/**
 * Hands each mass-extraction alert to the box of every Comune it involves (through the router's
 * AlertService), so the affected Comuni see it in their own panel and audit log (agreement art. 5.4),
 * not only Novares in its console. Delivery is at-least-once: a Comune whose box cannot be reached is
 * tried again with growing delays; the box records an alert id once, so repeats are harmless.
 * Nothing here holds a fiscal code: an alert names a tobacconist, a count, a window and Comuni.
 */
import type { MassExtractionAlert } from "./quota.js";
import type { Log } from "#shared/runtime/log.js";

/** The port: one delivery attempt to one Comune's box; rejects when the box did not record it. */
export type AlertSink = (comuneCode: string, alert: MassExtractionAlert) => Promise<void>;

/** Options for {@link createAlertDelivery}. */
export interface AlertDeliveryOptions {
  sink: AlertSink;
  /** Delays before the 2nd, 3rd, … attempt to one Comune (default 2 s, 10 s, 60 s, 5 min, 30 min). */
  retryDelaysMs?: readonly number[];
  logger?: Pick<Log, "info" | "warn">;
}

/** What {@link createAlertDelivery} returns. */
export interface AlertDelivery {
  /** Starts delivering `alert` to each of its Comuni; resolves when every Comune got it or was given up. */
  deliver(alert: MassExtractionAlert): Promise<void>;
  /** Cancels pending retries (shutdown). */
  close(): void;
}

const describe = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Creates the {@link AlertDelivery}. */
export function createAlertDelivery(options: AlertDeliveryOptions): AlertDelivery {
  const delays = options.retryDelaysMs ?? [2_000, 10_000, 60_000, 300_000, 1_800_000];
  /** Pending waits: each timer with the resolver that ends its wait early on close(). */
  const waits = new Map<NodeJS.Timeout, (goOn: boolean) => void>();
  let closed = false;
  const wait = (ms: number) =>
    new Promise<boolean>((resolve) => {
      if (closed) return resolve(false);
      const timer = setTimeout(() => {
        waits.delete(timer);
        resolve(!closed);
      }, ms);
      timer.unref();
      waits.set(timer, resolve);
    });

  const toComune = async (comuneCode: string, alert: MassExtractionAlert): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      try {
        await options.sink(comuneCode, alert);
        options.logger?.info(
          { alertId: alert.id, comuneCode, attempt: attempt + 1 },
          "mass-extraction alert delivered to the Comune's Novabox",
        );
        return;
      } catch (err) {
        const delay = delays[attempt];
        if (delay === undefined) {
          options.logger?.warn(
            { alertId: alert.id, comuneCode, attempts: attempt + 1, error: describe(err) },
            "mass-extraction alert not delivered: giving up",
          );
          return;
        }
        options.logger?.warn(
          { alertId: alert.id, comuneCode, attempt: attempt + 1, retryInMs: delay, error: describe(err) },
          "mass-extraction alert not delivered: will retry",
        );
        if (!(await wait(delay))) return;
      }
    }
  };

  return {
    async deliver(alert) {
      await Promise.all([...new Set(alert.comuni)].map((c) => toComune(c, alert)));
    },
    close() {
      closed = true;
      for (const [timer, resolve] of waits) {
        clearTimeout(timer);
        resolve(false);
      }
      waits.clear();
    },
  };
}
