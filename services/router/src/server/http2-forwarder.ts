/**
 * The server side of a forwarded call on `node:http2`, below grpc-js: the router's listener
 * (router-listener.ts) hands every stream of CertificationService, ConsultationService and
 * AlertService here. The request is read into memory (a unary request is small; it must be kept
 * anyway until a box answers, for the retry rule), its 5-byte gRPC prefix checked, and the call
 * handed to the forwarding handlers (handlers/forwarding-handlers.ts) as the grpc-js call shape they
 * know: the message bytes, the headers that cross the mesh, the deadline from `grpc-timeout`, a
 * "cancelled" event when the caller resets the stream, and the caller's certificate for the
 * role check of AlertService. Nothing is decoded but the one or two fields the handlers read.
 *
 * The answer goes back as headers, one framed message and trailers; a status (the box's, relayed
 * with its trailers, or the router's own) as a trailers-only response with `grpc-status`,
 * `grpc-message` and `grpc-status-details-bin`. Every call gets one span, RPC metrics and one
 * access-log line through observability.openCall, like a grpc-js call.
 * Protocol: https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md
 */
import { EventEmitter } from "node:events";
import type { IncomingHttpHeaders, ServerHttp2Stream } from "node:http2";
import { TLSSocket } from "node:tls";
import { Metadata, status as GrpcCode, type ServiceError } from "@grpc/grpc-js";
import type { Observability, RelayedCall } from "#shared/runtime/observability.js";
import { forwardedHeaders } from "#shared/rpc/mesh-headers.js";
import { comuneHeader } from "../handlers/forwarding-handlers.js";
import { encodeGrpcMessage, frameMessage, headersOfMetadata, parseGrpcTimeout, unframeMessage } from "./grpc-wire.js";

/** A forwarding handler as forwarding-handlers.ts builds them (grpc-js unary shape). */
export type ForwardingHandler = (call: never, callback: (err: ServiceError | null, answer?: Buffer) => void) => void;

/** Options of {@link createHttp2Forwarder}. */
export interface Http2ForwarderOptions {
  /** The handlers by path (`/<package>.<Service>/<Method>`). */
  handlers: ReadonlyMap<string, ForwardingHandler>;
  observability: Pick<Observability, "openCall">;
  /** The largest request accepted (default 4 MiB, grpc-js's default). */
  maxRequestBytes?: number;
}

/** See the module comment. */
export interface Http2Forwarder {
  /** Serves the stream when its path is forwarded; returns false (stream untouched) otherwise. */
  serve(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): boolean;
}

const noop = () => {};
/** The request headers a forwarding handler may read (the ones that cross the mesh and the Comune's). */
const callHeaders = [...forwardedHeaders, comuneHeader];

/** The grpc-js unary call shape the forwarding handlers read. */
class ForwardedCall extends EventEmitter {
  constructor(
    readonly request: Buffer,
    readonly metadata: Metadata,
    private readonly deadline: number,
    private readonly stream: ServerHttp2Stream,
  ) {
    super();
  }

  getDeadline(): number {
    return this.deadline;
  }

  getPeer(): string {
    return peerOf(this.stream);
  }

  getAuthContext(): {
    transportSecurityType?: string;
    sslPeerCertificate?: ReturnType<TLSSocket["getPeerCertificate"]>;
  } {
    const socket = this.stream.session?.socket;
    if (!(socket instanceof TLSSocket) || !socket.authorized) return {};
    const certificate = socket.getPeerCertificate();
    return { transportSecurityType: "ssl", ...(certificate.raw ? { sslPeerCertificate: certificate } : {}) };
  }
}

function peerOf(stream: ServerHttp2Stream): string {
  const socket = stream.session?.socket;
  return socket?.remoteAddress ? `${socket.remoteAddress}:${socket.remotePort}` : "unknown";
}

const text = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

/** The call a server stream belongs to (its listeners are shared, not made per call). */
const servedOf = Symbol("servedCall");
type ServedStream = ServerHttp2Stream & { [servedOf]: ServedCall };

/**
 * One forwarded call as the router serves it: the request read, the handler run in the call's
 * scope, the answer sent once. A class with listeners shared by every stream, so a call allocates
 * no closures of its own beyond the answer callback the handler gets.
 */
