import { describe, expect, it } from "@jest/globals";
import { bearerToken } from "../src/mesh/bearer-token.js";

describe("bearerToken", () => {
  it("reads the one word after the Bearer scheme, in any letter case, around spaces", () => {
    expect(bearerToken("Bearer abc.def.ghi")).toBe("abc.def.ghi");
    expect(bearerToken("  bearer   abc  ")).toBe("abc");
  });

  it("refuses an absent, blank, other-scheme or multi-word value", () => {
    for (const value of [undefined, "", "   ", "Basic dXNlcjpwYXNz", "Bearer a b", "Bearer"])
      expect(bearerToken(value)).toBeUndefined();
  });

  it("takes a bare token only when asked to", () => {
    expect(bearerToken("abc.def.ghi")).toBeUndefined();
    expect(bearerToken("abc.def.ghi", { bareAccepted: true })).toBe("abc.def.ghi");
    expect(bearerToken("abc def", { bareAccepted: true })).toBeUndefined();
  });
});
