/**
 * What a handler knows about its call besides the request, the same whatever serves it (grpc-js
 * or connect-node): headers as standard WHATWG `Headers` (binary `-bin` headers as their base64
 * text, as on the wire), the cancellation signal, the deadline, the peer. The adapters build it;
 * handlers and interceptors never see a transport type.
 */
import type { PeerCertificate } from "node:tls";
import type { DescMethod, DescService } from "@bufbuild/protobuf";

/** What a handler knows about the call besides its request. */
export interface CallContext {
  /** The request headers (custom metadata, `authorization`, ...); `-bin` values in base64. */
  readonly requestHeader: Headers;
  /** Aborted when the client cancels or the deadline passes. */
  readonly signal: AbortSignal;
  /** The call's deadline, when the client set one: propagate it to downstream calls. */
  readonly deadline: Date | undefined;
  /** The peer address as the transport reports it (grpc-js peer, or the socket address). */
  readonly peer: string;
  /**
   * The certificate the peer presented on a mutual-TLS connection (already verified against the
   * mesh CA by the TLS handshake); undefined on plaintext or when the transport has none.
   */
  readonly peerCertificate?: PeerCertificate | undefined;
  /** The method being served. */
  readonly method: DescMethod;
  /** Headers sent before the first response message (set them before returning or yielding). */
  readonly responseHeader: Headers;
}

/**
 * One step run before every handler of a service (authentication, the mesh peer check): it throws
 * to refuse the call, as a handler would, and the error becomes a status the same way.
 */
export type CallInterceptor = (context: CallContext) => void | Promise<void>;

/**
 * `impl` (the handlers of `service`) with `interceptor` run before each method: before a unary
 * handler, and before the first message of a streaming one. The one place a server states who may
 * call a service, instead of a check at the top of every handler. Methods named in `except` (their
 * `localName`, e.g. "login") run without it.
 */
export function withInterceptor<S extends DescService, T extends object>(
  service: S,
  impl: T,
  interceptor: CallInterceptor,
  options: { except?: readonly string[] } = {},
): T {
  const wrapped: Record<string, unknown> = {};
  const handlers = impl as Record<string, ((request: unknown, context: CallContext) => unknown) | undefined>;
  for (const method of service.methods) {
    const fn = handlers[method.localName];
    if (!fn) continue;
    if (options.except?.includes(method.localName)) {
      wrapped[method.localName] = fn.bind(impl);
      continue;
    }
    const streamsOut = method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming";
    wrapped[method.localName] = streamsOut
      ? async function* (request: unknown, context: CallContext) {
          await interceptor(context);
          yield* fn.call(impl, request, context) as AsyncIterable<unknown>;
        }
      : async (request: unknown, context: CallContext) => {
          await interceptor(context);
          return fn.call(impl, request, context);
        };
  }
  return wrapped as T;
}
