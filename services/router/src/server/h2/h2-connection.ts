/**
 * An HTTP/2 connection engine (RFC 9113) for both roles, on any byte stream (a `tls.TLSSocket` in
 * the mesh, a `net.Socket` in plaintext development): it reads and writes frames itself, with the
 * HPACK and frame codec of hpack.ts / frames.ts, instead of node:http2's per-stream machinery
 * (a Duplex per stream, events, header objects). It is the router's data plane: the server role
 * serves the clients' connections to the router's port, the client role carries forwarded calls
 * to the boxes.
 *
 * A stream is a small plain object ({@link H2Stream}) whose events go to one handler object
 * ({@link H2StreamHandler}, typically the call itself: no closure per stream or per frame). Writes
 * are queued per connection and flushed once per event-loop turn as one Buffer (after the turn's
 * socket reads: one TLS record batch and one system call for every call answered in that turn).
 *
 * What it implements, by RFC 9113 section: the connection preface (§3.4); frame size limits (§4.2);
 * stream states and their errors (§5.1), stream identifiers (§5.1.1), MAX_CONCURRENT_STREAMS
 * (§5.1.2); flow control at connection and stream level (§5.2, §6.9): the engine advertises a large
 * window (Setting.INITIAL_WINDOW_SIZE and a connection WINDOW_UPDATE at start) and replenishes it as
 * data arrives — the router bounds what it buffers itself — and respects the peer's windows when
 * sending DATA, queueing what does not fit; error handling (§5.4: connection errors answer GOAWAY
 * and close, stream errors RST_STREAM); every frame type's rules (§6); header blocks with
 * CONTINUATION (§4.3, §6.10: nothing may interleave); GOAWAY with the last stream id for a graceful
 * shutdown (§6.8: streams in flight finish, new ones are refused); malformed requests and header
 * field rules (§8.1.1, §8.2, §8.3: lower-case names, pseudo-headers first and only the defined ones,
 * no connection-specific fields, `te: trailers` only, content-length matching the DATA).
 * Server push is never used (Setting.ENABLE_PUSH 0 from the client role; the server role never
 * pushes). https://www.rfc-editor.org/rfc/rfc9113
 */
import type { Duplex } from "node:stream";
import {
  createHpackDecoder,
  createHpackEncoder,
  HpackError,
  maxEncodedLength,
  type HeaderList,
  type HpackDecoder,
  type HpackEncoder,
} from "./hpack.js";
import {
  CONNECTION_PREFACE,
  DEFAULT_MAX_FRAME_SIZE,
  encodeDataHeader,
  encodeGoaway,
  encodeHeaders,
  encodePing,
  encodeRstStream,
  encodeSettings,
  encodeWindowUpdate,
  ErrorCode,
  Flag,
  FrameError,
  FrameReader,
  FrameType,
  MAX_WINDOW,
  Setting,
  frameHeadersInPlace,
  SETTINGS_ACK,
  type FrameSink,
} from "./frames.js";

export type { HeaderList };

const DEFAULT_WINDOW = 65_535;
const DEFAULT_FRAME_SIZE = DEFAULT_MAX_FRAME_SIZE;
/** What one header block (HEADERS + CONTINUATION) may weigh before the connection is refused. */
const MAX_HEADER_BLOCK = 256 * 1024;
/** The stream ids remembered as closed, to tell "closed" (STREAM_CLOSED) from "never used" (§5.1). */
const RECENTLY_CLOSED = 256;

/** The receiving side of a stream's events: usually the call object itself. */
export interface H2StreamHandler {
  /** Response headers (client role), or trailers (either role): `endStream` when END_STREAM came with them. */
  onHeaders(stream: H2Stream, headers: HeaderList, endStream: boolean): void;
  /** A DATA payload (possibly empty when it only carries END_STREAM). */
  onData(stream: H2Stream, data: Buffer, endStream: boolean): void;
  /**
   * The stream ended without completing: reset by the peer (`code` its error code), refused by a
   * GOAWAY (`ErrorCode.REFUSED_STREAM`), or the connection lost (`code` -1). Called at most once, never
   * after the stream completed both ways.
   */
  onReset(stream: H2Stream, code: number): void;
  /** Optional: every DATA queued on the stream has been written (flow control no longer blocks it). */
  onDrain?(stream: H2Stream): void;
}

/** One stream: plain state, no events of its own (see {@link H2StreamHandler}). */
export class H2Stream {
  handler: H2StreamHandler | undefined;
  /** Free for the owner (e.g. the call this stream carries). */
  user: unknown = undefined;
  /** We sent END_STREAM (or reset). */
  localClosed = false;
  /** The peer sent END_STREAM (or reset). */
  remoteClosed = false;
  /** The stream is gone (both sides closed, or reset). */
  closed = false;
  /** Header blocks received: 0 none, 1 the request/response headers, 2 trailers. */
  headerBlocks = 0;
  /** Response headers sent (server role). */
  headersSent = false;
  sendWindow: number;
  recvWindow: number;
  /** DATA received but not yet given back with WINDOW_UPDATE. */
  recvUnacked = 0;
  /** DATA waiting for flow-control window. */
  queued: Buffer[] | undefined = undefined;
  queuedBytes = 0;
  /** END_STREAM (with trailers, if any) to send once the queued DATA is out. */
  queuedEnd = false;
  queuedTrailers: HeaderList | undefined = undefined;
  /** The request's content-length, -1 when absent; DATA bytes received so far. */
  contentLength = -1;
  received = 0;

