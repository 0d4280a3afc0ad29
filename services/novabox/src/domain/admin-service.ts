/**
 * The Novabox's single admin account: first registration (only while none exists), login with
 * throttling of password guessing, password change, and stateless session tokens (JWT HS256 with a
 * key injected by the server, never in the code). Every operation is audited, never with a password.
 *
 * Throttling never lets a stranger lock the administrator out (OWASP Authentication Cheat Sheet,
 * "Protect Against Automated Attacks": account lockout is itself a denial of service):
 * - per source address: after `freeAttempts` failures from one address, that address must wait
 *   `baseDelaySeconds`·2^(failures−freeAttempts) (capped) before its next attempt is even checked;
 * - per account: after `accountFreeAttempts` failures from anywhere within `accountWindowSeconds`,
 *   every attempt on the account is answered only after a delay that doubles with each failure
 *   (capped at `accountMaxDelayMs`): a guesser spread over many addresses is slowed, while the
 *   administrator, from an address that has not failed, still gets in — a little later.
 *
 * A token carries the admin's password-change time, so changing the password ends every earlier
 * session without a session table.
 */
import { randomUUID } from "node:crypto";
import { SignJWT, errors as joseErrors, jwtVerify } from "jose";
import { bearerToken } from "#shared/mesh/bearer-token.js";
import { DomainError, isDomainError } from "#shared/runtime/domain-error.js";
import {
  AdminAlreadyRegisteredError,
  InvalidCredentialsError,
  InvalidInputError,
  InvalidSessionError,
  LoginLockedError,
  WrongCurrentPasswordError,
  auditFailureOf,
} from "./errors.js";
import type { AuditOperation, AuditOutcome, AuthenticationMethod } from "./model.js";
import {
  DEFAULT_SCRYPT_PARAMS,
  checkPasswordPolicy,
  hashPassword,
  verifyPassword,
  type ScryptParams,
} from "./password.js";
import type { AdminStore, AuditLog, Clock } from "./ports.js";

/** Issuer and audience of admin session tokens. */
export const SESSION_ISSUER = "novabox";
/** Audience of admin session tokens: distinct from the tobacconists' SSO audience. */
export const SESSION_AUDIENCE = "novabox-admin";

/** Login throttling (see the module comment). */
export interface LockoutPolicy {
  /** Failures one source address may make before it must wait (default 5). */
  freeAttempts: number;
  /** First wait of that address (default 30 s), doubling with each further failure. */
  baseDelaySeconds: number;
  /** Longest wait of an address (default 900 s). */
  maxDelaySeconds: number;
  /** Failures on the account, from any address, before its attempts are slowed (default 5). */
  accountFreeAttempts: number;
  /** First added answer delay on an account under attack (default 500 ms), doubling per failure. */
  accountBaseDelayMs: number;
  /** Longest added delay (default 4000 ms): bounded, so the administrator is never kept out. */
  accountMaxDelayMs: number;
  /** Account failures older than this no longer count (default 900 s). */
  accountWindowSeconds: number;
}

/** Default {@link LockoutPolicy}. */
export const DEFAULT_LOCKOUT: Readonly<LockoutPolicy> = Object.freeze({
  freeAttempts: 5,
  baseDelaySeconds: 30,
  maxDelaySeconds: 900,
  accountFreeAttempts: 5,
  accountBaseDelayMs: 500,
  accountMaxDelayMs: 4000,
  accountWindowSeconds: 900,
});

/** Most source addresses whose failures are remembered at once (least recently failed evicted). */
const maxTrackedSources = 10_000;

/** Options of {@link createAdminService}. */
export interface AdminServiceOptions {
  admins: AdminStore;
  audit: AuditLog;
  /** HMAC key of the session tokens, at least 32 bytes, from the server's key material. */
  sessionKey: Uint8Array;
  clock: Clock;
  /** Session lifetime (default 3600 s). */
  sessionTtlSeconds?: number;
  lockout?: Partial<LockoutPolicy>;
  /** scrypt cost of new hashes (default {@link DEFAULT_SCRYPT_PARAMS}; tests lower it). */
  scrypt?: ScryptParams;
  /** Request ids of the audit rows (default random UUIDs). */
  newRequestId?: () => string;
  /** Waits `ms` (the per-account slow-down); default a timer. Tests pass a recorder. */
  sleep?: (ms: number) => Promise<void>;
}

/** An open admin session. */
export interface AdminSession {
  /** Bearer token; never log it. */
  token: string;
  expiresAt: Date;
  username: string;
}

/** What a verified session token says. */
export interface VerifiedSession {
  username: string;
  expiresAt: Date;
}

