/**
 * ANPR code tables used by the Novabox and the ANPR simulator, as typed constants.
 *
 * Every table whose RST is vendored under `services/shared/anpr-spec/tables/` is copied here
 * exactly (Italian text included, ANPR's own spelling and spacing kept) and
 * `services/shared/test/tables.test.ts` parses those RST files and fails on any difference, so
 * these constants cannot drift from the spec. Constants only: no I/O, no lookups over the network.
 */

/** Id of a certificate type, ANPR table 13 (`tipoCertificato` of Richiesta6001). */
export type CertificateTypeId =
  1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12 | 13 | 14 | 15 | 16 | 17 | 18 | 19 | 20;

/**
 * Which register a certificate type certifies from: `APR` (anagrafe della popolazione residente)
 * or `AIRE` (anagrafe degli italiani residenti all'estero). ANPR refuses to mix them in one
 * contestuale request (EN287).
 */
export type CertificateRegister = "APR" | "AIRE";

/** One row of ANPR table 13 plus the rules ANPR applies to it. */
export interface CertificateTypeInfo {
  /** ANPR id, 1–20. */
  id: CertificateTypeId;
  /** Italian description, exactly as in table 13 (e.g. "di Residenza"). */
  description: string;
  /** APR or AIRE register (EN287: the two cannot be combined). */
  register: CertificateRegister;
  /**
   * True when the type can only be issued alone, never in a contestuale certificate. EN153 names
   * death, cancellation, citizenship history and residence history (2, 4, 6, 9); 20 (residence
   * history at a date, added to table 13 after the error table was written) is treated like 9.
   */
  singleOnly: boolean;
  /** True for the family-status types (12, 13, 14, 16), of which a request may hold only one (EN154–EN157). */
  familyStatus: boolean;
}

/** ANPR table 13 (Tipo di certificato, 09 febbraio 2018), ordered by id. */
export const CERTIFICATE_TYPES: readonly CertificateTypeInfo[] = Object.freeze([
  { id: 1, description: "Anagrafico di nascita", register: "APR", singleOnly: false, familyStatus: false },
  { id: 2, description: "Anagrafico di morte", register: "APR", singleOnly: true, familyStatus: false },
  { id: 3, description: "Anagrafico di matrimonio", register: "APR", singleOnly: false, familyStatus: false },
  { id: 4, description: "di Cancellazione anagrafica", register: "APR", singleOnly: true, familyStatus: false },
  { id: 5, description: "di Cittadinanza", register: "APR", singleOnly: false, familyStatus: false },
  { id: 6, description: "storico di Cittadinanza", register: "APR", singleOnly: true, familyStatus: false },
  { id: 7, description: "di Esistenza in vita", register: "APR", singleOnly: false, familyStatus: false },
  { id: 8, description: "di Residenza", register: "APR", singleOnly: false, familyStatus: false },
  { id: 9, description: "storico di Residenza", register: "APR", singleOnly: true, familyStatus: false },
  { id: 10, description: "di Residenza AIRE", register: "AIRE", singleOnly: false, familyStatus: false },
  { id: 11, description: "di Stato civile", register: "APR", singleOnly: false, familyStatus: false },
  { id: 12, description: "di Stato di famiglia", register: "APR", singleOnly: false, familyStatus: true },
  {
    id: 13,
    description: "di Stato di famiglia e di stato civile",
    register: "APR",
    singleOnly: false,
    familyStatus: true,
  },
  { id: 14, description: "di Residenza in convivenza", register: "APR", singleOnly: false, familyStatus: true },
  { id: 15, description: "di Stato di famiglia AIRE", register: "AIRE", singleOnly: false, familyStatus: false },
  {
    id: 16,
    description: "di Stato di famiglia con rapporti di parentela",
    register: "APR",
    singleOnly: false,
    familyStatus: true,
  },
  { id: 17, description: "di Stato Libero", register: "APR", singleOnly: false, familyStatus: false },
  { id: 18, description: "Anagrafico di Unione Civile", register: "APR", singleOnly: false, familyStatus: false },
  { id: 19, description: "di Contratto di Convivenza", register: "APR", singleOnly: false, familyStatus: false },
  { id: 20, description: "Storico di Residenza alla data", register: "APR", singleOnly: true, familyStatus: false },
] satisfies CertificateTypeInfo[]);

