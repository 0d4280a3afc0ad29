/**
 * CertificationService, ConsultationService and AlertService as the router serves them: each call goes to a
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
 * Retries on another instance of the Comune happen only when the first box was not reached or
 * could not answer at the transport level, never when the box itself answered: a status carrying the
 * box's details (e.g. google.rpc.ErrorInfo reason ANPR_UNAVAILABLE or ANPR_OUTCOME_UNKNOWN) is
 * relayed as is — ANPR is the same for every box of the Comune, and a box that sent the request to
 * ANPR holds its pending record. Reads (GetIndividualRecord, ListCertificateTypes,
 * PreviewCertificate) are retried once on a transport UNAVAILABLE. IssueCertificate is retried only
 * when the box was certainly not reached (connection refused, no connection established), and only
 * with an `idempotency_key`: once a box may have received the request, it may have drawn the key's
 * `idOperazioneComune` and sent it to ANPR, and another box would draw a different id and make a
 * second certificate. Such a key is pinned to that box (in this router's memory, for
 * `pinnedKeyTtlMs`): its retries go to that box only, and while the box is down the router answers
 * UNAVAILABLE with ErrorInfo reason NOVABOX_HOLDS_REQUEST and a `retryAfterSeconds` hint instead of
 * trying the Comune's other box. Without a pin, a keyed IssueCertificate goes to the key's owner
 * among the serving boxes (domain/key-owner.ts: rendezvous hashing, the same on every router and
 * after a restart), so a retry that reaches another router replica still finds the box holding its
 * pending record while that box serves. The pending records themselves stay in the box (README,
 * "Exactly one certificate per request").
 */
import {
  Metadata,
  status as GrpcCode,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceError,
  type UntypedHandleCall,
} from "@grpc/grpc-js";
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { CertificationService } from "#gen/novabox/certification/v1/certification_service_pb.js";
import { ConsultationService } from "#gen/novabox/consultation/v1/consultation_service_pb.js";
import { AlertService } from "#gen/novabox/alert/v1/alert_service_pb.js";
import { grpcMethodPath, type PassThroughHandlers } from "#shared/rpc/grpc-adapter.js";
import { toServiceError } from "#shared/rpc/grpc-status.js";
import { forwardedHeaders } from "#shared/rpc/mesh-headers.js";
import { DomainError } from "#shared/runtime/domain-error.js";
import { describeMeshIdentity, meshIdentityOfSubjectAltName, type MeshIdentity } from "#shared/mesh/mesh-identity.js";
import type { CallFacts } from "#shared/runtime/observability.js";
import { requireComuneCode } from "../domain/discovery-rules.js";
import { InvalidDiscoveryInputError, MeshIdentityRefusedError, NoHealthyInstanceError } from "../domain/errors.js";
import { keyOwner, keyRoutingId } from "../domain/key-owner.js";
import type { Instance } from "../domain/model.js";
import { readStringField, withStringField } from "../domain/request-fields.js";
import type { RoutingTable } from "../domain/routing-table.js";
import type { Log } from "#shared/runtime/log.js";

/**
 * What the forwarder needs of a connection to a box: one unary call of raw bytes, the callback
 * getting the box's answer or its status as grpc-js reports it (code, details, trailers).
 */
export interface UnaryChannel {
  makeUnaryRequest(
    path: string,
    serialize: (value: Buffer) => Buffer,
    deserialize: (bytes: Buffer) => Buffer,
    request: Buffer,
    metadata: Metadata,
    options: { deadline: Date | number },
    callback: (err: ServiceError | null, answer?: Buffer) => void,
  ): { cancel(): void };
}

/** The pooled connection of one box (mutual TLS in the mesh). */
export interface BoxChannels {
  channel(instance: Instance): UnaryChannel;
  /** Why the box's certificate was refused for its Comune (its channel cannot connect), if it was. */
  identityRefusal?(instance: Instance): string | undefined;
}

