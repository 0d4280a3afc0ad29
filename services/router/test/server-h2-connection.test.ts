/**
 * The router's HTTP/2 connection engine (server/h2/h2-connection.ts) against independent peers on
 * 127.0.0.1: node:http2 (nghttp2) as client of the engine's server role and as server of its client
 * role, and hand-written frames on a bare socket for the error answers. Asserts: bodies of several
 * megabytes each way (many DATA frames, far beyond the peers' initial 65,535-byte windows, so
 * sending waits for WINDOW_UPDATE), header blocks larger than a frame (CONTINUATION both ways),
 * trailers, PING answered, the peer's MAX_CONCURRENT_STREAMS respected (streams wait), a client
 * reset reaching the handler, a graceful GOAWAY letting the stream in flight finish, and
 * RST_STREAM / GOAWAY with the RFC 9113 error code for malformed input.
 */
import { afterEach, describe, expect, it } from "@jest/globals";
import {
  connect as http2Connect,
  constants,
  createServer as createHttp2Server,
  type Http2Server,
  type ServerHttp2Session,
} from "node:http2";
import { connect as netConnect, createServer as createNetServer, type Socket } from "node:net";
import { once } from "node:events";
import { randomBytes } from "node:crypto";
import {
  H2Connection,
  headerValue,
  type H2Stream,
  type H2StreamHandler,
  type HeaderList,
} from "../src/server/h2/h2-connection.js";
import { ErrorCode } from "../src/server/h2/frames.js";
import { startH2TestServer, type H2TestServer } from "../src/server/h2/h2-test-server.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function echoServer(respond?: Parameters<typeof startH2TestServer>[0]): Promise<H2TestServer> {
  const server = await startH2TestServer({
    respond(stream, request) {
      stream.sendHeaders(
        [
          ":status",
          "200",
          "x-echo-length",
          String(request.body.length),
          "x-big",
          headerValue(request.headers, "x-big") ?? "",
        ],
        false,
      );
      stream.write(request.body);
      stream.end(["grpc-status", "0"]);
    },
    ...respond,
  });
  cleanups.push(() => server.close());
  return server;
}

/** A node:http2 server on a free port. */
async function nodeServer(setup: (server: Http2Server) => void, settings = {}): Promise<number> {
  const server = createHttp2Server({ settings });
  setup(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const sessions = new Set<ServerHttp2Session>();
  server.on("session", (s) => sessions.add(s));
  cleanups.push(() => {
    for (const s of sessions) s.destroy();
    return new Promise((resolve) => server.close(() => resolve(undefined)));
  });
  return (server.address() as { port: number }).port;
}

/** What an engine client stream received. */
class Collector implements H2StreamHandler {
  headers: HeaderList[] = [];
  chunks: Buffer[] = [];
  reset: number | undefined;
  readonly done: Promise<void>;
  private finish!: () => void;

  constructor() {
    this.done = new Promise((resolve) => (this.finish = resolve));
  }

  onHeaders(_s: H2Stream, headers: HeaderList, endStream: boolean): void {
    this.headers.push(headers);
    if (endStream) this.finish();
  }
  onData(_s: H2Stream, data: Buffer, endStream: boolean): void {
    this.chunks.push(Buffer.from(data));
    if (endStream) this.finish();
  }
  onReset(_s: H2Stream, code: number): void {
    this.reset = code;
    this.finish();
  }
  get body(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

function engineClient(port: number): H2Connection {
  const socket = netConnect(port, "127.0.0.1");
  const connection = new H2Connection(socket, { role: "client" });
  cleanups.push(() => connection.destroy());
  return connection;
}

const request = (path: string, extra: string[] = []): HeaderList => [
  ":method",
  "POST",
  ":scheme",
  "http",
  ":path",
  path,
  ":authority",
  "127.0.0.1",
  ...extra,
];

/** One frame, by hand. */
function rawFrame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(streamId, 5);
  return Buffer.concat([header, payload]);
}

/** HPACK literal fields without indexing, new names (RFC 7541 §6.2.2), lengths < 127. */
function literalBlock(fields: [string, string][]): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of fields)
    parts.push(Buffer.from([0x00, name.length]), Buffer.from(name), Buffer.from([value.length]), Buffer.from(value));
  return Buffer.concat(parts);
}

const preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

