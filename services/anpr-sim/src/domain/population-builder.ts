/**
 * What the generator builds people with: a seeded PRNG, ISO-date arithmetic in UTC days, and the
 * builder that adds people and households (unique codice fiscale and ANPR id, addresses, history).
 */
import { computeCodiceFiscale, omocodeOf } from "#shared/anpr/codice-fiscale.js";
import type { CivilStatusCode, RelationshipCode } from "#shared/anpr/tables.js";
import type {
  Citizenship,
  ComuneInfo,
  ForeignAddress,
  Household,
  HouseholdKind,
  ItalianAddress,
  PartnerRef,
  Person,
  Place,
  RegistryStatus,
  ResidencePeriod,
  Sex,
  StreetInfo,
} from "./population-model.js";
import {
  GERMAN_FEMALE_NAMES,
  GERMAN_MALE_NAMES,
  GERMAN_SURNAMES,
  ITALIAN_FEMALE_NAMES,
  ITALIAN_MALE_NAMES,
  ITALIAN_SURNAMES,
  OTHER_COMUNE_STREETS,
  STATES,
  type StateKey,
} from "./population-seed.js";

// ---------------------------------------------------------------------------------------------
// Seeded PRNG (sfc32 seeded by cyrb128): small, fast, and the same on every platform.

