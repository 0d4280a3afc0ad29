/**
 * The simulated register's vocabulary: people, households, places, addresses and the lookup
 * contract of a {@link Population}. Types only. Field names are English; each field's JSDoc names
 * the ANPR element (tipoDato.xsd, 6001/3000 vocabularies) it serializes to.
 */
import type { CodiceFiscaleSex } from "#shared/anpr/codice-fiscale.js";
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
