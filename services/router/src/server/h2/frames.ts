/**
 * The HTTP/2 frame layer (RFC 9113 §4 and §6, https://www.rfc-editor.org/rfc/rfc9113) for the
 * router's frame-level data plane: constants, a {@link FrameReader} that cuts a byte stream arriving
 * in arbitrary chunks into frames, payload helpers, and writers that build frames into Buffers.
 *
 * The reader enforces what a frame says about itself (§4.2 size, §6 stream-id and fixed-length
 * rules) and throws {@link FrameError} for those connection errors; what depends on connection or
 * stream state (stream states, CONTINUATION sequencing, flow control, SETTINGS semantics) is the
 * connection engine's. A frame whole inside one chunk is delivered as a subarray of that chunk, not
 * copied; only a frame split across chunks is assembled into its own Buffer.
 */

/** Frame types, RFC 9113 §6. */
export const FrameType = {
  DATA: 0,
  HEADERS: 1,
  PRIORITY: 2,
  RST_STREAM: 3,
  SETTINGS: 4,
  PUSH_PROMISE: 5,
  PING: 6,
  GOAWAY: 7,
  WINDOW_UPDATE: 8,
  CONTINUATION: 9,
} as const;

/** Frame flags, RFC 9113 §6 (ACK shares END_STREAM's bit on SETTINGS and PING). */
export const Flag = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4, PADDED: 0x8, PRIORITY: 0x20 } as const;

/** Error codes, RFC 9113 §7. */
export const ErrorCode = {
  NO_ERROR: 0,
  PROTOCOL_ERROR: 1,
  INTERNAL_ERROR: 2,
  FLOW_CONTROL_ERROR: 3,
  SETTINGS_TIMEOUT: 4,
  STREAM_CLOSED: 5,
  FRAME_SIZE_ERROR: 6,
  REFUSED_STREAM: 7,
  CANCEL: 8,
  COMPRESSION_ERROR: 9,
  CONNECT_ERROR: 10,
  ENHANCE_YOUR_CALM: 11,
  INADEQUATE_SECURITY: 12,
  HTTP_1_1_REQUIRED: 13,
} as const;

/** SETTINGS identifiers, RFC 9113 §6.5.2. */
export const Setting = {
  HEADER_TABLE_SIZE: 1,
  ENABLE_PUSH: 2,
  MAX_CONCURRENT_STREAMS: 3,
  INITIAL_WINDOW_SIZE: 4,
  MAX_FRAME_SIZE: 5,
  MAX_HEADER_LIST_SIZE: 6,
} as const;

/** The client connection preface, RFC 9113 §3.4. */
export const CONNECTION_PREFACE: Buffer = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");
/** The 9-octet frame header, RFC 9113 §4.1. */
export const FRAME_HEADER_LENGTH = 9;
/** SETTINGS_MAX_FRAME_SIZE's initial value and lower bound, RFC 9113 §4.2. */
export const DEFAULT_MAX_FRAME_SIZE = 16384;
/** SETTINGS_MAX_FRAME_SIZE's upper bound, RFC 9113 §4.2. */
export const MAX_ALLOWED_FRAME_SIZE = 0xffffff;
/** The largest flow-control window, RFC 9113 §6.9.1. */
export const MAX_WINDOW = 0x7fffffff;

/**
 * An HTTP/2 error (RFC 9113 §5.4): `code` an {@link ErrorCode}; `streamId` 0 for a connection error
 * (answer GOAWAY), otherwise a stream error on that stream (answer RST_STREAM).
 */
export class FrameError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly streamId = 0,
  ) {
    super(message);
    this.name = "FrameError";
  }
}

/** Receives the frames a {@link FrameReader} cuts. */
export interface FrameSink {
  /**
   * One complete frame. `payload` is a subarray of the pushed chunk (or a Buffer of its own for a
   * frame split across chunks): valid after the call only if the sink keeps no reference to a chunk
   * the caller reuses (chunks from a socket are never reused).
   */
  onFrame(type: number, flags: number, streamId: number, payload: Buffer): void;
}

/** Frame types that must carry a stream id (RFC 9113 §6.1-§6.4, §6.6, §6.10). */
const NEEDS_STREAM = 1 << FrameType.DATA | 1 << FrameType.HEADERS | 1 << FrameType.PRIORITY |
  1 << FrameType.RST_STREAM | 1 << FrameType.PUSH_PROMISE | 1 << FrameType.CONTINUATION; // prettier-ignore
/** Frame types that must not (RFC 9113 §6.5, §6.7, §6.8). */
const NO_STREAM = 1 << FrameType.SETTINGS | 1 << FrameType.PING | 1 << FrameType.GOAWAY; // prettier-ignore

