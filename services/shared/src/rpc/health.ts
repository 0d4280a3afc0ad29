/**
 * grpc.health.v1.Health, per service: every server registers one, keyed by fully-qualified
 * service name, with "" as the whole server. Consul's gRPC health checks and grpcurl call Check;
 * the router's clients may Watch; List gives a snapshot of all. A service whose status was never set is unknown: Check answers
 * NOT_FOUND (as the protocol asks), Watch sends SERVICE_UNKNOWN until it is set.
 */
import type { Server } from "@grpc/grpc-js";
import { create } from "@bufbuild/protobuf";
import {
  HealthCheckResponse_ServingStatus as ServingStatus,
  HealthCheckResponseSchema,
  Health,
  type HealthCheckResponse,
} from "#gen/grpc/health/v1/health_pb.js";
import { addGrpcService, type CallContext, type ServiceImpl } from "./grpc-adapter.js";
import { DomainError } from "../runtime/domain-error.js";

export { ServingStatus };

/** Options for {@link createHealthService}. */
export interface HealthServiceOptions {
  /** Initial statuses; "" is the overall server status. */
  statuses?: Record<string, ServingStatus>;
}

/** A health registry that is also the grpc.health.v1.Health implementation. */
export interface HealthService {
  /** Sets a service's status ("" for the whole server) and notifies watchers when it changes. */
  setStatus(service: string, status: ServingStatus): void;
  /** The status of a service, or undefined when never set. */
  getStatus(service: string): ServingStatus | undefined;
  /** Sets every known service, and the server "", to `status`. */
  setAll(status: ServingStatus): void;
  /** Adds grpc.health.v1.Health to `server`. */
  addTo(server: Server): void;
  /** The grpc.health.v1.Health handlers, to serve over another transport (Connect, see connect-adapter.ts). */
  implementation(): ServiceImpl<typeof Health>;
  /** Marks everything NOT_SERVING (tells load balancers to stop sending) and ends all watches. */
  shutdown(): void;
}

/** Creates a {@link HealthService}. */
export function createHealthService(options: HealthServiceOptions = {}): HealthService {
  const statuses = new Map<string, ServingStatus>(Object.entries(options.statuses ?? {}));
  const watchers = new Set<(service: string) => void>();
  const stopped = new AbortController();

  const notify = (service: string) => {
    for (const watcher of watchers) watcher(service);
  };
  const response = (status: ServingStatus): HealthCheckResponse => create(HealthCheckResponseSchema, { status });

  async function* watch(service: string, context: CallContext): AsyncIterable<HealthCheckResponse> {
    let wake: (() => void) | undefined;
    let pending = true;
    const watcher = (changed: string) => {
      if (changed !== service) return;
      pending = true;
      wake?.();
    };
    const onEnd = () => wake?.();
    watchers.add(watcher);
    context.signal.addEventListener("abort", onEnd);
    stopped.signal.addEventListener("abort", onEnd);
    let last: ServingStatus | undefined;
    try {
      while (!context.signal.aborted) {
        if (!pending) {
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
        }
        if (context.signal.aborted) return;
        pending = false;
        const current = statuses.get(service) ?? ServingStatus.SERVICE_UNKNOWN;
        if (current !== last) {
          last = current;
          yield response(current);
        }
        if (stopped.signal.aborted) return;
      }
    } finally {
      watchers.delete(watcher);
      context.signal.removeEventListener("abort", onEnd);
      stopped.signal.removeEventListener("abort", onEnd);
    }
  }

  const health: HealthService = {
    setStatus(service, status) {
      if (statuses.get(service) === status) return;
      statuses.set(service, status);
      notify(service);
    },
    getStatus: (service) => statuses.get(service),
    setAll(status) {
      if (!statuses.has("")) statuses.set("", status);
      for (const service of [...statuses.keys()]) health.setStatus(service, status);
    },
    addTo(server) {
      addGrpcService(server, Health, health.implementation());
    },
    implementation() {
      return {
        check(request) {
          const status = statuses.get(request.service);
          if (status === undefined) {
            throw new DomainError(
              "not-found",
              `unknown service "${request.service}": no health status is registered for it`,
              {
                reason: "UNKNOWN_SERVICE",
              },
            );
          }
          return response(status);
        },
        watch: (request, context) => watch(request.service, context),
        list() {
          return {
            statuses: Object.fromEntries([...statuses].map(([service, status]) => [service, response(status)])),
          };
        },
      };
    },
    shutdown() {
      health.setAll(ServingStatus.NOT_SERVING);
      stopped.abort();
    },
  };
  return health;
}
