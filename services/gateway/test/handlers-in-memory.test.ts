/**
 * The gateway's tobacconist-facing handlers called in memory through Connect's router transport,
 * the router behind them a recording stand-in of the {@link GrpcClient} port: nothing reaches the
 * router before the SSO token is verified, the signed-in tobacconist is filled in (or a mismatch
 * refused), only `authorization` and `x-request-id` cross into the mesh with the mesh-wide minute
 * count, the limits refuse with RESOURCE_EXHAUSTED, an issued certificate lands in the ledger, and an
 * upstream status keeps its code, message and every google.rpc detail — also types the gateway
 * does not know.
 */
import { describe, expect, it } from "@jest/globals";
import { generateKeyPairSync } from "node:crypto";
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { Metadata } from "@grpc/grpc-js";
import { create, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { anyPack, durationFromMs, durationMs } from "@bufbuild/protobuf/wkt";
import { SignJWT } from "jose";
import { ErrorInfoSchema, RetryInfoSchema } from "#gen/google/rpc/error_details_pb.js";
import { StatusSchema } from "#gen/google/rpc/status_pb.js";
import {
  CertificationService,
  IssueCertificateResponseSchema,
  ListCertificateTypesResponseSchema,
  PreviewCertificateResponseSchema,
  type IssueCertificateRequest,
  type IssueCertificateRequestSchema,
} from "#gen/novabox/certification/v1/certification_service_pb.js";
import {
  ConsultationService,
  GetIndividualRecordResponseSchema,
} from "#gen/novabox/consultation/v1/consultation_service_pb.js";
import { addConnectService } from "#shared/rpc/connect-adapter.js";
import { DomainError } from "#shared/runtime/domain-error.js";
import type { ClientCallOptions, GrpcClient } from "#shared/rpc/grpc-adapter.js";
import { fromServiceError, RpcError, toServiceError } from "#shared/rpc/grpc-status.js";
import { createMemoryQuotaStore } from "../src/domain/memory-quota-store.js";
import { createQuotaGuard, type LedgerEntry } from "../src/domain/quota.js";
import { createSsoVerifier, singleKeyResolver } from "#shared/mesh/sso-verifier.js";
import { quotaMinuteHeader } from "#shared/rpc/mesh-headers.js";
import { createCertificationHandlers, createConsultationHandlers } from "../src/handlers/tobacconist-handlers.js";
import {
  certificationPolicies,
  consultationPolicies,
  counterPolicies,
  createGatewayAuth,
  discoveryPolicies,
} from "../src/handlers/auth.js";
import { createCounterHandlers } from "../src/handlers/counter-handlers.js";
import { CounterService } from "#gen/novares/counter/v1/counter_service_pb.js";
import { DiscoveryService } from "#gen/novares/discovery/v1/discovery_service_pb.js";

const ISSUER = "https://sso.novares.test";
const AUDIENCE = "novabox";
const key = generateKeyPairSync("rsa", { modulusLength: 2048 });
const now = new Date("2026-11-30T10:00:00Z");
const clock = () => now;

const token = (tobacconistId: string) =>
  new SignJWT({})
    .setProtectedHeader({ alg: "RS256", typ: "JWT" })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(tobacconistId)
    .setIssuedAt(Math.floor(now.getTime() / 1000))
    .setExpirationTime(Math.floor(now.getTime() / 1000) + 300)
    .sign(key.privateKey);

/** A router stand-in: records each forwarded call; answers from `answer` or throws what it returns. */
function setup(options: { perMinute?: number; upstream?: () => Error | undefined } = {}) {
  const forwarded: { rpc: string; request: unknown; options: ClientCallOptions }[] = [];
  /** Records the call, then answers with `value` or fails as the test asked. */
  const answer = <T>(
    rpc: string,
    request: unknown,
    callOptions: ClientCallOptions | undefined,
    value: T,
  ): Promise<T> => {
    forwarded.push({ rpc, request, options: callOptions ?? {} });
    const err = options.upstream?.();
    return err ? Promise.reject(err) : Promise.resolve(value);
  };
  const certificationRouter = {
    listCertificateTypes: (request, callOptions) =>
      answer("ListCertificateTypes", request, callOptions, create(ListCertificateTypesResponseSchema)),
    previewCertificate: (request, callOptions) =>
      answer("PreviewCertificate", request, callOptions, create(PreviewCertificateResponseSchema)),
    issueCertificate: (request, callOptions) =>
      answer(
        "IssueCertificate",
        request,
        callOptions,
        create(IssueCertificateResponseSchema, {
          anprProtocolNumber: "P-1",
          charges: { serviceFeeCents: 200n, stampDutyCents: 1600n, secretariatFeesCents: 50n, totalCents: 1850n },
        }),
      ),
  } as GrpcClient<typeof CertificationService>;
  const consultationRouter = {
    getIndividualRecord: (request, callOptions) =>
      answer(
        "GetIndividualRecord",
        request,
        callOptions,
        create(GetIndividualRecordResponseSchema, { requestId: "r" }),
      ),
  } as GrpcClient<typeof ConsultationService>;
  const sso = createSsoVerifier({
    trust: () => ({ keys: singleKeyResolver(key.publicKey), issuer: ISSUER, audience: AUDIENCE }),
    clock,
  });
  const quota = createQuotaGuard({
    store: createMemoryQuotaStore(),
    limits: {
      perMinute: options.perMinute ?? 10,
      perDay: 100,
      massExtractionDistinctFiscalCodes: 50,
      massExtractionWindowSeconds: 3600,
    },
    clock,
  });
  const ledger: LedgerEntry[] = [];
  const auth = createGatewayAuth({ sso });
  const transport = createRouterTransport((router) => {
    addConnectService(
      router,
      CertificationService,
      auth.guard(
        CertificationService,
        createCertificationHandlers({
          router: certificationRouter,
          quota,
          clock,
          ledger: (entry) => Promise.resolve(void ledger.push(entry)),
        }),
        certificationPolicies,
      ),
    );
    addConnectService(
      router,
      ConsultationService,
      auth.guard(
        ConsultationService,
        createConsultationHandlers({ router: consultationRouter, quota }),
        consultationPolicies,
      ),
    );
  });
  return {
    forwarded,
    ledger,
    certification: createClient(CertificationService, transport),
    consultation: createClient(ConsultationService, transport),
  };
}

const issue: MessageInitShape<typeof IssueCertificateRequestSchema> = {
  comuneCode: "022205",
  idempotencyKey: "k-1",
  subject: { fiscalCode: "RSSMRA85T10A562S", surname: "ROSSI", name: "MARIO" },
  stampDuty: { case: "stampDutyPaid", value: {} },
};

async function failure(call: Promise<unknown>): Promise<ConnectError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConnectError);
  return err as ConnectError;
}

