/**
 * A unary method of the router's own services served on the listener's raw HTTP/2 path
 * (http2-forwarder.ts) instead of being relayed to the in-process grpc-js server. It exists for
 * DiscoveryService/Announce: every box calls it every 10 s, 1,600 calls a second at national scale,
 * and the relay (a second and a third HTTP/2 hop inside the process, grpc-js's call stack and two
 * server interceptors) cost more router CPU per announcement than the announcement's own work
 * (bench/directory-scale, `--cpu-prof`).
 *
 * The handler is the very implementation the grpc-js server serves (with whatever interceptors
 * wrap it), called with the same {@link CallContext}: the request decoded with protobuf-es, the
 * peer address and the client certificate the listener's TLS handshake verified (what the
 * announcer-identity rule checks), the deadline, and a signal aborted when the caller resets the
 * stream. Errors become statuses through the one shared table (grpc-status.ts), as in
 * grpc-adapter.ts; the forwarder gives the call its span, metrics and access-log line. Response
 * headers a handler sets are not sent (Announce sets none): serve only methods that set none.
 */
import {
  create,
  fromBinary,
  toBinary,
  type DescMethodUnary,
  type MessageInitShape,
  type MessageShape,
} from "@bufbuild/protobuf";
import { status as GrpcCode, type Metadata } from "@grpc/grpc-js";
import type { PeerCertificate } from "node:tls";
import type { CallContext } from "#shared/rpc/call-context.js";
import { RpcError, toServiceError, type ErrorLogger, type GrpcServiceError } from "#shared/rpc/grpc-status.js";
import type { ForwardingHandler } from "./http2-forwarder.js";

/** The call as http2-forwarder.ts hands it over (the grpc-js unary shape). */
interface RawCall {
  readonly request: Buffer;
  readonly metadata: Metadata;
  getDeadline(): number;
  getPeer(): string;
  getAuthContext(): { sslPeerCertificate?: PeerCertificate };
  on(event: "cancelled", listener: () => void): unknown;
}

/** Headers of the forwarded metadata (only the few a forwarder passes on), built when read. */
function headersOf(metadata: Metadata): Headers {
  const headers = new Headers();
  for (const [key, values] of Object.entries(metadata.toJSON()))
    for (const value of values as (string | Buffer)[])
      headers.append(key, typeof value === "string" ? value : Buffer.from(value).toString("base64"));
  return headers;
}

/** Serves `method` with `impl` on the raw path (see the module comment). */
export function rawUnaryHandler<M extends DescMethodUnary>(
  method: M,
  impl: (
    request: MessageShape<M["input"]>,
    context: CallContext,
  ) => Promise<MessageInitShape<M["output"]>> | MessageInitShape<M["output"]>,
  logger?: ErrorLogger,
  /** The answer in protobuf binary (default `toBinary`): a faster encoder for a large answer. */
  encode: (response: MessageInitShape<M["output"]>) => Uint8Array = (response) =>
    toBinary(method.output, create(method.output, response)),
): ForwardingHandler {
  const logContext = { rpc: `/${method.parent.typeName}/${method.name}` };
  const handler = (call: RawCall, callback: (err: GrpcServiceError | null, answer?: Buffer) => void) => {
    let request: MessageShape<M["input"]>;
    try {
      request = fromBinary(method.input, call.request) as MessageShape<M["input"]>;
    } catch {
      return callback(
        toServiceError(
          new RpcError(GrpcCode.INVALID_ARGUMENT, `the request is not a valid ${method.input.typeName} message`),
        ),
      );
    }
    const controller = new AbortController();
    call.on("cancelled", () => controller.abort(new RpcError(GrpcCode.CANCELLED, "call cancelled by the client")));
    const rawDeadline = call.getDeadline();
    let requestHeader: Headers | undefined;
    const context: CallContext = {
      get requestHeader() {
        return (requestHeader ??= headersOf(call.metadata));
      },
      signal: controller.signal,
      deadline: Number.isFinite(rawDeadline) ? new Date(rawDeadline) : undefined,
      peer: call.getPeer(),
      get peerCertificate() {
        const certificate = call.getAuthContext().sslPeerCertificate;
        return certificate && Object.keys(certificate).length > 0 ? certificate : undefined;
      },
      method,
      responseHeader: new Headers(),
    };
    Promise.resolve()
      .then(() => impl(request, context))
      .then(
        (response) => {
          const bytes = encode(response);
          callback(null, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
        },
        (err: unknown) => callback(toServiceError(err, logger, logContext)),
      );
  };
  return handler as ForwardingHandler;
}
