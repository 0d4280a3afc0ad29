/**
 * HPACK (services/router/src/server/h2/hpack.ts) against RFC 7541's own test vectors (Appendix C,
 * https://www.rfc-editor.org/rfc/rfc7541#appendix-C) and malformed input; the decoder against
 * nghttp2's real output is in h2-peer.test.ts.
 */
import { describe, expect, it } from "@jest/globals";
import { createHpackDecoder, createHpackEncoder, HpackError } from "../src/server/h2/hpack.js";

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");

function expectHpackError(fn: () => unknown, kind: HpackError["kind"], message: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(HpackError);
  expect((caught as HpackError).kind).toBe(kind);
  expect((caught as HpackError).message).toMatch(message);
}

describe("HPACK decoder: RFC 7541 Appendix C", () => {
  it("C.2: the four field representations, one block each", () => {
    const d = createHpackDecoder();
    expect(d.decode(hex("400a637573746f6d2d6b65790d637573746f6d2d686561646572"))).toEqual([
      "custom-key",
      "custom-header",
    ]);
    expect(d.tableSize).toBe(55);
    expect(d.decode(hex("040c2f73616d706c652f70617468"))).toEqual([":path", "/sample/path"]);
    expect(d.decode(hex("100870617373776f726406736563726574"))).toEqual(["password", "secret"]);
    expect(d.decode(hex("82"))).toEqual([":method", "GET"]);
    // Neither without-indexing nor never-indexed literals entered the table.
    expect(d.tableSize).toBe(55);
    expect(d.decode(hex("be"))).toEqual(["custom-key", "custom-header"]);
  });

  const requests = [
    [":method", "GET", ":scheme", "http", ":path", "/", ":authority", "www.example.com"],
    [":method", "GET", ":scheme", "http", ":path", "/", ":authority", "www.example.com", "cache-control", "no-cache"],
    [
      ":method", "GET", ":scheme", "https", ":path", "/index.html", ":authority", "www.example.com",
      "custom-key", "custom-value",
    ],
  ]; // prettier-ignore

  it("C.3: three requests without Huffman share one dynamic table", () => {
    const d = createHpackDecoder();
    const blocks = [
      "828684410f7777772e6578616d706c652e636f6d",
      "828684be58086e6f2d6361636865",
      "828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565",
    ];
    const sizes = [57, 110, 164];
    blocks.forEach((block, i) => {
      expect(d.decode(hex(block))).toEqual(requests[i]);
      expect(d.tableSize).toBe(sizes[i]);
    });
  });

  it("C.4: the same requests with Huffman-coded literals", () => {
    const d = createHpackDecoder();
    const blocks = [
      "828684418cf1e3c2e5f23a6ba0ab90f4ff",
      "828684be5886a8eb10649cbf",
      "828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf",
    ];
    const sizes = [57, 110, 164];
    blocks.forEach((block, i) => {
      expect(d.decode(hex(block))).toEqual(requests[i]);
      expect(d.tableSize).toBe(sizes[i]);
    });
  });

  const responses = [
    [
      ":status", "302", "cache-control", "private", "date", "Mon, 21 Oct 2013 20:13:21 GMT",
      "location", "https://www.example.com",
    ],
    [
      ":status", "307", "cache-control", "private", "date", "Mon, 21 Oct 2013 20:13:21 GMT",
      "location", "https://www.example.com",
    ],
    [
      ":status", "200", "cache-control", "private", "date", "Mon, 21 Oct 2013 20:13:22 GMT",
      "location", "https://www.example.com", "content-encoding", "gzip",
      "set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1",
    ],
  ]; // prettier-ignore

  it("C.5: responses with a 256-octet table evict the oldest entries", () => {
    const d = createHpackDecoder({ maxTableSize: 256 });
    const blocks = [
      "4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a323120474d546e1768747470733a2f2f7777772e6578616d706c652e636f6d",
      "4803333037c1c0bf",
      "88c1611d4d6f6e2c203231204f637420323031332032303a31333a323220474d54c05a04677a69707738666f6f3d4153444a4b48514b425a584f5157454f50495541585157454f49553b206d61782d6167653d333630303b2076657273696f6e3d31",
    ];
    const sizes = [222, 222, 215];
    blocks.forEach((block, i) => {
      expect(d.decode(hex(block))).toEqual(responses[i]);
      expect(d.tableSize).toBe(sizes[i]);
    });
    // After C.5.3 the table holds set-cookie (62), content-encoding (63), date (64) only.
    expect(d.decode(hex("bebfc0"))).toEqual([
      "set-cookie",
      "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1",
      "content-encoding",
      "gzip",
      "date",
      "Mon, 21 Oct 2013 20:13:22 GMT",
    ]);
    expectHpackError(() => d.decode(hex("c1")), "compression", /index 65 out of range/);
  });

  it("C.6: the same responses with Huffman-coded literals", () => {
    const d = createHpackDecoder({ maxTableSize: 256 });
    const blocks = [
      "488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97c8e9ae82ae43d3",
      "4883640effc1c0bf",
      "88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007",
    ];
    const sizes = [222, 222, 215];
    blocks.forEach((block, i) => {
      expect(d.decode(hex(block))).toEqual(responses[i]);
      expect(d.tableSize).toBe(sizes[i]);
    });
  });

  it("decodes a block in the middle of a larger buffer (start, end)", () => {
    const d = createHpackDecoder();
    const buf = Buffer.concat([hex("ffff"), hex("828684418cf1e3c2e5f23a6ba0ab90f4ff"), hex("ff")]);
    expect(d.decode(buf, 2, buf.length - 1)).toEqual(requests[0]);
  });
});

