import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "@jest/globals";
import { ANPR_ERRORS, anprErrorText } from "#shared/anpr/tables.js";
import {
  firstRefusal,
  refusalKind,
  REQUEST_REFUSALS,
  requestFacts,
  SUBJECT_REFUSALS,
  type RefusalRule,
} from "../src/domain/refusal-rules.js";
import type { CertificateRequest } from "../src/domain/certification.js";
import { createPopulation, DEMO_CITIZENS } from "../src/domain/population.js";

const SPEC = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "shared", "anpr-spec");
const ERROR_TABLE = readFileSync(join(SPEC, "tables", "tab_elenco_errori_anpr.rst"), "utf8");
const RULES: readonly RefusalRule<never>[] = [...REQUEST_REFUSALS, ...SUBJECT_REFUSALS];

describe("the simulator's refusal table", () => {
  it("answers only codes of ANPR's published error table, each with a source that is in the repo", () => {
    for (const rule of RULES) {
      expect(ERROR_TABLE).toContain(rule.code);
      expect(rule.source).toContain("tab_elenco_errori_anpr.rst");
      for (const file of rule.source.match(/[\w-]+\.(?:rst|xsd)/g) ?? []) {
        const where = file.endsWith(".rst") ? join(SPEC, "tables", file) : join(SPEC, "soap-official", file);
        expect({ rule: rule.situation, file, exists: existsSync(where) }).toEqual({
          rule: rule.situation,
          file,
          exists: true,
        });
      }
      for (const thread of rule.source.match(/italia\/anpr#\d+/g) ?? []) expect(thread).toMatch(/#\d{3,5}$/);
    }
  });

  it("gives every code one error kind, and fills every placeholder of the code's text", () => {
    const kinds = new Map<string, Set<string>>();
    for (const rule of RULES) kinds.set(rule.code, (kinds.get(rule.code) ?? new Set()).add(rule.kind));
    for (const [code, set] of kinds)
      expect({ code, kinds: [...set] }).toEqual({ code, kinds: [refusalKind(code as never)] });
    const placeholders = (code: keyof typeof ANPR_ERRORS): number => ANPR_ERRORS[code].text.split("@").length - 1;
    for (const rule of RULES) {
      const expected = placeholders(rule.code);
      expect({ rule: rule.situation, placeholders: expected > 0 }).toEqual({
        rule: rule.situation,
        placeholders: rule.values !== undefined,
      });
    }
  });

  it("is evaluated in order: a request breaking two rules gets the earlier rule's code and message", () => {
    const population = createPopulation({ residentsPerComune: 20 });
    const who = DEMO_CITIZENS.marioRossi;
    const base: CertificateRequest = {
      comuneCode: who.comuneIstatCode,
      subject: { fiscalCode: who.fiscalCode, surname: who.surname, name: who.name },
      certificateTypes: [8],
      emissione: 3,
      stampDuty: { kind: "paid", amountCents: 1600 },
      issuedAt: "2025-06-30T10:00:00+02:00",
    };
    // Death certificate combined with another type (EN153) and a zero bollo (EN208): EN153 comes first.
    const both = { ...base, certificateTypes: [2, 8], stampDuty: { kind: "paid" as const, amountCents: 0 } };
    expect(firstRefusal(REQUEST_REFUSALS, requestFacts(population, both))?.code).toBe("EN153");
    // An unknown type before a repeated one is EC070 (with the unknown id); the other way round EN372.
    expect(firstRefusal(REQUEST_REFUSALS, requestFacts(population, { ...base, certificateTypes: [99, 8, 8] }))).toEqual(
      { code: "EC070", values: ["99"], field: "listaTipiCertificati.tipoCertificato" },
    );
    const repeated = firstRefusal(
      REQUEST_REFUSALS,
      requestFacts(population, { ...base, certificateTypes: [8, 8, 99] }),
    );
    expect(repeated).toEqual({
      code: "EN372",
      values: ["8", "tipoCertificato"],
      field: "listaTipiCertificati.tipoCertificato",
    });
    expect(anprErrorText("EN372", ...(repeated?.values ?? []))).toBe(
      "Il valore 8 per il campo tipoCertificato non è ammesso",
    );
    // A clean request passes every request rule.
    expect(firstRefusal(REQUEST_REFUSALS, requestFacts(population, base))).toBeUndefined();
  });
});
