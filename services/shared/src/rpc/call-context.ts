/**
 * What a handler knows about its call besides the request, the same whatever serves it (grpc-js
 * or connect-node): headers as standard WHATWG `Headers` (binary `-bin` headers as their base64
 * text, as on the wire), the cancellation signal, the deadline, the peer. The adapters build it;
 * handlers and the auth step (call-auth.ts) never see a transport type.
 */
import type { PeerCertificate } from "node:tls";
import type { DescMethod } from "@bufbuild/protobuf";
import type { Principal } from "./call-auth.js";

/** What a handler knows about the call besides its request. */
export interface CallContext {
  /** The request headers (custom metadata, `authorization`, ...); `-bin` values in base64. */
  readonly requestHeader: Headers;
  /** Aborted when the client cancels or the deadline passes. */
  readonly signal: AbortSignal;
  /** The call's deadline, when the client set one: propagate it to downstream calls. */
  readonly deadline: Date | undefined;
  /** The peer address as the transport reports it (grpc-js peer, or the socket address). */
  readonly peer: string;
  /**
   * The certificate the peer presented on a mutual-TLS connection (already verified against the
   * mesh CA by the TLS handshake); undefined on plaintext or when the transport has none.
   */
  readonly peerCertificate?: PeerCertificate | undefined;
  /** The method being served. */
  readonly method: DescMethod;
  /** Headers sent before the first response message (set them before returning or yielding). */
  readonly responseHeader: Headers;
  /**
   * The verified caller, set by the server's auth step (call-auth.ts `withAuthPolicies`) before the
   * handler runs; read it with `principalOf`. Undefined outside that step.
   */
  readonly principal?: Principal | undefined;
}
