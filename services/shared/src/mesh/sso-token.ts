/**
 * Verification of a tobacconist's Novares SSO token (JWT), shared by the gateway (which keeps forged
 * traffic out of the mesh) and every Novabox (which verifies again with its own configured key, so a
 * box trusts no one but the SSO). The accepted algorithm is pinned to the key's type (RSA → RS256,
 * P-256 → ES256, Ed25519 → EdDSA) before the signature is checked, so neither `alg: none` nor an
 * HS256 token keyed with the public key (algorithm confusion) can pass; issuer, audience, `exp` and
 * `sub` are required. Error messages say which check failed and never echo the token.
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import {
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
  type ProtectedHeaderParameters,
} from "jose";
import { bearerToken } from "./bearer-token.js";
import { DomainError } from "../runtime/domain-error.js";

/** Which check of the SSO token failed (google.rpc.ErrorInfo.reason). */
export type SsoTokenFailure =
  | "TOKEN_MISSING"
  | "TOKEN_MALFORMED"
  | "TOKEN_ALGORITHM_NOT_ALLOWED"
  | "TOKEN_BAD_SIGNATURE"
  | "TOKEN_EXPIRED"
  | "TOKEN_NOT_YET_VALID"
  | "TOKEN_WRONG_ISSUER"
  | "TOKEN_WRONG_AUDIENCE"
  | "TOKEN_CLAIM_MISSING"
  | "TOKEN_UNKNOWN_KEY"
  | "TOKEN_INVALID";

/** The SSO token is missing, malformed, forged, expired or meant for someone else (UNAUTHENTICATED). */
export class SsoTokenError extends DomainError {
  declare readonly reason: SsoTokenFailure;

  constructor(reason: SsoTokenFailure, message: string, cause?: unknown) {
    super("unauthenticated", message, { reason, cause });
  }
}

/**
 * The request names a tobacconist other than the signed-in one (PERMISSION_DENIED): a tobacconist
 * may act only on its own behalf, whatever the caller sends.
 */
export class TobacconistMismatchError extends DomainError {
  constructor(requested: string, signedIn: string) {
    super(
      "forbidden",
      `tobacconist_id "${requested}" is not the signed-in tobacconist (${signedIn}); leave it empty or send your own id`,
      {
        reason: "TOBACCONIST_MISMATCH",
        field: "tobacconist_id",
        metadata: { tobacconistId: signedIn },
      },
    );
  }
}

/**
 * The tobacconist a call acts for: the one its verified token names. A request's `tobacconist_id`
 * may be empty (filled in from the token) or that same id; any other throws {@link TobacconistMismatchError}.
 */
export function effectiveTobacconistId(
  identity: Pick<TobacconistIdentity, "tobacconistId">,
  requested: string,
): string {
  if (requested !== "" && requested !== identity.tobacconistId)
    throw new TobacconistMismatchError(requested, identity.tobacconistId);
  return identity.tobacconistId;
}

/** The JWS algorithms an SSO key may sign with. */
export type SsoAlgorithm = "RS256" | "ES256" | "EdDSA";

/** The only JWS algorithm accepted for `key`, or undefined when its type is not supported. */
export function algorithmForKey(key: KeyObject): SsoAlgorithm | undefined {
  switch (key.asymmetricKeyType) {
    case "rsa":
      return "RS256";
    case "ec":
      return key.asymmetricKeyDetails?.namedCurve === "prime256v1" ? "ES256" : undefined;
    case "ed25519":
      return "EdDSA";
    default:
      return undefined;
  }
}

/** What a token is checked against. */
export interface SsoTrust {
  key: KeyObject;
  algorithm: SsoAlgorithm;
  issuer: string;
  audience: string;
}

/** The signed-in tobacconist a verified token names. */
export interface TobacconistIdentity {
  /** Claim `sub`: the Novares id of the tobacconist. */
  tobacconistId: string;
  /** Claim `name`, when present. */
  name?: string;
  /** Claim `exp`. */
  expiresAt: Date;
  /** Claim `jti`, when present (for the logs). */
  tokenId?: string;
}

/**
 * Builds the trust for `publicKey` (PEM or KeyObject). Throws "invalid-input" SSO_KEY_UNREADABLE or
 * SSO_KEY_UNSUPPORTED when the key cannot be used.
 */
export function ssoTrust(publicKey: string | KeyObject, issuer: string, audience: string): SsoTrust {
  let key: KeyObject;
  try {
    key = typeof publicKey === "string" ? createPublicKey(publicKey) : publicKey;
  } catch (err) {
    throw new DomainError("invalid-input", "the SSO public key is not a readable PEM public key", {
      reason: "SSO_KEY_UNREADABLE",
      cause: err,
    });
  }
  const algorithm = algorithmForKey(key);
  if (!algorithm) {
    throw new DomainError(
      "invalid-input",
      `the SSO public key is a ${key.asymmetricKeyType ?? "unknown"} key; use an RSA, P-256 or Ed25519 public key`,
      { reason: "SSO_KEY_UNSUPPORTED" },
    );
  }
  return { key, algorithm, issuer, audience };
}

/** Options of {@link verifySsoToken}. */
export interface VerifySsoTokenOptions {
  /** The instant the token must be valid at. */
  now: Date;
  /** Accepted clock skew for exp/nbf/iat, seconds (default 30). */
  clockToleranceSeconds?: number;
}

/**
 * The JWT of `token` (raw or `Bearer <JWT>`) and its protected header, not yet verified: TOKEN_MISSING
 * when there is none, TOKEN_MALFORMED when it is not a JWT.
 */
