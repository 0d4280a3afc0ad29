import { describe, expect, it } from "@jest/globals";
import { DomainError } from "#shared/runtime/domain-error.js";
import {
  AnprRejectedError,
  AnprTimeoutError,
  AnprUnavailableError,
  AnprWrongSubjectError,
} from "../src/domain/anpr-errors.js";
import { IssuanceOutcomeUnknownError } from "../src/domain/errors.js";
import { createCertificationService, type IssueCertificateInput } from "../src/domain/certification-service.js";
import type { AnprGateway } from "../src/domain/ports.js";
import { createConsultationService } from "../src/domain/consultation-service.js";
import type { Settings } from "../src/domain/model.js";
import { createRateLimiter } from "../src/domain/rate-limiter.js";
import {
  FAKE_PDF,
  fakeAuditLog,
  fakeClock,
  fakeGateway,
  fakeIdempotencyStore,
  fakePendingStore,
  fiscalCodeFor,
} from "./fakes.js";
import { testSettings } from "./fakes.js";

const caller = { tobacconistId: "tab-0042", authenticationMethod: "SSO_TOKEN" as const };
const input: IssueCertificateInput = {
  idempotencyKey: "0b9c5d1e-1111-4222-8333-444455556666",
  subject: { fiscalCode: fiscalCodeFor(7), surname: "Bianchi", name: "Luca" },
  certificateTypes: [8, 12],
  useAbroad: false,
  stampDuty: { type: "paid" },
};

function setup<G extends AnprGateway = ReturnType<typeof fakeGateway>>(
  options: { gateway?: G; settings?: Partial<Settings>; anpr?: () => AnprGateway } = {},
) {
  const clock = fakeClock();
  const audit = fakeAuditLog(clock);
  const idempotency = fakeIdempotencyStore();
  const gateway = (options.gateway ?? fakeGateway()) as G;
  const settings = testSettings(options.settings);
  const limiter = createRateLimiter({ settings: () => settings, clock });
  let n = 0;
  const deps = {
    anpr: options.anpr ?? (() => gateway),
    settings: () => settings,
    audit,
    limiter,
    clock,
    newRequestId: () => `req-${++n}`,
  };
  const pending = fakePendingStore(idempotency);
  const service = createCertificationService({ ...deps, idempotency, pending });
  const consultation = createConsultationService(deps);
  return { clock, audit, idempotency, pending, gateway, service, consultation };
}

