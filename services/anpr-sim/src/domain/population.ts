/**
 * The ANPR simulator's population: a seeded, deterministic register of people for a few real
 * Comuni, grouped into families (famiglie anagrafiche), convivenze and AIRE families, with the
 * cases ANPR refuses to certify (deceased, AIRE, moved away, data anomalies).
 *
 * Pure data: no I/O and no clock. The same options give the same people, field for field, so
 * tests, the demo and the SOAP layer can rely on them. Field names are English; each field's JSDoc
 * names the ANPR element (tipoDato.xsd, 6001/3000 vocabularies) it serializes to.
 */
import { computeCodiceFiscale, omocodeOf, type CodiceFiscaleSex } from "#shared/anpr/codice-fiscale.js";
import type { CertifiabilityCode, CivilStatusCode, LanguageCode, RelationshipCode } from "#shared/anpr/tables.js";

/** Sex (`sesso`). The simulated register has no N (unknown). */
export type Sex = CodiceFiscaleSex;

/** A street of a simulated Comune (`toponimo`). */
export interface StreetInfo {
  /** Street type, DUG (`specie`), e.g. "VIA", "PIAZZA". */
  readonly type: string;
  /** Street name (`denominazioneToponimo`), upper case, e.g. "RODOLFO BELENZANI". */
  readonly name: string;
  /** Full German street name in bilingual Comuni (e.g. "LAUBENGASSE"); absent elsewhere. */
  readonly nameDe?: string;
  /** Postcode (CAP) of the street. */
  readonly postcode: string;
}

/** A simulated Comune. */
export interface ComuneInfo {
  /** ISTAT code, 6 digits (`codiceIstat`, also `codMittente` of the Comune's requests). */
  readonly istatCode: string;
  /** Cadastral (Belfiore) code, used in the codice fiscale of people born there. */
  readonly belfioreCode: string;
  /** Name (`nomeComune`), upper case. */
  readonly name: string;
  /** German name in bilingual Comuni (e.g. "BOZEN"). */
  readonly nameDe?: string;
  /** Province abbreviation (`siglaProvinciaIstat`). */
  readonly province: string;
  /** Languages its certificates can be issued in (ANPR table 14); IT always first. */
  readonly languages: readonly LanguageCode[];
  /** Streets residents live in. */
  readonly streets: readonly StreetInfo[];
  /**
   * The conventional street (via fittizia) where the Comune registers people without a fixed
   * abode (senza fissa dimora), as ISTAT asks every Comune to have.
   */
  readonly conventionalStreet: StreetInfo;
}

/** Trento (TN): ISTAT 022205, Belfiore L378. */
export const TRENTO: ComuneInfo = Object.freeze<ComuneInfo>({
  istatCode: "022205",
  belfioreCode: "L378",
  name: "TRENTO",
  province: "TN",
  languages: ["IT"],
  streets: [
    { type: "VIA", name: "RODOLFO BELENZANI", postcode: "38122" },
    { type: "VIA", name: "MANCI", postcode: "38122" },
    { type: "VIA", name: "SAN PIETRO", postcode: "38122" },
    { type: "VIA", name: "OSS MAZZURANA", postcode: "38122" },
    { type: "VIA", name: "SANTA CROCE", postcode: "38122" },
    { type: "VIA", name: "GIUSEPPE GRAZIOLI", postcode: "38122" },
    { type: "CORSO", name: "TRE NOVEMBRE", postcode: "38122" },
    { type: "VIA", name: "SUFFRAGIO", postcode: "38122" },
    { type: "PIAZZA", name: "DANTE", postcode: "38122" },
    { type: "VIA", name: "TORRE VANGA", postcode: "38122" },
    { type: "VIA", name: "ANTONIO ROSMINI", postcode: "38122" },
    { type: "VIA", name: "MILANO", postcode: "38122" },
    { type: "VIA", name: "VITTORIO VENETO", postcode: "38122" },
    { type: "CORSO", name: "BUONARROTI", postcode: "38122" },
    { type: "VIA", name: "GOCCIADORO", postcode: "38122" },
    { type: "VIA", name: "BRENNERO", postcode: "38121" },
    { type: "VIA", name: "MACCANI", postcode: "38121" },
    { type: "VIA", name: "DEI SOLTERI", postcode: "38121" },
    { type: "VIA", name: "SOMMARIVA", postcode: "38123" },
    { type: "VIA", name: "FERSINA", postcode: "38123" },
  ],
  conventionalStreet: { type: "VIA", name: "DELLA CASA COMUNALE", postcode: "38122" },
});

/** Rovereto (TN): ISTAT 022161, Belfiore H612. */
export const ROVERETO: ComuneInfo = Object.freeze<ComuneInfo>({
  istatCode: "022161",
  belfioreCode: "H612",
  name: "ROVERETO",
  province: "TN",
  languages: ["IT"],
  streets: [
    { type: "CORSO", name: "ANTONIO ROSMINI", postcode: "38068" },
    { type: "CORSO", name: "BETTINI", postcode: "38068" },
    { type: "VIA", name: "ROMA", postcode: "38068" },
    { type: "PIAZZA", name: "ROSMINI", postcode: "38068" },
    { type: "VIA", name: "DANTE", postcode: "38068" },
    { type: "VIALE", name: "TRENTO", postcode: "38068" },
    { type: "VIA", name: "BENACENSE", postcode: "38068" },
    { type: "VIA", name: "PAGANINI", postcode: "38068" },
    { type: "VIA", name: "BRIONE", postcode: "38068" },
    { type: "VIA", name: "MAGAZOL", postcode: "38068" },
    { type: "VIALE", name: "DEI COLLI", postcode: "38068" },
    { type: "VIA", name: "AZZOLINI", postcode: "38068" },
    { type: "VIA", name: "MERCERIE", postcode: "38068" },
    { type: "CORSO", name: "VERONA", postcode: "38068" },
    { type: "VIA", name: "UNIONE", postcode: "38068" },
    { type: "VIA", name: "DELLA TERRA", postcode: "38068" },
  ],
  conventionalStreet: { type: "VIA", name: "DELLA CASA COMUNALE", postcode: "38068" },
});

/** Bolzano/Bozen (BZ): ISTAT 021008, Belfiore A952; bilingual, so it issues certificates in IT and DE. */
export const BOLZANO: ComuneInfo = Object.freeze<ComuneInfo>({
  istatCode: "021008",
  belfioreCode: "A952",
  name: "BOLZANO",
  nameDe: "BOZEN",
  province: "BZ",
  languages: ["IT", "DE"],
  streets: [
    { type: "VIA", name: "DEI PORTICI", nameDe: "LAUBENGASSE", postcode: "39100" },
    { type: "PIAZZA", name: "WALTHER", nameDe: "WALTHERPLATZ", postcode: "39100" },
    { type: "VIA", name: "MUSEO", nameDe: "MUSEUMSTRASSE", postcode: "39100" },
    { type: "CORSO", name: "LIBERTA'", nameDe: "FREIHEITSSTRASSE", postcode: "39100" },
    { type: "VIA", name: "CASSA DI RISPARMIO", nameDe: "SPARKASSENSTRASSE", postcode: "39100" },
    { type: "VIALE", name: "DRUSO", nameDe: "DRUSUSALLEE", postcode: "39100" },
    { type: "VIA", name: "RESIA", nameDe: "RESCHENSTRASSE", postcode: "39100" },
    { type: "VIA", name: "TORINO", nameDe: "TURINER STRASSE", postcode: "39100" },
    { type: "VIA", name: "MILANO", nameDe: "MAILANDSTRASSE", postcode: "39100" },
    { type: "VIA", name: "BOTTAI", nameDe: "BINDERGASSE", postcode: "39100" },
    { type: "PIAZZA", name: "DOMENICANI", nameDe: "DOMINIKANERPLATZ", postcode: "39100" },
    { type: "VIA", name: "DANTE", nameDe: "DANTESTRASSE", postcode: "39100" },
    { type: "VIA", name: "SASSARI", nameDe: "SASSARISTRASSE", postcode: "39100" },
    { type: "VIA", name: "ALTO ADIGE", nameDe: "SÜDTIROLER STRASSE", postcode: "39100" },
    { type: "VIA", name: "ROMA", nameDe: "ROMSTRASSE", postcode: "39100" },
  ],
  conventionalStreet: { type: "VIA", name: "DELLA CASA COMUNALE", nameDe: "GEMEINDEHAUSSTRASSE", postcode: "39100" },
});

