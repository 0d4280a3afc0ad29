/**
 * The forwarder's connections to Novaboxes on the frame-level data plane (`ROUTER_DATA_PLANE=frames`):
 * the same contract as box-sessions.ts (node:http2), with the client role of h2-connection.ts on a
 * `tls.connect` socket. One connection per box address and Comune, opened on first use and reopened
 * after it closes or the box sends GOAWAY; mutual TLS with the router's mesh pair as loaded at
 * connect time; the box's certificate checked during the handshake exactly as box-sessions.ts does
 * ({@link boxIdentityCheck}: chain to the mesh CA, host, and the Comune it is dialed for — a refusal
 * is kept so the forwarder answers PERMISSION_DENIED); SNI only for DNS names (RFC 6066); the TLS
 * session of the last connection to the box offered again when it reconnects.
 *
 * Each unary call is one stream: HEADERS and one DATA with END_STREAM, written in the tick the call
 * is made, then the box's headers, message and trailers. The call object is the stream's handler
 * (no closure per call or frame). A call on a connection that never came up fails with UNAVAILABLE
 * "No connection established" (the one case in which the forwarder knows the box never saw the
 * request); a connection lost later, "Connection dropped". The deadline travels as `grpc-timeout`,
 * which the box enforces; a once-a-second sweep of the calls in flight is the backstop (no timer per
 * call). A cancelled call resets its stream (RST_STREAM CANCEL).
 */
import { connect as netConnect, isIP, type Socket } from "node:net";
import { connect as tlsConnect, type TLSSocket } from "node:tls";
import { status as GrpcCode, type Metadata, type ServiceError } from "@grpc/grpc-js";
import type { RelayedClientCall } from "#shared/runtime/observability.js";
import { instanceAddress, type Instance } from "../../domain/model.js";
import type { UnaryChannel } from "../../handlers/forwarding-handlers.js";
import { boxIdentityCheck, serviceError, type BoxSessions, type BoxSessionsOptions } from "../box-sessions.js";
import {
  decodeGrpcMessage,
  formatGrpcTimeout,
  frameMessage,
  headersOfMetadata,
  metadataOfHeaders,
  statusOfHttp,
  unframeMessage,
} from "../grpc-wire.js";
import { H2Connection, headerValue, type H2Stream, type H2StreamHandler, type HeaderList } from "./h2-connection.js";
import { ErrorCode } from "./frames.js";

interface Entry {
  connection: H2Connection;
  /** Set once the TLS (or TCP) connection is up: from then on a request may have reached the box. */
  connected: boolean;
  /** Why the connection failed, when it did. */
  failure: string | undefined;
}

const noop = () => {};

/** One forwarded call to a box: the stream's handler, its settlement (once) and its deadline entry. */
class BoxCall implements H2StreamHandler {
  settled = false;
  stream: H2Stream | undefined;
  responseHeaders: HeaderList | undefined;
  trailersOnly = false;
  trailers: HeaderList | undefined;
  body: Buffer | undefined;
  more: Buffer[] | undefined;
  resetCode = 0;

  constructor(
    readonly entry: Entry,
    readonly client: RelayedClientCall | undefined,
    readonly callback: (err: ServiceError | null, answer?: Buffer) => void,
    /** Epoch ms; Infinity = none. */
    readonly deadline: number,
    readonly expiring: Set<BoxCall>,
  ) {}

  onHeaders(_stream: H2Stream, headers: HeaderList, endStream: boolean): void {
    if (this.responseHeaders === undefined) {
      this.responseHeaders = headers;
      this.trailersOnly = endStream;
    } else this.trailers = headers;
    if (endStream) this.completed();
  }

  onData(_stream: H2Stream, data: Buffer, endStream: boolean): void {
    if (data.length > 0) {
      if (this.body === undefined) this.body = data;
      else (this.more ??= [this.body]).push(data);
    }
    if (endStream) this.completed();
  }

  onReset(_stream: H2Stream, code: number): void {
    this.resetCode = code;
    this.completed();
  }

  settle(err: ServiceError | null, answer?: Buffer, trailers?: Metadata): void {
    if (this.settled) return;
    this.settled = true;
    this.expiring.delete(this);
    this.client?.finish(err ? err.code : GrpcCode.OK, err ? err.metadata : trailers);
    this.callback(err, answer);
  }

