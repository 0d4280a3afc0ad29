import { describe, expect, it } from "@jest/globals";
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { SignJWT, type JWTPayload } from "jose";
import { assertNotRevoked, createBoxSsoVerifier } from "../src/domain/sso.js";
import { fakeClock, testSettings } from "./fakes.js";

const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
const ed = generateKeyPairSync("ed25519");
const pem = (key: KeyObject) => key.export({ type: "spki", format: "pem" }).toString();

const ISSUER = "https://sso.novares.test";
const AUDIENCE = "novabox";

function setup(publicKey: KeyObject = rsa.publicKey, overrides: Parameters<typeof testSettings>[0] = {}) {
  const clock = fakeClock();
  let settings = testSettings({
    ssoPublicKeyPem: pem(publicKey),
    ssoIssuer: ISSUER,
    ssoAudience: AUDIENCE,
    ...overrides,
  });
  const verifier = createBoxSsoVerifier({ settings: () => settings, clock });
  const now = Math.floor(clock().getTime() / 1000);
  const claims: JWTPayload = {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: "tab-0042",
    name: "Tabaccheria Centrale",
    iat: now,
    exp: now + 300,
  };
  return { clock, verifier, claims, now, setSettings: (s: typeof settings) => (settings = s) };
}

const sign = (claims: JWTPayload, alg = "RS256", key: KeyObject | Uint8Array = rsa.privateKey) =>
  new SignJWT(claims).setProtectedHeader({ alg, typ: "JWT" }).sign(key);
const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");

