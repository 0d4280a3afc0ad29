/**
 * One grpc-js channel per Novabox address and Comune for the registry's health probes, created on
 * first use and closed when no instance uses it any more. With `transientProbes` a probe of a box
 * with no open channel is one `Check` on a connection of its own (box-probe.ts: raw HTTP/2, the
 * box's TLS session resumed), closed at once. (Forwarded calls go on the raw HTTP/2 sessions of
 * box-sessions.ts, which check the box's identity the same way.)
 *
 * With {@link BoxPoolOptions.credentialsFor} every channel checks, during the TLS handshake, that
 * the box's certificate names the Comune the channel is for (its SPIFFE ID, #shared/mesh-identity.js):
 * a box that announced itself, or was registered in Consul, under another Comune's name gets no
 * request — not a token, not a fiscal code. The refusal is logged and kept per channel, so the
 * router can answer PERMISSION_DENIED instead of a bare UNAVAILABLE.
 */
import { Client, type ChannelCredentials, type ChannelOptions, type Interceptor } from "@grpc/grpc-js";
import { Health, HealthCheckResponse_ServingStatus } from "#gen/grpc/health/v1/health_pb.js";
import { createGrpcClient, type GrpcClient } from "#shared/rpc/grpc-adapter.js";
import type { MeshPeerCheck } from "#shared/mesh/mesh-tls.js";
import { meshIdentityOfSubjectAltName } from "#shared/mesh/mesh-identity.js";
import { boxIdentityRefusal } from "../domain/announcer-identity.js";
import { createBoxProbe } from "./box-probe.js";
import type { HealthProbe } from "../domain/embedded-registry.js";
import { instanceAddress, type Instance } from "../domain/model.js";
import type { BoxChannels } from "../handlers/forwarding-handlers.js";
import type { Log } from "#shared/runtime/log.js";

/** Options of {@link createBoxPool}. */
export interface BoxPoolOptions {
  /** What the router presents to boxes (mutual TLS in the mesh; insecure only when configured so). */
  credentials: ChannelCredentials;
  /**
   * Mutual TLS that also checks the box's identity: called once per channel with the check to run
   * on the box's certificate. When given, it replaces {@link credentials}.
   */
  credentialsFor?: (check: MeshPeerCheck) => ChannelCredentials;
  /** Where identity refusals are logged. */
  logger?: Pick<Log, "warn">;
  /** Extra grpc-js channel options. */
  channelOptions?: ChannelOptions;
  /** Deadline of one health probe (default 1 500 ms). */
  probeTimeoutMs?: number;
  /** grpc-js client interceptors on every channel (trace context, request id, client metrics). */
  interceptors?: Interceptor[];
  /**
   * Probe a box that has no open channel over a connection of its own, closed after the answer
   * (default false: the probe opens the box's channel and keeps it). The Consul directory sets it:
   * a router there probes thousands of boxes it may never forward to, and a kept grpc-js channel
   * costs ~8 KB of heap before any connection (bench/directory-scale), so only boxes that receive
   * calls keep one.
   */
  transientProbes?: boolean;
  /**
   * The mesh TLS material for transient probes (box-probe.ts), which run below grpc-js; with
   * {@link credentialsFor} set they also check the box's identity. Omitted = plaintext.
   */
  tls?: () => { ca: Buffer; certificate: Buffer; privateKey: Buffer };
}

/** See the module comment. */
export interface BoxPool extends BoxChannels {
  /** grpc.health.v1 Check of the box's server status (""), as the embedded registry's probe. */
  readonly probe: HealthProbe;
  /** The channel key of `instance` (Comune and address): what {@link release} takes. */
  keyOf(instance: Instance): string;
  /** Closes the channel `key` (from {@link keyOf}), if open: no instance uses it any more. */
  release(key: string): void;
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

  /** Identity refusals by channel key: set by a failed handshake, cleared by a good one. */
  const refusals = new Map<string, string>();
  const keyOf = (instance: Instance) => `${instance.comuneCode}@${instanceAddress(instance)}`;

  const credentialsOf = (instance: Instance, key: string): ChannelCredentials => {
    if (!options.credentialsFor) return options.credentials;
    return options.credentialsFor((identity, certificate) => {
      const refusal = boxIdentityRefusal(
        identity ?? meshIdentityOfSubjectAltName(certificate.subjectaltname),
        instance.comuneCode,
      );
      return remember(key, instance, refusal);
    });
  };

  /** Records (or clears) the identity refusal of a box, logging it once per new message. */
  const remember = (key: string, instance: Instance, refusal: string | undefined): string | undefined => {
    if (!refusal) {
      refusals.delete(key);
      return undefined;
    }
    const message = `${refusal} at ${instanceAddress(instance)}: refused, no call is sent to it`;
    if (refusals.get(key) !== message)
      options.logger?.warn(
        { comuneCode: instance.comuneCode, address: instanceAddress(instance), refusal },
        "Novabox certificate names another party: connection refused",
      );
    refusals.set(key, message);
    return message;
  };

  const open = (instance: Instance, key: string): Entry => {
    const channel = new Client(instanceAddress(instance), credentialsOf(instance, key), {
      ...channelOptions,
      ...(options.interceptors ? { interceptors: options.interceptors } : {}),
    });
    return { channel, health: createGrpcClient(Health, channel) };
  };

  const entry = (instance: Instance): Entry => {
    const key = keyOf(instance);
    let found = entries.get(key);
    if (!found) {
      found = open(instance, key);
      entries.set(key, found);
    }
    return found;
  };

  const oneShot = options.transientProbes
    ? createBoxProbe({
        ...(options.tls ? { tls: options.tls } : {}),
        checkIdentity: options.credentialsFor !== undefined,
        onIdentity: (key, instance, refusal) => void remember(key, instance, refusal),
      })
    : undefined;

  const check = async (health: GrpcClient<typeof Health>, deadline = probeTimeoutMs) => {
    const answer = await health.check({ service: "" }, { deadline });
    return answer.status === HealthCheckResponse_ServingStatus.SERVING ? "serving" : "not-serving";
  };

  return {
    channel: (instance) => entry(instance).channel,
    probe: async (instance) => {
      const key = keyOf(instance);
      const kept = entries.get(key);
      if (kept || !oneShot) return check((kept ?? entry(instance)).health);
      // Its deadline covers the connection (and the mutual-TLS handshake) too: three times a kept
      // channel's, so a busy box or router is not reported down for a slow handshake.
      return oneShot.check(instance, key, probeTimeoutMs * 3);
    },
    identityRefusal: (instance) => refusals.get(keyOf(instance)),
    keyOf,
    release(key) {
      oneShot?.forget(key);
      entries.get(key)?.channel.close();
      entries.delete(key);
      refusals.delete(key);
    },
    get size() {
      return entries.size;
    },
    close() {
      for (const found of entries.values()) found.channel.close();
      entries.clear();
      refusals.clear();
    },
  };
}
