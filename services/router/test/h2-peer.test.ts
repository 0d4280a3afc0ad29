/**
 * The h2 building blocks (hpack.ts, frames.ts) against node:http2 (nghttp2) as the independent peer:
 * a node:http2 client talks to a raw socket server made of our FrameReader and HPACK decoder (its
 * header blocks are Huffman-coded and use the dynamic table, as nghttp2 chooses), and a node:http2
 * server reads requests whose frames and header blocks we wrote byte by byte, then answers them
 * through our decoder. Plain TCP on 127.0.0.1 (h2c with prior knowledge, RFC 9113 §3.3).
 */
import { afterEach, describe, expect, it } from "@jest/globals";
import { connect as connectH2, createServer as createH2Server, sensitiveHeaders } from "node:http2";
import type { IncomingHttpHeaders, ServerHttp2Stream } from "node:http2";
import { connect as connectTcp, createServer as createTcpServer, type Server, type Socket } from "node:net";
import {
  CONNECTION_PREFACE,
  encodeData,
  encodeHeaders,
  encodeSettings,
  Flag,
  FrameReader,
  FrameType,
  headerBlockOf,
  SETTINGS_ACK,
  unpad,
} from "../src/server/h2/frames.js";
import { createHpackDecoder, createHpackEncoder, type HeaderList } from "../src/server/h2/hpack.js";

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!();
});

async function listen(server: Server | ReturnType<typeof createH2Server>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** Header list → object (for comparing with node's headers; later duplicates win). */
function asObject(list: HeaderList): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < list.length; i += 2) out[list[i]!] = list[i + 1]!;
  return out;
}

interface Block {
  streamId: number;
  flags: number;
  raw: Buffer;
  headers: HeaderList;
}

/**
 * A minimal frame consumer on a socket: acknowledges SETTINGS, joins HEADERS + CONTINUATION, decodes
 * each header block with our decoder, collects DATA per stream. Also re-cuts every received chunk one
 * octet at a time through a second reader, which must see exactly the same frames.
 */
function frameConsumer(socket: Socket, expectPreface: boolean) {
  const reader = new FrameReader(16384, expectPreface);
  const octetReader = new FrameReader(16384, expectPreface);
  const decoder = createHpackDecoder();
  const blocks: Block[] = [];
  const data = new Map<number, Buffer[]>();
  const cut: string[] = [];
  const octetCut: string[] = [];
  let pending: { streamId: number; flags: number; parts: Buffer[] } | null = null;
  let notify = () => {};
  const finishBlock = (streamId: number, flags: number, raw: Buffer) => {
    blocks.push({ streamId, flags, raw, headers: decoder.decode(raw) });
    notify();
  };
  const sink = {
    onFrame(type: number, flags: number, streamId: number, payload: Buffer) {
      cut.push(`${type}/${flags}/${streamId}/${payload.toString("hex")}`);
      if (type === FrameType.SETTINGS && (flags & Flag.ACK) === 0) socket.write(SETTINGS_ACK);
      if (type === FrameType.HEADERS) {
        const fragment = Buffer.from(headerBlockOf(flags, payload, streamId));
        if (flags & Flag.END_HEADERS) finishBlock(streamId, flags, fragment);
        else pending = { streamId, flags, parts: [fragment] };
      }
      if (type === FrameType.CONTINUATION && pending) {
        pending.parts.push(Buffer.from(payload));
        if (flags & Flag.END_HEADERS) {
          const { streamId: id, flags: first, parts } = pending;
          pending = null;
          finishBlock(id, first, Buffer.concat(parts));
        }
      }
      if (type === FrameType.DATA) {
        const list = data.get(streamId) ?? [];
        list.push(Buffer.from(unpad(flags, payload)));
        data.set(streamId, list);
        notify();
      }
    },
  };
  const octetSink = {
    onFrame(type: number, flags: number, streamId: number, payload: Buffer) {
      octetCut.push(`${type}/${flags}/${streamId}/${payload.toString("hex")}`);
    },
  };
  socket.on("data", (chunk: Buffer) => {
    reader.push(chunk, sink);
    for (let i = 0; i < chunk.length; i++) octetReader.push(chunk.subarray(i, i + 1), octetSink);
  });
  return {
    blocks,
    data,
    cut,
    octetCut,
    /** Resolves once `predicate` holds (checked after every frame). */
    until(predicate: () => boolean): Promise<void> {
      return new Promise((resolve) => {
        const check = () => {
          if (predicate()) resolve();
        };
        notify = check;
        check();
      });
    },
  };
}