  cancel(code: number, details: string): void {
    const stream = this.stream;
    if (stream && !stream.closed) stream.reset(ErrorCode.CANCEL);
    this.settle(serviceError(code, details));
  }

  /** The answer's one message, or INTERNAL when the body is not one uncompressed message. */
  message(): { message: Buffer } | { error: ServiceError } {
    const message = unframeMessage(this.more ?? (this.body ? [this.body] : []));
    return "problem" in message
      ? {
          error: serviceError(
            GrpcCode.INTERNAL,
            `the Novabox's answer is not one uncompressed gRPC message (${message.problem})`,
          ),
        }
      : message;
  }

  /** The stream is over (END_STREAM from the box, a reset, or the connection lost). */
  completed(): void {
    if (this.settled) return;
    const { responseHeaders, entry } = this;
    const status = this.trailersOnly ? responseHeaders : this.trailers;
    if (!responseHeaders || (this.resetCode !== 0 && !status)) {
      const why =
        entry.failure ??
        (this.resetCode === -1
          ? "the connection closed"
          : `stream reset by the Novabox (HTTP/2 error ${this.resetCode})`);
      return this.settle(
        serviceError(
          GrpcCode.UNAVAILABLE,
          entry.connected ? `Connection dropped: ${why}` : `No connection established: ${why}`,
        ),
      );
    }
    const httpStatus = Number(headerValue(responseHeaders, ":status"));
    if (httpStatus !== 200)
      return this.settle(serviceError(statusOfHttp(httpStatus), `the Novabox answered HTTP ${httpStatus}`));
    const grpcStatus = status ? headerValue(status, "grpc-status") : undefined;
    if (grpcStatus === "0" && !this.trailersOnly) {
      // The common case: one message and OK. Its trailers are not relayed (the forwarder sends its
      // own), so they are not turned into Metadata.
      const answer = this.message();
      return "error" in answer ? this.settle(answer.error) : this.settle(null, answer.message);
    }
    const code = Number(grpcStatus);
    if (!status || grpcStatus === undefined || !Number.isInteger(code))
      return this.settle(
        serviceError(GrpcCode.UNAVAILABLE, "Connection dropped: the Novabox ended the call without a status"),
      );
    const trailers = metadataOfHeaders(recordOf(status));
    if (code !== 0)
      return this.settle(serviceError(code, decodeGrpcMessage(headerValue(status, "grpc-message")), trailers));
    const answer = this.message();
    if ("error" in answer) return this.settle(answer.error);
    this.settle(null, answer.message, trailers);
  }
}

