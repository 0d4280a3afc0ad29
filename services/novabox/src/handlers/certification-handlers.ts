/**
 * novabox.certification.v1.CertificationService: maps messages to the domain's certification
 * service and back. The caller is the tobacconist named by the verified SSO token; the request's
 * `tobacconist_id`, when set, must be that one.
 */
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  RequesterType,
  type CertificationService as CertificationServiceDesc,
  type IssueCertificateRequest,
  type PreviewCertificateRequest,
} from "#gen/novabox/certification/v1/certification_service_pb.js";
import type { ServiceImpl } from "#shared/rpc/grpc-adapter.js";
import type { AnprMessage } from "../anpr-client/anpr-errors.js";
import type { CertificationService, Caller } from "../domain/certification-service.js";
import type { SsoVerifier } from "../domain/sso.js";
import type { CertificateInput, StampDutyInput } from "../domain/validation.js";
import { effectiveTobacconistId } from "#shared/mesh/sso-token.js";
import { AnprSeverity } from "#gen/novabox/common/v1/anpr_pb.js";
import { quotaMinuteHeader } from "#shared/rpc/mesh-headers.js";
import { bearerToken } from "./auth.js";
import type { CallContext } from "#shared/rpc/grpc-adapter.js";
import type { CallFacts } from "#shared/runtime/observability.js";

const languageCodes = ["", "IT", "DE", "FR", "SL"] as const;

/** Options for {@link createCertificationHandlers}. */
export interface CertificationHandlersOptions {
  certification: CertificationService;
  sso: SsoVerifier;
  /** Checks the mesh peer before anything else (only the router and gateway may call); omitted on a plaintext box. */
  peerGuard?: (context: CallContext) => unknown;
  /** Attaches the call's Comune and tobacconist to its span and access-log line (observability.ts). */
  annotate?: (facts: CallFacts) => void;
}

/** What a request id taken from a caller's `x-request-id` may look like (observability.ts adopts only these). */
const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The tobacconist behind a call, checked against the request's tobacconist_id. The call's
 * `x-request-id` (adopted end to end from the gateway) becomes the audit request id, so the id on the
 * tobacconist's receipt finds the audit row and the access-log line of every service.
 */
export async function tobacconistCaller(
  sso: SsoVerifier,
  context: CallContext,
  requestedTobacconist: string,
): Promise<Caller> {
  const identity = await sso.verify(bearerToken(context));
  const mesh = Number(context.requestMetadata.get(quotaMinuteHeader)[0] ?? "");
  const requestId = context.requestMetadata.get("x-request-id")[0];
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

function certificateInput(request: IssueCertificateRequest | PreviewCertificateRequest): CertificateInput {
  let stampDuty: StampDutyInput | undefined;
  if (request.stampDuty.case === "stampDutyPaid") stampDuty = { type: "paid" };
  else if (request.stampDuty.case === "stampDutyExemption") {
    stampDuty = {
      type: "exempt",
      reason: request.stampDuty.value.reason,
      description: request.stampDuty.value.description,
    };
  }
  const language = languageCodes[request.language] ?? "";
  return {
    comuneCode: request.comuneCode,
    subject: {
      fiscalCode: request.subject?.fiscalCode ?? "",
      surname: request.subject?.surname ?? "",
      name: request.subject?.name ?? "",
    },
    certificateTypes: request.certificateTypes.map(Number),
    languages: language ? [language] : [],
    useAbroad: request.useAbroad,
    ...(request.requesterType === RequesterType.THIRD_PARTY
      ? { requesterType: 1 as const }
      : request.requesterType === RequesterType.SUBJECT
        ? { requesterType: 2 as const }
        : {}),
    stampDuty,
    ...(request.reason ? { reason: { code: request.reason.reason, description: request.reason.description } } : {}),
  };
}

/** Creates the CertificationService handlers. */
export function createCertificationHandlers(
  options: CertificationHandlersOptions,
): ServiceImpl<typeof CertificationServiceDesc> {
  const { certification, sso } = options;
  const guard = options.peerGuard ?? (() => undefined);
  return {
    listCertificateTypes(request, context) {
      guard(context);
      return {
        certificateTypes: certification.listCertificateTypes(undefined, request.comuneCode).map((t) => ({
          type: t.id,
          description: t.description,
          experimentalPhase: t.experimentalPhase,
          enabled: t.enabled,
        })),
      };
    },
    async issueCertificate(request, context) {
      guard(context);
      options.annotate?.({ comune: request.comuneCode });
      const caller = await tobacconistCaller(sso, context, request.tobacconistId);
      options.annotate?.({ tobacconist: caller.tobacconistId });
      const issued = await certification.issue(
        { ...certificateInput(request), idempotencyKey: request.idempotencyKey },
        caller,
      );
      return {
        pdf: issued.pdf,
        anprProtocolNumber: issued.protocolNumber,
        anprOperationId: issued.anprOperationId,
        warnings: anprMessages(issued.warnings),
        charges: chargesMessage(issued.charges),
        issuedAt: timestampFromDate(issued.issuedAt),
        certificateTypes: issued.certificateTypes,
        requestId: issued.requestId,
        replayed: issued.replayed,
      };
    },
    async previewCertificate(request, context) {
      guard(context);
      options.annotate?.({ comune: request.comuneCode });
      const caller = await tobacconistCaller(sso, context, request.tobacconistId);
      options.annotate?.({ tobacconist: caller.tobacconistId });
      const preview = await certification.preview(certificateInput(request), caller);
      return {
        pdf: preview.pdf,
        anprOperationId: preview.anprOperationId,
        warnings: anprMessages(preview.warnings),
        charges: chargesMessage(preview.charges),
        certificateTypes: preview.certificateTypes,
        requestId: preview.requestId,
        previewedAt: timestampFromDate(preview.previewedAt),
      };
    },
  };
}

function chargesMessage(c: {
  serviceFeeCents: number;
  stampDutyCents: number;
  secretariatFeesCents: number;
  totalCents: number;
}) {
  return {
    serviceFeeCents: BigInt(c.serviceFeeCents),
    stampDutyCents: BigInt(c.stampDutyCents),
    secretariatFeesCents: BigInt(c.secretariatFeesCents),
    totalCents: BigInt(c.totalCents),
  };
}