describe("our decoder reads node:http2's requests (nghttp2: Huffman, dynamic table, CONTINUATION)", () => {
  it("decodes three requests on one connection exactly as node sent them", async () => {
    let consumer: ReturnType<typeof frameConsumer> | undefined;
    const accepted = new Promise<void>((resolve) => {
      const server = createTcpServer((socket) => {
        cleanups.push(() => socket.destroy());
        socket.write(encodeSettings([]));
        consumer = frameConsumer(socket, true);
        resolve();
      });
      cleanups.push(() => server.close());
      void listen(server).then((port) => {
        const client = connectH2(`http://127.0.0.1:${port}`);
        client.on("error", () => {});
        cleanups.push(() => client.destroy());
        const common = {
          ":method": "POST",
          "content-type": "application/grpc",
          te: "trailers",
          "grpc-timeout": "4999m",
          "user-agent": "grpc-node-js/1.14.7",
          authorization: "Bearer eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ0YWJhY2NoZXJpYS0xIn0.c2lnbmF0dXJl",
          "grpc-trace-bin": Buffer.from("00a1b2c3d4e5f60718293a4b5c6d7e8f90", "hex").toString("base64"),
        };
        for (const [path, extra] of [
          ["/novabox.certification.v1.CertificationService/IssueCertificate", { "x-comune-code": "H501" }],
          ["/novabox.certification.v1.CertificationService/IssueCertificate", { "x-comune-code": "F205" }],
          ["/novabox.consultation.v1.ConsultationService/Lookup", { "x-big": "é-àccènto ".repeat(2_000) }],
        ] as const) {
          const req = client.request({ ...common, ":path": path, ...extra }, { endStream: false });
          req.on("error", () => {});
          req.end(Buffer.from([0, 0, 0, 0, 2, 8, 1]));
        }
      });
    });
    await accepted;
    const c = consumer!;
    await c.until(() => c.blocks.length === 3 && c.data.size === 3);
    const [first, second, third] = c.blocks;
    expect(c.blocks.map((b) => b.streamId)).toEqual([1, 3, 5]);
    for (const block of [first!, second!, third!]) {
      const h = asObject(block.headers);
      expect(h[":method"]).toBe("POST");
      expect(h[":scheme"]).toBe("http");
      expect(h["content-type"]).toBe("application/grpc");
      expect(h.te).toBe("trailers");
      expect(h["grpc-timeout"]).toBe("4999m");
      expect(h.authorization).toBe("Bearer eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ0YWJhY2NoZXJpYS0xIn0.c2lnbmF0dXJl");
      expect(h["grpc-trace-bin"]).toBe("AKGyw9Tl9gcYKTpLXG1+j5A=");
      // Pseudo-headers come first, as RFC 9113 §8.3 requires of the sender.
      expect(block.headers[0]!.startsWith(":")).toBe(true);
    }
    expect(asObject(first!.headers)[":path"]).toBe("/novabox.certification.v1.CertificationService/IssueCertificate");
    expect(asObject(first!.headers)["x-comune-code"]).toBe("H501");
    expect(asObject(second!.headers)["x-comune-code"]).toBe("F205");
    expect(asObject(third!.headers)[":path"]).toBe("/novabox.consultation.v1.ConsultationService/Lookup");
    // node:http2 sends a string's chars as octets (latin1), and our decoder maps octets back the same way.
    expect(asObject(third!.headers)["x-big"]).toBe("é-àccènto ".repeat(2_000));
    // nghttp2 Huffman-coded the literals (the text is not in the block) ...
    expect(first!.raw.includes("application/grpc")).toBe(false);
    // ... and the second request mostly points into the dynamic table the first one filled.
    expect(second!.raw.length).toBeLessThan(first!.raw.length * 0.6); // (authorization stays a never-indexed literal)
    // The third block exceeded 16 KiB, so it came as HEADERS + CONTINUATION.
    expect(c.cut.filter((f) => f.startsWith(`${FrameType.CONTINUATION}/`)).length).toBeGreaterThan(0);
    for (const id of [1, 3, 5]) expect(Buffer.concat(c.data.get(id)!).toString("hex")).toBe("00000000020801");
    // Cutting nghttp2's bytes one octet at a time gives the very same frames.
    expect(c.octetCut).toEqual(c.cut);
  });
});

