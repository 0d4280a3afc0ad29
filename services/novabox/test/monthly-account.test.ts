/** The monthly account's arithmetic, its month bounds in Rome time, the audit detail codec and the reason rule. */
import { describe, expect, it } from "@jest/globals";
import { formatCertificateFacts, parseCertificateFacts } from "../src/domain/certificate-ledger.js";
import type { AuditEntry, AuditOperation, AuditOutcome } from "../src/domain/model.js";
import { computeMonthlyAccount, monthRange, monthlyAccountCsv } from "../src/domain/monthly-account.js";
import { validateRequestReason } from "../src/domain/request-reason.js";

let nextId = 1;
function entry(
  time: string,
  operation: AuditOperation,
  outcome: AuditOutcome,
  tobacconistId: string,
  detail: string,
): AuditEntry {
  return {
    id: nextId++,
    time: new Date(time),
    operation,
    outcome,
    authenticationMethod: "SSO_TOKEN",
    fiscalCode: "RSSMRA85T10A562S",
    requestId: "r",
    tobacconistId,
    actor: tobacconistId,
    anprProtocolNumber: "",
    anprOperationId: "",
    anprErrorCode: "",
    detail,
    previousHash: "",
    hash: "",
  };
}

const paid = (types: number[], reason = "NOTARY") =>
  formatCertificateFacts({
    types,
    charges: { serviceFeeCents: 200, stampDutyCents: 1600, secretariatFeesCents: 50 },
    reason: { key: reason },
  });

describe("month bounds", () => {
  it("are Europe/Rome midnights, across both daylight-saving changes", () => {
    expect(monthRange("2026-01")).toMatchObject({
      start: new Date("2025-12-31T23:00:00Z"),
      end: new Date("2026-01-31T23:00:00Z"),
    });
    expect(monthRange("2026-03").end).toEqual(new Date("2026-03-31T22:00:00Z"));
    expect(monthRange("2026-10").end).toEqual(new Date("2026-10-31T23:00:00Z"));
    expect(monthRange("2026-12").end).toEqual(new Date("2026-12-31T23:00:00Z"));
  });

  it("refuse what is not YYYY-MM", () => {
    for (const bad of ["2026-13", "2026-1", "novembre", ""]) expect(() => monthRange(bad)).toThrow(/YYYY-MM/);
  });
});

describe("computeMonthlyAccount", () => {
  const rows = [
    entry("2026-10-31T22:59:59.999Z", "CERTIFICATE_ISSUE", "SUCCESS", "TAB-1", paid([8])), // October in Rome
    entry("2026-10-31T23:00:00.000Z", "CERTIFICATE_ISSUE", "SUCCESS", "TAB-1", paid([8, 12], "BANK_INSURANCE")), // 1 November 00:00 in Rome
    entry("2026-11-10T10:00:00Z", "CERTIFICATE_ISSUE", "SUCCESS", "TAB-1", "idempotent replay of request x"),
    entry(
      "2026-11-10T10:00:01Z",
      "CERTIFICATE_ISSUE",
      "SUCCESS",
      "TAB-2",
      formatCertificateFacts({
        types: [8],
        charges: { serviceFeeCents: 200, stampDutyCents: 0, secretariatFeesCents: 0 },
        exemption: 5,
      }),
    ),
    entry(
      "2026-11-10T10:00:02Z",
      "CERTIFICATE_PREVIEW",
      "SUCCESS",
      "TAB-2",
      formatCertificateFacts({ types: [8], reason: { key: "LEGAL" } }),
    ),
    entry("2026-11-10T10:00:03Z", "CERTIFICATE_ISSUE", "ANPR_ERROR", "TAB-2", formatCertificateFacts({ types: [8] })),
    entry("2026-11-10T10:00:04Z", "CERTIFICATE_PREVIEW", "RATE_LIMITED", "TAB-2", ""),
    entry("2026-11-10T10:00:05Z", "INDIVIDUAL_RECORD", "SUCCESS", "TAB-2", ""),
    entry("2026-11-30T22:59:59Z", "CERTIFICATE_ISSUE", "SUCCESS", "TAB-2", paid([11])),
    entry("2026-11-30T23:00:00Z", "CERTIFICATE_ISSUE", "SUCCESS", "TAB-2", paid([11])), // December in Rome
  ];
  const account = computeMonthlyAccount("2026-11", rows);

  it("counts certificates once, types per type, and charges only what was issued", () => {
    const [t1, t2] = account.tobacconists;
    expect(t1).toMatchObject({
      tobacconistId: "TAB-1",
      certificatesIssued: 1,
      previews: 0,
      refusals: 0,
      serviceFeesCents: 200,
      stampDutyCents: 1600,
      secretariatFeesCents: 50,
    });
    expect([...t1!.certificatesByType]).toEqual([
      [8, 1],
      [12, 1],
    ]);
    expect(t2).toMatchObject({
      tobacconistId: "TAB-2",
      certificatesIssued: 2,
      previews: 1,
      refusals: 2,
      serviceFeesCents: 400,
      stampDutyCents: 1600,
      secretariatFeesCents: 50,
    });
    expect([...t2!.exemptions]).toEqual([[5, 1]]);
    expect(Object.fromEntries(t2!.reasons)).toEqual({ "": 1, LEGAL: 1, NOTARY: 1 });
    expect(account.totals).toMatchObject({
      certificatesIssued: 3,
      previews: 1,
      refusals: 2,
      serviceFeesCents: 600,
      stampDutyCents: 3200,
    });
  });

  it("writes a CSV with a BOM, decimal commas and a totals row", () => {
    const csv = monthlyAccountCsv(account);
    expect(csv.startsWith("\uFEFFmese;tabaccheria;")).toBe(true);
    expect(csv).toContain("2026-11;TAB-2;2;8:1 11:1;1;2;4,00;16,00;0,50;5:1;nessuno:1 LEGAL:1 NOTARY:1\r\n");
    expect(csv.trimEnd().split("\r\n").at(-1)).toMatch(/^2026-11;TOTALE;3;/);
  });
});

describe("the audit detail codec", () => {
  it("round-trips every part, including a reason text with separators", () => {
    const facts = {
      types: [8, 12],
      charges: { serviceFeeCents: 200, stampDutyCents: 0, secretariatFeesCents: 0 },
      exemption: 99,
      reason: { key: "OTHER", description: "a=b; c" },
      warnings: ["EN123"],
    };
    expect(parseCertificateFacts(formatCertificateFacts(facts))).toEqual(facts);
    expect(parseCertificateFacts("idempotent replay of request x")).toBeUndefined();
  });
});

describe("the stated reason", () => {
  it("is required only in the experimental phase, and OTHER needs a description", () => {
    expect(validateRequestReason(undefined, false)).toBeUndefined();
    expect(() => validateRequestReason(undefined, true)).toThrow(/experimental phase/);
    expect(() => validateRequestReason({ code: 42 }, false)).toThrow(/not one of the listed reasons/);
    expect(() => validateRequestReason({ code: 99, description: "  " }, true)).toThrow(
      /reason.description is required/,
    );
    expect(validateRequestReason({ code: 99, description: " per  il   condominio " }, true)).toEqual({
      key: "OTHER",
      description: "per il condominio",
    });
    expect(validateRequestReason({ code: 3 }, true)).toEqual({ key: "NOTARY" });
  });
});
