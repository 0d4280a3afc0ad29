/**
 * One grpc.health.v1 `Check` of a Novabox on a connection of its own, on `node:http2` below
 * grpc-js: connect, one stream, close. The Consul directory probes every instance a router owns
 * every 10 s (8,000 boxes per router at national scale, 800 probes a second), almost all of them
 * boxes the router never forwards to; a grpc-js channel per probe (resolver, load balancer,
 * subchannel, call stack and client interceptors, built and torn down each time) was most of the
 * router's steady CPU and garbage in `bench/directory-scale`, and a kept channel or session per box
 * costs memory for 8,000 idle connections. This keeps nothing per box but, with mutual TLS, the
 * box's TLS session ticket: the next probe resumes it (RFC 8446 §2.2), so the router neither
 * signs nor verifies a certificate per probe (RSA-2048 in the mesh PKI).
 *
 * The box's certificate is checked as box-sessions.ts and box-pool.ts check it: it chains to the
 * mesh CA, matches the host and names the Comune the probe is for; a refusal is reported through
 * `onIdentity` (the router answers PERMISSION_DENIED for that box) and the probe fails. A resumed
 * session was issued by a box that passed that check on this very key (Comune and address), which
 * is why Node does not check a resumed session's identity again.
 *
 * Wire rules (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md): POST
 * /grpc.health.v1.Health/Check, an empty HealthCheckRequest (service "", the server's status)
 * framed in 5 bytes, `grpc-timeout`; the answer is one framed HealthCheckResponse and `grpc-status`
 * 0 in the trailers. Anything else (refused, reset, timed out, another status) is "not-serving".
 */
import { fromBinary } from "@bufbuild/protobuf";
import { connect, constants, type ClientHttp2Session, type IncomingHttpHeaders } from "node:http2";
import { isIP } from "node:net";
import {
  checkServerIdentity as tlsCheckServerIdentity,
  connect as tlsConnect,
  createSecureContext,
  type PeerCertificate,
  type SecureContext,
} from "node:tls";
import { HealthCheckResponse_ServingStatus, HealthCheckResponseSchema } from "#gen/grpc/health/v1/health_pb.js";
import { meshIdentityOfSubjectAltName } from "#shared/mesh/mesh-identity.js";
import { boxIdentityRefusal } from "../domain/announcer-identity.js";
import { instanceAddress, type Instance } from "../domain/model.js";
import { formatGrpcTimeout, unframeMessage } from "./grpc-wire.js";

/** Options of {@link createBoxProbe}. */
export interface BoxProbeOptions {
  /** The router's mesh TLS pair and CA (PEM) as loaded now; omitted = plaintext (development only). */
  tls?: () => { ca: Buffer; certificate: Buffer; privateKey: Buffer };
  /** Check the box's certificate names the Comune it is probed for (mutual-TLS mesh). */
  checkIdentity?: boolean;
  /**
   * Told after each full handshake with the box at `key`: the refusal sentence when its certificate
   * names someone else, undefined when it names a box of the Comune.
   */
  onIdentity?: (key: string, instance: Instance, refusal: string | undefined) => void;
}

/** See the module comment. */
export interface BoxProbe {
  /**
   * The box's server status: "serving" only for a SERVING answer within `timeoutMs` (which covers
   * the connection and the handshake). `key` names the box (Comune and address) for the session
   * ticket and the identity report.
   */
  check(instance: Instance, key: string, timeoutMs: number): Promise<"serving" | "not-serving">;
  /** Forgets the box's session ticket (no instance uses the address any more). */
  forget(key: string): void;
  /** Session tickets kept. */
  readonly tickets: number;
}

const path = "/grpc.health.v1.Health/Check";
/** An empty HealthCheckRequest (service "": the server's own status), framed. */
const emptyRequest = Buffer.alloc(5);