describe("HPACK decoder: dynamic table size updates (RFC 7541 §4.2, §6.3)", () => {
  it("accepts updates up to the SETTINGS limit at the start of a block and evicts", () => {
    const d = createHpackDecoder();
    d.decode(hex("400a637573746f6d2d6b65790d637573746f6d2d686561646572"));
    expect(d.tableSize).toBe(55);
    // 0x3f e1 1f = 31 + 0x61 + 0x1f * 128 = 4096 (the limit), then 0x20 = 0: the table empties.
    expect(d.decode(hex("3fe11f20 82"))).toEqual([":method", "GET"]);
    expect(d.tableSize).toBe(0);
    expectHpackError(() => d.decode(hex("be")), "compression", /out of range/);
  });

  it("rejects an update beyond the limit, and one after a field", () => {
    expectHpackError(() => createHpackDecoder().decode(hex("3fe21f")), "compression", /4097 exceeds the limit 4096/);
    expectHpackError(() => createHpackDecoder().decode(hex("8220")), "compression", /after a header field/);
  });

  it("requires an update after our limit was lowered below the table's size", () => {
    const d = createHpackDecoder();
    d.setMaxTableSize(100);
    expectHpackError(() => d.decode(hex("82")), "compression", /size update is required/);
    expect(d.decode(hex("3f45 82"))).toEqual([":method", "GET"]); // update to 100
    expect(d.decode(hex("82"))).toEqual([":method", "GET"]);
  });
});

describe("HPACK decoder: malformed input is a typed error", () => {
  it("Huffman: EOS, padding longer than 7 bits, padding not all ones", () => {
    // Literal without indexing, new name "a" (Huffman 'a' = 00011 padded with 111 = 0x1f), then the value.
    const withValue = (h: string) => hex("00 81 1f" + h);
    expect(createHpackDecoder().decode(withValue("81 1f"))).toEqual(["a", "a"]);
    expectHpackError(() => createHpackDecoder().decode(withValue("81 18")), "compression", /padding/); // 00011 000
    expectHpackError(() => createHpackDecoder().decode(withValue("82 1fff")), "compression", /padding/); // 8+ ones
    expectHpackError(() => createHpackDecoder().decode(withValue("84 ffffffff")), "compression", /EOS/);
  });

  it("integer overflow, index 0, index out of range, truncation", () => {
    expectHpackError(() => createHpackDecoder().decode(hex("ff ffffffff0f")), "compression", /overflow/);
    expectHpackError(() => createHpackDecoder().decode(hex("ff80")), "compression", /truncated integer/);
    expectHpackError(() => createHpackDecoder().decode(hex("80")), "compression", /index 0/);
    expectHpackError(() => createHpackDecoder().decode(hex("be")), "compression", /index 62 out of range/);
    expectHpackError(() => createHpackDecoder().decode(hex("7f00")), "compression", /index 63 out of range/);
    expectHpackError(
      () => createHpackDecoder().decode(hex("0405 2f61")),
      "compression",
      /longer than its header block/,
    );
    expectHpackError(() => createHpackDecoder().decode(hex("04")), "compression", /truncated header block/);
  });

  it("a list over maxHeaderListSize is refused after the whole block, with the table in step", () => {
    const d = createHpackDecoder({ maxHeaderListSize: 60 });
    // custom-key: custom-header (55 octets) then :method GET (42): 97 > 60, but both were decoded.
    expectHpackError(
      () => d.decode(hex("400a637573746f6d2d6b65790d637573746f6d2d686561646572 82")),
      "header-list-size",
      /97 octets exceeds 60/,
    );
    expect(d.tableSize).toBe(55);
    expect(d.decode(hex("be"))).toEqual(["custom-key", "custom-header"]);
  });
});

