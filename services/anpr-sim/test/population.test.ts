import { beforeAll, describe, expect, it } from "@jest/globals";
import { computeCodiceFiscale, validateCodiceFiscale } from "#shared/anpr/codice-fiscale.js";
import { CIVIL_STATUSES, RELATIONSHIPS } from "#shared/anpr/tables.js";
import {
  BOLZANO,
  createPopulation,
  DEMO_CITIZENS,
  nameKey,
  ROVERETO,
  SIMULATED_COMUNI,
  TRENTO,
  type Person,
  type Population,
} from "../src/domain/population.js";

let population: Population;
beforeAll(() => {
  population = createPopulation();
});

function demo(key: keyof typeof DEMO_CITIZENS): Person {
  const person = population.byFiscalCode(DEMO_CITIZENS[key].fiscalCode);
  if (!person) throw new Error(`demo citizen ${key} missing`);
  return person;
}

describe("createPopulation: size and determinism", () => {
  it("builds about 3000 residents per Comune by default, plus AIRE, deceased and moved-away records", () => {
    for (const comune of SIMULATED_COMUNI) {
      const records = population.byComune(comune.istatCode);
      const residents = records.filter((p) => p.status.kind === "resident").length;
      expect(residents).toBeGreaterThanOrEqual(3000);
      expect(residents).toBeLessThan(3010);
      for (const kind of ["aire", "deceased", "moved-away"] as const) {
        expect(records.filter((p) => p.status.kind === kind).length).toBeGreaterThan(10);
      }
    }
    expect(population.persons.length).toBeGreaterThan(9000);
    expect(population.comuni.map((c) => c.istatCode)).toEqual(["022205", "022161", "021008"]);
  });

  it("gives the same people for the same seed and different people for another", () => {
    const a = createPopulation({ seed: "alpha", residentsPerComune: 400 });
    const b = createPopulation({ seed: "alpha", residentsPerComune: 400 });
    const c = createPopulation({ seed: "beta", residentsPerComune: 400 });
    expect(b.persons).toEqual(a.persons);
    expect(b.households).toEqual(a.households);
    const codes = (p: Population): string[] => p.persons.map((x) => x.fiscalCode);
    expect(codes(c)).not.toEqual(codes(a));
    const shared = codes(c).filter((code) => a.byFiscalCode(code) !== undefined);
    // only the fixed demo citizens and their families (ids DMnnnnnAN) are shared
    expect(shared.sort()).toEqual(
      a.persons
        .filter((p) => /^DM\d{5}AN$/.test(p.idAnpr))
        .map((p) => p.fiscalCode)
        .sort(),
    );
  });

  it("honours numeric seeds, a size and a subset of Comuni", () => {
    const small = createPopulation({ seed: 7, residentsPerComune: 50, comuni: [ROVERETO.istatCode] });
    expect(small.comuni).toEqual([ROVERETO]);
    expect(small.persons.every((p) => p.comuneIstatCode === ROVERETO.istatCode)).toBe(true);
    expect(small.persons.filter((p) => p.status.kind === "resident").length).toBeGreaterThanOrEqual(50);
    expect(createPopulation({ seed: 7, residentsPerComune: 50, comuni: [ROVERETO.istatCode] }).persons).toEqual(
      small.persons,
    );
  });

  it("rejects an unknown Comune, a bad size or a bad reference date", () => {
    expect(() => createPopulation({ comuni: ["058091"] })).toThrow(/058091 is not simulated/);
    expect(() => createPopulation({ residentsPerComune: -1 })).toThrow(RangeError);
    expect(() => createPopulation({ referenceDate: "30/06/2025" })).toThrow(RangeError);
  });

  it("returns frozen records", () => {
    const p = demo("marioRossi");
    expect(Object.isFrozen(p)).toBe(true);
    expect(Object.isFrozen(population.persons)).toBe(true);
  });
});