  constructor(
    readonly id: number,
    readonly connection: H2Connection,
    sendWindow: number,
    recvWindow: number,
  ) {
    this.sendWindow = sendWindow;
    this.recvWindow = recvWindow;
  }

  /** Sends headers (server: the response headers; either: trailers when `endStream`). */
  sendHeaders(headers: HeaderList, endStream: boolean): void {
    this.connection.sendHeaders(this, headers, endStream);
  }

  /** Sends DATA (split to the peer's frame size, queued while its windows are short). */
  write(data: Buffer, endStream = false): void {
    this.connection.sendData(this, data, endStream);
  }

  /** Ends the stream: trailers (HEADERS with END_STREAM) when given, else an empty DATA with END_STREAM. */
  end(trailers?: HeaderList): void {
    if (trailers) this.connection.sendTrailers(this, trailers);
    else this.connection.sendData(this, EMPTY, true);
  }

  /** Resets the stream (RST_STREAM `code`); the handler is not called. */
  reset(code: number): void {
    this.connection.resetStream(this, code, false);
  }
}

const EMPTY = Buffer.alloc(0);

/** Options of {@link H2Connection}. */
export interface H2ConnectionOptions {
  role: "server" | "client";
  /** Server role: a new stream's request headers (the handler must be set on the stream now or the stream is refused). */
  onStream?(stream: H2Stream, headers: HeaderList, endStream: boolean): void;
  /** The peer sent GOAWAY (client role: no new stream may be opened on this connection). */
  onGoaway?(connection: H2Connection, lastStreamId: number, code: number): void;
  /** The connection is gone (socket closed); `error` when it ended on an error. */
  onClose?(connection: H2Connection, error: Error | undefined): void;
  /** Setting.MAX_CONCURRENT_STREAMS we advertise (default 1000). */
  maxConcurrentStreams?: number;
  /** Setting.INITIAL_WINDOW_SIZE we advertise (default 4 MiB) — also the connection window we open. */
  initialWindowSize?: number;
}

/** A connection error: GOAWAY with `code`. */
class ConnectionError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

function flushConnection(connection: H2Connection): void {
  connection.flush();
}

const connectionHeaders = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"]);
const requestPseudo = new Set([":method", ":scheme", ":path", ":authority"]);

function hasUpperCase(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) return true;
  }
  return false;
}

/** Why a request's header list is malformed (RFC 9113 §8.1.1, §8.2, §8.3.1), or undefined. */
export function malformedRequest(headers: HeaderList): string | undefined {
  let regular = false;
  let method = 0;
  let scheme = 0;
  let path = 0;
  let authority = 0;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!;
    if (name.length === 0) return "empty header name";
    if (name.charCodeAt(0) === 58 /* : */) {
      if (regular) return `pseudo-header ${name} after a regular header`;
      if (!requestPseudo.has(name)) return `pseudo-header ${name} is not a request pseudo-header`;
      if (name === ":method") method++;
      else if (name === ":scheme") scheme++;
      else if (name === ":authority") authority++;
      else {
        path++;
        if (headers[i + 1] === "") return ":path is empty";
      }
      continue;
    }
    regular = true;
    if (hasUpperCase(name)) return `header name ${name} is not lower case`;
    if (connectionHeaders.has(name)) return `connection-specific header ${name}`;
    if (name === "te" && headers[i + 1] !== "trailers") return "te other than trailers";
  }
  if (method !== 1 || scheme !== 1 || path !== 1 || authority > 1)
    return "the request must carry exactly one :method, :scheme and :path";
  return undefined;
}

/** Why a trailer list is malformed (no pseudo-headers, RFC 9113 §8.1), or undefined. */
function malformedTrailers(headers: HeaderList): string | undefined {
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!;
    if (name.charCodeAt(0) === 58) return `pseudo-header ${name} in trailers`;
    if (hasUpperCase(name)) return `header name ${name} is not lower case`;
    if (connectionHeaders.has(name)) return `connection-specific header ${name}`;
  }
  return undefined;
}

/** The value of `name` in `headers` (the first), or undefined. */
export function headerValue(headers: HeaderList, name: string): string | undefined {
  for (let i = 0; i < headers.length; i += 2) if (headers[i] === name) return headers[i + 1];
  return undefined;
}

/** See the module comment. */
export class H2Connection implements FrameSink {
  readonly role: "server" | "client";
  readonly streams = new Map<number, H2Stream>();
  /** Set when the socket is gone. */
  destroyed = false;
  /** GOAWAY sent: no new stream accepted (server) or opened (client). */
  goawaySent = false;
  /** GOAWAY received: no new stream may be opened. */
  goawayReceived = false;
  /** Free for the owner (e.g. the session entry or the peer of a server connection). */
  user: unknown = undefined;

