/**
 * HPACK, the header compression of HTTP/2 (RFC 7541, https://www.rfc-editor.org/rfc/rfc7541), for
 * the router's frame-level data plane: a decoder with the full dynamic table and Huffman decoding,
 * and an encoder that favours speed over size (static table only, never inserts into the peer's
 * dynamic table, Huffman optional).
 *
 * Header lists are flat arrays `[name0, value0, name1, value1, ...]` of strings: no object per
 * header. Octets map to strings one to one (latin1), as node:http2 does, so a value round-trips
 * byte for byte. Any violation of RFC 7541 throws {@link HpackError}; the connection then answers
 * GOAWAY COMPRESSION_ERROR (RFC 9113 §4.3), except for `kind: "header-list-size"` (below).
 */
import { HUFFMAN_CODES, HUFFMAN_LENGTHS } from "./hpack-huffman-table.js";

/** Flat header list: `[name0, value0, name1, value1, ...]`. */
export type HeaderList = string[];

/**
 * A decoding (or encoding) error. `kind: "compression"`: the block broke RFC 7541 and the decoder's
 * state is no longer shared with the peer: a connection error COMPRESSION_ERROR (RFC 9113 §4.3).
 * `kind: "header-list-size"`: the block was decoded completely (the dynamic table stays in step)
 * but its list exceeds `maxHeaderListSize`: only the stream need be refused (RFC 9113 §10.5.1).
 * `kind: "invalid-header"`: the encoder was given a name or value HTTP/2 cannot carry.
 */
export class HpackError extends Error {
  constructor(
    message: string,
    readonly kind: "compression" | "header-list-size" | "invalid-header" = "compression",
  ) {
    super(message);
    this.name = "HpackError";
  }
}

/** RFC 7541 Appendix A: the static table, flat (index i at [2(i-1)], [2(i-1)+1]). */
const STATIC_TABLE: readonly string[] = [
  ":authority", "", ":method", "GET", ":method", "POST", ":path", "/", ":path", "/index.html",
  ":scheme", "http", ":scheme", "https", ":status", "200", ":status", "204", ":status", "206",
  ":status", "304", ":status", "400", ":status", "404", ":status", "500", "accept-charset", "",
  "accept-encoding", "gzip, deflate", "accept-language", "", "accept-ranges", "", "accept", "",
  "access-control-allow-origin", "", "age", "", "allow", "", "authorization", "", "cache-control", "",
  "content-disposition", "", "content-encoding", "", "content-language", "", "content-length", "",
  "content-location", "", "content-range", "", "content-type", "", "cookie", "", "date", "", "etag", "",
  "expect", "", "expires", "", "from", "", "host", "", "if-match", "", "if-modified-since", "",
  "if-none-match", "", "if-range", "", "if-unmodified-since", "", "last-modified", "", "link", "",
  "location", "", "max-forwards", "", "proxy-authenticate", "", "proxy-authorization", "", "range", "",
  "referer", "", "refresh", "", "retry-after", "", "server", "", "set-cookie", "",
  "strict-transport-security", "", "transfer-encoding", "", "user-agent", "", "vary", "", "via", "",
  "www-authenticate", "",
]; // prettier-ignore
const STATIC_COUNT = STATIC_TABLE.length / 2; // 61

/** RFC 7541 §4.1: an entry's size is its name's and value's octets plus 32. */
const ENTRY_OVERHEAD = 32;
/** The largest integer we accept (RFC 7541 §5.1 leaves the limit to the implementation). */
const MAX_INTEGER = 0x7fffffff;

