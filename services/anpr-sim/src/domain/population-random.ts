/**
 * The seeded part of the register: random households, convivenze, AIRE families, deceased and
 * moved-away records, and the anomalies ANPR reports, drawn from the reference data.
 */
import type { CivilStatusCode, RelationshipCode } from "#shared/anpr/tables.js";
import type {
  Citizenship,
  ComuneInfo,
  ForeignAddress,
  ItalianAddress,
  Place,
  RegistryStatus,
  ResidencePeriod,
  Sex,
} from "./population-model.js";
import {
  ABROAD,
  CONVIVENZA_NAMES,
  FOREIGN_GROUPS,
  GERMAN_SURNAMES,
  ITALIAN_BIRTH_PLACES,
  ITALIAN_SURNAMES,
  MOVE_DESTINATIONS,
  NEARBY_BIRTH_PLACES,
  PLACES,
  STATES,
  comunePlace,
  stateBirthPlace,
  type ForeignGroup,
  type StateKey,
} from "./population-seed.js";
import {
  addHousehold,
  addPerson,
  addYears,
  draftPartner,
  externalPartner,
  foreignCitizenship,
  fromDays,
  historyFor,
  italianCitizenship,
  marry,
  maxDate,
  minDate,
  partnerRef,
  pickName,
  randomAddress,
  randomDate,
  toDays,
  type Builder,
  type DraftPerson,
  type Rng,
} from "./population-builder.js";

// ---------------------------------------------------------------------------------------------
// Random households.

export interface Origin {
  german: boolean;
  foreign?: ForeignGroup;
}

function originFor(rng: Rng, comune: ComuneInfo): Origin {
  if (rng.chance(0.11)) return { german: false, foreign: rng.pick(FOREIGN_GROUPS) };
  return { german: comune.languages.includes("DE") && rng.chance(0.35) };
}

function adultBirthPlace(rng: Rng, comune: ComuneInfo, origin: Origin): Place {
  if (origin.foreign) return stateBirthPlace(origin.foreign.state);
  const r = rng.next();
  const local = comunePlace(comune.istatCode, comune.belfioreCode, comune.name, comune.province);
  if (r < 0.45) return local;
  if (r < 0.65) return rng.pick(NEARBY_BIRTH_PLACES[comune.istatCode] ?? [local]);
  if (r < 0.95) return origin.german ? rng.pick([PLACES.merano, local]) : rng.pick(ITALIAN_BIRTH_PLACES);
  return stateBirthPlace(rng.pick<StateKey>(["germania", "svizzera", "belgio", "francia", "argentina"]));
}

function surnameFor(rng: Rng, origin: Origin): string {
  if (origin.foreign) return rng.pick(origin.foreign.surnames);
  return rng.pick(origin.german ? GERMAN_SURNAMES : ITALIAN_SURNAMES);
}

function nameFor(rng: Rng, sex: Sex, origin: Origin): string {
  if (origin.foreign) return rng.pick(sex === "M" ? origin.foreign.male : origin.foreign.female);
  return pickName(rng, sex, origin.german);
}

function citizenshipsFor(rng: Rng, origin: Origin, birthDate: string, reference: string): Citizenship[] {
  if (!origin.foreign) return [italianCitizenship(birthDate)];
  const own = foreignCitizenship(origin.foreign.state, birthDate);
  const adultFor10 = addYears(birthDate, 28);
  if (adultFor10 < reference && rng.chance(0.25)) {
    return [italianCitizenship(randomDate(rng, adultFor10, reference)), own];
  }
  return [own];
}

function birthDateForAge(rng: Rng, reference: string, minAge: number, maxAge: number): string {
  return randomDate(rng, fromDays(toDays(addYears(reference, -maxAge - 1)) + 1), addYears(reference, -minAge));
}

interface AdultDraft {
  surname: string;
  name: string;
  sex: Sex;
  birthDate: string;
  birthPlace: Place;
  citizenships: Citizenship[];
}

