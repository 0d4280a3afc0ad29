/**
 * The simulator's fixed reference data: the Comuni it populates, the demo citizens every
 * population contains, and the places, names and abroad addresses the generator draws from.
 */
import type { ComuneInfo, DemoCitizen, Place } from "./population-model.js";

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

export function comunePlace(istatCode: string, belfioreCode: string, name: string, province: string): Place {
  return { kind: "comune", istatCode, belfioreCode, name, province };
}

function statePlace(stateCode: string, stateName: string, belfioreCode: string, locality?: string): Place {
  return locality === undefined
    ? { kind: "foreign", stateCode, stateName, belfioreCode }
    : { kind: "foreign", stateCode, stateName, belfioreCode, locality };
}

export const PLACES = {
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

export const STATES = {
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

export type StateKey = keyof typeof STATES;

export function stateBirthPlace(key: StateKey, locality?: string): Place {
  const s = STATES[key];
  return statePlace(s.code, s.name, s.belfiore, locality);
}

/** Birth places of people from elsewhere in Italy, weighted by how often they appear. */
export const ITALIAN_BIRTH_PLACES: readonly Place[] = [
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

export const NEARBY_BIRTH_PLACES: Readonly<Record<string, readonly Place[]>> = {
  "022205": [PLACES.rovereto, PLACES.pergine, PLACES.riva, PLACES.arco, PLACES.cles],
  "022161": [PLACES.trento, PLACES.riva, PLACES.arco, PLACES.pergine],
  "021008": [PLACES.merano, PLACES.trento],
};

export const ITALIAN_SURNAMES = [
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
export const ITALIAN_MALE_NAMES = [
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
export const ITALIAN_FEMALE_NAMES = [
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
export const GERMAN_SURNAMES = [
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
export const GERMAN_MALE_NAMES = [
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
export const GERMAN_FEMALE_NAMES = [
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

export interface ForeignGroup {
  state: StateKey;
  surnames: readonly string[];
  male: readonly string[];
  female: readonly string[];
}

export const FOREIGN_GROUPS: readonly ForeignGroup[] = [
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
export const ABROAD: readonly {
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

export const MOVE_DESTINATIONS: readonly Place[] = [
  PLACES.milano,
  PLACES.verona,
  PLACES.bologna,
  PLACES.padova,
  PLACES.roma,
  PLACES.torino,
];

export const OTHER_COMUNE_STREETS = [
  "VIA ROMA",
  "VIA GARIBALDI",
  "CORSO ITALIA",
  "VIA MAZZINI",
  "VIA CAVOUR",
  "PIAZZA DELLA REPUBBLICA",
];

export const CONVIVENZA_NAMES: Readonly<Record<string, string>> = {
  "022205": "CASA DI RIPOSO SAN GIUSEPPE",
  "022161": "RSA CLEMENTINO VANNETTI",
  "021008": "CASA DI RIPOSO VILLA SERENA",
};
