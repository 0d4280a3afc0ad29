/**
 * The Novabox's Certification and Consultation handlers called in memory through Connect's router
 * transport (no socket, no process): the request mapping from protobuf to the domain (stamp duty
 * oneof, language, requester type, stated reason), the response mapping back (charges as int64,
 * warnings' severity, timestamps), the caller check against the SSO token, and every domain error
 * arriving as its gRPC code with google.rpc details. The domain runs for real on the fakes of its
 * ports (fakes.ts); only ANPR is a fake gateway.
 */
import { describe, expect, it } from "@jest/globals";
import { generateKeyPairSync } from "node:crypto";
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { SignJWT } from "jose";
import { BadRequestSchema, ErrorInfoSchema } from "#gen/google/rpc/error_details_pb.js";
import { AnprSeverity } from "#gen/novabox/common/v1/anpr_pb.js";
import {
  CertificateLanguage,
  CertificateType,
  CertificationService,
  RequesterType,
  RequestReason,
} from "#gen/novabox/certification/v1/certification_service_pb.js";
import { ConsultationService, HouseholdKind } from "#gen/novabox/consultation/v1/consultation_service_pb.js";
import { addConnectService } from "#shared/rpc/connect-adapter.js";
import { AnprRejectedError } from "../src/domain/anpr-errors.js";
import { createCertificationService } from "../src/domain/certification-service.js";
import { createConsultationService } from "../src/domain/consultation-service.js";
import type { Settings } from "../src/domain/model.js";
import { createRateLimiter } from "../src/domain/rate-limiter.js";
import { createBoxSsoVerifier } from "../src/domain/sso.js";
import { createCertificationHandlers } from "../src/handlers/certification-handlers.js";
import { createConsultationHandlers } from "../src/handlers/consultation-handlers.js";
import { certificationPolicies, consultationPolicies, createBoxAuth } from "../src/handlers/auth.js";
import {
  FAKE_PDF,
  fakeAuditLog,
  fakeClock,
  fakeGateway,
  fakeIdempotencyStore,
  fakePendingStore,
  fiscalCodeFor,
  testSettings,
} from "./fakes.js";

const ISSUER = "https://sso.novares.test";
const AUDIENCE = "novabox";
const sso = generateKeyPairSync("rsa", { modulusLength: 2048 });
const fiscalCode = fiscalCodeFor(3);

function setup(options: { settings?: Partial<Settings>; gateway?: ReturnType<typeof fakeGateway> } = {}) {
  const clock = fakeClock();
  const settings = testSettings({
    ssoPublicKeyPem: sso.publicKey.export({ type: "spki", format: "pem" }).toString(),
    ssoIssuer: ISSUER,
    ssoAudience: AUDIENCE,
    ...options.settings,
  });
  const audit = fakeAuditLog(clock);
  const idempotency = fakeIdempotencyStore();
  const gateway = options.gateway ?? fakeGateway();
  const limiter = createRateLimiter({ settings: () => settings, clock });
  let n = 0;
  const deps = {
    anpr: () => gateway,
    settings: () => settings,
    audit,
    limiter,
    clock,
    newRequestId: () => `req-${++n}`,
  };
  const certification = createCertificationService({ ...deps, idempotency, pending: fakePendingStore(idempotency) });
  const consultation = createConsultationService(deps);
  const verifier = createBoxSsoVerifier({ settings: () => settings, clock });
  // The box's auth step as the server runs it (no mesh TLS in memory: no peer to check).
  const auth = createBoxAuth({
    admin: { verifySession: () => Promise.reject(new Error("no admin calls in this test")) },
    sso: verifier,
  });
  const transport = createRouterTransport((router) => {
    addConnectService(
      router,
      CertificationService,
      auth.guard(CertificationService, createCertificationHandlers({ certification }), certificationPolicies),
    );
    addConnectService(
      router,
      ConsultationService,
      auth.guard(ConsultationService, createConsultationHandlers({ consultation }), consultationPolicies),
    );
  });
  const token = async (tobacconistId = "TAB-0001") => {
    const now = Math.floor(clock().getTime() / 1000);
    return new SignJWT({ name: "Tabaccheria Centrale" })
      .setProtectedHeader({ alg: "RS256", typ: "JWT" })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(tobacconistId)
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .sign(sso.privateKey);
  };
  const headers = async (tobacconistId?: string) => ({ authorization: `Bearer ${await token(tobacconistId)}` });
  return {
    clock,
    audit,
    gateway,
    certification: createClient(CertificationService, transport),
    consultation: createClient(ConsultationService, transport),
    headers,
  };
}

