/**
 * What the handlers of the tobacconists' services (Certification, Consultation) and the admin's
 * connection test share: the verified caller behind a call, and ANPR's messages as protobuf fields.
 */
import { AnprSeverity } from "#gen/novabox/common/v1/anpr_pb.js";
import { effectiveTobacconistId } from "#shared/mesh/sso-token.js";
import type { CallContext } from "#shared/rpc/grpc-adapter.js";
import { principalOf } from "#shared/rpc/call-auth.js";
import { quotaMinuteHeader } from "#shared/rpc/mesh-headers.js";
import type { AnprMessage, Caller } from "../domain/model.js";

/** What a request id taken from a caller's `x-request-id` may look like (observability.ts adopts only these). */
const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The tobacconist behind a call (verified by the server's auth step, auth.ts), checked against the
 * request's tobacconist_id. The call's
 * `x-request-id` (adopted end to end from the gateway) becomes the audit request id, so the id on the
 * tobacconist's receipt finds the audit row and the access-log line of every service.
 */
export function tobacconistCaller(context: CallContext, requestedTobacconist: string): Caller {
  const { identity } = principalOf(context, "tobacconist");
  const mesh = Number(context.requestHeader.get(quotaMinuteHeader) ?? "");
  const requestId = context.requestHeader.get("x-request-id") ?? undefined;
  return {
    tobacconistId: effectiveTobacconistId(identity, requestedTobacconist),
    authenticationMethod: "SSO_TOKEN",
    ...(Number.isInteger(mesh) && mesh > 0 ? { meshMinuteCount: mesh } : {}),
    ...(typeof requestId === "string" && requestIdPattern.test(requestId) ? { requestId } : {}),
  };
}

/** ANPR messages → novabox.common.v1.AnprMessage fields. */
export function anprMessages(messages: readonly AnprMessage[]) {
  return messages.map((m) => ({
    code: m.code,
    severity: m.severity === "W" ? AnprSeverity.WARNING : AnprSeverity.ERROR,
    text: m.text,
    object: m.object ?? "",
    field: m.field ?? "",
    value: m.value ?? "",
  }));
}