const certificateTypesById = new Map<number, CertificateTypeInfo>(CERTIFICATE_TYPES.map((t) => [t.id, t]));

/** The table 13 row of `id`, or undefined when ANPR has no such type (EC070). */
export function certificateTypeInfo(id: number): CertificateTypeInfo | undefined {
  return certificateTypesById.get(id);
}

/** True when `id` is a table 13 id (narrows to {@link CertificateTypeId}). */
export function isCertificateTypeId(id: number): id is CertificateTypeId {
  return certificateTypesById.has(id);
}

/** Id of a stamp-duty exemption, ANPR table 39 (`esenzioneBollo`); 0 means "not exempt" on the wire. */
export type StampDutyExemptionId = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 99;

/** One row of ANPR table 39. */
export interface StampDutyExemptionInfo {
  /** ANPR id: 1–10, or 99 for any other reason. */
  id: StampDutyExemptionId;
  /** Italian description (the legal basis), exactly as in table 39. */
  description: string;
  /** True when the row also exempts from the diritti di segreteria ("ESENZIONE DIRITTO DI SEGRETERIA: SI"). */
  secretariatFeesExempt: boolean;
  /** True for 99: the request must carry `descrizioneEsenzioneBollo` (EN281), at most 256 characters (EN282). */
  requiresDescription: boolean;
}

/** ANPR table 39 (Esenzione bollo), ordered by id. */
export const STAMP_DUTY_EXEMPTIONS: readonly StampDutyExemptionInfo[] = Object.freeze([
  {
    id: 1,
    description: "ONLUS - art. 27 bis, tabella allegato B)  DPR 642/1972",
    secretariatFeesExempt: false,
    requiresDescription: false,
  },
  {
    id: 2,
    description: "SOCIETA' SPORTIVE - art. 8 bis, tabella allegato B)  DPR 642/1972",
    secretariatFeesExempt: false,
    requiresDescription: false,
  },
  {
    id: 3,
    description:
      "PROCESSUALE (certificati da produrre nel procedimento) - art. 18 DPR 30.5.2002, n. 115 e Circ. Agenzia delle entrate, 14.8.2002, n. 70/E",
    secretariatFeesExempt: false,
    requiresDescription: false,
  },
  {
    id: 4,
    description:
      "C.T.U. nominato dal Tribunale o dal Pubblico ministero; CURATORE FALLIMENTARE - art. 16, tabella allegato B) DPR 642/1972",
    secretariatFeesExempt: true,
    requiresDescription: false,
  },
  {
    id: 5,
    description:
      "INTERDIZIONE, INABILITAZIONE, AMMINISTRAZIONE DI SOSTEGNO (certificati da produrre nel procedimento) - art. 13, tabella allegato B) DPR 642/72 e Circ. MIN. GIUST. prot. M-DG. DAG del 5 febbraio 2007.14803.U",
    secretariatFeesExempt: false,
    requiresDescription: false,
  },
  {
    id: 6,
    description:
      "ADOZIONE, AFFIDAMENTO, TUTELA MINORI - art. 13, tabella allegato B)  DPR 642/1972 e art. 82 L. 184/1983",
    secretariatFeesExempt: true,
    requiresDescription: false,
  },
  {
    id: 7,
    description: "SEPARAZIONE/DIVORZIO ai sensi dell'art. 19 della legge 74/1987",
    secretariatFeesExempt: true,
    requiresDescription: false,
  },
  {
    id: 8,
    description:
      "VARIAZIONE TOPONOMASTICA STRADALE E NUMERAZIONE CIVICA ai sensi dell'art. 16 co. 8, della L. 537/1993",
    secretariatFeesExempt: false,
    requiresDescription: false,
  },
  {
    id: 9,
    description: "PENSIONE ESTERA - art. 9, tabella allegato B)  DPR 642/1972",
    secretariatFeesExempt: false,
    requiresDescription: false,
  },
  {
    id: 10,
    description: "SCAMBIO DI ATTI E DOCUMENTI FRA PP.AA. - art. 16, tabella allegato B) DPR 642/1972",
    secretariatFeesExempt: true,
    requiresDescription: false,
  },
  { id: 99, description: "ALTRO MOTIVO DI ESENZIONE", secretariatFeesExempt: false, requiresDescription: true },
] satisfies StampDutyExemptionInfo[]);