/** Every Comune the simulator can populate, in a stable order. */
export const SIMULATED_COMUNI: readonly ComuneInfo[] = Object.freeze([TRENTO, ROVERETO, BOLZANO]);

/** A place of birth, death or marriage (`tipoLuogoEvento`): an Italian Comune or a foreign state. */
export type Place =
  | {
      kind: "comune";
      /** ISTAT code (`codiceIstat`). */
      istatCode: string;
      /** Belfiore code (the codice fiscale's place part). */
      belfioreCode: string;
      /** `nomeComune`, upper case. */
      name: string;
      /** `siglaProvinciaIstat`. */
      province: string;
    }
  | {
      kind: "foreign";
      /** ISTAT state code (`codiceStato`), 3 digits. */
      stateCode: string;
      /** `descrizioneStato`, Italian, upper case. */
      stateName: string;
      /** Belfiore Z code of the state. */
      belfioreCode: string;
      /** City or locality (`descrizioneLocalita`), when known. */
      locality?: string;
    };

/** One citizenship (`tipoCittadinanza`). */
export interface Citizenship {
  /** ISTAT state code (`codiceStato`); "100" is Italy. */
  readonly stateCode: string;
  /** `descrizioneStato`, upper case. */
  readonly stateName: string;
  /** Since when it is held (`dataValidita`), ISO date. */
  readonly validFrom: string;
}

/** An address in Italy (`tipoIndirizzo`). */
export interface ItalianAddress {
  /** Comune ISTAT code. */
  readonly comuneIstatCode: string;
  /** Comune name, upper case. */
  readonly comuneName: string;
  /** Province abbreviation. */
  readonly province: string;
  /** CAP. */
  readonly postcode: string;
  /** DUG (`specie`), e.g. "VIA". */
  readonly streetType: string;
  /** `denominazioneToponimo`, upper case. */
  readonly streetName: string;
  /** German street name in bilingual Comuni. */
  readonly streetNameDe?: string;
  /** House number (`numeroCivico/numero`). */
  readonly houseNumber: string;
  /** Letter (`lettera`), e.g. "A". */
  readonly letter?: string;
  /** Flat (`civicoInterno/interno`). */
  readonly internal?: string;
}

/** An address abroad (`tipoLocalitaEstera`), for AIRE registrations. */
export interface ForeignAddress {
  /** ISTAT state code. */
  readonly stateCode: string;
  /** State name, upper case, Italian. */
  readonly stateName: string;
  /** City or locality (`indirizzoEstero/localita`), upper case. */
  readonly locality: string;
  /** Street and number as one line (`toponimo`). */
  readonly street: string;
  /** Foreign postcode. */
  readonly postcode: string;
  /** Consulate code (`codiceConsolato`, ANPR table 40). */
  readonly consulateCode: string;
  /** Consulate name (`descrizioneConsolato`). */
  readonly consulateName: string;
}

/** A past or present residence, for historical residence certificates (types 9 and 20). */
export interface ResidencePeriod {
  /** The address. */
  readonly address: ItalianAddress;
  /** First day at this address (`dataDecorrenzaResidenza`). */
  readonly since: string;
  /** Last day, absent for the current residence. */
  readonly until?: string;
}

/** The other party of a marriage, civil union or cohabitation contract (`coniuge` etc.). */
export interface PartnerRef {
  /** The partner's codice fiscale when the partner is in the register. */
  readonly fiscalCode?: string;
  /** Surname, upper case. */
  readonly surname: string;
  /** Name, upper case. */
  readonly name: string;
  /** Sex. */
  readonly sex: Sex;
  /** Date of birth. */
  readonly birthDate: string;
  /** Place of birth. */
  readonly birthPlace: Place;
}

/** A marriage (`tipoMatrimonio`), current or ended. */
export interface MarriageRecord {
  /** The spouse. */
  readonly spouse: PartnerRef;
  /** Wedding date (`datiMatrimonio/dataEvento`). */
  readonly date: string;
  /** Where it was celebrated (`luogoEvento`). */
  readonly place: Place;
  /** How it ended, when it did: the spouse's death (`vedovanza`) or a divorce (`annullamentoMatrimonio`). */
  readonly ended?: { kind: "widowhood" | "divorce"; date: string };
}

/** A civil union (unione civile, L. 76/2016). */
export interface CivilUnionRecord {
  /** The other party. */
  readonly partner: PartnerRef;
  /** Date it was formed. */
  readonly date: string;
  /** Comune where it was registered. */
  readonly place: Place;
  /** How it ended, when it did (civil status 7 or 8). */
  readonly ended?: { kind: "partner-death" | "dissolution"; date: string };
}

/** A cohabitation contract (contratto di convivenza, L. 76/2016 c. 50). */
export interface CohabitationContractRecord {
  /** The other party. */
  readonly partner: PartnerRef;
  /** Date it was signed. */
  readonly date: string;
  /** Comune that registered it. */
  readonly registeredIn: Place;
}

/** Where the person stands in the register. */
export type RegistryStatus =
  /** Resident in the Comune (iscritto in APR). */
  | { kind: "resident" }
  /** Registered in the Comune's AIRE: lives abroad (`soggettoAIRE` = S). */
  | { kind: "aire"; since: string; expatriationYear: number }
  /** Died; the record stays, cancelled from the register on the date of death. */
  | { kind: "deceased"; deathDate: string; deathPlace: Place }
  /** Cancelled for moving to another Comune (emigrazione): no longer the Comune's resident. */
  | { kind: "moved-away"; date: string; destination: Place };

/**
 * A data anomaly that makes ANPR refuse or warn (see certification.ts for the codes):
 * `open-procedure` a pending procedure on the subject (EN181); `homeless` registered at the
 * conventional street, senza fissa dimora (EN065 for residence); `birth-date-mismatch` the
 * registered birth date differs from the one in the codice fiscale (warning EA038).
 */
export type PersonAnomaly =
  | { kind: "open-procedure"; since: string; description: string }
  | { kind: "homeless" }
  | { kind: "birth-date-mismatch" };

/** One person of the simulated register (scheda individuale). */
export interface Person {
  /** ANPR unique id (`identificativi/idANPR`), 9 characters: 2 letters, 5 digits, 2 letters. */
  readonly idAnpr: string;
  /** Id of the individual record (`idSchedaSoggettoANPR`), digits. */
  readonly anprRecordId: string;
  /** Codice fiscale (`codFiscale`), unique in the population; omocode when the base code was taken. */
  readonly fiscalCode: string;
  /** `cognome`, upper case. */
  readonly surname: string;
  /** `nome`, upper case. */
  readonly name: string;
  /** `sesso`. */
  readonly sex: Sex;
  /** `dataNascita`, ISO date. */
  readonly birthDate: string;
  /** `luogoNascita`. */
  readonly birthPlace: Place;
  /** `cittadinanza`, current first. */
  readonly citizenships: readonly Citizenship[];
  /** `statoCivile` (ANPR table 1). */
  readonly civilStatus: CivilStatusCode;
  /** Latest marriage, for civil statuses 2, 3, 4. */
  readonly marriage?: MarriageRecord;
  /** Civil union, for civil statuses 6, 7, 8. */
  readonly civilUnion?: CivilUnionRecord;
  /** Cohabitation contract, for some cohabiting partners. */
  readonly cohabitationContract?: CohabitationContractRecord;
  /** Registry status. */
  readonly status: RegistryStatus;
  /**
   * ISTAT code of the Comune the record belongs to: where the person lives, is registered in AIRE,
   * or was last resident (deceased, moved away).
   */
  readonly comuneIstatCode: string;
  /** Residences in Italy, oldest first; the last one without `until` is the current one (residents). */
  readonly residenceHistory: readonly ResidencePeriod[];
  /** Address abroad, for AIRE subjects. */
  readonly foreignResidence?: ForeignAddress;
  /** Family, convivenza or AIRE family the person belongs to (`idFamigliaConvivenzaANPR`); absent when none. */
  readonly familyId?: string;
  /** Relationship to the head of that household (`codiceLegame`, ANPR table 5). */
  readonly relationship?: RelationshipCode;
  /** 1-based position in the household (`progressivoComponente`). */
  readonly familyPosition?: number;
  /** Certifiability (`soggettoCertificabile`, ANPR table 42); 2 for almost everyone. */
  readonly certifiability: CertifiabilityCode;
  /** Data anomalies; empty for almost everyone. */
  readonly anomalies: readonly PersonAnomaly[];
}

