/**
 * The keys that verify tobacconists' SSO tokens, as a set that can rotate: the identity provider
 * publishes a JWK Set (RFC 7517 §5) at a URL (OpenID Connect's `jwks_uri`), several keys at once,
 * each named by `kid`; tokens name the key that signed them in their JOSE header (RFC 7515 §4.1.4).
 * The gateway and every Novabox hold one of these instead of a single pasted key, so a new key
 * published by the provider is accepted everywhere without touching ~7,900 boxes, and a key the
 * provider withdrew stops being accepted at the next refresh.
 *
 * - A token whose `kid` is not in the set makes the set re-fetch the URL at once, but no more often
 *   than `minRefetchIntervalMs` (so forged tokens with random kids cannot make us hammer the
 *   provider); the set is also refreshed every `refreshIntervalMs`.
 * - When a fetch fails (network, HTTP status, not a JWK Set), the last good set stays in use and
 *   {@link SsoKeySet.status} says so (stale, with the error), for health endpoints and logs.
 * - Static sources (an uploaded JWK Set, or one PEM key as before) never fetch.
 *
 * Only public keys usable for signatures are taken (RSA, EC P-256, Ed25519; `use` absent or "sig").
 */
import { createPublicKey, type JsonWebKey, type KeyObject } from "node:crypto";
import { DomainError } from "../runtime/domain-error.js";
import { algorithmForKey, type SsoAlgorithm } from "./sso-token.js";

/** Where the keys come from. */
export type SsoKeySource =
  /** A JWKS URL (https, or http on loopback for development), fetched and refreshed. */
  | { kind: "jwks-url"; url: string }
  /** An uploaded JWK Set (JSON text). */
  | { kind: "jwks"; json: string }
  /** One PEM public key (the former single-key setting); it matches any `kid`. */
  | { kind: "pem"; pem: string };

/** One verification key. */
export interface SsoKey {
  kid: string | undefined;
  key: KeyObject;
  algorithm: SsoAlgorithm;
}

/** What {@link SsoKeySet.status} reports. */
export interface SsoKeySetStatus {
  source: SsoKeySource["kind"];
  /** The `kid`s in use (empty string for a key without one). */
  kids: string[];
  /** When the keys in use were loaded. */
  loadedAt: Date | undefined;
  /** True when the last fetch failed and an older set is in use (or none at all). */
  stale: boolean;
  /** The last fetch problem, when stale. */
  lastError: string | undefined;
}

/** Options of {@link createSsoKeySet}. */
export interface SsoKeySetOptions {
  source: SsoKeySource;
  /** Default: global fetch. */
  fetch?: (
    url: string,
    init: { signal: AbortSignal; headers: Record<string, string> },
  ) => Promise<{ ok: boolean; status: number; text(): Promise<string> }>;
  clock?: () => Date;
  /** Periodic refresh of a URL source (default 300 000 ms). */
  refreshIntervalMs?: number;
  /** Least time between two fetches triggered by unknown `kid`s (default 30 000 ms). */
  minRefetchIntervalMs?: number;
  /** Deadline of one fetch (default 5 000 ms). */
  fetchTimeoutMs?: number;
  /**
   * Also fetch a URL source every `refreshIntervalMs` on a timer (unref'd), not only when a token
   * arrives, so health reports a JWKS that stopped answering even when no one signs in. Stop it with
   * {@link SsoKeySet.close}. Default false.
   */
  background?: boolean;
  /** Told about each fetch outcome (logs). */
  onFetch?: (outcome: { ok: true; kids: string[] } | { ok: false; error: string }) => void;
}

/** The rotating key set. */
export interface SsoKeySet {
  /**
   * The key named `kid` (a token's header), fetching the set again when it is unknown (rate
   * limited); undefined when the set has no such key. A PEM source answers its key for any kid.
   * A token without `kid` gets the only key of a one-key set.
   */
  keyFor(kid: string | undefined): Promise<SsoKey | undefined>;
  status(): SsoKeySetStatus;
  /** Fetches a URL source now (startup, tests); resolves when done (never rejects). */
  refresh(): Promise<void>;
  /** Stops the background refresh, if any. */
  close(): void;
}

/** The key set's configuration is unusable (INVALID_ARGUMENT when it comes from a request). */
export class SsoKeySetError extends DomainError {
  constructor(
    message: string,
    reason: "SSO_JWKS_INVALID" | "SSO_JWKS_URL_INVALID" | "SSO_KEY_UNREADABLE",
    cause?: unknown,
  ) {
    super("invalid-input", message, { reason, cause });
  }
}

/** Parses a JWK Set (JSON text) into its usable signature keys. Throws {@link SsoKeySetError}. */
export function parseJwks(json: string): SsoKey[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    throw new SsoKeySetError('the SSO key set is not JSON: expected a JWK Set {"keys":[...]}', "SSO_JWKS_INVALID", err);
  }
  const keys = (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys))
    throw new SsoKeySetError(
      'the SSO key set has no "keys" array: expected a JWK Set {"keys":[...]}',
      "SSO_JWKS_INVALID",
    );
  const usable: SsoKey[] = [];
  for (const jwk of keys as Record<string, unknown>[]) {
    if (typeof jwk !== "object" || jwk === null) continue;
    if (jwk.use !== undefined && jwk.use !== "sig") continue;
    if ("d" in jwk)
      throw new SsoKeySetError("the SSO key set contains a PRIVATE key: publish only public keys", "SSO_JWKS_INVALID");
    let key: KeyObject;
    try {
      key = createPublicKey({ key: jwk as JsonWebKey, format: "jwk" });
    } catch {
      continue;
    }
    const algorithm = algorithmForKey(key);
    if (!algorithm) continue;
    if (typeof jwk.alg === "string" && jwk.alg !== algorithm) continue;
    usable.push({ kid: typeof jwk.kid === "string" ? jwk.kid : undefined, key, algorithm });
  }
  if (usable.length === 0)
    throw new SsoKeySetError(
      "the SSO key set has no usable signature key (RSA, EC P-256 or Ed25519 public keys)",
      "SSO_JWKS_INVALID",
    );
  return usable;
}