describe("HPACK encoder", () => {
  it("uses the static table for gRPC's common fields and literals otherwise", () => {
    const e = createHpackEncoder();
    const block = e.encode([
      ":status", "200", "content-type", "application/grpc", "grpc-status", "0", ":method", "POST",
    ]); // prettier-ignore
    expect(block.toString("hex")).toBe(
      "88" + // :status 200, index 8
        "0f10" +
        "10" +
        Buffer.from("application/grpc").toString("hex") + // content-type is index 31 = 15 + 16
        "00" +
        "0b" +
        Buffer.from("grpc-status").toString("hex") +
        "01" +
        "30" + // new name, no indexing
        "83", // :method POST
    );
    expect(createHpackDecoder().decode(block)).toEqual([
      ":status", "200", "content-type", "application/grpc", "grpc-status", "0", ":method", "POST",
    ]); // prettier-ignore
  });

  it("sends sensitive names never-indexed (RFC 7541 §6.2.3)", () => {
    const block = createHpackEncoder().encode(["authorization", "Bearer x", "x-token", "y"]);
    expect(block[0]).toBe(0x1f); // 0001 + index 23 (15 + 8)
    expect(block[1]).toBe(0x08);
    const custom = createHpackEncoder({ sensitive: new Set(["x-token"]) }).encode(["x-token", "y"]);
    expect(custom[0]).toBe(0x10);
  });

  it("Huffman-codes literals when shorter: RFC 7541 C.4.1's www.example.com", () => {
    const block = createHpackEncoder({ huffman: true }).encode([":authority", "www.example.com"]);
    expect(block.toString("hex")).toBe("01" + "8cf1e3c2e5f23a6ba0ab90f4ff");
    // Every octet value round-trips through the Huffman coder (the long 20-30 bit codes too).
    const all = String.fromCharCode(
      ...Array.from({ length: 256 }, (_, i) => i).filter((c) => c !== 0 && c !== 10 && c !== 13),
    );
    const headers = ["x-all", all, "x-text", "grpc-message: Comune non trovato %C3%A8".repeat(20)];
    const d = createHpackDecoder();
    expect(d.decode(createHpackEncoder({ huffman: true }).encode(headers))).toEqual(headers);
    expect(d.decode(createHpackEncoder().encode(headers))).toEqual(headers);
  });

  it("writes long lengths with multi-octet integers and into a caller's buffer", () => {
    const value = "v".repeat(1337);
    const e = createHpackEncoder();
    const target = Buffer.alloc(2000);
    const end = e.encodeInto(["x-long", value], target, 10);
    expect(createHpackDecoder().decode(target, 10, end)).toEqual(["x-long", value]);
    // 1337 with a 7-bit prefix: 7f, then 1337 - 127 = 1210 = 0x4ba → ba 09
    expect(target.subarray(10 + 1 + 1 + 6, 10 + 1 + 1 + 6 + 3).toString("hex")).toBe("7fba09");
  });

  it("starts the next block with a size update to 0 after the peer's table size changed", () => {
    const e = createHpackEncoder();
    e.setMaxTableSize(4096);
    expect(e.encode([":status", "200"]).toString("hex")).toBe("88");
    e.setMaxTableSize(0);
    expect(e.encode([":status", "200"]).toString("hex")).toBe("2088");
    expect(e.encode([":status", "200"]).toString("hex")).toBe("88");
  });

  it("rejects values with CR, LF or NUL and names HTTP/2 cannot carry", () => {
    const e = createHpackEncoder();
    expectHpackError(() => e.encode(["x-a", "a\r\nx-injected: 1"]), "invalid-header", /CR, LF/);
    expectHpackError(() => e.encode(["x-a", "a\0"]), "invalid-header", /NUL/);
    expectHpackError(() => e.encode(["content-type", "a\n"]), "invalid-header", /LF/);
    expectHpackError(() => e.encode(["X-Upper", "a"]), "invalid-header", /lower-case/);
    expectHpackError(() => e.encode(["x a", "a"]), "invalid-header", /lower-case/);
    expectHpackError(() => e.encode(["x-a"]), "invalid-header", /odd-length/);
  });
});