describe("certification service: exactly one certificate per idempotency key", () => {
  const timeout = () => new AnprTimeoutError(10_000);

  it("a retry after a lost answer sends the same idOperazioneComune; audited OUTCOME_UNKNOWN then RECOVERED", async () => {
    const gateway = fakeGateway({ fail: (call) => (call === 1 ? timeout() : undefined) });
    const { service, audit, pending } = setup({ gateway });
    const lost = await service.issue(input, caller).catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(IssuanceOutcomeUnknownError);
    expect((lost as IssuanceOutcomeUnknownError).reason).toBe("ANPR_OUTCOME_UNKNOWN");
    expect((lost as IssuanceOutcomeUnknownError).metadata).toMatchObject({
      cause: "ANPR_TIMEOUT",
      retryAfterSeconds: "30",
      idOperazioneComune: gateway.operationIds[0],
    });
    expect(pending.all()).toMatchObject([{ state: "pending", attempts: 1, operationId: gateway.operationIds[0] }]);
    const retry = await service.issue(input, caller);
    expect(gateway.operationIds).toEqual([gateway.operationIds[0], gateway.operationIds[0]]);
    expect(retry.protocolNumber).toBe("202611230001");
    expect(audit.entries.map((e) => e.outcome)).toEqual(["OUTCOME_UNKNOWN", "RECOVERED"]);
    expect(audit.entries[0]!.detail).toContain(`idOperazioneComune ${gateway.operationIds[0]!}`);
    expect(audit.entries[1]).toMatchObject({ anprProtocolNumber: "202611230001" });
    expect(pending.all()).toEqual([]);
    const third = await service.issue(input, caller);
    expect(third.replayed).toBe(true);
    expect(gateway.operationIds).toHaveLength(2);
  });

  it("a refusal by ANPR is kept: a retry gets the same refusal without a new operation", async () => {
    const gateway = fakeGateway({
      fail: () => new AnprRejectedError([{ code: "EN160", severity: "E", text: "soggetto non certificabile" }], "99"),
    });
    const { service, audit } = setup({ gateway });
    await expect(service.issue(input, caller)).rejects.toMatchObject({ reason: "ANPR_REJECTED" });
    await expect(service.issue(input, caller)).rejects.toMatchObject({
      reason: "ANPR_REJECTED",
      metadata: { anprCode: "EN160" },
    });
    expect(gateway.operationIds).toHaveLength(1);
    expect(audit.entries.map((e) => [e.outcome, e.anprErrorCode])).toEqual([
      ["ANPR_ERROR", "EN160"],
      ["ANPR_ERROR", "EN160"],
    ]);
  });

  it("an answer about someone else is never returned nor stored; the id is abandoned and a retry draws a new one", async () => {
    const gateway = fakeGateway({
      fail: (call) => (call === 1 ? new AnprWrongSubjectError("fiscal code: another person") : undefined),
    });
    const { service, audit, idempotency, pending } = setup({ gateway });
    await expect(service.issue(input, caller)).rejects.toMatchObject({
      reason: "ANPR_WRONG_SUBJECT",
      kind: "data-loss",
    });
    expect(idempotency.size).toBe(0);
    expect(pending.all()).toEqual([]);
    expect(audit.entries[0]).toMatchObject({ outcome: "FAILED" });
    expect(audit.entries[0]!.detail).toMatch(/abandoned; ANPR_WRONG_SUBJECT/);
    await service.issue(input, caller);
    expect(new Set(gateway.operationIds).size).toBe(2);
  });

  it("the settling task recovers an unknown outcome with the same id; the key's retry then gets the certificate", async () => {
    let down = true;
    const gateway = fakeGateway({ fail: () => (down ? timeout() : undefined) });
    const { service, audit, pending } = setup({ gateway });
    await expect(service.issue(input, caller)).rejects.toBeInstanceOf(IssuanceOutcomeUnknownError);
    expect(await service.settleUnknownOutcomes()).toEqual({ recovered: 0, refused: 0, stillUnknown: 1, abandoned: 0 });
    down = false;
    expect(await service.settleUnknownOutcomes()).toEqual({ recovered: 1, refused: 0, stillUnknown: 0, abandoned: 0 });
    expect(pending.all()).toEqual([]);
    expect(new Set(gateway.operationIds).size).toBe(1);
    expect(audit.entries.map((e) => [e.outcome, e.authenticationMethod])).toEqual([
      ["OUTCOME_UNKNOWN", "SSO_TOKEN"],
      ["OUTCOME_UNKNOWN", "SYSTEM"],
      ["RECOVERED", "SYSTEM"],
    ]);
    const retry = await service.issue(input, caller);
    expect(retry.replayed).toBe(true);
    expect(retry.protocolNumber).toBe("202611230001");
  });

  it("the same key with other fields while pending is refused", async () => {
    const gateway = fakeGateway({ fail: () => timeout() });
    const { service } = setup({ gateway });
    await expect(service.issue(input, caller)).rejects.toBeInstanceOf(IssuanceOutcomeUnknownError);
    await expect(service.issue({ ...input, certificateTypes: [1] }, caller)).rejects.toMatchObject({
      reason: "IDEMPOTENCY_KEY_REUSED",
    });
  });
});

