/**
 * What a forwarded call carries to the router: the caller's `authorization` (the Novabox verifies
 * the token again with its own key), a request id for correlating logs across hops, the caller's
 * deadline and its cancellation. Nothing else from the browser's headers crosses into the mesh.
 */
import type { CallContext, ClientCallOptions } from "#shared/rpc/grpc-adapter.js";
import { callerHeaders } from "#shared/rpc/mesh-headers.js";

/** The first value of `name` in the call's headers, or undefined. */
export function requestHeader(context: CallContext, name: string): string | undefined {
  const value = context.requestHeader.get(name) ?? undefined;
  return typeof value === "string" ? value : undefined;
}

/** Call options for the router call that serves `context`. */
export function forwardOptions(
  context: CallContext,
  options: { withAuthorization: boolean; extra?: Record<string, string> },
): ClientCallOptions {
  const metadata: Record<string, string> = { ...options.extra };
  for (const name of callerHeaders) {
    if (name === "authorization" && !options.withAuthorization) continue;
    const value = requestHeader(context, name);
    if (value !== undefined) metadata[name] = value;
  }
  return { metadata, signal: context.signal, ...(context.deadline ? { deadline: context.deadline } : {}) };
}
