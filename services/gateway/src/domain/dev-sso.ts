/**
 * The development SSO: stands in for the Novares identity provider on a developer's machine and in
 * demos, issuing RS256 tokens for a fixed list of demo tobacconists, with the same claims the real
 * issuer sets (iss, aud, sub, name, iat, exp, jti). Never enabled in production, where the gateway
 * only verifies tokens with the real issuer's public key.
 */
import { randomUUID, type KeyObject } from "node:crypto";
import { SignJWT } from "jose";
import { InvalidTokenRequestError, UnknownTobacconistError } from "./errors.js";

/** A tobacconist the development SSO knows. */
export interface DemoTobacconist {
  /** Novares id (claim `sub`). */
  tobacconistId: string;
  /** Default display name (claim `name`). */
  name: string;
}

/** The demo tobacconists: the only ones the development SSO issues tokens for. */
export const demoTobacconists: readonly DemoTobacconist[] = Object.freeze([
  { tobacconistId: "TAB-0001", name: "Tabaccheria Centrale" },
  { tobacconistId: "TAB-0002", name: "Tabacchi del Duomo" },
  { tobacconistId: "TAB-0003", name: "Rivendita n. 3 Rovereto" },
  { tobacconistId: "TAB-0004", name: "Tabaccheria Piazza Walther" },
  { tobacconistId: "TAB-0005", name: "Tabacchi alla Stazione" },
]);

/** The JWS algorithm the development SSO signs with (its key is RSA). */
export const ssoAlgorithm = "RS256";

/** Token lifetime: one working day (8 hours). */
export const devTokenTtlSeconds = 8 * 3600;

/** Options of {@link createDevSsoIssuer}. */
export interface DevSsoIssuerOptions {
  /** The RSA private key that signs. */
  privateKey: KeyObject;
  /** The key id put in every token's header (`kid`), as published in the development JWKS. */
  kid?: string;
  issuer: string;
  audience: string;
  clock?: () => Date;
  /** Default {@link devTokenTtlSeconds}. */
  ttlSeconds?: number;
  /** Default {@link demoTobacconists}. */
  tobacconists?: readonly DemoTobacconist[];
}

/** What the caller asks a token for. */
export interface DevTokenRequest {
  tobacconistId: string;
  /** Display name; default the demo tobacconist's. */
  name?: string;
}

/** An issued token. */
export interface DevToken {
  /** The compact JWT. */
  token: string;
  expiresAt: Date;
  tobacconistId: string;
  name: string;
}

/** Issues development SSO tokens. */
export interface DevSsoIssuer {
  /** Its issuer identifier (claim `iss`; the OpenID Connect issuer URL). */
  readonly issuer: string;
  /** The tobacconists it accepts. */
  readonly tobacconists: readonly DemoTobacconist[];
  /**
   * Signs a token for a demo tobacconist. Throws {@link InvalidTokenRequestError} for an empty id,
   * {@link UnknownTobacconistError} for a tobacconist outside the demo list.
   */
  issue(request: DevTokenRequest): Promise<DevToken>;
  /**
   * Signs an OpenID Connect ID token (OIDC Core §2) for a tobacconist the provider signed in: `aud`
   * is the client, `nonce` the one the client sent in its authorization request.
   */
  issueIdToken(request: DevIdTokenRequest): Promise<string>;
}

/** What an ID token is signed for. */
export interface DevIdTokenRequest {
  tobacconistId: string;
  /** The OAuth client (claim `aud`). */
  clientId: string;
  /** The authorization request's nonce (claim `nonce`; omitted when empty). */
  nonce: string;
  /** When the tobacconist signed in, seconds since the epoch (claim `auth_time`). */
  authTime: number;
}

/** Creates a {@link DevSsoIssuer}. */
export function createDevSsoIssuer(options: DevSsoIssuerOptions): DevSsoIssuer {
  const clock = options.clock ?? (() => new Date());
  const ttl = options.ttlSeconds ?? devTokenTtlSeconds;
  const tobacconists = options.tobacconists ?? demoTobacconists;
  return {
    issuer: options.issuer,
    tobacconists,
    async issue(request) {
      const id = request.tobacconistId.trim();
      if (id === "") throw new InvalidTokenRequestError("tobacconistId is required, e.g. TAB-0001");
      const known = tobacconists.find((t) => t.tobacconistId === id);
      if (!known)
        throw new UnknownTobacconistError(
          id,
          tobacconists.map((t) => t.tobacconistId),
        );
      const name = request.name?.trim() || known.name;
      const now = Math.floor(clock().getTime() / 1000);
      const exp = now + ttl;
      const token = await new SignJWT({ name })
        .setProtectedHeader({ alg: ssoAlgorithm, typ: "JWT", ...(options.kid ? { kid: options.kid } : {}) })
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .setSubject(id)
        .setIssuedAt(now)
        .setExpirationTime(exp)
        .setJti(randomUUID())
        .sign(options.privateKey);
      return { token, expiresAt: new Date(exp * 1000), tobacconistId: id, name };
    },
    async issueIdToken(request) {
      const known = tobacconists.find((t) => t.tobacconistId === request.tobacconistId);
      if (!known)
        throw new UnknownTobacconistError(
          request.tobacconistId,
          tobacconists.map((t) => t.tobacconistId),
        );
      const now = Math.floor(clock().getTime() / 1000);
      return new SignJWT({
        name: known.name,
        auth_time: request.authTime,
        ...(request.nonce ? { nonce: request.nonce } : {}),
      })
        .setProtectedHeader({ alg: ssoAlgorithm, typ: "JWT", ...(options.kid ? { kid: options.kid } : {}) })
        .setIssuer(options.issuer)
        .setAudience(request.clientId)
        .setSubject(known.tobacconistId)
        .setIssuedAt(now)
        .setExpirationTime(now + ttl)
        .sign(options.privateKey);
    },
  };
}
