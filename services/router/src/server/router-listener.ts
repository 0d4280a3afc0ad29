/**
 * The router's one port, on `node:http2` (mutual TLS in the mesh): forwarded calls (Certification,
 * Consultation, Alert) are served by the raw forwarder (http2-forwarder.ts), which costs a fraction
 * of a grpc-js hop; every other stream — Discovery, the audit witness, health, reflection, and any
 * unknown path — is relayed, headers, messages, trailers and resets as they are, to the router's
 * grpc-js server, which keeps serving them exactly as before.
 *
 * That grpc-js server has no socket of its own: each client connection that needs it gets an
 * in-process connection (a pair of streams, no port, no file) injected into the server with
 * grpc-js's connection injector, so nothing outside this process can reach it. What grpc-js would
 * have read from the TLS socket — the peer address and the client certificate the handshake
 * verified, which DiscoveryService checks on Announce and Withdraw — is handed over with a random
 * per-connection token in the `x-novares-mesh-peer` header: the listener removes any copy a
 * client sent and sets its own, and {@link PeerHandoff.interceptor} (the innermost interceptor of
 * the grpc-js server) swaps the token for the peer's address and certificate and removes the
 * header before anything else sees the call — the pattern of Envoy's `x-forwarded-client-cert`
 * with SANITIZE_SET, minus the serialization, since both ends share one process.
 */
import { randomBytes } from "node:crypto";
import {
  connect,
  constants,
  createSecureServer,
  createServer,
  type ClientHttp2Session,
  type Http2SecureServer,
  type Http2Session,
  type Http2Server,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from "node:http2";
import { Duplex } from "node:stream";
import type { PeerCertificate } from "node:tls";
import { TLSSocket } from "node:tls";
import {
  ResponderBuilder,
  ServerCredentials,
  ServerInterceptingCall,
  ServerListenerBuilder,
  type Server,
  type ServerInterceptor,
} from "@grpc/grpc-js";
import type { Log } from "#shared/runtime/log.js";
import type { Http2Forwarder } from "./http2-forwarder.js";

/**
 * A client connection's in-process connection to the grpc-js server. It is closed only once its
 * relayed streams are done: a GOAWAY right behind a stream's HEADERS made grpc-js's session close
 * and announce that stream destroyed, and grpc-js answering it threw (the router exited).
 */
interface InternalConnection {
  internal: ClientHttp2Session;
  token: string;
  /** Relayed streams not closed yet. */
  open: number;
  /** The client's connection is gone: close once `open` is 0. */
  closing: boolean;
}

/** The header carrying the per-connection peer token to the in-process grpc-js server. */
export const meshPeerHeader = "x-novares-mesh-peer";

interface Peer {
  address: string;
  certificate: PeerCertificate | undefined;
}

/** Hands a relayed call's peer (address, verified certificate) to the in-process grpc-js server. */
export interface PeerHandoff {
  /** For the grpc-js server's interceptors, first in the list (closest to the transport). */
  readonly interceptor: ServerInterceptor;
  /** Registers a connection's peer; returns its token. */
  register(peer: Peer): string;
  forget(token: string): void;
}

/** Creates an empty {@link PeerHandoff}. */
export function createPeerHandoff(): PeerHandoff {
  const peers = new Map<string, Peer>();
  const interceptor: ServerInterceptor = (_method, call) => {
    let peer: Peer | undefined;
    const wrapped = new ServerInterceptingCall(
      call,
      new ResponderBuilder()
        .withStart((next) =>
          next(
            new ServerListenerBuilder()
              .withOnReceiveMetadata((metadata, nextMetadata) => {
                const token = metadata.get(meshPeerHeader)[0];
                metadata.remove(meshPeerHeader);
                peer = typeof token === "string" ? peers.get(token) : undefined;
                nextMetadata(metadata);
              })
              .build(),
          ),
        )
        .build(),
    );
    // Without a known token (impossible through the listener) the call has no peer and no certificate: identity checks fail closed.
    wrapped.getPeer = () => peer?.address ?? "unknown";
    wrapped.getAuthContext = () =>
      peer?.certificate ? { transportSecurityType: "ssl", sslPeerCertificate: peer.certificate } : {};
    return wrapped;
  };
  return {
    interceptor,
    register(peer) {
      const token = randomBytes(16).toString("hex");
      peers.set(token, peer);
      return token;
    },
    forget: (token) => void peers.delete(token),
  };
}

/** One end of an in-process connection: what one end writes, the other reads (with backpressure). */
export class PairedStream extends Duplex {
  other!: PairedStream;
  private resumeWriter: (() => void) | undefined;

  override _read(): void {
    const resume = this.other.resumeWriter;
    this.other.resumeWriter = undefined;
    resume?.();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.other.push(chunk)) callback();
    else this.resumeWriter = () => callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.other.push(null);
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // The other end reads what it was sent, then the end of the stream, then closes: destroying it
    // at once could destroy a stream its session had read but not yet announced (grpc-js then
    // answered a destroyed stream, which threw: the router exited).
    if (!this.other.destroyed) {
      this.other.push(null);
      if (!this.other.writableEnded) this.other.end();
    }
    callback(error);
  }
}

