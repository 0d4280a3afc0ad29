/**
 * The frame layer (services/router/src/server/h2/frames.ts): the reader on arbitrary chunking and
 * the RFC 9113 rules it enforces, the payload helpers and the writers. Against node:http2's real
 * byte stream: h2-peer.test.ts.
 */
import { describe, expect, it } from "@jest/globals";
import {
  checkPriority,
  CONNECTION_PREFACE,
  decodeSettings,
  encodeData,
  encodeFrame,
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
  frameHeadersInPlace,
  headerBlockOf,
  SETTINGS_ACK,
  Setting,
  unpad,
} from "../src/server/h2/frames.js";

interface Seen {
  type: number;
  flags: number;
  streamId: number;
  payload: string;
}

/** Feeds `chunks` to a reader and returns the frames it cut (payloads as hex). */
function read(chunks: Buffer[], reader = new FrameReader()): Seen[] {
  const seen: Seen[] = [];
  const sink = {
    onFrame(type: number, flags: number, streamId: number, payload: Buffer) {
      seen.push({ type, flags, streamId, payload: payload.toString("hex") });
    },
  };
  for (const c of chunks) reader.push(c, sink);
  return seen;
}

function frameError(fn: () => unknown): FrameError {
  try {
    fn();
  } catch (err) {
    if (err instanceof FrameError) return err;
    throw err;
  }
  throw new Error("no FrameError thrown");
}

const stream = Buffer.concat([
  encodeSettings([
    [Setting.MAX_CONCURRENT_STREAMS, 100],
    [Setting.INITIAL_WINDOW_SIZE, 65535],
  ]),
  SETTINGS_ACK,
  encodeHeaders(1, Buffer.from("0123456789abcdef", "hex"), false, 16384),
  encodeData(1, Buffer.from("hello grpc"), true),
  encodeWindowUpdate(0, 1000),
  encodePing(Buffer.from("01234567"), false),
  encodeRstStream(3, ErrorCode.CANCEL),
  encodeFrame(0xfa, 0, 5, Buffer.from("unknown")),
  encodeGoaway(7, ErrorCode.NO_ERROR, "bye"),
]);