/** A header list as node:http2's object shape (repeated names as arrays), for metadataOfHeaders. */
function recordOf(headers: HeaderList): Record<string, string | string[]> {
  const record: Record<string, string | string[]> = {};
  for (let i = 0; i < headers.length; i += 2) {
    const key = headers[i]!;
    const value = headers[i + 1]!;
    const existing = record[key];
    record[key] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return record;
}

function cancelledOnClient(this: BoxCall): void {
  this.cancel(GrpcCode.CANCELLED, "Cancelled on client");
}

/** Creates an empty {@link BoxSessions} on the frame-level data plane. */
export function createFramesBoxSessions(options: BoxSessionsOptions): BoxSessions {
  const entries = new Map<string, Entry>();
  const refusals = new Map<string, string>();
  /** The TLS session of the last connection per box, offered again on reconnect. */
  const tlsSessions = new Map<string, Buffer>();
  const scheme = options.tls ? "https" : "http";
  const keyOf = (instance: Instance) => `${instance.comuneCode}@${instanceAddress(instance)}`;

  const open = (instance: Instance, key: string): Entry => {
    const host = instance.host;
    const tls = options.tls?.();
    const entry: Entry = { connection: undefined as unknown as H2Connection, connected: false, failure: undefined };
    let socket: Socket;
    if (tls) {
      const session = tlsSessions.get(key);
      const secure: TLSSocket = tlsConnect({
        host,
        port: instance.port,
        ca: tls.ca,
        cert: tls.certificate,
        key: tls.privateKey,
        ALPNProtocols: ["h2"],
        // RFC 6066: SNI only for DNS names; the IP subjectAltName is still checked against the host.
        ...(isIP(host) ? {} : { servername: host }),
        ...(session ? { session } : {}),
        checkServerIdentity: boxIdentityCheck(instance, key, refusals, options),
      });
      secure.once("secureConnect", () => {
        if (secure.alpnProtocol !== "h2") {
          entry.failure = "the Novabox did not negotiate HTTP/2 (ALPN h2)";
          secure.destroy();
          return;
        }
        entry.connected = true;
      });
      secure.on("session", (ticket: Buffer) => tlsSessions.set(key, ticket));
      socket = secure;
    } else {
      socket = netConnect({ host, port: instance.port });
      socket.once("connect", () => (entry.connected = true));
    }
    // Before the engine's own listener: the failure is known when the streams are failed.
    socket.on("error", (err: Error) => {
      entry.failure ??= err.message;
    });
    socket.setNoDelay(true);
    const forget = () => {
      if (entries.get(key) === entry) entries.delete(key);
    };
    entry.connection = new H2Connection(socket, {
      role: "client",
      // A connection the box is closing (GOAWAY) takes no new stream: the next call opens a new one.
      onGoaway: forget,
      onClose: forget,
    });
    // Idle connections must not keep the process alive (the router closes them on shutdown anyway).
    socket.unref();
    return entry;
  };

  const entryOf = (instance: Instance): Entry => {
    const key = keyOf(instance);
    let entry = entries.get(key);
    if (!entry || !entry.connection.usable) {
      entry = open(instance, key);
      entries.set(key, entry);
    }
    return entry;
  };

  /** Calls in flight with a deadline (see the module comment). */
  const expiring = new Set<BoxCall>();
  let sweeper: NodeJS.Timeout | undefined;
  const sweep = () => {
    const now = Date.now();
    for (const call of expiring) if (call.deadline <= now) call.cancel(GrpcCode.DEADLINE_EXCEEDED, "Deadline exceeded");
    if (expiring.size === 0 && sweeper) {
      clearInterval(sweeper);
      sweeper = undefined;
    }
  };

  const channel = (instance: Instance): UnaryChannel => ({
    makeUnaryRequest(path, _serialize, _deserialize, request, metadata, callOptions, done) {
      const entry = entryOf(instance);
      const client = options.observability?.openClientCall(path.slice(1));
      const deadline = callOptions.deadline instanceof Date ? callOptions.deadline.getTime() : callOptions.deadline;
      const headers: HeaderList = [
        ":method",
        "POST",
        ":scheme",
        scheme,
        ":path",
        path,
        ":authority",
        instanceAddress(instance),
        "content-type",
        "application/grpc",
        "te",
        "trailers",
      ];
      const timed = Number.isFinite(deadline);
      if (timed) headers.push("grpc-timeout", formatGrpcTimeout(deadline - Date.now()));
      for (const [key, value] of Object.entries(headersOfMetadata(metadata, client ? { ...client.headers } : {})))
        headers.push(key, value);
      // The answer arrives on a transport event: back into the call's scope (annotations, the retry's span).
      const call = new BoxCall(
        entry,
        client,
        options.observability ? options.observability.bindToCall(done) : done,
        timed ? deadline : Infinity,
        expiring,
      );
      let stream: H2Stream;
      try {
        stream = entry.connection.request(headers, call, false);
        stream.user = call;
      } catch (err) {
        call.settle(
          serviceError(
            GrpcCode.UNAVAILABLE,
            `No connection established: ${entry.failure ?? (err instanceof Error ? err.message : String(err))}`,
          ),
        );
        return { cancel: noop };
      }
      call.stream = stream;
      if (timed) {
        expiring.add(call);
        sweeper ??= setInterval(sweep, 1_000).unref();
      }
      stream.write(frameMessage(request), true);
      return { cancel: cancelledOnClient.bind(call) };
    },
  });

  return {
    channel,
    identityRefusal: (instance) => refusals.get(keyOf(instance)),
    keyOf,
    release(key) {
      entries.get(key)?.connection.shutdown();
      entries.delete(key);
      refusals.delete(key);
      tlsSessions.delete(key);
    },
    get size() {
      return entries.size;
    },
    close() {
      if (sweeper) clearInterval(sweeper);
      sweeper = undefined;
      for (const entry of entries.values()) entry.connection.shutdown();
      entries.clear();
      refusals.clear();
      tlsSessions.clear();
    },
  };
}