describe("certification service: issue", () => {
  it("issues through ANPR, charges fee + bollo + diritti, audits with the protocol number", async () => {
    const { service, audit, gateway } = setup();
    const result = await service.issue(input, caller);
    expect(result).toMatchObject({
      protocolNumber: "202611230001",
      charges: { serviceFeeCents: 200, stampDutyCents: 1600, secretariatFeesCents: 50, totalCents: 1850 },
      certificateTypes: [8, 12],
      requestId: "req-1",
      replayed: false,
      issuedAt: new Date("2026-11-23T09:00:00.000Z"),
    });
    expect(result.pdf).toEqual(FAKE_PDF);
    const sent = gateway.calls.issueCertificate[0];
    expect(sent).toMatchObject({
      certificateTypes: [8, 12],
      subject: { fiscalCode: input.subject.fiscalCode, surname: "Bianchi", name: "Luca" },
      officer: { surname: "ROSSI", name: "MARIA" },
      issuance: 1,
      useAbroad: 0,
      requesterType: 1,
      stampDuty: { paidCents: 1600 },
      feesCents: 50,
    });
    expect(audit.entries).toHaveLength(1);
    expect(audit.entries[0]).toMatchObject({
      operation: "CERTIFICATE_ISSUE",
      outcome: "SUCCESS",
      authenticationMethod: "SSO_TOKEN",
      fiscalCode: input.subject.fiscalCode,
      requestId: "req-1",
      tobacconistId: "tab-0042",
      anprProtocolNumber: "202611230001",
      anprOperationId: result.anprOperationId,
    });
  });

  it("replays an idempotent retry without a second ANPR call", async () => {
    const { service, gateway, audit, clock } = setup();
    const first = await service.issue(input, caller);
    clock.advance(5000);
    const second = await service.issue(
      { ...input, subject: { ...input.subject, fiscalCode: input.subject.fiscalCode.toLowerCase() } },
      caller,
    );
    expect(gateway.calls.issueCertificate).toHaveLength(1);
    expect(second).toEqual({ ...first, replayed: true });
    expect(audit.entries.map((e) => [e.operation, e.outcome, e.anprProtocolNumber])).toEqual([
      ["CERTIFICATE_ISSUE", "SUCCESS", "202611230001"],
      ["CERTIFICATE_ISSUE", "SUCCESS", "202611230001"],
    ]);
    expect(audit.entries[1]?.detail).toContain("idempotent replay of request req-1");
  });

  it("makes one ANPR call for concurrent retries with the same key", async () => {
    const { service, gateway } = setup();
    const [a, b] = await Promise.all([service.issue(input, caller), service.issue(input, caller)]);
    expect(gateway.calls.issueCertificate).toHaveLength(1);
    expect([a.replayed, b.replayed].sort()).toEqual([false, true]);
  });

  it("refuses the same key with other fields as already-exists", async () => {
    const { service, gateway, audit } = setup();
    await service.issue(input, caller);
    await expect(service.issue({ ...input, certificateTypes: [8] }, caller)).rejects.toMatchObject({
      kind: "already-exists",
      reason: "IDEMPOTENCY_KEY_REUSED",
      field: "idempotency_key",
    });
    expect(gateway.calls.issueCertificate).toHaveLength(1);
    expect(audit.entries[1]).toMatchObject({ outcome: "INVALID", requestId: "req-2" });
    await expect(service.issue(input, { ...caller, tobacconistId: "tab-0099" })).resolves.toMatchObject({
      replayed: false,
    });
  });

  it("audits an ANPR KO with its code and rethrows the error", async () => {
    const ko = new AnprRejectedError(
      [{ code: "EN042", severity: "E", text: "Soggetto da certificare non presente in ANPR" }],
      "998877",
    );
    const { service, audit, idempotency } = setup({ gateway: fakeGateway({ fail: ko }) });
    await expect(service.issue(input, { ...caller, requestId: "req-given" })).rejects.toBe(ko);
    expect(audit.entries).toEqual([
      expect.objectContaining({
        operation: "CERTIFICATE_ISSUE",
        outcome: "ANPR_ERROR",
        anprErrorCode: "EN042",
        anprOperationId: "998877",
        requestId: "req-given",
        fiscalCode: input.subject.fiscalCode,
      }),
    ]);
    expect(idempotency.size).toBe(0);
  });

  it("audits an unreachable ANPR as FAILED and a missing configuration too", async () => {
    const down = setup({
      gateway: fakeGateway({
        fail: new AnprUnavailableError("connection refused", undefined, { requestNotSent: true }),
      }),
    });
    await expect(down.service.issue(input, caller)).rejects.toMatchObject({ kind: "unavailable" });
    expect(down.audit.entries[0]).toMatchObject({ outcome: "FAILED", anprErrorCode: "" });
    expect(down.pending.all()).toEqual([]);
    const unconfigured = setup({
      anpr: () => {
        throw new DomainError("precondition-failed", "not configured", { reason: "NOT_CONFIGURED" });
      },
    });
    await expect(unconfigured.service.issue(input, caller)).rejects.toMatchObject({ kind: "precondition-failed" });
    expect(unconfigured.audit.entries[0]).toMatchObject({ operation: "CERTIFICATE_ISSUE", outcome: "INVALID" });
  });

  it("charges no stamp duty for an exemption, and no diritti when table 39 says so", async () => {
    const { service, gateway } = setup();
    const onlus = await service.issue(
      { ...input, idempotencyKey: "k1", stampDuty: { type: "exempt", reason: 1 } },
      caller,
    );
    expect(onlus.charges).toEqual({
      serviceFeeCents: 200,
      stampDutyCents: 0,
      secretariatFeesCents: 50,
      totalCents: 250,
    });
    const divorce = await service.issue(
      { ...input, idempotencyKey: "k2", stampDuty: { type: "exempt", reason: 7 } },
      caller,
    );
    expect(divorce.charges).toEqual({
      serviceFeeCents: 200,
      stampDutyCents: 0,
      secretariatFeesCents: 0,
      totalCents: 200,
    });
    const other = await service.issue(
      { ...input, idempotencyKey: "k3", stampDuty: { type: "exempt", reason: 99, description: "art. 5 legge X" } },
      caller,
    );
    expect(other.charges.stampDutyCents).toBe(0);
    const calls = gateway.calls.issueCertificate;
    expect(calls.map((c) => [c.stampDuty, c.feesCents])).toEqual([
      [{ exemption: 1 }, 50],
      [{ exemption: 7 }, 0],
      [{ exemption: 99, exemptionText: "art. 5 legge X" }, 50],
    ]);
  });

  it("rejects invalid input before ANPR and audits it as INVALID with the request id", async () => {
    const { service, gateway, audit } = setup();
    await expect(
      service.issue({ ...input, subject: { ...input.subject, fiscalCode: "RSSMRA80A01H501X" } }, caller),
    ).rejects.toMatchObject({
      kind: "invalid-input",
      field: "subject.fiscal_code",
    });
    expect(gateway.calls.issueCertificate).toHaveLength(0);
    expect(audit.entries[0]).toMatchObject({ outcome: "INVALID", fiscalCode: "RSSMRA80A01H501X", requestId: "req-1" });
  });

  it("refuses a revoked tobacconist and rate limits, auditing each", async () => {
    const revoked = setup({
      settings: { revokedTobacconists: [{ tobacconistId: "tab-0042", reason: "", revokedAt: new Date() }] },
    });
    await expect(revoked.service.issue(input, caller)).rejects.toMatchObject({
      kind: "forbidden",
      reason: "TOBACCONIST_REVOKED",
    });
    expect(revoked.audit.entries[0]).toMatchObject({ outcome: "DENIED" });
    const limited = setup({
      settings: {
        rateLimits: {
          perTobacconistPerMinute: 1,
          massExtractionDistinctFiscalCodes: 0,
          massExtractionWindowSeconds: 0,
        },
      },
    });
    await limited.service.issue(input, caller);
    await expect(limited.service.issue({ ...input, idempotencyKey: "k2" }, caller)).rejects.toMatchObject({
      kind: "rate-limited",
      reason: "RATE_LIMITED",
    });
    expect(limited.audit.entries[1]).toMatchObject({ outcome: "RATE_LIMITED" });
  });
});