  private readonly decoder: HpackDecoder;
  private readonly encoder: HpackEncoder;
  private readonly options: H2ConnectionOptions;
  private readonly localWindow: number;
  private readonly localMaxStreams: number;
  private out: Buffer[] = [];
  private outBytes = 0;
  private flushScheduled = false;
  private readonly reader: FrameReader;
  private settingsReceived = false;
  private nextStreamId = 1;
  private lastPeerStreamId = 0;
  private readonly recentlyClosed: number[] = [];
  /** The peer's settings. */
  private peerMaxFrameSize = DEFAULT_FRAME_SIZE;
  private peerInitialWindow = DEFAULT_WINDOW;
  private peerMaxStreams = Infinity;
  private connSendWindow = DEFAULT_WINDOW;
  private connRecvWindow = DEFAULT_WINDOW;
  private connRecvUnacked = 0;
  /** Streams with DATA waiting for window, in order. */
  private readonly blocked = new Set<H2Stream>();
  /** Client role: streams waiting for the peer's MAX_CONCURRENT_STREAMS. */
  private readonly waitingOpen: { stream: H2Stream; headers: HeaderList; endStream: boolean }[] = [];
  /** Locally initiated streams still open (counted against the peer's limit). */
  private localOpen = 0;
  /** Peer-initiated streams still open (counted against ours). */
  private peerOpen = 0;
  /** A header block in progress (HEADERS without END_HEADERS, then CONTINUATION). */
  private continuing: { streamId: number; flags: number; fragments: Buffer[]; size: number } | undefined;
  private closeOnIdle = false;
  private closeError: Error | undefined;

  constructor(
    readonly socket: Duplex,
    options: H2ConnectionOptions,
  ) {
    this.options = options;
    this.role = options.role;
    this.decoder = createHpackDecoder();
    this.encoder = createHpackEncoder();
    this.localWindow = Math.min(options.initialWindowSize ?? 4 * 1024 * 1024, MAX_WINDOW);
    this.localMaxStreams = options.maxConcurrentStreams ?? 1000;
    this.reader = new FrameReader(DEFAULT_FRAME_SIZE, this.role === "server");
    if (this.role === "client") this.queue(CONNECTION_PREFACE);
    const settings: [number, number][] = [
      [Setting.MAX_CONCURRENT_STREAMS, this.localMaxStreams],
      [Setting.INITIAL_WINDOW_SIZE, this.localWindow],
    ];
    if (this.role === "client") settings.unshift([Setting.ENABLE_PUSH, 0]);
    this.queue(encodeSettings(settings));
    // The connection window only grows by WINDOW_UPDATE (§6.9.2): open it as wide as the streams'.
    if (this.localWindow > DEFAULT_WINDOW) {
      this.queue(encodeWindowUpdate(0, this.localWindow - DEFAULT_WINDOW));
      this.connRecvWindow = this.localWindow;
    }
    socket.on("data", onSocketData.bind(this));
    socket.on("error", onSocketError.bind(this));
    socket.on("close", onSocketClose.bind(this));
    socket.on("end", onSocketEnd.bind(this));
    this.scheduleFlush();
  }

  /** Streams open now (both directions). */
  get activeStreams(): number {
    return this.streams.size;
  }

  /** Whether the peer's first SETTINGS has arrived (its limits are known from then on). */
  get peerSettingsReceived(): boolean {
    return this.settingsReceived;
  }

  /** Whether a new request may be opened (client role). */
  get usable(): boolean {
    return !this.destroyed && !this.goawaySent && !this.goawayReceived;
  }

  // ---------------------------------------------------------------- client role

  /**
   * Opens a stream with `headers` (pseudo-headers first). If the peer's MAX_CONCURRENT_STREAMS is
   * reached, the stream waits for one to close. Throws when the connection takes no new stream.
   */
  request(headers: HeaderList, handler: H2StreamHandler, endStream: boolean): H2Stream {
    if (!this.usable) throw new Error("the HTTP/2 connection takes no new stream (closing or closed)");
    const id = this.nextStreamId;
    if (id > MAX_WINDOW) throw new Error("the HTTP/2 connection has no stream id left");
    this.nextStreamId += 2;
    const stream = new H2Stream(id, this, this.peerInitialWindow, this.localWindow);
    stream.handler = handler;
    this.streams.set(id, stream);
    if (this.localOpen >= this.peerMaxStreams) this.waitingOpen.push({ stream, headers, endStream });
    else this.open(stream, headers, endStream);
    return stream;
  }

  private open(stream: H2Stream, headers: HeaderList, endStream: boolean): void {
    this.localOpen++;
    stream.headersSent = true;
    this.writeHeaderBlock(stream.id, headers, endStream);
    if (endStream) stream.localClosed = true;
    // DATA written while the stream waited to open.
    if (stream.queued || stream.queuedEnd) this.drain(stream);
  }

  // ---------------------------------------------------------------- sending

  /** Queues `buffer` for the next flush (once per event-loop turn). */
  queue(buffer: Buffer): void {
    this.out.push(buffer);
    this.outBytes += buffer.length;
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // After the event loop's I/O phase: what every socket read of this turn produced for this
    // connection goes out in one write (one TLS record batch, one system call).
    setImmediate(flushConnection, this);
  }