export interface Rng {
  next(): number;
  int(min: number, max: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
}

export function createRng(seed: string): Rng {
  let h1 = 1779033703,
    h2 = 3144134277,
    h3 = 1013904242,
    h4 = 2773480762;
  for (let i = 0; i < seed.length; i++) {
    const k = seed.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  let a = (h1 ^ h2 ^ h3 ^ h4) >>> 0,
    b = (h2 ^ h1) >>> 0,
    c = (h3 ^ h1) >>> 0,
    d = (h4 ^ h1) >>> 0;
  const next = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new RangeError("pick from an empty list");
      return items[Math.floor(next() * items.length)] as T;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Dates as ISO strings; arithmetic in UTC days so no time zone can shift them.

/** Days since 1970-01-01 of an ISO date (proleptic Gregorian; Howard Hinnant's days_from_civil). */
export function toDays(iso: string): number {
  let y = Number(iso.slice(0, 4));
  const m = Number(iso.slice(5, 7));
  const d = Number(iso.slice(8, 10));
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The ISO date `days` after 1970-01-01 (civil_from_days). */
export function fromDays(days: number): string {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${String(y).padStart(4, "0")}-${m < 10 ? "0" : ""}${m}-${d < 10 ? "0" : ""}${d}`;
}

export function addYears(iso: string, years: number): string {
  const y = Number(iso.slice(0, 4)) + years;
  const md = iso.slice(5);
  return md === "02-29" ? `${y}-02-28` : `${y}-${md}`;
}

export function randomDate(rng: Rng, from: string, to: string): string {
  const a = toDays(from);
  const b = toDays(to);
  return b <= a ? from : fromDays(rng.int(a, b));
}

export function maxDate(...dates: string[]): string {
  return dates.reduce((m, d) => (d > m ? d : m));
}

export function minDate(...dates: string[]): string {
  return dates.reduce((m, d) => (d < m ? d : m));
}

// ---------------------------------------------------------------------------------------------
// Builder.

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends readonly (infer U)[] ? U[] : T[K] };
export type DraftPerson = Mutable<Person>;
type DraftHousehold = Mutable<Household>;

export interface Builder {
  rng: Rng;
  reference: string;
  persons: DraftPerson[];
  households: DraftHousehold[];
  fiscalCodes: Set<string>;
  idsAnpr: Set<string>;
  nextRecordId: number;
  nextHouseholdId: number;
  residents: Map<string, number>;
}

interface PersonSpec {
  surname: string;
  name: string;
  sex: Sex;
  birthDate: string;
  birthPlace: Place;
  citizenships: Citizenship[];
  civilStatus: CivilStatusCode;
  comune: ComuneInfo;
  status: RegistryStatus;
  residenceHistory?: ResidencePeriod[];
  foreignResidence?: ForeignAddress;
  omocodeLevel?: number;
  idAnpr?: string;
}

const ID_LETTERS = [..."ABCDEFGHJKLMNPRSTUVWXYZ"];

function newIdAnpr(b: Builder): string {
  const letter = (): string => b.rng.pick(ID_LETTERS);
  for (;;) {
    const id = `${letter()}${letter()}${String(b.rng.int(0, 99_999)).padStart(5, "0")}${letter()}${letter()}`;
    // DM is kept for the demo citizens' records
    if (!b.idsAnpr.has(id) && !id.startsWith("DM")) return id;
  }
}

export function addPerson(b: Builder, spec: PersonSpec): DraftPerson {
  const base = computeCodiceFiscale({
    surname: spec.surname,
    name: spec.name,
    sex: spec.sex,
    birthDate: spec.birthDate,
    birthPlaceCode: spec.birthPlace.belfioreCode,
  });
  let level = spec.omocodeLevel ?? 0;
  let fiscalCode = omocodeOf(base, level);
  while (b.fiscalCodes.has(fiscalCode)) fiscalCode = omocodeOf(base, ++level);
  b.fiscalCodes.add(fiscalCode);
  const idAnpr = spec.idAnpr ?? newIdAnpr(b);
  b.idsAnpr.add(idAnpr);
  const person: DraftPerson = {
    idAnpr,
    anprRecordId: String(b.nextRecordId++),
    fiscalCode,
    surname: spec.surname,
    name: spec.name,
    sex: spec.sex,
    birthDate: spec.birthDate,
    birthPlace: spec.birthPlace,
    citizenships: spec.citizenships,
    civilStatus: spec.civilStatus,
    status: spec.status,
    comuneIstatCode: spec.comune.istatCode,
    residenceHistory: spec.residenceHistory ?? [],
    certifiability: 2,
    anomalies: [],
  };
  if (spec.foreignResidence) person.foreignResidence = spec.foreignResidence;
  b.persons.push(person);
  if (spec.status.kind === "resident")
    b.residents.set(spec.comune.istatCode, (b.residents.get(spec.comune.istatCode) ?? 0) + 1);
  return person;
}

export function addHousehold(
  b: Builder,
  kind: HouseholdKind,
  comune: ComuneInfo,
  formedOn: string,
  members: { person: DraftPerson; relationship: RelationshipCode }[],
  convivenzaName?: string,
): DraftHousehold {
  const household: DraftHousehold = {
    id: String(b.nextHouseholdId++),
    kind,
    comuneIstatCode: comune.istatCode,
    formedOn,
    memberFiscalCodes: members.map((m) => m.person.fiscalCode),
  };
  if (convivenzaName !== undefined) household.convivenzaName = convivenzaName;
  members.forEach((m, i) => {
    m.person.familyId = household.id;
    m.person.relationship = m.relationship;
    m.person.familyPosition = i + 1;
  });
  b.households.push(household);
  return household;
}

export function partnerRef(p: DraftPerson): PartnerRef {
  return {
    fiscalCode: p.fiscalCode,
    surname: p.surname,
    name: p.name,
    sex: p.sex,
    birthDate: p.birthDate,
    birthPlace: p.birthPlace,
  };
}

export function draftPartner(d: {
  surname: string;
  name: string;
  sex: Sex;
  birthDate: string;
  birthPlace: Place;
}): PartnerRef {
  return { surname: d.surname, name: d.name, sex: d.sex, birthDate: d.birthDate, birthPlace: d.birthPlace };
}

export function externalPartner(rng: Rng, sex: Sex, birthDate: string, birthPlace: Place, german: boolean): PartnerRef {
  return {
    surname: rng.pick(german ? GERMAN_SURNAMES : ITALIAN_SURNAMES),
    name: pickName(rng, sex, german),
    sex,
    birthDate,
    birthPlace,
  };
}

export function marry(a: DraftPerson, b2: DraftPerson, date: string, place: Place): void {
  a.marriage = { spouse: partnerRef(b2), date, place };
  b2.marriage = { spouse: partnerRef(a), date, place };
}

export function italianCitizenship(since: string): Citizenship {
  return { stateCode: STATES.italia.code, stateName: STATES.italia.name, validFrom: since };
}

export function foreignCitizenship(state: StateKey, since: string): Citizenship {
  return { stateCode: STATES[state].code, stateName: STATES[state].name, validFrom: since };
}

export function pickName(rng: Rng, sex: Sex, german: boolean): string {
  if (german) return rng.pick(sex === "M" ? GERMAN_MALE_NAMES : GERMAN_FEMALE_NAMES);
  return rng.pick(sex === "M" ? ITALIAN_MALE_NAMES : ITALIAN_FEMALE_NAMES);
}

export function streetAddress(
  comune: ComuneInfo,
  street: StreetInfo,
  houseNumber: string,
  extra: { letter?: string; internal?: string } = {},
): ItalianAddress {
  return {
    comuneIstatCode: comune.istatCode,
    comuneName: comune.name,
    province: comune.province,
    postcode: street.postcode,
    streetType: street.type,
    streetName: street.name,
    ...(street.nameDe === undefined ? {} : { streetNameDe: street.nameDe }),
    houseNumber,
    ...(extra.letter === undefined ? {} : { letter: extra.letter }),
    ...(extra.internal === undefined ? {} : { internal: extra.internal }),
  };
}

export function randomAddress(rng: Rng, comune: ComuneInfo): ItalianAddress {
  const extra: { letter?: string; internal?: string } = {};
  if (rng.chance(0.1)) extra.letter = rng.pick(["A", "B", "C"]);
  if (rng.chance(0.45)) extra.internal = String(rng.int(1, 24));
  return streetAddress(comune, rng.pick(comune.streets), String(rng.int(1, 160)), extra);
}

function otherComuneAddress(rng: Rng, place: Extract<Place, { kind: "comune" }>): ItalianAddress {
  const [streetType = "VIA", ...rest] = rng.pick(OTHER_COMUNE_STREETS).split(" ");
  return {
    comuneIstatCode: place.istatCode,
    comuneName: place.name,
    province: place.province,
    postcode: "00000",
    streetType,
    streetName: rest.join(" "),
    houseNumber: String(rng.int(1, 120)),
  };
}

/** Residence history for someone living at `current` since `since`: sometimes a previous address. */
export function historyFor(
  rng: Rng,
  person: { birthDate: string; birthPlace: Place },
  comune: ComuneInfo,
  current: ItalianAddress,
  since: string,
): ResidencePeriod[] {
  const history: ResidencePeriod[] = [];
  const adultFrom = addYears(person.birthDate, 18);
  if (since > addYears(adultFrom, 1) && rng.chance(0.35)) {
    const previous =
      person.birthPlace.kind === "comune" && person.birthPlace.istatCode !== comune.istatCode && rng.chance(0.6)
        ? otherComuneAddress(rng, person.birthPlace)
        : randomAddress(rng, comune);
    const previousSince = randomDate(rng, adultFrom, fromDays(toDays(since) - 200));
    history.push({ address: previous, since: previousSince, until: fromDays(toDays(since) - 1) });
  }
  history.push({ address: current, since });
  return history;
}
