/**
 * A grpc-js server as every service of the mesh runs it: the service implementations, plus
 * grpc.health.v1 (one status per service and "" for the server) and server reflection, so that
 * Consul health checks, the router and operators with grpcurl can all talk to it the same way.
 */
import { Server, ServerCredentials, type ServerOptions } from "@grpc/grpc-js";
import type { DescService } from "@bufbuild/protobuf";
import type { Logger } from "pino";
import { Health } from "#gen/grpc/health/v1/health_pb.js";
import { ServerReflection } from "#gen/grpc/reflection/v1/reflection_pb.js";
import { addGrpcService, addPassThroughService, type PassThroughHandlers, type ServiceImpl } from "./grpc-adapter.js";
import { createHealthService, ServingStatus, type HealthService } from "./health.js";
import { addReflection } from "./reflection.js";
import type { Observability } from "../runtime/observability.js";

/**
 * One service to serve: its descriptor and either its (possibly partial) typed implementation, or
 * raw pass-through handlers that see the wire bytes (see `createPassThroughServiceDefinition`).
 */
export type GrpcServiceRegistration =
  | { readonly service: DescService; readonly impl: object }
  | { readonly service: DescService; readonly passThrough: PassThroughHandlers };

/** Pairs a descriptor with its implementation, type-checking the implementation. */
export function grpcService<S extends DescService>(service: S, impl: Partial<ServiceImpl<S>>): GrpcServiceRegistration {
  return { service, impl };
}

/** Serves `service` with raw handlers on pass-through serializers (bytes in, bytes out). */
export function grpcPassThroughService(service: DescService, handlers: PassThroughHandlers): GrpcServiceRegistration {
  return { service, passThrough: handlers };
}

/** Options for {@link createGrpcServer}. */
export interface GrpcServerOptions {
  logger: Logger;
  services: readonly GrpcServiceRegistration[];
  /** The health registry to serve; by default one where the server and every service are SERVING. */
  health?: HealthService;
  /** Serve reflection (default true). */
  reflection?: boolean;
  /** A serialized FileDescriptorSet for reflection; default gen/descriptors.binpb. */
  descriptorSet?: Uint8Array;
  /** grpc-js server options (keepalive, message sizes, interceptors). */
  serverOptions?: ServerOptions;
  /** Traces, metrics and the access log of every call (see observability.ts); omitted = none. */
  observability?: Observability;
}

/** A composed server, not yet listening. */
export interface GrpcServerHandle {
  readonly server: Server;
  readonly health: HealthService;
  /**
   * Binds `address` (`host:port`, port 0 = any free port) and starts serving. Resolves to the
   * bound port. Plaintext unless `credentials` are given.
   */
  listen(address: string, credentials?: ServerCredentials): Promise<number>;
  /**
   * Marks health NOT_SERVING, lets in-flight calls finish for up to `graceMs`, then cancels the
   * rest.
   */
  shutdown(graceMs?: number): Promise<void>;
}

/** Creates a {@link GrpcServerHandle} serving `options.services`, health and reflection. */
export function createGrpcServer(options: GrpcServerOptions): GrpcServerHandle {
  const logger = options.logger;
  // The caller's interceptors run closest to the transport, before observability sees the call (the
  // router's peer handoff must set the peer first: server/router-listener.ts).
  const interceptors = [
    ...(options.serverOptions?.interceptors ?? []),
    ...(options.observability ? [options.observability.grpcServerInterceptor] : []),
  ];
  const server = new Server({ ...options.serverOptions, interceptors });
  const health =
    options.health ??
    createHealthService({
      statuses: Object.fromEntries<ServingStatus>([
        ["", ServingStatus.SERVING],
        ...options.services.map((s): [string, ServingStatus] => [s.service.typeName, ServingStatus.SERVING]),
      ]),
    });
  for (const registration of options.services) {
    if ("passThrough" in registration) addPassThroughService(server, registration.service, registration.passThrough);
    else
      addGrpcService(server, registration.service, registration.impl as Partial<ServiceImpl<DescService>>, { logger });
  }
  health.addTo(server);
  if (options.reflection ?? true) {
    const described = [...options.services.map((s) => s.service), Health, ServerReflection];
    addReflection(server, {
      services: described,
      ...(options.descriptorSet ? { descriptorSet: options.descriptorSet } : {}),
    });
  }

  return {
    server,
    health,
    listen(address, credentials = ServerCredentials.createInsecure()) {
      return new Promise((resolve, reject) => {
        server.bindAsync(address, credentials, (err, port) => {
          if (err) return reject(err);
          logger.info(
            { address, port, services: options.services.map((s) => s.service.typeName) },
            "gRPC server listening",
          );
          resolve(port);
        });
      });
    },
    async shutdown(graceMs = 5_000) {
      health.shutdown();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          logger.warn({ graceMs }, "gRPC calls still running after the grace period: cancelling them");
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