/**
 * Cuts a byte stream into frames (RFC 9113 §4.1) and checks, per frame, the rules that need no
 * connection state: length <= maxFrameSize (§4.2: FRAME_SIZE_ERROR), stream id zero or not as the
 * type requires (§6: PROTOCOL_ERROR), and the fixed lengths of RST_STREAM, SETTINGS, PING, GOAWAY and
 * WINDOW_UPDATE (§6.4, §6.5, §6.7, §6.8, §6.9: FRAME_SIZE_ERROR); all are connection errors, thrown
 * as FrameError from push(). After a throw the reader must not be used again. Unknown frame types are
 * delivered too (the engine ignores them, §4.1). With `expectPreface`, the stream must start with
 * {@link CONNECTION_PREFACE} (server side, §3.4), else PROTOCOL_ERROR.
 */
export class FrameReader {
  /** Our SETTINGS_MAX_FRAME_SIZE: the largest payload accepted. */
  maxFrameSize: number;
  private prefaceLeft: number;
  /** A frame header split across chunks. */
  private readonly header = Buffer.alloc(FRAME_HEADER_LENGTH);
  private headerFill = 0;
  /** The payload of a frame split across chunks, and how much of it has arrived. */
  private body: Buffer | null = null;
  private bodyFill = 0;

  constructor(maxFrameSize = DEFAULT_MAX_FRAME_SIZE, expectPreface = false) {
    this.maxFrameSize = maxFrameSize;
    this.prefaceLeft = expectPreface ? CONNECTION_PREFACE.length : 0;
  }

  /** Feeds the next chunk; calls sink.onFrame for every frame it completes, in order. */
  push(chunk: Buffer, sink: FrameSink): void {
    let p = 0;
    const end = chunk.length;
    if (this.prefaceLeft > 0) {
      const from = CONNECTION_PREFACE.length - this.prefaceLeft;
      const n = Math.min(this.prefaceLeft, end);
      if (chunk.compare(CONNECTION_PREFACE, from, from + n, 0, n) !== 0) {
        throw new FrameError(ErrorCode.PROTOCOL_ERROR, "invalid connection preface (RFC 9113 §3.4)");
      }
      this.prefaceLeft -= n;
      p = n;
    }
    // Finish a frame left incomplete by the previous chunk.
    if (this.headerFill > 0 || this.body !== null) {
      if (this.body === null) {
        const n = Math.min(FRAME_HEADER_LENGTH - this.headerFill, end - p);
        chunk.copy(this.header, this.headerFill, p, p + n);
        this.headerFill += n;
        p += n;
        if (this.headerFill < FRAME_HEADER_LENGTH) return;
        const length = this.check(this.header, 0);
        this.body = Buffer.allocUnsafe(length);
        this.bodyFill = 0;
      }
      const body = this.body;
      const n = Math.min(body.length - this.bodyFill, end - p);
      chunk.copy(body, this.bodyFill, p, p + n);
      this.bodyFill += n;
      p += n;
      if (this.bodyFill < body.length) return;
      this.body = null;
      this.headerFill = 0;
      const h = this.header;
      sink.onFrame(h[3]!, h[4]!, h.readUInt32BE(5) & 0x7fffffff, body);
    }
    // Whole frames inside this chunk: no copy.
    while (end - p >= FRAME_HEADER_LENGTH) {
      const length = this.check(chunk, p);
      const start = p + FRAME_HEADER_LENGTH;
      if (end - start < length) {
        chunk.copy(this.header, 0, p, start);
        this.headerFill = FRAME_HEADER_LENGTH;
        this.body = Buffer.allocUnsafe(length);
        this.bodyFill = end - start;
        chunk.copy(this.body, 0, start, end);
        return;
      }
      p = start + length;
      sink.onFrame(
        chunk[start - 6]!,
        chunk[start - 5]!,
        chunk.readUInt32BE(start - 4) & 0x7fffffff,
        chunk.subarray(start, p),
      );
    }
    if (p < end) {
      chunk.copy(this.header, 0, p, end);
      this.headerFill = end - p;
    }
  }

