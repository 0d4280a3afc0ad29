/**
 * The gateway's channel to the Novares routers, balanced: grpc-js's `round_robin` policy over every
 * router address, so each call goes to the next router whose connection is READY and a router that
 * dies (connection lost, TRANSIENT_FAILURE) leaves the rotation until it reconnects. The default
 * `pick_first` would send everything to one router.
 *
 * ROUTER_ADDRESS is either one `host:port` — a DNS name that resolves to every router (grpc-js's
 * DNS resolver returns all its addresses and re-resolves when connections drop), the recommended
 * production form — or a comma-separated list of IP `address:port`s (the `ipv4:`/`ipv6:` target
 * schemes of gRPC's naming: https://github.com/grpc/grpc/blob/master/doc/naming.md). With a list,
 * TLS checks every router's certificate against the first address's host, so the routers'
 * certificates share that name (the development mesh PKI issues 127.0.0.1 to all of them).
 */
import type { ChannelOptions } from "@grpc/grpc-js";

/** A grpc-js target and the channel options that balance across it. */
export interface RouterTarget {
  target: string;
  options: ChannelOptions;
  /** The router addresses, as configured. */
  addresses: string[];
}

const ipv4 = /^\d{1,3}(\.\d{1,3}){3}:\d{1,5}$/;
const ipv6 = /^\[[0-9a-fA-F:.]+\]:\d{1,5}$/;

/** Parses ROUTER_ADDRESS; throws with an actionable message when a list mixes names and IPs. */
export function routerTarget(address: string): RouterTarget {
  const addresses = address
    .split(",")
    .map((a) => a.trim())
    .filter(Boolean);
  if (addresses.length === 0)
    throw new Error(
      "ROUTER_ADDRESS is empty: set host:port of the router (or a comma-separated list of IP address:port)",
    );
  const options: ChannelOptions = {
    "grpc.service_config": JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
  };
  if (addresses.length === 1) return { target: addresses[0]!, options, addresses };
  const scheme = addresses.every((a) => ipv4.test(a))
    ? "ipv4"
    : addresses.every((a) => ipv6.test(a))
      ? "ipv6"
      : undefined;
  if (!scheme)
    throw new Error(
      `ROUTER_ADDRESS lists several routers: each must be an IP address:port of the same family (got ${address}); or use one DNS name that resolves to every router`,
    );
  return {
    target: `${scheme}:${addresses.join(",")}`,
    options: { ...options, "grpc.default_authority": addresses[0]! },
    addresses,
  };
}