describe("SSO verifier", () => {
  it("accepts a valid RS256 token and returns the tobacconist", async () => {
    const { verifier, claims } = setup();
    await expect(verifier.verify(`Bearer ${await sign(claims)}`)).resolves.toMatchObject({
      tobacconistId: "tab-0042",
      name: "Tabaccheria Centrale",
    });
  });

  it("pins ES256 to P-256 keys and EdDSA to Ed25519 keys", async () => {
    const es = setup(ec.publicKey);
    await expect(es.verifier.verify(await sign(es.claims, "ES256", ec.privateKey))).resolves.toMatchObject({
      tobacconistId: "tab-0042",
    });
    const eddsa = setup(ed.publicKey);
    await expect(eddsa.verifier.verify(await sign(eddsa.claims, "EdDSA", ed.privateKey))).resolves.toMatchObject({
      tobacconistId: "tab-0042",
    });
    await expect(eddsa.verifier.verify(await sign(eddsa.claims))).rejects.toMatchObject({
      reason: "TOKEN_ALGORITHM_NOT_ALLOWED",
    });
  });

  it("refuses an expired token, with a small skew", async () => {
    const { verifier, claims, clock, now } = setup();
    const token = await sign({ ...claims, exp: now + 10 });
    clock.advance(35_000);
    await expect(verifier.verify(token)).resolves.toBeDefined();
    clock.advance(10_000);
    await expect(verifier.verify(token)).rejects.toMatchObject({
      kind: "unauthenticated",
      reason: "TOKEN_EXPIRED",
      message: expect.stringContaining("expired"),
    });
  });

  it("refuses a token not yet valid", async () => {
    const { verifier, claims, now } = setup();
    await expect(verifier.verify(await sign({ ...claims, nbf: now + 120 }))).rejects.toMatchObject({
      reason: "TOKEN_NOT_YET_VALID",
    });
  });

  it("refuses a wrong issuer or audience", async () => {
    const { verifier, claims } = setup();
    await expect(verifier.verify(await sign({ ...claims, iss: "https://evil.test" }))).rejects.toMatchObject({
      kind: "unauthenticated",
      reason: "TOKEN_WRONG_ISSUER",
    });
    await expect(verifier.verify(await sign({ ...claims, aud: "someone-else" }))).rejects.toMatchObject({
      kind: "unauthenticated",
      reason: "TOKEN_WRONG_AUDIENCE",
    });
  });

  it("refuses a token signed by another key", async () => {
    const { verifier, claims } = setup();
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 });
    await expect(verifier.verify(await sign(claims, "RS256", other.privateKey))).rejects.toMatchObject({
      reason: "TOKEN_BAD_SIGNATURE",
    });
  });

  it("refuses HS256 signed with the public key as the secret (algorithm confusion)", async () => {
    const { verifier, claims } = setup();
    const forged = await sign(claims, "HS256", new TextEncoder().encode(pem(rsa.publicKey)));
    await expect(verifier.verify(forged)).rejects.toMatchObject({
      kind: "unauthenticated",
      reason: "TOKEN_ALGORITHM_NOT_ALLOWED",
    });
  });

  it("refuses alg none", async () => {
    const { verifier, claims } = setup();
    const none = `${b64url({ alg: "none", typ: "JWT" })}.${b64url(claims)}.`;
    await expect(verifier.verify(none)).rejects.toMatchObject({
      kind: "unauthenticated",
      reason: "TOKEN_ALGORITHM_NOT_ALLOWED",
      message: expect.stringContaining("alg none"),
    });
  });

  it("refuses missing, malformed and subject-less tokens", async () => {
    const { verifier, claims } = setup();
    await expect(verifier.verify(undefined)).rejects.toMatchObject({ reason: "TOKEN_MISSING" });
    await expect(verifier.verify("not-a-jwt")).rejects.toMatchObject({ reason: "TOKEN_MALFORMED" });
    const { sub: _sub, ...noSub } = claims;
    await expect(verifier.verify(await sign(noSub))).rejects.toMatchObject({ kind: "unauthenticated" });
  });

  it("refuses a revoked tobacconist with forbidden, in the domain's one check and not in the token's", async () => {
    const revokedTobacconists = [{ tobacconistId: "tab-0042", reason: "contract ended", revokedAt: new Date() }];
    const { verifier, claims } = setup(rsa.publicKey, { revokedTobacconists });
    // The token is the tobacconist's own and valid: authentication passes...
    await expect(verifier.verify(await sign(claims))).resolves.toMatchObject({ tobacconistId: "tab-0042" });
    // ...and the domain refuses the call once, where it is audited (domain-certification, handlers-in-memory tests).
    expect(() => assertNotRevoked({ revokedTobacconists }, "tab-0042")).toThrow(
      expect.objectContaining({ kind: "forbidden", reason: "TOBACCONIST_REVOKED" }),
    );
    expect(() => assertNotRevoked({ revokedTobacconists }, "tab-0043")).not.toThrow();
  });

  it("accepts a kept token again only under the same key, issuer and audience, until it expires, and never skips revocation", async () => {
    const { verifier, claims, clock, now, setSettings } = setup();
    const trusted = testSettings({ ssoPublicKeyPem: pem(rsa.publicKey), ssoIssuer: ISSUER, ssoAudience: AUDIENCE });
    setSettings(trusted);
    const token = await sign({ ...claims, exp: now + 60 });
    const first = await verifier.verify(`Bearer ${token}`);
    first.tobacconistId = "changed by a caller";
    // Kept: the same answer, not the object a caller changed.
    await expect(verifier.verify(`Bearer ${token}`)).resolves.toMatchObject({ tobacconistId: "tab-0042" });
    setSettings({ ...trusted, ssoAudience: "another-box" });
    await expect(verifier.verify(token)).rejects.toMatchObject({ reason: "TOKEN_WRONG_AUDIENCE" });
    setSettings({ ...trusted, ssoIssuer: "https://other.test" });
    await expect(verifier.verify(token)).rejects.toMatchObject({ reason: "TOKEN_WRONG_ISSUER" });
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 });
    setSettings({ ...trusted, ssoPublicKeyPem: pem(other.publicKey) });
    await expect(verifier.verify(token)).rejects.toMatchObject({ reason: "TOKEN_BAD_SIGNATURE" });
    setSettings(trusted);
    await expect(verifier.verify(token)).resolves.toMatchObject({ tobacconistId: "tab-0042" });
    // Revocation is the settings' question at every call, whatever the verifier kept.
    const revoked = {
      ...trusted,
      revokedTobacconists: [{ tobacconistId: "tab-0042", reason: "contract ended", revokedAt: clock() }],
    };
    setSettings(revoked);
    await expect(verifier.verify(token)).resolves.toMatchObject({ tobacconistId: "tab-0042" });
    expect(() => assertNotRevoked(revoked, "tab-0042")).toThrow(
      expect.objectContaining({ reason: "TOBACCONIST_REVOKED" }),
    );
    setSettings(trusted);
    clock.advance(89_000);
    await expect(verifier.verify(token)).resolves.toBeDefined();
    clock.advance(2_000);
    await expect(verifier.verify(token)).rejects.toMatchObject({ reason: "TOKEN_EXPIRED" });
  });

  it("is precondition-failed when SSO is not configured or the key is unusable", async () => {
    const { verifier, claims, setSettings } = setup();
    const token = await sign(claims);
    setSettings(testSettings({ ssoPublicKeyPem: "" }));
    await expect(verifier.verify(token)).rejects.toMatchObject({
      kind: "precondition-failed",
      reason: "SSO_NOT_CONFIGURED",
      message: expect.stringContaining("sso_public_key_pem"),
    });
    setSettings(testSettings({ ssoPublicKeyPem: "-----BEGIN PUBLIC KEY-----\ngarbage\n-----END PUBLIC KEY-----\n" }));
    await expect(verifier.verify(token)).rejects.toMatchObject({
      kind: "precondition-failed",
      reason: "SSO_KEY_UNSUPPORTED",
    });
    const p384 = generateKeyPairSync("ec", { namedCurve: "P-384" });
    setSettings(testSettings({ ssoPublicKeyPem: pem(p384.publicKey), ssoIssuer: ISSUER, ssoAudience: AUDIENCE }));
    await expect(verifier.verify(token)).rejects.toMatchObject({
      kind: "precondition-failed",
      reason: "SSO_KEY_UNSUPPORTED",
    });
  });
});