function adultDraft(
  b: Builder,
  comune: ComuneInfo,
  origin: Origin,
  sex: Sex,
  minAge: number,
  maxAge: number,
  surname?: string,
): AdultDraft {
  const birthDate = birthDateForAge(b.rng, b.reference, minAge, maxAge);
  return {
    surname: surname ?? surnameFor(b.rng, origin),
    name: nameFor(b.rng, sex, origin),
    sex,
    birthDate,
    birthPlace: adultBirthPlace(b.rng, comune, origin),
    citizenships: citizenshipsFor(b.rng, origin, birthDate, b.reference),
  };
}

function childrenFor(
  b: Builder,
  comune: ComuneInfo,
  origin: Origin,
  surname: string,
  mother: { birthDate: string },
  from: string,
  count: number,
): AdultDraft[] {
  const earliest = maxDate(addYears(mother.birthDate, 20), from, addYears(b.reference, -30));
  const latest = minDate(addYears(mother.birthDate, 44), b.reference);
  const kids: AdultDraft[] = [];
  if (earliest >= latest) return kids;
  const local = comunePlace(comune.istatCode, comune.belfioreCode, comune.name, comune.province);
  for (let i = 0; i < count; i++) {
    const sex: Sex = b.rng.chance(0.5) ? "M" : "F";
    const birthDate = randomDate(b.rng, earliest, latest);
    const citizenships = origin.foreign
      ? [foreignCitizenship(origin.foreign.state, birthDate)]
      : [italianCitizenship(birthDate)];
    kids.push({ surname, name: nameFor(b.rng, sex, origin), sex, birthDate, birthPlace: local, citizenships });
  }
  return kids.sort((x, y) => (x.birthDate < y.birthDate ? -1 : 1));
}

function residentPerson(
  b: Builder,
  comune: ComuneInfo,
  draft: AdultDraft,
  civilStatus: CivilStatusCode,
  address: ItalianAddress,
  since: string,
): DraftPerson {
  const personSince = maxDate(since, draft.birthDate);
  const history =
    personSince === draft.birthDate
      ? [{ address, since: personSince }]
      : historyFor(b.rng, draft, comune, address, personSince);
  return addPerson(b, { ...draft, civilStatus, comune, status: { kind: "resident" }, residenceHistory: history });
}

type HouseholdShape =
  "single" | "couple" | "couple-children" | "single-parent" | "cohabiting" | "three-generation" | "civil-union";

const SHAPES: readonly [HouseholdShape, number][] = [
  ["single", 30],
  ["couple", 18],
  ["couple-children", 32],
  ["single-parent", 9],
  ["cohabiting", 7],
  ["three-generation", 3],
  ["civil-union", 1],
];

function pickShape(rng: Rng): HouseholdShape {
  const total = SHAPES.reduce((s, [, w]) => s + w, 0);
  let r = rng.next() * total;
  for (const [shape, w] of SHAPES) {
    r -= w;
    if (r < 0) return shape;
  }
  return "single";
}