const subject = { fiscalCode, surname: "Bianchi", name: "Luca" };

/** The ConnectError a call failed with. */
async function failure(call: Promise<unknown>): Promise<ConnectError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConnectError);
  return err as ConnectError;
}

describe("Novabox handlers in memory: request mapping", () => {
  it("maps an exempt, German, subject-requested certificate with a stated reason to the ANPR request, and the answer back", async () => {
    const { certification, gateway, headers, audit, clock } = setup();
    const response = await certification.issueCertificate(
      {
        comuneCode: "022205",
        idempotencyKey: "key-1",
        subject,
        certificateTypes: [CertificateType.RESIDENCE, CertificateType.FAMILY_STATUS],
        language: CertificateLanguage.DE,
        useAbroad: true,
        stampDuty: { case: "stampDutyExemption", value: { reason: 1, description: "" } },
        requesterType: RequesterType.SUBJECT,
        reason: { reason: RequestReason.NOTARY, description: "" },
      },
      { headers: await headers() },
    );
    expect(gateway.calls.issueCertificate).toHaveLength(1);
    expect(gateway.calls.issueCertificate[0]).toMatchObject({
      certificateTypes: [CertificateType.RESIDENCE, CertificateType.FAMILY_STATUS],
      languages: ["IT", "DE"],
      subject: { fiscalCode, surname: "Bianchi", name: "Luca" },
      requesterType: 2,
      useAbroad: 1,
      stampDuty: { exemption: 1 },
    });
    expect(response.pdf).toEqual(FAKE_PDF);
    expect(response.anprProtocolNumber).toBe("202611230001");
    expect(response.certificateTypes).toEqual([CertificateType.RESIDENCE, CertificateType.FAMILY_STATUS]);
    expect(response.charges).toMatchObject({
      serviceFeeCents: 200n,
      stampDutyCents: 0n,
      secretariatFeesCents: 50n,
      totalCents: 250n,
    });
    expect(timestampDate(response.issuedAt!)).toEqual(clock());
    expect(response.replayed).toBe(false);
    expect(response.requestId).toBe("req-1");
    expect(audit.entries).toMatchObject([
      { operation: "CERTIFICATE_ISSUE", outcome: "SUCCESS", tobacconistId: "TAB-0001" },
    ]);
  });

  it("maps a paid certificate with no language and no requester type to Italian, a third party, the configured stamp duty", async () => {
    const { certification, gateway, headers } = setup();
    const response = await certification.issueCertificate(
      {
        idempotencyKey: "key-2",
        subject,
        certificateTypes: [CertificateType.RESIDENCE],
        stampDuty: { case: "stampDutyPaid", value: {} },
        reason: { reason: RequestReason.BANK_INSURANCE },
      },
      { headers: await headers() },
    );
    expect(gateway.calls.issueCertificate[0]).toMatchObject({
      languages: [],
      requesterType: 1,
      useAbroad: 0,
      stampDuty: { paidCents: 1600 },
    });
    expect(response.charges).toMatchObject({ stampDutyCents: 1600n, totalCents: 1850n });
  });

  it("a retry with the same key is replayed by the domain and says so", async () => {
    const { certification, gateway, headers } = setup();
    const request = {
      idempotencyKey: "key-3",
      subject,
      certificateTypes: [CertificateType.RESIDENCE],
      stampDuty: { case: "stampDutyPaid" as const, value: {} },
    };
    const first = await certification.issueCertificate(request, { headers: await headers() });
    const second = await certification.issueCertificate(request, { headers: await headers() });
    expect(second).toMatchObject({
      replayed: true,
      anprProtocolNumber: first.anprProtocolNumber,
      requestId: first.requestId,
    });
    expect(gateway.calls.issueCertificate).toHaveLength(1);
  });

  it("maps ANPR's warnings to AnprMessage with their severity", async () => {
    const gateway = fakeGateway();
    const issue = gateway.issueCertificate.bind(gateway);
    gateway.issueCertificate = async (input, options) => ({
      ...(await issue(input, options)),
      warnings: [{ code: "EW001", severity: "W", text: "dato incompleto", field: "indirizzo" }],
    });
    const { certification, headers } = setup({ gateway });
    const response = await certification.previewCertificate(
      { subject, certificateTypes: [CertificateType.RESIDENCE], stampDuty: { case: "stampDutyPaid", value: {} } },
      { headers: await headers() },
    );
    expect(response.warnings).toMatchObject([
      {
        code: "EW001",
        severity: AnprSeverity.WARNING,
        text: "dato incompleto",
        field: "indirizzo",
        object: "",
        value: "",
      },
    ]);
    expect(gateway.calls.issueCertificate[0]).toMatchObject({ issuance: 3 });
  });

  it("lists the certificate types with this box's enabled flags", async () => {
    const { certification, headers } = setup({ settings: { enabledCertificateTypes: [CertificateType.RESIDENCE] } });
    const { certificateTypes } = await certification.listCertificateTypes(
      { comuneCode: "022205" },
      { headers: await headers() },
    );
    expect(certificateTypes.find((t) => t.type === CertificateType.RESIDENCE)).toMatchObject({ enabled: true });
    expect(certificateTypes.find((t) => t.type === CertificateType.FAMILY_STATUS)).toMatchObject({ enabled: false });
  });

  it("maps the individual record and its household to the structured message", async () => {
    const { consultation, gateway, headers } = setup();
    const response = await consultation.getIndividualRecord(
      { comuneCode: "022205", fiscalCode },
      { headers: await headers() },
    );
    expect(gateway.calls.getIndividualRecord).toMatchObject([{ fiscalCode }]);
    expect(response.record).toMatchObject({ fiscalCode, surname: "BIANCHI", name: "LUCA" });
    expect(response.record?.household).toBeUndefined();
    expect(response.requestId).toBe("req-1");

    const withFamily = fakeGateway();
    const read = withFamily.getIndividualRecord.bind(withFamily);
    withFamily.getIndividualRecord = async (input, options) => {
      const answer = await read(input, options);
      return {
        ...answer,
        subject: { ...answer.subject, familyId: "F-1", relationshipCode: "1", sex: "M", birthDate: "1980-03-04" },
        familyMembers: [
          { fiscalCode: "", surname: "BIANCHI", name: "ANNA", sex: "F", relationshipCode: "2", citizenships: [] },
        ],
      };
    };
    const family = setup({ gateway: withFamily });
    const { record } = await family.consultation.getIndividualRecord(
      { fiscalCode },
      { headers: await family.headers() },
    );
    expect(record?.birth?.date).toMatchObject({ year: 1980, month: 3, day: 4 });
    expect(record?.household).toMatchObject({ kind: HouseholdKind.FAMILY, anprHouseholdId: "F-1" });
    expect(record?.household?.members.map((m) => [m.name, m.position, m.relationshipCode])).toEqual([
      ["LUCA", 1, 1],
      ["ANNA", 2, 2],
    ]);
  });
});

