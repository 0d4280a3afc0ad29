/**
 * One grpc-js channel per Novabox address, shared by the Certification, Consultation and Health
 * clients of that box (so forwarding and health probes reuse one mutual-TLS connection), created on
 * first use and closed when no instance uses the address any more.
 */
import { Client, type ChannelCredentials, type ChannelOptions, type Interceptor } from "@grpc/grpc-js";
import { Health, HealthCheckResponse_ServingStatus } from "#gen/grpc/health/v1/health_pb.js";
import { createGrpcClient, type GrpcClient } from "#shared/grpc-adapter.js";
import type { HealthProbe } from "../domain/embedded-registry.js";
import { instanceAddress, type Instance } from "../domain/model.js";
import type { BoxChannels } from "../handlers/forwarding-handlers.js";

/** Options of {@link createBoxPool}. */
export interface BoxPoolOptions {
  /** What the router presents to boxes (mutual TLS in the mesh; insecure only when configured so). */
  credentials: ChannelCredentials;
  /** Extra grpc-js channel options. */
  channelOptions?: ChannelOptions;
  /** Deadline of one health probe (default 1 500 ms). */
  probeTimeoutMs?: number;
  /** grpc-js client interceptors on every channel (trace context, request id, client metrics). */
  interceptors?: Interceptor[];
}

/** See the module comment. */
export interface BoxPool extends BoxChannels {
  /** grpc.health.v1 Check of the box's server status (""), as the embedded registry's probe. */
  readonly probe: HealthProbe;
  /** Closes the channel to `address` (`host:port`), if open: no instance uses it any more. */
  release(address: string): void;
  /** Open channels. */
  readonly size: number;
  /** Closes every channel. */
  close(): void;
}

interface Entry {
  channel: Client;
  health: GrpcClient<typeof Health>;
}

/** Creates an empty {@link BoxPool}. */
export function createBoxPool(options: BoxPoolOptions): BoxPool {
  const entries = new Map<string, Entry>();
  const probeTimeoutMs = options.probeTimeoutMs ?? 1_500;
  const channelOptions: ChannelOptions = {
    "grpc.initial_reconnect_backoff_ms": 500,
    "grpc.max_reconnect_backoff_ms": 5_000,
    ...options.channelOptions,
  };

  const entry = (instance: Instance): Entry => {
    const address = instanceAddress(instance);
    let found = entries.get(address);
    if (!found) {
      const channel = new Client(address, options.credentials, { ...channelOptions, ...(options.interceptors ? { interceptors: options.interceptors } : {}) });
      found = { channel, health: createGrpcClient(Health, channel) };
      entries.set(address, found);
    }
    return found;
  };

  return {
    channel: (instance) => entry(instance).channel,
    probe: async (instance) => {
      const answer = await entry(instance).health.check({ service: "" }, { deadline: probeTimeoutMs });
      return answer.status === HealthCheckResponse_ServingStatus.SERVING ? "serving" : "not-serving";
    },
    release(address) {
      entries.get(address)?.channel.close();
      entries.delete(address);
    },
    get size() {
      return entries.size;
    },
    close() {
      for (const found of entries.values()) found.channel.close();
      entries.clear();
    },
  };
}
