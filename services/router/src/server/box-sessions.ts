/**
 * The forwarder's connections to Novaboxes on `node:http2`, below grpc-js: one HTTP/2 session per
 * box address and Comune, opened on first use and reopened after it closes, mutual TLS with the
 * router's mesh certificate (the pair loaded at connect time, so a renewed certificate is used by
 * the next connection). During the handshake the box's certificate is checked as the grpc-js
 * channels did (box-pool.ts): it must chain to the mesh CA, match the host, and name the Comune the
 * session is for (domain/announcer-identity.ts); a refusal is logged and kept, so the forwarder can
 * answer PERMISSION_DENIED instead of a bare UNAVAILABLE.
 *
 * Each unary call writes one framed message and reads back headers, one message and trailers,
 * relaying the box's status with its metadata (`grpc-status-details-bin` byte for byte). A call
 * whose session never connected fails with UNAVAILABLE "No connection established", the one case in
 * which the forwarder knows the box never saw the request (handlers/forwarding-handlers.ts).
 * The deadline travels as `grpc-timeout`, which the box enforces; here a once-a-second sweep of the
 * calls in flight is the backstop for a box that stops answering (no timer per call). A cancelled
 * call resets its stream (RST_STREAM CANCEL), which the box's grpc-js server turns into a cancelled
 * call.
 */
import {
  connect,
  constants,
  type ClientHttp2Session,
  type ClientHttp2Stream,
  type IncomingHttpHeaders,
} from "node:http2";
import { isIP } from "node:net";
import { checkServerIdentity as tlsCheckServerIdentity, connect as tlsConnect, type PeerCertificate } from "node:tls";
import { Metadata, status as GrpcCode, type ServiceError } from "@grpc/grpc-js";
import type { Observability, RelayedClientCall } from "#shared/runtime/observability.js";
import { meshIdentityOfSubjectAltName } from "#shared/mesh/mesh-identity.js";
import { boxIdentityRefusal } from "../domain/announcer-identity.js";
import { instanceAddress, type Instance } from "../domain/model.js";
import type { BoxChannels, UnaryChannel } from "../handlers/forwarding-handlers.js";
import type { Log } from "#shared/runtime/log.js";
import {
  decodeGrpcMessage,
  formatGrpcTimeout,
  frameMessage,
  headersOfMetadata,
  metadataOfHeaders,
  statusOfHttp,
  unframeMessage,
} from "./grpc-wire.js";

/** Options of {@link createBoxSessions}. */
export interface BoxSessionsOptions {
  /** The router's mesh TLS pair and CA (PEM) as loaded now; omitted = plaintext (development only). */
  tls?: () => { ca: Buffer; certificate: Buffer; privateKey: Buffer };
  /** Check the box's certificate names the Comune it is dialed for (mutual-TLS mesh). */
  checkIdentity?: boolean;
  /** The client span and metrics of each call, in the forwarded call's scope. */
  observability?: Pick<Observability, "openClientCall" | "bindToCall">;
  logger?: Pick<Log, "warn">;
}

/** See the module comment. */
export interface BoxSessions extends BoxChannels {
  identityRefusal(instance: Instance): string | undefined;
  /** The session key of `instance` (Comune and address). */
  keyOf(instance: Instance): string;
  /** Closes the session `key`, if open: no instance uses it any more. */
  release(key: string): void;
  /** Open sessions. */
  readonly size: number;
  close(): void;
}

interface Entry {
  session: ClientHttp2Session;
  /** Set once the TLS (or TCP) connection is up: from then on a request may have reached the box. */
  connected: boolean;
  /** Why the connection failed, when it did. */
  failure: string | undefined;
}

const noop = () => {};

/** A ServiceError as grpc-js would report it. */
export function serviceError(code: number, details: string, metadata = new Metadata()): ServiceError {
  const name = (GrpcCode as unknown as Record<number, string>)[code] ?? String(code);
  return Object.assign(new Error(`${code} ${name}: ${details}`), { code, details, metadata });
}

/** The call a stream belongs to (set on the stream: its listeners are shared, not made per call). */
const callOf = Symbol("boxCall");
type CallStream = ClientHttp2Stream & { [callOf]: BoxCall };

/**
 * One forwarded call to a box: its stream's events, its settlement (once) and its deadline entry.
 * A class with listeners shared by every stream, so a call allocates no closures of its own.
 */
