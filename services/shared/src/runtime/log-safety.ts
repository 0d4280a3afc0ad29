/**
 * What may reach a log line. Two rules of the project meet here:
 *
 * - Privacy: no codice fiscale and no SOAP envelope (which carries the citizen's name, birth data
 *   and the signed WS-Security header) is ever written to a log. {@link redactText} replaces both in
 *   any string; {@link redactValue} applies it to every string of an object, at any depth.
 * - Readability: an error is logged as its message, code and cause chain ({@link serializeError}),
 *   never as a dump of the library object that carried it. A grpc-js or axios error drags its
 *   metadata, sockets, request config (the whole signed request) and response along; serialising
 *   that either fails ("[unable to serialize, circular reference ...]") or floods the log.
 *
 * The logger (logger.ts) applies both to every line; other code (access logs, audit details, status
 * messages) can call them directly.
 */

/**
 * A personal codice fiscale (16 characters, omocodia letters allowed), as a whole word. Global and
 * case-insensitive: use with `replace`, or reset `lastIndex` before `test`.
 */
export const fiscalCodePattern =
  /\b[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]\b/gi;

/** What a redacted codice fiscale becomes. */
export const fiscalCodePlaceholder = "[codice fiscale]";

/** Strings longer than this are cut (with their length noted): a log line is not a data dump. */
export const maxLoggedStringLength = 2_000;

/** A whole XML document or SOAP envelope, from its prolog or root to its end (or the string's end). */
const xmlDocumentPattern =
  /<\?xml[\s\S]*?(?:<\/(?:[\w.-]+:)?Envelope\s*>|$)|<(?:[\w.-]+:)?Envelope\b[\s\S]*?(?:<\/(?:[\w.-]+:)?Envelope\s*>|$)/gi;
/** Anything still shaped like XML markup after the documents were removed (fragments of a body). */
const xmlFragmentPattern = /<([\w.-]+:)?[\w.-]+(\s[^<>]*)?>[\s\S]*<\/([\w.-]+:)?[\w.-]+\s*>/g;

/**
 * `text` without any codice fiscale or XML document: each codice fiscale becomes
 * {@link fiscalCodePlaceholder}, each envelope or XML fragment `[XML redacted, N characters]`, and
 * the result is cut at {@link maxLoggedStringLength}.
 */
export function redactText(text: string): string {
  // Too short for a codice fiscale (16 characters) and no markup: nothing to redact. Most values of
  // an access-log line (method, code, Comune, instance id) take this path.
  if (text.length < 16 && !text.includes("<")) return text;
  let out = text;
  if (out.length > 50_000) {
    // Too long to scan safely: a log line never needs it, and it may be a whole document.
    return out.includes("<")
      ? `[text with markup redacted, ${out.length} characters]`
      : redactText(out.slice(0, maxLoggedStringLength)) +
          `… [${out.length - maxLoggedStringLength} more characters cut]`;
  }
  if (out.includes("<")) {
    out = out.replace(xmlDocumentPattern, (xml) => `[XML redacted, ${xml.length} characters]`);
    out = out.replace(xmlFragmentPattern, (xml) => `[XML redacted, ${xml.length} characters]`);
  }
  out = out.replace(fiscalCodePattern, fiscalCodePlaceholder);
  if (out.length > maxLoggedStringLength)
    out = `${out.slice(0, maxLoggedStringLength)}… [${out.length - maxLoggedStringLength} more characters cut]`;
  return out;
}

/** True when `text` holds a codice fiscale or a SOAP envelope (for tests and guards). */
export function containsPersonalData(text: string): boolean {
  fiscalCodePattern.lastIndex = 0;
  const found = fiscalCodePattern.test(text) || /<(?:[\w.-]+:)?Envelope\b/i.test(text);
  fiscalCodePattern.lastIndex = 0;
  return found;
}