  /** Writes what is queued, as one Buffer. */
  flush(): void {
    this.flushScheduled = false;
    const out = this.out;
    if (out.length === 0) return;
    const bytes = this.outBytes;
    this.out = [];
    this.outBytes = 0;
    if (this.destroyed) return;
    this.socket.write(out.length === 1 ? out[0]! : Buffer.concat(out, bytes));
    if (this.closeOnIdle && this.streams.size === 0) this.finishClose();
  }

  private writeHeaderBlock(streamId: number, headers: HeaderList, endStream: boolean): void {
    const max = this.peerMaxFrameSize;
    const room = maxEncodedLength(headers);
    if (room <= max) {
      // The common case: one HEADERS frame, the block encoded in place behind its frame header.
      const out = Buffer.allocUnsafe(9 + room);
      const length = this.encoder.encodeInto(headers, out, 9) - 9;
      this.queue(out.subarray(0, frameHeadersInPlace(out, 0, length, streamId, endStream, max)));
      return;
    }
    // §6.10: HEADERS then CONTINUATION frames, nothing between them (one queued Buffer).
    this.queue(encodeHeaders(streamId, this.encoder.encode(headers), endStream, max));
  }

  /** @internal see {@link H2Stream.sendHeaders}. */
  sendHeaders(stream: H2Stream, headers: HeaderList, endStream: boolean): void {
    if (stream.localClosed || this.destroyed) return;
    if (stream.headersSent && !endStream) throw new Error("headers already sent on this stream");
    if (stream.headersSent && (stream.queued || stream.queuedEnd)) {
      // Trailers after DATA still waiting for window.
      stream.queuedEnd = true;
      stream.queuedTrailers = headers;
      return;
    }
    stream.headersSent = true;
    this.writeHeaderBlock(stream.id, headers, endStream);
    if (endStream) this.localEnd(stream);
    else if (stream.queued || stream.queuedEnd) this.drain(stream);
  }

  /** @internal see {@link H2Stream.end}. */
  sendTrailers(stream: H2Stream, trailers: HeaderList): void {
    this.sendHeaders(stream, trailers, true);
  }

  /** @internal see {@link H2Stream.write}. */
  sendData(stream: H2Stream, data: Buffer, endStream: boolean): void {
    if (stream.localClosed || stream.queuedEnd || this.destroyed) return;
    if (stream.queued || !stream.headersSent) {
      (stream.queued ??= []).push(data);
      stream.queuedBytes += data.length;
      if (endStream) stream.queuedEnd = true;
      if (stream.headersSent) this.blocked.add(stream);
      return;
    }
    this.sendAvailable(stream, data, endStream);
  }

  /**
   * Sends as much of `data` as the windows allow (the rest queued); END_STREAM with the last frame.
   * Returns true when all of it went out.
   */
  private sendAvailable(stream: H2Stream, data: Buffer, endStream: boolean): boolean {
    let at = 0;
    const length = data.length;
    while (at < length) {
      const room = Math.min(this.connSendWindow, stream.sendWindow, this.peerMaxFrameSize, length - at);
      if (room <= 0) break;
      const last = at + room === length;
      this.queue(encodeDataHeader(stream.id, room, last && endStream));
      this.queue(at === 0 && last ? data : data.subarray(at, at + room));
      this.connSendWindow -= room;
      stream.sendWindow -= room;
      at += room;
    }
    if (at < length) {
      const left = data.subarray(at);
      (stream.queued ??= []).push(left);
      stream.queuedBytes += left.length;
      if (endStream) stream.queuedEnd = true;
      this.blocked.add(stream);
      return false;
    }
    if (length === 0 && endStream) this.queue(encodeDataHeader(stream.id, 0, true));
    if (endStream) this.localEnd(stream);
    return true;
  }

  /** Sends what `stream` has queued, as far as the windows allow. */
  private drain(stream: H2Stream): void {
    const queued = stream.queued;
    stream.queued = undefined;
    stream.queuedBytes = 0;
    const end = stream.queuedEnd;
    const trailers = stream.queuedTrailers;
    stream.queuedEnd = false;
    stream.queuedTrailers = undefined;
    this.blocked.delete(stream);
    if (queued) {
      for (let i = 0; i < queued.length; i++) {
        const lastChunk = i === queued.length - 1;
        const complete = this.sendAvailable(stream, queued[i]!, lastChunk && end && !trailers);
        if (!complete) {
          // The rest of the queue waits behind what did not fit.
          for (let j = i + 1; j < queued.length; j++) {
            stream.queued!.push(queued[j]!);
            stream.queuedBytes += queued[j]!.length;
          }
          if (end) stream.queuedEnd = true;
          if (trailers) stream.queuedTrailers = trailers;
          return;
        }
      }
    } else if (end && !trailers) this.sendAvailable(stream, EMPTY, true);
    if (trailers) {
      this.writeHeaderBlock(stream.id, trailers, true);
      this.localEnd(stream);
    }
    stream.handler?.onDrain?.(stream);
  }

  private drainBlocked(): void {
    for (const stream of this.blocked) {
      if (this.connSendWindow <= 0) return;
      if (stream.sendWindow > 0) this.drain(stream);
    }
  }