/** Creates a {@link BoxProbe}. */
export function createBoxProbe(options: BoxProbeOptions = {}): BoxProbe {
  const scheme = options.tls ? "https" : "http";
  const tickets = new Map<string, Buffer>();
  // One TLS context per loaded certificate (parsing the key and CA per probe would cost more than
  // the probe); rebuilt when the material changes (renewal).
  let context: { from: { ca: Buffer; certificate: Buffer; privateKey: Buffer }; secure: SecureContext } | undefined;
  const secureContext = () => {
    const material = options.tls!();
    if (
      !context ||
      context.from.ca !== material.ca ||
      context.from.certificate !== material.certificate ||
      context.from.privateKey !== material.privateKey
    ) {
      context = {
        from: material,
        secure: createSecureContext({ ca: material.ca, cert: material.certificate, key: material.privateKey }),
      };
      tickets.clear();
    }
    return context.secure;
  };

  const open = (instance: Instance, key: string): ClientHttp2Session => {
    const host = instance.host;
    const authority = instanceAddress(instance);
    if (!options.tls) return connect(`http://${authority}`);
    const checkServerIdentity = (_servername: string, certificate: PeerCertificate): Error | undefined => {
      const hostError = tlsCheckServerIdentity(host, certificate);
      if (hostError) return hostError;
      if (!options.checkIdentity) return undefined;
      const refusal = boxIdentityRefusal(meshIdentityOfSubjectAltName(certificate.subjectaltname), instance.comuneCode);
      options.onIdentity?.(key, instance, refusal);
      return refusal ? new Error(refusal) : undefined;
    };
    const secure = secureContext();
    const ticket = tickets.get(key);
    return connect(`https://${authority}`, {
      // Our own TLS connection, as box-sessions.ts: no IP as SNI (RFC 6066), a session to resume.
      createConnection: () => {
        const socket = tlsConnect({
          host,
          port: instance.port,
          secureContext: secure,
          ALPNProtocols: ["h2"],
          ...(isIP(host) ? {} : { servername: host }),
          ...(ticket ? { session: ticket } : {}),
          checkServerIdentity,
        });
        socket.once("session", (session: Buffer) => {
          if (context?.secure === secure) tickets.set(key, session);
        });
        return socket;
      },
    });
  };

  return {
    check: (instance, key, timeoutMs) =>
      new Promise((resolve) => {
        let session: ClientHttp2Session;
        try {
          session = open(instance, key);
        } catch {
          return resolve("not-serving");
        }
        let settled = false;
        const chunks: Buffer[] = [];
        let headers: IncomingHttpHeaders | undefined;
        let trailers: IncomingHttpHeaders | undefined;
        const settle = (health: "serving" | "not-serving") => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          session.destroy();
          resolve(health);
        };
        const timer = setTimeout(() => settle("not-serving"), timeoutMs);
        session.on("error", () => settle("not-serving"));
        session.once("close", () => settle("not-serving"));
        let stream;
        try {
          stream = session.request(
            {
              ":method": "POST",
              ":path": path,
              ":scheme": scheme,
              ":authority": instanceAddress(instance),
              "content-type": "application/grpc",
              te: "trailers",
              "grpc-timeout": formatGrpcTimeout(timeoutMs),
            },
            { endStream: false },
          );
        } catch {
          return settle("not-serving");
        }
        stream.on("response", (h: IncomingHttpHeaders, flags: number) => {
          headers = h;
          if (flags & constants.NGHTTP2_FLAG_END_STREAM) trailers = h;
        });
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("trailers", (t: IncomingHttpHeaders) => (trailers = t));
        stream.on("error", () => settle("not-serving"));
        stream.once("close", () => {
          if (Number(headers?.[":status"]) !== 200 || trailers?.["grpc-status"] !== "0") return settle("not-serving");
          const body = unframeMessage(chunks);
          if (!("message" in body)) return settle("not-serving");
          try {
            const answer = fromBinary(HealthCheckResponseSchema, body.message);
            settle(answer.status === HealthCheckResponse_ServingStatus.SERVING ? "serving" : "not-serving");
          } catch {
            settle("not-serving");
          }
        });
        stream.end(emptyRequest);
      }),
    forget(key) {
      tickets.delete(key);
    },
    get tickets() {
      return tickets.size;
    },
  };
}