function readToken(token: string | undefined): { raw: string; header: ProtectedHeaderParameters } {
  const raw = bearerToken(token, { bareAccepted: true });
  if (!raw)
    throw new SsoTokenError(
      "TOKEN_MISSING",
      "no SSO token: sign in to Novares and send the token as `authorization: Bearer <token>`",
    );
  try {
    return { raw, header: decodeProtectedHeader(raw) };
  } catch (err) {
    throw new SsoTokenError("TOKEN_MALFORMED", "the SSO token is not a JWT", err);
  }
}

/**
 * Verifies `token` (a raw JWT or an `authorization` value `Bearer <JWT>`) against `trust` and
 * returns the tobacconist it names. Throws {@link SsoTokenError}.
 */
export async function verifySsoToken(
  token: string | undefined,
  trust: SsoTrust,
  options: VerifySsoTokenOptions,
): Promise<TobacconistIdentity> {
  const { raw, header } = readToken(token);
  const alg = header.alg;
  if (alg !== trust.algorithm) {
    const shown =
      alg === undefined || alg.toLowerCase() === "none" ? "unsigned tokens (alg none)" : `tokens signed with ${alg}`;
    throw new SsoTokenError(
      "TOKEN_ALGORITHM_NOT_ALLOWED",
      `the SSO token was refused: ${shown} are not accepted, the configured key requires ${trust.algorithm}`,
    );
  }
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(raw, trust.key, {
      algorithms: [trust.algorithm],
      issuer: trust.issuer,
      audience: trust.audience,
      currentDate: options.now,
      clockTolerance: options.clockToleranceSeconds ?? 30,
      requiredClaims: ["exp", "sub"],
    }));
  } catch (err) {
    throw joseFailure(err, trust);
  }
  const sub = payload.sub;
  if (typeof sub !== "string" || sub.trim() === "")
    throw new SsoTokenError("TOKEN_CLAIM_MISSING", "the SSO token does not name a tobacconist (claim sub)");
  const identity: TobacconistIdentity = { tobacconistId: sub, expiresAt: new Date((payload.exp ?? 0) * 1000) };
  if (typeof payload.name === "string" && payload.name !== "") identity.name = payload.name;
  if (typeof payload.jti === "string") identity.tokenId = payload.jti;
  return identity;
}

/** Finds the key a token names by `kid` (sso-key-set.ts); undefined when there is none. */
export interface SsoKeyResolver {
  keyFor(kid: string | undefined): Promise<{ key: KeyObject; algorithm: SsoAlgorithm } | undefined>;
}

/**
 * Verifies `token` against the key its header names (`kid`) in `keys`, with the algorithm pinned to
 * that key's type, and the expected issuer and audience. A `kid` the set does not hold (after the
 * set's own refresh) is TOKEN_UNKNOWN_KEY. Throws {@link SsoTokenError}.
 */
export async function verifySsoTokenWithKeys(
  token: string | undefined,
  keys: SsoKeyResolver,
  expected: { issuer: string; audience: string },
  options: VerifySsoTokenOptions,
): Promise<TobacconistIdentity> {
  const { raw, header } = readToken(token);
  const kid = typeof header.kid === "string" ? header.kid : undefined;
  const found = await keys.keyFor(kid);
  if (!found) {
    throw new SsoTokenError(
      "TOKEN_UNKNOWN_KEY",
      kid === undefined
        ? "the SSO token names no key (kid) and the SSO publishes several: sign in to Novares again"
        : `the SSO token was signed with key ${kid}, which the Novares SSO does not publish (any more): sign in to Novares again`,
    );
  }
  return verifySsoToken(
    raw,
    { key: found.key, algorithm: found.algorithm, issuer: expected.issuer, audience: expected.audience },
    options,
  );
}

function joseFailure(err: unknown, trust: SsoTrust): SsoTokenError {
  if (err instanceof joseErrors.JWTExpired)
    return new SsoTokenError("TOKEN_EXPIRED", "the SSO token has expired; sign in to Novares again", err);
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case "iss":
        return new SsoTokenError(
          "TOKEN_WRONG_ISSUER",
          `the SSO token was not issued by ${trust.issuer} (claim iss)`,
          err,
        );
      case "aud":
        return new SsoTokenError(
          "TOKEN_WRONG_AUDIENCE",
          `the SSO token is not meant for ${trust.audience} (claim aud)`,
          err,
        );
      case "nbf":
        return new SsoTokenError(
          "TOKEN_NOT_YET_VALID",
          "the SSO token is not valid yet (claim nbf); check the clocks",
          err,
        );
      case "iat":
        return new SsoTokenError("TOKEN_INVALID", "the SSO token's issue time is not acceptable (claim iat)", err);
      default:
        return new SsoTokenError(
          "TOKEN_CLAIM_MISSING",
          `the SSO token lacks or has an invalid claim ${err.claim}`,
          err,
        );
    }
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed)
    return new SsoTokenError(
      "TOKEN_BAD_SIGNATURE",
      "the SSO token's signature does not match the Novares SSO key",
      err,
    );
  if (err instanceof joseErrors.JOSEAlgNotAllowed)
    return new SsoTokenError("TOKEN_ALGORITHM_NOT_ALLOWED", "the SSO token's algorithm is not accepted", err);
  if (err instanceof joseErrors.JWSInvalid || err instanceof joseErrors.JWTInvalid)
    return new SsoTokenError("TOKEN_MALFORMED", "the SSO token is not a well-formed JWT", err);
  return new SsoTokenError("TOKEN_INVALID", "the SSO token is not valid", err);
}
