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
import type { CertificationService } from "../domain/certification-service.js";
import type { CertificateInput, StampDutyInput } from "../domain/validation.js";
import { anprMessages, tobacconistCaller } from "./tobacconist-calls.js";
import type { CallFacts } from "#shared/runtime/observability.js";

const languageCodes = ["", "IT", "DE", "FR", "SL"] as const;

/** Options for {@link createCertificationHandlers}. */
export interface CertificationHandlersOptions {
  certification: CertificationService;
  /** Attaches the call's Comune and tobacconist to its span and access-log line (observability.ts). */
  annotate?: (facts: CallFacts) => void;
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
  const { certification } = options;
  return {
    listCertificateTypes(request) {
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
      options.annotate?.({ comune: request.comuneCode });
      const caller = tobacconistCaller(context, request.tobacconistId);
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
      options.annotate?.({ comune: request.comuneCode });
      const caller = tobacconistCaller(context, request.tobacconistId);
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
