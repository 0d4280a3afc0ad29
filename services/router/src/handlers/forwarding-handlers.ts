/**
 * CertificationService and ConsultationService as the router serves them: each call goes to a
 * SERVING Novabox of the requested Comune (`comune_code`, or the `x-comune-code` header when the
 * field is empty), chosen round-robin from the routing table with no registry call on the request
 * path. The caller's deadline and cancellation propagate; `authorization` (and `x-request-id`)
 * pass through unchanged; the box's status comes back unchanged (code, message, and its trailers,
 * so `grpc-status-details-bin` arrives byte for byte).
 *
 * The router forwards bytes: requests and answers travel on pass-through serializers, and of a
 * request only `comune_code` (field 1) — and, for IssueCertificate, `idempotency_key` (field 3) —
 * is read from the wire (domain/request-fields.ts). When the Comune came from the header, field 1 is
 * appended to the request so the box sees it; nothing else is decoded or re-encoded.
 *
 * A box answering UNAVAILABLE is retried once on another instance of the Comune, but only for calls
 * that are safe to repeat: GetIndividualRecord, ListCertificateTypes, PreviewCertificate (no side
 * effects) and IssueCertificate with an `idempotency_key` (the box replays the first result, so
 * no second certificate or charge). An IssueCertificate without a key is never retried: the first
 * box may have issued it.
 */
import { Metadata, status as GrpcCode, type Client, type sendUnaryData, type ServerUnaryCall, type ServiceError, type UntypedHandleCall } from "@grpc/grpc-js";
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { CertificationService } from "#gen/novabox/certification/v1/certification_service_pb.js";
import { ConsultationService } from "#gen/novabox/consultation/v1/consultation_service_pb.js";
import { grpcMethodPath, type PassThroughHandlers } from "#shared/grpc-adapter.js";
import { toServiceError } from "#shared/grpc-status.js";
import { requireComuneCode } from "../domain/discovery-rules.js";
import { InvalidDiscoveryInputError, MeshIdentityRefusedError, NoHealthyInstanceError } from "../domain/errors.js";
import type { Instance } from "../domain/model.js";
import { readStringField, withStringField } from "../domain/request-fields.js";
import type { RoutingTable } from "../domain/routing-table.js";

/** The pooled channel of one box (mutual TLS in the mesh). */
export interface BoxChannels {
  channel(instance: Instance): Client;
  /** Why the box's certificate was refused for its Comune (its channel cannot connect), if it was. */
  identityRefusal?(instance: Instance): string | undefined;
}