/** Checks a JWKS URL: https, or http only on a loopback host (development). Throws {@link SsoKeySetError}. */
export function validateJwksUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw new SsoKeySetError(
      `"${url}" is not a URL: give the SSO's JWKS address, e.g. https://sso.novares.it/.well-known/jwks.json`,
      "SSO_JWKS_URL_INVALID",
    );
  }
  const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(parsed.hostname);
  if (parsed.protocol !== "https:" && !(parsed.protocol === "http:" && loopback)) {
    throw new SsoKeySetError(
      "the SSO's JWKS URL must use https (http only on 127.0.0.1/localhost, for development)",
      "SSO_JWKS_URL_INVALID",
    );
  }
  return parsed.toString();
}

/** Creates the {@link SsoKeySet}. Throws {@link SsoKeySetError} for an unusable static source or URL. */
export function createSsoKeySet(options: SsoKeySetOptions): SsoKeySet {
  const clock = options.clock ?? (() => new Date());
  const source = options.source;
  const refreshIntervalMs = options.refreshIntervalMs ?? 300_000;
  const minRefetchIntervalMs = options.minRefetchIntervalMs ?? 30_000;
  const fetchTimeoutMs = options.fetchTimeoutMs ?? 5_000;
  const doFetch = options.fetch ?? ((url, init) => fetch(url, init));

  let keys: SsoKey[] = [];
  let loadedAt: Date | undefined;
  let lastError: string | undefined;
  let lastFetchAt = 0;
  let inFlight: Promise<void> | undefined;

  if (source.kind === "pem") {
    let key: KeyObject;
    try {
      key = createPublicKey(source.pem);
    } catch (err) {
      throw new SsoKeySetError("the SSO public key is not a readable PEM public key", "SSO_KEY_UNREADABLE", err);
    }
    const algorithm = algorithmForKey(key);
    if (!algorithm)
      throw new SsoKeySetError(
        `the SSO public key is a ${key.asymmetricKeyType ?? "unknown"} key; use an RSA, P-256 or Ed25519 public key`,
        "SSO_KEY_UNREADABLE",
      );
    keys = [{ kid: undefined, key, algorithm }];
    loadedAt = clock();
  } else if (source.kind === "jwks") {
    keys = parseJwks(source.json);
    loadedAt = clock();
  } else {
    validateJwksUrl(source.url);
  }

  const fetchNow = (): Promise<void> => {
    if (source.kind !== "jwks-url") return Promise.resolve();
    inFlight ??= (async () => {
      lastFetchAt = clock().getTime();
      try {
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), fetchTimeoutMs);
        let text: string;
        try {
          const response = await doFetch(source.url, {
            signal: controller.signal,
            headers: { Accept: "application/jwk-set+json, application/json" },
          });
          if (!response.ok) throw new Error(`the SSO key set answered HTTP ${response.status}`);
          text = await response.text();
        } finally {
          clearTimeout(timer);
        }
        keys = parseJwks(text);
        loadedAt = clock();
        lastError = undefined;
        options.onFetch?.({ ok: true, kids: keys.map((k) => k.kid ?? "") });
      } catch (err) {
        lastError = `${source.url}: ${err instanceof Error ? err.message : String(err)}`;
        options.onFetch?.({ ok: false, error: lastError });
      }
    })().finally(() => (inFlight = undefined));
    return inFlight;
  };

  /** A URL source is re-fetched every refreshIntervalMs, or (while it has never loaded) every minRefetchIntervalMs. */
  const dueForRefresh = () =>
    source.kind === "jwks-url" &&
    clock().getTime() - lastFetchAt >= (loadedAt ? refreshIntervalMs : minRefetchIntervalMs);
  /** Fetches now, unless one happened within minRefetchIntervalMs (then waits for a fetch in flight, if any). */
  const fetchLimited = async () => {
    if (clock().getTime() - lastFetchAt >= minRefetchIntervalMs) await fetchNow();
    else await inFlight;
  };
  const find = (kid: string | undefined): SsoKey | undefined => {
    if (source.kind === "pem") return keys[0];
    if (kid === undefined) return keys.length === 1 ? keys[0] : undefined;
    return keys.find((k) => k.kid === kid);
  };

  const timer =
    options.background && source.kind === "jwks-url"
      ? setInterval(() => void fetchNow(), refreshIntervalMs)
      : undefined;
  timer?.unref();

  return {
    async keyFor(kid) {
      if (dueForRefresh()) await fetchNow();
      const found = find(kid);
      if (found || source.kind !== "jwks-url") return found;
      await fetchLimited();
      return find(kid);
    },
    status() {
      return {
        source: source.kind,
        kids: keys.map((k) => k.kid ?? ""),
        loadedAt,
        stale: source.kind === "jwks-url" && (lastError !== undefined || loadedAt === undefined),
        lastError,
      };
    },
    refresh: fetchNow,
    close() {
      if (timer) clearInterval(timer);
    },
  };
}