/** Kind of household (`tipoScheda`): 3 famiglia, 4 convivenza, 5 famiglia AIRE. */
export type HouseholdKind = "family" | "convivenza" | "aire-family";

/** A family (famiglia anagrafica), convivenza or AIRE family. */
export interface Household {
  /** `idFamigliaConvivenzaANPR`, digits. */
  readonly id: string;
  /** Kind (`tipoScheda`). */
  readonly kind: HouseholdKind;
  /** Comune it is registered in. */
  readonly comuneIstatCode: string;
  /** `dataOrigineFamigliaConvivenza`. */
  readonly formedOn: string;
  /** Name of a convivenza (`denominazioneConvivenza`). */
  readonly convivenzaName?: string;
  /** Members' codici fiscali, by position. */
  readonly memberFiscalCodes: readonly string[];
  /**
   * Household-level anomaly: `being-registered` the family is still being registered (EN212);
   * `no-head` nobody is recorded as head (EN062).
   */
  readonly anomaly?: "being-registered" | "no-head";
}

/** Options of {@link createPopulation}. */
export interface PopulationOptions {
  /** PRNG seed; the same seed (and options) gives the same population. Default "novabox". */
  readonly seed?: string | number;
  /** Residents to generate per Comune (AIRE, deceased and moved-away records come on top). Default 3000. */
  readonly residentsPerComune?: number;
  /** ISTAT codes of the Comuni to populate, from {@link SIMULATED_COMUNI}. Default: all. */
  readonly comuni?: readonly string[];
  /** The "today" of the register (ages, recent deaths), ISO date. Default "2025-06-30": fixed, so output does not depend on the clock. */
  readonly referenceDate?: string;
}

/** What {@link Population.findSubject} searches with (the `soggettoIntestatario` of a request). */
export interface SubjectQuery {
  /** Codice fiscale; when given, the lookup is by code (any Comune) and the names must match it. */
  readonly fiscalCode?: string;
  /** Surname as typed (case, accents, spaces and apostrophes are ignored when comparing). */
  readonly surname: string;
  /** Name as typed (compared the same way). */
  readonly name: string;
  /** ISTAT code of the requesting Comune: the register searched when there is no codice fiscale. */
  readonly comuneCode: string;
}

/** Result of {@link Population.findSubject}. */
export type SubjectLookup =
  | { kind: "found"; person: Person }
  | { kind: "not-found" }
  /** Several people share the surname and name in that Comune: a codice fiscale is needed. */
  | { kind: "ambiguous"; candidates: readonly Person[] }
  /** The codice fiscale exists but the typed surname or name is not that person's. */
  | { kind: "mismatch"; field: "surname" | "name"; person: Person };

/** The simulated register with its indexes. Immutable. */
export interface Population {
  /** The seed it was built from, as a string. */
  readonly seed: string;
  /** Its reference date. */
  readonly referenceDate: string;
  /** The Comuni it covers. */
  readonly comuni: readonly ComuneInfo[];
  /** Every person, in generation order. */
  readonly persons: readonly Person[];
  /** Every household, in generation order. */
  readonly households: readonly Household[];
  /** The Comune with that ISTAT code, if simulated. */
  comune(istatCode: string): ComuneInfo | undefined;
  /** O(1) lookup by codice fiscale (exact, upper case). */
  byFiscalCode(fiscalCode: string): Person | undefined;
  /** O(1) lookup by ANPR id. */
  byIdAnpr(idAnpr: string): Person | undefined;
  /** The household with that id. */
  household(familyId: string): Household | undefined;
  /** The members of a household, by position; empty for an unknown id. */
  householdMembers(familyId: string): readonly Person[];
  /** Every record of a Comune (residents, AIRE, deceased, moved away). */
  byComune(istatCode: string): readonly Person[];
  /** Finds the subject of a certificate request; see {@link SubjectQuery}. */
  findSubject(query: SubjectQuery): SubjectLookup;
}

/** A fixed demo citizen: the same in every population that includes its Comune. */
export interface DemoCitizen {
  /** Codice fiscale. */
  readonly fiscalCode: string;
  /** Surname. */
  readonly surname: string;
  /** Name. */
  readonly name: string;
  /** ISTAT code of the Comune the record belongs to. */
  readonly comuneIstatCode: string;
  /** What the citizen is there to exercise. */
  readonly exercises: string;
}

/**
 * Well-known citizens present (with the same data) in every population that includes their Comune,
 * whatever the seed. Their records, and those of their family members, have ANPR ids of the form
 * `DMnnnnnAN`. Tests and the demo use them:
 *
 * - `marioRossi` RSSMRA85T10A562S — Trento, head of a family of 4 (married to `giuliaBianchi`,
 *   children LUCA and SOFIA): residence, family status (12, 13, 16), marriage (3), birth, contestuale.
 * - `giuliaBianchi` BNCGLI87D62L378U — Trento, Mario's wife (a woman's code: day + 40).
 * - `giuseppeMoser` MSRGPP40B14L378B — Trento, deceased 2023-11-03: only death (2) and cancellation (4).
 * - `rosaTomasi` TMSRSO43M70G452O — Trento, his widow (civil status 3), lives alone.
 * - `francescaPedrotti` PDRFNC88A67L378G — Trento AIRE, lives in Munich: only types 10 and 15.
 * - `marcoBertoldi` BRTMRC75E18L378S — moved from Trento to Milano in 2021: not resident (EN210), cancellation (4) only.
 * - `elenaZeni` ZNELNE79C51L378E — Trento, certifiability 0 "NON CERTIFICABILE" (EN160).
 * - `robertoFontana` FNTRRT66M08F205J — Trento, senza fissa dimora: no residence certificate (EN065).
 * - `andreaGottardi` GTTNDR90R05L378P — Trento, civil union with STEFANO PISONI (type 18).
 * - `chiaraDalpiaz` DLPCHR93H61L378S — Trento, cohabiting with a contract (type 19; not married: EN162 for 3).
 * - `paoloDallapiccola` DLLPLA70C05H612A — Rovereto, divorced, lives alone (EN059 for type 16).
 * - `ionPopescu` PPSNIO83S02Z129H — Rovereto, Romanian citizen born in Romania (EN110 for type 5), family of 3.
 * - `marioRossiOmocode` RSSMRA85T10A56NH — Rovereto, same data as `marioRossi`: omocode.
 * - `lukasGruber` GRBLKS80L21A952P — Bolzano, married to ANNA PICHLER: certificates in German (DE).
 */