describe("Novabox handlers in memory: errors as gRPC codes with details", () => {
  it("no token: UNAUTHENTICATED TOKEN_MISSING, and nothing reaches ANPR", async () => {
    const { certification, gateway } = setup();
    const err = await failure(
      certification.issueCertificate({
        idempotencyKey: "k",
        subject,
        certificateTypes: [CertificateType.RESIDENCE],
        stampDuty: { case: "stampDutyPaid", value: {} },
      }),
    );
    expect(err.code).toBe(Code.Unauthenticated);
    expect(err.findDetails(ErrorInfoSchema)).toMatchObject([{ reason: "TOKEN_MISSING", domain: "novabox.mesh" }]);
    expect(gateway.calls.issueCertificate).toHaveLength(0);
  });

  it("a tobacconist_id other than the token's: PERMISSION_DENIED TOBACCONIST_MISMATCH naming the field", async () => {
    const { certification, gateway, headers } = setup();
    const err = await failure(
      certification.issueCertificate(
        {
          tobacconistId: "TAB-0002",
          idempotencyKey: "k",
          subject,
          certificateTypes: [CertificateType.RESIDENCE],
          stampDuty: { case: "stampDutyPaid", value: {} },
        },
        { headers: await headers("TAB-0001") },
      ),
    );
    expect(err.code).toBe(Code.PermissionDenied);
    expect(err.findDetails(ErrorInfoSchema)).toMatchObject([{ reason: "TOBACCONIST_MISMATCH" }]);
    expect(err.findDetails(BadRequestSchema)[0]?.fieldViolations).toMatchObject([{ field: "tobacconist_id" }]);
    expect(gateway.calls.issueCertificate).toHaveLength(0);
  });

  it("a revoked tobacconist: PERMISSION_DENIED TOBACCONIST_REVOKED, audited as DENIED", async () => {
    const { consultation, headers, audit } = setup({
      settings: {
        revokedTobacconists: [
          { tobacconistId: "TAB-0001", revokedAt: new Date("2026-11-01T00:00:00Z"), reason: "contract ended" },
        ],
      },
    });
    const err = await failure(consultation.getIndividualRecord({ fiscalCode }, { headers: await headers() }));
    expect(err.code).toBe(Code.PermissionDenied);
    expect(err.findDetails(ErrorInfoSchema)).toMatchObject([{ reason: "TOBACCONIST_REVOKED" }]);
    // Checked once, in the domain: the refusal is in the audit log as DENIED.
    expect(audit.entries).toMatchObject([
      { operation: "INDIVIDUAL_RECORD", outcome: "DENIED", tobacconistId: "TAB-0001" },
    ]);
  });

  it("a wrong fiscal code: INVALID_ARGUMENT with the field in BadRequest and a message the tobacconist can act on", async () => {
    const { certification, gateway, headers } = setup();
    const wrong = `${fiscalCode.slice(0, 15)}${fiscalCode.endsWith("A") ? "B" : "A"}`;
    const err = await failure(
      certification.issueCertificate(
        {
          idempotencyKey: "k",
          subject: { ...subject, fiscalCode: wrong },
          certificateTypes: [CertificateType.RESIDENCE],
          stampDuty: { case: "stampDutyPaid", value: {} },
        },
        { headers: await headers() },
      ),
    );
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage).toMatch(/check character/);
    expect(err.findDetails(BadRequestSchema)[0]?.fieldViolations).toMatchObject([{ field: "subject.fiscal_code" }]);
    expect(gateway.calls.issueCertificate).toHaveLength(0);
  });

  it("no stamp duty in the oneof: INVALID_ARGUMENT naming stamp_duty", async () => {
    const { certification, headers } = setup();
    const err = await failure(
      certification.issueCertificate(
        { idempotencyKey: "k", subject, certificateTypes: [CertificateType.RESIDENCE] },
        { headers: await headers() },
      ),
    );
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.findDetails(BadRequestSchema)[0]?.fieldViolations[0]?.field).toMatch(/^stamp_duty/);
  });

  it("another Comune's code: FAILED_PRECONDITION, before ANPR", async () => {
    const { certification, gateway, headers } = setup();
    const err = await failure(
      certification.issueCertificate(
        {
          comuneCode: "022161",
          idempotencyKey: "k",
          subject,
          certificateTypes: [CertificateType.RESIDENCE],
          stampDuty: { case: "stampDutyPaid", value: {} },
        },
        { headers: await headers() },
      ),
    );
    expect(err.code).toBe(Code.FailedPrecondition);
    expect(gateway.calls.issueCertificate).toHaveLength(0);
  });

  it("ANPR's refusal: its code and text travel in ErrorInfo, and the refusal is audited", async () => {
    const gateway = fakeGateway({
      fail: () => new AnprRejectedError([{ code: "EN160", severity: "E", text: "soggetto non certificabile" }], "99"),
    });
    const { certification, headers, audit } = setup({ gateway });
    const err = await failure(
      certification.issueCertificate(
        {
          idempotencyKey: "k",
          subject,
          certificateTypes: [CertificateType.RESIDENCE],
          stampDuty: { case: "stampDutyPaid", value: {} },
        },
        { headers: await headers() },
      ),
    );
    expect(err.findDetails(ErrorInfoSchema)).toMatchObject([
      { reason: "ANPR_REJECTED", metadata: { anprCode: "EN160" } },
    ]);
    expect(err.rawMessage).toContain("soggetto non certificabile");
    expect(audit.entries).toMatchObject([{ outcome: "ANPR_ERROR", anprErrorCode: "EN160" }]);
  });
});