describe("FrameReader", () => {
  const whole = read([stream]);

  it("cuts one chunk holding several frames, with payloads as written", () => {
    expect(whole.map((f) => [f.type, f.flags, f.streamId])).toEqual([
      [FrameType.SETTINGS, 0, 0],
      [FrameType.SETTINGS, Flag.ACK, 0],
      [FrameType.HEADERS, Flag.END_HEADERS, 1],
      [FrameType.DATA, Flag.END_STREAM, 1],
      [FrameType.WINDOW_UPDATE, 0, 0],
      [FrameType.PING, 0, 0],
      [FrameType.RST_STREAM, 0, 3],
      [0xfa, 0, 5],
      [FrameType.GOAWAY, 0, 0],
    ]);
    expect(whole[3]!.payload).toBe(Buffer.from("hello grpc").toString("hex"));
    expect(whole[4]!.payload).toBe("000003e8");
    expect(whole[6]!.payload).toBe("00000008");
    expect(whole[8]!.payload).toBe("00000007" + "00000000" + Buffer.from("bye").toString("hex"));
  });

  it("gives the same frames whatever the chunking (every split point, and one octet at a time)", () => {
    for (let cut = 1; cut < stream.length; cut++) {
      expect(read([stream.subarray(0, cut), stream.subarray(cut)])).toEqual(whole);
    }
    const octets = Array.from({ length: stream.length }, (_, i) => stream.subarray(i, i + 1));
    expect(read(octets)).toEqual(whole);
  });

  it("does not copy a frame that is whole inside its chunk", () => {
    const chunk = Buffer.from(stream);
    let payload: Buffer | undefined;
    new FrameReader().push(chunk, {
      onFrame(type, _flags, _id, p) {
        if (type === FrameType.DATA) payload = p;
      },
    });
    expect(payload?.buffer).toBe(chunk.buffer);
  });

  it("checks and skips the client preface when asked (RFC 9113 §3.4)", () => {
    const withPreface = Buffer.concat([CONNECTION_PREFACE, stream]);
    expect(read([withPreface.subarray(0, 10), withPreface.subarray(10)], new FrameReader(16384, true))).toEqual(whole);
    const bad = Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(frameError(() => read([bad], new FrameReader(16384, true))).code).toBe(ErrorCode.PROTOCOL_ERROR);
  });

  it("FRAME_SIZE_ERROR for a frame over SETTINGS_MAX_FRAME_SIZE, known from its header alone (RFC 9113 §4.2)", () => {
    const big = encodeData(1, Buffer.alloc(16385), false);
    const err = frameError(() => read([big.subarray(0, 9)]));
    expect([err.code, err.streamId]).toEqual([ErrorCode.FRAME_SIZE_ERROR, 0]);
    expect(read([big], new FrameReader(16385))).toHaveLength(1);
  });

  it("PROTOCOL_ERROR for a stream id the frame type forbids (RFC 9113 §6)", () => {
    for (const type of [
      FrameType.DATA,
      FrameType.HEADERS,
      FrameType.PRIORITY,
      FrameType.RST_STREAM,
      FrameType.PUSH_PROMISE,
      FrameType.CONTINUATION,
    ]) {
      // prettier-ignore
      const payload = type === FrameType.RST_STREAM ? Buffer.alloc(4) : Buffer.alloc(5);
      expect(frameError(() => read([encodeFrame(type, 0, 0, payload)])).code).toBe(ErrorCode.PROTOCOL_ERROR);
    }
    expect(frameError(() => read([encodeFrame(FrameType.SETTINGS, 0, 1)])).code).toBe(ErrorCode.PROTOCOL_ERROR);
    expect(frameError(() => read([encodeFrame(FrameType.PING, 0, 1, Buffer.alloc(8))])).code).toBe(
      ErrorCode.PROTOCOL_ERROR,
    );
    expect(frameError(() => read([encodeFrame(FrameType.GOAWAY, 0, 1, Buffer.alloc(8))])).code).toBe(
      ErrorCode.PROTOCOL_ERROR,
    );
    // The reserved bit of the stream id is ignored (RFC 9113 §4.1).
    const reserved = encodeFrame(FrameType.DATA, 0, 1, Buffer.from("x"));
    reserved[5] = reserved[5]! | 0x80;
    expect(read([reserved])[0]!.streamId).toBe(1);
  });

  it("FRAME_SIZE_ERROR for fixed-length frames of another length (RFC 9113 §6.4-§6.9)", () => {
    const cases: Array<[number, number, number, number]> = [
      [FrameType.RST_STREAM, 0, 1, 5],
      [FrameType.WINDOW_UPDATE, 0, 0, 3],
      [FrameType.WINDOW_UPDATE, 0, 1, 5],
      [FrameType.PING, 0, 0, 7],
      [FrameType.SETTINGS, 0, 0, 5],
      [FrameType.SETTINGS, Flag.ACK, 0, 6],
      [FrameType.GOAWAY, 0, 0, 7],
    ];
    for (const [type, flags, id, length] of cases) {
      const err = frameError(() => read([encodeFrame(type, flags, id, Buffer.alloc(length))]));
      expect([type, err.code, err.streamId]).toEqual([type, ErrorCode.FRAME_SIZE_ERROR, 0]);
    }
  });
});

