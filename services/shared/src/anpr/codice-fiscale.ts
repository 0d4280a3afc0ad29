/**
 * The Italian codice fiscale of natural persons (DM 23 dicembre 1976, DPR 605/1973): computing it
 * from a person's data, and checking one a caller typed before it is sent to ANPR.
 *
 * Pure functions, no I/O: the Novabox validates input with them, the ANPR simulator builds its
 * population with them.
 */

/** Sex as coded in the codice fiscale (and in ANPR `tipoSesso`, minus N). */
export type CodiceFiscaleSex = "M" | "F";

/** What a codice fiscale is computed from. */
export interface CodiceFiscaleInput {
  /** Surname (cognome) as registered; accents, apostrophes and spaces are allowed. */
  surname: string;
  /** Given name(s) (nome) as registered; accents, apostrophes and spaces are allowed. */
  name: string;
  /** Sex; F adds 40 to the day of birth. */
  sex: CodiceFiscaleSex;
  /** Date of birth, ISO `YYYY-MM-DD`. */
  birthDate: string;
  /**
   * Cadastral (Belfiore) code of the place of birth: a Comune (e.g. `L378` Trento) or, for people
   * born abroad, the state's `Z` code (e.g. `Z129` Romania). Upper case, letter + 3 digits.
   */
  birthPlaceCode: string;
}

/** Why a codice fiscale was rejected. */
export type CodiceFiscaleErrorReason = "format" | "check-character" | "date";

/** A formally valid codice fiscale and what it encodes. */
export interface ValidCodiceFiscale {
  valid: true;
  /** `personal`: the 16-character code of a person; `numeric`: an 11-digit provisional code. */
  kind: "personal" | "numeric";
  /** The code as checked: trimmed, upper case. */
  normalized: string;
  /**
   * Date of birth, ISO `YYYY-MM-DD`. The code holds two digits of the year: the century is the
   * latest that does not put the date after the reference date. Absent for numeric codes.
   */
  birthDate?: string;
  /** Sex encoded by the day of birth. Absent for numeric codes. */
  sex?: CodiceFiscaleSex;
  /** Belfiore code of the place of birth, omocodia resolved. Absent for numeric codes. */
  birthPlaceCode?: string;
  /** True when one or more digits were replaced by letters (omocodia). */
  omocode: boolean;
  /** The code with every omocodia letter turned back into its digit and the check recomputed. */
  baseCode: string;
}

/** A codice fiscale that failed a check, with a sentence that says which and why. */
export interface InvalidCodiceFiscale {
  valid: false;
  /** `format`: wrong length or characters; `check-character`: last character wrong; `date`: no such month or day. */
  reason: CodiceFiscaleErrorReason;
  /** Human-readable (English) explanation, safe to show to an operator. */
  message: string;
}

/** Result of {@link validateCodiceFiscale}. */
export type CodiceFiscaleValidation = ValidCodiceFiscale | InvalidCodiceFiscale;

/** Options of {@link validateCodiceFiscale}. */
export interface ValidateCodiceFiscaleOptions {
  /**
   * ISO date used to pick the century of the two-digit year (default: today). Pass a fixed date
   * where results must be reproducible.
   */
  referenceDate?: string;
  /** Accept 11-digit provisional numeric codes (default true). */
  allowNumeric?: boolean;
}

/** Month letters, January to December. */
export const CODICE_FISCALE_MONTH_LETTERS = "ABCDEHLMPRST";

/** Letters that replace the digits 0–9 in an omocode (omocodia), in digit order. */
export const OMOCODIA_LETTERS = "LMNPQRSTUV";

/**
 * Zero-based positions of the digits that omocodia may replace, in the order the Agenzia delle
 * Entrate replaces them (rightmost first).
 */
export const OMOCODIA_POSITIONS: readonly number[] = [14, 13, 12, 10, 9, 7, 6];

const ODD_VALUES: Readonly<Record<string, number>> = {
  "0": 1,
  "1": 0,
  "2": 5,
  "3": 7,
  "4": 9,
  "5": 13,
  "6": 15,
  "7": 17,
  "8": 19,
  "9": 21,
  A: 1,
  B: 0,
  C: 5,
  D: 7,
  E: 9,
  F: 13,
  G: 15,
  H: 17,
  I: 19,
  J: 21,
  K: 2,
  L: 4,
  M: 18,
  N: 20,
  O: 11,
  P: 3,
  Q: 6,
  R: 8,
  S: 12,
  T: 14,
  U: 16,
  V: 10,
  W: 22,
  X: 25,
  Y: 24,
  Z: 23,
};

