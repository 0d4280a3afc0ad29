/**
 * Who may call what on a Novabox, in one place: the policy of every method of every service the box
 * serves, and the one check per policy that the server runs before the handler
 * (#shared/rpc/call-auth.js). Handlers read the verified caller from `context.principal`.
 *
 * - `public`: anyone (the setup status, the first admin's registration, login).
 * - `admin`: an admin session (`authorization: Bearer <session token>`).
 * - `mesh-peer`: with mesh TLS, a caller whose certificate names the Novares router or gateway.
 * - `tobacconist`: a mesh peer as above carrying a tobacconist's verified SSO token. Whether the
 *   Comune revoked that tobacconist is the domain's decision (domain/sso.ts `assertNotRevoked`),
 *   taken once per call where the refusal is audited.
 */
import type { AccountService } from "#gen/novabox/account/v1/account_service_pb.js";
import type { AlertService } from "#gen/novabox/alert/v1/alert_service_pb.js";
import type { CertificationService } from "#gen/novabox/certification/v1/certification_service_pb.js";
import type { ConfigService } from "#gen/novabox/config/v1/config_service_pb.js";
import type { ConsultationService } from "#gen/novabox/consultation/v1/consultation_service_pb.js";
import { bearerToken as parseBearer } from "#shared/mesh/bearer-token.js";
import type { MeshPeerGuard } from "#shared/mesh/mesh-peer-guard.js";
import { createAuthStep, type Authenticate, type AuthPolicies, type AuthStep } from "#shared/rpc/call-auth.js";
import type { CallContext } from "#shared/rpc/call-context.js";
import type { AdminService } from "../domain/admin-service.js";
import type { BoxSsoVerifier } from "../domain/sso.js";

/** The box's policies. */
export type BoxPolicy = "public" | "admin" | "mesh-peer" | "tobacconist";

/** novabox.certification.v1.CertificationService: the type list to Novares, certificates to tobacconists. */
export const certificationPolicies: AuthPolicies<typeof CertificationService, BoxPolicy> = {
  listCertificateTypes: "mesh-peer",
  previewCertificate: "tobacconist",
  issueCertificate: "tobacconist",
};

/** novabox.consultation.v1.ConsultationService. */
export const consultationPolicies: AuthPolicies<typeof ConsultationService, BoxPolicy> = {
  getIndividualRecord: "tobacconist",
};

/** novabox.alert.v1.AlertService: Novares reports alerts about the box's Comune. */
export const alertPolicies: AuthPolicies<typeof AlertService, BoxPolicy> = {
  reportMassExtraction: "mesh-peer",
};

/** novabox.account.v1.AccountService: the admin panel's monthly account. */
export const accountPolicies: AuthPolicies<typeof AccountService, BoxPolicy> = {
  getMonthlyAccount: "admin",
  exportMonthlyAccount: "admin",
};

/** novabox.config.v1.ConfigService: the admin panel's API; only what a first visit needs is public. */
export const configPolicies: AuthPolicies<typeof ConfigService, BoxPolicy> = {
  getSetupStatus: "public",
  registerAdmin: "public",
  login: "public",
  changePassword: "admin",
  getConfig: "admin",
  updateConfig: "admin",
  uploadCaCertificate: "admin",
  uploadWorkstationCertificate: "admin",
  testAnprConnection: "admin",
  testNovaresConnection: "admin",
  listAuditLog: "admin",
  exportAuditLog: "admin",
  verifyAuditLog: "admin",
  exportAuditCsv: "admin",
  getAuditSummary: "admin",
  listUnsettledIssuances: "admin",
};

/** Options of {@link createBoxAuth}. */
export interface BoxAuthOptions {
  admin: Pick<AdminService, "verifySession">;
  sso: Pick<BoxSsoVerifier, "verify">;
  /** The mesh peer check; undefined on a plaintext development mesh (no certificate to check). */
  peerGuard?: MeshPeerGuard | undefined;
}

/** The box's auth step (#shared/rpc/call-auth.js). */
export type BoxAuth = AuthStep<BoxPolicy>;

/** Creates the {@link BoxAuth}. */
export function createBoxAuth(options: BoxAuthOptions): BoxAuth {
  const meshPeer = (context: CallContext) => options.peerGuard?.(context);
  const checks: Record<BoxPolicy, Authenticate> = {
    public: () => ({ kind: "public" }),
    "mesh-peer": (context) => ({ kind: "mesh-peer", peer: meshPeer(context) }),
    admin: async (context) => ({
      kind: "admin",
      username: (await options.admin.verifySession(bearerToken(context))).username,
    }),
    tobacconist: async (context) => {
      meshPeer(context);
      return { kind: "tobacconist", identity: await options.sso.verify(bearerToken(context)) };
    },
  };
  return createAuthStep(checks);
}

/** The token of `authorization: Bearer <token>`, or undefined when absent. */
function bearerToken(context: CallContext): string | undefined {
  return parseBearer(context.requestHeader.get("authorization") ?? undefined);
}

/**
 * The caller's IP address, for throttling login attempts per source: from the grpc-js peer
 * (`127.0.0.1:5000`, `ipv4:…`, `[::1]:5000`) or the address the HTTP listener took from the socket
 * (never from a header the client could set). "unknown" when there is none.
 */
export function sourceAddress(context: CallContext): string {
  const peer = context.peer.trim().replace(/^ipv[46]:/, "");
  if (!peer) return "unknown";
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(peer);
  if (bracketed) return bracketed[1]!.replace(/^::ffff:/, "");
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3})(?::\d+)?$/.exec(peer);
  if (v4) return v4[1]!;
  return peer.replace(/^::ffff:/, "");
}