/** The loggable form of an error: see {@link serializeError}. */
export interface SerializedError {
  /** The class name (`AnprUnavailableError`, `Error`, ...). */
  type: string;
  /** The message, redacted. */
  message: string;
  /** A code when the error has one: a Node error code (`ECONNREFUSED`), or a gRPC status number. */
  code?: string | number;
  /** The gRPC status name (`UNAVAILABLE`) when `code` is a gRPC status. */
  codeName?: string;
  /** A domain error's kind and reason. */
  kind?: string;
  reason?: string;
  /** A domain error's safe metadata, or the HTTP status of a failed HTTP call. */
  metadata?: Record<string, string>;
  status?: number;
  /** Node network details (`connect`, `127.0.0.1`, 50060). */
  syscall?: string;
  address?: string;
  port?: number;
  /** The stack, redacted, without the first line (that is the message). */
  stack?: string;
  /** The cause chain, each link serialised the same way (at most 5 deep). */
  cause?: SerializedError;
  /** The errors of an AggregateError (at most 5). */
  errors?: SerializedError[];
}

const grpcCodeNames = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
];

const isErrorLike = (value: unknown): value is Error =>
  value instanceof Error ||
  (typeof value === "object" &&
    value !== null &&
    typeof (value as Error).message === "string" &&
    typeof (value as Error).name === "string" &&
    "stack" in value);

/** True when `value` already is the output of {@link serializeError}. */
function isSerialized(value: unknown): value is SerializedError {
  return (
    typeof value === "object" &&
    value !== null &&
    !(value instanceof Error) &&
    typeof (value as SerializedError).type === "string" &&
    typeof (value as SerializedError).message === "string"
  );
}

/**
 * The loggable form of any thrown value: message, code (and its gRPC name), a domain error's kind,
 * reason and metadata, network details, the redacted stack and the cause chain. Only these chosen
 * fields are read, so library objects (grpc-js Metadata, axios request config with the signed
 * envelope, sockets) never reach the log, and cycles cannot occur. Non-errors become
 * `{ type: "NonError", message }`. Already serialised values pass through.
 */
export function serializeError(value: unknown, depth = 0): SerializedError {
  if (isSerialized(value)) return value;
  if (!isErrorLike(value)) {
    let message: string;
    if (typeof value === "string") message = value;
    else if (
      typeof value === "object" &&
      value !== null &&
      typeof (value as { message?: unknown }).message === "string"
    )
      message = (value as { message: string }).message;
    else {
      try {
        message = JSON.stringify(value) ?? String(value);
      } catch {
        message = Object.prototype.toString.call(value);
      }
    }
    return { type: "NonError", message: redactText(message) };
  }
  const e = value as Error & Record<string, unknown>;
  const out: SerializedError = {
    type: e.constructor?.name && e.constructor.name !== "Object" ? e.constructor.name : e.name || "Error",
    message: redactText(String(e.message ?? "")),
  };
  // grpc-js client errors put the status message in `details`; the message is "14 UNAVAILABLE: ...".
  const code = e.code;
  if (typeof code === "string" || typeof code === "number") out.code = code;
  const looksGrpc =
    typeof code === "number" && ("metadata" in e || "details" in e || e.name === "RpcError" || "trailers" in e);
  if (looksGrpc && typeof code === "number" && grpcCodeNames[code]) out.codeName = grpcCodeNames[code];
  if (typeof e.kind === "string") out.kind = e.kind;
  if (typeof e.reason === "string") out.reason = e.reason;
  const metadata = e.metadata;
  if (
    metadata &&
    typeof metadata === "object" &&
    !Array.isArray(metadata) &&
    Object.getPrototypeOf(metadata) === Object.prototype
  ) {
    const safe: Record<string, string> = {};
    for (const [k, v] of Object.entries(metadata as Record<string, unknown>))
      if (typeof v === "string") safe[k] = redactText(v);
    if (Object.keys(safe).length > 0) out.metadata = safe;
  }
  const response = e.response as { status?: unknown } | undefined;
  if (typeof e.status === "number") out.status = e.status;
  else if (response && typeof response === "object" && typeof response.status === "number")
    out.status = response.status;
  if (typeof e.syscall === "string") out.syscall = e.syscall;
  if (typeof e.address === "string") out.address = e.address;
  if (typeof e.port === "number") out.port = e.port;
  if (typeof e.stack === "string") {
    const frames = e.stack.split("\n").filter((line) => /^\s+at /.test(line));
    if (frames.length > 0) out.stack = redactText(frames.slice(0, 12).join("\n"));
  }
  if (depth < 5) {
    if (e.cause !== undefined && e.cause !== value) out.cause = serializeError(e.cause, depth + 1);
    if (Array.isArray(e.errors) && e.errors.length > 0)
      out.errors = e.errors.slice(0, 5).map((inner) => serializeError(inner, depth + 1));
  }
  return out;
}