/** The admin operations the ConfigService handlers call. */
export interface AdminService {
  /** True once the first admin is registered (SetupStatus.admin_registered). */
  adminRegistered(): boolean;
  /**
   * Creates the first admin and opens a session. Username 3–64 characters, password per policy;
   * refused with "precondition-failed" ADMIN_ALREADY_REGISTERED once an admin exists.
   */
  registerAdmin(username: string, password: string): Promise<AdminSession>;
  /**
   * Opens a session. Wrong username or password: "unauthenticated" (one generic message); after
   * too many failures from `source` (the caller's IP address): "rate-limited" LOGIN_LOCKED with the
   * retry time in metadata. Failures from other addresses only slow the answer down.
   */
  login(username: string, password: string, source?: string): Promise<AdminSession>;
  /** Checks a session token (HS256 only, issuer, audience, expiry, not predating a password change). */
  verifySession(token: string | undefined): Promise<VerifiedSession>;
  /**
   * Changes the password of `username` (the admin whose session the caller's auth step verified
   * with {@link verifySession}), given the current one ("forbidden" when wrong); ends every earlier
   * session and returns a new one.
   */
  changePassword(
    username: string,
    currentPassword: string,
    newPassword: string,
    source?: string,
  ): Promise<AdminSession>;
}

/** Creates the {@link AdminService}. */
export function createAdminService(options: AdminServiceOptions): AdminService {
  if (options.sessionKey.length < 32)
    throw new DomainError("internal", "the admin session key must be at least 32 bytes", {
      reason: "SESSION_KEY_TOO_SHORT",
    });
  const { admins, audit, clock } = options;
  const key = Uint8Array.from(options.sessionKey);
  const ttlSeconds = options.sessionTtlSeconds ?? 3600;
  const lockout: LockoutPolicy = { ...DEFAULT_LOCKOUT, ...options.lockout };
  const params = options.scrypt ?? DEFAULT_SCRYPT_PARAMS;
  const newRequestId = options.newRequestId ?? randomUUID;
  /** A hash of a random password, verified against when the username is unknown so timing does not reveal it. */
  let decoyHash: Promise<string> | undefined;

  const record = (
    operation: AuditOperation,
    outcome: AuditOutcome,
    authenticationMethod: AuthenticationMethod,
    actor: string,
    detail: string,
  ) =>
    audit.append({
      operation,
      outcome,
      authenticationMethod,
      actor,
      detail,
      requestId: newRequestId(),
      fiscalCode: "",
      tobacconistId: "",
      anprProtocolNumber: "",
      anprOperationId: "",
      anprErrorCode: "",
    });

  const issue = async (username: string, passwordChangedAt: Date): Promise<AdminSession> => {
    const now = clock();
    const nowSeconds = Math.floor(now.getTime() / 1000);
    const expiresAt = new Date((nowSeconds + ttlSeconds) * 1000);
    const token = await new SignJWT({ pwc: passwordChangedAt.getTime() })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuer(SESSION_ISSUER)
      .setAudience(SESSION_AUDIENCE)
      .setSubject(username)
      .setJti(randomUUID())
      .setIssuedAt(nowSeconds)
      .setExpirationTime(nowSeconds + ttlSeconds)
      .sign(key);
    return { token, expiresAt, username };
  };

  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  /** Failures per source address (in memory: an address is not worth a disk write), oldest first. */
  const sources = new Map<string, { count: number; lastFailureAt: Date }>();

  /** Seconds the address `source` must still wait before its next attempt, or 0. */
  const lockedFor = (source: string, now: Date): number => {
    const failures = sources.get(source);
    if (!failures || failures.count < lockout.freeAttempts) return 0;
    const delay = Math.min(
      lockout.maxDelaySeconds,
      lockout.baseDelaySeconds * 2 ** Math.min(failures.count - lockout.freeAttempts, 30),
    );
    const until = failures.lastFailureAt.getTime() + delay * 1000;
    return until > now.getTime() ? Math.ceil((until - now.getTime()) / 1000) : 0;
  };

  /** The answer delay on `username` while it is under attack, in ms (0 when it is not). */
  const accountDelayMs = (username: string, now: Date): number => {
    const failures = admins.getLoginFailures(username);
    if (failures.count < lockout.accountFreeAttempts || !failures.lastFailureAt) return 0;
    if (now.getTime() - failures.lastFailureAt.getTime() > lockout.accountWindowSeconds * 1000) return 0;
    return Math.min(
      lockout.accountMaxDelayMs,
      lockout.accountBaseDelayMs * 2 ** Math.min(failures.count - lockout.accountFreeAttempts, 30),
    );
  };

  const recordSourceFailure = (source: string, at: Date) => {
    const previous = sources.get(source);
    sources.delete(source);
    sources.set(source, { count: (previous?.count ?? 0) + 1, lastFailureAt: at });
    while (sources.size > maxTrackedSources) {
      const oldest = sources.keys().next().value;
      if (oldest === undefined) break;
      sources.delete(oldest);
    }
  };

  /** Verifies a password of `username` from `source`, throttled; returns the admin on success. */
  const authenticate = async (
    username: string,
    password: string,
    source: string,
    wrong: () => DomainError,
    operation: AuditOperation,
    method: AuthenticationMethod,
  ) => {
    const now = clock();
    const wait = lockedFor(source, now);
    if (wait > 0) {
      record(operation, "RATE_LIMITED", method, username, `too many failures from ${source}; retry in ${wait} s`);
      throw new LoginLockedError(new Date(now.getTime() + wait * 1000), wait);
    }
    const slowDown = accountDelayMs(username, now);
    if (slowDown > 0) await sleep(slowDown);
    const admin = admins.getAdmin();
    const known = admin !== undefined && admin.username === username;
    let ok = false;
    if (known) ok = await verifyPassword(password, admin.passwordHash);
    else await verifyPassword(password, await (decoyHash ??= hashPassword(randomUUID(), params)));
    if (!ok || !admin) {
      const failedAt = clock();
      admins.recordLoginFailure(username, failedAt);
      recordSourceFailure(source, failedAt);
      const error = wrong();
      record(
        operation,
        auditFailureOf(error).outcome,
        method,
        username,
        `${known ? "wrong password" : "unknown username"} from ${source}`,
      );
      throw error;
    }
    admins.clearLoginFailures(username);
    sources.delete(source);
    return admin;
  };

  const verifySession = async (token: string | undefined): Promise<VerifiedSession> => {
    const raw = bearerToken(token, { bareAccepted: true });
    if (!raw)
      throw new InvalidSessionError(
        "SESSION_MISSING",
        "no admin session: log in and send the token as `authorization: Bearer <token>`",
      );
    let payload;
    try {
      ({ payload } = await jwtVerify(raw, key, {
        algorithms: ["HS256"],
        issuer: SESSION_ISSUER,
        audience: SESSION_AUDIENCE,
        currentDate: clock(),
        requiredClaims: ["exp", "sub", "iat"],
      }));
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired)
        throw new InvalidSessionError("SESSION_EXPIRED", "the admin session has expired; log in again", err);
      throw new InvalidSessionError("SESSION_INVALID", "the admin session token is not valid; log in again", err);
    }
    const admin = admins.getAdmin();
    if (!admin || admin.username !== payload.sub || payload.pwc !== admin.passwordChangedAt.getTime()) {
      throw new InvalidSessionError(
        "SESSION_REVOKED",
        "the admin session ended because the password was changed; log in again",
      );
    }
    return { username: admin.username, expiresAt: new Date((payload.exp ?? 0) * 1000) };
  };

  return {
    adminRegistered: () => admins.getAdmin() !== undefined,

    async registerAdmin(username, password) {
      const name = username.trim();
      try {
        if (admins.getAdmin()) throw new AdminAlreadyRegisteredError();
        if (name.length < 3 || name.length > 64 || !/^[\p{L}\p{N}._@-]+$/u.test(name)) {
          throw new InvalidInputError(
            "username",
            "username must be 3-64 letters, digits or . _ @ -",
            "INVALID_USERNAME",
          );
        }
        checkPasswordPolicy(password, "password");
        const hash = await hashPassword(password, params);
        if (!admins.createAdmin(name, hash)) throw new AdminAlreadyRegisteredError();
      } catch (err) {
        record(
          "ADMIN_REGISTER",
          auditFailureOf(err).outcome,
          "NONE",
          name,
          isDomainError(err) ? err.reason : "internal error",
        );
        throw err;
      }
      record("ADMIN_REGISTER", "SUCCESS", "NONE", name, "first administrator registered");
      const admin = admins.getAdmin();
      return issue(name, admin?.passwordChangedAt ?? clock());
    },

    async login(username, password, source = "unknown") {
      const name = username.trim();
      const admin = await authenticate(
        name,
        password,
        source,
        () => new InvalidCredentialsError(),
        "ADMIN_LOGIN",
        "ADMIN_PASSWORD",
      );
      record("ADMIN_LOGIN", "SUCCESS", "ADMIN_PASSWORD", name, "session opened");
      return issue(admin.username, admin.passwordChangedAt);
    },

    verifySession,

    async changePassword(username, currentPassword, newPassword, source = "unknown") {
      await authenticate(
        username,
        currentPassword,
        source,
        () => new WrongCurrentPasswordError(),
        "PASSWORD_CHANGE",
        "ADMIN_SESSION",
      );
      try {
        checkPasswordPolicy(newPassword, "new_password");
        if (newPassword === currentPassword) {
          throw new InvalidInputError(
            "new_password",
            "new_password must differ from the current password",
            "PASSWORD_UNCHANGED",
          );
        }
        admins.setPasswordHash(await hashPassword(newPassword, params));
      } catch (err) {
        record(
          "PASSWORD_CHANGE",
          auditFailureOf(err).outcome,
          "ADMIN_SESSION",
          username,
          isDomainError(err) ? err.reason : "internal error",
        );
        throw err;
      }
      record("PASSWORD_CHANGE", "SUCCESS", "ADMIN_SESSION", username, "password changed; earlier sessions ended");
      const admin = admins.getAdmin();
      return issue(username, admin?.passwordChangedAt ?? clock());
    },
  };
}