export const DEMO_CITIZENS = Object.freeze({
  marioRossi: demo(
    "RSSMRA85T10A562S",
    "ROSSI",
    "MARIO",
    "022205",
    "Trento family of 4: residence, family status, marriage, contestuale",
  ),
  giuliaBianchi: demo("BNCGLI87D62L378U", "BIANCHI", "GIULIA", "022205", "Trento, wife in the family of 4"),
  giuseppeMoser: demo("MSRGPP40B14L378B", "MOSER", "GIUSEPPE", "022205", "deceased 2023-11-03: only types 2 and 4"),
  rosaTomasi: demo("TMSRSO43M70G452O", "TOMASI", "ROSA", "022205", "widow of GIUSEPPE MOSER"),
  francescaPedrotti: demo("PDRFNC88A67L378G", "PEDROTTI", "FRANCESCA", "022205", "AIRE (Munich): only types 10 and 15"),
  marcoBertoldi: demo("BRTMRC75E18L378S", "BERTOLDI", "MARCO", "022205", "moved to Milano: not resident, EN210"),
  elenaZeni: demo("ZNELNE79C51L378E", "ZENI", "ELENA", "022205", "certifiability 0: EN160"),
  robertoFontana: demo("FNTRRT66M08F205J", "FONTANA", "ROBERTO", "022205", "senza fissa dimora: EN065"),
  andreaGottardi: demo("GTTNDR90R05L378P", "GOTTARDI", "ANDREA", "022205", "civil union: type 18"),
  chiaraDalpiaz: demo("DLPCHR93H61L378S", "DALPIAZ", "CHIARA", "022205", "cohabitation contract: type 19"),
  paoloDallapiccola: demo("DLLPLA70C05H612A", "DALLAPICCOLA", "PAOLO", "022161", "Rovereto, divorced, alone"),
  ionPopescu: demo("PPSNIO83S02Z129H", "POPESCU", "ION", "022161", "Rovereto, Romanian citizen: EN110 for type 5"),
  marioRossiOmocode: demo("RSSMRA85T10A56NH", "ROSSI", "MARIO", "022161", "Rovereto namesake of marioRossi: omocode"),
  lukasGruber: demo("GRBLKS80L21A952P", "GRUBER", "LUKAS", "021008", "Bolzano: German certificates"),
} satisfies Record<string, DemoCitizen>);

function demo(
  fiscalCode: string,
  surname: string,
  name: string,
  comuneIstatCode: string,
  exercises: string,
): DemoCitizen {
  return Object.freeze({ fiscalCode, surname, name, comuneIstatCode, exercises });
}

// ---------------------------------------------------------------------------------------------
// Reference data: places, names, abroad addresses.

function comunePlace(istatCode: string, belfioreCode: string, name: string, province: string): Place {
  return { kind: "comune", istatCode, belfioreCode, name, province };
}

function statePlace(stateCode: string, stateName: string, belfioreCode: string, locality?: string): Place {
  return locality === undefined
    ? { kind: "foreign", stateCode, stateName, belfioreCode }
    : { kind: "foreign", stateCode, stateName, belfioreCode, locality };
}

const PLACES = {
  trento: comunePlace("022205", "L378", "TRENTO", "TN"),
  rovereto: comunePlace("022161", "H612", "ROVERETO", "TN"),
  bolzano: comunePlace("021008", "A952", "BOLZANO", "BZ"),
  pergine: comunePlace("022139", "G452", "PERGINE VALSUGANA", "TN"),
  riva: comunePlace("022153", "H330", "RIVA DEL GARDA", "TN"),
  arco: comunePlace("022006", "A372", "ARCO", "TN"),
  cles: comunePlace("022062", "C794", "CLES", "TN"),
  merano: comunePlace("021051", "F132", "MERANO", "BZ"),
  roma: comunePlace("058091", "H501", "ROMA", "RM"),
  milano: comunePlace("015146", "F205", "MILANO", "MI"),
  napoli: comunePlace("063049", "F839", "NAPOLI", "NA"),
  torino: comunePlace("001272", "L219", "TORINO", "TO"),
  verona: comunePlace("023091", "L781", "VERONA", "VR"),
  padova: comunePlace("028060", "G224", "PADOVA", "PD"),
  bologna: comunePlace("037006", "A944", "BOLOGNA", "BO"),
  venezia: comunePlace("027042", "L736", "VENEZIA", "VE"),
  palermo: comunePlace("082053", "G273", "PALERMO", "PA"),
  bari: comunePlace("072006", "A662", "BARI", "BA"),
  firenze: comunePlace("048017", "D612", "FIRENZE", "FI"),
  catania: comunePlace("087015", "C351", "CATANIA", "CT"),
  genova: comunePlace("010025", "D969", "GENOVA", "GE"),
  trieste: comunePlace("032006", "L424", "TRIESTE", "TS"),
  brescia: comunePlace("017029", "B157", "BRESCIA", "BS"),
  sanGiulianoTerme: comunePlace("050031", "A562", "SAN GIULIANO TERME", "PI"),
  taranto: comunePlace("073027", "L049", "TARANTO", "TA"),
  sassari: comunePlace("090064", "I452", "SASSARI", "SS"),
} as const;

const STATES = {
  italia: { code: "100", name: "ITALIA", belfiore: "" },
  albania: { code: "201", name: "ALBANIA", belfiore: "Z100" },
  austria: { code: "203", name: "AUSTRIA", belfiore: "Z102" },
  belgio: { code: "206", name: "BELGIO", belfiore: "Z103" },
  francia: { code: "215", name: "FRANCIA", belfiore: "Z110" },
  germania: { code: "216", name: "GERMANIA", belfiore: "Z112" },
  regnoUnito: { code: "219", name: "REGNO UNITO", belfiore: "Z114" },
  romania: { code: "235", name: "ROMANIA", belfiore: "Z129" },
  svizzera: { code: "241", name: "SVIZZERA", belfiore: "Z133" },
  ucraina: { code: "243", name: "UCRAINA", belfiore: "Z138" },
  cina: { code: "314", name: "REPUBBLICA POPOLARE CINESE", belfiore: "Z210" },
  marocco: { code: "436", name: "MAROCCO", belfiore: "Z330" },
  statiUniti: { code: "536", name: "STATI UNITI D'AMERICA", belfiore: "Z404" },
  argentina: { code: "602", name: "ARGENTINA", belfiore: "Z600" },
  brasile: { code: "605", name: "BRASILE", belfiore: "Z602" },
} as const;

type StateKey = keyof typeof STATES;

function stateBirthPlace(key: StateKey, locality?: string): Place {
  const s = STATES[key];
  return statePlace(s.code, s.name, s.belfiore, locality);
}

/** Birth places of people from elsewhere in Italy, weighted by how often they appear. */
const ITALIAN_BIRTH_PLACES: readonly Place[] = [
  PLACES.roma,
  PLACES.milano,
  PLACES.napoli,
  PLACES.torino,
  PLACES.verona,
  PLACES.verona,
  PLACES.padova,
  PLACES.bologna,
  PLACES.venezia,
  PLACES.palermo,
  PLACES.bari,
  PLACES.firenze,
  PLACES.catania,
  PLACES.genova,
  PLACES.trieste,
  PLACES.brescia,
  PLACES.brescia,
  PLACES.sanGiulianoTerme,
  PLACES.taranto,
  PLACES.sassari,
];

const NEARBY_BIRTH_PLACES: Readonly<Record<string, readonly Place[]>> = {
  "022205": [PLACES.rovereto, PLACES.pergine, PLACES.riva, PLACES.arco, PLACES.cles],
  "022161": [PLACES.trento, PLACES.riva, PLACES.arco, PLACES.pergine],
  "021008": [PLACES.merano, PLACES.trento],
};