/** Frames read from a raw socket until `until` says stop (or the socket closes). */
async function readFrames(
  socket: Socket,
  until: (frames: { type: number; flags: number; streamId: number; payload: Buffer }[]) => boolean,
): Promise<{ type: number; flags: number; streamId: number; payload: Buffer }[]> {
  const frames: { type: number; flags: number; streamId: number; payload: Buffer }[] = [];
  let buffer = Buffer.alloc(0);
  return new Promise((resolve) => {
    const stop = () => {
      socket.off("data", onData);
      resolve(frames);
    };
    const onData = (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      while (buffer.length >= 9) {
        const length = buffer.readUIntBE(0, 3);
        if (buffer.length < 9 + length) break;
        frames.push({
          type: buffer[3]!,
          flags: buffer[4]!,
          streamId: buffer.readUInt32BE(5) & 0x7fffffff,
          payload: buffer.subarray(9, 9 + length),
        });
        buffer = buffer.subarray(9 + length);
      }
      if (until(frames)) stop();
    };
    socket.on("data", onData);
    socket.once("close", stop);
  });
}

async function rawClient(port: number): Promise<Socket> {
  const socket = netConnect(port, "127.0.0.1");
  await once(socket, "connect");
  cleanups.push(() => socket.destroy());
  socket.write(Buffer.concat([preface, rawFrame(4, 0, 0)]));
  return socket;
}

const GOAWAY = 7;
const RST_STREAM = 3;

describe("the engine's server role, with node:http2 as the client", () => {
  it("echoes 5 MiB each way (flow control waits for the client's WINDOW_UPDATEs) and a header block in CONTINUATION frames", async () => {
    const server = await echoServer();
    const client = http2Connect(`http://127.0.0.1:${server.port}`);
    cleanups.push(() => client.destroy());
    const body = randomBytes(5 * 1024 * 1024);
    const big = "b".repeat(40_000); // > 16,384: node:http2 sends HEADERS + CONTINUATION
    const stream = client.request({ ":method": "POST", ":path": "/echo", "x-big": big });
    stream.end(body);
    const [response] = (await once(stream, "response")) as [Record<string, string>];
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    const [trailers] = (await once(stream, "trailers")) as [Record<string, string>];
    expect(response[":status"]).toBe(200);
    expect(response["x-echo-length"]).toBe(String(body.length));
    expect(response["x-big"]).toBe(big);
    expect(Buffer.concat(chunks).equals(body)).toBe(true);
    expect(trailers["grpc-status"]).toBe("0");
  });

  it("answers PING, and hands a client's RST_STREAM to the stream's handler", async () => {
    // A server whose handler records resets: a stream reset before its end reaches onReset.
    const seen = new Promise<number>((resolve) => {
      const tcp = createNetServer((socket) => {
        new H2Connection(socket, {
          role: "server",
          onStream(stream) {
            stream.handler = { onHeaders() {}, onData() {}, onReset: (_s, code) => resolve(code) };
          },
        });
      });
      tcp.listen(0, "127.0.0.1", () => {
        const port = (tcp.address() as { port: number }).port;
        const client = http2Connect(`http://127.0.0.1:${port}`);
        cleanups.push(() => {
          client.destroy();
          tcp.close();
        });
        // node:http2 cancels a PING sent before its session is connected.
        client.once("connect", () =>
          client.ping((err) => {
            if (err) throw err;
            const stream = client.request({ ":method": "POST", ":path": "/slow" });
            stream.on("error", () => undefined);
            stream.write("partial");
            setTimeout(() => stream.close(constants.NGHTTP2_CANCEL), 50);
          }),
        );
      });
    });
    expect(await seen).toBe(ErrorCode.CANCEL);
  });

  it("GOAWAY on shutdown: the stream in flight finishes, the client hears NO_ERROR, the connection closes", async () => {
    let answer: (() => void) | undefined;
    const server = await startH2TestServer({
      respond(stream) {
        answer = () => {
          stream.sendHeaders([":status", "200"], false);
          stream.write(Buffer.from("late answer"), true);
        };
      },
    });
    const client = http2Connect(`http://127.0.0.1:${server.port}`);
    cleanups.push(() => client.destroy());
    const stream = client.request({ ":method": "POST", ":path": "/slow" });
    stream.end("x");
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    const ended = once(stream, "end");
    while (!answer) await new Promise((r) => setTimeout(r, 10));
    const goaway = once(client, "goaway");
    const closed = server.close();
    const [code] = (await goaway) as [number];
    expect(code).toBe(constants.NGHTTP2_NO_ERROR);
    answer();
    await ended;
    expect(Buffer.concat(chunks).toString()).toBe("late answer");
    await closed;
  });
});

