/**
 * Who may call what through the gateway, in one place: the policy of every method of every service
 * it serves, and the one check per policy that runs before the handler (#shared/rpc/call-auth.js).
 * Handlers read the verified tobacconist from `context.principal`; none parses a token.
 *
 * - `public`: anyone (the console's live mesh view: listing and resolving boxes, watching them).
 * - `tobacconist`: a tobacconist's SSO token (`authorization: Bearer <JWT>`) verified against the
 *   gateway's trusted keys, issuer and audience — before anything reaches the router.
 * - `router-only`: refused here — boxes announce and withdraw to a Novares router over mutual TLS,
 *   never through the browsers' door.
 */
import type { CertificationService } from "#gen/novabox/certification/v1/certification_service_pb.js";
import type { ConsultationService } from "#gen/novabox/consultation/v1/consultation_service_pb.js";
import type { CounterService } from "#gen/novares/counter/v1/counter_service_pb.js";
import type { DiscoveryService } from "#gen/novares/discovery/v1/discovery_service_pb.js";
import type { SsoVerifier } from "#shared/mesh/sso-verifier.js";
import { createAuthStep, type Authenticate, type AuthPolicies, type AuthStep } from "#shared/rpc/call-auth.js";
import { AnnouncementNotAllowedError } from "../domain/errors.js";
import { requestHeader } from "./forwarding.js";

/** The gateway's policies. */
export type GatewayPolicy = "public" | "tobacconist" | "router-only";

/** novabox.certification.v1.CertificationService, forwarded for signed-in tobacconists only. */
export const certificationPolicies: AuthPolicies<typeof CertificationService, GatewayPolicy> = {
  listCertificateTypes: "tobacconist",
  previewCertificate: "tobacconist",
  issueCertificate: "tobacconist",
};

/** novabox.consultation.v1.ConsultationService. */
export const consultationPolicies: AuthPolicies<typeof ConsultationService, GatewayPolicy> = {
  getIndividualRecord: "tobacconist",
};

/** novares.counter.v1.CounterService: a tobacconist's own alerts and account (an operator's: all). */
export const counterPolicies: AuthPolicies<typeof CounterService, GatewayPolicy> = {
  listMassExtractionAlerts: "tobacconist",
  getTobacconistAccount: "tobacconist",
};

/** novares.discovery.v1.DiscoveryService: the mesh view is public; boxes announce to a router. */
export const discoveryPolicies: AuthPolicies<typeof DiscoveryService, GatewayPolicy> = {
  announce: "router-only",
  withdraw: "router-only",
  listInstances: "public",
  resolveComune: "public",
  watchInstances: "public",
};

/** Options of {@link createGatewayAuth}. */
export interface GatewayAuthOptions {
  sso: Pick<SsoVerifier, "verify">;
}

/** The gateway's auth step (#shared/rpc/call-auth.js). */
export type GatewayAuth = AuthStep<GatewayPolicy>;

/** Creates the {@link GatewayAuth}. */
export function createGatewayAuth(options: GatewayAuthOptions): GatewayAuth {
  const checks: Record<GatewayPolicy, Authenticate> = {
    public: () => ({ kind: "public" }),
    tobacconist: async (context) => ({
      kind: "tobacconist",
      identity: await options.sso.verify(requestHeader(context, "authorization")),
    }),
    "router-only": () => {
      throw new AnnouncementNotAllowedError();
    },
  };
  return createAuthStep(checks);
}
