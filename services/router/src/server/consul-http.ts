/**
 * A small Consul HTTP API client for the directory (consul-directory.ts), on Node's fetch: blocking
 * queries (index + wait, stale reads so any server answers), transactions (/v1/txn) and KV writes.
 * It counts the bytes it downloads, which is how `bench/directory-scale` measures what a router
 * fetches per change. Errors carry the HTTP status so callers can tell "gone" from "unreachable".
 */

/** Options of {@link createConsulHttp}. */
export interface ConsulHttpOptions {
  /** `http://host:port` or `https://host:port` of the router's Consul agent (or a server). */
  baseUrl: string;
  /** ACL token (CONSUL_HTTP_TOKEN), sent as X-Consul-Token. */
  token?: string;
  /** Deadline of a non-blocking request (default 10 000 ms). */
  timeoutMs?: number;
}

/** An answer of a read: the body, Consul's X-Consul-Index, and how many bytes came over the wire. */
export interface ConsulRead<T> {
  /** The parsed body; null when it was empty, or left unparsed (see `unchanged`). */
  body: T;
  index: bigint;
  bytes: number;
  /** Milliseconds spent parsing the JSON body (the rest of a read is Consul and the wire; 0 when not parsed). */
  parseMs: number;
  /**
   * A blocking read with `skipUnchanged` whose wait ran out with the index where it was: the body
   * (the same result again) was not parsed and `body` is null.
   */
  unchanged?: boolean;
}

/** A blocking query: past `index`, waiting up to `waitSeconds`. */
export interface ConsulBlocking {
  index: bigint;
  waitSeconds: number;
  /**
   * Do not parse an answer whose index did not move. Consul answers a blocking query whose wait
   * runs out with the whole result again (a province's 322 KB at 16,000 instances, every wait
   * period, for each of 107 provinces): a caller that applies only changes need not parse it.
   */
  skipUnchanged?: boolean;
}

/** A Consul HTTP error (status 0 = no answer at all). */
export class ConsulHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ConsulHttpError";
  }
}

/** One operation of a /v1/txn transaction (Consul's JSON shape: `{KV|Node|Service|Check: {...}}`). */
export interface ConsulTxnOp {
  KV?: unknown;
  Node?: unknown;
  Service?: unknown;
  Check?: unknown;
}

/** Consul caps a transaction at 64 operations. */
export const consulTxnMaxOps = 64;

/** See the module comment. */
export interface ConsulHttp {
  /**
   * GET `path` with `query`; with `blocking`, a blocking query that returns when the result changes
   * past `blocking.index` or after `blocking.waitSeconds`. Aborting `signal` ends it.
   */
  read<T>(
    path: string,
    query?: Record<string, string>,
    blocking?: ConsulBlocking,
    signal?: AbortSignal,
  ): Promise<ConsulRead<T>>;
  /** PUT /v1/txn: every operation or none. */
  txn(ops: readonly ConsulTxnOp[]): Promise<void>;
  /** PUT a raw value at a KV key. */
  kvPut(key: string, value: string): Promise<void>;
  /** DELETE a KV key (absent is fine). */
  kvDelete(key: string): Promise<void>;
  /** Bytes of JSON downloaded by reads so far (after any HTTP compression is undone). */
  readonly bytesDownloaded: number;
}

/** Creates a {@link ConsulHttp}. */
export function createConsulHttp(options: ConsulHttpOptions): ConsulHttp {
  const base = options.baseUrl.replace(/\/$/, "");
  const timeoutMs = options.timeoutMs ?? 10_000;
  // Identity encoding: Consul gzips answers for clients that accept it, and undici's fetch accepts
  // gzip by default. The router talks to its own host's agent, where compressing a province's
  // answer costs Consul CPU and inflating it costs the router more than the bytes would (measured
  // by bench/directory-scale: zlib was the router's largest single cost during registration).
  const headers: Record<string, string> = {
    "Accept-Encoding": "identity",
    ...(options.token ? { "X-Consul-Token": options.token } : {}),
  };
  let bytesDownloaded = 0;

  const indexOf = (res: Response): bigint => {
    const header = res.headers.get("x-consul-index");
    return header && /^\d+$/.test(header) ? BigInt(header) : 0n;
  };

  const request = async (
    method: string,
    path: string,
    query: Record<string, string>,
    body: string | undefined,
    deadlineMs: number,
    signal?: AbortSignal,
    allowNotFound = false,
  ): Promise<{ text: string; index: bigint; bytes: number }> => {
    const url = new URL(base + path);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    // One controller per request, aborted by the deadline or the caller's signal and detached from
    // both when the answer is read: AbortSignal.any/timeout on a long-lived signal (a watch loop's)
    // keep every request's signal reachable from it until that signal goes away.
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal?.reason);
    const timer = setTimeout(() => controller.abort(new Error(`no answer within ${deadlineMs} ms`)), deadlineMs);
    signal?.addEventListener("abort", onAbort, { once: true });
    if (signal?.aborted) onAbort();
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, {
        method,
        headers: body === undefined ? headers : { ...headers, "Content-Type": "application/json" },
        ...(body === undefined ? {} : { body }),
        signal: controller.signal,
      });
      text = await res.text();
    } catch (err) {
      throw new ConsulHttpError(0, `Consul ${method} ${path}: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    }
    const bytes = method === "GET" ? Buffer.byteLength(text) : 0;
    bytesDownloaded += bytes;
    // A KV prefix with no keys answers 404 with a valid index: an empty list for a blocking read.
    if (res.status === 404 && method === "GET" && allowNotFound) return { text: "", index: indexOf(res), bytes };
    if (!res.ok)
      throw new ConsulHttpError(res.status, `Consul ${method} ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
    return { text, index: indexOf(res), bytes };
  };

  return {
    async read<T>(
      path: string,
      query: Record<string, string> = {},
      blocking?: ConsulBlocking,
      signal?: AbortSignal,
    ): Promise<ConsulRead<T>> {
      const q = {
        ...query,
        ...(blocking && blocking.index > 0n ? { index: String(blocking.index), wait: `${blocking.waitSeconds}s` } : {}),
      };
      const deadline = blocking
        ? blocking.waitSeconds * 1000 + (blocking.waitSeconds * 1000) / 16 + timeoutMs
        : timeoutMs;
      const { text, index, bytes } = await request("GET", path, q, undefined, deadline, signal, true);
      if (blocking?.skipUnchanged && blocking.index > 0n && index === blocking.index)
        return { body: null as T, index, bytes, parseMs: 0, unchanged: true };
      const parsing = performance.now();
      const body = (text ? JSON.parse(text) : null) as T;
      return { body, index, bytes, parseMs: performance.now() - parsing };
    },
    async txn(ops) {
      await request("PUT", "/v1/txn", {}, JSON.stringify(ops), timeoutMs);
    },
    async kvPut(key, value) {
      await request("PUT", `/v1/kv/${key}`, {}, value, timeoutMs);
    },
    async kvDelete(key) {
      await request("DELETE", `/v1/kv/${key}`, {}, undefined, timeoutMs);
    },
    get bytesDownloaded() {
      return bytesDownloaded;
    },
  };
}