describe("the engine's client role, with node:http2 as the server", () => {
  it("sends 5 MiB and a 40 KB header (CONTINUATION), receives the echo and its trailers", async () => {
    const port = await nodeServer((server) =>
      server.on("stream", (stream, headers) => {
        const chunks: Buffer[] = [];
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("end", () => {
          stream.respond(
            { ":status": 200, "x-big-length": String(headers["x-big"]?.length) },
            { waitForTrailers: true },
          );
          stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0", "x-trailer-bin": "AAEC" }));
          stream.end(Buffer.concat(chunks));
        });
      }),
    );
    const connection = engineClient(port);
    const body = randomBytes(5 * 1024 * 1024);
    const collector = new Collector();
    const stream = connection.request(request("/echo", ["x-big", "c".repeat(40_000)]), collector, false);
    stream.write(body, true);
    await collector.done;
    expect(collector.reset).toBeUndefined();
    expect(headerValue(collector.headers[0]!, ":status")).toBe("200");
    expect(headerValue(collector.headers[0]!, "x-big-length")).toBe("40000");
    expect(collector.body.equals(body)).toBe(true);
    expect(collector.headers[1]).toEqual(["grpc-status", "0", "x-trailer-bin", "AAEC"]);
  });

  it("keeps to the server's MAX_CONCURRENT_STREAMS: extra streams wait and all complete", async () => {
    let open = 0;
    let most = 0;
    const port = await nodeServer(
      (server) =>
        server.on("stream", (stream) => {
          open++;
          most = Math.max(most, open);
          stream.resume();
          stream.on("end", () =>
            setTimeout(() => {
              open--;
              stream.respond({ ":status": 200 });
              stream.end("ok");
            }, 30),
          );
        }),
      { maxConcurrentStreams: 2 },
    );
    const connection = engineClient(port);
    // The server's limit is known once its SETTINGS arrived (before that it is unlimited, RFC 9113 §6.5.2).
    while (!connection.peerSettingsReceived) await new Promise((r) => setTimeout(r, 10));
    const collectors = Array.from({ length: 6 }, () => new Collector());
    for (const collector of collectors) connection.request(request("/slow"), collector, true);
    await Promise.all(collectors.map((c) => c.done));
    expect(collectors.map((c) => c.body.toString())).toEqual(Array(6).fill("ok"));
    expect(most).toBe(2);
  });
});

describe("the engine's answers to malformed input (RFC 9113 §5.4, §8.1.1)", () => {
  it("resets a request with an upper-case header name (PROTOCOL_ERROR) and keeps the connection", async () => {
    const server = await echoServer();
    const socket = await rawClient(server.port);
    const block = literalBlock([
      [":method", "GET"],
      [":scheme", "http"],
      [":path", "/"],
      ["X-Upper", "1"],
    ]);
    socket.write(rawFrame(1, 0x5, 1, block));
    const frames = await readFrames(socket, (f) => f.some((x) => x.type === RST_STREAM));
    const rst = frames.find((f) => f.type === RST_STREAM)!;
    expect(rst.streamId).toBe(1);
    expect(rst.payload.readUInt32BE(0)).toBe(constants.NGHTTP2_PROTOCOL_ERROR);
    expect(frames.some((f) => f.type === GOAWAY)).toBe(false);
  });

  it("answers GOAWAY PROTOCOL_ERROR to DATA on stream 0, and FRAME_SIZE_ERROR to a frame beyond 16,384 bytes", async () => {
    const server = await echoServer();
    const first = await rawClient(server.port);
    first.write(rawFrame(0, 0, 0, Buffer.from("x")));
    const one = await readFrames(first, (f) => f.some((x) => x.type === GOAWAY));
    expect(one.find((f) => f.type === GOAWAY)!.payload.readUInt32BE(4)).toBe(constants.NGHTTP2_PROTOCOL_ERROR);
    const second = await rawClient(server.port);
    second.write(rawFrame(0, 0, 1, Buffer.alloc(16_385)));
    const two = await readFrames(second, (f) => f.some((x) => x.type === GOAWAY));
    expect(two.find((f) => f.type === GOAWAY)!.payload.readUInt32BE(4)).toBe(constants.NGHTTP2_FRAME_SIZE_ERROR);
  });

  it("answers GOAWAY PROTOCOL_ERROR when another frame interrupts a header block", async () => {
    const server = await echoServer();
    const socket = await rawClient(server.port);
    const block = literalBlock([
      [":method", "GET"],
      [":scheme", "http"],
      [":path", "/"],
    ]);
    // HEADERS without END_HEADERS, then a PING instead of CONTINUATION.
    socket.write(Buffer.concat([rawFrame(1, 0x1, 1, block), rawFrame(6, 0, 0, Buffer.alloc(8))]));
    const frames = await readFrames(socket, (f) => f.some((x) => x.type === GOAWAY));
    expect(frames.find((f) => f.type === GOAWAY)!.payload.readUInt32BE(4)).toBe(constants.NGHTTP2_PROTOCOL_ERROR);
  });
});