const VOWELS = new Set(["A", "E", "I", "O", "U"]);

const PERSONAL_PATTERN = /^[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]$/;

/** Letters only, upper case, accents removed (À → A, Ü → U), as the codice fiscale rules read a name. */
function lettersOf(text: string): string[] {
  const plain = /^[\x20-\x7e]*$/.test(text) ? text : text.normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  return [...plain.toUpperCase()].filter((c) => c >= "A" && c <= "Z");
}

function splitLetters(text: string): { consonants: string[]; vowels: string[] } {
  const letters = lettersOf(text);
  return { consonants: letters.filter((c) => !VOWELS.has(c)), vowels: letters.filter((c) => VOWELS.has(c)) };
}

function padX(chars: string[]): string {
  return (chars.join("") + "XXX").slice(0, 3);
}

/** The three surname characters: consonants, then vowels, then X. */
export function surnameCode(surname: string): string {
  const { consonants, vowels } = splitLetters(surname);
  return padX([...consonants, ...vowels]);
}

/** The three name characters: 1st, 3rd and 4th consonant when there are four or more, else as the surname. */
export function nameCode(name: string): string {
  const { consonants, vowels } = splitLetters(name);
  if (consonants.length >= 4) return `${consonants[0]}${consonants[2]}${consonants[3]}`;
  return padX([...consonants, ...vowels]);
}

/** The check character (carattere di controllo) of the first 15 characters of a code. */
export function checkCharacter(first15: string): string {
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    const c = first15.charAt(i);
    if (i % 2 === 0) {
      sum += ODD_VALUES[c] ?? 0;
    } else {
      sum += c >= "0" && c <= "9" ? c.charCodeAt(0) - 48 : c.charCodeAt(0) - 65;
    }
  }
  return String.fromCharCode(65 + (sum % 26));
}

function parseIsoDate(date: string): { year: number; month: number; day: number } | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return { year, month, day };
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

/**
 * Computes the codice fiscale of a person (the base code, without omocodia). Throws a RangeError
 * when the date is not a real ISO date or the Belfiore code is not a letter and three digits:
 * those are programming errors, not user input.
 */
export function computeCodiceFiscale(input: CodiceFiscaleInput): string {
  const date = parseIsoDate(input.birthDate);
  if (!date) throw new RangeError(`birth date ${JSON.stringify(input.birthDate)} is not an ISO date (YYYY-MM-DD)`);
  const place = input.birthPlaceCode.toUpperCase();
  if (!/^[A-Z]\d{3}$/.test(place))
    throw new RangeError(
      `birth place code ${JSON.stringify(input.birthPlaceCode)} is not a Belfiore code (letter + 3 digits)`,
    );
  const first15 =
    surnameCode(input.surname) +
    nameCode(input.name) +
    pad2(date.year % 100) +
    CODICE_FISCALE_MONTH_LETTERS.charAt(date.month - 1) +
    pad2(date.day + (input.sex === "F" ? 40 : 0)) +
    place;
  return first15 + checkCharacter(first15);
}

/**
 * The omocode of `code` at `level` (1–7): the `level` rightmost replaceable digits become letters
 * (0→L … 9→V) and the check character is recomputed. This is how the Agenzia delle Entrate tells
 * apart two people whose data give the same code; level 0 returns the base code.
 */
export function omocodeOf(code: string, level: number): string {
  if (!Number.isInteger(level) || level < 0 || level > OMOCODIA_POSITIONS.length) {
    throw new RangeError(`omocodia level must be 0-${OMOCODIA_POSITIONS.length}, got ${level}`);
  }
  const chars = [...toBaseFirst15(code)];
  for (const pos of OMOCODIA_POSITIONS.slice(0, level)) {
    const c = chars[pos] ?? "0";
    chars[pos] = OMOCODIA_LETTERS.charAt(Number(c));
  }
  const first15 = chars.join("");
  return first15 + checkCharacter(first15);
}