// ---- Huffman decoding (RFC 7541 §5.2, Appendix B) ----------------------------------------------
// A state machine over 4-bit steps, built once at module load from the code table: the states are
// the 256 internal nodes of the code tree; for (state, nibble) HUFFMAN_STEP holds the next state
// (bits 0-7), the emitted octet (bits 8-15) if bit 16 is set, and bit 17 if the nibble completed EOS.
// The shortest code is 5 bits, so a nibble completes at most one symbol. HUFFMAN_ACCEPT[state] is 1
// where the bits read since the last symbol are a valid end: at most 7 bits, all ones (a prefix of EOS).
const EMIT = 1 << 16;
const FAIL = 1 << 17;
const { HUFFMAN_STEP, HUFFMAN_ACCEPT } = buildHuffmanDecoder();

function buildHuffmanDecoder(): { HUFFMAN_STEP: Int32Array; HUFFMAN_ACCEPT: Uint8Array } {
  // Children of internal node n: child[2n + bit]; >= 0 an internal node, < 0 the leaf -(symbol + 1).
  const child: number[] = [0, 0];
  const depth: number[] = [0];
  const allOnes: boolean[] = [true];
  for (let sym = 0; sym < 257; sym++) {
    const code = HUFFMAN_CODES[sym]!;
    const len = HUFFMAN_LENGTHS[sym]!;
    let node = 0;
    for (let i = len - 1; i >= 0; i--) {
      const bit = (code >>> i) & 1;
      if (i === 0) {
        child[2 * node + bit] = -(sym + 1);
      } else {
        let next = child[2 * node + bit]!;
        if (next === 0) {
          next = depth.length;
          depth.push(depth[node]! + 1);
          allOnes.push(allOnes[node]! && bit === 1);
          child.push(0, 0);
          child[2 * node + bit] = next;
        }
        node = next;
      }
    }
  }
  const states = depth.length; // 256
  const step = new Int32Array(states * 16);
  const accept = new Uint8Array(states);
  for (let s = 0; s < states; s++) {
    accept[s] = allOnes[s]! && depth[s]! <= 7 ? 1 : 0;
    for (let nibble = 0; nibble < 16; nibble++) {
      let node = s;
      let entry = 0;
      for (let i = 3; i >= 0; i--) {
        const next = child[2 * node + ((nibble >>> i) & 1)]!;
        if (next < 0) {
          const sym = -next - 1;
          if (sym === 256) entry |= FAIL;
          else entry |= EMIT | (sym << 8);
          node = 0;
        } else {
          node = next;
        }
      }
      step[s * 16 + nibble] = entry | node;
    }
  }
  return { HUFFMAN_STEP: step, HUFFMAN_ACCEPT: accept };
}

// ---- Decoder ------------------------------------------------------------------------------------

/** Options of {@link createHpackDecoder}. */
export interface HpackDecoderOptions {
  /** The SETTINGS_HEADER_TABLE_SIZE we advertise (default 4096, RFC 9113 §6.5.2). */
  maxTableSize?: number;
  /**
   * The largest header list accepted, counted as RFC 9113 §6.5.2 does (name + value + 32 per field);
   * beyond it decode() throws HpackError kind "header-list-size" (default 64 KiB).
   */
  maxHeaderListSize?: number;
}

/** See the module comment. One decoder per connection direction: it holds the peer's dynamic table. */
export interface HpackDecoder {
  /**
   * Decodes one complete header block (HEADERS + CONTINUATION fragments joined), from `start` to
   * `end` (default: the whole buffer), into a flat header list. Throws {@link HpackError}.
   */
  decode(block: Buffer, start?: number, end?: number): HeaderList;
  /**
   * We changed our SETTINGS_HEADER_TABLE_SIZE (and the peer acknowledged it): the limit for the
   * peer's table size updates. When lower than the table's current size, the next block must start
   * with a size update (RFC 7541 §4.2).
   */
  setMaxTableSize(size: number): void;
  /** The dynamic table's current size in octets (RFC 7541 §4.1). */
  readonly tableSize: number;
}

/** Creates a decoder (RFC 7541 §3, §4, §5, §6). */
export function createHpackDecoder(options: HpackDecoderOptions = {}): HpackDecoder {
  return new Decoder(options.maxTableSize ?? 4096, options.maxHeaderListSize ?? 65536);
}

