/**
 * Admin password hashing with scrypt (memory-hard, in node:crypto, no native addon) and the password
 * policy. Hashes are self-describing strings `scrypt$N$r$p$salt$hash` (salt and hash base64url), so
 * the cost can be raised later without invalidating stored hashes.
 */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from "node:crypto";
import { WeakPasswordError } from "./errors.js";

/** scrypt cost parameters. */
export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  N: number;
  r: number;
  p: number;
}

/** The default cost: N=2^15, r=8, p=1 (32 MiB, ~50–100 ms), OWASP's recommended minimum. */
export const DEFAULT_SCRYPT_PARAMS: Readonly<ScryptParams> = Object.freeze({ N: 2 ** 15, r: 8, p: 1 });

/** Shortest admin password accepted. */
export const PASSWORD_MIN_LENGTH = 12;

/** Longest admin password accepted (bounds the hashing work an attacker can request). */
export const PASSWORD_MAX_LENGTH = 1024;

const SALT_BYTES = 16;
const HASH_BYTES = 32;
/** Stored parameters above these are refused, so a tampered hash cannot make verification exhaust memory. */
const MAX_N = 2 ** 20;
const MAX_RP = 64;

function scrypt(password: string, salt: Buffer, keyLength: number, params: ScryptParams): Promise<Buffer> {
  const options: ScryptOptions = {
    N: params.N,
    r: params.r,
    p: params.p,
    maxmem: 256 * params.N * params.r * params.p + 1024 * 1024,
  };
  return new Promise((resolve, reject) => {
    scryptCallback(password.normalize("NFC"), salt, keyLength, options, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** Hashes `password` with a fresh random salt; returns `scrypt$N$r$p$salt$hash`. */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT_PARAMS): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await scrypt(password, salt, HASH_BYTES, params);
  return ["scrypt", params.N, params.r, params.p, salt.toString("base64url"), hash.toString("base64url")].join("$");
}

/**
 * True when `password` matches `encoded` (from {@link hashPassword}), compared in constant time.
 * A malformed or out-of-bounds encoded hash is simply not a match.
 */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parts = encoded.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (
    ![N, r, p].every((n) => Number.isSafeInteger(n) && n > 0) ||
    N > MAX_N ||
    (N & (N - 1)) !== 0 ||
    r > MAX_RP ||
    p > MAX_RP
  )
    return false;
  const salt = Buffer.from(parts[4] ?? "", "base64url");
  const expected = Buffer.from(parts[5] ?? "", "base64url");
  if (salt.length === 0 || expected.length < 16) return false;
  const actual = await scrypt(password, salt, expected.length, { N, r, p });
  return timingSafeEqual(actual, expected);
}

/**
 * Enforces the admin password policy: at least {@link PASSWORD_MIN_LENGTH} characters (a passphrase
 * is fine), at most {@link PASSWORD_MAX_LENGTH}, not only whitespace. Throws
 * {@link WeakPasswordError} naming `field`.
 */
export function checkPasswordPolicy(password: string, field = "password"): void {
  const length = [...password.normalize("NFC")].length;
  if (length < PASSWORD_MIN_LENGTH) {
    throw new WeakPasswordError(
      field,
      `${field} must be at least ${PASSWORD_MIN_LENGTH} characters long (it has ${length}); a sentence of several words is easy to remember`,
    );
  }
  if (length > PASSWORD_MAX_LENGTH)
    throw new WeakPasswordError(field, `${field} must be at most ${PASSWORD_MAX_LENGTH} characters long`);
  if (password.trim() === "") throw new WeakPasswordError(field, `${field} must not be only spaces`);
}