  /** Validates the frame header at `at`; returns the payload length. */
  private check(buf: Buffer, at: number): number {
    const length = (buf[at]! << 16) | (buf[at + 1]! << 8) | buf[at + 2]!;
    const type = buf[at + 3]!;
    const flags = buf[at + 4]!;
    const streamId = buf.readUInt32BE(at + 5) & 0x7fffffff;
    if (length > this.maxFrameSize) {
      throw new FrameError(
        ErrorCode.FRAME_SIZE_ERROR,
        `frame of ${length} octets exceeds SETTINGS_MAX_FRAME_SIZE ${this.maxFrameSize} (RFC 9113 §4.2)`,
      );
    }
    if (type > FrameType.CONTINUATION) return length;
    const bit = 1 << type;
    if (streamId === 0 && (bit & NEEDS_STREAM) !== 0) {
      throw new FrameError(ErrorCode.PROTOCOL_ERROR, `frame type ${type} on stream 0 (RFC 9113 §6)`);
    }
    if (streamId !== 0 && (bit & NO_STREAM) !== 0) {
      throw new FrameError(ErrorCode.PROTOCOL_ERROR, `frame type ${type} on stream ${streamId} (RFC 9113 §6)`);
    }
    switch (type) {
      case FrameType.RST_STREAM:
      case FrameType.WINDOW_UPDATE:
        if (length !== 4) throw sizeError(type, length);
        break;
      case FrameType.PING:
        if (length !== 8) throw sizeError(type, length);
        break;
      case FrameType.SETTINGS:
        if (length % 6 !== 0 || ((flags & Flag.ACK) !== 0 && length !== 0)) throw sizeError(type, length);
        break;
      case FrameType.GOAWAY:
        if (length < 8) throw sizeError(type, length);
        break;
    }
    return length;
  }
}

function sizeError(type: number, length: number): FrameError {
  return new FrameError(
    ErrorCode.FRAME_SIZE_ERROR,
    `frame type ${type} with a payload of ${length} octets (RFC 9113 §6)`,
  );
}

// ---- Payload helpers ----------------------------------------------------------------------------

/**
 * DATA (and HEADERS) payload without its padding (RFC 9113 §6.1): with PADDED, the first octet is
 * the pad length, which must be smaller than the payload: else connection error PROTOCOL_ERROR.
 * Flow control counts the whole payload, padding included (§6.9.1): use `payload.length` for that.
 */
export function unpad(flags: number, payload: Buffer): Buffer {
  if ((flags & Flag.PADDED) === 0) return payload;
  if (payload.length === 0) throw new FrameError(ErrorCode.PROTOCOL_ERROR, "PADDED frame without a pad length");
  const pad = payload[0]!;
  if (pad >= payload.length) {
    throw new FrameError(ErrorCode.PROTOCOL_ERROR, "padding as long as the frame payload (RFC 9113 §6.1)");
  }
  return payload.subarray(1, payload.length - pad);
}

/**
 * The field block fragment of a HEADERS payload (RFC 9113 §6.2): padding and the PRIORITY fields
 * stripped. Padding as long as the rest → connection PROTOCOL_ERROR; a stream that depends on
 * itself → stream error PROTOCOL_ERROR on `streamId` (RFC 9113 §5.3.1).
 */
export function headerBlockOf(flags: number, payload: Buffer, streamId = 0): Buffer {
  let start = 0;
  let end = payload.length;
  if (flags & Flag.PADDED) {
    if (end === 0) throw new FrameError(ErrorCode.PROTOCOL_ERROR, "PADDED HEADERS without a pad length");
    end -= payload[0]!;
    start = 1;
  }
  if (flags & Flag.PRIORITY) {
    if (end - start < 5) throw new FrameError(ErrorCode.PROTOCOL_ERROR, "HEADERS too short for its PRIORITY fields");
    if (streamId !== 0 && (payload.readUInt32BE(start) & 0x7fffffff) === streamId) {
      throw new FrameError(ErrorCode.PROTOCOL_ERROR, "stream depends on itself (RFC 9113 §5.3.1)", streamId);
    }
    start += 5;
  }
  if (end < start)
    throw new FrameError(ErrorCode.PROTOCOL_ERROR, "padding longer than the HEADERS payload (RFC 9113 §6.2)");
  return payload.subarray(start, end);
}

/**
 * Checks a PRIORITY frame (RFC 9113 §6.3), which carries nothing the router uses: a length other
 * than 5 → stream error FRAME_SIZE_ERROR; a self-dependency → stream error PROTOCOL_ERROR.
 */
export function checkPriority(streamId: number, payload: Buffer): void {
  if (payload.length !== 5) {
    throw new FrameError(ErrorCode.FRAME_SIZE_ERROR, "PRIORITY frame not 5 octets (RFC 9113 §6.3)", streamId);
  }
  if ((payload.readUInt32BE(0) & 0x7fffffff) === streamId) {
    throw new FrameError(ErrorCode.PROTOCOL_ERROR, "stream depends on itself (RFC 9113 §5.3.1)", streamId);
  }
}

