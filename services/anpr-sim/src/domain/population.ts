/**
 * The ANPR simulator's population: a seeded, deterministic register of people for a few real
 * Comuni, grouped into families (famiglie anagrafiche), convivenze and AIRE families, with the
 * cases ANPR refuses to certify (deceased, AIRE, moved away, data anomalies).
 *
 * Pure data: no I/O and no clock. The same options give the same people, field for field, so
 * tests, the demo and the SOAP layer can rely on them. This module is the entry point: it builds
 * the register and its indexes; the vocabulary is in `population-model.ts`, the reference data in
 * `population-seed.ts`, the demo families in `population-demo.ts`, the seeded generator in
 * `population-random.ts` over the primitives of `population-builder.ts`.
 */
import type {
  Household,
  Person,
  Population,
  PopulationOptions,
  SubjectLookup,
  SubjectQuery,
} from "./population-model.js";
import { DEMO_CITIZENS, SIMULATED_COMUNI } from "./population-seed.js";
import { createRng, type Builder } from "./population-builder.js";
import { buildDemo } from "./population-demo.js";
import {
  addAnomalies,
  randomAireFamily,
  randomConvivenza,
  randomDeceased,
  randomHousehold,
  randomMovedAway,
} from "./population-random.js";

export type * from "./population-model.js";
export { BOLZANO, DEMO_CITIZENS, ROVERETO, SIMULATED_COMUNI, TRENTO } from "./population-seed.js";

// ---------------------------------------------------------------------------------------------
// Indexes and lookup.

/** Name comparison key: letters only, upper case, accents removed ("D'Angelo" ≡ "DANGELO"). */
export function nameKey(text: string): string {
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toUpperCase()
    .replace(/[^A-Z]/g, "");
}

/**
 * Builds the simulated register: the demo citizens ({@link DEMO_CITIZENS}) of the chosen Comuni,
 * then random households until each Comune has `residentsPerComune` residents (the last household
 * may overshoot by a few), then per Comune one convivenza (care home), AIRE families (~2% of the
 * people), deceased records (~3%, mostly the late spouses of widowed residents) and moved-away
 * records (~1.5%), and a handful of anomalies (certifiability 0 and 1, open
 * procedures, birth dates that disagree with the codice fiscale, a family still being registered,
 * a family without head). Every codice fiscale is computed from the person's data (omocode when the
 * base code was already taken) and is unique; so is every ANPR id.
 *
 * Deterministic: no Math.random, no clock. Throws a RangeError for an unknown Comune code or a
 * negative size.
 */
export function createPopulation(options: PopulationOptions = {}): Population {
  const seed = String(options.seed ?? "novabox");
  const reference = options.referenceDate ?? "2025-06-30";
  const target = options.residentsPerComune ?? 3000;
  if (!Number.isInteger(target) || target < 0)
    throw new RangeError(`residentsPerComune must be a non-negative integer, got ${target}`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(reference))
    throw new RangeError(`referenceDate must be an ISO date, got ${reference}`);
  const comuni = (options.comuni ?? SIMULATED_COMUNI.map((c) => c.istatCode)).map((code) => {
    const c = SIMULATED_COMUNI.find((x) => x.istatCode === code);
    if (!c)
      throw new RangeError(
        `comune ${code} is not simulated (known: ${SIMULATED_COMUNI.map((x) => `${x.istatCode} ${x.name}`).join(", ")})`,
      );
    return c;
  });

  const b: Builder = {
    rng: createRng(seed),
    reference,
    persons: [],
    households: [],
    fiscalCodes: new Set(),
    idsAnpr: new Set(),
    nextRecordId: 1_000_001,
    nextHouseholdId: 5_000_001,
    residents: new Map(),
  };
  buildDemo(b, comuni);
  // Demo codes stay reserved even when their Comune is left out, so a random person never takes one.
  for (const d of Object.values(DEMO_CITIZENS)) b.fiscalCodes.add(d.fiscalCode);

  for (const comune of comuni) {
    const first = b.persons.length;
    if (target >= 100) randomConvivenza(b, comune, Math.max(4, Math.round(target * 0.005)));
    while ((b.residents.get(comune.istatCode) ?? 0) < target) randomHousehold(b, comune);
    const extra = (share: number): number => Math.round(target * share);
    for (let i = extra(0.012); i > 0; i--) randomAireFamily(b, comune);
    for (let i = extra(0.01); i > 0; i--) randomDeceased(b, comune);
    for (let i = extra(0.015); i > 0; i--) randomMovedAway(b, comune);
    addAnomalies(b, comune, first);
  }

  const persons: readonly Person[] = Object.freeze(b.persons.map((p) => Object.freeze(p as Person)));
  const households: readonly Household[] = Object.freeze(b.households.map((h) => Object.freeze(h as Household)));
  const byCode = new Map<string, Person>();
  const byId = new Map<string, Person>();
  const byComune = new Map<string, Person[]>();
  const byName = new Map<string, Person[]>();
  for (const p of persons) {
    byCode.set(p.fiscalCode, p);
    byId.set(p.idAnpr, p);
    const list = byComune.get(p.comuneIstatCode) ?? [];
    list.push(p);
    byComune.set(p.comuneIstatCode, list);
    const key = `${p.comuneIstatCode}|${nameKey(p.surname)}|${nameKey(p.name)}`;
    byName.set(key, [...(byName.get(key) ?? []), p]);
  }
  const byHousehold = new Map<string, Household>(households.map((h) => [h.id, h]));
  const membersOf = new Map<string, readonly Person[]>(
    households.map((h) => [
      h.id,
      Object.freeze(h.memberFiscalCodes.map((cf) => byCode.get(cf)).filter((p): p is Person => p !== undefined)),
    ]),
  );
  const comuneByCode = new Map(comuni.map((c) => [c.istatCode, c]));

  return Object.freeze({
    seed,
    referenceDate: reference,
    comuni: Object.freeze([...comuni]),
    persons,
    households,
    comune: (istatCode: string) => comuneByCode.get(istatCode),
    byFiscalCode: (fiscalCode: string) => byCode.get(fiscalCode),
    byIdAnpr: (idAnpr: string) => byId.get(idAnpr),
    household: (familyId: string) => byHousehold.get(familyId),
    householdMembers: (familyId: string) => membersOf.get(familyId) ?? [],
    byComune: (istatCode: string) => byComune.get(istatCode) ?? [],
    findSubject(query: SubjectQuery): SubjectLookup {
      const surname = nameKey(query.surname);
      const name = nameKey(query.name);
      const code = query.fiscalCode?.trim().toUpperCase();
      if (code) {
        const person = byCode.get(code);
        if (!person) return { kind: "not-found" };
        if (nameKey(person.surname) !== surname) return { kind: "mismatch", field: "surname", person };
        if (nameKey(person.name) !== name) return { kind: "mismatch", field: "name", person };
        return { kind: "found", person };
      }
      const matches = byName.get(`${query.comuneCode}|${surname}|${name}`) ?? [];
      if (matches.length === 0) return { kind: "not-found" };
      const [only] = matches;
      if (matches.length === 1 && only) return { kind: "found", person: only };
      return { kind: "ambiguous", candidates: matches };
    },
  });
}
