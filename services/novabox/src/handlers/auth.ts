/** Reads the bearer token a caller sent in the `authorization` metadata (gRPC) or header (Connect). */
import { bearerToken as parseBearer } from "#shared/mesh/bearer-token.js";
import type { CallContext } from "#shared/rpc/grpc-adapter.js";

/** The token of `authorization: Bearer <token>`, or undefined when absent. */
export function bearerToken(context: CallContext): string | undefined {
  const value = context.requestHeader.get("authorization") ?? undefined;
  return typeof value === "string" ? parseBearer(value) : undefined;
}

/**
 * The caller's IP address, for throttling login attempts per source: from the grpc-js peer
 * (`127.0.0.1:5000`, `ipv4:…`, `[::1]:5000`) or the address the HTTP listener took from the socket
 * (never from a header the client could set). "unknown" when there is none.
 */
export function sourceAddress(context: CallContext): string {
  const peer = context.peer.trim().replace(/^ipv[46]:/, "");
  if (!peer) return "unknown";
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(peer);
  if (bracketed) return bracketed[1]!.replace(/^::ffff:/, "");
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3})(?::\d+)?$/.exec(peer);
  if (v4) return v4[1]!;
  return peer.replace(/^::ffff:/, "");
}
