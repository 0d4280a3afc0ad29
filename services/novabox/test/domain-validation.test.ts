import { describe, expect, it } from "@jest/globals";
import { isDomainError } from "#shared/runtime/domain-error.js";
import {
  validateCertificateInput,
  validateFiscalCode,
  validateIdempotencyKey,
  type CertificateInput,
} from "../src/domain/validation.js";
import { fiscalCodeFor, testSettings } from "./fakes.js";

const cf = fiscalCodeFor(1);
const base: CertificateInput = {
  subject: { fiscalCode: cf, surname: "Bianchi", name: "Luca" },
  certificateTypes: [8],
  useAbroad: false,
  stampDuty: { type: "paid" },
};
const settings = testSettings();

function failure(fn: () => unknown): { kind: string; field: string | undefined; reason: string; message: string } {
  try {
    fn();
  } catch (err) {
    if (!isDomainError(err)) throw err;
    return { kind: err.kind, field: err.field, reason: err.reason, message: err.message };
  }
  throw new Error("expected a domain error");
}

const withInput = (patch: Partial<CertificateInput>) => () => validateCertificateInput({ ...base, ...patch }, settings);

describe("validateCertificateInput", () => {
  it("accepts a correct request and normalizes it", () => {
    const valid = validateCertificateInput(
      {
        ...base,
        subject: { fiscalCode: ` ${cf.toLowerCase()} `, surname: "  D’Angelo ", name: "Luca  Maria" },
        languages: ["de"],
      },
      settings,
    );
    expect(valid.subject).toEqual({ fiscalCode: cf, surname: "D'Angelo", name: "Luca Maria" });
    expect(valid.languages).toEqual(["IT", "DE"]);
    // Bilingual certificates carry both languages, Italian first (italia/anpr#4682); Italian alone sends none.
    expect(validateCertificateInput({ ...base, languages: ["DE", "IT"] }, settings).languages).toEqual(["IT", "DE"]);
    expect(validateCertificateInput({ ...base, languages: ["IT"] }, settings).languages).toEqual([]);
    expect(valid.requesterType).toBe(1);
  });

  it.each<[string, Partial<CertificateInput>, string, string, string]>([
    [
      "empty fiscal code",
      { subject: { ...base.subject, fiscalCode: "" } },
      "invalid-input",
      "subject.fiscal_code",
      "FISCAL_CODE_REQUIRED",
    ],
    [
      "short fiscal code",
      { subject: { ...base.subject, fiscalCode: "BNCLCU80A01L378" } },
      "invalid-input",
      "subject.fiscal_code",
      "INVALID_FISCAL_CODE",
    ],
    [
      "wrong check character",
      { subject: { ...base.subject, fiscalCode: cf.slice(0, 15) + (cf.endsWith("A") ? "B" : "A") } },
      "invalid-input",
      "subject.fiscal_code",
      "INVALID_FISCAL_CODE",
    ],
    [
      "missing surname",
      { subject: { ...base.subject, surname: "  " } },
      "invalid-input",
      "subject.surname",
      "NAME_REQUIRED",
    ],
    [
      "digits in the name",
      { subject: { ...base.subject, name: "Luca2" } },
      "invalid-input",
      "subject.name",
      "NAME_INVALID_CHARACTERS",
    ],
    [
      "surname too long",
      { subject: { ...base.subject, surname: "A".repeat(81) } },
      "invalid-input",
      "subject.surname",
      "NAME_TOO_LONG",
    ],
    [
      "no certificate type",
      { certificateTypes: [] },
      "invalid-input",
      "certificate_types",
      "CERTIFICATE_TYPE_REQUIRED",
    ],
    ["unknown type 21", { certificateTypes: [21] }, "invalid-input", "certificate_types", "UNKNOWN_CERTIFICATE_TYPE"],
    ["unknown type 0", { certificateTypes: [0] }, "invalid-input", "certificate_types", "UNKNOWN_CERTIFICATE_TYPE"],
    [
      "duplicate type",
      { certificateTypes: [8, 8] },
      "invalid-input",
      "certificate_types",
      "DUPLICATE_CERTIFICATE_TYPE",
    ],
    [
      "single-only type combined",
      { certificateTypes: [8, 9] },
      "invalid-input",
      "certificate_types",
      "SINGLE_ONLY_CERTIFICATE_TYPE",
    ],
    [
      "two family-status types",
      { certificateTypes: [12, 13] },
      "invalid-input",
      "certificate_types",
      "MULTIPLE_FAMILY_STATUS_TYPES",
    ],
    ["APR with AIRE", { certificateTypes: [8, 10] }, "invalid-input", "certificate_types", "MIXED_REGISTERS"],
    [
      "single-only type alone but not enabled by default",
      { certificateTypes: [9] },
      "forbidden",
      "certificate_types",
      "CERTIFICATE_TYPE_NOT_ENABLED",
    ],
    ["unknown language", { languages: ["EN"] }, "invalid-input", "language", "UNKNOWN_LANGUAGE"],
    ["two second languages", { languages: ["DE", "SL"] }, "invalid-input", "language", "TOO_MANY_LANGUAGES"],
    ["no stamp duty", { stampDuty: undefined }, "invalid-input", "stamp_duty", "STAMP_DUTY_REQUIRED"],
    [
      "unknown exemption",
      { stampDuty: { type: "exempt", reason: 11 } },
      "invalid-input",
      "stamp_duty_exemption.reason",
      "UNKNOWN_STAMP_DUTY_EXEMPTION",
    ],
    [
      "exemption 99 without text",
      { stampDuty: { type: "exempt", reason: 99, description: " " } },
      "invalid-input",
      "stamp_duty_exemption.description",
      "EXEMPTION_DESCRIPTION_REQUIRED",
    ],
    [
      "exemption 99 text too long",
      { stampDuty: { type: "exempt", reason: 99, description: "x".repeat(257) } },
      "invalid-input",
      "stamp_duty_exemption.description",
      "EXEMPTION_DESCRIPTION_TOO_LONG",
    ],
  ])("refuses %s", (_name, patch, kind, field, reason) => {
    const f = failure(withInput(patch));
    expect(f).toMatchObject({ kind, field, reason });
    expect(f.message).toContain(field);
  });

  it("refuses a type the Comune did not enable, with the contract's forbidden kind", () => {
    const f = failure(() => validateCertificateInput(base, testSettings({ enabledCertificateTypes: [1, 5] })));
    expect(f).toMatchObject({ kind: "forbidden", field: "certificate_types", reason: "CERTIFICATE_TYPE_NOT_ENABLED" });
  });

  it("accepts a single-only type alone when enabled, and exemption 99 with text", () => {
    const valid = validateCertificateInput(
      { ...base, certificateTypes: [9], stampDuty: { type: "exempt", reason: 99, description: " art. X " } },
      testSettings({ enabledCertificateTypes: [9] }),
    );
    expect(valid.stampDuty).toEqual({
      type: "exempt",
      reason: 99,
      description: "art. X",
      secretariatFeesExempt: false,
    });
  });
});

describe("validateFiscalCode / validateIdempotencyKey", () => {
  it("uses the given field name", () => {
    expect(failure(() => validateFiscalCode("XYZ"))).toMatchObject({
      kind: "invalid-input",
      field: "fiscal_code",
      reason: "INVALID_FISCAL_CODE",
    });
    expect(validateFiscalCode(cf.toLowerCase())).toBe(cf);
  });

  it("checks idempotency keys", () => {
    expect(validateIdempotencyKey("3f1c2a4e-0000-4000-8000-000000000001")).toBe("3f1c2a4e-0000-4000-8000-000000000001");
    expect(failure(() => validateIdempotencyKey(""))).toMatchObject({
      field: "idempotency_key",
      reason: "IDEMPOTENCY_KEY_REQUIRED",
    });
    expect(failure(() => validateIdempotencyKey("a".repeat(65)))).toMatchObject({
      field: "idempotency_key",
      reason: "IDEMPOTENCY_KEY_INVALID",
    });
    expect(failure(() => validateIdempotencyKey("has space"))).toMatchObject({
      field: "idempotency_key",
      reason: "IDEMPOTENCY_KEY_INVALID",
    });
  });
});