/** An in-process connection: two paired streams (what one end writes, the other reads). */
export function streamPair(): [PairedStream, PairedStream] {
  const a = new PairedStream();
  const b = new PairedStream();
  a.other = b;
  b.other = a;
  return [a, b];
}

/** Options of {@link startRouterListener}. */
export interface RouterListenerOptions {
  host: string;
  port: number;
  /** Mutual TLS (the mesh PKI, reloaded when it changes); omitted = plaintext (development only). */
  tls?: {
    material(): { ca: Buffer; certificate: Buffer; privateKey: Buffer };
    onChange(listener: () => void): () => void;
  };
  forwarder: Http2Forwarder;
  /** The grpc-js server of every other service (its interceptors start with `handoff.interceptor`). */
  grpc: Server;
  handoff: PeerHandoff;
  logger: Pick<Log, "info" | "warn">;
}

/** A listening router port. */
export interface RouterListener {
  readonly port: number;
  /** Stops accepting connections, lets open streams finish for up to `graceMs`, then closes the rest. */
  close(graceMs: number): Promise<void>;
}

const noop = () => {};
/** How long a relayed call the client reset may wait for grpc-js's answer before it is cancelled anyway. */
const cancelGraceMs = 5_000;
/** Request headers never relayed to the in-process grpc-js server (hop-by-hop, and the peer token a client may have forged). */
export const hopHeaders: ReadonlySet<string> = new Set([
  meshPeerHeader,
  "connection",
  "keep-alive",
  "transfer-encoding",
  "upgrade",
  "http2-settings",
  // The relay re-frames the body: the client's length is checked on the client's stream (RFC 9113
  // §8.1.1) and not repeated to grpc-js, whose node:http2 reset a mismatch in the same read as the
  // HEADERS, before grpc-js saw the stream (grpc-js then threw: the router exited).
  "content-length",
]);