/**
 * The parameters of a SETTINGS payload as [id, value] pairs, in order (unknown ids included, to be
 * ignored, §6.5.2), after checking the values §6.5.2 bounds: ENABLE_PUSH not 0/1 and MAX_FRAME_SIZE
 * outside 2^14..2^24-1 → PROTOCOL_ERROR; INITIAL_WINDOW_SIZE above 2^31-1 → FLOW_CONTROL_ERROR.
 * (The reader has already checked the length is a multiple of 6.)
 */
export function decodeSettings(payload: Buffer): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i + 6 <= payload.length; i += 6) {
    const id = payload.readUInt16BE(i);
    const value = payload.readUInt32BE(i + 2);
    if (id === Setting.ENABLE_PUSH && value > 1) {
      throw new FrameError(ErrorCode.PROTOCOL_ERROR, "SETTINGS_ENABLE_PUSH not 0 or 1 (RFC 9113 §6.5.2)");
    }
    if (id === Setting.INITIAL_WINDOW_SIZE && value > MAX_WINDOW) {
      throw new FrameError(ErrorCode.FLOW_CONTROL_ERROR, "SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1 (RFC 9113 §6.5.2)");
    }
    if (id === Setting.MAX_FRAME_SIZE && (value < DEFAULT_MAX_FRAME_SIZE || value > MAX_ALLOWED_FRAME_SIZE)) {
      throw new FrameError(ErrorCode.PROTOCOL_ERROR, "SETTINGS_MAX_FRAME_SIZE out of range (RFC 9113 §6.5.2)");
    }
    out.push([id, value]);
  }
  return out;
}

// ---- Writers ------------------------------------------------------------------------------------

/** Writes a 9-octet frame header (RFC 9113 §4.1) into `target` at `offset`. */
export function writeFrameHeader(
  target: Buffer,
  offset: number,
  length: number,
  type: number,
  flags: number,
  streamId: number,
): void {
  target[offset] = length >>> 16;
  target[offset + 1] = (length >>> 8) & 0xff;
  target[offset + 2] = length & 0xff;
  target[offset + 3] = type;
  target[offset + 4] = flags;
  target.writeUInt32BE(streamId & 0x7fffffff, offset + 5);
}

/** One frame as a new Buffer (header + payload copied in): for small frames. */
export function encodeFrame(type: number, flags: number, streamId: number, payload?: Uint8Array): Buffer {
  const length = payload ? payload.length : 0;
  const out = Buffer.allocUnsafe(FRAME_HEADER_LENGTH + length);
  writeFrameHeader(out, 0, length, type, flags, streamId);
  if (payload) out.set(payload, FRAME_HEADER_LENGTH);
  return out;
}

/** A DATA frame (RFC 9113 §6.1) with `payload` copied in: for small messages. */
export function encodeData(streamId: number, payload: Uint8Array, endStream: boolean): Buffer {
  return encodeFrame(FrameType.DATA, endStream ? Flag.END_STREAM : 0, streamId, payload);
}

/**
 * A DATA frame's header alone (RFC 9113 §6.1), to be written before `length` octets of payload the
 * caller sends as they are (no copy of a large message).
 */
export function encodeDataHeader(streamId: number, length: number, endStream: boolean): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_LENGTH);
  writeFrameHeader(out, 0, length, FrameType.DATA, endStream ? Flag.END_STREAM : 0, streamId);
  return out;
}

/**
 * A field block as one HEADERS frame, followed by CONTINUATION frames when it exceeds the peer's
 * `maxFrameSize` (RFC 9113 §6.2, §6.10), in one Buffer; END_HEADERS on the last frame.
 */
export function encodeHeaders(streamId: number, block: Uint8Array, endStream: boolean, maxFrameSize: number): Buffer {
  const frames = block.length === 0 ? 1 : Math.ceil(block.length / maxFrameSize);
  const out = Buffer.allocUnsafe(block.length + frames * FRAME_HEADER_LENGTH);
  let o = 0;
  for (let i = 0; i < frames; i++) {
    const from = i * maxFrameSize;
    const length = Math.min(maxFrameSize, block.length - from);
    const last = i === frames - 1;
    const type = i === 0 ? FrameType.HEADERS : FrameType.CONTINUATION;
    const flags = (last ? Flag.END_HEADERS : 0) | (i === 0 && endStream ? Flag.END_STREAM : 0);
    writeFrameHeader(out, o, length, type, flags, streamId);
    out.set(block.subarray(from, from + length), o + FRAME_HEADER_LENGTH);
    o += FRAME_HEADER_LENGTH + length;
  }
  return out;
}

