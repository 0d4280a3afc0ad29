/**
 * Serves the same handler implementations written for grpc-js (see grpc-adapter.ts) to browsers
 * through connect-node (Connect, gRPC-web and gRPC on one HTTP listener), so a service has one set
 * of handlers whatever the transport. Errors go through the same status mapping (grpc-status.ts):
 * Connect's codes are gRPC's codes, and the google.rpc details travel as Connect error details.
 */
import type { IncomingMessage } from "node:http";
import type { Http2ServerRequest } from "node:http2";
import { Code, ConnectError, cors, type ConnectRouter, type HandlerContext } from "@connectrpc/connect";
import type { DescMessage, DescService, MessageShape } from "@bufbuild/protobuf";
import { statusOfError, type ErrorLogger, type WireStatus } from "./grpc-status.js";
import type { ServiceImpl } from "./grpc-adapter.js";
import type { CallContext } from "./call-context.js";

/**
 * Turns whatever a handler threw into a ConnectError: {@link statusOfError} on the Connect wire, with
 * the same code, message and google.rpc details (copied as they are, so an upstream status's
 * details of any type reach the browser) as over grpc-js.
 */
export function toConnectError(err: unknown, logger?: ErrorLogger): ConnectError {
  if (err instanceof ConnectError) return err;
  return connectErrorOf(statusOfError(err, logger), err);
}

/** The Connect form of a {@link WireStatus}; `cause` stays on the error for server-side logs only. */
export function connectErrorOf(status: WireStatus, cause?: unknown): ConnectError {
  const err = new ConnectError(status.message, status.code as number, undefined, undefined, cause);
  // Raw (type, bytes) details: any message type travels, also one this server has no schema for.
  err.details = status.details.map((any) => ({ type: any.typeUrl.replace(typeUrlPrefix, ""), value: any.value }));
  return err;
}

const typeUrlPrefix = /^.*\//;

/**
 * The request header carrying the caller's socket address into Connect handlers (connect-node's
 * HandlerContext has no peer). Only {@link stampPeerAddress} sets it, overwriting whatever a client
 * sent, so a handler can trust it (e.g. to throttle login attempts per address).
 */
export const peerAddressHeader = "x-mesh-peer-address";

/** Sets {@link peerAddressHeader} from the request's socket; call it before the Connect adapter. */
export function stampPeerAddress(req: IncomingMessage | Http2ServerRequest): void {
  req.headers[peerAddressHeader] = req.socket?.remoteAddress ?? "";
}

function callContext(context: HandlerContext, method: DescService["methods"][number]): CallContext {
  return {
    requestHeader: context.requestHeader,
    signal: context.signal,
    deadline: context.timeoutMs() === undefined ? undefined : new Date(Date.now() + (context.timeoutMs() ?? 0)),
    peer: context.requestHeader.get(peerAddressHeader) ?? "",
    method,
    responseHeader: context.responseHeader,
  };
}

/**
 * Registers `impl` (the grpc-js-style handlers) for `service` on a Connect router. Methods without a
 * handler answer UNIMPLEMENTED, as over grpc-js.
 */
export function addConnectService<S extends DescService>(
  router: ConnectRouter,
  service: S,
  impl: Partial<ServiceImpl<S>>,
  logger?: ErrorLogger,
): void {
  const handlers: Record<string, unknown> = {};
  const implementations = impl as Record<string, ((request: unknown, context: CallContext) => unknown) | undefined>;
  for (const method of service.methods) {
    const fn = implementations[method.localName]?.bind(impl);
    if (!fn) {
      handlers[method.localName] = () => {
        throw new ConnectError(
          `${service.typeName}/${method.name} is not implemented by this server`,
          Code.Unimplemented,
        );
      };
      continue;
    }
    if (method.methodKind === "unary") {
      handlers[method.localName] = async (request: MessageShape<DescMessage>, context: HandlerContext) => {
        try {
          return await (fn(request, callContext(context, method)) as Promise<unknown>);
        } catch (err) {
          throw toConnectError(err, logger);
        }
      };
    } else if (method.methodKind === "server_streaming") {
      handlers[method.localName] = async function* (request: MessageShape<DescMessage>, context: HandlerContext) {
        try {
          yield* fn(request, callContext(context, method)) as AsyncIterable<unknown>;
        } catch (err) {
          throw toConnectError(err, logger);
        }
      };
    }
  }
  router.service(service, handlers as never);
}

/** CORS headers for browsers calling Connect / gRPC-web endpoints (TOOLCHAIN.md). */
export const connectCorsHeaders = {
  allowedMethods: cors.allowedMethods,
  allowedHeaders: [...cors.allowedHeaders, "Authorization"],
  exposedHeaders: [...cors.exposedHeaders, "grpc-status", "grpc-message", "grpc-status-details-bin"],
} as const;
