/**
 * The little of a request's protobuf encoding the router needs to route it without decoding it:
 * the top-level string fields `comune_code` (field 1 of every Certification and Consultation
 * request) and `idempotency_key` (field 3 of IssueCertificateRequest). Reading walks the top-level
 * fields once, skipping every value by its wire type (nothing is copied or decoded except the string
 * asked for), and follows protobuf's rule that the last occurrence of a singular field wins
 * (https://protobuf.dev/programming-guides/encoding/#last-one-wins). Writing appends one field
 * record, which by the same rule overrides any earlier value: the rest of the message stays
 * byte-for-byte what the caller sent.
 */
import { InvalidDiscoveryInputError } from "./errors.js";

/** The message is not a well-formed protobuf encoding (INVALID_ARGUMENT). */
export class MalformedRequestError extends InvalidDiscoveryInputError {
  constructor(detail: string) {
    super(
      "request",
      `the request is not a well-formed protobuf message (${detail}); send it with a gRPC client generated from the published .proto`,
      "MALFORMED_REQUEST",
    );
  }
}

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

/** Reads a varint at `offset`; returns its value (up to 2^53) and the offset after it. */
function readVarint(bytes: Uint8Array, offset: number): [number, number] {
  let value = 0;
  let factor = 1;
  for (let i = offset; i < bytes.length && i < offset + 10; i++) {
    const byte = bytes[i]!;
    value += (byte & 0x7f) * factor;
    if (byte < 0x80) return [value, i + 1];
    factor *= 128;
  }
  throw new MalformedRequestError("truncated varint");
}

/**
 * The value of the top-level string field `fieldNumber` of the protobuf message `bytes`, or
 * undefined when it is absent. Throws {@link MalformedRequestError} when the encoding is broken or
 * the field does not have the length-delimited wire type.
 */
export function readStringField(bytes: Uint8Array, fieldNumber: number): string | undefined {
  let found: [number, number] | undefined;
  let offset = 0;
  while (offset < bytes.length) {
    const [tag, afterTag] = readVarint(bytes, offset);
    const field = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (field === 0) throw new MalformedRequestError("field number 0");
    switch (wireType) {
      case WIRE_VARINT:
        offset = readVarint(bytes, afterTag)[1];
        break;
      case WIRE_FIXED64:
        offset = afterTag + 8;
        break;
      case WIRE_FIXED32:
        offset = afterTag + 4;
        break;
      case WIRE_LEN: {
        const [length, start] = readVarint(bytes, afterTag);
        offset = start + length;
        if (field === fieldNumber) found = [start, offset];
        break;
      }
      default:
        throw new MalformedRequestError(`unsupported wire type ${wireType}`);
    }
    if (offset > bytes.length) throw new MalformedRequestError("a field runs past the end of the message");
    if (field === fieldNumber && wireType !== WIRE_LEN)
      throw new MalformedRequestError(`field ${fieldNumber} is not a string`);
  }
  if (!found) return undefined;
  return Buffer.from(bytes.buffer, bytes.byteOffset + found[0], found[1] - found[0]).toString("utf8");
}

function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/** `bytes` with the top-level string field `fieldNumber` set to `value` (appended: last one wins). */
export function withStringField(bytes: Uint8Array, fieldNumber: number, value: string): Buffer {
  const encoded = Buffer.from(value, "utf8");
  const head = Buffer.from([...varint(fieldNumber * 8 + WIRE_LEN), ...varint(encoded.length)]);
  return Buffer.concat([bytes, head, encoded]);
}
