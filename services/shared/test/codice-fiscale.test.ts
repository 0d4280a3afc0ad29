import { describe, expect, it } from "@jest/globals";
import {
  checkCharacter,
  computeCodiceFiscale,
  nameCode,
  omocodeOf,
  surnameCode,
  validateCodiceFiscale,
  type CodiceFiscaleInput,
} from "../src/anpr/codice-fiscale.js";

/**
 * Published examples, computed by others: the README/test vectors of python-codicefiscale
 * (fabiocaccamo/python-codicefiscale), the Wikipedia example (Matteo Moretti), and the brief's.
 */
const KNOWN: [CodiceFiscaleInput, string][] = [
  [{ surname: "Rossi", name: "Mario", sex: "M", birthDate: "1985-12-10", birthPlaceCode: "A562" }, "RSSMRA85T10A562S"],
  [
    { surname: "Caccamo", name: "Fabio", sex: "M", birthDate: "1985-04-03", birthPlaceCode: "L219" },
    "CCCFBA85D03L219P",
  ],
  [
    { surname: "Ait Hadda", name: "Saad", sex: "M", birthDate: "1995-09-08", birthPlaceCode: "Z330" },
    "THDSDA95P08Z330H",
  ],
  [
    { surname: "Belousovs", name: "Olegs", sex: "M", birthDate: "1984-03-22", birthPlaceCode: "Z145" },
    "BLSLGS84C22Z145O",
  ],
  [
    { surname: "Bruno", name: "Giovanni", sex: "M", birthDate: "1971-02-26", birthPlaceCode: "L219" },
    "BRNGNN71B26L219T",
  ],
  [
    { surname: "Gomba", name: "Alessandro", sex: "M", birthDate: "1984-01-05", birthPlaceCode: "G674" },
    "GMBLSN84A05G674H",
  ],
  [
    { surname: "Martini", name: "Maria", sex: "F", birthDate: "1983-12-16", birthPlaceCode: "A269" },
    "MRTMRA83T56A269B",
  ],
  [
    { surname: "Panella", name: "Michele", sex: "M", birthDate: "1979-10-27", birthPlaceCode: "I158" },
    "PNLMHL79R27I158P",
  ],
  [
    { surname: "Quatrini", name: "Dario", sex: "M", birthDate: "1971-09-13", birthPlaceCode: "G388" },
    "QTRDRA71P13G388J",
  ],
  [
    { surname: "Takakura", name: "Yuuki", sex: "F", birthDate: "1987-02-28", birthPlaceCode: "L219" },
    "TKKYKU87B68L219F",
  ],
  [
    { surname: "Moretti", name: "Matteo", sex: "M", birthDate: "1925-04-09", birthPlaceCode: "F205" },
    "MRTMTT25D09F205Z",
  ],
];

/** The omocodes of CCCFBA85D03L219P, levels 1 to 7 (python-codicefiscale's test vectors). */
const CACCAMO_OMOCODES = [
  "CCCFBA85D03L21VE",
  "CCCFBA85D03L2MVP",
  "CCCFBA85D03LNMVE",
  "CCCFBA85D0PLNMVA",
  "CCCFBA85DLPLNMVL",
  "CCCFBA8RDLPLNMVX",
  "CCCFBAURDLPLNMVU",
];

/** A 15-character prefix completed with its correct check character. */
function withCheck(first15: string): string {
  return first15 + checkCharacter(first15);
}