export function randomHousehold(b: Builder, comune: ComuneInfo): void {
  const { rng } = b;
  const origin = originFor(rng, comune);
  const shape = pickShape(rng);
  const address = randomAddress(rng, comune);

  if (shape === "single") {
    const sex: Sex = rng.chance(0.5) ? "M" : "F";
    const draft = adultDraft(b, comune, origin, sex, 19, 96);
    const age = Number(b.reference.slice(0, 4)) - Number(draft.birthDate.slice(0, 4));
    const since = randomDate(rng, addYears(draft.birthDate, 19), b.reference);
    const r = rng.next();
    if (age > 40 && r < 0.3) {
      // Widowed. A spouse who died in the last six years is still in the register, as deceased.
      const spouseSex: Sex = sex === "M" ? "F" : "M";
      const spouseDraft = adultDraft(
        b,
        comune,
        origin,
        spouseSex,
        Math.max(age - 6, 19),
        age + 6,
        spouseSex === "F" ? undefined : draft.surname,
      );
      const weddingFrom = addYears(maxDate(draft.birthDate, spouseDraft.birthDate), 20);
      const lastDay = fromDays(toDays(b.reference) - 10);
      const wedding = randomDate(rng, weddingFrom, minDate(addYears(weddingFrom, 15), lastDay));
      const deathDate = randomDate(
        rng,
        minDate(maxDate(addYears(wedding, 1), addYears(b.reference, -8)), lastDay),
        lastDay,
      );
      const home = comunePlace(comune.istatCode, comune.belfioreCode, comune.name, comune.province);
      const since = randomDate(rng, wedding, deathDate);
      const person = residentPerson(b, comune, draft, 3, address, since);
      let spouseRef = draftPartner(spouseDraft);
      if (deathDate >= addYears(b.reference, -6)) {
        const spouse = addPerson(b, {
          ...spouseDraft,
          civilStatus: 2,
          comune,
          status: { kind: "deceased", deathDate, deathPlace: home },
          residenceHistory: [{ address, since, until: deathDate }],
        });
        spouse.marriage = { spouse: partnerRef(person), date: wedding, place: home };
        spouseRef = partnerRef(spouse);
      }
      person.marriage = {
        spouse: spouseRef,
        date: wedding,
        place: home,
        ended: { kind: "widowhood", date: deathDate },
      };
      addHousehold(b, "family", comune, deathDate, [{ person, relationship: 1 }]);
      return;
    }
    if (age > 30 && r < 0.55) {
      const person = residentPerson(b, comune, draft, 4, address, since);
      const wedding = randomDate(rng, addYears(draft.birthDate, 21), addYears(draft.birthDate, Math.min(age - 3, 45)));
      const divorce = randomDate(rng, addYears(wedding, 2), minDate(addYears(wedding, 25), b.reference));
      const exSex: Sex = sex === "M" ? "F" : "M";
      person.marriage = {
        spouse: externalPartner(
          rng,
          exSex,
          birthDateForAge(rng, b.reference, Math.max(age - 5, 19), age + 5),
          adultBirthPlace(rng, comune, origin),
          origin.german,
        ),
        date: wedding,
        place: comunePlace(comune.istatCode, comune.belfioreCode, comune.name, comune.province),
        ended: { kind: "divorce", date: divorce },
      };
      addHousehold(b, "family", comune, since, [{ person, relationship: 1 }]);
      return;
    }
    const person = residentPerson(b, comune, draft, rng.chance(0.01) ? 9 : 1, address, since);
    addHousehold(b, "family", comune, since, [{ person, relationship: 1 }]);
    return;
  }

  if (shape === "civil-union") {
    const sex: Sex = rng.chance(0.5) ? "M" : "F";
    const a = adultDraft(b, comune, origin, sex, 25, 70);
    const c2 = adultDraft(b, comune, origin, sex, 25, 70);
    const date = randomDate(rng, maxDate("2016-06-05", addYears(maxDate(a.birthDate, c2.birthDate), 20)), b.reference);
    const since = randomDate(rng, addYears(date, -3), date);
    const pa = residentPerson(b, comune, a, 6, address, since);
    const pb = residentPerson(b, comune, c2, 6, address, since);
    const place = comunePlace(comune.istatCode, comune.belfioreCode, comune.name, comune.province);
    pa.civilUnion = { partner: partnerRef(pb), date, place };
    pb.civilUnion = { partner: partnerRef(pa), date, place };
    addHousehold(b, "family", comune, since, [
      { person: pa, relationship: 1 },
      { person: pb, relationship: 28 },
    ]);
    return;
  }

  if (shape === "cohabiting") {
    const headSex: Sex = rng.chance(0.5) ? "M" : "F";
    const head = adultDraft(b, comune, origin, headSex, 22, 65);
    const partner = adultDraft(b, comune, origin, headSex === "M" ? "F" : "M", 22, 65);
    const since = randomDate(rng, addYears(maxDate(head.birthDate, partner.birthDate), 20), b.reference);
    const ph = residentPerson(b, comune, head, rng.chance(0.8) ? 1 : 4, address, since);
    const pp = residentPerson(b, comune, partner, rng.chance(0.8) ? 1 : 4, address, since);
    for (const p of [ph, pp]) {
      if (p.civilStatus === 4) {
        const wedding = randomDate(rng, addYears(p.birthDate, 20), fromDays(toDays(since) - 800));
        const ex = externalPartner(
          rng,
          p.sex === "M" ? "F" : "M",
          birthDateForAge(rng, b.reference, 25, 70),
          adultBirthPlace(rng, comune, origin),
          origin.german,
        );
        p.marriage = {
          spouse: ex,
          date: wedding,
          place: comunePlace(comune.istatCode, comune.belfioreCode, comune.name, comune.province),
          ended: { kind: "divorce", date: fromDays(toDays(since) - 30) },
        };
      }
    }
    if (rng.chance(0.35)) {
      const date = randomDate(rng, maxDate(since, "2016-06-05"), b.reference);
      const place = comunePlace(comune.istatCode, comune.belfioreCode, comune.name, comune.province);
      ph.cohabitationContract = { partner: partnerRef(pp), date, registeredIn: place };
      pp.cohabitationContract = { partner: partnerRef(ph), date, registeredIn: place };
    }
    const mother = headSex === "F" ? head : partner;
    const kids = rng.chance(0.4) ? childrenFor(b, comune, origin, head.surname, mother, since, rng.int(1, 2)) : [];
    const members = [
      { person: ph, relationship: 1 as RelationshipCode },
      { person: pp, relationship: 23 as RelationshipCode },
    ];
    for (const k of kids) members.push({ person: residentPerson(b, comune, k, 1, address, since), relationship: 3 });
    addHousehold(b, "family", comune, since, members);
    return;
  }

  if (shape === "single-parent") {
    const sex: Sex = rng.chance(0.8) ? "F" : "M";
    const parent = adultDraft(b, comune, origin, sex, 26, 60);
    const status: CivilStatusCode = rng.pick<CivilStatusCode>([1, 4, 4]);
    const since = randomDate(rng, addYears(parent.birthDate, 22), b.reference);
    const motherLike = sex === "F" ? parent : { birthDate: addYears(parent.birthDate, 2) };
    const kids = childrenFor(
      b,
      comune,
      origin,
      parent.surname,
      motherLike,
      addYears(parent.birthDate, 20),
      rng.int(1, 2),
    );
    const pp = residentPerson(b, comune, parent, status, address, since);
    if (status === 4) {
      const wedding = randomDate(rng, addYears(pp.birthDate, 21), addYears(pp.birthDate, 30));
      pp.marriage = {
        spouse: externalPartner(
          rng,
          sex === "M" ? "F" : "M",
          birthDateForAge(rng, b.reference, 26, 65),
          adultBirthPlace(rng, comune, origin),
          origin.german,
        ),
        date: wedding,
        place: comunePlace(comune.istatCode, comune.belfioreCode, comune.name, comune.province),
        ended: { kind: "divorce", date: randomDate(rng, addYears(wedding, 2), b.reference) },
      };
    }
    const members = [{ person: pp, relationship: 1 as RelationshipCode }];
    for (const k of kids) members.push({ person: residentPerson(b, comune, k, 1, address, since), relationship: 3 });
    addHousehold(b, "family", comune, since, members);
    return;
  }

  // couple, couple-children, three-generation: a married couple
  const headSex: Sex = rng.chance(0.85) ? "M" : "F";
  const minAge = shape === "couple" ? 24 : 26;
  const maxAge = shape === "couple" ? 92 : 62;
  const head = adultDraft(b, comune, origin, headSex, minAge, maxAge);
  const headAge = Number(b.reference.slice(0, 4)) - Number(head.birthDate.slice(0, 4));
  const spouse = adultDraft(
    b,
    comune,
    rng.chance(0.93) ? origin : { german: false },
    headSex === "M" ? "F" : "M",
    Math.max(minAge - 4, 20),
    Math.min(headAge + 6, 96),
  );
  const youngerBirth = maxDate(head.birthDate, spouse.birthDate);
  const wedding = randomDate(rng, addYears(youngerBirth, 20), minDate(addYears(youngerBirth, 40), b.reference));
  const weddingPlace =
    origin.foreign && rng.chance(0.6)
      ? stateBirthPlace(origin.foreign.state)
      : comunePlace(comune.istatCode, comune.belfioreCode, comune.name, comune.province);
  const since = randomDate(rng, wedding, minDate(addYears(wedding, 3), b.reference));
  const ph = residentPerson(b, comune, head, 2, address, since);
  const ps = residentPerson(b, comune, spouse, 2, address, since);
  marry(ph, ps, wedding, weddingPlace);
  const members = [
    { person: ph, relationship: 1 as RelationshipCode },
    { person: ps, relationship: 2 as RelationshipCode },
  ];
  if (shape !== "couple") {
    const mother = headSex === "F" ? head : spouse;
    const count = rng.pick([1, 1, 2, 2, 2, 3]);
    for (const k of childrenFor(b, comune, origin, head.surname, mother, wedding, count)) {
      members.push({ person: residentPerson(b, comune, k, 1, address, since), relationship: 3 });
    }
  }
  if (shape === "three-generation") {
    const parentSex: Sex = rng.chance(0.7) ? "F" : "M";
    const parentDraft = adultDraft(
      b,
      comune,
      origin,
      parentSex,
      Math.min(headAge + 20, 99),
      Math.min(headAge + 38, 102),
      parentSex === "M" ? head.surname : undefined,
    );
    const parent = residentPerson(b, comune, parentDraft, 3, address, since);
    parent.marriage = {
      spouse: externalPartner(
        rng,
        parentSex === "M" ? "F" : "M",
        birthDateForAge(rng, b.reference, headAge + 20, headAge + 40),
        adultBirthPlace(rng, comune, origin),
        origin.german,
      ),
      date: addYears(parent.birthDate, 24),
      place:
        parent.birthPlace.kind === "comune"
          ? parent.birthPlace
          : comunePlace(comune.istatCode, comune.belfioreCode, comune.name, comune.province),
      ended: { kind: "widowhood", date: randomDate(rng, addYears(b.reference, -20), b.reference) },
    };
    members.push({ person: parent, relationship: 6 });
  }
  addHousehold(b, "family", comune, since, members);
}