describe("payload helpers", () => {
  it("unpad strips padding and rejects padding as long as the payload (RFC 9113 §6.1)", () => {
    const padded = Buffer.from([3, 0x61, 0x62, 0, 0, 0]);
    expect(unpad(Flag.PADDED, padded).toString()).toBe("ab");
    expect(unpad(0, padded)).toBe(padded);
    expect(frameError(() => unpad(Flag.PADDED, Buffer.from([5, 0, 0, 0, 0]))).code).toBe(ErrorCode.PROTOCOL_ERROR);
    expect(frameError(() => unpad(Flag.PADDED, Buffer.alloc(0))).code).toBe(ErrorCode.PROTOCOL_ERROR);
  });

  it("headerBlockOf strips padding and priority fields; a self-dependency is a stream error (§5.3.1)", () => {
    const payload = Buffer.from([2, 0x80, 0, 0, 3, 16, 0x82, 0x86, 0, 0]);
    expect(headerBlockOf(Flag.PADDED | Flag.PRIORITY, payload, 1).toString("hex")).toBe("8286");
    const self = frameError(() => headerBlockOf(Flag.PADDED | Flag.PRIORITY, payload, 3));
    expect([self.code, self.streamId]).toEqual([ErrorCode.PROTOCOL_ERROR, 3]);
    const tooMuch = frameError(() => headerBlockOf(Flag.PADDED, Buffer.from([3, 0x82, 0])));
    expect([tooMuch.code, tooMuch.streamId]).toEqual([ErrorCode.PROTOCOL_ERROR, 0]);
  });

  it("checkPriority: stream FRAME_SIZE_ERROR for a length other than 5, PROTOCOL_ERROR on itself (§6.3)", () => {
    expect(() => checkPriority(1, Buffer.from([0, 0, 0, 3, 16]))).not.toThrow();
    const size = frameError(() => checkPriority(1, Buffer.alloc(4)));
    expect([size.code, size.streamId]).toEqual([ErrorCode.FRAME_SIZE_ERROR, 1]);
    const self = frameError(() => checkPriority(3, Buffer.from([0, 0, 0, 3, 16])));
    expect([self.code, self.streamId]).toEqual([ErrorCode.PROTOCOL_ERROR, 3]);
  });

  it("decodeSettings returns the pairs and checks the bounds of §6.5.2", () => {
    const frame = encodeSettings([
      [Setting.HEADER_TABLE_SIZE, 0],
      [Setting.MAX_FRAME_SIZE, 16384],
      [0x99, 7],
    ]);
    expect(decodeSettings(frame.subarray(9))).toEqual([
      [1, 0],
      [5, 16384],
      [0x99, 7],
    ]);
    const bad: Array<[number, number, number]> = [
      [Setting.ENABLE_PUSH, 2, ErrorCode.PROTOCOL_ERROR],
      [Setting.INITIAL_WINDOW_SIZE, 2 ** 31, ErrorCode.FLOW_CONTROL_ERROR],
      [Setting.MAX_FRAME_SIZE, 16383, ErrorCode.PROTOCOL_ERROR],
      [Setting.MAX_FRAME_SIZE, 2 ** 24, ErrorCode.PROTOCOL_ERROR],
    ];
    for (const [id, value, code] of bad) {
      expect(frameError(() => decodeSettings(encodeSettings([[id, value]]).subarray(9))).code).toBe(code);
    }
  });
});

describe("writers", () => {
  it("encodeHeaders splits a block over maxFrameSize into HEADERS + CONTINUATION (RFC 9113 §6.10)", () => {
    const block = Buffer.from(Array.from({ length: 40_000 }, (_, i) => i & 0xff));
    const frames = read([encodeHeaders(5, block, true, 16384)]);
    expect(frames.map((f) => [f.type, f.flags, f.streamId, f.payload.length / 2])).toEqual([
      [FrameType.HEADERS, Flag.END_STREAM, 5, 16384],
      [FrameType.CONTINUATION, 0, 5, 16384],
      [FrameType.CONTINUATION, Flag.END_HEADERS, 5, 40_000 - 2 * 16384],
    ]);
    expect(frames.map((f) => f.payload).join("")).toBe(block.toString("hex"));
    expect(read([encodeHeaders(5, Buffer.alloc(0), false, 16384)])[0]).toEqual({
      type: FrameType.HEADERS,
      flags: Flag.END_HEADERS,
      streamId: 5,
      payload: "",
    });
  });

  it("frameHeadersInPlace gives the same bytes as encodeHeaders", () => {
    for (const size of [0, 100, 16384, 16385, 40_000]) {
      const block = Buffer.from(Array.from({ length: size }, (_, i) => (i * 7) & 0xff));
      const target = Buffer.alloc(size + 9 * 4 + 3);
      block.copy(target, 3 + 9);
      const end = frameHeadersInPlace(target, 3, size, 9, false, 16384);
      expect(target.subarray(3, end).toString("hex")).toBe(encodeHeaders(9, block, false, 16384).toString("hex"));
    }
  });

  it("encodeData, encodePing and encodeGoaway lay out the fields of §6.1, §6.7, §6.8", () => {
    expect(encodeData(3, Buffer.from("ab"), true).toString("hex")).toBe("000002" + "00" + "01" + "00000003" + "6162");
    expect(encodePing(Buffer.alloc(8, 1), true).toString("hex")).toBe("000008060100000000" + "01".repeat(8));
    expect(encodeGoaway(0x7fffffff, ErrorCode.PROTOCOL_ERROR).toString("hex")).toBe(
      "000008070000000000" + "7fffffff" + "00000001",
    );
    expect(() => encodePing(Buffer.alloc(7), false)).toThrow(RangeError);
  });
});
