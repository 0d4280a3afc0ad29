/**
 * The server side of a forwarded call on the frame-level data plane (h2-connection.ts): the same
 * contract as http2-forwarder.ts (node:http2), on an {@link H2Stream} instead of a node:http2
 * stream. The request is read into memory (a unary request is small; it is kept until a box
 * answers, for the retry rule), its 5-byte gRPC prefix checked, and the call handed to the
 * forwarding handlers (handlers/forwarding-handlers.ts) in the grpc-js call shape they know: the
 * message bytes, the headers that cross the mesh, the deadline from `grpc-timeout`, a "cancelled"
 * event when the caller resets the stream (or its connection drops), and the caller's certificate
 * for the role check of AlertService.
 *
 * The answer goes back as HEADERS, one DATA and trailers (HEADERS with END_STREAM), written in the
 * same tick so the connection sends them in one socket write; a status as a trailers-only
 * response with `grpc-status`, `grpc-message` and the status's metadata (`grpc-status-details-bin`
 * byte for byte). Each call gets one span, RPC metrics and one access-log line through
 * observability.openCall. The served call is the stream's handler: no closure per frame.
 * Protocol: https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md
 */
import { EventEmitter } from "node:events";
import type { PeerCertificate } from "node:tls";
import { Metadata, status as GrpcCode, type ServiceError } from "@grpc/grpc-js";
import type { Observability, RelayedCall } from "#shared/runtime/observability.js";
import { forwardedHeaders } from "#shared/rpc/mesh-headers.js";
import { comuneHeader } from "../../handlers/forwarding-handlers.js";
import { encodeGrpcMessage, frameMessage, headersOfMetadata, parseGrpcTimeout, unframeMessage } from "../grpc-wire.js";
import type { ForwardingHandler } from "../http2-forwarder.js";
import { headerValue, type H2Stream, type H2StreamHandler, type HeaderList } from "./h2-connection.js";

/** What the listener knows of a client connection: its address and the certificate its TLS handshake verified. */
export interface ConnectionPeer {
  /** `address:port`. */
  readonly address: string;
  /** The verified client certificate (read once per connection), or undefined in plaintext. */
  certificate(): PeerCertificate | undefined;
}

/** Options of {@link createFramesForwarder}. */
export interface FramesForwarderOptions {
  /** The handlers by path (`/<package>.<Service>/<Method>`). */
  handlers: ReadonlyMap<string, ForwardingHandler>;
  observability: Pick<Observability, "openCall">;
  /** The largest request accepted (default 4 MiB, grpc-js's default). */
  maxRequestBytes?: number;
}

/** See the module comment. */
export interface FramesForwarder {
  /** Serves the stream when its path is forwarded (becoming its handler); returns false (stream untouched) otherwise. */
  serve(stream: H2Stream, headers: HeaderList, endStream: boolean, peer: ConnectionPeer): boolean;
}

/** The request headers a forwarding handler may read (the ones that cross the mesh and the Comune's). */
const callHeaders = [...forwardedHeaders, comuneHeader];

/** The grpc-js unary call shape the forwarding handlers read. */
class ForwardedCall extends EventEmitter {
  constructor(
    readonly request: Buffer,
    readonly metadata: Metadata,
    private readonly deadline: number,
    private readonly peer: ConnectionPeer,
  ) {
    super();
  }

  getDeadline(): number {
    return this.deadline;
  }

  getPeer(): string {
    return this.peer.address;
  }

  getAuthContext(): { transportSecurityType?: string; sslPeerCertificate?: PeerCertificate } {
    const certificate = this.peer.certificate();
    return certificate ? { transportSecurityType: "ssl", sslPeerCertificate: certificate } : {};
  }
}

/** Headers of the answer the router sets itself: never copied from a status's metadata. */
const ownHeaders = new Set([":status", "content-type", "grpc-status", "grpc-message", "x-request-id"]);

/** One forwarded call as the router serves it (see the module comment). */
class ServedCall implements H2StreamHandler {
  done = false;
  call: ForwardedCall | undefined;
  body: Buffer | undefined;
  more: Buffer[] | undefined;
  size = 0;
  readonly answer: (err: ServiceError | null, message?: Buffer) => void;

  constructor(
    readonly stream: H2Stream,
    readonly headers: HeaderList,
    readonly handler: ForwardingHandler,
    readonly served: RelayedCall,
    readonly deadline: number,
    readonly maxRequestBytes: number,
    readonly peer: ConnectionPeer,
  ) {
    this.answer = this.respond.bind(this);
  }

