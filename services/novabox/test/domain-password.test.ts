import { describe, expect, it } from "@jest/globals";
import { checkPasswordPolicy, hashPassword, verifyPassword } from "../src/domain/password.js";
import { WeakPasswordError } from "../src/domain/errors.js";

const fast = { N: 2 ** 10, r: 8, p: 1 };

describe("password hashing", () => {
  it("hashes with the default cost into the documented format and verifies", async () => {
    const hash = await hashPassword("correct horse battery staple");
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    await expect(verifyPassword("correct horse battery staple", hash)).resolves.toBe(true);
    await expect(verifyPassword("correct horse battery stapler", hash)).resolves.toBe(false);
  });

  it("salts every hash", async () => {
    expect(await hashPassword("same password!!", fast)).not.toBe(await hashPassword("same password!!", fast));
  });

  it("treats malformed or tampered hashes as no match", async () => {
    const hash = await hashPassword("a long password", fast);
    await expect(verifyPassword("a long password", "plain")).resolves.toBe(false);
    await expect(verifyPassword("a long password", hash.replace("scrypt$1024", "scrypt$1073741824"))).resolves.toBe(
      false,
    );
    await expect(verifyPassword("a long password", hash.replace("scrypt$1024", "scrypt$1000"))).resolves.toBe(false);
  });
});

describe("password policy", () => {
  it("requires 12 characters and names the field", () => {
    expect(() => checkPasswordPolicy("short", "new_password")).toThrow(WeakPasswordError);
    let error: unknown;
    try {
      checkPasswordPolicy("elevenchars", "new_password");
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ kind: "invalid-input", field: "new_password", reason: "WEAK_PASSWORD" });
    expect((error as Error).message).toContain("at least 12 characters");
    expect(() => checkPasswordPolicy("twelve chars")).not.toThrow();
    expect(() => checkPasswordPolicy(" ".repeat(12))).toThrow(WeakPasswordError);
  });
});