  /** @internal see {@link H2Stream.reset}. */
  resetStream(stream: H2Stream, code: number, notify: boolean): void {
    if (stream.closed) return;
    if (!this.destroyed && (stream.headersSent || this.role === "server")) this.queue(encodeRstStream(stream.id, code));
    stream.localClosed = true;
    stream.remoteClosed = true;
    this.closeStream(stream);
    if (notify) stream.handler?.onReset(stream, code);
  }

  private localEnd(stream: H2Stream): void {
    stream.localClosed = true;
    if (stream.remoteClosed) this.closeStream(stream);
  }

  private remoteEnd(stream: H2Stream): void {
    stream.remoteClosed = true;
    if (stream.localClosed) this.closeStream(stream);
  }

  private closeStream(stream: H2Stream): void {
    if (stream.closed) return;
    stream.closed = true;
    stream.queued = undefined;
    stream.queuedBytes = 0;
    this.blocked.delete(stream);
    this.streams.delete(stream.id);
    const local = (stream.id & 1) === (this.role === "client" ? 1 : 0);
    if (local) {
      const waiting = this.waitingOpen.findIndex((w) => w.stream === stream);
      if (waiting >= 0) this.waitingOpen.splice(waiting, 1);
      else {
        this.localOpen--;
        while (this.waitingOpen.length > 0 && this.localOpen < this.peerMaxStreams && this.usable) {
          const next = this.waitingOpen.shift()!;
          this.open(next.stream, next.headers, next.endStream);
        }
      }
    } else {
      this.peerOpen--;
      this.recentlyClosed.push(stream.id);
      if (this.recentlyClosed.length > RECENTLY_CLOSED) this.recentlyClosed.shift();
    }
    if (this.closeOnIdle && this.streams.size === 0) this.scheduleFlush();
  }

  // ---------------------------------------------------------------- shutdown

  /**
   * Graceful shutdown (§6.8): GOAWAY NO_ERROR with the last stream id received; streams in flight
   * finish, new ones are refused; the socket closes when none is left.
   */
  shutdown(): void {
    if (this.destroyed) return;
    if (!this.goawaySent) this.goaway(ErrorCode.NO_ERROR, "");
    this.closeOnIdle = true;
    for (const waiting of this.waitingOpen.splice(0)) this.refuse(waiting.stream);
    if (this.streams.size === 0) this.scheduleFlush();
  }

  private goaway(code: number, debug: string): void {
    this.goawaySent = true;
    this.queue(encodeGoaway(this.lastPeerStreamId, code, debug));
  }

  private finishClose(): void {
    if (this.destroyed) return;
    this.socket.end();
    // A peer that never closes its side: the socket goes after a grace of 1 s.
    setTimeout(destroySocket, 1_000, this.socket).unref();
  }

  /** Closes the connection now: every open stream is reset towards its handler (code -1). */
  destroy(error?: Error): void {
    if (this.destroyed) return;
    this.closeError ??= error;
    this.flush();
    this.destroyed = true;
    this.socket.destroy();
    this.failAll(-1);
  }

  private failAll(code: number): void {
    const streams = [...this.streams.values()];
    this.streams.clear();
    this.blocked.clear();
    this.waitingOpen.length = 0;
    for (const stream of streams) {
      if (stream.closed) continue;
      stream.closed = true;
      stream.localClosed = true;
      stream.remoteClosed = true;
      stream.handler?.onReset(stream, code);
    }
  }

  /** A connection error (§5.4.1): GOAWAY with `code`, then close. */
  private connectionError(code: number, message: string): void {
    if (this.destroyed) return;
    if (!this.goawaySent) this.goaway(code, message.slice(0, 200));
    this.goawaySent = true;
    this.closeError ??= new Error(`HTTP/2 connection error ${code}: ${message}`);
    this.flush();
    this.destroyed = true;
    this.socket.end();
    setTimeout(destroySocket, 1_000, this.socket).unref();
    this.failAll(-1);
  }

  /** A stream error (§5.4.2): RST_STREAM `code`; the handler hears it as a reset. */
  private streamError(streamId: number, code: number): void {
    const stream = this.streams.get(streamId);
    if (stream) this.resetStream(stream, code, true);
    else this.queue(encodeRstStream(streamId, code));
  }

  private refuse(stream: H2Stream): void {
    if (stream.closed) return;
    stream.closed = true;
    stream.localClosed = true;
    stream.remoteClosed = true;
    this.streams.delete(stream.id);
    stream.handler?.onReset(stream, ErrorCode.REFUSED_STREAM);
  }

  // ---------------------------------------------------------------- receiving

  /** @internal the socket's bytes. */
  receive(chunk: Buffer): void {
    if (this.destroyed) return;
    try {
      this.reader.push(chunk, this);
    } catch (err) {
      if (err instanceof ConnectionError || err instanceof FrameError)
        return this.connectionError(err.code, err.message);
      return this.connectionError(ErrorCode.INTERNAL_ERROR, err instanceof Error ? err.message : String(err));
    }
  }