function toBaseFirst15(code: string): string {
  const chars = [...code.toUpperCase().slice(0, 15)];
  for (const pos of OMOCODIA_POSITIONS) {
    const c = chars[pos];
    if (c !== undefined) {
      const i = OMOCODIA_LETTERS.indexOf(c);
      if (i >= 0) chars[pos] = String(i);
    }
  }
  return chars.join("");
}

function isoToday(): string {
  return new Date().toISOString().slice(0, 10);
}

function invalid(reason: CodiceFiscaleErrorReason, message: string): InvalidCodiceFiscale {
  return { valid: false, reason, message };
}

/** Check digit of an 11-digit numeric code (the partita IVA algorithm). */
function numericCheckDigit(first10: string): number {
  let sum = 0;
  for (let i = 0; i < 10; i++) {
    const d = first10.charCodeAt(i) - 48;
    if (i % 2 === 0) sum += d;
    else sum += d * 2 > 9 ? d * 2 - 9 : d * 2;
  }
  return (10 - (sum % 10)) % 10;
}

/**
 * Checks a codice fiscale typed by a person before it goes to ANPR: length and alphabet (with the
 * omocodia letters LMNPQRSTUV allowed where digits go), check character, and that month and day
 * name a real date (day 1–31 for men, 41–71 for women). It cannot tell whether the code belongs
 * to anyone — only ANPR can. Input is trimmed and upper-cased; inner spaces are a format error.
 */
export function validateCodiceFiscale(
  code: string,
  options: ValidateCodiceFiscaleOptions = {},
): CodiceFiscaleValidation {
  const normalized = code.trim().toUpperCase();
  if (/^\d{11}$/.test(normalized) && options.allowNumeric !== false) {
    if (numericCheckDigit(normalized) !== normalized.charCodeAt(10) - 48) {
      return invalid("check-character", `codice fiscale ${normalized}: the last digit does not match the other ten`);
    }
    return { valid: true, kind: "numeric", normalized, omocode: false, baseCode: normalized };
  }
  if (normalized.length !== 16) {
    return invalid(
      "format",
      `codice fiscale ${JSON.stringify(normalized)}: must be 16 characters, got ${normalized.length}`,
    );
  }
  if (!PERSONAL_PATTERN.test(normalized)) {
    return invalid(
      "format",
      `codice fiscale ${normalized}: letters and digits are not where a codice fiscale has them`,
    );
  }
  const expected = checkCharacter(normalized);
  if (normalized.charAt(15) !== expected) {
    return invalid(
      "check-character",
      `codice fiscale ${normalized}: the check character is ${normalized.charAt(15)}, expected ${expected}`,
    );
  }
  const base15 = toBaseFirst15(normalized);
  const monthIndex = CODICE_FISCALE_MONTH_LETTERS.indexOf(base15.charAt(8));
  if (monthIndex < 0) {
    return invalid(
      "date",
      `codice fiscale ${normalized}: ${base15.charAt(8)} is not a month letter (${CODICE_FISCALE_MONTH_LETTERS})`,
    );
  }
  const rawDay = Number(base15.slice(9, 11));
  const sex: CodiceFiscaleSex = rawDay > 40 ? "F" : "M";
  const day = sex === "F" ? rawDay - 40 : rawDay;
  const yy = Number(base15.slice(6, 8));
  const month = monthIndex + 1;
  const reference = options.referenceDate ?? isoToday();
  const century = Math.floor(Number(reference.slice(0, 4)) / 100) * 100;
  let birthDate: string | undefined;
  if ((rawDay >= 1 && rawDay <= 31) || (rawDay >= 41 && rawDay <= 71)) {
    for (const year of [century + yy, century + yy - 100]) {
      const candidate = `${year}-${pad2(month)}-${pad2(day)}`;
      if (day <= daysInMonth(year, month) && candidate <= reference) {
        birthDate = candidate;
        break;
      }
    }
  }
  if (birthDate === undefined) {
    return invalid(
      "date",
      `codice fiscale ${normalized}: day ${pad2(rawDay)} of month ${CODICE_FISCALE_MONTH_LETTERS.charAt(monthIndex)} is not a date of birth`,
    );
  }
  const baseCode = base15 + checkCharacter(base15);
  return {
    valid: true,
    kind: "personal",
    normalized,
    birthDate,
    sex,
    birthPlaceCode: base15.slice(11, 15),
    omocode: baseCode !== normalized,
    baseCode,
  };
}