describe("createPopulation: fiscal codes and ids", () => {
  it("gives everyone a valid, unique codice fiscale computed from their data", () => {
    const seen = new Set<string>();
    const problems: string[] = [];
    for (const p of population.persons) {
      if (seen.has(p.fiscalCode)) problems.push(`${p.fiscalCode}: duplicate`);
      seen.add(p.fiscalCode);
      const check = validateCodiceFiscale(p.fiscalCode, { referenceDate: population.referenceDate });
      if (!check.valid) {
        problems.push(`${p.fiscalCode}: ${check.message}`);
        continue;
      }
      const mismatch = p.anomalies.some((a) => a.kind === "birth-date-mismatch");
      const computed = computeCodiceFiscale({
        surname: p.surname,
        name: p.name,
        sex: p.sex,
        birthDate: p.birthDate,
        birthPlaceCode: p.birthPlace.belfioreCode,
      });
      if (mismatch && (check.baseCode === computed || check.birthDate === p.birthDate))
        problems.push(`${p.fiscalCode}: flagged birth-date-mismatch but matches`);
      if (!mismatch && (check.baseCode !== computed || check.sex !== p.sex))
        problems.push(`${p.fiscalCode}: computed ${computed} from the data`);
    }
    expect(problems).toEqual([]);
  });

  it("resolves collisions with omocodia", () => {
    const omocodes = population.persons.filter((p) => {
      const v = validateCodiceFiscale(p.fiscalCode);
      return v.valid && v.omocode;
    });
    expect(omocodes.map((p) => p.fiscalCode)).toContain(DEMO_CITIZENS.marioRossiOmocode.fiscalCode);
  });

  it("gives everyone a unique ANPR id (2 letters, 5 digits, 2 letters) and record id", () => {
    expect(new Set(population.persons.map((p) => p.idAnpr)).size).toBe(population.persons.length);
    expect(new Set(population.persons.map((p) => p.anprRecordId)).size).toBe(population.persons.length);
    const problems = population.persons.filter(
      (p) =>
        !/^[A-Z]{2}\d{5}[A-Z]{2}$/.test(p.idAnpr) ||
        !/^\d+$/.test(p.anprRecordId) ||
        population.byIdAnpr(p.idAnpr) !== p,
    );
    expect(problems).toEqual([]);
  });

  it("has people born abroad (Z codes), foreign citizens and German names in Bolzano", () => {
    expect(
      population.persons.filter((p) => p.birthPlace.kind === "foreign" && p.birthPlace.belfioreCode.startsWith("Z"))
        .length,
    ).toBeGreaterThan(300);
    expect(population.persons.filter((p) => !p.citizenships.some((c) => c.stateCode === "100")).length).toBeGreaterThan(
      300,
    );
    expect(population.persons.filter((p) => p.citizenships.length > 1).length).toBeGreaterThan(10);
    expect(
      population
        .byComune(BOLZANO.istatCode)
        .filter((p) => ["GRUBER", "PICHLER", "HOFER", "MAIR", "EGGER"].includes(p.surname)).length,
    ).toBeGreaterThan(50);
  });
});