describe("computeCodiceFiscale", () => {
  it.each(KNOWN)("computes %j as %s", (input, expected) => {
    expect(computeCodiceFiscale(input)).toBe(expected);
  });

  it.each([
    ["Rossi", "RSS"],
    ["Caccamo", "CCC"],
    ["Fò", "FOX"],
    ["Re", "REX"],
    ["Riva", "RVI"],
    ["Giordano", "GRD"],
    ["D'Angelo", "DNG"],
    ["De Santis", "DSN"],
    ["Müller", "MLL"],
    ["", "XXX"],
  ])("takes surname %s as %s", (surname, code) => {
    expect(surnameCode(surname)).toBe(code);
  });

  it.each([
    ["Alessandro", "LSN"],
    ["Vincenzo", "VCN"],
    ["Marta", "MRT"],
    ["Sara", "SRA"],
    ["Al", "LAX"],
    ["Hu", "HUX"],
    ["Michele", "MHL"],
    ["Giovanni", "GNN"],
    ["Niccolò", "NCL"],
    ["Maria Grazia", "MGR"],
  ])("takes name %s as %s (1st, 3rd, 4th consonant when four or more)", (name, code) => {
    expect(nameCode(name)).toBe(code);
  });

  it("adds 40 to the day for women", () => {
    const code = computeCodiceFiscale({
      surname: "Bianchi",
      name: "Giulia",
      sex: "F",
      birthDate: "1987-04-03",
      birthPlaceCode: "L378",
    });
    expect(code.slice(6, 11)).toBe("87D43");
  });

  it("uses the month letters ABCDEHLMPRST", () => {
    const letters = Array.from({ length: 12 }, (_, i) =>
      computeCodiceFiscale({
        surname: "A",
        name: "B",
        sex: "M",
        birthDate: `2000-${String(i + 1).padStart(2, "0")}-01`,
        birthPlaceCode: "H501",
      }).charAt(8),
    );
    expect(letters.join("")).toBe("ABCDEHLMPRST");
  });

  it("rejects a date or place that is not real with a RangeError", () => {
    expect(() =>
      computeCodiceFiscale({ surname: "A", name: "B", sex: "M", birthDate: "1985-02-30", birthPlaceCode: "H501" }),
    ).toThrow(RangeError);
    expect(() =>
      computeCodiceFiscale({ surname: "A", name: "B", sex: "M", birthDate: "10/12/1985", birthPlaceCode: "H501" }),
    ).toThrow(RangeError);
    expect(() =>
      computeCodiceFiscale({ surname: "A", name: "B", sex: "M", birthDate: "1985-12-10", birthPlaceCode: "ROMA" }),
    ).toThrow(RangeError);
  });
});

describe("omocodia", () => {
  it("replaces digits right to left with LMNPQRSTUV and recomputes the check character", () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((level) => omocodeOf("CCCFBA85D03L219P", level))).toEqual(CACCAMO_OMOCODES);
    expect(omocodeOf("CCCFBA85D03L219P", 0)).toBe("CCCFBA85D03L219P");
    expect(omocodeOf("RSSMRA85T10A562S", 1)).toBe("RSSMRA85T10A56NH");
  });

  it("starts from the base code whatever omocode it is given", () => {
    expect(omocodeOf("CCCFBAURDLPLNMVU", 1)).toBe("CCCFBA85D03L21VE");
  });

  it.each(CACCAMO_OMOCODES)("validates %s as an omocode of CCCFBA85D03L219P", (code) => {
    const result = validateCodiceFiscale(code, { referenceDate: "2025-06-30" });
    expect(result).toEqual({
      valid: true,
      kind: "personal",
      normalized: code,
      birthDate: "1985-04-03",
      sex: "M",
      birthPlaceCode: "L219",
      omocode: true,
      baseCode: "CCCFBA85D03L219P",
    });
  });

  it("rejects levels outside 0-7", () => {
    expect(() => omocodeOf("CCCFBA85D03L219P", 8)).toThrow(RangeError);
    expect(() => omocodeOf("CCCFBA85D03L219P", -1)).toThrow(RangeError);
  });
});