class Decoder implements HpackDecoder {
  /** Dynamic table, oldest first from `head`; the newest entry is index 62. */
  private names: string[] = [];
  private values: string[] = [];
  private head = 0;
  private size = 0;
  /** The table's maximum size, as last set by a size update (RFC 7541 §4.2). */
  private capacity: number;
  /** The protocol limit (our SETTINGS_HEADER_TABLE_SIZE). */
  private limit: number;
  /** True when the next block must begin with a size update (the limit was lowered below capacity). */
  private updateRequired = false;
  private pos = 0;
  private scratch = Buffer.allocUnsafe(256);

  constructor(
    maxTableSize: number,
    private readonly maxListSize: number,
  ) {
    this.capacity = maxTableSize;
    this.limit = maxTableSize;
  }

  get tableSize(): number {
    return this.size;
  }

  setMaxTableSize(size: number): void {
    this.limit = size;
    if (size < this.capacity) this.updateRequired = true;
  }

  decode(block: Buffer, start = 0, end = block.length): HeaderList {
    const out: string[] = [];
    let listSize = 0;
    let fieldSeen = false;
    this.pos = start;
    if (this.updateRequired && (start >= end || (block[start]! & 0xe0) !== 0x20)) {
      throw new HpackError("a dynamic table size update is required at the start of this block (RFC 7541 §4.2)");
    }
    while (this.pos < end) {
      const b = block[this.pos]!;
      let name: string;
      let value: string;
      if (b & 0x80) {
        // §6.1 Indexed Header Field.
        const index = this.integer(block, end, 7);
        if (index === 0) throw new HpackError("index 0 in an indexed header field (RFC 7541 §6.1)");
        if (index <= STATIC_COUNT) {
          name = STATIC_TABLE[2 * index - 2]!;
          value = STATIC_TABLE[2 * index - 1]!;
        } else {
          const at = this.dynamicPosition(index);
          name = this.names[at]!;
          value = this.values[at]!;
        }
      } else if (b & 0x40) {
        // §6.2.1 Literal Header Field with Incremental Indexing.
        const index = this.integer(block, end, 6);
        name = index === 0 ? this.string(block, end) : this.nameAt(index);
        value = this.string(block, end);
        this.insert(name, value);
      } else if (b & 0x20) {
        // §6.3 Dynamic Table Size Update: only before the first field of a block.
        if (fieldSeen) throw new HpackError("a dynamic table size update after a header field (RFC 7541 §4.2)");
        const size = this.integer(block, end, 5);
        if (size > this.limit) {
          throw new HpackError(`dynamic table size update to ${size} exceeds the limit ${this.limit} (RFC 7541 §6.3)`);
        }
        this.capacity = size;
        this.updateRequired = false;
        this.evict(0);
        continue;
      } else {
        // §6.2.2 without indexing (0000) and §6.2.3 never indexed (0001): both 4-bit prefixes.
        const index = this.integer(block, end, 4);
        name = index === 0 ? this.string(block, end) : this.nameAt(index);
        value = this.string(block, end);
      }
      fieldSeen = true;
      listSize += name.length + value.length + ENTRY_OVERHEAD;
      out.push(name, value);
    }
    if (this.pos !== end) throw new HpackError("truncated header block");
    if (listSize > this.maxListSize) {
      throw new HpackError(`header list of ${listSize} octets exceeds ${this.maxListSize}`, "header-list-size");
    }
    return out;
  }

  /** §5.1 integer with an N-bit prefix, starting at this.pos. */
  private integer(block: Buffer, end: number, prefixBits: number): number {
    const max = (1 << prefixBits) - 1;
    let value = block[this.pos++]! & max;
    if (value < max) return value;
    let shift = 0;
    for (;;) {
      if (this.pos >= end) throw new HpackError("truncated integer (RFC 7541 §5.1)");
      const b = block[this.pos++]!;
      value += (b & 0x7f) * 2 ** shift;
      if (value > MAX_INTEGER) throw new HpackError("integer overflow (RFC 7541 §5.1)");
      if ((b & 0x80) === 0) return value;
      shift += 7;
    }
  }