describe("createPopulation: consistency", () => {
  it("indexes households and their members both ways", () => {
    const problems: string[] = [];
    const fail = (what: string): number => problems.push(what);
    for (const h of population.households) {
      const members = population.householdMembers(h.id);
      if (members.map((m) => m.fiscalCode).join() !== h.memberFiscalCodes.join()) fail(`${h.id}: members differ`);
      members.forEach((m, i) => {
        if (m.familyId !== h.id || m.familyPosition !== i + 1 || m.comuneIstatCode !== h.comuneIstatCode)
          fail(`${h.id}: ${m.fiscalCode} not indexed back`);
      });
      const heads = members.filter((m) => m.relationship === 1 || m.relationship === 24).length;
      if (heads !== (h.anomaly === "no-head" ? 0 : 1)) fail(`${h.id}: ${heads} heads`);
      if (
        h.kind === "convivenza" &&
        (!h.convivenzaName || !members.every((m) => m.relationship === 24 || m.relationship === 25))
      )
        fail(`${h.id}: bad convivenza`);
      if (h.kind === "aire-family" && !members.every((m) => m.status.kind === "aire"))
        fail(`${h.id}: AIRE family with non-AIRE member`);
      if (h.kind === "family" && !members.every((m) => m.status.kind === "resident"))
        fail(`${h.id}: family with non-resident member`);
    }
    for (const p of population.persons) {
      const registered = p.status.kind === "resident" || p.status.kind === "aire";
      if (registered !== (p.familyId !== undefined))
        fail(`${p.fiscalCode}: ${p.status.kind} with familyId ${p.familyId}`);
      if (p.relationship !== undefined && !RELATIONSHIPS[p.relationship])
        fail(`${p.fiscalCode}: relationship ${p.relationship}`);
    }
    expect(problems).toEqual([]);
    expect(population.household("nope")).toBeUndefined();
    expect(population.householdMembers("nope")).toEqual([]);
  });

  it("has families of every shape, a convivenza per Comune and household anomalies", () => {
    const sizes = population.households.filter((h) => h.kind === "family").map((h) => h.memberFiscalCodes.length);
    expect(sizes.filter((s) => s === 1).length).toBeGreaterThan(500);
    expect(sizes.filter((s) => s >= 4).length).toBeGreaterThan(500);
    expect(population.households.filter((h) => h.kind === "convivenza").length).toBe(3);
    expect(population.persons.filter((p) => p.relationship === 23).length).toBeGreaterThan(50);
    expect(population.persons.filter((p) => p.relationship === 28).length).toBeGreaterThan(10);
    expect(population.households.filter((h) => h.anomaly === "being-registered").length).toBe(3);
    expect(population.households.filter((h) => h.anomaly === "no-head").length).toBe(3);
  });

  it("keeps civil status, marriages and unions consistent and symmetric", () => {
    const codes = new Set<number>(CIVIL_STATUSES.map((s) => s.code));
    const problems: string[] = [];
    for (const p of population.persons) {
      const m = p.marriage;
      const bad = (why: string): number => problems.push(`${p.fiscalCode} (civil status ${p.civilStatus}): ${why}`);
      if (!codes.has(p.civilStatus)) bad("not in table 1");
      if (p.civilStatus === 2 && (!m || m.ended)) bad("married without a current marriage");
      if (p.civilStatus === 3 && m?.ended?.kind !== "widowhood") bad("widowed without widowhood");
      if (p.civilStatus === 4 && m?.ended?.kind !== "divorce") bad("divorced without divorce");
      if (p.civilStatus === 6 && !p.civilUnion) bad("civil union missing");
      if (p.civilStatus === 1 && m) bad("single with a marriage");
      if (m && !(m.date > p.birthDate && (m.ended === undefined || m.ended.date >= m.date)))
        bad("marriage dates out of order");
      const spouseCode = m?.spouse.fiscalCode;
      if (spouseCode !== undefined && population.byFiscalCode(spouseCode)?.marriage?.spouse.fiscalCode !== p.fiscalCode)
        bad("spouse does not point back");
      const partnerCode = p.civilUnion?.partner.fiscalCode;
      if (
        partnerCode !== undefined &&
        population.byFiscalCode(partnerCode)?.civilUnion?.partner.fiscalCode !== p.fiscalCode
      )
        bad("partner does not point back");
    }
    expect(problems).toEqual([]);
  });

  it("gives residents a current address in their Comune and the others the data of their status", () => {
    const problems: string[] = [];
    for (const p of population.persons) {
      const bad = (why: string): number => problems.push(`${p.fiscalCode} (${p.status.kind}): ${why}`);
      const last = p.residenceHistory[p.residenceHistory.length - 1];
      if (p.residenceHistory.some((r) => r.since < p.birthDate || (r.until !== undefined && r.until < r.since)))
        bad("residence dates out of order");
      if (p.birthDate > population.referenceDate) bad("born after the reference date");
      switch (p.status.kind) {
        case "resident":
          if (
            !last ||
            last.until !== undefined ||
            last.address.comuneIstatCode !== p.comuneIstatCode ||
            !/^\d{5}$/.test(last.address.postcode)
          )
            bad("no current address in the Comune");
          if (p.foreignResidence) bad("resident with an address abroad");
          break;
        case "aire":
          if (!/^\d{7}$/.test(p.foreignResidence?.consulateCode ?? "")) bad("no consulate");
          if (p.residenceHistory.some((r) => r.until === undefined)) bad("current Italian residence");
          break;
        case "deceased":
          if (!(p.status.deathDate > p.birthDate && p.status.deathDate <= population.referenceDate))
            bad("death date out of range");
          if (last?.until !== p.status.deathDate) bad("residence does not end at death");
          break;
        case "moved-away":
          if (p.status.destination.kind !== "comune" || last?.until === undefined)
            bad("no destination or open residence");
          break;
      }
    }
    expect(problems).toEqual([]);
  });

  it("flags a few subjects ANPR cannot certify fully", () => {
    for (const comune of SIMULATED_COMUNI) {
      const records = population.byComune(comune.istatCode);
      expect(records.filter((p) => p.certifiability === 0).length).toBeGreaterThanOrEqual(2);
      expect(records.filter((p) => p.certifiability === 1).length).toBe(2);
      expect(records.filter((p) => p.anomalies.some((a) => a.kind === "open-procedure")).length).toBe(2);
      expect(records.filter((p) => p.anomalies.some((a) => a.kind === "birth-date-mismatch")).length).toBe(2);
    }
  });
});