/** Minimal logger of the forwarders. */
export interface ForwardingLogger {
  debug(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

/** Options of {@link createForwardingHandlers}. */
export interface ForwardingHandlersOptions {
  table: RoutingTable;
  channels: BoxChannels;
  /** Told when a box answered UNAVAILABLE, so the registry can re-check it early. */
  reportUnavailable?: (instanceId: string) => void;
  /** Deadline applied when the caller set none (default 120 000 ms: ANPR can be slow). */
  defaultDeadlineMs?: number;
  logger?: ForwardingLogger;
}

/** The request headers forwarded to the box unchanged. */
export const forwardedHeaders: readonly string[] = ["authorization", "x-request-id", "x-novares-quota-minute"];

/** The header naming the Comune when the request field is empty. */
export const comuneHeader = "x-comune-code";

/** Field numbers read from the wire (see the .proto files: field 1 of every request). */
const COMUNE_CODE_FIELD = 1;
const IDEMPOTENCY_KEY_FIELD = 3;

/** The forwarding handlers of both services, keyed by rpc name, for pass-through registration. */
export interface ForwardingHandlers {
  certification: PassThroughHandlers;
  consultation: PassThroughHandlers;
}

const identity = (bytes: Buffer): Buffer => bytes;

/** Whether a call may be repeated on another box after UNAVAILABLE (see the module comment). */
type RetryRule = (request: Buffer) => boolean;

const always: RetryRule = () => true;
const never: RetryRule = () => false;
const withIdempotencyKey: RetryRule = (request) => (readStringField(request, IDEMPOTENCY_KEY_FIELD) ?? "").trim() !== "";

/** Creates the {@link ForwardingHandlers}. */
export function createForwardingHandlers(options: ForwardingHandlersOptions): ForwardingHandlers {
  const { table, channels } = options;
  const defaultDeadlineMs = options.defaultDeadlineMs ?? 120_000;

  /** The Comune of the call, and the request to send (field 1 filled in when it came from the header). */
  const route = (call: ServerUnaryCall<Buffer, Buffer>): { comuneCode: string; request: Buffer } => {
    const field = readStringField(call.request, COMUNE_CODE_FIELD) ?? "";
    const header = call.metadata.get(comuneHeader)[0];
    const code = field.trim() || (typeof header === "string" ? header.trim() : "");
    if (!code) {
      throw new InvalidDiscoveryInputError("comune_code", `comune_code is required (or the ${comuneHeader} header): the six-digit ISTAT code of the Comune whose Novabox serves the call`, "MISSING_COMUNE_CODE");
    }
    const comuneCode = requireComuneCode(code);
    return { comuneCode, request: field === comuneCode ? call.request : withStringField(call.request, COMUNE_CODE_FIELD, comuneCode) };
  };

  /** PERMISSION_DENIED when the box's certificate names another Comune (the handshake was refused). */
  const refused = (instance: Instance): MeshIdentityRefusedError | undefined => {
    const refusal = channels.identityRefusal?.(instance);
    return refusal ? new MeshIdentityRefusedError(refusal, "BOX_IDENTITY_MISMATCH", { comuneCode: instance.comuneCode, instanceId: instance.instanceId }) : undefined;
  };

  /**
   * table.pick, but when no instance serves because every registered one presents a certificate of
   * another party, says so (PERMISSION_DENIED) instead of "retry later".
   */
  const pick = (comuneCode: string): Instance => {
    try {
      return table.pick(comuneCode);
    } catch (err) {
      if (!(err instanceof NoHealthyInstanceError) || !channels.identityRefusal) throw err;
      const refusals = table.list({ comuneCode, limit: 100 }).instances.map(refused);
      if (refusals.length > 0 && refusals.every((r) => r !== undefined)) throw refusals[0]!;
      throw err;
    }
  };

  const forwardUnary = (service: DescService, method: DescMethod, retryRule: RetryRule): UntypedHandleCall => {
    const path = grpcMethodPath(method);
    const rpc = `${service.typeName}/${method.name}`;
    const handler = (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>): void => {
      let target: { comuneCode: string; request: Buffer };
      let first: Instance;
      try {
        target = route(call);
        first = pick(target.comuneCode);
      } catch (err) {
        return callback(toServiceError(err, options.logger, { rpc }));
      }
      const rawDeadline = call.getDeadline();
      const deadline = rawDeadline instanceof Date || Number.isFinite(rawDeadline) ? rawDeadline : Date.now() + defaultDeadlineMs;
      const metadata = new Metadata();
      for (const key of forwardedHeaders) for (const value of call.metadata.get(key)) metadata.add(key, value);

      let cancelled = false;
      let inFlight: { cancel(): void } | undefined;
      call.once("cancelled", () => {
        cancelled = true;
        inFlight?.cancel();
      });

      const send = (instance: Instance, retriesLeft: boolean): void => {
        inFlight = channels.channel(instance).makeUnaryRequest(path, identity, identity, target.request, metadata.clone(), { deadline }, (err: ServiceError | null, answer?: Buffer) => {
          inFlight = undefined;
          if (!err) return callback(null, answer);
          if (err.code !== GrpcCode.UNAVAILABLE) return callback(err);
          const identity = refused(instance);
          const failure = identity ? toServiceError(identity, options.logger, { rpc }) : err;
          options.logger?.warn({ instanceId: instance.instanceId, comuneCode: target.comuneCode, rpc: method.name, message: identity?.message ?? err.details }, "Novabox unavailable");
          options.reportUnavailable?.(instance.instanceId);
          if (!retriesLeft || cancelled || !retryRule(target.request)) return callback(failure);
          let second: Instance;
          try {
            second = table.pick(target.comuneCode, new Set([instance.instanceId]));
          } catch {
            return callback(failure);
          }
          options.logger?.debug({ from: instance.instanceId, to: second.instanceId, comuneCode: target.comuneCode, rpc: method.name }, "retrying on another Novabox");
          send(second, false);
        });
      };
      send(first, true);
    };
    return handler as UntypedHandleCall;
  };

  const handlersOf = (service: DescService, rules: Record<string, RetryRule>): PassThroughHandlers => {
    const handlers: PassThroughHandlers = {};
    for (const method of service.methods) {
      if (method.methodKind !== "unary") continue;
      handlers[method.name] = forwardUnary(service, method, rules[method.name] ?? never);
    }
    return handlers;
  };

  return {
    certification: handlersOf(CertificationService, { ListCertificateTypes: always, PreviewCertificate: always, IssueCertificate: withIdempotencyKey }),
    consultation: handlersOf(ConsultationService, { GetIndividualRecord: always }),
  };
}