  /** §5.2 string literal, starting at this.pos. */
  private string(block: Buffer, end: number): string {
    if (this.pos >= end) throw new HpackError("truncated header block: string literal expected");
    const huffman = (block[this.pos]! & 0x80) !== 0;
    const length = this.integer(block, end, 7);
    const start = this.pos;
    if (length > end - start) throw new HpackError("string literal longer than its header block (RFC 7541 §5.2)");
    this.pos = start + length;
    return huffman ? this.huffman(block, start, start + length) : block.toString("latin1", start, start + length);
  }

  private huffman(block: Buffer, start: number, end: number): string {
    // At most 8 output octets per 5 input bits.
    const bound = (((end - start) * 8) / 5 + 1) | 0;
    if (this.scratch.length < bound) this.scratch = Buffer.allocUnsafe(Math.max(bound, this.scratch.length * 2));
    const out = this.scratch;
    let o = 0;
    let state = 0;
    for (let i = start; i < end; i++) {
      const byte = block[i]!;
      let e = HUFFMAN_STEP[(state << 4) | (byte >>> 4)]!;
      if (e & FAIL) throw new HpackError("EOS in a Huffman-coded string (RFC 7541 §5.2)");
      if (e & EMIT) out[o++] = (e >>> 8) & 0xff;
      state = e & 0xff;
      e = HUFFMAN_STEP[(state << 4) | (byte & 0x0f)]!;
      if (e & FAIL) throw new HpackError("EOS in a Huffman-coded string (RFC 7541 §5.2)");
      if (e & EMIT) out[o++] = (e >>> 8) & 0xff;
      state = e & 0xff;
    }
    if (HUFFMAN_ACCEPT[state] !== 1) {
      throw new HpackError("Huffman padding longer than 7 bits or not a prefix of EOS (RFC 7541 §5.2)");
    }
    return out.toString("latin1", 0, o);
  }

  private nameAt(index: number): string {
    if (index <= STATIC_COUNT) return STATIC_TABLE[2 * index - 2]!;
    return this.names[this.dynamicPosition(index)]!;
  }

  /** The array position of dynamic index `index` (62 = newest), or HpackError (RFC 7541 §2.3.3). */
  private dynamicPosition(index: number): number {
    const at = this.names.length - 1 - (index - STATIC_COUNT - 1);
    if (at < this.head) throw new HpackError(`header index ${index} out of range (RFC 7541 §2.3.3)`);
    return at;
  }

  /** §4.4: evict until the new entry fits, then add it (an entry larger than the table empties it). */
  private insert(name: string, value: string): void {
    const entrySize = name.length + value.length + ENTRY_OVERHEAD;
    if (entrySize > this.capacity) {
      this.evict(this.capacity + 1);
      return;
    }
    this.evict(entrySize);
    this.names.push(name);
    this.values.push(value);
    this.size += entrySize;
  }

  /** §4.3/§4.4: drops the oldest entries until `room` more octets fit within the capacity. */
  private evict(room: number): void {
    while (this.size + room > this.capacity && this.head < this.names.length) {
      this.size -= this.names[this.head]!.length + this.values[this.head]!.length + ENTRY_OVERHEAD;
      this.head++;
    }
    if (this.head === this.names.length) {
      this.names.length = 0;
      this.values.length = 0;
      this.head = 0;
    } else if (this.head > 64 && this.head * 2 > this.names.length) {
      this.names.splice(0, this.head);
      this.values.splice(0, this.head);
      this.head = 0;
    }
  }
}

// ---- Encoder ------------------------------------------------------------------------------------