describe("demo citizens", () => {
  it("are all present, with the documented codes, names and Comuni", () => {
    for (const [key, d] of Object.entries(DEMO_CITIZENS)) {
      const p = population.byFiscalCode(d.fiscalCode);
      expect({ key, surname: p?.surname, name: p?.name, comune: p?.comuneIstatCode }).toEqual({
        key,
        surname: d.surname,
        name: d.name,
        comune: d.comuneIstatCode,
      });
    }
    const comuni = new Set(Object.values(DEMO_CITIZENS).map((d) => d.comuneIstatCode));
    expect([...comuni].sort()).toEqual([BOLZANO.istatCode, ROVERETO.istatCode, TRENTO.istatCode].sort());
  });

  it("are the same whatever the seed and size", () => {
    const other = createPopulation({ seed: "something else", residentsPerComune: 20 });
    for (const d of Object.values(DEMO_CITIZENS))
      expect(other.byFiscalCode(d.fiscalCode)).toEqual(population.byFiscalCode(d.fiscalCode));
  });

  it("include a family of 4, a deceased, an AIRE and a moved-away citizen", () => {
    const mario = demo("marioRossi");
    const members = population.householdMembers(mario.familyId ?? "");
    expect(members.map((m) => `${m.name}:${m.relationship}`)).toEqual(["MARIO:1", "GIULIA:2", "LUCA:3", "SOFIA:3"]);
    expect(mario.marriage?.spouse.fiscalCode).toBe(DEMO_CITIZENS.giuliaBianchi.fiscalCode);
    expect(demo("giuseppeMoser").status).toEqual({
      kind: "deceased",
      deathDate: "2023-11-03",
      deathPlace: expect.objectContaining({ name: "TRENTO" }),
    });
    expect(demo("rosaTomasi").civilStatus).toBe(3);
    expect(demo("francescaPedrotti").status.kind).toBe("aire");
    expect(population.household(demo("francescaPedrotti").familyId ?? "")?.kind).toBe("aire-family");
    expect(demo("marcoBertoldi").status).toMatchObject({ kind: "moved-away", destination: { name: "MILANO" } });
    expect(demo("elenaZeni").certifiability).toBe(0);
    expect(demo("robertoFontana").anomalies).toEqual([{ kind: "homeless" }]);
    expect(demo("ionPopescu").citizenships.map((c) => c.stateName)).toEqual(["ROMANIA"]);
    expect(demo("lukasGruber").residenceHistory[0]?.address.streetNameDe).toBe("LAUBENGASSE");
  });

  it("include an omocode: the Rovereto namesake of Mario Rossi", () => {
    const check = validateCodiceFiscale(DEMO_CITIZENS.marioRossiOmocode.fiscalCode, { referenceDate: "2025-06-30" });
    expect(check).toMatchObject({
      valid: true,
      omocode: true,
      baseCode: DEMO_CITIZENS.marioRossi.fiscalCode,
      birthDate: "1985-12-10",
    });
  });
});