describe("validateCodiceFiscale", () => {
  it.each(KNOWN)("accepts %j → %s and decodes it", (input, code) => {
    const result = validateCodiceFiscale(code, { referenceDate: "2025-06-30" });
    expect(result.valid).toBe(true);
    if (!result.valid) return;
    expect(result.sex).toBe(input.sex);
    expect(result.birthPlaceCode).toBe(input.birthPlaceCode);
    expect(result.birthDate?.slice(2)).toBe(input.birthDate.slice(2));
    expect(result.omocode).toBe(false);
    expect(result.baseCode).toBe(code);
  });

  it("decodes a woman's code", () => {
    expect(validateCodiceFiscale("MRTMRA83T56A269B", { referenceDate: "2025-06-30" })).toMatchObject({
      valid: true,
      sex: "F",
      birthDate: "1983-12-16",
    });
  });

  it("picks the latest century that does not put the birth after the reference date", () => {
    expect(validateCodiceFiscale("MRTMTT25D09F205Z", { referenceDate: "2025-01-01" })).toMatchObject({
      birthDate: "1925-04-09",
    });
    expect(validateCodiceFiscale("MRTMTT25D09F205Z", { referenceDate: "2025-06-30" })).toMatchObject({
      birthDate: "2025-04-09",
    });
    expect(
      validateCodiceFiscale(
        computeCodiceFiscale({ surname: "A", name: "B", sex: "M", birthDate: "2010-01-01", birthPlaceCode: "H501" }),
        { referenceDate: "2025-06-30" },
      ),
    ).toMatchObject({ birthDate: "2010-01-01" });
  });

  it("trims and upper-cases its input", () => {
    expect(validateCodiceFiscale("  rssmra85t10a562s ")).toMatchObject({ valid: true, normalized: "RSSMRA85T10A562S" });
  });

  it("rejects a wrong check character, saying which one was expected", () => {
    const result = validateCodiceFiscale("CCCFBA85D03L219B");
    expect(result).toMatchObject({ valid: false, reason: "check-character" });
    if (!result.valid) expect(result.message).toContain("expected P");
    expect(validateCodiceFiscale("RSSMRA85T10A562T")).toMatchObject({ valid: false, reason: "check-character" });
    // omocodia changes the check character: the base code's character on an omocode is wrong
    expect(validateCodiceFiscale("CCCFBA85D03L21VP")).toMatchObject({ valid: false, reason: "check-character" });
  });

  it.each([
    ["", "empty"],
    ["CCCFBA85D03L219", "too short"],
    ["CCCFBA85D03L219PP", "too long"],
    ["CC0FBA85D03L219P", "digit in the surname"],
    ["CCCFB085D03L219P", "digit in the name"],
    ["CCCFBA8XD03L219P", "X where a year digit goes"],
    ["CCCFBA85D03L2 9P", "inner space"],
    ["CCCFBA85D03L21-P", "punctuation"],
    ["1234567890", "ten digits"],
  ])("rejects %j as a format error (%s)", (code) => {
    expect(validateCodiceFiscale(code)).toMatchObject({ valid: false, reason: "format" });
  });

  it.each([
    [withCheck("CCCFBA85X03L219"), "month letter X"],
    [withCheck("CCCFBA85D00L219"), "day 00"],
    [withCheck("CCCFBA85D32L219"), "day 32"],
    [withCheck("CCCFBA85D40L219"), "day 40 (neither a man's nor a woman's)"],
    [withCheck("CCCFBA85D72L219"), "day 72"],
    [withCheck("CCCFBA85B30L219"), "30 February"],
    [withCheck("CCCFBA85B70L219"), "a woman's 30 February"],
    [withCheck("CCCFBA85D31L219"), "31 April"],
  ])("rejects %s as a date error (%s)", (code) => {
    expect(validateCodiceFiscale(code, { referenceDate: "2025-06-30" })).toMatchObject({
      valid: false,
      reason: "date",
    });
  });

  it("accepts 29 February in a leap year only", () => {
    expect(validateCodiceFiscale(withCheck("CCCFBA84B29L219"), { referenceDate: "2025-06-30" })).toMatchObject({
      valid: true,
      birthDate: "1984-02-29",
    });
    expect(validateCodiceFiscale(withCheck("CCCFBA85B29L219"), { referenceDate: "2025-06-30" })).toMatchObject({
      valid: false,
      reason: "date",
    });
  });

  it("accepts 11-digit numeric codes with the right check digit, unless told not to", () => {
    expect(validateCodiceFiscale("06363391001")).toEqual({
      valid: true,
      kind: "numeric",
      normalized: "06363391001",
      omocode: false,
      baseCode: "06363391001",
    });
    expect(validateCodiceFiscale("06363391002")).toMatchObject({ valid: false, reason: "check-character" });
    expect(validateCodiceFiscale("06363391001", { allowNumeric: false })).toMatchObject({
      valid: false,
      reason: "format",
    });
  });

  it("round-trips every computed code", () => {
    const names = [
      ["Zanetti", "Niccolò"],
      ["D'Angelo", "Maria Grazia"],
      ["Li", "Wu"],
      ["Oss", "Ugo"],
      ["Tschurtschenthaler", "Matthias"],
    ];
    for (const [surname = "", name = ""] of names) {
      for (const sex of ["M", "F"] as const) {
        const input = { surname, name, sex, birthDate: "1999-11-30", birthPlaceCode: "Z210" };
        const code = computeCodiceFiscale(input);
        expect(validateCodiceFiscale(code, { referenceDate: "2025-06-30" })).toMatchObject({
          valid: true,
          sex,
          birthDate: "1999-11-30",
          birthPlaceCode: "Z210",
        });
      }
    }
  });
});