export function randomConvivenza(b: Builder, comune: ComuneInfo, size: number): void {
  const { rng } = b;
  const address = randomAddress(rng, comune);
  const formedOn = "1998-01-01";
  const origin: Origin = { german: false };
  const manager = residentPerson(
    b,
    comune,
    adultDraft(b, comune, origin, "F", 40, 60),
    1,
    address,
    randomDate(rng, formedOn, b.reference),
  );
  const members = [{ person: manager, relationship: 24 as RelationshipCode }];
  for (let i = 1; i < size; i++) {
    const guestOrigin: Origin = { german: comune.languages.includes("DE") && rng.chance(0.35) };
    const guest = adultDraft(b, comune, guestOrigin, rng.chance(0.65) ? "F" : "M", 75, 100);
    const widowed = rng.chance(0.7);
    const person = residentPerson(
      b,
      comune,
      guest,
      widowed ? 3 : 1,
      address,
      randomDate(rng, addYears(b.reference, -8), b.reference),
    );
    if (widowed) {
      const wedding = randomDate(rng, addYears(guest.birthDate, 20), addYears(guest.birthDate, 35));
      person.marriage = {
        spouse: externalPartner(
          rng,
          guest.sex === "M" ? "F" : "M",
          randomDate(rng, addYears(guest.birthDate, -6), addYears(guest.birthDate, 6)),
          adultBirthPlace(rng, comune, guestOrigin),
          guestOrigin.german,
        ),
        date: wedding,
        place: comunePlace(comune.istatCode, comune.belfioreCode, comune.name, comune.province),
        ended: { kind: "widowhood", date: randomDate(rng, addYears(wedding, 5), fromDays(toDays(b.reference) - 30)) },
      };
    }
    members.push({ person, relationship: 25 });
  }
  addHousehold(
    b,
    "convivenza",
    comune,
    formedOn,
    members,
    CONVIVENZA_NAMES[comune.istatCode] ?? `CASA DI RIPOSO DI ${comune.name}`,
  );
}

