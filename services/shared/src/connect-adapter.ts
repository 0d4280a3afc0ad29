/**
 * Serves the same handler implementations written for grpc-js (see grpc-adapter.ts) to browsers
 * through connect-node (Connect, gRPC-web and gRPC on one HTTP listener), so a service has one set
 * of handlers whatever the transport. Errors go through the same kind → code table: Connect's codes
 * are gRPC's codes, and ErrorInfo / BadRequest travel as Connect error details.
 */
import type { IncomingMessage } from "node:http";
import type { Http2ServerRequest } from "node:http2";
import { Metadata } from "@grpc/grpc-js";
import { Code, ConnectError, cors, type ConnectRouter, type HandlerContext } from "@connectrpc/connect";
import { create, type DescMessage, type DescService, type MessageShape } from "@bufbuild/protobuf";
import { BadRequestSchema, ErrorInfoSchema } from "#gen/google/rpc/error_details_pb.js";
import { isDomainError } from "./domain-error.js";
import { clientMessage, errorInfoDomain, grpcCodeByKind, internalErrorMessage, kindOfGrpcCode, RpcError, type ErrorLogger } from "./grpc-status.js";
import type { CallContext, ServiceImpl } from "./grpc-adapter.js";

/** Turns whatever a handler threw into a ConnectError, with the same codes and details as over grpc-js. */
export function toConnectError(err: unknown, logger?: ErrorLogger): ConnectError {
  if (err instanceof ConnectError) return err;
  if (err instanceof RpcError) return new ConnectError(clientMessage(err.message, kindOfGrpcCode(err.code), logger, err), err.code as number);
  if (isDomainError(err)) {
    const message = clientMessage(err.message, err.kind, logger, err);
    const details = [create(ErrorInfoSchema, { reason: err.reason, domain: errorInfoDomain, metadata: { ...err.metadata } })].map((value) => ({ desc: ErrorInfoSchema, value }));
    const badRequest = err.field ? [{ desc: BadRequestSchema, value: create(BadRequestSchema, { fieldViolations: [{ field: err.field, description: message }] }) }] : [];
    if (err.kind === "internal" || err.kind === "data-loss") logger?.error({ err, cause: err.cause }, err.message);
    return new ConnectError(message, grpcCodeByKind[err.kind] as number, undefined, [...details, ...badRequest], err);
  }
  logger?.error({ err }, "unexpected error in handler");
  return new ConnectError(internalErrorMessage, Code.Internal);
}

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
  const metadata = new Metadata();
  context.requestHeader.forEach((value, key) => {
    if (!key.endsWith("-bin")) metadata.set(key, value);
  });
  const responseMetadata = new Metadata();
  return {
    requestMetadata: metadata,
    signal: context.signal,
    deadline: context.timeoutMs() === undefined ? undefined : new Date(Date.now() + (context.timeoutMs() ?? 0)),
    peer: context.requestHeader.get(peerAddressHeader) ?? "",
    method,
    responseMetadata,
  };
}

/**
 * Registers `impl` (the grpc-js-style handlers) for `service` on a Connect router. Methods without a
 * handler answer UNIMPLEMENTED, as over grpc-js.
 */
export function addConnectService<S extends DescService>(router: ConnectRouter, service: S, impl: Partial<ServiceImpl<S>>, logger?: ErrorLogger): void {
  const handlers: Record<string, unknown> = {};
  const implementations = impl as Record<string, ((request: unknown, context: CallContext) => unknown) | undefined>;
  for (const method of service.methods) {
    const fn = implementations[method.localName]?.bind(impl);
    if (!fn) {
      handlers[method.localName] = () => {
        throw new ConnectError(`${service.typeName}/${method.name} is not implemented by this server`, Code.Unimplemented);
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
