/**
 * The router's one port on the frame-level data plane (`ROUTER_DATA_PLANE=frames`): the same
 * contract as router-listener.ts, with the connection engine of h2-connection.ts instead of
 * node:http2. TLS is `tls.createServer` with the mesh pair, the client certificate required and
 * verified against the mesh CA (mutual TLS exactly as node:http2's secure server had it), ALPN
 * `h2` only; the certificate is reloaded with the mesh's. Plaintext (development only) is a plain
 * TCP server speaking HTTP/2 with prior knowledge.
 *
 * Forwarded calls (Certification, Consultation, Alert, and Announce) are served on the stream by
 * frames-forwarder.ts. Every other stream — Discovery, the audit witness, health, reflection, any
 * unknown path — is relayed (headers, messages, trailers, resets) to the router's grpc-js server
 * over the in-process connection of router-listener.ts (node:http2 on that side: those calls are
 * rare), with the peer handed over as there (`x-novares-mesh-peer`, any client copy removed).
 *
 * Shutdown: the listener stops accepting, every connection gets GOAWAY with the last stream id it
 * received (RFC 9113 §6.8) so calls in flight finish and new ones are refused, and whatever is
 * still open after the grace period is closed.
 */
import { createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import {
  connect,
  constants,
  type ClientHttp2Session,
  type ClientHttp2Stream,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
} from "node:http2";
import { createServer as createTlsServer, type PeerCertificate, type Server as TlsServer, TLSSocket } from "node:tls";
import { ServerCredentials } from "@grpc/grpc-js";
import {
  hopHeaders,
  meshPeerHeader,
  streamPair,
  type RouterListener,
  type RouterListenerOptions,
} from "../router-listener.js";
import { H2Connection, type H2Stream, type H2StreamHandler, type HeaderList } from "./h2-connection.js";
import { ErrorCode } from "./frames.js";
import type { ConnectionPeer, FramesForwarder } from "./frames-forwarder.js";

/** Options of {@link startFramesListener}: router-listener.ts's, with the frames forwarder. */
export interface FramesListenerOptions extends Omit<RouterListenerOptions, "forwarder"> {
  forwarder: FramesForwarder;
}

const noop = () => {};

/** What the listener keeps per client connection. */
class ClientConnection implements ConnectionPeer {
  readonly address: string;
  private peerCertificate: PeerCertificate | undefined | null = null;
  /**
   * The in-process connection to the grpc-js server, with its relayed streams not closed yet. It is
   * closed only once they are done: a GOAWAY right behind a stream's HEADERS made grpc-js's session
   * close and announce that stream destroyed, and grpc-js answering it threw (the router exited).
   */
  internal: { session: ClientHttp2Session; token: string; open: number } | undefined;
  /** The client's connection is gone: close `internal` once its streams are done. */
  closing = false;

  constructor(readonly socket: Socket) {
    this.address = socket.remoteAddress ? `${socket.remoteAddress}:${socket.remotePort}` : "unknown";
  }

  certificate(): PeerCertificate | undefined {
    if (this.peerCertificate === null) {
      const socket = this.socket;
      const certificate = socket instanceof TLSSocket && socket.authorized ? socket.getPeerCertificate() : undefined;
      this.peerCertificate = certificate?.raw ? certificate : undefined;
    }
    return this.peerCertificate;
  }
}

/** A stream relayed to the in-process grpc-js server: the client's stream on one side, `down` on the other. */
class GrpcRelay implements H2StreamHandler {
  down: ClientHttp2Stream | undefined;
  client: ClientConnection | undefined;
  internal: NonNullable<ClientConnection["internal"]> | undefined;
  trailers: HeaderList | undefined;
  responded = false;

  constructor(readonly up: H2Stream) {}

  onHeaders(_stream: H2Stream, _trailers: HeaderList, endStream: boolean): void {
    if (endStream) this.down?.end();
  }

  onData(_stream: H2Stream, data: Buffer, endStream: boolean): void {
    const down = this.down;
    if (!down || down.destroyed) return;
    if (data.length > 0) down.write(data);
    if (endStream) down.end();
  }

  onReset(): void {
    const down = this.down;
    if (!down || down.closed || down.destroyed) return;
    if (this.responded) return cancelDown(down);
    // Not before grpc-js has answered (then onDownResponse cancels): a reset right behind the HEADERS
    // (a client's HEADERS + RST_STREAM in one read) made grpc-js answer a stream node:http2 had
    // destroyed, which threw and the router exited. Until then the request is only ended, so
    // grpc-js answers; a call it never answers is cancelled after a grace period.
    if (!down.writableEnded) down.end();
    setTimeout(cancelDown, CANCEL_GRACE_MS, down).unref();
  }

  onDrain(): void {
    this.down?.resume();
  }
}

/** How long a relayed call the client reset may wait for grpc-js's answer before it is cancelled anyway. */
const CANCEL_GRACE_MS = 5_000;

function cancelDown(down: ClientHttp2Stream): void {
  if (!down.closed && !down.destroyed) down.close(constants.NGHTTP2_CANCEL);
}

/** A relayed stream's `down` side, found from its events (no closure per stream). */
const relayOf = Symbol("grpcRelay");
type RelayedDown = ClientHttp2Stream & { [relayOf]: GrpcRelay };

/** Relayed data waits for the client beyond this many queued bytes (flow control of a slow reader). */
const RELAY_HIGH_WATER = 1024 * 1024;

function onDownResponse(this: RelayedDown, response: IncomingHttpHeaders, flags: number): void {
  const relay = this[relayOf];
  const up = relay.up;
  if (up.closed) return cancelDown(this); // the client reset it (see GrpcRelay.onReset)
  const out: HeaderList = [":status", String(response[":status"] ?? 200)];
  pushHeaders(out, response);
  relay.responded = true;
  up.sendHeaders(out, (flags & constants.NGHTTP2_FLAG_END_STREAM) !== 0);
}
function onDownData(this: RelayedDown, chunk: Buffer): void {
  const up = this[relayOf].up;
  if (up.closed) return;
  up.write(chunk);
  if (up.queuedBytes > RELAY_HIGH_WATER) this.pause();
}
function onDownTrailers(this: RelayedDown, received: IncomingHttpHeaders): void {
  const trailers: HeaderList = [];
  pushHeaders(trailers, received);
  this[relayOf].trailers = trailers;
}
function onDownEnd(this: RelayedDown): void {
  const relay = this[relayOf];
  if (relay.up.closed || relay.up.localClosed) return;
  if (!relay.responded) return; // a trailers-only answer already ended the stream
  relay.up.end(relay.trailers);
}
function onDownClose(this: RelayedDown): void {
  const relay = this[relayOf];
  const internal = relay.internal;
  if (internal && --internal.open === 0 && relay.client?.closing) internal.session.close();
  if (relay.up.closed || relay.up.localClosed) return;
  if (!relay.responded || this.rstCode !== constants.NGHTTP2_NO_ERROR)
    relay.up.reset(this.rstCode || ErrorCode.INTERNAL_ERROR);
  else relay.up.end(relay.trailers);
}

function pushHeaders(out: HeaderList, headers: IncomingHttpHeaders): void {
  for (const [key, value] of Object.entries(headers)) {
    if (value === undefined || key.startsWith(":")) continue;
    if (Array.isArray(value)) for (const v of value) out.push(key, v);
    else out.push(key, String(value));
  }
}

/** Binds the router's port on the frame-level data plane (see the module comment). */
export async function startFramesListener(options: FramesListenerOptions): Promise<RouterListener> {
  const { tls, forwarder, handoff } = options;
  const secureOptions = () => {
    const material = tls!.material();
    return { ca: material.ca, cert: material.certificate, key: material.privateKey };
  };
  const connections = new Set<H2Connection>();
  const injector = options.grpc.createConnectionInjector(ServerCredentials.createInsecure());

  /** The in-process connection to the grpc-js server for `client`'s relayed streams. */
  const internalFor = (client: ClientConnection, connection: H2Connection) => {
    const found = client.internal;
    if (found && !found.session.closed && !found.session.destroyed) return found;
    const token = handoff.register({ address: client.address, certificate: client.certificate() });
    const [serverEnd, clientEnd] = streamPair();
    injector.injectConnection(serverEnd);
    const session = connect("http://router.internal", { createConnection: () => clientEnd });
    session.on("error", noop);
    session.once("close", () => {
      handoff.forget(token);
      serverEnd.destroy();
    });
    client.internal = { session, token, open: 0 };
    if (connection.destroyed) session.close();
    return client.internal;
  };

  const relay = (up: H2Stream, headers: HeaderList, endStream: boolean, client: ClientConnection) => {
    const target = internalFor(client, up.connection);
    const out: OutgoingHttpHeaders = {};
    for (let i = 0; i < headers.length; i += 2) {
      const key = headers[i]!;
      if (hopHeaders.has(key)) continue;
      const value = headers[i + 1]!;
      const existing = out[key];
      if (existing === undefined) out[key] = value;
      else out[key] = Array.isArray(existing) ? [...existing, value] : [String(existing), value];
    }
    out[meshPeerHeader] = target.token;
    const relayed = new GrpcRelay(up);
    up.handler = relayed;
    let down: ClientHttp2Stream;
    try {
      down = target.session.request(out, { endStream });
    } catch {
      return up.reset(ErrorCode.REFUSED_STREAM);
    }
    relayed.down = down;
    relayed.client = client;
    relayed.internal = target;
    target.open++;
    (down as RelayedDown)[relayOf] = relayed;
    down.on("error", noop);
    down.on("response", onDownResponse);
    down.on("data", onDownData);
    down.on("trailers", onDownTrailers);
    down.once("end", onDownEnd);
    down.once("close", onDownClose);
  };

  const accept = (socket: Socket) => {
    if (socket instanceof TLSSocket && socket.alpnProtocol !== "h2") {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const client = new ClientConnection(socket);
    const connection = new H2Connection(socket, {
      role: "server",
      onStream(stream, headers, endStream) {
        if (!forwarder.serve(stream, headers, endStream, client)) relay(stream, headers, endStream, client);
      },
      onClose(closed) {
        connections.delete(closed);
        client.closing = true;
        if (client.internal?.open === 0) client.internal.session.close();
      },
    });
    connection.user = client;
    connections.add(connection);
  };

  const server: TlsServer | NetServer = tls
    ? createTlsServer(
        { ...secureOptions(), requestCert: true, rejectUnauthorized: true, ALPNProtocols: ["h2"] },
        accept,
      )
    : createNetServer(accept);
  const unsubscribe = tls?.onChange(() => {
    try {
      (server as TlsServer).setSecureContext(secureOptions());
    } catch (err) {
      options.logger.warn(
        { problem: String(err) },
        "new mesh certificate not usable by the listener: keeping the old one",
      );
    }
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
  options.logger.info(
    { host: options.host, port, tls: tls !== undefined, dataPlane: "frames" },
    "router listening (HTTP/2)",
  );

  return {
    port,
    async close(graceMs) {
      unsubscribe?.();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const connection of connections) connection.shutdown();
      const timer = setTimeout(() => {
        for (const connection of connections) connection.destroy();
      }, graceMs);
      await closed;
      clearTimeout(timer);
      injector.destroy();
    },
  };
}