/**
 * Splits in place a field block already encoded at `target[offset + 9 ...)` (a frame header's room
 * left before it) into HEADERS + CONTINUATION frames of at most `maxFrameSize`; returns the end
 * offset. `target` needs 9 octets more per CONTINUATION beyond `offset + 9 + blockLength`. Lets an
 * engine encode headers straight into its output buffer (hpack encodeInto) and frame them there.
 */
export function frameHeadersInPlace(
  target: Buffer,
  offset: number,
  blockLength: number,
  streamId: number,
  endStream: boolean,
  maxFrameSize: number,
): number {
  const endFlag = endStream ? Flag.END_STREAM : 0;
  if (blockLength <= maxFrameSize) {
    writeFrameHeader(target, offset, blockLength, FrameType.HEADERS, Flag.END_HEADERS | endFlag, streamId);
    return offset + FRAME_HEADER_LENGTH + blockLength;
  }
  const frames = Math.ceil(blockLength / maxFrameSize);
  const blockStart = offset + FRAME_HEADER_LENGTH;
  // Move fragments back to front so none overwrites one not yet moved.
  for (let i = frames - 1; i >= 1; i--) {
    const from = blockStart + i * maxFrameSize;
    const length = Math.min(maxFrameSize, blockLength - i * maxFrameSize);
    const frameAt = offset + i * (FRAME_HEADER_LENGTH + maxFrameSize);
    target.copyWithin(frameAt + FRAME_HEADER_LENGTH, from, from + length);
    writeFrameHeader(
      target,
      frameAt,
      length,
      FrameType.CONTINUATION,
      i === frames - 1 ? Flag.END_HEADERS : 0,
      streamId,
    );
  }
  writeFrameHeader(target, offset, maxFrameSize, FrameType.HEADERS, endFlag, streamId);
  return offset + frames * FRAME_HEADER_LENGTH + blockLength;
}

/** A SETTINGS frame (RFC 9113 §6.5) with these parameters. */
export function encodeSettings(settings: ReadonlyArray<readonly [id: number, value: number]>): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_LENGTH + settings.length * 6);
  writeFrameHeader(out, 0, settings.length * 6, FrameType.SETTINGS, 0, 0);
  let o = FRAME_HEADER_LENGTH;
  for (const [id, value] of settings) {
    out.writeUInt16BE(id, o);
    out.writeUInt32BE(value, o + 2);
    o += 6;
  }
  return out;
}

/** The SETTINGS acknowledgement (RFC 9113 §6.5.3); a shared constant, never written to. */
export const SETTINGS_ACK: Buffer = encodeFrame(FrameType.SETTINGS, Flag.ACK, 0);

/** A WINDOW_UPDATE frame (RFC 9113 §6.9); `increment` 1..2^31-1. */
export function encodeWindowUpdate(streamId: number, increment: number): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_LENGTH + 4);
  writeFrameHeader(out, 0, 4, FrameType.WINDOW_UPDATE, 0, streamId);
  out.writeUInt32BE(increment & 0x7fffffff, FRAME_HEADER_LENGTH);
  return out;
}

/** A RST_STREAM frame (RFC 9113 §6.4). */
export function encodeRstStream(streamId: number, code: number): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_LENGTH + 4);
  writeFrameHeader(out, 0, 4, FrameType.RST_STREAM, 0, streamId);
  out.writeUInt32BE(code, FRAME_HEADER_LENGTH);
  return out;
}

/** A GOAWAY frame (RFC 9113 §6.8) with optional debug data (never secrets: the peer may log it). */
export function encodeGoaway(lastStreamId: number, code: number, debug = ""): Buffer {
  const debugLength = Buffer.byteLength(debug);
  const out = Buffer.allocUnsafe(FRAME_HEADER_LENGTH + 8 + debugLength);
  writeFrameHeader(out, 0, 8 + debugLength, FrameType.GOAWAY, 0, 0);
  out.writeUInt32BE(lastStreamId & 0x7fffffff, FRAME_HEADER_LENGTH);
  out.writeUInt32BE(code, FRAME_HEADER_LENGTH + 4);
  if (debugLength > 0) out.write(debug, FRAME_HEADER_LENGTH + 8);
  return out;
}

/** A PING frame (RFC 9113 §6.7) with its 8 opaque octets; `ack` for the answer to a peer's PING. */
export function encodePing(payload: Uint8Array, ack: boolean): Buffer {
  if (payload.length !== 8) throw new RangeError("a PING payload is 8 octets");
  return encodeFrame(FrameType.PING, ack ? Flag.ACK : 0, 0, payload);
}