const exemptionsById = new Map<number, StampDutyExemptionInfo>(STAMP_DUTY_EXEMPTIONS.map((e) => [e.id, e]));

/** The table 39 row of `id`, or undefined when ANPR has no such exemption (EN120). */
export function stampDutyExemptionInfo(id: number): StampDutyExemptionInfo | undefined {
  return exemptionsById.get(id);
}

/** Language code of a certificate, ANPR table 14 (`tipoLinguaCertificato`). */
export type LanguageCode = "IT" | "DE" | "FR" | "SL";

/** One row of ANPR table 14. */
export interface LanguageInfo {
  /** Two-letter ANPR code. */
  code: LanguageCode;
  /** Italian description, exactly as in table 14 (e.g. "Tedesca"). */
  description: string;
}

/** ANPR table 14 (Lingue): the languages a certificate may be produced in (besides Italian, the bilingual areas'). */
export const LANGUAGES: readonly LanguageInfo[] = Object.freeze([
  { code: "IT", description: "Italiana" },
  { code: "DE", description: "Tedesca" },
  { code: "FR", description: "Francese" },
  { code: "SL", description: "Slovena" },
] satisfies LanguageInfo[]);

/** True when `code` is a table 14 code (EC069 otherwise). */
export function isLanguageCode(code: string): code is LanguageCode {
  return LANGUAGES.some((l) => l.code === code);
}

/** Civil status code, ANPR table 1 (`statoCivile`); 5 is not used by ANPR. */
export type CivilStatusCode = 1 | 2 | 3 | 4 | 6 | 7 | 8 | 9;

/** One row of ANPR table 1. */
export interface CivilStatusInfo {
  /** ANPR/ISTAT code. */
  code: CivilStatusCode;
  /** Italian description, exactly as in table 1 (e.g. "Coniugato/a"). */
  description: string;
}

/** ANPR table 1 (Stato civile, 22 maggio 2017), ordered by code. */
export const CIVIL_STATUSES: readonly CivilStatusInfo[] = Object.freeze([
  { code: 1, description: "Celibe/Nubile" },
  { code: 2, description: "Coniugato/a" },
  { code: 3, description: "Vedovo/a" },
  { code: 4, description: "Divorziato/a" },
  { code: 6, description: "Unito civilmente" },
  { code: 7, description: "Stato libero a seguito di decesso della parte unita civilmente" },
  { code: 8, description: "Stato libero a seguito di scioglimento dell'unione" },
  { code: 9, description: "Non classificabile/ignoto/n.c" },
] satisfies CivilStatusInfo[]);

/** The Italian description of civil status `code`, or undefined for a code not in table 1 (EC001). */
export function civilStatusDescription(code: number): string | undefined {
  return CIVIL_STATUSES.find((s) => s.code === code)?.description;
}

/** Certifiability code (`soggettoCertificabile`), ANPR table 42. */
export type CertifiabilityCode = 0 | 1 | 2 | 3 | 4;

/** One row of ANPR table 42. */
export interface CertifiabilityInfo {
  /** ANPR code. */
  code: CertifiabilityCode;
  /** Italian description, exactly as in table 42 (e.g. "CERTIFICABILITA COMPLETA"). */
  description: string;
}

