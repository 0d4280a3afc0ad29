import { describe, expect, it } from "@jest/globals";
import { randomBytes } from "node:crypto";
import { SignJWT } from "jose";
import { createAdminService } from "../src/domain/admin-service.js";
import { fakeAdminStore, fakeAuditLog, fakeClock } from "./fakes.js";

const PASSWORD = "a sufficiently long password";

function setup() {
  const clock = fakeClock();
  const audit = fakeAuditLog(clock);
  const admins = fakeAdminStore(clock);
  const sessionKey = randomBytes(32);
  const sleeps: number[] = [];
  const sleep = (ms: number) => {
    sleeps.push(ms);
    return Promise.resolve();
  };
  const service = createAdminService({ admins, audit, sessionKey, clock, scrypt: { N: 2 ** 10, r: 8, p: 1 }, sleep });
  return { clock, audit, admins, sessionKey, service, sleeps };
}

function b64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

describe("admin registration", () => {
  it("registers the first admin once, opens a session, audits without the password", async () => {
    const { service, audit } = setup();
    expect(service.adminRegistered()).toBe(false);
    const session = await service.registerAdmin("admin", PASSWORD);
    expect(service.adminRegistered()).toBe(true);
    await expect(service.verifySession(session.token)).resolves.toMatchObject({ username: "admin" });
    await expect(service.registerAdmin("other", PASSWORD)).rejects.toMatchObject({
      kind: "precondition-failed",
      reason: "ADMIN_ALREADY_REGISTERED",
    });
    expect(audit.entries.map((e) => [e.operation, e.outcome])).toEqual([
      ["ADMIN_REGISTER", "SUCCESS"],
      ["ADMIN_REGISTER", "INVALID"],
    ]);
    expect(JSON.stringify(audit.entries)).not.toContain(PASSWORD);
  });

  it("enforces the password policy on registration", async () => {
    const { service } = setup();
    await expect(service.registerAdmin("admin", "short")).rejects.toMatchObject({
      kind: "invalid-input",
      field: "password",
    });
    expect(service.adminRegistered()).toBe(false);
  });
});

describe("admin login", () => {
  it("logs in with the right password and refuses a wrong one generically", async () => {
    const { service, audit } = setup();
    await service.registerAdmin("admin", PASSWORD);
    const session = await service.login("admin", PASSWORD);
    expect(session.expiresAt.getTime() - Date.parse("2026-11-23T09:00:00Z")).toBe(3600_000);
    const wrongPassword = await service.login("admin", "wrong password!!").catch((e: unknown) => e);
    const wrongUser = await service.login("nobody", PASSWORD).catch((e: unknown) => e);
    expect(wrongPassword).toMatchObject({
      kind: "unauthenticated",
      reason: "INVALID_CREDENTIALS",
      message: "wrong username or password",
    });
    expect(wrongUser).toMatchObject({ kind: "unauthenticated", message: "wrong username or password" });
    expect(
      audit.entries.filter((e) => e.operation === "ADMIN_LOGIN").map((e) => [e.outcome, e.authenticationMethod]),
    ).toEqual([
      ["SUCCESS", "ADMIN_PASSWORD"],
      ["DENIED", "ADMIN_PASSWORD"],
      ["DENIED", "ADMIN_PASSWORD"],
    ]);
    expect(JSON.stringify(audit.entries)).not.toContain("wrong password!!");
  });

  it("locks out after 5 failures with an increasing delay, even for the right password", async () => {
    const { service, clock } = setup();
    await service.registerAdmin("admin", PASSWORD);
    for (let i = 0; i < 5; i++)
      await expect(service.login("admin", "not the password")).rejects.toMatchObject({ kind: "unauthenticated" });
    const locked = await service.login("admin", PASSWORD).catch((e: unknown) => e);
    expect(locked).toMatchObject({
      kind: "rate-limited",
      reason: "LOGIN_LOCKED",
      metadata: { retryAfterSeconds: "30" },
    });
    clock.advance(30_000);
    await expect(service.login("admin", "not the password")).rejects.toMatchObject({ kind: "unauthenticated" });
    await expect(service.login("admin", PASSWORD)).rejects.toMatchObject({
      reason: "LOGIN_LOCKED",
      metadata: { retryAfterSeconds: "60" },
    });
    clock.advance(60_000);
    await expect(service.login("admin", PASSWORD)).resolves.toMatchObject({ username: "admin" });
    await expect(service.login("admin", "not the password")).rejects.toMatchObject({ kind: "unauthenticated" });
    await expect(service.login("admin", PASSWORD)).resolves.toMatchObject({ username: "admin" });
  });
});