class BoxCall {
  settled = false;
  stream: ClientHttp2Stream | undefined;
  responseHeaders: IncomingHttpHeaders | undefined;
  trailersOnly = false;
  trailers: IncomingHttpHeaders | undefined;
  body: Buffer | undefined;
  more: Buffer[] | undefined;

  constructor(
    readonly entry: Entry,
    readonly client: RelayedClientCall | undefined,
    readonly callback: (err: ServiceError | null, answer?: Buffer) => void,
    /** Epoch ms; Infinity = none. */
    readonly deadline: number,
    readonly expiring: Set<BoxCall>,
  ) {}

  settle(err: ServiceError | null, answer?: Buffer, trailers?: Metadata): void {
    if (this.settled) return;
    this.settled = true;
    this.expiring.delete(this);
    this.client?.finish(err ? err.code : GrpcCode.OK, err ? err.metadata : trailers);
    this.callback(err, answer);
  }

  cancel(code: number, details: string): void {
    if (this.stream && !this.stream.closed) this.stream.close(constants.NGHTTP2_CANCEL);
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

  closed(): void {
    if (this.settled) return;
    const { responseHeaders, entry } = this;
    const status = this.trailersOnly ? responseHeaders : this.trailers;
    if (!responseHeaders) {
      const why = entry.failure ?? `stream reset by the Novabox (HTTP/2 error ${this.stream?.rstCode})`;
      return this.settle(
        serviceError(
          GrpcCode.UNAVAILABLE,
          entry.connected ? `Connection dropped: ${why}` : `No connection established: ${why}`,
        ),
      );
    }
    const httpStatus = Number(responseHeaders[":status"]);
    if (httpStatus !== 200)
      return this.settle(serviceError(statusOfHttp(httpStatus), `the Novabox answered HTTP ${httpStatus}`));
    const grpcStatus = status?.["grpc-status"];
    if (grpcStatus === "0" && !this.trailersOnly) {
      // The common case: one message and OK. Its trailers are not relayed (the forwarder sends its
      // own), so they are not turned into Metadata.
      const answer = this.message();
      return "error" in answer ? this.settle(answer.error) : this.settle(null, answer.message);
    }
    const code = Number(grpcStatus);
    if (!status || !Number.isInteger(code))
      return this.settle(
        serviceError(GrpcCode.UNAVAILABLE, "Connection dropped: the Novabox ended the call without a status"),
      );
    const trailers = metadataOfHeaders(status);
    if (code !== 0)
      return this.settle(serviceError(code, decodeGrpcMessage(status["grpc-message"] as string | undefined), trailers));
    const answer = this.message();
    if ("error" in answer) return this.settle(answer.error);
    this.settle(null, answer.message, trailers);
  }
}

function onResponse(this: CallStream, headers: IncomingHttpHeaders, flags: number): void {
  const call = this[callOf];
  call.responseHeaders = headers;
  call.trailersOnly = (flags & constants.NGHTTP2_FLAG_END_STREAM) !== 0;
}
function onData(this: CallStream, chunk: Buffer): void {
  const call = this[callOf];
  if (call.body === undefined) call.body = chunk;
  else (call.more ??= [call.body]).push(chunk);
}
function onTrailers(this: CallStream, trailers: IncomingHttpHeaders): void {
  this[callOf].trailers = trailers;
}
function onClose(this: CallStream): void {
  this[callOf].closed();
}
function cancelledOnClient(this: BoxCall): void {
  this.cancel(GrpcCode.CANCELLED, "Cancelled on client");
}

/**
 * The TLS `checkServerIdentity` of a connection to `instance`: the host must match the box's
 * certificate, and (with `checkIdentity`) the certificate must name the Comune the connection is
 * for; a refusal is logged once and kept in `refusals` under `key` (the forwarder answers
 * PERMISSION_DENIED with it), an accepted certificate clears it.
 */
export function boxIdentityCheck(
  instance: Instance,
  key: string,
  refusals: Map<string, string>,
  options: Pick<BoxSessionsOptions, "checkIdentity" | "logger">,
): (servername: string, certificate: PeerCertificate) => Error | undefined {
  const host = instance.host;
  const authority = instanceAddress(instance);
  return (_servername, certificate) => {
    const hostError = tlsCheckServerIdentity(host, certificate);
    if (hostError) return hostError;
    if (!options.checkIdentity) return undefined;
    const refusal = boxIdentityRefusal(meshIdentityOfSubjectAltName(certificate.subjectaltname), instance.comuneCode);
    if (!refusal) {
      refusals.delete(key);
      return undefined;
    }
    const message = `${refusal} at ${authority}: refused, no call is sent to it`;
    if (refusals.get(key) !== message)
      options.logger?.warn(
        { comuneCode: instance.comuneCode, address: authority, refusal },
        "Novabox certificate names another party: connection refused",
      );
    refusals.set(key, message);
    return new Error(message);
  };
}

/** Creates an empty {@link BoxSessions}. */
export function createBoxSessions(options: BoxSessionsOptions): BoxSessions {
  const entries = new Map<string, Entry>();
  const refusals = new Map<string, string>();
  const scheme = options.tls ? "https" : "http";
  const keyOf = (instance: Instance) => `${instance.comuneCode}@${instanceAddress(instance)}`;

  const open = (instance: Instance, key: string): Entry => {
    const host = instance.host;
    const authority = instanceAddress(instance);
    const tls = options.tls?.();
    const entry: Entry = { session: undefined as unknown as ClientHttp2Session, connected: false, failure: undefined };
    const checkServerIdentity = boxIdentityCheck(instance, key, refusals, options);
    entry.session = connect(
      `${scheme}://${authority}`,
      tls
        ? {
            // Our own TLS connection: node:http2 would set the IP as the TLS ServerName, which RFC 6066
            // forbids (SNI only for DNS names; the IP subjectAltName is still checked against the host).
            createConnection: () =>
              tlsConnect({
                host,
                port: instance.port,
                ca: tls.ca,
                cert: tls.certificate,
                key: tls.privateKey,
                ALPNProtocols: ["h2"],
                ...(isIP(host) ? {} : { servername: host }),
                checkServerIdentity,
              }),
          }
        : {},
    );
    const session = entry.session;
    session.once("connect", () => (entry.connected = true));
    session.on("error", (err: Error) => {
      entry.failure = err.message;
    });
    const forget = () => {
      if (entries.get(key) === entry) entries.delete(key);
    };
    // A session the box is closing (GOAWAY) takes no new stream: the next call opens a new one.
    session.once("goaway", forget);
    session.once("close", forget);
    // Idle sessions must not keep the process alive (the router closes them on shutdown anyway).
    session.unref();
    return entry;
  };

  const entryOf = (instance: Instance): Entry => {
    const key = keyOf(instance);
    let entry = entries.get(key);
    if (!entry || entry.session.closed || entry.session.destroyed) {
      entry = open(instance, key);
      entries.set(key, entry);
    }
    return entry;
  };

  /**
   * Calls in flight with a deadline. The box enforces the deadline itself (it receives it as
   * `grpc-timeout` and answers DEADLINE_EXCEEDED); this sweep, once a second, is the backstop for a
   * box that stops answering at all — one timer for every call instead of one per call.
   */
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
      const headers = headersOfMetadata(metadata, client ? { ...client.headers } : {});
      headers[":method"] = "POST";
      headers[":path"] = path;
      headers[":scheme"] = scheme;
      headers[":authority"] = instanceAddress(instance);
      headers["content-type"] = "application/grpc";
      headers.te = "trailers";
      const timed = Number.isFinite(deadline);
      if (timed) headers["grpc-timeout"] = formatGrpcTimeout(deadline - Date.now());
      // The answer arrives on a transport event: back into the call's scope (annotations, the retry's span).
      const call = new BoxCall(
        entry,
        client,
        options.observability ? options.observability.bindToCall(done) : done,
        timed ? deadline : Infinity,
        expiring,
      );
      let stream: ClientHttp2Stream;
      try {
        stream = entry.session.request(headers, { endStream: false });
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
      (stream as CallStream)[callOf] = call;
      if (timed) {
        expiring.add(call);
        sweeper ??= setInterval(sweep, 1_000).unref();
      }
      stream.on("response", onResponse);
      stream.on("data", onData);
      stream.on("trailers", onTrailers);
      stream.on("error", noop);
      stream.once("close", onClose);
      stream.end(frameMessage(request));
      return { cancel: cancelledOnClient.bind(call) };
    },
  });

  return {
    channel,
    identityRefusal: (instance) => refusals.get(keyOf(instance)),
    keyOf,
    release(key) {
      entries.get(key)?.session.close();
      entries.delete(key);
      refusals.delete(key);
    },
    get size() {
      return entries.size;
    },
    close() {
      if (sweeper) clearInterval(sweeper);
      sweeper = undefined;
      for (const entry of entries.values()) entry.session.close();
      entries.clear();
      refusals.clear();
    },
  };
}
