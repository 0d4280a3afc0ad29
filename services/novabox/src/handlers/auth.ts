/** Reads the bearer token a caller sent in the `authorization` metadata (gRPC) or header (Connect). */
import type { CallContext } from "#shared/grpc-adapter.js";

/** The token of `authorization: Bearer <token>`, or undefined when absent. */
export function bearerToken(context: CallContext): string | undefined {
  const value = context.requestMetadata.get("authorization")[0];
  if (typeof value !== "string") return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(value.trim());
  return match?.[1];
}