/** Binds the router's port (see the module comment). */
export async function startRouterListener(options: RouterListenerOptions): Promise<RouterListener> {
  const { tls, forwarder, handoff } = options;
  const secureOptions = () => {
    const material = tls!.material();
    return { ca: material.ca, cert: material.certificate, key: material.privateKey };
  };
  const server: Http2Server | Http2SecureServer = tls
    ? createSecureServer({ ...secureOptions(), requestCert: true, rejectUnauthorized: true, ALPNProtocols: ["h2"] })
    : createServer();
  const unsubscribe = tls?.onChange(() => {
    try {
      (server as Http2SecureServer).setSecureContext(secureOptions());
    } catch (err) {
      options.logger.warn(
        { problem: String(err) },
        "new mesh certificate not usable by the listener: keeping the old one",
      );
    }
  });
  const injector = options.grpc.createConnectionInjector(ServerCredentials.createInsecure());
  const sessions = new Set<ServerHttp2Session>();
  const internals = new WeakMap<Http2Session, InternalConnection>();

  /** The in-process connection to the grpc-js server for `session`'s relayed streams. */
  const internalFor = (session: Http2Session): InternalConnection | undefined => {
    const found = internals.get(session);
    if (found && !found.internal.closed && !found.internal.destroyed) return found;
    const socket = session.socket;
    const certificate = socket instanceof TLSSocket && socket.authorized ? socket.getPeerCertificate() : undefined;
    const token = handoff.register({
      address: socket?.remoteAddress ? `${socket.remoteAddress}:${socket.remotePort}` : "unknown",
      certificate: certificate?.raw ? certificate : undefined,
    });
    const [serverEnd, clientEnd] = streamPair();
    injector.injectConnection(serverEnd);
    const internal = connect("http://router.internal", { createConnection: () => clientEnd });
    internal.on("error", noop);
    internal.once("close", () => {
      handoff.forget(token);
      serverEnd.destroy();
    });
    const created: InternalConnection = { internal, token, open: 0, closing: false };
    session.once("close", () => {
      created.closing = true;
      if (created.open === 0) internal.close();
    });
    internals.set(session, created);
    return created;
  };

  /** Relays `up` to the grpc-js server and back: headers, data, trailers, resets. */
  const relay = (up: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    // Closing `up` with an error code (below) emits "error" on it: without a listener, one reset
    // relayed stream crashed the router (bench/directory-scale, under load).
    up.on("error", noop);
    // Reset by the client already (HEADERS + RST_STREAM in one read): nothing to relay. Relaying it
    // made grpc-js's session announce a stream already destroyed, and grpc-js answering it threw
    // from an event handler: the router exited.
    if (up.closed || up.destroyed) return;
    const target = up.session && internalFor(up.session);
    if (!target) return up.close(constants.NGHTTP2_INTERNAL_ERROR);
    const out: OutgoingHttpHeaders = {};
    for (const [key, value] of Object.entries(headers)) {
      if (value === undefined || hopHeaders.has(key)) continue;
      if (key.startsWith(":") && key !== ":method" && key !== ":path" && key !== ":scheme" && key !== ":authority")
        continue;
      out[key] = value;
    }
    out[meshPeerHeader] = target.token;
    let down;
    try {
      down = target.internal.request(out, { endStream: up.readableEnded });
    } catch {
      return up.close(constants.NGHTTP2_REFUSED_STREAM);
    }
    down.on("error", noop);
    target.open++;
    down.once("close", () => {
      if (--target.open === 0 && target.closing) target.internal.close();
    });
    up.pipe(down);
    let trailers: OutgoingHttpHeaders | undefined;
    let trailersOnly = false;
    // node:http2 may deliver the first DATA before the "response" event (emitted on a later tick):
    // data and end wait for the response headers to be relayed first.
    let responded = false;
    let ended = false;
    const early: Buffer[] = [];
    const write = (chunk: Buffer) => {
      if (!up.write(chunk)) {
        down.pause();
        up.once("drain", () => down.resume());
      }
    };
    const end = () => {
      if (!trailersOnly && !up.closed && !up.destroyed) up.end();
    };
    down.on("response", (response, flags: number) => {
      if (up.closed || up.destroyed) return;
      const headersOut: OutgoingHttpHeaders = {};
      for (const [key, value] of Object.entries(response))
        if (value !== undefined && (key === ":status" || !key.startsWith(":"))) headersOut[key] = value;
      trailersOnly = (flags & constants.NGHTTP2_FLAG_END_STREAM) !== 0;
      up.respond(headersOut, trailersOnly ? { endStream: true } : { waitForTrailers: true });
      if (!trailersOnly) up.once("wantTrailers", () => up.sendTrailers(trailers ?? {}));
      responded = true;
      for (const chunk of early.splice(0)) write(chunk);
      if (ended) end();
    });
    down.on("trailers", (received: IncomingHttpHeaders) => {
      trailers = {};
      for (const [key, value] of Object.entries(received))
        if (value !== undefined && !key.startsWith(":")) trailers[key] = value;
    });
    down.on("data", (chunk: Buffer) => {
      if (up.closed || up.destroyed) return;
      if (responded) write(chunk);
      else early.push(chunk);
    });
    down.once("end", () => {
      ended = true;
      if (responded) end();
    });
    down.once("close", () => {
      if (up.closed || up.destroyed) return;
      if (!responded || down.rstCode !== constants.NGHTTP2_NO_ERROR)
        up.close(down.rstCode || constants.NGHTTP2_INTERNAL_ERROR);
    });
    // When `up` closes first, cancel `down` only once grpc-js has answered it: a reset that reached
    // grpc-js's session with (or right behind) the HEADERS made it announce a stream already
    // destroyed, and grpc-js answering that stream threw from an event handler (the router exited).
    // Until then the request is only ended, so grpc-js answers; a call it never answers is
    // cancelled after a grace period.
    const cancel = () => {
      if (!down.closed && !down.destroyed) down.close(constants.NGHTTP2_CANCEL);
    };
    up.once("close", () => {
      if (responded || down.closed || down.destroyed) return cancel();
      if (!down.writableEnded) down.end();
      down.once("response", cancel);
      setTimeout(cancel, cancelGraceMs).unref();
    });
  };

  server.on("session", (session: ServerHttp2Session) => {
    sessions.add(session);
    session.on("error", noop);
    session.once("close", () => sessions.delete(session));
  });
  server.on("stream", (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    if (!forwarder.serve(stream, headers)) relay(stream, headers);
  });
  server.on("tlsClientError", noop);

  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : options.port);
    });
  });
  options.logger.info({ host: options.host, port, tls: tls !== undefined }, "router listening (HTTP/2)");

  return {
    port,
    async close(graceMs) {
      unsubscribe?.();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of sessions) session.close();
      const timer = setTimeout(() => {
        for (const session of sessions) session.destroy();
      }, graceMs);
      await closed;
      clearTimeout(timer);
      injector.destroy();
    },
  };
}