const ITALIAN_SURNAMES = [
  "ROSSI",
  "BIANCHI",
  "ZANETTI",
  "PEDROTTI",
  "DALLAPICCOLA",
  "MOSER",
  "BERTOLDI",
  "TOMASI",
  "DALPIAZ",
  "GOTTARDI",
  "PISONI",
  "BONELLI",
  "GIOVANNINI",
  "ZENI",
  "MATTIVI",
  "CHIOCCHETTI",
  "FONTANA",
  "LEONARDI",
  "CORRADINI",
  "GIRARDI",
  "CRISTOFOLINI",
  "TAMANINI",
  "BATTISTI",
  "ECCHER",
  "STENICO",
  "NICOLODI",
  "ZANONI",
  "MARTINELLI",
  "BORT",
  "CAPPELLETTI",
  "DEPAOLI",
  "FERRARI",
  "COLOMBO",
  "RICCI",
  "MARINO",
  "GRECO",
  "BRUNO",
  "GALLO",
  "CONTI",
  "COSTA",
  "MANCINI",
  "LOMBARDI",
  "MORETTI",
  "BARBIERI",
  "SANTORO",
  "MARIANI",
  "RINALDI",
  "CARUSO",
  "GALLI",
  "MARTINI",
  "LEONE",
  "LONGO",
  "GENTILE",
  "VITALE",
  "SERRA",
  "COPPOLA",
  "DE SANTIS",
  "D'ANGELO",
  "MARCHETTI",
  "PARISI",
  "VILLA",
  "CONTE",
  "FABBRI",
  "MARINI",
  "GRASSO",
  "VALENTINI",
  "DE LUCA",
  "GATTI",
  "PELLEGRINI",
  "FARINA",
  "RIZZI",
  "MONTI",
  "MORELLI",
  "SILVESTRI",
  "TESTA",
  "BENEDETTI",
  "BARONE",
  "GUERRA",
  "PALMIERI",
  "BERNARDI",
  "FIORE",
  "DI PAOLO",
  "LO BIANCO",
  "DELLANTONIO",
  "FRANCESCHINI",
  "ANDREATTA",
  "BORTOLOTTI",
  "DEGASPERI",
  "FACCHINELLI",
  "MOLINARI",
  "OSS",
  "POLI",
  "SARTORI",
  "TOVAZZI",
  "VALENTINOTTI",
  "ZAMBONI",
  "NICOLUSSI",
  "PERGHER",
  "COVI",
  "FRISANCO",
  "DALLA VALLE",
  "MOR",
  "PIZZINI",
];
const ITALIAN_MALE_NAMES = [
  "MARCO",
  "ANDREA",
  "LUCA",
  "FRANCESCO",
  "ALESSANDRO",
  "MATTEO",
  "LORENZO",
  "GIUSEPPE",
  "GIOVANNI",
  "ANTONIO",
  "PAOLO",
  "STEFANO",
  "ROBERTO",
  "MASSIMO",
  "DAVIDE",
  "SIMONE",
  "FEDERICO",
  "RICCARDO",
  "GABRIELE",
  "TOMMASO",
  "LEONARDO",
  "NICCOLÒ",
  "MATTIA",
  "DIEGO",
  "FABIO",
  "CLAUDIO",
  "SERGIO",
  "GIORGIO",
  "MAURIZIO",
  "DANIELE",
  "ENRICO",
  "PIETRO",
  "EMANUELE",
  "ALBERTO",
  "FILIPPO",
  "MICHELE",
  "GIACOMO",
  "CARLO",
  "LUIGI",
  "FRANCO",
  "BRUNO",
  "RENZO",
  "GIANNI",
  "EDOARDO",
  "SAMUELE",
  "GIAN PAOLO",
  "ELIA",
  "NICOLA",
];
const ITALIAN_FEMALE_NAMES = [
  "GIULIA",
  "CHIARA",
  "FRANCESCA",
  "SARA",
  "ANNA",
  "ELENA",
  "ALESSIA",
  "MARTINA",
  "SOFIA",
  "AURORA",
  "GIORGIA",
  "ALICE",
  "EMMA",
  "GRETA",
  "BEATRICE",
  "VALENTINA",
  "FEDERICA",
  "SILVIA",
  "LAURA",
  "PAOLA",
  "MARIA",
  "ROBERTA",
  "CRISTINA",
  "MONICA",
  "BARBARA",
  "DANIELA",
  "PATRIZIA",
  "ELISA",
  "ILARIA",
  "SERENA",
  "ROSA",
  "GIOVANNA",
  "LUCIA",
  "TERESA",
  "CATERINA",
  "MARIA GRAZIA",
  "ANNA MARIA",
  "NOEMI",
  "VIOLA",
  "MATILDE",
  "GINEVRA",
  "ARIANNA",
  "LETIZIA",
];
const GERMAN_SURNAMES = [
  "GRUBER",
  "PICHLER",
  "HOFER",
  "MAIR",
  "EGGER",
  "THALER",
  "KOFLER",
  "OBERHOFER",
  "UNTERKIRCHER",
  "GASSER",
  "PLATTNER",
  "WALDNER",
  "MAYR",
  "RAINER",
  "OBERRAUCH",
  "TSCHURTSCHENTHALER",
  "WIESER",
  "AUER",
  "HUBER",
  "LANZ",
  "SCHWARZ",
  "WALLNÖFER",
  "STAFFLER",
  "KERSCHBAUMER",
  "MÜLLER",
];
const GERMAN_MALE_NAMES = [
  "LUKAS",
  "MATTHIAS",
  "ANDREAS",
  "JOHANNES",
  "MICHAEL",
  "THOMAS",
  "STEFAN",
  "FLORIAN",
  "PETER",
  "MARTIN",
  "MARKUS",
  "JAKOB",
  "SIMON",
  "DAVID",
  "ALEXANDER",
  "GEORG",
  "JOSEF",
  "FRANZ",
  "MAXIMILIAN",
  "ELIAS",
];
const GERMAN_FEMALE_NAMES = [
  "ANNA",
  "MARIA",
  "KATHARINA",
  "ELISABETH",
  "LENA",
  "SARAH",
  "JULIA",
  "MAGDALENA",
  "THERESA",
  "VERENA",
  "SABINE",
  "MONIKA",
  "BARBARA",
  "SONJA",
  "EVA",
  "MIRIAM",
  "SOPHIA",
  "HANNAH",
  "LAURA",
  "PETRA",
];

interface ForeignGroup {
  state: StateKey;
  surnames: readonly string[];
  male: readonly string[];
  female: readonly string[];
}

const FOREIGN_GROUPS: readonly ForeignGroup[] = [
  {
    state: "romania",
    surnames: ["POPESCU", "IONESCU", "POPA", "RADU", "DUMITRU", "STAN", "STOICA", "GHEORGHE", "MATEI", "CONSTANTIN"],
    male: ["ION", "ANDREI", "MIHAI", "ALEXANDRU", "GHEORGHE", "CRISTIAN", "FLORIN"],
    female: ["ELENA", "IOANA", "MARIA", "ANDREEA", "MIHAELA", "GABRIELA", "ALINA"],
  },
  {
    state: "albania",
    surnames: ["HOXHA", "SHEHU", "KOLA", "BEGA", "DOKA", "LEKA", "GJONI", "MUCA"],
    male: ["ARBEN", "ERION", "ILIR", "BESNIK", "GENTIAN", "ENDRIT", "FATMIR"],
    female: ["ELIRA", "ARTA", "BLERTA", "ERJONA", "ANILA", "DORINA", "ALBANA"],
  },
  {
    state: "marocco",
    surnames: ["EL AMRANI", "BENALI", "EL IDRISSI", "BOUZID", "CHAKIR", "EL HAJJI", "RAHMOUNI", "BENNANI"],
    male: ["YOUSSEF", "MOHAMED", "AHMED", "HAMZA", "KARIM", "RACHID", "OMAR"],
    female: ["FATIMA", "KHADIJA", "AMINA", "SALMA", "NADIA", "MERYEM", "HOUDA"],
  },
  {
    state: "ucraina",
    surnames: ["KOVALENKO", "SHEVCHENKO", "BONDARENKO", "TKACHENKO", "KRAVCHENKO", "MELNYK", "BOYKO", "MOROZ"],
    male: ["OLEKSANDR", "ANDRIY", "SERHIY", "DMYTRO", "MYKOLA", "VOLODYMYR"],
    female: ["OLENA", "NATALIYA", "OKSANA", "IRYNA", "TETIANA", "SVITLANA", "HALYNA"],
  },
  {
    state: "cina",
    surnames: ["CHEN", "WANG", "LI", "ZHANG", "LIU", "HU", "ZHOU", "WU", "XU", "HUANG"],
    male: ["WEI", "JUN", "HAO", "LEI", "MING", "QIANG", "JIAN"],
    female: ["LI", "YAN", "FANG", "JING", "MEI", "XIU", "HUI"],
  },
];

