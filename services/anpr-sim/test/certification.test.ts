import { beforeAll, describe, expect, it } from "@jest/globals";
import { DomainError, isDomainError } from "#shared/runtime/domain-error.js";
import { ANPR_ERRORS, CERTIFICATE_TYPES, type AnprErrorCode, type CertificateTypeId } from "#shared/anpr/tables.js";
import {
  AnprRefusalError,
  certificateFingerprint,
  certificateTitle,
  checkCertificateType,
  issueCertificate,
  refusalKind,
  type CertificateRequest,
} from "../src/domain/certification.js";
import {
  BOLZANO,
  createPopulation,
  DEMO_CITIZENS,
  ROVERETO,
  TRENTO,
  type Person,
  type Population,
} from "../src/domain/population.js";

let population: Population;

beforeAll(() => {
  population = createPopulation();
});

type Demo = keyof typeof DEMO_CITIZENS;

function subjectOf(p: { fiscalCode: string; surname: string; name: string }): CertificateRequest["subject"] {
  return { fiscalCode: p.fiscalCode, surname: p.surname, name: p.name };
}

function request(who: Demo | Person, overrides: Partial<CertificateRequest> = {}): CertificateRequest {
  const person = typeof who === "string" ? DEMO_CITIZENS[who] : who;
  const comuneCode = typeof who === "string" ? DEMO_CITIZENS[who].comuneIstatCode : who.comuneIstatCode;
  return {
    comuneCode,
    subject: subjectOf(person),
    certificateTypes: [8],
    emissione: 1,
    stampDuty: { kind: "paid", amountCents: 1600, paymentMethod: "virtual" },
    issuedAt: "2025-06-30T10:00:00+02:00",
    protocolNumber: "202500000001",
    ...overrides,
  };
}

function refusalOf(fn: () => unknown): AnprRefusalError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AnprRefusalError) return err;
    throw err;
  }
  throw new Error("expected an ANPR refusal, got a certificate");
}

function expectRefusal(req: CertificateRequest, code: AnprErrorCode): AnprRefusalError {
  const err = refusalOf(() => issueCertificate(population, req));
  expect(err.anprCode).toBe(code);
  return err;
}

function anyone(filter: (p: Person) => boolean): Person {
  const found = population.persons.find(filter);
  if (!found) throw new Error("no such person in the population");
  return found;
}