export function randomAireFamily(b: Builder, comune: ComuneInfo): void {
  const { rng } = b;
  const abroad = rng.pick(ABROAD);
  const origin: Origin = { german: comune.languages.includes("DE") && rng.chance(0.35) };
  const local = comunePlace(comune.istatCode, comune.belfioreCode, comune.name, comune.province);
  const foreignResidence: ForeignAddress = {
    stateCode: STATES[abroad.state].code,
    stateName: STATES[abroad.state].name,
    locality: abroad.locality,
    street: `${rng.pick(abroad.streets)} ${rng.int(1, 90)}`,
    postcode: abroad.postcode,
    consulateCode: abroad.consulateCode,
    consulateName: abroad.consulateName,
  };
  const headDraft = adultDraft(b, comune, origin, rng.chance(0.55) ? "M" : "F", 24, 80);
  headDraft.birthPlace = rng.chance(0.8) ? local : headDraft.birthPlace;
  const expatriation = randomDate(
    rng,
    maxDate(addYears(headDraft.birthDate, 20), "1991-01-01"),
    fromDays(toDays(b.reference) - 60),
  );
  const aireSince = minDate(fromDays(toDays(expatriation) + rng.int(30, 300)), fromDays(toDays(b.reference) - 1));
  const status: RegistryStatus = { kind: "aire", since: aireSince, expatriationYear: Number(expatriation.slice(0, 4)) };
  const lastHome = randomAddress(rng, comune);
  const pastHistory = (d: AdultDraft): ResidencePeriod[] => [
    {
      address: lastHome,
      since: maxDate(addYears(d.birthDate, 18), addYears(expatriation, -10)),
      until: fromDays(toDays(expatriation) - 1),
    },
  ];
  const married = rng.chance(0.5);
  const head = addPerson(b, {
    ...headDraft,
    civilStatus: married ? 2 : 1,
    comune,
    status,
    residenceHistory: pastHistory(headDraft),
    foreignResidence,
  });
  const members = [{ person: head, relationship: 1 as RelationshipCode }];
  if (married) {
    const spouseDraft = adultDraft(b, comune, origin, head.sex === "M" ? "F" : "M", 22, 80);
    const spouse = addPerson(b, {
      ...spouseDraft,
      civilStatus: 2,
      comune,
      status,
      residenceHistory: spouseDraft.birthDate < addYears(expatriation, -18) ? pastHistory(spouseDraft) : [],
      foreignResidence,
    });
    marry(head, spouse, randomDate(rng, addYears(maxDate(head.birthDate, spouse.birthDate), 20), b.reference), local);
    members.push({ person: spouse, relationship: 2 });
    const mother = head.sex === "F" ? head : spouse;
    for (const k of childrenFor(b, comune, origin, head.surname, mother, expatriation, rng.int(0, 2))) {
      k.birthPlace = stateBirthPlace(abroad.state, abroad.locality);
      members.push({
        person: addPerson(b, { ...k, civilStatus: 1, comune, status, foreignResidence }),
        relationship: 3,
      });
    }
  }
  addHousehold(b, "aire-family", comune, aireSince, members);
}

