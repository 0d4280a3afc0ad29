import { describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  ANPR_ERRORS,
  anprErrorText,
  CERTIFIABILITY,
  CERTIFICATE_TYPES,
  certificateTypeInfo,
  CIVIL_STATUSES,
  isCertificateTypeId,
  isLanguageCode,
  LANGUAGES,
  STAMP_DUTY_EXEMPTIONS,
  stampDutyExemptionInfo,
} from "../src/anpr/tables.js";

const TABLES = join(dirname(fileURLToPath(import.meta.url)), "..", "anpr-spec", "tables");

/** One row of an RST grid table: per column, the cell's lines (trimmed, blank lines kept). */
type RstRow = string[][];

/**
 * Parses the body rows of the (single) RST grid table in `file`: column edges come from the first
 * border line; each row runs between two border lines; the header row is dropped.
 */
function parseGridTable(file: string): RstRow[] {
  const lines = readFileSync(join(TABLES, file), "utf8").split(/\r?\n/);
  const border = lines.find((l) => /^\+-+(\+-+)+\+\s*$/.test(l));
  if (!border) throw new Error(`${file}: no grid table`);
  const edges = [...border.trimEnd()].flatMap((c, i) => (c === "+" ? [i] : []));
  const rows: RstRow[] = [];
  let current: string[][] | undefined;
  for (const line of lines) {
    if (/^\+[-=+]+\+\s*$/.test(line)) {
      if (current) rows.push(current);
      current = edges.slice(1).map(() => []);
      continue;
    }
    if (current && line.startsWith("|")) {
      edges.slice(1).forEach((edge, col) => current?.[col]?.push(line.slice((edges[col] ?? 0) + 1, edge).trim()));
    }
  }
  return rows.slice(1);
}

/** The cell's first paragraph (lines up to the first blank one), joined with spaces. */
function firstParagraph(cell: string[] = []): string {
  const out: string[] = [];
  for (const line of cell) {
    if (line === "") {
      if (out.length > 0) break;
      continue;
    }
    out.push(line);
  }
  return out.join(" ");
}

/** The cell's "- KEY: value" bullet lines. */
function bullets(cell: string[] = []): string[] {
  return cell.filter((l) => l.startsWith("- ")).map((l) => l.slice(2).trim());
}

describe("ANPR tables match the vendored RST files", () => {
  it("table 13 (tipo di certificato): ids 1-20 and their descriptions", () => {
    const rst = parseGridTable("tab_tipo_di_certificato.rst").map((r) => ({
      id: Number(firstParagraph(r[0])),
      description: firstParagraph(r[1]),
    }));
    expect(rst).toHaveLength(20);
    expect(CERTIFICATE_TYPES.map((t) => ({ id: t.id, description: t.description }))).toEqual(
      rst.sort((a, b) => a.id - b.id),
    );
  });

  it("table 39 (esenzione bollo): ids, descriptions and the secretariat-fee exemptions", () => {
    const rst = parseGridTable("tab_esenzione_bollo.rst").map((r) => ({
      id: Number(firstParagraph(r[0])),
      description: firstParagraph(r[1]),
      secretariatFeesExempt: bullets(r[1]).includes("ESENZIONE DIRITTO DI SEGRETERIA: SI"),
    }));
    expect(rst).toHaveLength(11);
    expect(
      STAMP_DUTY_EXEMPTIONS.map(({ id, description, secretariatFeesExempt }) => ({
        id,
        description,
        secretariatFeesExempt,
      })),
    ).toEqual(rst);
    expect(STAMP_DUTY_EXEMPTIONS.filter((e) => e.requiresDescription).map((e) => e.id)).toEqual([99]);
  });

  it("table 14 (lingue)", () => {
    const rst = parseGridTable("tab_lingue.rst").map((r) => ({
      code: firstParagraph(r[0]),
      description: firstParagraph(r[1]),
    }));
    expect(LANGUAGES).toEqual(rst);
  });

  it("table 1 (stato civile)", () => {
    const rst = parseGridTable("tab_stato_civile.rst").map((r) => ({
      code: Number(firstParagraph(r[0])),
      description: firstParagraph(r[1]),
    }));
    expect(CIVIL_STATUSES).toEqual(rst.sort((a, b) => a.code - b.code));
  });

  it("table 42 (motivi di non certificabilità)", () => {
    const rst = parseGridTable("tab_motivi_di_non_certificabilit_.rst").map((r) => ({
      code: Number(firstParagraph(r[0])),
      description: firstParagraph(r[1]),
    }));
    expect(CERTIFIABILITY).toEqual(rst);
  });

  it("every ANPR error constant has the RST's code, text and web-service severity", () => {
    const rst = new Map(
      parseGridTable("tab_elenco_errori_anpr.rst").map((r) => {
        const notes = bullets(r[2]).join("\n");
        const severity = /Servizi- Severità: ([EW])/.exec(notes)?.[1] ?? /Subentro - Severità: ([EW])/.exec(notes)?.[1];
        return [firstParagraph(r[0]), { text: firstParagraph(r[1]), severity }] as const;
      }),
    );
    expect(rst.size).toBeGreaterThan(700);
    for (const [key, error] of Object.entries(ANPR_ERRORS)) {
      expect(error.code).toBe(key);
      const row = rst.get(key);
      expect({ code: key, found: row !== undefined }).toEqual({ code: key, found: true });
      expect({ code: key, text: error.text, type: error.type }).toEqual({
        code: key,
        text: row?.text,
        type: row?.severity,
      });
    }
  });
});

describe("table helpers", () => {
  it("knows which types combine", () => {
    expect(CERTIFICATE_TYPES.filter((t) => t.singleOnly).map((t) => t.id)).toEqual([2, 4, 6, 9, 20]);
    expect(CERTIFICATE_TYPES.filter((t) => t.register === "AIRE").map((t) => t.id)).toEqual([10, 15]);
    expect(CERTIFICATE_TYPES.filter((t) => t.familyStatus).map((t) => t.id)).toEqual([12, 13, 14, 16]);
  });

  it("looks rows up by id", () => {
    expect(certificateTypeInfo(8)?.description).toBe("di Residenza");
    expect(certificateTypeInfo(21)).toBeUndefined();
    expect(isCertificateTypeId(20)).toBe(true);
    expect(isCertificateTypeId(0)).toBe(false);
    expect(stampDutyExemptionInfo(7)?.description).toBe(
      "SEPARAZIONE/DIVORZIO ai sensi dell'art. 19 della legge 74/1987",
    );
    expect(stampDutyExemptionInfo(0)).toBeUndefined();
    expect(isLanguageCode("DE")).toBe(true);
    expect(isLanguageCode("EN")).toBe(false);
  });

  it("fills @ placeholders in order and leaves missing ones", () => {
    expect(anprErrorText("EN210", "RSSMRA85T10A562S")).toBe(
      "Comune richiedente non competente sul codice fiscale RSSMRA85T10A562S (o non competente alla data della richiesta)",
    );
    expect(anprErrorText("EN372", "4", "emissione")).toBe("Il valore 4 per il campo emissione non è ammesso");
    expect(anprErrorText("EN372", "4")).toBe("Il valore 4 per il campo @ non è ammesso");
    expect(anprErrorText("EN042")).toBe("Soggetto da certificare non presente in ANPR");
  });
});