describe("findSubject", () => {
  it("finds by codice fiscale in any Comune, ignoring case, accents and spacing in the names", () => {
    expect(
      population.findSubject({
        fiscalCode: " rssmra85t10a562s ",
        surname: "rossi",
        name: "Mario",
        comuneCode: ROVERETO.istatCode,
      }),
    ).toEqual({ kind: "found", person: demo("marioRossi") });
    expect(nameKey("D'Angelo")).toBe(nameKey("dangelo"));
    expect(nameKey("Niccolò")).toBe("NICCOLO");
  });

  it("reports a surname or name that does not match the codice fiscale", () => {
    const mario = demo("marioRossi");
    expect(
      population.findSubject({
        fiscalCode: mario.fiscalCode,
        surname: "Bianchi",
        name: "Mario",
        comuneCode: TRENTO.istatCode,
      }),
    ).toEqual({ kind: "mismatch", field: "surname", person: mario });
    expect(
      population.findSubject({
        fiscalCode: mario.fiscalCode,
        surname: "Rossi",
        name: "Luigi",
        comuneCode: TRENTO.istatCode,
      }),
    ).toEqual({ kind: "mismatch", field: "name", person: mario });
  });

  it("reports an unknown codice fiscale or name as not found", () => {
    expect(
      population.findSubject({
        fiscalCode: "BNCLGU70A01H501X",
        surname: "Bianchi",
        name: "Luigi",
        comuneCode: TRENTO.istatCode,
      }),
    ).toEqual({ kind: "not-found" });
    expect(population.findSubject({ surname: "Nessuno", name: "Tizio", comuneCode: TRENTO.istatCode })).toEqual({
      kind: "not-found",
    });
  });

  it("searches by names within the requesting Comune only", () => {
    expect(population.findSubject({ surname: "Rossi", name: "Mario", comuneCode: ROVERETO.istatCode })).toMatchObject({
      kind: "found",
      person: { fiscalCode: DEMO_CITIZENS.marioRossiOmocode.fiscalCode },
    });
    expect(population.findSubject({ surname: "Gruber", name: "Lukas", comuneCode: TRENTO.istatCode })).toEqual({
      kind: "not-found",
    });
  });

  it("reports namesakes as ambiguous", () => {
    const counts = new Map<string, Person[]>();
    for (const p of population.byComune(TRENTO.istatCode)) {
      const key = `${p.surname}|${p.name}`;
      counts.set(key, [...(counts.get(key) ?? []), p]);
    }
    const namesakes = [...counts.values()].find((list) => list.length > 1);
    expect(namesakes).toBeDefined();
    const [first] = namesakes ?? [];
    if (!first) return;
    const result = population.findSubject({ surname: first.surname, name: first.name, comuneCode: TRENTO.istatCode });
    expect(result.kind).toBe("ambiguous");
    if (result.kind === "ambiguous")
      expect(result.candidates.map((p) => p.fiscalCode).sort()).toEqual(
        (namesakes ?? []).map((p) => p.fiscalCode).sort(),
      );
  });
});