export function randomDeceased(b: Builder, comune: ComuneInfo): void {
  const { rng } = b;
  const origin = originFor(rng, comune);
  const draft = adultDraft(b, comune, origin, rng.chance(0.5) ? "M" : "F", 60, 100);
  const deathDate = randomDate(rng, addYears(b.reference, -6), fromDays(toDays(b.reference) - 5));
  const address = randomAddress(rng, comune);
  addPerson(b, {
    ...draft,
    civilStatus: 1,
    comune,
    status: {
      kind: "deceased",
      deathDate,
      deathPlace: comunePlace(comune.istatCode, comune.belfioreCode, comune.name, comune.province),
    },
    residenceHistory: [
      { address, since: randomDate(rng, addYears(draft.birthDate, 20), addYears(deathDate, -1)), until: deathDate },
    ],
  });
}

export function randomMovedAway(b: Builder, comune: ComuneInfo): void {
  const { rng } = b;
  const origin = originFor(rng, comune);
  const draft = adultDraft(b, comune, origin, rng.chance(0.5) ? "M" : "F", 20, 70);
  const date = randomDate(
    rng,
    maxDate(addYears(draft.birthDate, 19), addYears(b.reference, -8)),
    fromDays(toDays(b.reference) - 5),
  );
  const address = randomAddress(rng, comune);
  addPerson(b, {
    ...draft,
    civilStatus: 1,
    comune,
    status: { kind: "moved-away", date, destination: rng.pick(MOVE_DESTINATIONS) },
    residenceHistory: [
      {
        address,
        since: randomDate(rng, addYears(draft.birthDate, 18), addYears(date, -1)),
        until: fromDays(toDays(date) - 1),
      },
    ],
  });
}