describe("certification service: preview and types", () => {
  it("previews with emissione 3, charges shown but no idempotency record", async () => {
    const { service, gateway, audit, idempotency } = setup();
    const preview = await service.preview({ ...input, stampDuty: { type: "paid" } }, caller);
    expect(preview).toMatchObject({ charges: { totalCents: 1850 }, certificateTypes: [8, 12], requestId: "req-1" });
    expect(gateway.calls.issueCertificate[0]?.issuance).toBe(3);
    expect(audit.entries[0]).toMatchObject({ operation: "CERTIFICATE_PREVIEW", outcome: "SUCCESS" });
    expect(idempotency.size).toBe(0);
  });

  it("lists table 13 with the enabled flags", () => {
    const { service, audit } = setup({ settings: { enabledCertificateTypes: [8, 9] } });
    const types = service.listCertificateTypes(caller);
    expect(types).toHaveLength(20);
    expect(types.find((t) => t.id === 9)).toMatchObject({
      description: "storico di Residenza",
      enabled: true,
      experimentalPhase: false,
    });
    expect(types.find((t) => t.id === 1)).toMatchObject({ enabled: false, experimentalPhase: true });
    expect(audit.entries[0]).toMatchObject({ operation: "CERTIFICATE_TYPES_LIST" });
  });
});

