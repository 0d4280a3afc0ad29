/**
 * Reading the token out of an `authorization` value, the one way every service does it: the
 * `Bearer` scheme (RFC 6750 section 2.1, any letter case), one word after it.
 */

/** Options of {@link bearerToken}. */
export interface BearerTokenOptions {
  /** Also accept a bare token without the scheme (for functions whose callers already took it out). */
  bareAccepted?: boolean;
}

/**
 * The token of `Bearer <token>`; undefined when the value is absent, blank, of another scheme or
 * holds more than one word (and, unless `bareAccepted`, when it lacks the scheme).
 */
export function bearerToken(authorization: string | undefined, options: BearerTokenOptions = {}): string | undefined {
  const value = authorization?.trim() ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(value);
  if (match) return match[1];
  return options.bareAccepted && value !== "" && !/\s/.test(value) ? value : undefined;
}
