/**
 * An HTTP/2 server (plaintext with prior knowledge, or TLS with ALPN h2) built from the router's connection engine
 * (h2-connection.ts) and nothing else, for conformance runs of the engine alone (h2spec) and for
 * tests: every request is read to its end, then answered `:status 200` with a small text body, or
 * what `respond` chooses. Only for tests and tools: it binds where it is told (127.0.0.1 in tests).
 */
import { createServer, type Socket } from "node:net";
import { createServer as createTlsServer, TLSSocket } from "node:tls";
import {
  H2Connection,
  type H2ConnectionOptions,
  type H2Stream,
  type H2StreamHandler,
  type HeaderList,
} from "./h2-connection.js";

/** Options of {@link startH2TestServer}. */
export interface H2TestServerOptions {
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** The answer to a complete request (default: 200, `content-type: text/plain`, a 32-byte body). */
  respond?: (stream: H2Stream, request: { headers: HeaderList; body: Buffer }) => void;
  /** TLS with ALPN `h2` (no client certificate asked) instead of plaintext with prior knowledge. */
  tls?: { certificate: Buffer | string; privateKey: Buffer | string };
  /** Engine settings (MAX_CONCURRENT_STREAMS, initial window). */
  connection?: Pick<H2ConnectionOptions, "maxConcurrentStreams" | "initialWindowSize">;
}

/** A running {@link startH2TestServer}. */
export interface H2TestServer {
  readonly port: number;
  /** GOAWAY to every connection, then closes once they are done. */
  close(): Promise<void>;
}

const defaultBody = Buffer.from("served by the router's h2 engine\n");

class TestRequest implements H2StreamHandler {
  readonly chunks: Buffer[] = [];

  constructor(
    readonly headers: HeaderList,
    readonly respond: NonNullable<H2TestServerOptions["respond"]>,
  ) {}

  onHeaders(stream: H2Stream, _trailers: HeaderList, endStream: boolean): void {
    if (endStream) this.complete(stream);
  }

  onData(stream: H2Stream, data: Buffer, endStream: boolean): void {
    if (data.length > 0) this.chunks.push(Buffer.from(data));
    if (endStream) this.complete(stream);
  }

  onReset(): void {}

  complete(stream: H2Stream): void {
    this.respond(stream, { headers: this.headers, body: Buffer.concat(this.chunks) });
  }
}

function defaultRespond(stream: H2Stream): void {
  stream.sendHeaders([":status", "200", "content-type", "text/plain"], false);
  stream.write(defaultBody, true);
}

/** Starts the server (see the module comment). */
export async function startH2TestServer(options: H2TestServerOptions = {}): Promise<H2TestServer> {
  const respond = options.respond ?? defaultRespond;
  const connections = new Set<H2Connection>();
  const accept = (socket: Socket) => {
    if (socket instanceof TLSSocket && socket.alpnProtocol !== "h2") {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const connection = new H2Connection(socket, {
      ...options.connection,
      role: "server",
      onStream(stream, headers, endStream) {
        const request = new TestRequest(headers, respond);
        stream.handler = request;
        if (endStream) request.complete(stream);
      },
      onClose: (closed) => void connections.delete(closed),
    });
    connections.add(connection);
  };
  const server = options.tls
    ? createTlsServer({ cert: options.tls.certificate, key: options.tls.privateKey, ALPNProtocols: ["h2"] }, accept)
    : createServer(accept);
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : 0);
    });
  });
  return {
    port,
    close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const connection of connections) connection.shutdown();
      const timer = setTimeout(() => {
        for (const connection of connections) connection.destroy();
      }, 2_000);
      return closed.finally(() => clearTimeout(timer));
    },
  };
}