describe("consultation service", () => {
  it("returns the individual record and audits it", async () => {
    const { consultation, audit, gateway } = setup();
    const record = await consultation.getIndividualRecord(` ${fiscalCodeFor(3).toLowerCase()} `, caller);
    expect(record).toMatchObject({
      subject: { surname: "BIANCHI" },
      requestId: "req-1",
      retrievedAt: new Date("2026-11-23T09:00:00.000Z"),
    });
    expect(gateway.calls.getIndividualRecord[0]?.fiscalCode).toBe(fiscalCodeFor(3));
    expect(audit.entries[0]).toMatchObject({
      operation: "INDIVIDUAL_RECORD",
      outcome: "SUCCESS",
      fiscalCode: fiscalCodeFor(3),
      anprOperationId: record.anprOperationId,
    });
  });

  it("refuses an invalid fiscal code on field fiscal_code", async () => {
    const { consultation, audit } = setup();
    await expect(consultation.getIndividualRecord("ABC", caller)).rejects.toMatchObject({
      kind: "invalid-input",
      field: "fiscal_code",
    });
    expect(audit.entries[0]).toMatchObject({ outcome: "INVALID" });
  });

  it("counts look-ups towards mass extraction and appends one anomaly alert", async () => {
    const { consultation, service, audit } = setup({
      settings: {
        rateLimits: {
          perTobacconistPerMinute: 0,
          massExtractionDistinctFiscalCodes: 2,
          massExtractionWindowSeconds: 3600,
        },
      },
    });
    await consultation.getIndividualRecord(fiscalCodeFor(1), caller);
    await service.issue({ ...input, subject: { ...input.subject, fiscalCode: fiscalCodeFor(2) } }, caller);
    await expect(consultation.getIndividualRecord(fiscalCodeFor(3), caller)).rejects.toMatchObject({
      kind: "rate-limited",
      reason: "MASS_EXTRACTION",
    });
    await expect(consultation.getIndividualRecord(fiscalCodeFor(4), caller)).rejects.toMatchObject({
      reason: "MASS_EXTRACTION",
    });
    await expect(consultation.getIndividualRecord(fiscalCodeFor(1), caller)).resolves.toBeDefined();
    expect(audit.entries.map((e) => [e.operation, e.outcome])).toEqual([
      ["INDIVIDUAL_RECORD", "SUCCESS"],
      ["CERTIFICATE_ISSUE", "SUCCESS"],
      ["INDIVIDUAL_RECORD", "RATE_LIMITED"],
      ["ANOMALY_ALERT", "RATE_LIMITED"],
      ["INDIVIDUAL_RECORD", "RATE_LIMITED"],
      ["INDIVIDUAL_RECORD", "SUCCESS"],
    ]);
    expect(audit.entries[3]).toMatchObject({ tobacconistId: "tab-0042", detail: expect.stringContaining("tab-0042") });
  });

  it("audits ANPR's not-found as ANPR_ERROR", async () => {
    const ko = new AnprRejectedError([{ code: "EN042", severity: "E", text: "non presente" }]);
    const { consultation, audit } = setup({ gateway: fakeGateway({ fail: ko }) });
    await expect(consultation.getIndividualRecord(fiscalCodeFor(1), caller)).rejects.toMatchObject({
      kind: "not-found",
    });
    expect(audit.entries[0]).toMatchObject({ outcome: "ANPR_ERROR", anprErrorCode: "EN042" });
  });
});

describe("the Comune check (comune_code)", () => {
  it("refuses another Comune on issue, preview, list and record before ANPR, naming both codes, and audits it", async () => {
    const { service, consultation, audit, gateway } = setup();
    const calls = gateway.calls;
    const refusal = (err: unknown) => {
      expect(err).toBeInstanceOf(DomainError);
      expect(err).toMatchObject({ kind: "precondition-failed", reason: "COMUNE_MISMATCH", field: "comune_code" });
      expect((err as DomainError).message).toContain("022161");
      expect((err as DomainError).message).toContain("022205");
      return true;
    };
    await expect(service.issue({ ...input, comuneCode: "022161" }, caller).catch(refusal)).resolves.toBe(true);
    await expect(service.preview({ ...input, comuneCode: " 022161 " }, caller).catch(refusal)).resolves.toBe(true);
    expect(() => service.listCertificateTypes(caller, "022161")).toThrow(/022161/);
    await expect(consultation.getIndividualRecord(fiscalCodeFor(3), caller, "022161").catch(refusal)).resolves.toBe(
      true,
    );
    expect(calls.issueCertificate).toHaveLength(0);
    expect(calls.getIndividualRecord).toHaveLength(0);
    expect(audit.entries.map((e) => [e.operation, e.outcome])).toEqual([
      ["CERTIFICATE_ISSUE", "INVALID"],
      ["CERTIFICATE_PREVIEW", "INVALID"],
      ["INDIVIDUAL_RECORD", "INVALID"],
    ]);
    expect(audit.entries[0]!.detail).toContain("COMUNE_MISMATCH");
  });

  it("serves its own Comune and a call without comune_code (a direct call on the box)", async () => {
    const { service, gateway } = setup();
    await service.issue({ ...input, comuneCode: "022205" }, caller);
    await service.issue({ ...input, idempotencyKey: "other-key-1" }, caller);
    expect(gateway.calls.issueCertificate).toHaveLength(2);
    expect(service.listCertificateTypes(undefined, "022205").length).toBeGreaterThan(0);
  });
});