/** ANPR table 42 (Motivi di non certificabilità): whether and how far a subject can be certified. */
export const CERTIFIABILITY: readonly CertifiabilityInfo[] = Object.freeze([
  { code: 0, description: "NON CERTIFICABILE" },
  { code: 1, description: "CERTIFICABILITA PARZIALE (SOLO RESIDENZA E STATO DI FAMIGLIA)" },
  { code: 2, description: "CERTIFICABILITA COMPLETA" },
  { code: 3, description: "SOGGETTO NON ISCRIVIBILE" },
  { code: 4, description: "INTERDETTO SOTTOPOSTO A TUTELA" },
] satisfies CertifiabilityInfo[]);

/** The Italian description of certifiability `code`. */
export function certifiabilityDescription(code: CertifiabilityCode): string {
  return CERTIFIABILITY.find((c) => c.code === code)?.description ?? "";
}

/**
 * Relationship to the head of the family (`codiceLegame`), ANPR table 5 "Relazione di parentela -
 * Famiglia" (20 gennaio 2017; italia/anpr `src/tab/tab_relazione_di_parentela___famiglia.rst`).
 * That RST is not vendored in anpr-spec/, so this subset is not checked by the drift test; only the
 * codes the simulator's population uses are listed.
 */
export const RELATIONSHIPS = Object.freeze({
  1: "Intestatario Scheda",
  2: "Marito / Moglie",
  3: "Figlio / Figlia",
  6: "Padre / Madre",
  9: "Fratello / Sorella",
  13: "Altro Parente",
  23: "Convivente (con vincoli di adozione o affettivi)",
  24: "Responsabile della convivenza non affettiva",
  25: "Convivente in convivenza non affettiva",
  28: "Unito civilmente",
} as const);

/** A relationship code of {@link RELATIONSHIPS}. */
export type RelationshipCode = keyof typeof RELATIONSHIPS;

/** Severity of an ANPR error (`tipoErroreAnomalia`): E blocking error, W non-blocking anomaly. */
export type AnprErrorType = "E" | "W";

/** One row of the ANPR error list. */
export interface AnprErrorInfo {
  /** ANPR code (`codiceErroreAnomalia`), e.g. "EN042". */
  code: string;
  /**
   * Severity for the web services ("Servizi - Severità"), or the subentro severity for the codes
   * that only have that one (the EA anomalies).
   */
  type: AnprErrorType;
  /** Italian text, exactly as in the table; `@` marks where ANPR puts the offending value. */
  text: string;
}

/**
 * The ANPR errors the Novabox and the simulator use, from "Elenco Errori ANPR" (21 giugno 2017,
 * tab_elenco_errori_anpr.rst), keyed by code. A subset: add a row here (the drift test checks it)
 * before using a new code.
 */