describe("gateway handlers in memory", () => {
  it("forwards with the signed-in tobacconist filled in, only authorization and x-request-id, and the mesh-wide minute count", async () => {
    const { certification, forwarded, ledger } = setup();
    const bearer = `Bearer ${await token("TAB-0001")}`;
    const issued = await certification.issueCertificate(issue, {
      headers: { authorization: bearer, "x-request-id": "req-9", cookie: "session=1", "x-novares-quota-minute": "0" },
    });
    expect(issued.anprProtocolNumber).toBe("P-1");
    expect(forwarded).toHaveLength(1);
    expect((forwarded[0]!.request as IssueCertificateRequest).tobacconistId).toBe("TAB-0001");
    expect(forwarded[0]!.options.metadata).toEqual({
      authorization: bearer,
      "x-request-id": "req-9",
      [quotaMinuteHeader]: "1",
    });
    expect(ledger).toEqual([
      {
        tobacconistId: "TAB-0001",
        comuneCode: "022205",
        month: "2026-11",
        serviceFeeCents: 200,
        stampDutyCents: 1600,
        exempt: false,
      },
    ]);
  });

  it("nothing reaches the router without a valid token", async () => {
    const { certification, consultation, forwarded } = setup();
    expect((await failure(certification.issueCertificate(issue))).code).toBe(Code.Unauthenticated);
    const forged = `Bearer ${(await token("TAB-0001")).slice(0, -4)}AAAA`;
    expect(
      (
        await failure(
          consultation.getIndividualRecord(
            { comuneCode: "022205", fiscalCode: "RSSMRA85T10A562S" },
            { headers: { authorization: forged } },
          ),
        )
      ).code,
    ).toBe(Code.Unauthenticated);
    expect(forwarded).toEqual([]);
  });

  it("CounterService answers only a verified tobacconist, and Announce stays refused at the gateway whatever its handler does", async () => {
    const auth = createGatewayAuth({
      sso: createSsoVerifier({
        trust: () => ({ keys: singleKeyResolver(key.publicKey), issuer: ISSUER, audience: AUDIENCE }),
        clock,
      }),
    });
    const announced: unknown[] = [];
    const transport = createRouterTransport((router) => {
      addConnectService(
        router,
        CounterService,
        auth.guard(
          CounterService,
          createCounterHandlers({ store: createMemoryQuotaStore(), operatorIds: [] }),
          counterPolicies,
        ),
      );
      // An Announce implementation wired by mistake: the "router-only" policy still refuses it.
      addConnectService(
        router,
        DiscoveryService,
        auth.guard(
          DiscoveryService,
          {
            announce: () => {
              announced.push(1);
              return {};
            },
          },
          discoveryPolicies,
        ),
      );
    });
    const counter = createClient(CounterService, transport);
    expect((await failure(counter.listMassExtractionAlerts({}))).code).toBe(Code.Unauthenticated);
    const signedIn = { headers: { authorization: `Bearer ${await token("TAB-0001")}` } };
    expect((await counter.getTobacconistAccount({ month: "2026-11" }, signedIn)).month).toBe("2026-11");
    // The handler sees who the auth step verified: another tobacconist's account is refused.
    const other = await failure(
      counter.getTobacconistAccount({ month: "2026-11", tobacconistId: "TAB-0002" }, signedIn),
    );
    expect(other.code).toBe(Code.PermissionDenied);
    expect(other.findDetails(ErrorInfoSchema)[0]?.reason).toBe("TOBACCONIST_MISMATCH");
    const closed = await failure(createClient(DiscoveryService, transport).announce({}));
    expect(closed.code).toBe(Code.PermissionDenied);
    expect(closed.findDetails(ErrorInfoSchema)[0]?.reason).toBe("ANNOUNCEMENTS_GO_TO_ROUTER");
    expect(announced).toEqual([]);
  });

  it("a request naming another tobacconist is refused PERMISSION_DENIED TOBACCONIST_MISMATCH before the router", async () => {
    const { certification, forwarded } = setup();
    const err = await failure(
      certification.issueCertificate(
        { ...issue, tobacconistId: "TAB-0002" },
        { headers: { authorization: `Bearer ${await token("TAB-0001")}` } },
      ),
    );
    expect(err.code).toBe(Code.PermissionDenied);
    expect(err.findDetails(ErrorInfoSchema)[0]?.reason).toBe("TOBACCONIST_MISMATCH");
    expect(forwarded).toEqual([]);
  });

  it("the mesh-wide per-minute quota refuses with RESOURCE_EXHAUSTED; the type list is not counted", async () => {
    const { certification, consultation, forwarded } = setup({ perMinute: 1 });
    const headers = { authorization: `Bearer ${await token("TAB-0001")}` };
    await certification.listCertificateTypes({ comuneCode: "022205" }, { headers });
    await consultation.getIndividualRecord({ comuneCode: "022205", fiscalCode: "RSSMRA85T10A562S" }, { headers });
    const err = await failure(certification.previewCertificate({ ...issue }, { headers }));
    expect(err.code).toBe(Code.ResourceExhausted);
    expect(forwarded.map((f) => f.rpc)).toEqual(["ListCertificateTypes", "GetIndividualRecord"]);
  });

  it("an upstream status keeps its code, message and every detail, including types the gateway does not decode", async () => {
    const upstream = () => {
      const status = toServiceError(
        new DomainError("unavailable", "ANPR non raggiungibile", {
          reason: "ANPR_UNAVAILABLE",
          metadata: { retryAfterSeconds: "30" },
        }),
      );
      return fromServiceError(Object.assign(new Error(status.details), status));
    };
    const { certification, ledger } = setup({ upstream });
    const err = await failure(
      certification.issueCertificate(issue, { headers: { authorization: `Bearer ${await token("TAB-0001")}` } }),
    );
    expect(err.code).toBe(Code.Unavailable);
    expect(err.rawMessage).toBe("ANPR non raggiungibile");
    expect(err.findDetails(ErrorInfoSchema)).toMatchObject([
      { reason: "ANPR_UNAVAILABLE", domain: "novabox.mesh", metadata: { retryAfterSeconds: "30" } },
    ]);
    expect(ledger).toEqual([]);
  });

  it("an upstream RetryInfo (a detail type the shared encoder never writes) arrives at the browser", async () => {
    const trailers = new Metadata();
    trailers.set(
      "grpc-status-details-bin",
      Buffer.from(
        toBinary(
          StatusSchema,
          create(StatusSchema, {
            code: 8,
            message: "slow down",
            details: [anyPack(RetryInfoSchema, create(RetryInfoSchema, { retryDelay: durationFromMs(1_500) }))],
          }),
        ),
      ),
    );
    const { consultation } = setup({ upstream: () => new RpcError(8, "slow down", {}, { trailers }) });
    const err = await failure(
      consultation.getIndividualRecord(
        { comuneCode: "022205", fiscalCode: "RSSMRA85T10A562S" },
        { headers: { authorization: `Bearer ${await token("TAB-0001")}` } },
      ),
    );
    expect(err.code).toBe(Code.ResourceExhausted);
    expect(durationMs(err.findDetails(RetryInfoSchema)[0]!.retryDelay!)).toBe(1_500);
  });
});