/** Options of {@link createHpackEncoder}. */
export interface HpackEncoderOptions {
  /** Huffman-code a string literal when that makes it shorter (default false: speed over size). */
  huffman?: boolean;
  /** Names sent as "never indexed" literals (RFC 7541 §6.2.3, §7.1.3); default authorization, cookie. */
  sensitive?: ReadonlySet<string>;
}

/** See the module comment. Stateless towards the peer: it never inserts into the peer's table. */
export interface HpackEncoder {
  /** Encodes one header block into a new Buffer. Throws HpackError kind "invalid-header". */
  encode(headers: readonly string[]): Buffer;
  /**
   * Encodes one header block into `target` from `offset`, returning the end offset. `target` must
   * have {@link maxEncodedLength} octets free from `offset`.
   */
  encodeInto(headers: readonly string[], target: Buffer, offset: number): number;
  /**
   * The peer's SETTINGS_HEADER_TABLE_SIZE changed: the next block starts with a dynamic table size
   * update to 0 (we use no dynamic table), which a decoder that lowered its limit expects (RFC 7541 §4.2).
   */
  setMaxTableSize(size: number): void;
}

/** An upper bound of the encoded size of `headers` (literal, no Huffman, plus a size update). */
export function maxEncodedLength(headers: readonly string[]): number {
  let n = 6;
  for (let i = 0; i < headers.length; i++) n += headers[i]!.length + 6;
  return n;
}

/** Creates an encoder (RFC 7541 §6.1, §6.2.2, §6.2.3; §5.2 Huffman when `huffman`). */
export function createHpackEncoder(options: HpackEncoderOptions = {}): HpackEncoder {
  return new Encoder(options.huffman ?? false, options.sensitive ?? DEFAULT_SENSITIVE);
}

const DEFAULT_SENSITIVE: ReadonlySet<string> = new Set([
  "authorization",
  "proxy-authorization",
  "cookie",
  "set-cookie",
]);

/** name → static index of the name's first entry; `name\0value` → static index of the full entry. */
const STATIC_NAME_INDEX = new Map<string, number>();
const STATIC_FIELD_INDEX = new Map<string, Map<string, number>>();
for (let i = STATIC_COUNT; i >= 1; i--) {
  const name = STATIC_TABLE[2 * i - 2]!;
  const value = STATIC_TABLE[2 * i - 1]!;
  STATIC_NAME_INDEX.set(name, i);
  let byValue = STATIC_FIELD_INDEX.get(name);
  if (!byValue) STATIC_FIELD_INDEX.set(name, (byValue = new Map<string, number>()));
  if (value !== "") byValue.set(value, i);
}

class Encoder implements HpackEncoder {
  private sizeUpdatePending = false;
  private tableSizeSetting = 4096;

  constructor(
    private readonly useHuffman: boolean,
    private readonly sensitive: ReadonlySet<string>,
  ) {}

  setMaxTableSize(size: number): void {
    if (size !== this.tableSizeSetting) {
      this.tableSizeSetting = size;
      this.sizeUpdatePending = true;
    }
  }

  encode(headers: readonly string[]): Buffer {
    const buf = Buffer.allocUnsafe(maxEncodedLength(headers));
    return buf.subarray(0, this.encodeInto(headers, buf, 0));
  }