/** Places abroad where AIRE registrants live, with the consulate in charge (ANPR table 40 codes). */
const ABROAD: readonly {
  state: StateKey;
  locality: string;
  streets: readonly string[];
  postcode: string;
  consulateCode: string;
  consulateName: string;
}[] = [
  {
    state: "germania",
    locality: "MONACO DI BAVIERA",
    streets: ["LEOPOLDSTRASSE", "SCHELLINGSTRASSE", "ROSENHEIMER STRASSE"],
    postcode: "80802",
    consulateCode: "2300603",
    consulateName: "CONSOLATO GENERALE D'ITALIA - MONACO DI BAVIERA",
  },
  {
    state: "germania",
    locality: "STOCCARDA",
    streets: ["KÖNIGSTRASSE", "NECKARSTRASSE"],
    postcode: "70173",
    consulateCode: "2300703",
    consulateName: "CONSOLATO GENERALE D'ITALIA - STOCCARDA",
  },
  {
    state: "svizzera",
    locality: "ZURIGO",
    streets: ["BAHNHOFSTRASSE", "LANGSTRASSE"],
    postcode: "8001",
    consulateCode: "2500603",
    consulateName: "CONSOLATO GENERALE D'ITALIA - ZURIGO",
  },
  {
    state: "svizzera",
    locality: "BASILEA",
    streets: ["FREIE STRASSE", "STEINENVORSTADT"],
    postcode: "4051",
    consulateCode: "2500204",
    consulateName: "CONSOLATO D'ITALIA - BASILEA",
  },
  {
    state: "austria",
    locality: "VIENNA",
    streets: ["MARIAHILFER STRASSE", "FAVORITENSTRASSE"],
    postcode: "1060",
    consulateCode: "2220100",
    consulateName: "AMBASCIATA D'ITALIA - VIENNA",
  },
  {
    state: "belgio",
    locality: "BRUXELLES",
    streets: ["RUE DE LA LOI", "AVENUE LOUISE"],
    postcode: "1050",
    consulateCode: "2230100",
    consulateName: "AMBASCIATA D'ITALIA - BRUXELLES",
  },
  {
    state: "francia",
    locality: "PARIGI",
    streets: ["RUE DE RIVOLI", "BOULEVARD SAINT-GERMAIN"],
    postcode: "75004",
    consulateCode: "2290103",
    consulateName: "CONSOLATO GENERALE D'ITALIA - PARIGI",
  },
  {
    state: "regnoUnito",
    locality: "LONDRA",
    streets: ["BAKER STREET", "CAMDEN ROAD"],
    postcode: "NW1 6XE",
    consulateCode: "2310103",
    consulateName: "CONSOLATO GENERALE D'ITALIA - LONDRA",
  },
  {
    state: "argentina",
    locality: "BUENOS AIRES",
    streets: ["AVENIDA CORRIENTES", "CALLE FLORIDA"],
    postcode: "C1043",
    consulateCode: "2600103",
    consulateName: "CONSOLATO GENERALE D'ITALIA - BUENOS AIRES",
  },
  {
    state: "brasile",
    locality: "SAN PAOLO",
    streets: ["AVENIDA PAULISTA", "RUA AUGUSTA"],
    postcode: "01311-000",
    consulateCode: "2630203",
    consulateName: "CONSOLATO GENERALE D'ITALIA - SAN PAOLO",
  },
  {
    state: "statiUniti",
    locality: "NEW YORK",
    streets: ["MADISON AVENUE", "MULBERRY STREET"],
    postcode: "10013",
    consulateCode: "2810703",
    consulateName: "CONSOLATO GENERALE D'ITALIA - NEW YORK",
  },
];

const MOVE_DESTINATIONS: readonly Place[] = [
  PLACES.milano,
  PLACES.verona,
  PLACES.bologna,
  PLACES.padova,
  PLACES.roma,
  PLACES.torino,
];

const OTHER_COMUNE_STREETS = [
  "VIA ROMA",
  "VIA GARIBALDI",
  "CORSO ITALIA",
  "VIA MAZZINI",
  "VIA CAVOUR",
  "PIAZZA DELLA REPUBBLICA",
];

const CONVIVENZA_NAMES: Readonly<Record<string, string>> = {
  "022205": "CASA DI RIPOSO SAN GIUSEPPE",
  "022161": "RSA CLEMENTINO VANNETTI",
  "021008": "CASA DI RIPOSO VILLA SERENA",
};

// ---------------------------------------------------------------------------------------------
// Seeded PRNG (sfc32 seeded by cyrb128): small, fast, and the same on every platform.

