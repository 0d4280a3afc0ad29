/**
 * CertificationService and ConsultationService as the router serves them: each call goes to a
 * SERVING Novabox of the requested Comune (`comune_code`, or the `x-comune-code` header when the
 * field is empty), chosen round-robin from the routing table with no registry call on the request
 * path. The caller's deadline and cancellation propagate; `authorization` (and `x-request-id`)
 * pass through unchanged; the box's status comes back unchanged (code, message, details).
 *
 * A box answering UNAVAILABLE is retried once on another instance of the Comune, but only for calls
 * that are safe to repeat: GetIndividualRecord, ListCertificateTypes, PreviewCertificate (no side
 * effects) and IssueCertificate with an `idempotency_key` (the box replays the first result, so
 * no second certificate or charge). An IssueCertificate without a key is never retried: the first
 * box may have issued it.
 */
import { Metadata } from "@grpc/grpc-js";
import type { CertificationService } from "#gen/novabox/certification/v1/certification_service_pb.js";
import type { ConsultationService } from "#gen/novabox/consultation/v1/consultation_service_pb.js";
import type { CallContext, ClientCallOptions, GrpcClient, ServiceImpl } from "#shared/grpc-adapter.js";
import { GrpcCode, RpcError } from "#shared/grpc-status.js";
import { requireComuneCode } from "../domain/discovery-rules.js";
import { InvalidDiscoveryInputError } from "../domain/errors.js";
import type { Instance } from "../domain/model.js";
import type { RoutingTable } from "../domain/routing-table.js";

/** Typed clients of one box, over its pooled channel. */
export interface BoxClients {
  certification(instance: Instance): GrpcClient<typeof CertificationService>;
  consultation(instance: Instance): GrpcClient<typeof ConsultationService>;
}

/** Minimal logger of the forwarders. */
export interface ForwardingLogger {
  debug(details: object, message: string): void;
  warn(details: object, message: string): void;
}

/** Options of {@link createForwardingHandlers}. */
export interface ForwardingHandlersOptions {
  table: RoutingTable;
  clients: BoxClients;
  /** Told when a box answered UNAVAILABLE, so the registry can re-check it early. */
  reportUnavailable?: (instanceId: string) => void;
  /** Deadline applied when the caller set none (default 120 000 ms: ANPR can be slow). */
  defaultDeadlineMs?: number;
  logger?: ForwardingLogger;
}

/** The request headers forwarded to the box unchanged. */
export const forwardedHeaders: readonly string[] = ["authorization", "x-request-id"];

/** The header naming the Comune when the request field is empty. */
export const comuneHeader = "x-comune-code";

/** The forwarding handlers of both services. */
export interface ForwardingHandlers {
  certification: ServiceImpl<typeof CertificationService>;
  consultation: ServiceImpl<typeof ConsultationService>;
}

/** Creates the {@link ForwardingHandlers}. */
export function createForwardingHandlers(options: ForwardingHandlersOptions): ForwardingHandlers {
  const { table, clients } = options;
  const defaultDeadlineMs = options.defaultDeadlineMs ?? 120_000;

  const comuneOf = (fieldValue: string, context: CallContext): string => {
    const header = context.requestMetadata.get(comuneHeader)[0];
    const code = fieldValue.trim() || (typeof header === "string" ? header.trim() : "");
    if (!code) {
      throw new InvalidDiscoveryInputError("comune_code", `comune_code is required (or the ${comuneHeader} header): the six-digit ISTAT code of the Comune whose Novabox serves the call`, "MISSING_COMUNE_CODE");
    }
    return requireComuneCode(code);
  };

  const callOptions = (context: CallContext): ClientCallOptions => {
    const metadata = new Metadata();
    for (const key of forwardedHeaders) for (const value of context.requestMetadata.get(key)) metadata.add(key, value);
    return { metadata, deadline: context.deadline ?? Date.now() + defaultDeadlineMs, signal: context.signal };
  };

  async function forward<T>(comuneCode: string, retryable: boolean, context: CallContext, call: (instance: Instance, options: ClientCallOptions) => Promise<T>): Promise<T> {
    const perCall = callOptions(context);
    const first = table.pick(comuneCode);
    try {
      return await call(first, perCall);
    } catch (err) {
      if (!(err instanceof RpcError) || err.code !== GrpcCode.UNAVAILABLE) throw err;
      options.logger?.warn({ instanceId: first.instanceId, comuneCode, rpc: context.method.name, message: err.message }, "Novabox unavailable");
      options.reportUnavailable?.(first.instanceId);
      if (!retryable || context.signal.aborted) throw err;
      let second: Instance;
      try {
        second = table.pick(comuneCode, new Set([first.instanceId]));
      } catch {
        throw err;
      }
      options.logger?.debug({ from: first.instanceId, to: second.instanceId, comuneCode, rpc: context.method.name }, "retrying on another Novabox");
      return await call(second, perCall);
    }
  }

  return {
    certification: {
      listCertificateTypes: (request, context) => {
        const comuneCode = comuneOf(request.comuneCode, context);
        return forward(comuneCode, true, context, (box, o) => clients.certification(box).listCertificateTypes({ ...request, comuneCode }, o));
      },
      previewCertificate: (request, context) => {
        const comuneCode = comuneOf(request.comuneCode, context);
        return forward(comuneCode, true, context, (box, o) => clients.certification(box).previewCertificate({ ...request, comuneCode }, o));
      },
      issueCertificate: (request, context) => {
        const comuneCode = comuneOf(request.comuneCode, context);
        return forward(comuneCode, request.idempotencyKey.trim() !== "", context, (box, o) => clients.certification(box).issueCertificate({ ...request, comuneCode }, o));
      },
    },
    consultation: {
      getIndividualRecord: (request, context) => {
        const comuneCode = comuneOf(request.comuneCode, context);
        return forward(comuneCode, true, context, (box, o) => clients.consultation(box).getIndividualRecord({ ...request, comuneCode }, o));
      },
    },
  };
}