/** Flags a few random residents of `comune` with the anomalies ANPR reports. */
export function addAnomalies(b: Builder, comune: ComuneInfo, firstIndex: number): void {
  const { rng } = b;
  const candidates = b.persons
    .slice(firstIndex)
    .filter(
      (p) =>
        p.comuneIstatCode === comune.istatCode &&
        p.status.kind === "resident" &&
        p.anomalies.length === 0 &&
        p.certifiability === 2 &&
        p.birthDate < addYears(b.reference, -18),
    );
  if (candidates.length < 12) return;
  const taken = new Set<DraftPerson>();
  const take = (): DraftPerson => {
    for (;;) {
      const p = rng.pick(candidates);
      if (!taken.has(p)) {
        taken.add(p);
        return p;
      }
    }
  };
  take().certifiability = 0;
  take().certifiability = 0;
  take().certifiability = 1;
  take().certifiability = 1;
  for (let i = 0; i < 2; i++)
    take().anomalies = [
      {
        kind: "open-procedure",
        since: randomDate(rng, addYears(b.reference, -1), b.reference),
        description: "PRATICA DI MUTAZIONE DI RESIDENZA IN CORSO",
      },
    ];
  const unpartnered = candidates.filter((p) => p.civilStatus === 1 && !p.cohabitationContract && p.relationship === 1);
  for (let i = 0; i < 2 && unpartnered.length > 2; i++) {
    const p = rng.pick(unpartnered.filter((x) => !taken.has(x)));
    taken.add(p);
    // The register has the birth date one day off the one the codice fiscale encodes.
    const shifted = fromDays(toDays(p.birthDate) + 1);
    if (shifted < b.reference) {
      p.birthDate = shifted;
      p.anomalies = [{ kind: "birth-date-mismatch" }];
    }
  }
  const families = b.households.filter(
    (h) =>
      h.comuneIstatCode === comune.istatCode &&
      h.kind === "family" &&
      h.memberFiscalCodes.length >= 3 &&
      h.anomaly === undefined,
  );
  if (families.length >= 2) {
    const first = rng.pick(families);
    first.anomaly = "being-registered";
    const second = rng.pick(families.filter((f) => f !== first));
    second.anomaly = "no-head";
    // The head died and the family record was never updated: nobody holds relationship 1.
    const head = b.persons.find((p) => p.fiscalCode === second.memberFiscalCodes[0]);
    if (head) head.relationship = 13;
  }
}