export const ANPR_ERRORS = Object.freeze({
  EC020: {
    code: "EC020",
    type: "E",
    text: "Il codice richiesta = 1 (scheda individuale completa) non puo' essere selezionato contemporaneamente ad altri codici richiesta",
  },
  EC025: { code: "EC025", type: "E", text: "Codice datiAnagraficiRichiesti non valido" },
  EC026: {
    code: "EC026",
    type: "E",
    text: "I codici specificati tra i  datiAnagraficiRichiesti sono ripetuti una o piu' volte",
  },
  EC069: { code: "EC069", type: "E", text: "Codice lingua @ inesistente sulla tabella di riferimento" },
  EC070: { code: "EC070", type: "E", text: "Codice tipo certificato @ inesistente sulla tabella di riferimento" },
  EN042: { code: "EN042", type: "E", text: "Soggetto da certificare non presente in ANPR" },
  EN043: { code: "EN043", type: "E", text: "Sono presenti piu' soggetti corrispondenti ai dati anagrafici inseriti" },
  EN044: {
    code: "EN044",
    type: "E",
    text: "Il certificato non puo' essere emesso in quanto il soggetto e' iscritto all'AIRE",
  },
  EN046: {
    code: "EN046",
    type: "E",
    text: "Per il soggetto, puo' essere prodotto esclusivamente un certificato di residenza o di stato di famiglia",
  },
  EN047: { code: "EN047", type: "E", text: "Il soggetto risulta @" },
  EN052: { code: "EN052", type: "E", text: "Occorre specificare i dati da interrogare" },
  EN054: {
    code: "EN054",
    type: "E",
    text: "Impossibile emettere il certificato di esistenza in vita in quanto il soggetto e' deceduto",
  },
  EN055: {
    code: "EN055",
    type: "E",
    text: "Impossibile emettere il Certificato di stato di Famiglia in quanto il soggetto appartiene ad una convivenza e non ad una famiglia anagrafica",
  },
  EN056: {
    code: "EN056",
    type: "E",
    text: "Impossibile emettere il Certificato di stato di Famiglia per convivenza in quanto il soggetto non appartiene ad una convivenza",
  },
  EN057: {
    code: "EN057",
    type: "E",
    text: "Impossibile emettere il Certificato di stato di Famiglia AIRE in quanto il soggetto non appartiene ad una famiglia AIRE",
  },
  EN058: {
    code: "EN058",
    type: "E",
    text: "Impossibile emettere il Certificato di stato di famiglia con rapporti di parentela in quanto il soggetto non appartiene ad una famiglia anagrafica",
  },
  EN059: {
    code: "EN059",
    type: "E",
    text: "Impossibile emettere il Certificato di stato di famiglia con rapporti di parentela in quanto la famiglia e' costituita dal solo intestatario",
  },
  EN060: { code: "EN060", type: "E", text: "Impossibile emettere il Certificato di stato libero del soggetto" },
  EN061: {
    code: "EN061",
    type: "E",
    text: "Il Certificato di decesso non puo' essere emesso perche' il soggetto non risulta deceduto",
  },
  EN062: {
    code: "EN062",
    type: "E",
    text: "Il Certificato di stato di famiglia non puo' essere emesso perche' non risulta presente un intestatario della famiglia anagrafica",
  },
  EN065: {
    code: "EN065",
    type: "E",
    text: "Impossibile emettere il certificato di residenza in quanto il soggetto risulta senza fissa dimora",
  },
  EN066: {
    code: "EN066",
    type: "E",
    text: "Il servizio richiesta dati non e' effettuabile per piu' di una tipologia di dati richiesti",
  },
  EN067: { code: "EN067", type: "E", text: "Trovati piu' soggetti per i dati anagrafici specificati nella richiesta" },
  EN068: {
    code: "EN068",
    type: "E",
    text: "Incongruenza dati anagrafici: il nome del soggetto non coincide con quello specificato nella richiesta",
  },
  EN069: {
    code: "EN069",
    type: "E",
    text: "Incongruenza dati anagrafici: il cognome del soggetto non coincide con quello specificato nella richiesta",
  },
  EN070: {
    code: "EN070",
    type: "E",
    text: "Incongruenza dati anagrafici: il codice fiscale del soggetto non coincide con quello specificato nella richiesta",
  },
  EN071: {
    code: "EN071",
    type: "E",
    text: "Incongruenza dati anagrafici: la data di nascita del soggetto non coincide con quella specificata nella richiesta",
  },
  EN072: {
    code: "EN072",
    type: "E",
    text: "Incongruenza dati anagrafici: il comune di nascita del soggetto non coincide con quello specificato nella richiesta",
  },
  EN075: {
    code: "EN075",
    type: "E",
    text: "Incongruenza dati anagrafici: il genere del soggetto non coincide con quello specificato nella richiesta",
  },
  EN079: { code: "EN079", type: "E", text: "id operazione comune gia' presente per un servizio diverso" },
  EN080: { code: "EN080", type: "E", text: "Dati del comune richiedente insufficienti" },
  EN081: { code: "EN081", type: "E", text: "Campo @ obbligatorio assente" },
  EN082: { code: "EN082", type: "E", text: "Campo @ obbligatorio assente" },
  EN110: {
    code: "EN110",
    type: "E",
    text: "Impossibile emettere il certificato perche' il soggetto non ha cittadinanza italiana",
  },
  EN120: { code: "EN120", type: "E", text: "Motivo esenzione bollo inesistente" },
  EN121: { code: "EN121", type: "E", text: "Motivo esenzione diritti segreteria inesistente" },
  EN122: { code: "EN122", type: "E", text: "La richiesta effettuata non produce alcun risultato" },
  EN123: {
    code: "EN123",
    type: "E",
    text: "Motivo esenzione bollo e motivo esenzione diritti di segreteria incongruenti",
  },
  EN130: { code: "EN130", type: "E", text: "Nessun soggetto trovato" },
  EN131: { code: "EN131", type: "E", text: "Piu' soggetti trovati" },
  EN132: { code: "EN132", type: "E", text: "Campi obbligatori non valorizzati" },
  EN133: { code: "EN133", type: "E", text: "Nessun soggetto trovato per i parametri di ricerca forniti" },
  EN137: {
    code: "EN137",
    type: "E",
    text: "Impossibile emettere il Certificato perche' non risulta ne' una famiglia ne' una convivenza associata a questo soggetto",
  },
  EN138: {
    code: "EN138",
    type: "E",
    text: "Impossibile emettere il Certificato perche' non risulta lo stato civile per questo soggetto",
  },
  EN152: {
    code: "EN152",
    type: "E",
    text: "Il certificato di anagrafica matrimonio non puo' essere richiesto con quello di stato libero o di unione civile",
  },
  EN153: {
    code: "EN153",
    type: "E",
    text: "I certificati di anagrafica morte, cancellazione anagrafica, cittadinanza storico e residenza storico possono essere richiesti solo in modalita' certificato singolo",
  },
  EN154: {
    code: "EN154",
    type: "E",
    text: "I certificati di stato di famiglia e stato civile, stato di famiglia per convivenza e stato di famiglia con rapporti di parentela non possono essere richiesti con il certificato di stato di famiglia",
  },
  EN155: {
    code: "EN155",
    type: "E",
    text: "I certificati di stato di famiglia, stato di famiglia per convivenza e stato di famiglia con rapporti di parentela non possono essere richiesti con il certificato di stato di famiglia e stato civile",
  },
  EN156: {
    code: "EN156",
    type: "E",
    text: "I certificati di stato di famiglia, stato di famiglia e stato civile e stato di famiglia con rapporti di parentela non possono essere richiesti con il certificato di stato di famiglia per convivenza",
  },
  EN157: {
    code: "EN157",
    type: "E",
    text: "I certificati di stato di famiglia per convivenza, stato di famiglia e stato civile e stato di famiglia non possono essere richiesti con il certificato di stato di famiglia con rapporti di parentela",
  },
  EN158: {
    code: "EN158",
    type: "E",
    text: "I certificati di anagrafica matrimonio o stato civile non possono essere richiesti con il certificato di stato libero",
  },
  EN159: {
    code: "EN159",
    type: "E",
    text: "Il certificato di stato civile non puo' essere richiesto con quello di stato libero o con quello di stato di famiglia e stato civile",
  },
  EN160: { code: "EN160", type: "E", text: "Il certificato non puo' essere emesso perche' il soggetto risulta @" },
  EN161: {
    code: "EN161",
    type: "E",
    text: "Il certificato non puo' essere emesso perche' i dati del coniuge sono  assenti",
  },
  EN162: {
    code: "EN162",
    type: "E",
    text: "Il certificato non puo' essere emesso perche'  i dati del matrimonio risultano mancanti",
  },
  EN163: {
    code: "EN163",
    type: "E",
    text: "Il certificato non puo' essere emesso perche' il soggetto non  risulta cancellato",
  },
  EN164: {
    code: "EN164",
    type: "E",
    text: "Il certificato non puo' essere emesso in quanto il soggetto non e' iscritto all'AIRE",
  },
  EN167: {
    code: "EN167",
    type: "E",
    text: "Operazione non effettuabile: il mittente non e' competente sul comune indicato nella richiesta",
  },
  EN178: { code: "EN178", type: "E", text: "Valorizzare obbligatoriamente  la data di riferimento" },
  EN181: {
    code: "EN181",
    type: "E",
    text: "Il certificato non puo' essere emesso perche' risulta un procedimento aperto per il soggetto intestatario del certificato",
  },
  EN198: { code: "EN198", type: "E", text: "Comune della richiesta errato" },
  EN204: { code: "EN204", type: "E", text: "Operazione non effettuabile. Comune non competente" },
  EN208: { code: "EN208", type: "E", text: "Importo bollo deve essere maggiore di 0,00 euro" },
  EN209: { code: "EN209", type: "E", text: "Importo diritti segreteria deve essere maggiore di 0,00 euro" },
  EN210: {
    code: "EN210",
    type: "E",
    text: "Comune richiedente non competente sul codice fiscale @ (o non competente alla data della richiesta)",
  },
  EN212: {
    code: "EN212",
    type: "E",
    text: "Non puo' essere emesso il certificato richiesto perche' la famiglia e' ancora in fase di registrazione",
  },
  EN217: { code: "EN217", type: "E", text: "Importo diritti segreteria deve essere uguale a 0,00 euro" },
  EN228: { code: "EN228", type: "E", text: "Il certificato non puo' essere emesso in quanto il soggetto e' deceduto" },
  EN229: {
    code: "EN229",
    type: "E",
    text: "Il certificato non puo' essere emesso in quanto il soggetto e' stato cancellato da ANPR",
  },
  EN281: {
    code: "EN281",
    type: "E",
    text: "Se Motivo esenzione bollo = 99 - Altro motivo esenzione, il campo Descrizione esenzione bollo deve essere impostato obbligatoriamente",
  },
  EN282: {
    code: "EN282",
    type: "E",
    text: "Il campo Descrizione esenzione bollo puo' contenere al massimo 256 caratteri",
  },
  EN283: { code: "EN283", type: "E", text: "Il campo Esenzione Diritti puo' assumere solo i valori 0 o 1" },
  EN287: { code: "EN287", type: "E", text: "Non e' possibile richiedere contestualmente certificati  APR e AIRE" },
  EN353: {
    code: "EN353",
    type: "E",
    text: "Il certificato non puo' essere emesso perche' i dati dell'unione civile risultano assenti",
  },
  EN354: {
    code: "EN354",
    type: "E",
    text: "Il certificato non puo' essere emesso perche' i dati del contratto di convivenza risultano assenti",
  },
  EN372: { code: "EN372", type: "E", text: "Il valore @ per il campo @ non è ammesso" },
  EN379: { code: "EN379", type: "E", text: "Funzionalita' non supportata @" },
  ES003: { code: "ES003", type: "E", text: "Codice fiscale @ assente su ANPR" },
  ES114: {
    code: "ES114",
    type: "E",
    text: "TipoRichiedente @ non valido per il servizio di certificazione (valori ammessi da 1 a 2)",
  },
  ES115: { code: "ES115", type: "E", text: "Indicare le generalita' del richiedente" },
  EHR09: { code: "EHR09", type: "E", text: "Data richiesta @ errata o non compatibile con la data di sistema @" },
  EA036: {
    code: "EA036",
    type: "W",
    text: "Soggetto registrato piu' volte sia con il CF base che con quello che risolve l'omocodia",
  },
  EA038: { code: "EA038", type: "W", text: "Soggetto con data di nascita non coincidente  con quella presente nel CF" },
  EA042: { code: "EA042", type: "W", text: "Soggetto con sesso non coincidente  con quello presente nel CF" },
  EA048: { code: "EA048", type: "W", text: "Codice fiscale formalmente errato" },
} as const satisfies Record<string, AnprErrorInfo>);

/** A code of {@link ANPR_ERRORS}. */
export type AnprErrorCode = keyof typeof ANPR_ERRORS;

/**
 * The text of an ANPR error with its `@` placeholders filled in order by `values` (as ANPR does in
 * `testoErroreAnomalia`); placeholders without a value are left as `@`.
 */
export function anprErrorText(code: AnprErrorCode, ...values: string[]): string {
  let i = 0;
  return ANPR_ERRORS[code].text.replace(/@/g, () => (i < values.length ? (values[i++] ?? "@") : "@"));
}