  encodeInto(headers: readonly string[], target: Buffer, offset: number): number {
    let o = offset;
    if (this.sizeUpdatePending) {
      target[o++] = 0x20; // §6.3 size update to 0
      this.sizeUpdatePending = false;
    }
    const n = headers.length & ~1;
    if (n !== headers.length) throw new HpackError("odd-length header list", "invalid-header");
    for (let i = 0; i < n; i += 2) {
      const name = headers[i]!;
      const value = headers[i + 1]!;
      const byValue = STATIC_FIELD_INDEX.get(name);
      if (byValue !== undefined) {
        const full = byValue.get(value);
        if (full !== undefined) {
          target[o++] = 0x80 | full; // §6.1, every static index < 127
          continue;
        }
        checkValue(value);
        // §6.2.2 / §6.2.3 with an indexed name (4-bit prefix).
        o = writeInteger(target, o, this.sensitive.has(name) ? 0x10 : 0x00, 4, STATIC_NAME_INDEX.get(name)!);
      } else {
        checkName(name);
        checkValue(value);
        target[o++] = this.sensitive.has(name) ? 0x10 : 0x00;
        o = this.writeString(target, o, name);
      }
      o = this.writeString(target, o, value);
    }
    return o;
  }

  private writeString(target: Buffer, o: number, s: string): number {
    const len = s.length;
    if (this.useHuffman && len > 0) {
      let bits = 0;
      for (let i = 0; i < len; i++) bits += HUFFMAN_LENGTHS[s.charCodeAt(i)]!;
      const bytes = (bits + 7) >>> 3;
      if (bytes < len) {
        o = writeInteger(target, o, 0x80, 7, bytes);
        return huffmanEncode(s, target, o);
      }
    }
    if (len < 0x7f) {
      target[o++] = len;
    } else {
      o = writeInteger(target, o, 0, 7, len);
    }
    if (len > 16) return o + target.write(s, o, len, "latin1"); // native copy for long values (tokens)
    for (let i = 0; i < len; i++) target[o++] = s.charCodeAt(i);
    return o;
  }
}

/** §5.1: `value` with an N-bit prefix, the first octet's high bits being `high`; returns the end. */
function writeInteger(target: Buffer, o: number, high: number, prefixBits: number, value: number): number {
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    target[o++] = high | value;
    return o;
  }
  target[o++] = high | max;
  value -= max;
  while (value >= 0x80) {
    target[o++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 128);
  }
  target[o++] = value;
  return o;
}

/** §5.2: `s` (latin1) Huffman-coded into `target` from `o`, padded with ones; returns the end. */
function huffmanEncode(s: string, target: Buffer, o: number): number {
  let cur = 0;
  let used = 0; // bits used in cur
  for (let i = 0; i < s.length; i++) {
    const sym = s.charCodeAt(i);
    let code = HUFFMAN_CODES[sym]!;
    let len = HUFFMAN_LENGTHS[sym]!;
    while (len > 0) {
      const room = 8 - used;
      if (len <= room) {
        cur |= code << (room - len);
        used += len;
        len = 0;
        if (used === 8) {
          target[o++] = cur;
          cur = 0;
          used = 0;
        }
      } else {
        len -= room;
        target[o++] = cur | ((code >>> len) & ((1 << room) - 1));
        code &= (1 << len) - 1;
        cur = 0;
        used = 0;
      }
    }
  }
  if (used > 0) target[o++] = cur | (0xff >>> used);
  return o;
}

/** RFC 9113 §8.2.1: a field name is lower-case token characters (a leading ':' for pseudo-headers). */
function checkName(name: string): void {
  if (name.length === 0) throw new HpackError("empty header name", "invalid-header");
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || (c >= 0x41 && c <= 0x5a) || (c === 0x3a && i > 0)) {
      throw new HpackError(
        `header name ${JSON.stringify(name)} is not a lower-case HTTP/2 field name`,
        "invalid-header",
      );
    }
  }
}

/** RFC 9113 §8.2.1: a field value carries no NUL, CR or LF (and, here, only octets: latin1). */
/** What a field value may not carry (RFC 9113 §8.2.1), and characters beyond one octet. */
const forbiddenInValue = /[\0\n\r\u0100-\uffff]/;

function checkValue(value: string): void {
  // One native regular-expression scan: values such as a bearer token run to hundreds of characters.
  if (forbiddenInValue.test(value)) {
    throw new HpackError("header value contains NUL, CR, LF or a non-octet character", "invalid-header");
  }
}