class ServedCall {
  done = false;
  call: ForwardedCall | undefined;
  body: Buffer | undefined;
  more: Buffer[] | undefined;
  size = 0;
  readonly answer: (err: ServiceError | null, message?: Buffer) => void;

  constructor(
    readonly stream: ServerHttp2Stream,
    readonly headers: IncomingHttpHeaders,
    readonly handler: ForwardingHandler,
    readonly served: RelayedCall,
    readonly deadline: number,
    readonly maxRequestBytes: number,
  ) {
    this.answer = this.respond.bind(this);
  }

  respond(err: ServiceError | null, message?: Buffer): void {
    if (this.done) return;
    this.done = true;
    const { stream, served } = this;
    if (stream.destroyed || stream.closed) return served.finish(GrpcCode.CANCELLED);
    if (!err) {
      stream.respond(
        { ":status": 200, "content-type": "application/grpc", "x-request-id": served.requestId },
        { waitForTrailers: true },
      );
      stream.once("wantTrailers", sendOkTrailers);
      stream.end(frameMessage(message ?? Buffer.alloc(0)));
      return served.finish(GrpcCode.OK);
    }
    const trailers = err.metadata ?? new Metadata();
    stream.respond(
      {
        ...headersOfMetadata(trailers),
        ":status": 200,
        "content-type": "application/grpc",
        "grpc-status": String(err.code ?? GrpcCode.UNKNOWN),
        "grpc-message": encodeGrpcMessage(err.details ?? ""),
        "x-request-id": served.requestId,
      },
      { endStream: true },
    );
    served.finish(err.code ?? GrpcCode.UNKNOWN, trailers);
  }

  refuse(code: number, details: string): void {
    this.respond(Object.assign(new Error(details), { code, details, metadata: new Metadata() }));
  }

  ended(): void {
    if (this.done) return;
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
    for (const key of callHeaders) {
      const value = headers[key];
      if (value !== undefined) for (const v of Array.isArray(value) ? value : [value]) metadata.add(key, v);
    }
    metadata.set("x-request-id", this.served.requestId);
    this.call = new ForwardedCall(body.message, metadata, this.deadline, this.stream);
    const call = this.call;
    this.served.run(() => this.handler(call as never, this.answer));
  }

  closed(): void {
    if (this.done) return;
    this.done = true;
    this.call?.emit("cancelled");
    this.served.finish(GrpcCode.CANCELLED);
  }
}

function sendOkTrailers(this: ServedStream): void {
  this.sendTrailers({ "grpc-status": "0", "x-request-id": this[servedOf].served.requestId });
}
function onRequestData(this: ServedStream, chunk: Buffer): void {
  const served = this[servedOf];
  served.size += chunk.length;
  if (served.size > served.maxRequestBytes + 5) return;
  if (served.body === undefined) served.body = chunk;
  else (served.more ??= [served.body]).push(chunk);
}
function onRequestEnd(this: ServedStream): void {
  this[servedOf].ended();
}
function onStreamClose(this: ServedStream): void {
  this[servedOf].closed();
}

/** Creates the {@link Http2Forwarder}. */
export function createHttp2Forwarder(options: Http2ForwarderOptions): Http2Forwarder {
  const maxRequestBytes = options.maxRequestBytes ?? 4 * 1024 * 1024;
  return {
    serve(stream, headers) {
      const path = headers[":path"];
      const handler = path === undefined ? undefined : options.handlers.get(path);
      if (!handler) return false;
      const served = options.observability.openCall(path!.slice(1), (name) => text(headers[name]), peerOf(stream));
      // The deadline counts from the request headers, as grpc-js counts it.
      const timeout = parseGrpcTimeout(text(headers["grpc-timeout"]));
      const deadline = timeout === undefined ? Infinity : Date.now() + timeout;
      (stream as ServedStream)[servedOf] = new ServedCall(stream, headers, handler, served, deadline, maxRequestBytes);
      stream.on("data", onRequestData);
      stream.once("end", onRequestEnd);
      stream.on("error", noop);
      stream.once("close", onStreamClose);
      return true;
    },
  };
}
