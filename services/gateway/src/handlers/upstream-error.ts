/**
 * Turns what a forwarded call threw into the ConnectError the browser receives. A status from the
 * router ({@link RpcError}) keeps its code and message, and its google.rpc.Status details travel on
 * unchanged — ErrorInfo with the ANPR code and text, BadRequest, novabox.common.v1.AnprErrorDetails
 * or anything a later box adds — because they are copied as raw `Any`s rather than re-encoded from
 * the fields the gateway happens to know. Everything else goes through the shared mapping.
 */
import { ConnectError } from "@connectrpc/connect";
import { create, fromBinary } from "@bufbuild/protobuf";
import { BadRequestSchema, ErrorInfoSchema } from "#gen/google/rpc/error_details_pb.js";
import { StatusSchema } from "#gen/google/rpc/status_pb.js";
import { toConnectError } from "#shared/connect-adapter.js";
import { RpcError, clientMessage, errorInfoDomain, kindOfGrpcCode, type ErrorLogger } from "#shared/grpc-status.js";

const typeUrlPrefix = /^.*\//;

function rawDetails(err: RpcError): { type: string; value: Uint8Array }[] | undefined {
  const raw = err.trailers.get("grpc-status-details-bin")[0];
  if (!(raw instanceof Buffer)) return undefined;
  try {
    return fromBinary(StatusSchema, raw).details.map((any) => ({ type: any.typeUrl.replace(typeUrlPrefix, ""), value: any.value }));
  } catch {
    return undefined;
  }
}

/** Maps an upstream or local failure to a ConnectError (see the module comment). */
export function toGatewayError(err: unknown, logger?: ErrorLogger): ConnectError {
  if (!(err instanceof RpcError)) return toConnectError(err, logger);
  const connectError = new ConnectError(clientMessage(err.message, kindOfGrpcCode(err.code), logger, err), err.code as number);
  const raw = rawDetails(err);
  if (raw) {
    connectError.details = raw;
    return connectError;
  }
  if (err.details.reason) {
    connectError.details.push({ desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason: err.details.reason, domain: err.details.domain ?? errorInfoDomain, metadata: err.details.metadata }) });
  }
  if (err.details.fieldViolations.length > 0) {
    connectError.details.push({ desc: BadRequestSchema, value: create(BadRequestSchema, { fieldViolations: err.details.fieldViolations }) });
  }
  return connectError;
}