  onHeaders(_stream: H2Stream, _trailers: HeaderList, endStream: boolean): void {
    // Request trailers carry nothing the router reads: they only end the request.
    if (endStream) this.ended();
  }

  onData(_stream: H2Stream, data: Buffer, endStream: boolean): void {
    this.size += data.length;
    if (this.size <= this.maxRequestBytes + 5 && data.length > 0) {
      if (this.body === undefined) this.body = data;
      else (this.more ??= [this.body]).push(data);
    }
    if (endStream) this.ended();
  }

  onReset(): void {
    if (this.done) return;
    this.done = true;
    this.call?.emit("cancelled");
    this.served.finish(GrpcCode.CANCELLED);
  }

  respond(err: ServiceError | null, message?: Buffer): void {
    if (this.done) return;
    this.done = true;
    const { stream, served } = this;
    if (stream.closed || stream.connection.destroyed) return served.finish(GrpcCode.CANCELLED);
    if (!err) {
      stream.sendHeaders(
        [":status", "200", "content-type", "application/grpc", "x-request-id", served.requestId],
        false,
      );
      stream.write(frameMessage(message ?? Buffer.alloc(0)));
      stream.end(["grpc-status", "0", "x-request-id", served.requestId]);
      return served.finish(GrpcCode.OK);
    }
    const trailers = err.metadata ?? new Metadata();
    const out: HeaderList = [
      ":status",
      "200",
      "content-type",
      "application/grpc",
      "grpc-status",
      String(err.code ?? GrpcCode.UNKNOWN),
      "grpc-message",
      encodeGrpcMessage(err.details ?? ""),
      "x-request-id",
      served.requestId,
    ];
    for (const [key, value] of Object.entries(headersOfMetadata(trailers)))
      if (!ownHeaders.has(key)) out.push(key, value);
    try {
      stream.sendHeaders(out, true);
    } catch {
      // A metadata value HTTP/2 cannot carry: the status without the metadata.
      stream.sendHeaders(out.slice(0, 10), true);
    }
    served.finish(err.code ?? GrpcCode.UNKNOWN, trailers);
  }

  refuse(code: number, details: string): void {
    this.respond(Object.assign(new Error(details), { code, details, metadata: new Metadata() }));
  }

  ended(): void {
    if (this.done || this.call) return;
    const { size, maxRequestBytes, headers } = this;
    if (size > maxRequestBytes + 5)
      return this.refuse(
        GrpcCode.RESOURCE_EXHAUSTED,
        `the request is ${size - 5} bytes, more than the ${maxRequestBytes} the router accepts`,
      );
    const body = unframeMessage(this.more ?? (this.body ? [this.body] : []));
    if ("problem" in body)
      return this.refuse(
        body.problem === "compressed" ? GrpcCode.UNIMPLEMENTED : GrpcCode.INVALID_ARGUMENT,
        body.problem === "compressed"
          ? "the router reads comune_code from the request, so it accepts only uncompressed requests: send it without grpc-encoding"
          : "the request body is not one gRPC length-prefixed message",
      );
    const metadata = new Metadata();
    for (let i = 0; i < headers.length; i += 2)
      if (callHeaders.includes(headers[i]!)) metadata.add(headers[i]!, headers[i + 1]!);
    metadata.set("x-request-id", this.served.requestId);
    // The body is a view of the socket's chunk: the handler keeps it until a box answers.
    this.call = new ForwardedCall(body.message, metadata, this.deadline, this.peer);
    const call = this.call;
    this.served.run(() => this.handler(call as never, this.answer));
  }
}

/** Creates the {@link FramesForwarder}. */
export function createFramesForwarder(options: FramesForwarderOptions): FramesForwarder {
  const maxRequestBytes = options.maxRequestBytes ?? 4 * 1024 * 1024;
  return {
    serve(stream, headers, endStream, peer) {
      const path = headerValue(headers, ":path");
      const handler = path === undefined ? undefined : options.handlers.get(path);
      if (!handler) return false;
      const served = options.observability.openCall(path!.slice(1), (name) => headerValue(headers, name), peer.address);
      // The deadline counts from the request headers, as grpc-js counts it.
      const timeout = parseGrpcTimeout(headerValue(headers, "grpc-timeout"));
      const deadline = timeout === undefined ? Infinity : Date.now() + timeout;
      const call = new ServedCall(stream, headers, handler, served, deadline, maxRequestBytes, peer);
      stream.handler = call;
      stream.user = call;
      if (endStream) call.ended();
      return true;
    },
  };
}
