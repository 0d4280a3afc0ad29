/**
 * The few rules of gRPC over HTTP/2 the router's forwarder applies itself, from the protocol
 * description (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md): the 5-byte
 * Length-Prefixed-Message (compressed flag, 4-byte big-endian length), `grpc-timeout` (at most 8
 * digits and a unit), `grpc-message` percent-encoding, binary (`-bin`) metadata in base64, and the
 * headers that belong to the transport rather than to the call's metadata.
 */
import { Metadata } from "@grpc/grpc-js";

/** Frames one message: flag 0 (not compressed), 4-byte big-endian length, the bytes. */
export function frameMessage(message: Uint8Array): Buffer {
  const framed = Buffer.allocUnsafe(5 + message.length);
  framed[0] = 0;
  framed.writeUInt32BE(message.length, 1);
  framed.set(message, 5);
  return framed;
}

/** One message of a unary body, or why the body is not one message. */
export type UnframedMessage = { message: Buffer } | { problem: "compressed" | "malformed" };

/** Reads the one message of a unary request or response body (`chunks` as they arrived). */
export function unframeMessage(chunks: readonly Buffer[]): UnframedMessage {
  const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  if (body.length < 5) return { problem: "malformed" };
  if (body[0] !== 0) return { problem: body[0] === 1 ? "compressed" : "malformed" };
  const length = body.readUInt32BE(1);
  if (body.length !== 5 + length) return { problem: "malformed" };
  return { message: body.subarray(5) };
}

const timeoutUnits: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1_000, m: 1, u: 0.001, n: 0.000001 };

/** The milliseconds a `grpc-timeout` header grants, or undefined when absent or malformed. */
export function parseGrpcTimeout(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const match = /^(\d{1,8})([HMSmun])$/.exec(value);
  return match ? Number(match[1]) * timeoutUnits[match[2]!]! : undefined;
}

/** A `grpc-timeout` value for `ms` milliseconds (rounded up, so a deadline is never shortened to 0). */
export function formatGrpcTimeout(ms: number): string {
  const millis = Math.max(1, Math.ceil(ms));
  if (millis < 1e8) return `${millis}m`;
  const seconds = Math.ceil(millis / 1000);
  return seconds < 1e8 ? `${seconds}S` : `${Math.min(99_999_999, Math.ceil(seconds / 3600))}H`;
}

/** `grpc-message` encoding: bytes outside printable ASCII, and '%', become %XX of their UTF-8 bytes. */
export function encodeGrpcMessage(message: string): string {
  if (!/[^\x20-\x24\x26-\x7e]/.test(message)) return message;
  let out = "";
  for (const byte of Buffer.from(message, "utf8"))
    out +=
      byte >= 0x20 && byte <= 0x7e && byte !== 0x25
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  return out;
}

/** Decodes a `grpc-message` (invalid escapes are kept as they are, as the protocol asks). */
export function decodeGrpcMessage(value: string | undefined): string {
  if (!value || !value.includes("%")) return value ?? "";
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Headers of the transport or of the gRPC framing: never copied as a call's metadata. */
const transportHeaders = new Set([
  "content-type",
  "te",
  "user-agent",
  "grpc-status",
  "grpc-message",
  "grpc-timeout",
  "grpc-encoding",
  "grpc-accept-encoding",
  "accept-encoding",
  "content-length",
  "date",
]);

/** A call's metadata from received headers or trailers: pseudo-headers and transport headers left out, `-bin` values decoded. */
export function metadataOfHeaders(headers: Record<string, string | string[] | undefined>): Metadata {
  const metadata = new Metadata();
  for (const [key, raw] of Object.entries(headers)) {
    if (raw === undefined || key.startsWith(":") || transportHeaders.has(key)) continue;
    for (const value of Array.isArray(raw) ? raw : key.endsWith("-bin") ? raw.split(",") : [raw])
      metadata.add(key, key.endsWith("-bin") ? Buffer.from(value.trim(), "base64") : value);
  }
  return metadata;
}

/** `metadata` as HTTP/2 headers (`-bin` values in base64, several values joined as the protocol allows). */
export function headersOfMetadata(metadata: Metadata, into: Record<string, string> = {}): Record<string, string> {
  for (const [key, values] of Object.entries(metadata.toHttp2Headers())) {
    if (values === undefined) continue;
    into[key] = Array.isArray(values) ? values.join(",") : String(values);
  }
  return into;
}

/** The gRPC status of an HTTP status that is not 200 (the protocol's mapping table). */
export function statusOfHttp(httpStatus: number): number {
  switch (httpStatus) {
    case 400:
      return 13; // INTERNAL
    case 401:
      return 16; // UNAUTHENTICATED
    case 403:
      return 7; // PERMISSION_DENIED
    case 404:
      return 12; // UNIMPLEMENTED
    case 429:
    case 502:
    case 503:
    case 504:
      return 14; // UNAVAILABLE
    default:
      return 2; // UNKNOWN
  }
}
