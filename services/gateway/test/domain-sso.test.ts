import { describe, expect, it } from "@jest/globals";
import { generateKeyPairSync } from "node:crypto";
import { SignJWT } from "jose";
import { createDevSsoIssuer, demoTobacconists } from "../src/domain/dev-sso.js";
import { SsoTokenError, TobacconistMismatchError, UnknownTobacconistError } from "../src/domain/errors.js";
import { createSsoVerifier, singleKeyResolver } from "#shared/mesh/sso-verifier.js";
import { effectiveTobacconistId } from "#shared/mesh/sso-token.js";

const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const ISSUER = "https://sso.novares.dev";
const AUDIENCE = "novabox";
const fixedNow = new Date("2025-11-23T09:00:00Z");
const clock = () => fixedNow;

describe("development SSO issuer + gateway verifier", () => {
  const issuer = createDevSsoIssuer({ privateKey: rsa.privateKey, issuer: ISSUER, audience: AUDIENCE, clock });
  const verifier = createSsoVerifier({
    trust: () => ({ keys: singleKeyResolver(rsa.publicKey), issuer: ISSUER, audience: AUDIENCE }),
    clock,
  });

  it("issues an 8-hour RS256 token for a demo tobacconist that the verifier accepts", async () => {
    const issued = await issuer.issue({ tobacconistId: "TAB-0001" });
    expect(issued.expiresAt.getTime() - fixedNow.getTime()).toBe(8 * 3600 * 1000);
    expect(issued.name).toBe(demoTobacconists[0]!.name);
    await expect(verifier.verify(`Bearer ${issued.token}`)).resolves.toMatchObject({
      tobacconistId: "TAB-0001",
      name: "Tabaccheria Centrale",
      expiresAt: issued.expiresAt,
    });
  });

  it("refuses tobacconists outside the demo list and empty ids", async () => {
    await expect(issuer.issue({ tobacconistId: "TAB-0006" })).rejects.toBeInstanceOf(UnknownTobacconistError);
    await expect(issuer.issue({ tobacconistId: " " })).rejects.toMatchObject({ kind: "invalid-input" });
  });

  it("refuses an expired token, a missing header, and a token without sub", async () => {
    const late = createSsoVerifier({
      trust: () => ({ keys: singleKeyResolver(rsa.publicKey), issuer: ISSUER, audience: AUDIENCE }),
      clock: () => new Date(fixedNow.getTime() + 9 * 3600 * 1000),
    });
    const issued = await issuer.issue({ tobacconistId: "TAB-0002" });
    await expect(late.verify(`Bearer ${issued.token}`)).rejects.toMatchObject({
      reason: "TOKEN_EXPIRED",
      kind: "unauthenticated",
    });
    await expect(verifier.verify(undefined)).rejects.toMatchObject({ reason: "TOKEN_MISSING" });
    await expect(verifier.verify(issued.token)).rejects.toMatchObject({ reason: "TOKEN_MISSING" });
    const now = Math.floor(fixedNow.getTime() / 1000);
    const noSub = await new SignJWT({})
      .setProtectedHeader({ alg: "RS256" })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime(now + 60)
      .sign(rsa.privateKey);
    await expect(verifier.verify(`Bearer ${noSub}`)).rejects.toBeInstanceOf(SsoTokenError);
  });

  it("refuses a key that is not a readable public key, or of a type no SSO algorithm is pinned to", () => {
    const x25519 = generateKeyPairSync("x25519");
    expect(() => singleKeyResolver(x25519.publicKey)).toThrow(/RSA, P-256 or Ed25519/);
    expect(() => singleKeyResolver("not a key")).toThrow(/PEM/);
  });
});

describe("tobacconist guard", () => {
  const identity = { tobacconistId: "TAB-0001", expiresAt: fixedNow };
  it("fills an empty tobacconist id from the token and accepts the same id", () => {
    expect(effectiveTobacconistId(identity, "")).toBe("TAB-0001");
    expect(effectiveTobacconistId(identity, "TAB-0001")).toBe("TAB-0001");
  });
  it("refuses another tobacconist", () => {
    expect(() => effectiveTobacconistId(identity, "TAB-0002")).toThrow(TobacconistMismatchError);
  });
});
