/**
 * novabox.certification.v1.CertificationService and novabox.consultation.v1.ConsultationService at
 * the gateway: every call comes authenticated by the gateway's auth step (handlers/auth.ts: the SSO
 * token verified before the handler runs); the handler checks or fills in the tobacconist, admits by the mesh-wide limits (previews, certificates and records: not the type
 * list), and then forwarded unchanged to the router, which routes it to the Comune's box with the
 * tobacconist's mesh-wide count of the last minute (`x-novares-quota-minute`) for the box's own,
 * second-line limit. Nothing reaches the router before the token has been verified. Each certificate
 * issued (not replayed) is added to the Novares ledger.
 */
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import type { CertificationService } from "#gen/novabox/certification/v1/certification_service_pb.js";
import type { ConsultationService } from "#gen/novabox/consultation/v1/consultation_service_pb.js";
import type { CallContext, GrpcClient, ServiceImpl } from "#shared/rpc/grpc-adapter.js";
import type { ErrorLogger } from "#shared/rpc/grpc-status.js";
import type { CallFacts } from "#shared/runtime/observability.js";
import { principalOf } from "#shared/rpc/call-auth.js";
import { romeMonth, type LedgerEntry, type QuotaGuard } from "../domain/quota.js";
import { effectiveTobacconistId } from "#shared/mesh/sso-token.js";
import { quotaMinuteHeader } from "#shared/rpc/mesh-headers.js";
import { forwardOptions } from "./forwarding.js";

/** Options of the tobacconist-facing handler factories. */
export interface TobacconistHandlersOptions<S extends typeof CertificationService | typeof ConsultationService> {
  /** The router's client of the same service. */
  router: GrpcClient<S>;
  logger?: ErrorLogger;
  /** The mesh-wide limits; none = no gateway limits (the boxes' own still apply). */
  quota?: QuotaGuard;
  /** The current time (the ledger's month); default the system clock. */
  clock?: () => Date;
  /** Records an issued certificate in the Novares ledger (failures are logged, never fail the call). */
  ledger?: (entry: LedgerEntry) => Promise<void>;
  /** Attaches the Comune and the verified tobacconist to the call's span and access-log line (observability.ts). */
  annotate?: (facts: CallFacts) => void;
}

/**
 * The request to forward for the verified caller (the auth step's principal): with `tobacconistId`
 * set to the signed-in tobacconist when the message has that field.
 */
function authorize<M extends MessageShape<DescMessage>>(request: M, context: CallContext): M {
  const { identity } = principalOf(context, "tobacconist");
  if (!("tobacconistId" in request)) return request;
  const tobacconistId = effectiveTobacconistId(identity, String(request.tobacconistId));
  return { ...request, tobacconistId };
}

/** What the limits need to know of a request: its Comune and the person it is about. */
function subjectOf(request: MessageShape<DescMessage>): { comuneCode: string; fiscalCode?: string } {
  const r = request as { comuneCode?: string; fiscalCode?: string; subject?: { fiscalCode?: string } };
  const fiscalCode = r.subject?.fiscalCode ?? r.fiscalCode;
  return { comuneCode: r.comuneCode ?? "", ...(fiscalCode ? { fiscalCode } : {}) };
}

async function forward<M extends MessageShape<DescMessage>, R>(
  options: Pick<TobacconistHandlersOptions<typeof CertificationService>, "quota" | "annotate">,
  request: M,
  context: CallContext,
  call: (request: M, extra: Record<string, string>) => Promise<R>,
  limited: boolean,
): Promise<R> {
  const authorized = authorize(request, context);
  const { comuneCode } = subjectOf(authorized);
  options.annotate?.({
    ...(comuneCode ? { comune: comuneCode } : {}),
    ...("tobacconistId" in authorized ? { tobacconist: String(authorized.tobacconistId) } : {}),
  });
  const extra: Record<string, string> = {};
  if (limited && options.quota && "tobacconistId" in authorized) {
    const { fiscalCode } = subjectOf(authorized);
    const { minuteCount } = await options.quota.admit(String(authorized.tobacconistId), comuneCode, fiscalCode);
    extra[quotaMinuteHeader] = String(minuteCount);
  }
  return call(authorized, extra);
}

/** The CertificationService handlers (ListCertificateTypes, PreviewCertificate, IssueCertificate). */
export function createCertificationHandlers(
  options: TobacconistHandlersOptions<typeof CertificationService>,
): ServiceImpl<typeof CertificationService> {
  const { router } = options;
  const opts = (context: CallContext, extra: Record<string, string>) =>
    forwardOptions(context, { withAuthorization: true, extra });
  return {
    listCertificateTypes: (request, context) =>
      forward(options, request, context, (r, extra) => router.listCertificateTypes(r, opts(context, extra)), false),
    previewCertificate: (request, context) =>
      forward(options, request, context, (r, extra) => router.previewCertificate(r, opts(context, extra)), true),
    issueCertificate: (request, context) =>
      forward(
        options,
        request,
        context,
        async (r, extra) => {
          const issued = await router.issueCertificate(r, opts(context, extra));
          if (options.ledger && !issued.replayed) {
            const charges = issued.charges;
            await options
              .ledger({
                tobacconistId: r.tobacconistId,
                comuneCode: r.comuneCode,
                month: romeMonth((options.clock?.() ?? new Date()).getTime()),
                serviceFeeCents: Number(charges?.serviceFeeCents ?? 0n),
                stampDutyCents: Number(charges?.stampDutyCents ?? 0n),
                exempt: r.stampDuty.case === "stampDutyExemption",
              })
              .catch((err: unknown) =>
                options.logger?.error({ err }, "could not record the certificate in the Novares ledger"),
              );
          }
          return issued;
        },
        true,
      ),
  };
}

/** The ConsultationService handlers (GetIndividualRecord). */
export function createConsultationHandlers(
  options: TobacconistHandlersOptions<typeof ConsultationService>,
): ServiceImpl<typeof ConsultationService> {
  const { router } = options;
  return {
    getIndividualRecord: (request, context) =>
      forward(
        options,
        request,
        context,
        (r, extra) => router.getIndividualRecord(r, forwardOptions(context, { withAuthorization: true, extra })),
        true,
      ),
  };
}
