/**
 * The router bench's second yardstick: the least a `node:http2` hop costs — a mutual-TLS HTTP/2
 * server that relays every stream to one fixed box on one pooled mutual-TLS session: request
 * headers (`authorization`, `grpc-timeout`), the body, the answer's headers, body and trailers. No
 * routing, no field read, no logging, no metrics, no retry. This is the floor the router's raw
 * forwarder (services/router/src/server/http2-forwarder.ts) is compared with. Run as its own process
 * (`node --import tsx bench/support/bare-http2-proxy.ts <meshPkiDir> <boxHost:port>`) so /proc shows
 * its CPU; prints `{"port":N}` once it listens.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import {
  connect,
  constants,
  createSecureServer,
  type ClientHttp2Session,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
} from "node:http2";

const [meshDir, boxAddress] = process.argv.slice(2);
if (!meshDir || !boxAddress) throw new Error("usage: bare-http2-proxy.ts <meshPkiDir> <boxHost:port>");
const [boxHost, boxPort] = boxAddress.split(":") as [string, string];
const file = (name: string) => readFileSync(join(meshDir, name));
const tls = { ca: file("ca.pem"), cert: file("router.pem"), key: file("router-key.pem") };

let box: ClientHttp2Session | undefined;
const session = (): ClientHttp2Session => {
  if (box && !box.closed && !box.destroyed) return box;
  box = connect(`https://${boxAddress}`, {
    createConnection: () => tlsConnect({ host: boxHost, port: Number(boxPort), ...tls, ALPNProtocols: ["h2"] }),
  });
  box.on("error", () => undefined);
  return box;
};

const server = createSecureServer({ ...tls, requestCert: true, rejectUnauthorized: true, ALPNProtocols: ["h2"] });
server.on("stream", (up, headers: IncomingHttpHeaders) => {
  const out: OutgoingHttpHeaders = {
    ":method": "POST",
    ":path": headers[":path"],
    "content-type": "application/grpc",
    te: "trailers",
  };
  for (const key of ["authorization", "grpc-timeout"]) if (headers[key]) out[key] = headers[key];
  const down = session().request(out);
  up.pipe(down);
  up.on("error", () => undefined);
  down.on("error", () => undefined);
  const chunks: Buffer[] = [];
  let response: IncomingHttpHeaders | undefined;
  let trailers: IncomingHttpHeaders | undefined;
  let trailersOnly = false;
  down.on("response", (h: IncomingHttpHeaders, flags: number) => {
    response = h;
    trailersOnly = (flags & constants.NGHTTP2_FLAG_END_STREAM) !== 0;
  });
  down.on("data", (chunk: Buffer) => chunks.push(chunk));
  down.on("trailers", (t: IncomingHttpHeaders) => (trailers = t));
  down.once("close", () => {
    if (up.closed || up.destroyed) return;
    if (!response) return up.close(constants.NGHTTP2_INTERNAL_ERROR);
    const status = trailersOnly ? response : trailers;
    if (trailersOnly || chunks.length === 0) {
      up.respond(
        { ":status": 200, "content-type": "application/grpc", "grpc-status": String(status?.["grpc-status"] ?? 2) },
        { endStream: true },
      );
      return;
    }
    up.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
    up.once("wantTrailers", () => up.sendTrailers({ "grpc-status": String(status?.["grpc-status"] ?? 2) }));
    up.end(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
  });
  up.once("close", () => {
    if (!down.closed) down.close(constants.NGHTTP2_CANCEL);
  });
});
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  console.log(JSON.stringify({ port: typeof address === "object" && address ? address.port : 0 }));
});
process.on("SIGTERM", () => {
  box?.close();
  server.close(() => process.exit(0));
});