interface Rng {
  next(): number;
  int(min: number, max: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
}

function createRng(seed: string): Rng {
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
function toDays(iso: string): number {
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
function fromDays(days: number): string {
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

function addYears(iso: string, years: number): string {
  const y = Number(iso.slice(0, 4)) + years;
  const md = iso.slice(5);
  return md === "02-29" ? `${y}-02-28` : `${y}-${md}`;
}

function randomDate(rng: Rng, from: string, to: string): string {
  const a = toDays(from);
  const b = toDays(to);
  return b <= a ? from : fromDays(rng.int(a, b));
}

function maxDate(...dates: string[]): string {
  return dates.reduce((m, d) => (d > m ? d : m));
}

function minDate(...dates: string[]): string {
  return dates.reduce((m, d) => (d < m ? d : m));
}

// ---------------------------------------------------------------------------------------------
// Builder.

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends readonly (infer U)[] ? U[] : T[K] };
type DraftPerson = Mutable<Person>;
type DraftHousehold = Mutable<Household>;

interface Builder {
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

function addPerson(b: Builder, spec: PersonSpec): DraftPerson {
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

function addHousehold(
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

function partnerRef(p: DraftPerson): PartnerRef {
  return {
    fiscalCode: p.fiscalCode,
    surname: p.surname,
    name: p.name,
    sex: p.sex,
    birthDate: p.birthDate,
    birthPlace: p.birthPlace,
  };
}

function draftPartner(d: {
  surname: string;
  name: string;
  sex: Sex;
  birthDate: string;
  birthPlace: Place;
}): PartnerRef {
  return { surname: d.surname, name: d.name, sex: d.sex, birthDate: d.birthDate, birthPlace: d.birthPlace };
}

function externalPartner(rng: Rng, sex: Sex, birthDate: string, birthPlace: Place, german: boolean): PartnerRef {
  return {
    surname: rng.pick(german ? GERMAN_SURNAMES : ITALIAN_SURNAMES),
    name: pickName(rng, sex, german),
    sex,
    birthDate,
    birthPlace,
  };
}

function marry(a: DraftPerson, b2: DraftPerson, date: string, place: Place): void {
  a.marriage = { spouse: partnerRef(b2), date, place };
  b2.marriage = { spouse: partnerRef(a), date, place };
}

function italianCitizenship(since: string): Citizenship {
  return { stateCode: STATES.italia.code, stateName: STATES.italia.name, validFrom: since };
}

function foreignCitizenship(state: StateKey, since: string): Citizenship {
  return { stateCode: STATES[state].code, stateName: STATES[state].name, validFrom: since };
}

function pickName(rng: Rng, sex: Sex, german: boolean): string {
  if (german) return rng.pick(sex === "M" ? GERMAN_MALE_NAMES : GERMAN_FEMALE_NAMES);
  return rng.pick(sex === "M" ? ITALIAN_MALE_NAMES : ITALIAN_FEMALE_NAMES);
}

function streetAddress(
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

function randomAddress(rng: Rng, comune: ComuneInfo): ItalianAddress {
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
function historyFor(
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

// ---------------------------------------------------------------------------------------------
// Demo citizens (fixed data, independent of the seed).

function buildDemo(b: Builder, comuni: readonly ComuneInfo[]): void {
  const has = (c: ComuneInfo): boolean => comuni.some((x) => x.istatCode === c.istatCode);
  const resident: RegistryStatus = { kind: "resident" };
  const street = (c: ComuneInfo, name: string): StreetInfo => {
    const found = c.streets.find((s) => s.name === name);
    if (!found) throw new Error(`demo street ${name} is not a street of ${c.name}`);
    return found;
  };
  const italian = (birthDate: string): Citizenship[] => [italianCitizenship(birthDate)];
  let demoId = 1;
  const id = (): string => `DM${String(demoId++).padStart(5, "0")}AN`;

  if (has(TRENTO)) {
    const c = TRENTO;
    const home = streetAddress(c, street(c, "RODOLFO BELENZANI"), "12", { internal: "3" });
    const since = "2012-07-01";
    const mario = addPerson(b, {
      idAnpr: id(),
      surname: "ROSSI",
      name: "MARIO",
      sex: "M",
      birthDate: "1985-12-10",
      birthPlace: PLACES.sanGiulianoTerme,
      citizenships: italian("1985-12-10"),
      civilStatus: 2,
      comune: c,
      status: resident,
      residenceHistory: [{ address: home, since }],
    });
    const giulia = addPerson(b, {
      idAnpr: id(),
      surname: "BIANCHI",
      name: "GIULIA",
      sex: "F",
      birthDate: "1987-04-22",
      birthPlace: PLACES.trento,
      citizenships: italian("1987-04-22"),
      civilStatus: 2,
      comune: c,
      status: resident,
      residenceHistory: [
        { address: streetAddress(c, street(c, "MILANO"), "40"), since: "2005-09-01", until: "2012-06-30" },
        { address: home, since },
      ],
    });
    const luca = addPerson(b, {
      idAnpr: id(),
      surname: "ROSSI",
      name: "LUCA",
      sex: "M",
      birthDate: "2015-06-03",
      birthPlace: PLACES.trento,
      citizenships: italian("2015-06-03"),
      civilStatus: 1,
      comune: c,
      status: resident,
      residenceHistory: [{ address: home, since: "2015-06-03" }],
    });
    const sofia = addPerson(b, {
      idAnpr: id(),
      surname: "ROSSI",
      name: "SOFIA",
      sex: "F",
      birthDate: "2018-09-15",
      birthPlace: PLACES.trento,
      citizenships: italian("2018-09-15"),
      civilStatus: 1,
      comune: c,
      status: resident,
      residenceHistory: [{ address: home, since: "2018-09-15" }],
    });
    marry(mario, giulia, "2012-06-16", PLACES.trento);
    addHousehold(b, "family", c, since, [
      { person: mario, relationship: 1 },
      { person: giulia, relationship: 2 },
      { person: luca, relationship: 3 },
      { person: sofia, relationship: 3 },
    ]);

    const widowHome = streetAddress(c, street(c, "SANTA CROCE"), "45");
    const giuseppe = addPerson(b, {
      idAnpr: id(),
      surname: "MOSER",
      name: "GIUSEPPE",
      sex: "M",
      birthDate: "1940-02-14",
      birthPlace: PLACES.trento,
      citizenships: italian("1940-02-14"),
      civilStatus: 2,
      comune: c,
      status: { kind: "deceased", deathDate: "2023-11-03", deathPlace: PLACES.trento },
      residenceHistory: [{ address: widowHome, since: "1966-01-10", until: "2023-11-03" }],
    });
    const rosa = addPerson(b, {
      idAnpr: id(),
      surname: "TOMASI",
      name: "ROSA",
      sex: "F",
      birthDate: "1943-08-30",
      birthPlace: PLACES.pergine,
      citizenships: italian("1943-08-30"),
      civilStatus: 3,
      comune: c,
      status: resident,
      residenceHistory: [{ address: widowHome, since: "1966-01-10" }],
    });
    marry(giuseppe, rosa, "1965-09-18", PLACES.trento);
    rosa.marriage = {
      spouse: partnerRef(giuseppe),
      date: "1965-09-18",
      place: PLACES.trento,
      ended: { kind: "widowhood", date: "2023-11-03" },
    };
    addHousehold(b, "family", c, "2023-11-03", [{ person: rosa, relationship: 1 }]);

    const francesca = addPerson(b, {
      idAnpr: id(),
      surname: "PEDROTTI",
      name: "FRANCESCA",
      sex: "F",
      birthDate: "1988-01-27",
      birthPlace: PLACES.trento,
      citizenships: italian("1988-01-27"),
      civilStatus: 1,
      comune: c,
      status: { kind: "aire", since: "2016-03-01", expatriationYear: 2015 },
      residenceHistory: [
        { address: streetAddress(c, street(c, "VITTORIO VENETO"), "21"), since: "1988-01-27", until: "2016-02-29" },
      ],
      foreignResidence: {
        stateCode: STATES.germania.code,
        stateName: STATES.germania.name,
        locality: "MONACO DI BAVIERA",
        street: "LEOPOLDSTRASSE 25",
        postcode: "80802",
        consulateCode: "2300603",
        consulateName: "CONSOLATO GENERALE D'ITALIA - MONACO DI BAVIERA",
      },
    });
    addHousehold(b, "aire-family", c, "2016-03-01", [{ person: francesca, relationship: 1 }]);

    addPerson(b, {
      idAnpr: id(),
      surname: "BERTOLDI",
      name: "MARCO",
      sex: "M",
      birthDate: "1975-05-18",
      birthPlace: PLACES.trento,
      citizenships: italian("1975-05-18"),
      civilStatus: 1,
      comune: c,
      status: { kind: "moved-away", date: "2021-09-01", destination: PLACES.milano },
      residenceHistory: [
        { address: streetAddress(c, street(c, "BRENNERO"), "120"), since: "1999-04-01", until: "2021-08-31" },
      ],
    });

    const elena = addPerson(b, {
      idAnpr: id(),
      surname: "ZENI",
      name: "ELENA",
      sex: "F",
      birthDate: "1979-03-11",
      birthPlace: PLACES.trento,
      citizenships: italian("1979-03-11"),
      civilStatus: 1,
      comune: c,
      status: resident,
      residenceHistory: [{ address: streetAddress(c, street(c, "MANCI"), "8"), since: "2004-10-01" }],
    });
    elena.certifiability = 0;
    addHousehold(b, "family", c, "2004-10-01", [{ person: elena, relationship: 1 }]);

    const roberto = addPerson(b, {
      idAnpr: id(),
      surname: "FONTANA",
      name: "ROBERTO",
      sex: "M",
      birthDate: "1966-08-08",
      birthPlace: PLACES.milano,
      citizenships: italian("1966-08-08"),
      civilStatus: 4,
      comune: c,
      status: resident,
      residenceHistory: [{ address: streetAddress(c, c.conventionalStreet, "1"), since: "2019-02-11" }],
    });
    roberto.marriage = {
      spouse: { surname: "COLOMBO", name: "SILVIA", sex: "F", birthDate: "1968-03-02", birthPlace: PLACES.milano },
      date: "1994-06-11",
      place: PLACES.milano,
      ended: { kind: "divorce", date: "2008-10-20" },
    };
    roberto.anomalies = [{ kind: "homeless" }];
    addHousehold(b, "family", c, "2019-02-11", [{ person: roberto, relationship: 1 }]);

    const unionHome = streetAddress(c, street(c, "GIUSEPPE GRAZIOLI"), "33");
    const andrea = addPerson(b, {
      idAnpr: id(),
      surname: "GOTTARDI",
      name: "ANDREA",
      sex: "M",
      birthDate: "1990-10-05",
      birthPlace: PLACES.trento,
      citizenships: italian("1990-10-05"),
      civilStatus: 6,
      comune: c,
      status: resident,
      residenceHistory: [{ address: unionHome, since: "2018-05-01" }],
    });
    const stefano = addPerson(b, {
      idAnpr: id(),
      surname: "PISONI",
      name: "STEFANO",
      sex: "M",
      birthDate: "1988-12-01",
      birthPlace: PLACES.rovereto,
      citizenships: italian("1988-12-01"),
      civilStatus: 6,
      comune: c,
      status: resident,
      residenceHistory: [{ address: unionHome, since: "2018-05-01" }],
    });
    andrea.civilUnion = { partner: partnerRef(stefano), date: "2019-04-13", place: PLACES.trento };
    stefano.civilUnion = { partner: partnerRef(andrea), date: "2019-04-13", place: PLACES.trento };
    addHousehold(b, "family", c, "2018-05-01", [
      { person: andrea, relationship: 1 },
      { person: stefano, relationship: 28 },
    ]);

    const coHome = streetAddress(c, street(c, "SAN PIETRO"), "4");
    const chiara = addPerson(b, {
      idAnpr: id(),
      surname: "DALPIAZ",
      name: "CHIARA",
      sex: "F",
      birthDate: "1993-06-21",
      birthPlace: PLACES.trento,
      citizenships: italian("1993-06-21"),
      civilStatus: 1,
      comune: c,
      status: resident,
      residenceHistory: [{ address: coHome, since: "2021-11-15" }],
    });
    const davide = addPerson(b, {
      idAnpr: id(),
      surname: "LEONARDI",
      name: "DAVIDE",
      sex: "M",
      birthDate: "1991-01-09",
      birthPlace: PLACES.verona,
      citizenships: italian("1991-01-09"),
      civilStatus: 1,
      comune: c,
      status: resident,
      residenceHistory: [{ address: coHome, since: "2021-11-15" }],
    });
    chiara.cohabitationContract = { partner: partnerRef(davide), date: "2022-03-10", registeredIn: PLACES.trento };
    davide.cohabitationContract = { partner: partnerRef(chiara), date: "2022-03-10", registeredIn: PLACES.trento };
    addHousehold(b, "family", c, "2021-11-15", [
      { person: chiara, relationship: 1 },
      { person: davide, relationship: 23 },
    ]);
  }

  if (has(ROVERETO)) {
    const c = ROVERETO;
    const paolo = addPerson(b, {
      idAnpr: id(),
      surname: "DALLAPICCOLA",
      name: "PAOLO",
      sex: "M",
      birthDate: "1970-03-05",
      birthPlace: PLACES.rovereto,
      citizenships: italian("1970-03-05"),
      civilStatus: 4,
      comune: c,
      status: resident,
      residenceHistory: [{ address: streetAddress(c, street(c, "BETTINI"), "30"), since: "2010-03-01" }],
    });
    paolo.marriage = {
      spouse: { surname: "GIRARDI", name: "LAURA", sex: "F", birthDate: "1972-11-02", birthPlace: PLACES.rovereto },
      date: "1998-05-23",
      place: PLACES.rovereto,
      ended: { kind: "divorce", date: "2010-02-15" },
    };
    addHousehold(b, "family", c, "2010-03-01", [{ person: paolo, relationship: 1 }]);

    const home = streetAddress(c, street(c, "BENACENSE"), "15", { internal: "7" });
    const ion = addPerson(b, {
      idAnpr: id(),
      surname: "POPESCU",
      name: "ION",
      sex: "M",
      birthDate: "1983-11-02",
      birthPlace: stateBirthPlace("romania", "BUCAREST"),
      citizenships: [foreignCitizenship("romania", "1983-11-02")],
      civilStatus: 2,
      comune: c,
      status: resident,
      residenceHistory: [{ address: home, since: "2009-05-04" }],
    });
    const elena = addPerson(b, {
      idAnpr: id(),
      surname: "POPESCU",
      name: "ELENA",
      sex: "F",
      birthDate: "1986-07-19",
      birthPlace: stateBirthPlace("romania", "IASI"),
      citizenships: [foreignCitizenship("romania", "1986-07-19")],
      civilStatus: 2,
      comune: c,
      status: resident,
      residenceHistory: [{ address: home, since: "2009-05-04" }],
    });
    const andrei = addPerson(b, {
      idAnpr: id(),
      surname: "POPESCU",
      name: "ANDREI",
      sex: "M",
      birthDate: "2012-04-10",
      birthPlace: PLACES.rovereto,
      citizenships: [foreignCitizenship("romania", "2012-04-10")],
      civilStatus: 1,
      comune: c,
      status: resident,
      residenceHistory: [{ address: home, since: "2012-04-10" }],
    });
    marry(ion, elena, "2008-08-30", stateBirthPlace("romania", "BUCAREST"));
    addHousehold(b, "family", c, "2009-05-04", [
      { person: ion, relationship: 1 },
      { person: elena, relationship: 2 },
      { person: andrei, relationship: 3 },
    ]);

    const namesake = addPerson(b, {
      idAnpr: id(),
      surname: "ROSSI",
      name: "MARIO",
      sex: "M",
      birthDate: "1985-12-10",
      birthPlace: PLACES.sanGiulianoTerme,
      citizenships: italian("1985-12-10"),
      civilStatus: 1,
      comune: c,
      status: resident,
      residenceHistory: [{ address: streetAddress(c, street(c, "ROMA"), "7"), since: "2016-01-18" }],
      omocodeLevel: 1,
    });
    addHousehold(b, "family", c, "2016-01-18", [{ person: namesake, relationship: 1 }]);
  }

  if (has(BOLZANO)) {
    const c = BOLZANO;
    const home = streetAddress(c, street(c, "DEI PORTICI"), "22");
    const lukas = addPerson(b, {
      idAnpr: id(),
      surname: "GRUBER",
      name: "LUKAS",
      sex: "M",
      birthDate: "1980-07-21",
      birthPlace: PLACES.bolzano,
      citizenships: italian("1980-07-21"),
      civilStatus: 2,
      comune: c,
      status: resident,
      residenceHistory: [{ address: home, since: "2009-06-01" }],
    });
    const anna = addPerson(b, {
      idAnpr: id(),
      surname: "PICHLER",
      name: "ANNA",
      sex: "F",
      birthDate: "1982-02-14",
      birthPlace: PLACES.merano,
      citizenships: italian("1982-02-14"),
      civilStatus: 2,
      comune: c,
      status: resident,
      residenceHistory: [{ address: home, since: "2009-06-01" }],
    });
    marry(lukas, anna, "2009-05-16", PLACES.bolzano);
    addHousehold(b, "family", c, "2009-06-01", [
      { person: lukas, relationship: 1 },
      { person: anna, relationship: 2 },
    ]);
  }
}

// ---------------------------------------------------------------------------------------------
// Random households.

interface Origin {
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

function randomHousehold(b: Builder, comune: ComuneInfo): void {
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

function randomConvivenza(b: Builder, comune: ComuneInfo, size: number): void {
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

function randomAireFamily(b: Builder, comune: ComuneInfo): void {
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

function randomDeceased(b: Builder, comune: ComuneInfo): void {
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

function randomMovedAway(b: Builder, comune: ComuneInfo): void {
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
function addAnomalies(b: Builder, comune: ComuneInfo, firstIndex: number): void {
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