  /** @internal one frame, from the reader (its length and fixed sizes already checked). */
  onFrame(type: number, flags: number, streamId: number, payload: Buffer): void {
    if (!this.settingsReceived && (type !== FrameType.SETTINGS || (flags & Flag.ACK) !== 0))
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "the first frame must be SETTINGS");
    if (this.continuing && type !== FrameType.CONTINUATION)
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "a header block was interrupted by another frame");
    switch (type) {
      case FrameType.DATA:
        return this.onDataFrame(flags, streamId, payload);
      case FrameType.HEADERS:
        return this.onHeadersFrame(flags, streamId, payload);
      case FrameType.PRIORITY:
        if (streamId === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "PRIORITY on stream 0");
        if (payload.length !== 5) return this.streamError(streamId, ErrorCode.FRAME_SIZE_ERROR);
        if ((payload.readUInt32BE(0) & 0x7fffffff) === streamId)
          return this.streamError(streamId, ErrorCode.PROTOCOL_ERROR);
        return;
      case FrameType.RST_STREAM:
        return this.onRstStream(streamId, payload);
      case FrameType.SETTINGS:
        return this.onSettings(flags, streamId, payload);
      case FrameType.PUSH_PROMISE:
        throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "PUSH_PROMISE is not accepted (push disabled)");
      case FrameType.PING:
        if (streamId !== 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "PING on a stream");
        if (payload.length !== 8) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "PING payload is not 8 bytes");
        if ((flags & Flag.ACK) === 0) this.queue(encodePing(payload, true));
        return;
      case FrameType.GOAWAY:
        return this.onGoaway(streamId, payload);
      case FrameType.WINDOW_UPDATE:
        return this.onWindowUpdate(streamId, payload);
      case FrameType.CONTINUATION:
        return this.onContinuation(flags, streamId, payload);
      default:
        // Unknown frame types are ignored (§4.1, §5.5).
        return;
    }
  }

  private isIdle(streamId: number): boolean {
    const peerInitiated = (streamId & 1) === (this.role === "server" ? 1 : 0);
    return peerInitiated ? streamId > this.lastPeerStreamId : streamId >= this.nextStreamId;
  }

  private onDataFrame(flags: number, streamId: number, payload: Buffer): void {
    if (streamId === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "DATA on stream 0");
    const length = payload.length;
    // Flow control counts the whole payload, padding included (§6.9.1).
    if (length > this.connRecvWindow)
      throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "DATA beyond the connection's flow-control window");
    this.connRecvWindow -= length;
    this.connRecvUnacked += length;
    if (this.connRecvUnacked >= this.localWindow >>> 1) {
      this.queue(encodeWindowUpdate(0, this.connRecvUnacked));
      this.connRecvWindow += this.connRecvUnacked;
      this.connRecvUnacked = 0;
    }
    const stream = this.streams.get(streamId);
    if (!stream) {
      if (this.isIdle(streamId)) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "DATA on an idle stream");
      return this.streamError(streamId, ErrorCode.STREAM_CLOSED);
    }
    if (stream.remoteClosed || stream.headerBlocks === 0) return this.streamError(streamId, ErrorCode.STREAM_CLOSED);
    if (length > stream.recvWindow) return this.streamError(streamId, ErrorCode.FLOW_CONTROL_ERROR);
    stream.recvWindow -= length;
    let data = payload;
    if (flags & Flag.PADDED) {
      if (length === 0) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "padded DATA without a pad length");
      const pad = payload[0]!;
      if (pad >= length) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "DATA padding longer than the frame");
      data = payload.subarray(1, length - pad);
    }
    const endStream = (flags & Flag.END_STREAM) !== 0;
    stream.received += data.length;
    if (
      stream.contentLength >= 0 &&
      (stream.received > stream.contentLength || (endStream && stream.received !== stream.contentLength))
    )
      return this.streamError(streamId, ErrorCode.PROTOCOL_ERROR);
    if (!endStream) {
      stream.recvUnacked += length;
      if (stream.recvUnacked >= this.localWindow >>> 1) {
        this.queue(encodeWindowUpdate(streamId, stream.recvUnacked));
        stream.recvWindow += stream.recvUnacked;
        stream.recvUnacked = 0;
      }
    } else this.remoteEnd(stream);
    stream.handler?.onData(stream, data, endStream);
  }

  private onHeadersFrame(flags: number, streamId: number, payload: Buffer): void {
    if (streamId === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "HEADERS on stream 0");
    let start = 0;
    let end = payload.length;
    if (flags & Flag.PADDED) {
      if (payload.length < 1)
        throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "padded HEADERS without a pad length");
      start = 1;
      end -= payload[0]!;
    }
    let selfDependent = false;
    if (flags & Flag.PRIORITY) {
      if (end - start < 5) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "HEADERS too short for its priority");
      selfDependent = (payload.readUInt32BE(start) & 0x7fffffff) === streamId;
      start += 5;
    }
    if (end < start) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "HEADERS padding longer than the frame");
    const fragment = payload.subarray(start, end);
    if ((flags & Flag.END_HEADERS) === 0) {
      this.continuing = {
        streamId,
        flags: flags | (selfDependent ? 0x100 : 0),
        fragments: [fragment],
        size: fragment.length,
      };
      return;
    }
    this.onHeaderBlock(streamId, flags | (selfDependent ? 0x100 : 0), fragment);
  }

  private onContinuation(flags: number, streamId: number, payload: Buffer): void {
    const continuing = this.continuing;
    if (!continuing || continuing.streamId !== streamId)
      throw new ConnectionError(
        ErrorCode.PROTOCOL_ERROR,
        "CONTINUATION without a header block in progress on its stream",
      );
    continuing.fragments.push(payload);
    continuing.size += payload.length;
    if (continuing.size > MAX_HEADER_BLOCK)
      throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, "header block larger than 256 KiB");
    if ((flags & Flag.END_HEADERS) === 0) return;
    this.continuing = undefined;
    this.onHeaderBlock(streamId, continuing.flags, Buffer.concat(continuing.fragments, continuing.size));
  }

  /** The header list, or undefined when it is larger than we accept (the stream alone is refused). */
  private decode(block: Buffer): HeaderList | undefined {
    try {
      return this.decoder.decode(block);
    } catch (err) {
      if (err instanceof HpackError && err.kind === "header-list-size") return undefined;
      throw new ConnectionError(
        ErrorCode.COMPRESSION_ERROR,
        `header block not decodable: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  private onHeaderBlock(streamId: number, flags: number, block: Buffer): void {
    // Decoded first, whatever becomes of the stream: the HPACK table is the connection's (§4.3).
    const decoded = this.decode(block);
    if (decoded === undefined) {
      if (this.role === "server" && streamId > this.lastPeerStreamId && (streamId & 1) === 1)
        this.lastPeerStreamId = streamId;
      return this.streamError(streamId, ErrorCode.REFUSED_STREAM);
    }
    const headers = decoded;
    const endStream = (flags & Flag.END_STREAM) !== 0;
    const selfDependent = (flags & 0x100) !== 0;
    const stream = this.streams.get(streamId);
    if (stream) {
      if (stream.remoteClosed) return this.streamError(streamId, ErrorCode.STREAM_CLOSED);
      if (selfDependent) return this.streamError(streamId, ErrorCode.PROTOCOL_ERROR);
      if (stream.headerBlocks >= 1) {
        // Trailers: they end the stream and carry no pseudo-header (§8.1).
        if (!endStream || malformedTrailers(headers) !== undefined)
          return this.streamError(streamId, ErrorCode.PROTOCOL_ERROR);
      }
      if (this.role === "client" && stream.headerBlocks === 0) {
        const status = headerValue(headers, ":status");
        // Informational answers (1xx) are skipped; gRPC servers send none.
        if (status !== undefined && status.length === 3 && status[0] === "1" && !endStream) return;
        if (status === undefined) return this.streamError(streamId, ErrorCode.PROTOCOL_ERROR);
      }
      stream.headerBlocks++;
      if (endStream) this.remoteEnd(stream);
      stream.handler?.onHeaders(stream, headers, endStream);
      return;
    }
    if (this.role === "client") {
      if (this.isIdle(streamId))
        throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "HEADERS on a stream the client never opened");
      return this.streamError(streamId, ErrorCode.STREAM_CLOSED);
    }
    // Server: a new stream.
    if ((streamId & 1) === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "a client stream id must be odd");
    if (streamId <= this.lastPeerStreamId) {
      if (this.recentlyClosed.includes(streamId))
        throw new ConnectionError(ErrorCode.STREAM_CLOSED, "HEADERS on a closed stream");
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "a new stream id must be larger than every earlier one");
    }
    this.lastPeerStreamId = streamId;
    if (selfDependent) return this.streamError(streamId, ErrorCode.PROTOCOL_ERROR);
    if (this.goawaySent) return; // §6.8: streams after GOAWAY are ignored.
    if (this.peerOpen >= this.localMaxStreams) return this.streamError(streamId, ErrorCode.REFUSED_STREAM);
    if (malformedRequest(headers) !== undefined) return this.streamError(streamId, ErrorCode.PROTOCOL_ERROR);
    const created = new H2Stream(streamId, this, this.peerInitialWindow, this.localWindow);
    created.headerBlocks = 1;
    const contentLength = headerValue(headers, "content-length");
    if (contentLength !== undefined) {
      const parsed = /^\d{1,15}$/.test(contentLength) ? Number(contentLength) : NaN;
      if (Number.isNaN(parsed) || (endStream && parsed !== 0))
        return this.streamError(streamId, ErrorCode.PROTOCOL_ERROR);
      created.contentLength = parsed;
    }
    this.streams.set(streamId, created);
    this.peerOpen++;
    if (endStream) created.remoteClosed = true;
    this.options.onStream?.(created, headers, endStream);
    if (!created.handler && !created.closed) this.resetStream(created, ErrorCode.REFUSED_STREAM, false);
  }

  private onRstStream(streamId: number, payload: Buffer): void {
    if (streamId === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "RST_STREAM on stream 0");
    if (payload.length !== 4)
      throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "RST_STREAM payload is not 4 bytes");
    const stream = this.streams.get(streamId);
    if (!stream) {
      if (this.isIdle(streamId)) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "RST_STREAM on an idle stream");
      return;
    }
    stream.localClosed = true;
    stream.remoteClosed = true;
    this.closeStream(stream);
    stream.handler?.onReset(stream, payload.readUInt32BE(0));
  }

  private onSettings(flags: number, streamId: number, payload: Buffer): void {
    if (streamId !== 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "SETTINGS on a stream");
    if (flags & Flag.ACK) {
      if (payload.length !== 0) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "SETTINGS ACK with a payload");
      return;
    }
    if (payload.length % 6 !== 0)
      throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "SETTINGS payload not a multiple of 6");
    this.settingsReceived = true;
    for (let at = 0; at < payload.length; at += 6) {
      const id = payload.readUInt16BE(at);
      const value = payload.readUInt32BE(at + 2);
      switch (id) {
        case Setting.HEADER_TABLE_SIZE:
          this.encoder.setMaxTableSize(value);
          break;
        case Setting.ENABLE_PUSH:
          if (value > 1) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "Setting.ENABLE_PUSH must be 0 or 1");
          if (this.role === "client" && value !== 0)
            throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "a server must not enable push");
          break;
        case Setting.MAX_CONCURRENT_STREAMS:
          this.peerMaxStreams = value;
          break;
        case Setting.INITIAL_WINDOW_SIZE: {
          if (value > MAX_WINDOW)
            throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "Setting.INITIAL_WINDOW_SIZE too large");
          const delta = value - this.peerInitialWindow;
          this.peerInitialWindow = value;
          // §6.9.2: every open stream's window moves by the difference.
          for (const stream of this.streams.values()) {
            stream.sendWindow += delta;
            if (stream.sendWindow > MAX_WINDOW)
              throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "a stream window beyond 2^31-1");
          }
          break;
        }
        case Setting.MAX_FRAME_SIZE:
          if (value < DEFAULT_FRAME_SIZE || value > 0xffffff)
            throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "Setting.MAX_FRAME_SIZE out of range");
          this.peerMaxFrameSize = value;
          break;
        case Setting.MAX_HEADER_LIST_SIZE:
          break;
        default:
          break; // unknown settings are ignored (§6.5.2)
      }
    }
    this.queue(SETTINGS_ACK);
    this.drainBlocked();
    while (this.waitingOpen.length > 0 && this.localOpen < this.peerMaxStreams && this.usable) {
      const next = this.waitingOpen.shift()!;
      this.open(next.stream, next.headers, next.endStream);
    }
  }

  private onGoaway(streamId: number, payload: Buffer): void {
    if (streamId !== 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "GOAWAY on a stream");
    if (payload.length < 8) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "GOAWAY shorter than 8 bytes");
    const last = payload.readUInt32BE(0) & 0x7fffffff;
    const code = payload.readUInt32BE(4);
    this.goawayReceived = true;
    // Streams we opened above `last` were not processed: refused, safe to retry elsewhere (§6.8).
    for (const stream of [...this.streams.values()])
      if ((stream.id & 1) === (this.role === "client" ? 1 : 0) && stream.id > last) this.refuse(stream);
    for (const waiting of this.waitingOpen.splice(0)) this.refuse(waiting.stream);
    this.options.onGoaway?.(this, last, code);
    this.closeOnIdle = true;
    if (this.streams.size === 0) this.scheduleFlush();
  }

  private onWindowUpdate(streamId: number, payload: Buffer): void {
    if (payload.length !== 4)
      throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "WINDOW_UPDATE payload is not 4 bytes");
    const increment = payload.readUInt32BE(0) & 0x7fffffff;
    if (streamId === 0) {
      if (increment === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "WINDOW_UPDATE of 0 on the connection");
      this.connSendWindow += increment;
      if (this.connSendWindow > MAX_WINDOW)
        throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "connection window beyond 2^31-1");
      return this.drainBlocked();
    }
    const stream = this.streams.get(streamId);
    if (!stream) {
      if (this.isIdle(streamId)) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "WINDOW_UPDATE on an idle stream");
      return;
    }
    if (increment === 0) return this.streamError(streamId, ErrorCode.PROTOCOL_ERROR);
    stream.sendWindow += increment;
    if (stream.sendWindow > MAX_WINDOW) return this.streamError(streamId, ErrorCode.FLOW_CONTROL_ERROR);
    if ((stream.queued || stream.queuedEnd) && stream.headersSent && this.connSendWindow > 0) this.drain(stream);
  }

  /** @internal */
  socketClosed(error: Error | undefined): void {
    const wasDestroyed = this.destroyed;
    this.destroyed = true;
    this.out = [];
    this.outBytes = 0;
    if (!wasDestroyed) this.failAll(-1);
    this.options.onClose?.(this, error ?? this.closeError);
  }
}

function destroySocket(socket: Duplex): void {
  socket.destroy();
}
function onSocketData(this: H2Connection, chunk: Buffer): void {
  this.receive(chunk);
}
function onSocketError(this: H2Connection, error: Error): void {
  this.destroy(error);
}
function onSocketClose(this: H2Connection): void {
  this.socketClosed(undefined);
}
function onSocketEnd(this: H2Connection): void {
  // The peer closed its side: nothing more will arrive.
  if (!this.destroyed) this.destroy(new Error("the peer closed the connection"));
}
