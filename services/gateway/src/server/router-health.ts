/**
 * The gateway's readiness: whether its router answers grpc.health.v1 SERVING. Checked every
 * `intervalMs` (and once before the gateway serves), so `/readyz`, the gateway's own
 * grpc.health.v1 status and its load balancer follow the router within one interval: a gateway
 * whose router is down or not yet synchronised takes no browser traffic.
 */
import type { Readiness } from "#shared/rpc/ops-http.js";

/** Options of {@link createRouterHealthMonitor}. */
export interface RouterHealthMonitorOptions {
  /** One probe of the router: resolves true when it answers SERVING, false otherwise; rejects when unreachable. */
  probe: () => Promise<boolean>;
  /** Default 2 000 ms. */
  intervalMs?: number;
  /** Told on every change of readiness (and after the first probe). */
  onChange: (readiness: Readiness) => void;
}

/** See the module comment. */
export interface RouterHealthMonitor {
  /** Probes once now, then every interval; resolves after the first probe. */
  start(): Promise<void>;
  current(): Readiness;
  stop(): void;
}

/** Creates the {@link RouterHealthMonitor}. */
export function createRouterHealthMonitor(options: RouterHealthMonitorOptions): RouterHealthMonitor {
  const intervalMs = options.intervalMs ?? 2_000;
  let current: Readiness = { ready: false, reason: "the router has not been checked yet" };
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let first = true;

  const probeOnce = async () => {
    let next: Readiness;
    try {
      next = (await options.probe())
        ? { ready: true }
        : {
            ready: false,
            reason:
              "the router answers NOT_SERVING (its routing table is not synchronised yet, or it is shutting down)",
          };
    } catch (err) {
      next = { ready: false, reason: `the router is unreachable: ${err instanceof Error ? err.message : String(err)}` };
    }
    const changed = first || next.ready !== current.ready || next.reason !== current.reason;
    first = false;
    current = next;
    if (changed && !stopped) options.onChange(current);
  };
  const loop = () => {
    if (stopped) return;
    timer = setTimeout(() => void probeOnce().finally(loop), intervalMs);
    timer.unref();
  };

  return {
    async start() {
      await probeOnce();
      loop();
    },
    current: () => current,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
