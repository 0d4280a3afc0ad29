/**
 * novabox.certification.v1.CertificationService and novabox.consultation.v1.ConsultationService at
 * the gateway: every call is authenticated (the SSO token verified, the tobacconist checked or
 * filled in) and then forwarded unchanged to the router, which routes it to the Comune's box.
 * Nothing reaches the router before the token has been verified.
 */
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import type { CertificationService } from "#gen/novabox/certification/v1/certification_service_pb.js";
import type { ConsultationService } from "#gen/novabox/consultation/v1/consultation_service_pb.js";
import type { CallContext, GrpcClient, ServiceImpl } from "#shared/grpc-adapter.js";
import type { ErrorLogger } from "#shared/grpc-status.js";
import type { SsoVerifier } from "../domain/sso-verifier.js";
import { effectiveTobacconistId } from "../domain/tobacconist-guard.js";
import { forwardOptions, requestHeader } from "./forwarding.js";
import { toGatewayError } from "./upstream-error.js";

/** Options of the tobacconist-facing handler factories. */
export interface TobacconistHandlersOptions<S extends typeof CertificationService | typeof ConsultationService> {
  /** The router's client of the same service. */
  router: GrpcClient<S>;
  sso: SsoVerifier;
  logger?: ErrorLogger;
}

/**
 * Verifies the caller and returns the request to forward: with `tobacconistId` set to the signed-in
 * tobacconist when the message has that field.
 */
async function authorize<M extends MessageShape<DescMessage>>(sso: SsoVerifier, request: M, context: CallContext): Promise<M> {
  const identity = await sso.verify(requestHeader(context, "authorization"));
  if (!("tobacconistId" in request)) return request;
  const tobacconistId = effectiveTobacconistId(identity, String(request.tobacconistId));
  return { ...request, tobacconistId };
}

async function forward<M extends MessageShape<DescMessage>, R>(sso: SsoVerifier, request: M, context: CallContext, call: (request: M) => Promise<R>, logger?: ErrorLogger): Promise<R> {
  try {
    return await call(await authorize(sso, request, context));
  } catch (err) {
    throw toGatewayError(err, logger);
  }
}

/** The CertificationService handlers (ListCertificateTypes, PreviewCertificate, IssueCertificate). */
export function createCertificationHandlers(options: TobacconistHandlersOptions<typeof CertificationService>): ServiceImpl<typeof CertificationService> {
  const { router, sso, logger } = options;
  return {
    listCertificateTypes: (request, context) => forward(sso, request, context, (r) => router.listCertificateTypes(r, forwardOptions(context, { withAuthorization: true })), logger),
    previewCertificate: (request, context) => forward(sso, request, context, (r) => router.previewCertificate(r, forwardOptions(context, { withAuthorization: true })), logger),
    issueCertificate: (request, context) => forward(sso, request, context, (r) => router.issueCertificate(r, forwardOptions(context, { withAuthorization: true })), logger),
  };
}

/** The ConsultationService handlers (GetIndividualRecord). */
export function createConsultationHandlers(options: TobacconistHandlersOptions<typeof ConsultationService>): ServiceImpl<typeof ConsultationService> {
  const { router, sso, logger } = options;
  return {
    getIndividualRecord: (request, context) => forward(sso, request, context, (r) => router.getIndividualRecord(r, forwardOptions(context, { withAuthorization: true })), logger),
  };
}