/** Options of {@link createForwardingHandlers}. */
export interface ForwardingHandlersOptions {
  table: RoutingTable;
  channels: BoxChannels;
  /** Told when a box answered UNAVAILABLE, so the registry can re-check it early. */
  reportUnavailable?: (instanceId: string) => void;
  /** Deadline applied when the caller set none (default 120 000 ms: ANPR can be slow). */
  defaultDeadlineMs?: number;
  /** How long a key stays pinned to the box that may hold its pending record (default 7 days, the box's idempotency retention). */
  pinnedKeyTtlMs?: number;
  /** The retry hint of NOVABOX_HOLDS_REQUEST, in seconds (default 30). */
  retryAfterSeconds?: number;
  logger?: Pick<Log, "debug" | "warn" | "error">;
  /**
   * On a mutual-TLS mesh, refuse (PERMISSION_DENIED) a call to a service restricted to some Novares
   * roles when the caller's certificate names another role — e.g. AlertService, which only the
   * gateway may use, so a box cannot write alerts into another Comune's audit log through the router.
   */
  enforceCallerRoles?: boolean;
  /** Attaches the Comune and the chosen instance to the call's span and access-log line (observability.ts). */
  annotate?: (facts: CallFacts) => void;
}

/** The header naming the Comune when the request field is empty. */
export const comuneHeader = "x-comune-code";

/** Field numbers read from the wire (see the .proto files: field 1 of every request). */
const COMUNE_CODE_FIELD = 1;
const IDEMPOTENCY_KEY_FIELD = 3;
/** IssueCertificateRequest.tobacconist_id. */
const TOBACCONIST_ID_FIELD = 2;

/** The forwarding handlers of both services, keyed by rpc name, for pass-through registration. */
export interface ForwardingHandlers {
  certification: PassThroughHandlers;
  consultation: PassThroughHandlers;
  alert: PassThroughHandlers;
}

const identity = (bytes: Buffer): Buffer => bytes;

/** Whether a call may be repeated on another box after UNAVAILABLE (see the module comment). */
type RetryRule = (request: Buffer) => boolean;

const always: RetryRule = () => true;
const never: RetryRule = () => false;
const withIdempotencyKey: RetryRule = (request) =>
  (readStringField(request, IDEMPOTENCY_KEY_FIELD) ?? "").trim() !== "";

/** True when the box produced the status itself (our servers always attach google.rpc.Status details). */
export function answeredByBox(err: ServiceError): boolean {
  return err.metadata?.get("grpc-status-details-bin").length > 0;
}

/** True when the call certainly never reached the box (no connection could be established). */
export function boxNotReached(err: ServiceError): boolean {
  return (
    err.code === GrpcCode.UNAVAILABLE &&
    !answeredByBox(err) &&
    /No connection established|ECONNREFUSED|Connection refused|Failed to connect|Name resolution failed|ENOTFOUND|EHOSTUNREACH|ENETUNREACH/i.test(
      `${err.details} ${err.message}`,
    )
  );
}

/** The pin of an idempotency key to the box that may hold its pending record. */
interface Pin {
  instanceId: string;
  until: number;
}