describe("issueCertificate: certificates ANPR would issue", () => {
  it("issues a residence certificate with generalità, address, stamp duty and place and date of issue", () => {
    const result = issueCertificate(population, request("marioRossi", { officer: { surname: "VERDI", name: "ANNA" } }));
    const c = result.content;
    expect(c.title).toBe("CERTIFICATO DI RESIDENZA");
    expect(c.protocolNumber).toBe("202500000001");
    expect(c.preview).toBe(false);
    expect(c.contestuale).toBe(false);
    expect(c.headerLines).toEqual([
      "Ministero dell'Interno — ANPR",
      "Anagrafe Nazionale della Popolazione Residente",
      "Comune di TRENTO (TN)",
    ]);
    expect(c.generalita).toEqual([
      { label: "Cognome", value: "ROSSI" },
      { label: "Nome", value: "MARIO" },
      { label: "Sesso", value: "M" },
      { label: "Data di nascita", value: "10/12/1985" },
      { label: "Luogo di nascita", value: "SAN GIULIANO TERME (PI)" },
      { label: "Codice fiscale", value: "RSSMRA85T10A562S" },
    ]);
    expect(c.sections).toEqual([
      {
        typeId: 8,
        title: "CERTIFICATO DI RESIDENZA",
        statements: ["Risulta residente in questo Comune."],
        fields: [
          { label: "Indirizzo", value: "VIA RODOLFO BELENZANI 12 int. 3 - 38122 TRENTO (TN)" },
          { label: "Dal", value: "01/07/2012" },
        ],
      },
    ]);
    expect(c.stampDutyLine).toBe("Bollo assolto in modo virtuale (€ 16,00)");
    expect(c.issuePlaceLine).toBe("TRENTO, 30/06/2025");
    expect(c.officerLine).toBe("L'Ufficiale d'Anagrafe: VERDI ANNA");
    expect(c.notes[0]).toContain("art. 40 DPR 445/2000");
    expect(result.subject.fiscalCode).toBe(DEMO_CITIZENS.marioRossi.fiscalCode);
    expect(result.householdMembers).toEqual([]);
    expect(result.warnings).toEqual([]);
  });

  it("combines several types into one contestuale certificate, one section each", () => {
    const result = issueCertificate(population, request("marioRossi", { certificateTypes: [1, 5, 8, 16, 3, 7, 11] }));
    const c = result.content;
    expect(c.title).toBe("CERTIFICATO CONTESTUALE");
    expect(c.contestuale).toBe(true);
    expect(c.sections.map((s) => s.title)).toEqual(
      [1, 5, 8, 16, 3, 7, 11].map((t) => certificateTitle(t as CertificateTypeId)),
    );
    const family = c.sections.find((s) => s.typeId === 16);
    expect(family?.members?.map((m) => `${m.fullName}: ${m.relationship}`)).toEqual([
      "ROSSI MARIO: Intestatario Scheda",
      "BIANCHI GIULIA: Marito / Moglie",
      "ROSSI LUCA: Figlio / Figlia",
      "ROSSI SOFIA: Figlio / Figlia",
    ]);
    expect(c.sections.find((s) => s.typeId === 3)?.fields).toContainEqual({
      label: "Coniuge",
      value: "BIANCHI GIULIA, nata a TRENTO (TN) il 22/04/1987",
    });
    expect(c.sections.find((s) => s.typeId === 11)?.fields).toEqual([{ label: "Stato civile", value: "Coniugato/a" }]);
    expect(c.sections.find((s) => s.typeId === 7)?.statements).toEqual(["Risulta in vita alla data del 30/06/2025."]);
    expect(result.householdMembers.map((m) => m.name)).toEqual(["MARIO", "GIULIA", "LUCA", "SOFIA"]);
    expect(result.household?.kind).toBe("family");
  });

  it("lists civil statuses on family status and civil status (13)", () => {
    const c = issueCertificate(population, request("marioRossi", { certificateTypes: [13] })).content;
    expect(c.sections[0]?.members?.map((m) => m.civilStatus)).toEqual([
      "Coniugato/a",
      "Coniugato/a",
      "Celibe/Nubile",
      "Celibe/Nubile",
    ]);
  });

  it("issues death and cancellation certificates for the deceased", () => {
    const death = issueCertificate(population, request("giuseppeMoser", { certificateTypes: [2] })).content;
    expect(death.sections[0]?.statements).toEqual(["Risulta deceduto a TRENTO (TN) il 03/11/2023."]);
    const cancellation = issueCertificate(population, request("giuseppeMoser", { certificateTypes: [4] })).content;
    expect(cancellation.sections[0]?.fields).toContainEqual({ label: "Motivo", value: "decesso" });
  });

  it("issues a widow's marriage certificate with the end of the marriage", () => {
    const c = issueCertificate(population, request("rosaTomasi", { certificateTypes: [3, 11] })).content;
    expect(c.sections[0]?.fields).toContainEqual({ label: "Cessazione", value: "decesso del coniuge il 03/11/2023" });
    expect(c.sections[1]?.fields).toEqual([{ label: "Stato civile", value: "Vedovo/a" }]);
  });

  it("issues a cancellation certificate for a citizen who moved away", () => {
    const c = issueCertificate(population, request("marcoBertoldi", { certificateTypes: [4] })).content;
    expect(c.sections[0]?.fields).toEqual([
      { label: "Data di cancellazione", value: "01/09/2021" },
      { label: "Motivo", value: "trasferimento di residenza nel Comune di MILANO (MI)" },
    ]);
  });

  it("issues AIRE residence and AIRE family status to AIRE citizens", () => {
    const c = issueCertificate(population, request("francescaPedrotti", { certificateTypes: [10, 15] })).content;
    expect(c.sections[0]?.statements[0]).toBe(
      "Risulta iscritta all'AIRE di questo Comune dal 01/03/2016, residente in MONACO DI BAVIERA (GERMANIA).",
    );
    expect(c.sections[0]?.fields).toContainEqual({
      label: "Consolato",
      value: "CONSOLATO GENERALE D'ITALIA - MONACO DI BAVIERA",
    });
    expect(c.sections[1]?.members?.map((m) => m.fiscalCode)).toEqual([DEMO_CITIZENS.francescaPedrotti.fiscalCode]);
  });

  it("issues civil union, cohabitation contract and free status certificates", () => {
    const union = issueCertificate(population, request("andreaGottardi", { certificateTypes: [18] })).content;
    expect(union.sections[0]?.fields[0]?.value).toBe("PISONI STEFANO, nato a ROVERETO (TN) il 01/12/1988");
    const contract = issueCertificate(population, request("chiaraDalpiaz", { certificateTypes: [19, 17] })).content;
    expect(contract.sections[0]?.fields[0]?.value).toBe("LEONARDI DAVIDE, nato a VERONA (VR) il 09/01/1991");
    expect(contract.sections[1]?.typeId).toBe(17);
    const divorced = issueCertificate(population, request("paoloDallapiccola", { certificateTypes: [17] })).content;
    expect(divorced.sections[0]?.fields).toEqual([{ label: "Stato civile", value: "Divorziato/a" }]);
  });

  it("issues historical residence and residence at a date", () => {
    const history = issueCertificate(population, request("giuliaBianchi", { certificateTypes: [9] })).content;
    expect(history.sections[0]?.fields.map((f) => f.value)).toEqual([
      "01/09/2005 - 30/06/2012: VIA MILANO 40 - 38122 TRENTO (TN)",
      "01/07/2012 - oggi: VIA RODOLFO BELENZANI 12 int. 3 - 38122 TRENTO (TN)",
    ]);
    const atDate = issueCertificate(
      population,
      request("giuliaBianchi", { certificateTypes: [20], referenceDate: "2010-01-01" }),
    ).content;
    expect(atDate.sections[0]?.fields[1]).toEqual({ label: "Indirizzo", value: "VIA MILANO 40 - 38122 TRENTO (TN)" });
  });

  it("issues residence in convivenza for a member of the care home", () => {
    const guest = anyone(
      (p) =>
        p.relationship === 25 &&
        p.comuneIstatCode === TRENTO.istatCode &&
        p.certifiability === 2 &&
        p.anomalies.length === 0,
    );
    const c = issueCertificate(population, request(guest, { certificateTypes: [14] })).content;
    expect(c.sections[0]?.fields[0]).toEqual({ label: "Convivenza", value: "CASA DI RIPOSO SAN GIUSEPPE" });
  });

  it("finds the subject by surname and name alone when they are unique in the Comune", () => {
    const result = issueCertificate(
      population,
      request("paoloDallapiccola", { subject: { surname: "Dallapiccola", name: "Paolo" } }),
    );
    expect(result.subject.fiscalCode).toBe(DEMO_CITIZENS.paoloDallapiccola.fiscalCode);
  });

  it("issues bilingual Italian/German certificates in Bolzano", () => {
    const c = issueCertificate(
      population,
      request("lukasGruber", { certificateTypes: [8, 12], language: "de" }),
    ).content;
    expect(c.language).toBe("DE");
    expect(c.title).toBe("CERTIFICATO CONTESTUALE / MEHRFACHBESCHEINIGUNG");
    expect(c.sections.map((s) => s.title)).toEqual([
      "CERTIFICATO DI RESIDENZA / ANSÄSSIGKEITSBESCHEINIGUNG",
      "CERTIFICATO DI STATO DI FAMIGLIA / FAMILIENBOGEN",
    ]);
    expect(c.sections[0]?.fields[0]).toEqual({
      label: "Indirizzo / Anschrift",
      value: "VIA DEI PORTICI 22 - 39100 BOLZANO (BZ) / LAUBENGASSE 22",
    });
    expect(c.generalita[0]).toEqual({ label: "Cognome / Nachname", value: "GRUBER" });
    expect(c.headerLines[2]).toBe("Comune di BOLZANO / Gemeinde BOZEN (BZ)");
    expect(c.issuePlaceLine).toBe("BOLZANO / BOZEN, 30/06/2025");
    expect(c.stampDutyLine).toBe("Bollo assolto in modo virtuale (€ 16,00) / Stempelsteuer entrichtet (€ 16,00)");
  });

  it("words stamp-duty exemptions from table 39, with the free text for 99", () => {
    const exempt = issueCertificate(
      population,
      request("marioRossi", { stampDuty: { kind: "exempt", exemptionId: 7 } }),
    ).content;
    expect(exempt.stampDutyLine).toBe(
      "Esente da bollo ai sensi di: SEPARAZIONE/DIVORZIO ai sensi dell'art. 19 della legge 74/1987",
    );
    const other = issueCertificate(
      population,
      request("marioRossi", {
        stampDuty: { kind: "exempt", exemptionId: 99, description: "  Uso sportivo dilettantistico " },
      }),
    ).content;
    expect(other.stampDutyLine).toBe(
      "Esente da bollo ai sensi di: ALTRO MOTIVO DI ESENZIONE: Uso sportivo dilettantistico",
    );
    const stamp = issueCertificate(
      population,
      request("marioRossi", { stampDuty: { kind: "paid", amountCents: 1600, paymentMethod: "revenue-stamp" } }),
    ).content;
    expect(stamp.stampDutyLine).toBe("Bollo assolto mediante contrassegno (€ 16,00)");
  });

  it("makes previews (emissione 3) without a protocol number, marked ANTEPRIMA", () => {
    const c = issueCertificate(population, request("marioRossi", { emissione: 3, protocolNumber: "999" })).content;
    expect(c.preview).toBe(true);
    expect(c.protocolNumber).toBeUndefined();
    expect(c.notes).toContain("ANTEPRIMA: documento privo di valore certificativo.");
  });

  it("notes the use abroad", () => {
    const c = issueCertificate(population, request("marioRossi", { useAbroad: true })).content;
    expect(c.notes).toContain("Certificato rilasciato per l'uso all'estero.");
  });

  it("issues with warning EA038 when the birth date disagrees with the codice fiscale", () => {
    const subject = anyone((p) => p.anomalies.some((a) => a.kind === "birth-date-mismatch") && p.certifiability === 2);
    const result = issueCertificate(population, request(subject));
    expect(result.warnings).toEqual([{ code: "EA038", type: "W", text: ANPR_ERRORS.EA038.text }]);
  });

  it("needs a protocol number to issue (the caller's bookkeeping, not input)", () => {
    const { protocolNumber: _unused, ...withoutProtocol } = request("marioRossi");
    expect(() => issueCertificate(population, withoutProtocol)).toThrow(RangeError);
    expect(() => issueCertificate(population, request("marioRossi", { protocolNumber: "12a" }))).toThrow(RangeError);
    expect(() => issueCertificate(population, request("marioRossi", { issuedAt: "30/06/2025" }))).toThrow(RangeError);
  });

  it("fingerprints the content: equal content, equal hash; any change, another", () => {
    const a = issueCertificate(population, request("marioRossi")).content;
    const b = issueCertificate(population, request("marioRossi")).content;
    const c = issueCertificate(population, request("marioRossi", { protocolNumber: "202500000002" })).content;
    expect(certificateFingerprint(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(certificateFingerprint(b)).toBe(certificateFingerprint(a));
    expect(certificateFingerprint(c)).not.toBe(certificateFingerprint(a));
  });
});

describe("issueCertificate: request errors", () => {
  it.each<[string, Partial<CertificateRequest>, AnprErrorCode]>([
    ["no type", { certificateTypes: [] }, "EN081"],
    ["type 21", { certificateTypes: [21] }, "EC070"],
    ["type 0", { certificateTypes: [0] }, "EC070"],
    ["a duplicate type", { certificateTypes: [8, 8] }, "EN372"],
    ["death with another type", { certificateTypes: [2, 8] }, "EN153"],
    ["historical residence with another type", { certificateTypes: [8, 9] }, "EN153"],
    ["APR and AIRE types", { certificateTypes: [8, 10] }, "EN287"],
    ["marriage and free status", { certificateTypes: [3, 17] }, "EN152"],
    ["marriage and civil union", { certificateTypes: [3, 18] }, "EN152"],
    ["civil status and free status", { certificateTypes: [11, 17] }, "EN158"],
    ["civil status and family-and-civil-status", { certificateTypes: [11, 13] }, "EN159"],
    ["family status and family with relationships", { certificateTypes: [12, 16] }, "EN154"],
    ["family-and-civil-status and residence in convivenza", { certificateTypes: [13, 14] }, "EN155"],
    ["residence in convivenza and family with relationships", { certificateTypes: [14, 16] }, "EN156"],
    ["residence at a date without the date", { certificateTypes: [20] }, "EN178"],
    ["residence at a future date", { certificateTypes: [20], referenceDate: "2030-01-01" }, "EN372"],
    ["an unknown language", { language: "EN" }, "EC069"],
    ["bollo paid with 0", { stampDuty: { kind: "paid", amountCents: 0 } }, "EN208"],
    ["an unknown exemption", { stampDuty: { kind: "exempt", exemptionId: 11 } }, "EN120"],
    [
      "exemption 99 without description",
      { stampDuty: { kind: "exempt", exemptionId: 99, description: "  " } },
      "EN281",
    ],
    [
      "exemption 99 with a long description",
      { stampDuty: { kind: "exempt", exemptionId: 99, description: "x".repeat(257) } },
      "EN282",
    ],
    ["negative diritti", { secretariatFeesCents: -1 }, "EN372"],
    ["emissione 4", { emissione: 4 }, "EN372"],
    ["a Comune that is not simulated", { comuneCode: "058091" }, "EN198"],
  ])("refuses %s", (_what, overrides, code) => {
    const err = expectRefusal(request("marioRossi", overrides), code);
    expect(err.kind).toBe("invalid-input");
    expect(err.field).toBeTruthy();
  });

  it("asks for a bilingual certificate with both languages, Italian and the other (italia/anpr#4682)", () => {
    const both = issueCertificate(
      population,
      request("lukasGruber", { certificateTypes: [8], languages: ["IT", "DE"] }),
    ).content;
    expect(both.language).toBe("DE");
    expect(
      issueCertificate(population, request("marioRossi", { certificateTypes: [8], languages: ["IT"] })).content
        .language,
    ).toBe("IT");
    const alone = expectRefusal(request("lukasGruber", { certificateTypes: [8], languages: ["DE"] }), "EN379");
    expect(alone.metadata.anprText).toBe(
      "Funzionalita' non supportata : certificato in lingua DE senza l'italiano (indicare ambedue le lingue, IT e DE)",
    );
    expectRefusal(request("lukasGruber", { certificateTypes: [8], languages: ["IT", "DE", "SL"] }), "EN379");
    // Both languages, but the subject's Comune is not bilingual (italia/anpr#2971).
    expect(expectRefusal(request("marioRossi", { certificateTypes: [8], languages: ["IT", "DE"] }), "EN379").kind).toBe(
      "precondition-failed",
    );
  });

  it("refuses German certificates in a Comune that does not issue them", () => {
    const err = expectRefusal(request("marioRossi", { language: "DE" }), "EN379");
    expect(err.kind).toBe("precondition-failed");
    expect(err.metadata.anprText).toBe("Funzionalita' non supportata lingua DE per il Comune di TRENTO");
  });
});

describe("issueCertificate: subjects ANPR refuses to certify", () => {
  it("carries the ANPR code, type and text in a DomainError", () => {
    const err = expectRefusal(
      request("marioRossi", { subject: { fiscalCode: "BNCLGU70A01H501X", surname: "BIANCHI", name: "LUIGI" } }),
      "EN042",
    );
    expect(err).toBeInstanceOf(DomainError);
    expect(isDomainError(err)).toBe(true);
    expect(err.kind).toBe("not-found");
    expect(err.reason).toBe("ANPR_ERROR");
    expect(err.metadata).toEqual({
      anprCode: "EN042",
      anprType: "E",
      anprText: "Soggetto da certificare non presente in ANPR",
    });
    expect(err.message).toBe("EN042: Soggetto da certificare non presente in ANPR");
    expect(err.name).toBe("AnprRefusalError");
  });

  it("refuses namesakes found by names only (EN043) and names that do not match the codice fiscale (EN069, EN068)", () => {
    const counts = new Map<string, number>();
    for (const p of population.byComune(TRENTO.istatCode))
      counts.set(`${p.surname}|${p.name}`, (counts.get(`${p.surname}|${p.name}`) ?? 0) + 1);
    const [surname = "", name = ""] = [...counts].find(([, n]) => n > 1)?.[0].split("|") ?? [];
    expect(expectRefusal(request("marioRossi", { subject: { surname, name } }), "EN043").kind).toBe(
      "precondition-failed",
    );
    expectRefusal(
      request("marioRossi", { subject: { ...subjectOf(DEMO_CITIZENS.marioRossi), surname: "ROSSINI" } }),
      "EN069",
    );
    expectRefusal(
      request("marioRossi", { subject: { ...subjectOf(DEMO_CITIZENS.marioRossi), name: "MARIA" } }),
      "EN068",
    );
  });

  it("refuses a subject of another Comune (EN210), naming the codice fiscale", () => {
    const err = expectRefusal(request("marioRossi", { comuneCode: ROVERETO.istatCode }), "EN210");
    expect(err.metadata.anprText).toBe(
      `Comune richiedente non competente sul codice fiscale ${DEMO_CITIZENS.marioRossi.fiscalCode} (o non competente alla data della richiesta)`,
    );
  });

  it.each<[Demo, CertificateTypeId, AnprErrorCode]>([
    ["marcoBertoldi", 8, "EN210"],
    ["giuseppeMoser", 7, "EN054"],
    ["giuseppeMoser", 8, "EN228"],
    ["francescaPedrotti", 8, "EN044"],
    ["francescaPedrotti", 7, "EN044"],
    ["marioRossi", 10, "EN164"],
    ["marioRossi", 15, "EN164"],
    ["marioRossi", 2, "EN061"],
    ["marioRossi", 4, "EN163"],
    ["francescaPedrotti", 4, "EN044"],
    ["chiaraDalpiaz", 3, "EN162"],
    ["ionPopescu", 5, "EN110"],
    ["robertoFontana", 8, "EN065"],
    ["elenaZeni", 1, "EN160"],
    ["paoloDallapiccola", 16, "EN059"],
    ["marioRossi", 14, "EN056"],
    ["marioRossi", 17, "EN060"],
    ["andreaGottardi", 17, "EN060"],
    ["marioRossi", 18, "EN353"],
    ["marioRossi", 19, "EN354"],
  ])("refuses %s type %i with %s", (who, type, code) => {
    expect(expectRefusal(request(who, { certificateTypes: [type] }), code).kind).toBe("precondition-failed");
  });

  it("names the certifiability in EN160", () => {
    expect(expectRefusal(request("elenaZeni"), "EN160").metadata.anprText).toBe(
      "Il certificato non puo' essere emesso perche' il soggetto risulta NON CERTIFICABILE",
    );
  });

  it("refuses one type of a contestuale and so the whole certificate", () => {
    expectRefusal(request("marioRossi", { certificateTypes: [8, 17] }), "EN060");
  });

  it("allows only residence and family status for partial certifiability (EN046)", () => {
    const partial = anyone(
      (p) =>
        p.certifiability === 1 &&
        p.anomalies.length === 0 &&
        p.familyId !== undefined &&
        population.household(p.familyId)?.anomaly === undefined &&
        population.household(p.familyId)?.kind === "family",
    );
    expect(issueCertificate(population, request(partial, { certificateTypes: [8] })).content.sections).toHaveLength(1);
    expect(issueCertificate(population, request(partial, { certificateTypes: [12] })).content.sections).toHaveLength(1);
    expectRefusal(request(partial, { certificateTypes: [1] }), "EN046");
  });

  it("refuses a subject with an open procedure (EN181)", () => {
    expectRefusal(request(anyone((p) => p.anomalies.some((a) => a.kind === "open-procedure"))), "EN181");
  });

  it("refuses family status for convivenze, families being registered and families without head", () => {
    const guest = anyone((p) => p.relationship === 25 && p.certifiability === 2 && p.anomalies.length === 0);
    expectRefusal(request(guest, { certificateTypes: [12] }), "EN055");
    expectRefusal(request(guest, { certificateTypes: [16] }), "EN058");
    const inFamily = (anomaly: string): Person =>
      anyone(
        (p) =>
          p.familyId !== undefined &&
          population.household(p.familyId)?.anomaly === anomaly &&
          p.certifiability === 2 &&
          p.anomalies.length === 0,
      );
    expectRefusal(request(inFamily("being-registered"), { certificateTypes: [12] }), "EN212");
    expectRefusal(request(inFamily("no-head"), { certificateTypes: [13] }), "EN062");
    expect(
      issueCertificate(population, request(inFamily("no-head"), { certificateTypes: [8] })).content.sections,
    ).toHaveLength(1);
  });

  it("refuses civil status when it is not known (EN138)", () => {
    const unknown = anyone(
      (p) => p.civilStatus === 9 && p.status.kind === "resident" && p.certifiability === 2 && p.anomalies.length === 0,
    );
    expectRefusal(request(unknown, { certificateTypes: [11] }), "EN138");
  });

  it("refuses residence at a date with no residence then (EN122)", () => {
    expectRefusal(request("marioRossi", { certificateTypes: [20], referenceDate: "1990-01-01" }), "EN122");
  });
});

describe("checkCertificateType", () => {
  it("lists what each demo citizen can get", () => {
    const allowed = (who: Demo, comune: string = DEMO_CITIZENS[who].comuneIstatCode): number[] => {
      const person = population.byFiscalCode(DEMO_CITIZENS[who].fiscalCode);
      if (!person) throw new Error(who);
      return CERTIFICATE_TYPES.filter(
        (t) => checkCertificateType(population, person, t.id, comune, "2020-01-01") === undefined,
      ).map((t) => t.id);
    };
    expect(allowed("marioRossi")).toEqual([1, 3, 5, 6, 7, 8, 9, 11, 12, 13, 16, 20]);
    expect(allowed("marioRossi", BOLZANO.istatCode)).toEqual([]);
    expect(allowed("giuseppeMoser")).toEqual([2, 4]);
    expect(allowed("francescaPedrotti")).toEqual([10, 15]);
    expect(allowed("marcoBertoldi")).toEqual([4]);
    expect(allowed("elenaZeni")).toEqual([]);
    expect(allowed("robertoFontana")).toEqual([1, 3, 5, 6, 7, 9, 11, 12, 13, 17, 20]);
    expect(allowed("lukasGruber")).toEqual([1, 3, 5, 6, 7, 8, 9, 11, 12, 13, 16, 20]);
  });

  it("maps codes to domain error kinds as documented", () => {
    expect(refusalKind("EN042")).toBe("not-found");
    expect(refusalKind("EC070")).toBe("invalid-input");
    expect(refusalKind("EN153")).toBe("invalid-input");
    expect(refusalKind("EN210")).toBe("precondition-failed");
    expect(refusalKind("EN228")).toBe("precondition-failed");
  });
});