/** The one-line summary of an error and its causes: "message (CODE) ← cause message (CODE)". */
export function describeError(value: unknown): string {
  const parts: string[] = [];
  let current: SerializedError | undefined = serializeError(value);
  while (current && parts.length < 6) {
    const code = current.codeName ?? current.code;
    parts.push(code === undefined ? current.message : `${current.message} (${code})`);
    current = current.cause;
  }
  return parts.join(" ← ");
}

const maxDepth = 6;
const maxKeys = 50;
const maxItems = 50;

/** Options of {@link redactValue}. */
export interface RedactValueOptions {
  /**
   * Keys whose values are replaced by "[redacted]" wherever they appear, at any depth (secrets: a
   * password or token logged by mistake never reaches the log). Compared as written.
   */
  secretKeys?: ReadonlySet<string>;
}

/** What replaces the value of a {@link RedactValueOptions.secretKeys} key. */
export const redactedPlaceholder = "[redacted]";

/**
 * A copy of `value` safe to log: every string through {@link redactText}, every error through
 * {@link serializeError}, buffers as their length, cycles as "[circular]", the values of secret keys
 * replaced, and depth, keys and array items bounded. Plain data passes unchanged otherwise. One walk
 * does all of it (the logger's per-line cost: one access-log line per call).
 */
export function redactValue(value: unknown, options: RedactValueOptions = {}): unknown {
  return redactAt(value, 0, new WeakSet(), options.secretKeys);
}

function redactAt(
  value: unknown,
  depth: number,
  seen: WeakSet<object>,
  secretKeys: ReadonlySet<string> | undefined,
): unknown {
  if (typeof value === "string") return redactText(value);
  if (typeof value === "bigint") return value.toString();
  if (value === null || typeof value !== "object") return value;
  if (isErrorLike(value)) return serializeError(value);
  if (seen.has(value)) return "[circular]";
  if (depth >= maxDepth) return "[too deep]";
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return `[${value.length} bytes]`;
  if (value instanceof Date) return value;
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      const items = value.slice(0, maxItems).map((item) => redactAt(item, depth + 1, seen, secretKeys));
      if (value.length > maxItems) items.push(`[${value.length - maxItems} more items]`);
      return items;
    }
    if (value instanceof Map) return redactAt(Object.fromEntries(value), depth, seen, secretKeys);
    if (value instanceof Set) return redactAt([...value], depth, seen, secretKeys);
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      // A class instance (Metadata, a socket, a client): its name only, never its internals.
      const name = (value as { constructor?: { name?: string } }).constructor?.name ?? "object";
      return `[${name}]`;
    }
    const out: Record<string, unknown> = {};
    let count = 0;
    for (const [key, inner] of Object.entries(value)) {
      if (count++ >= maxKeys) {
        out["…"] = `${Object.keys(value).length - maxKeys} more keys`;
        break;
      }
      out[key] = secretKeys?.has(key) ? redactedPlaceholder : redactAt(inner, depth + 1, seen, secretKeys);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}