describe("login throttling", () => {
  it("makes a guessing address wait, but lets the administrator in from another address", async () => {
    const { service, sleeps, audit } = setup();
    await service.registerAdmin("admin", PASSWORD);
    for (let i = 0; i < 5; i++)
      await expect(service.login("admin", `guess ${i}`, "127.0.0.66")).rejects.toMatchObject({
        kind: "unauthenticated",
      });
    // The guessing address is refused without its guess being checked...
    await expect(service.login("admin", "guess 6", "127.0.0.66")).rejects.toMatchObject({
      kind: "rate-limited",
      reason: "LOGIN_LOCKED",
      metadata: { retryAfterSeconds: "30" },
    });
    await expect(service.login("admin", PASSWORD, "127.0.0.66")).rejects.toMatchObject({ reason: "LOGIN_LOCKED" });
    // ...while the administrator, elsewhere, gets in after a bounded slow-down.
    await expect(service.login("admin", PASSWORD, "127.0.0.1")).resolves.toMatchObject({ username: "admin" });
    expect(sleeps).toEqual([500]);
    expect(audit.entries.at(-1)).toMatchObject({ operation: "ADMIN_LOGIN", outcome: "SUCCESS" });
    expect(audit.entries.some((e) => e.outcome === "RATE_LIMITED" && e.detail.includes("127.0.0.66"))).toBe(true);
  });

  it("slows every attempt on an account guessed from many addresses, with a capped, doubling delay", async () => {
    const { service, sleeps, clock } = setup();
    await service.registerAdmin("admin", PASSWORD);
    for (let i = 0; i < 10; i++)
      await expect(service.login("admin", `guess ${i}`, `127.0.1.${i}`)).rejects.toMatchObject({
        kind: "unauthenticated",
      });
    expect(sleeps).toEqual([500, 1000, 2000, 4000, 4000]);
    await expect(service.login("admin", PASSWORD, "127.0.0.1")).resolves.toMatchObject({ username: "admin" });
    expect(sleeps.at(-1)).toBe(4000);
    // Success clears the account's failures; old failures stop counting after the window.
    await expect(service.login("admin", "again wrong", "127.0.2.1")).rejects.toMatchObject({ kind: "unauthenticated" });
    expect(sleeps).toHaveLength(6);
    clock.advance(901_000);
    await expect(service.login("admin", PASSWORD, "127.0.2.2")).resolves.toMatchObject({ username: "admin" });
    expect(sleeps).toHaveLength(6);
  });
});

describe("admin sessions", () => {
  it("expires sessions", async () => {
    const { service, clock } = setup();
    const session = await service.registerAdmin("admin", PASSWORD);
    clock.advance(3601_000);
    await expect(service.verifySession(session.token)).rejects.toMatchObject({
      kind: "unauthenticated",
      reason: "SESSION_EXPIRED",
    });
  });

  it("rejects alg none, other keys, other algorithms and other audiences", async () => {
    const { service, clock, sessionKey } = setup();
    await service.registerAdmin("admin", PASSWORD);
    const now = Math.floor(clock().getTime() / 1000);
    const claims = { iss: "novabox", aud: "novabox-admin", sub: "admin", iat: now, exp: now + 600 };
    const none = `${b64url({ alg: "none", typ: "JWT" })}.${b64url(claims)}.`;
    await expect(service.verifySession(none)).rejects.toMatchObject({
      kind: "unauthenticated",
      reason: "SESSION_INVALID",
    });
    const otherKey = await new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).sign(randomBytes(32));
    await expect(service.verifySession(otherKey)).rejects.toMatchObject({ reason: "SESSION_INVALID" });
    const hs512 = await new SignJWT(claims).setProtectedHeader({ alg: "HS512" }).sign(new Uint8Array(sessionKey));
    await expect(service.verifySession(hs512)).rejects.toMatchObject({ reason: "SESSION_INVALID" });
    const otherAudience = await new SignJWT({ ...claims, aud: "novabox-sso" })
      .setProtectedHeader({ alg: "HS256" })
      .sign(new Uint8Array(sessionKey));
    await expect(service.verifySession(otherAudience)).rejects.toMatchObject({ reason: "SESSION_INVALID" });
    await expect(service.verifySession(undefined)).rejects.toMatchObject({ reason: "SESSION_MISSING" });
  });

  it("refuses a session key shorter than 32 bytes", () => {
    const clock = fakeClock();
    expect(() =>
      createAdminService({
        admins: fakeAdminStore(clock),
        audit: fakeAuditLog(),
        sessionKey: new Uint8Array(16),
        clock,
      }),
    ).toThrow(/32 bytes/);
  });
});

describe("password change", () => {
  it("requires the current password, ends earlier sessions and issues a new one", async () => {
    const { service, clock, audit } = setup();
    const first = await service.registerAdmin("admin", PASSWORD);
    clock.advance(1000);
    // The caller's auth step (handlers/auth.ts) verifies the session and hands over its admin.
    const { username } = await service.verifySession(first.token);
    await expect(service.changePassword(username, "not the current", "a brand new password")).rejects.toMatchObject({
      kind: "forbidden",
      reason: "WRONG_CURRENT_PASSWORD",
      field: "current_password",
    });
    await expect(service.changePassword(username, PASSWORD, "too short")).rejects.toMatchObject({
      kind: "invalid-input",
      field: "new_password",
    });
    await expect(service.changePassword(username, PASSWORD, PASSWORD)).rejects.toMatchObject({
      reason: "PASSWORD_UNCHANGED",
    });
    const second = await service.changePassword(username, PASSWORD, "a brand new password");
    await expect(service.verifySession(first.token)).rejects.toMatchObject({ reason: "SESSION_REVOKED" });
    await expect(service.verifySession(second.token)).resolves.toMatchObject({ username: "admin" });
    await expect(service.login("admin", "a brand new password")).resolves.toMatchObject({ username: "admin" });
    // Without a session the auth step refuses before any password is checked.
    await expect(service.verifySession(undefined)).rejects.toMatchObject({
      kind: "unauthenticated",
    });
    expect(audit.entries.filter((e) => e.operation === "PASSWORD_CHANGE").map((e) => e.outcome)).toEqual([
      "DENIED",
      "INVALID",
      "INVALID",
      "SUCCESS",
    ]);
    expect(JSON.stringify(audit.entries)).not.toMatch(/brand new password|sufficiently long/);
  });
});