describe("node:http2 reads what our encoder and frame writers produce", () => {
  it("serves two requests written by hand, and we decode its answers and trailers", async () => {
    const seen: Array<{ headers: IncomingHttpHeaders; body: Buffer }> = [];
    const server = createH2Server();
    server.on("stream", (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const body = Buffer.concat(chunks);
        seen.push({ headers, body });
        stream.respond(
          { ":status": 200, "content-type": "application/grpc", "x-served-path": String(headers[":path"]) },
          { waitForTrailers: true },
        );
        stream.on("wantTrailers", () =>
          stream.sendTrailers({ "grpc-status": "0", "grpc-message": "Certificato emesso: più è meglio" }),
        );
        stream.end(body);
      });
    });
    cleanups.push(() => server.close());
    const port = await listen(server);
    const socket = connectTcp(port, "127.0.0.1");
    cleanups.push(() => socket.destroy());
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    const consumer = frameConsumer(socket, false);

    const request = (path: string, comune: string): HeaderList => [
      ":method", "POST", ":scheme", "https", ":path", path, ":authority", "router.novares.test",
      "content-type", "application/grpc", "te", "trailers", "grpc-timeout", "10S",
      "x-comune-code", comune, "authorization", "Bearer token-value",
      "x-large", "x".repeat(20_000),
    ]; // prettier-ignore
    const plain = createHpackEncoder();
    const huffman = createHpackEncoder({ huffman: true });
    const body1 = Buffer.from([0, 0, 0, 0, 3, 10, 1, 0x41]);
    const body2 = Buffer.from([0, 0, 0, 0, 1, 0x42]);
    socket.write(
      Buffer.concat([
        CONNECTION_PREFACE,
        encodeSettings([]),
        encodeHeaders(1, plain.encode(request("/a.v1.S/One", "H501")), false, 16384),
        encodeData(1, body1, true),
        encodeHeaders(3, huffman.encode(request("/a.v1.S/Two", "F205")), false, 16384),
        encodeData(3, body2, true),
      ]),
    );
    await consumer.until(
      () =>
        consumer.blocks.filter((b) => b.flags & Flag.END_STREAM).length === 2 &&
        consumer.blocks.length === 4 &&
        consumer.data.size === 2,
    );

    // What node:http2's 'stream' event saw.
    expect(seen.map((s) => s.headers[":path"]).sort()).toEqual(["/a.v1.S/One", "/a.v1.S/Two"]);
    for (const s of seen) {
      expect(s.headers[":method"]).toBe("POST");
      expect(s.headers[":scheme"]).toBe("https");
      expect(s.headers[":authority"]).toBe("router.novares.test");
      expect(s.headers["content-type"]).toBe("application/grpc");
      expect(s.headers.te).toBe("trailers");
      expect(s.headers["grpc-timeout"]).toBe("10S");
      expect(s.headers.authorization).toBe("Bearer token-value");
      expect(s.headers["x-large"]).toBe("x".repeat(20_000));
      // Sent as "never indexed" (RFC 7541 §6.2.3): nghttp2 reports it as sensitive.
      const sensitive = (s.headers as unknown as Record<symbol, string[] | undefined>)[sensitiveHeaders];
      expect(sensitive).toContain("authorization");
    }
    const byPath = new Map(seen.map((s) => [s.headers[":path"], s]));
    expect(byPath.get("/a.v1.S/One")!.headers["x-comune-code"]).toBe("H501");
    expect(byPath.get("/a.v1.S/Two")!.headers["x-comune-code"]).toBe("F205");
    expect(byPath.get("/a.v1.S/One")!.body).toEqual(body1);
    expect(byPath.get("/a.v1.S/Two")!.body).toEqual(body2);

    // Its answers, through our decoder: response headers, then trailers with END_STREAM.
    for (const [id, path, body] of [
      [1, "/a.v1.S/One", body1],
      [3, "/a.v1.S/Two", body2],
    ] as const) {
      const [head, trailers] = consumer.blocks.filter((b) => b.streamId === id);
      expect(asObject(head!.headers)).toMatchObject({
        ":status": "200",
        "content-type": "application/grpc",
        "x-served-path": path,
      });
      expect(head!.flags & Flag.END_STREAM).toBe(0);
      expect(trailers!.flags & Flag.END_STREAM).toBe(Flag.END_STREAM);
      const t = asObject(trailers!.headers);
      expect(t["grpc-status"]).toBe("0");
      expect(t["grpc-message"]).toBe("Certificato emesso: più è meglio");
      expect(Buffer.concat(consumer.data.get(id)!)).toEqual(body);
    }
    expect(consumer.octetCut).toEqual(consumer.cut);
  });
});