/** Creates the {@link ForwardingHandlers}. */
export function createForwardingHandlers(options: ForwardingHandlersOptions): ForwardingHandlers {
  const { table, channels } = options;
  const defaultDeadlineMs = options.defaultDeadlineMs ?? 120_000;
  const pinnedKeyTtlMs = options.pinnedKeyTtlMs ?? 7 * 86_400_000;
  const retryAfterSeconds = options.retryAfterSeconds ?? 30;
  /** Keys a box may hold a pending record of: comune, tobacconist field and key → the box. */
  const pins = new Map<string, Pin>();
  const pinKey = (comuneCode: string, request: Buffer): string | undefined => {
    const key = (readStringField(request, IDEMPOTENCY_KEY_FIELD) ?? "").trim();
    return key ? keyRoutingId(comuneCode, readStringField(request, TOBACCONIST_ID_FIELD) ?? "", key) : undefined;
  };
  const pinned = (id: string | undefined): Pin | undefined => {
    if (id === undefined) return undefined;
    const pin = pins.get(id);
    if (pin && pin.until < Date.now()) {
      pins.delete(id);
      return undefined;
    }
    return pin;
  };
  const pin = (id: string | undefined, instanceId: string) => {
    if (id === undefined) return;
    pins.delete(id);
    pins.set(id, { instanceId, until: Date.now() + pinnedKeyTtlMs });
    if (pins.size > 100_000) pins.delete(pins.keys().next().value!);
  };
  /** UNAVAILABLE with a retry hint: the key stays with the box that may hold its pending record. */
  const holdsRequest = (instanceId: string, comuneCode: string, why: string): ServiceError =>
    toServiceError(
      new DomainError(
        "unavailable",
        `the Novabox ${instanceId} of comune ${comuneCode} ${why}; it may have sent this certificate request to ANPR, so the request is not sent to another Novabox: retry with the same idempotency_key in ${retryAfterSeconds} s or later`,
        {
          reason: "NOVABOX_HOLDS_REQUEST",
          metadata: { instanceId, comuneCode, retryAfterSeconds: String(retryAfterSeconds) },
        },
      ),
    ) as ServiceError;

  /** The Comune of the call, and the request to send (field 1 filled in when it came from the header). */
  const route = (call: ServerUnaryCall<Buffer, Buffer>): { comuneCode: string; request: Buffer } => {
    const field = readStringField(call.request, COMUNE_CODE_FIELD) ?? "";
    const header = call.metadata.get(comuneHeader)[0];
    const code = field.trim() || (typeof header === "string" ? header.trim() : "");
    if (!code) {
      throw new InvalidDiscoveryInputError(
        "comune_code",
        `comune_code is required (or the ${comuneHeader} header): the six-digit ISTAT code of the Comune whose Novabox serves the call`,
        "MISSING_COMUNE_CODE",
      );
    }
    const comuneCode = requireComuneCode(code);
    return {
      comuneCode,
      request: field === comuneCode ? call.request : withStringField(call.request, COMUNE_CODE_FIELD, comuneCode),
    };
  };

  /** PERMISSION_DENIED when the box's certificate names another Comune (the handshake was refused). */
  const refused = (instance: Instance): MeshIdentityRefusedError | undefined => {
    const refusal = channels.identityRefusal?.(instance);
    return refusal
      ? new MeshIdentityRefusedError(refusal, "BOX_IDENTITY_MISMATCH", {
          comuneCode: instance.comuneCode,
          instanceId: instance.instanceId,
        })
      : undefined;
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
      let keyPin: string | undefined;
      try {
        target = route(call);
        options.annotate?.({ comune: target.comuneCode });
        keyPin = retryRule === withIdempotencyKey ? pinKey(target.comuneCode, target.request) : undefined;
        const held = pinned(keyPin);
        if (held) {
          const holder = table.get(held.instanceId);
          if (!holder || holder.health !== "serving")
            return callback(holdsRequest(held.instanceId, target.comuneCode, "holding this request is not serving"));
          first = holder;
        } else
          first =
            (keyPin !== undefined ? keyOwner(keyPin, table.resolve(target.comuneCode)) : undefined) ??
            pick(target.comuneCode);
        options.annotate?.({ instance: first.instanceId });
      } catch (err) {
        return callback(toServiceError(err, options.logger, { rpc }));
      }
      const rawDeadline = call.getDeadline();
      const deadline =
        rawDeadline instanceof Date || Number.isFinite(rawDeadline) ? rawDeadline : Date.now() + defaultDeadlineMs;
      const forwardedMetadata = () => {
        const metadata = new Metadata();
        for (const key of forwardedHeaders) for (const value of call.metadata.get(key)) metadata.add(key, value);
        return metadata;
      };

      let cancelled = false;
      let inFlight: { cancel(): void } | undefined;
      call.once("cancelled", () => {
        cancelled = true;
        inFlight?.cancel();
      });

      const send = (instance: Instance, retriesLeft: boolean): void => {
        inFlight = channels.channel(instance).makeUnaryRequest(
          path,
          identity,
          identity,
          target.request,
          // A channel may add to the metadata it is given: each attempt gets its own copy.
          forwardedMetadata(),
          { deadline },
          (err: ServiceError | null, answer?: Buffer) => {
            inFlight = undefined;
            if (keyPin !== undefined) {
              if (!err) {
                pins.delete(keyPin);
                return callback(null, answer);
              }
              if (answeredByBox(err)) {
                // The box answered: an unknown outcome keeps the key with it, anything else settles it.
                const details = err.metadata.get("grpc-status-details-bin")[0];
                if (details instanceof Buffer && details.includes("ANPR_OUTCOME_UNKNOWN"))
                  pin(keyPin, instance.instanceId);
                else pins.delete(keyPin);
                return callback(err);
              }
              if (!boxNotReached(err) || pinned(keyPin)) {
                // The box may have received the request (or holds the key already): it stays with it.
                pin(keyPin, instance.instanceId);
                options.reportUnavailable?.(instance.instanceId);
                return callback(
                  err.code === GrpcCode.UNAVAILABLE
                    ? holdsRequest(instance.instanceId, target.comuneCode, `could not answer (${err.details})`)
                    : err,
                );
              }
            }
            if (!err) return callback(null, answer);
            if (err.code !== GrpcCode.UNAVAILABLE || answeredByBox(err)) return callback(err);
            const identity = refused(instance);
            const failure = identity ? toServiceError(identity, options.logger, { rpc }) : err;
            options.logger?.warn(
              {
                instanceId: instance.instanceId,
                comuneCode: target.comuneCode,
                rpc: method.name,
                message: identity?.message ?? err.details,
              },
              "Novabox unavailable",
            );
            options.reportUnavailable?.(instance.instanceId);
            if (!retriesLeft || cancelled || !retryRule(target.request)) return callback(failure);
            let second: Instance;
            try {
              second = table.pick(target.comuneCode, new Set([instance.instanceId]));
            } catch {
              return callback(failure);
            }
            options.logger?.debug(
              { from: instance.instanceId, to: second.instanceId, comuneCode: target.comuneCode, rpc: method.name },
              "retrying on another Novabox",
            );
            options.annotate?.({ instance: second.instanceId });
            send(second, false);
          },
        );
      };
      send(first, true);
    };
    return handler as UntypedHandleCall;
  };

  const handlersOf = (
    service: DescService,
    rules: Record<string, RetryRule>,
    callerRoles?: readonly MeshIdentity["role"][],
  ): PassThroughHandlers => {
    const handlers: PassThroughHandlers = {};
    for (const method of service.methods) {
      if (method.methodKind !== "unary") continue;
      const forward = forwardUnary(service, method, rules[method.name] ?? never) as (
        call: ServerUnaryCall<Buffer, Buffer>,
        callback: sendUnaryData<Buffer>,
      ) => void;
      handlers[method.name] =
        callerRoles && options.enforceCallerRoles
          ? (((call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
              const refusal = callerRefusal(call, callerRoles, `${service.typeName}/${method.name}`);
              if (refusal)
                return callback(toServiceError(refusal, options.logger, { rpc: `${service.typeName}/${method.name}` }));
              forward(call, callback);
            }) as UntypedHandleCall)
          : (forward as UntypedHandleCall);
    }
    return handlers;
  };

  /** Why the caller may not use a role-restricted service (its certificate names another role), if so. */
  const callerRefusal = (
    call: ServerUnaryCall<Buffer, Buffer>,
    roles: readonly MeshIdentity["role"][],
    rpc: string,
  ): DomainError | undefined => {
    const identity = meshIdentityOfSubjectAltName(call.getAuthContext().sslPeerCertificate?.subjectaltname);
    if (identity && roles.includes(identity.role)) return undefined;
    options.logger?.warn(
      { rpc, peer: call.getPeer(), caller: describeMeshIdentity(identity) },
      "call refused: the caller's mesh certificate does not name an allowed role",
    );
    return new DomainError(
      "forbidden",
      `${rpc} is served to the Novares ${roles.join(" or ")} only; the caller's mesh certificate names ${describeMeshIdentity(identity)}`,
      {
        reason: "MESH_PEER_NOT_ALLOWED",
      },
    );
  };

  return {
    certification: handlersOf(CertificationService, {
      ListCertificateTypes: always,
      PreviewCertificate: always,
      IssueCertificate: withIdempotencyKey,
    }),
    consultation: handlersOf(ConsultationService, { GetIndividualRecord: always }),
    // Delivery of the gateway's alerts to a Comune's box: idempotent by alert id, so any retry is safe.
    alert: handlersOf(AlertService, { ReportMassExtraction: always }, ["gateway"]),
  };
}
