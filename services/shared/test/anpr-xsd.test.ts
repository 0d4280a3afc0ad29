import { describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { anprSpecDir, createXsdValidator } from "../src/anpr/xsd.js";

const sample = (name: string) => readFileSync(new URL(`anpr-client-example/${name}`, anprSpecDir), "utf8");

describe("official XSD validation (libxml2-wasm, compiled once)", () => {
  const v6001 = createXsdValidator("certificazione6001");
  const v3000 = createXsdValidator("consultazione3000");
  const vConn = createXsdValidator("connessione");

  it("accepts ANPR's sample requests", async () => {
    await expect(v6001.validate(sample("6001_888013_FREE.req"))).resolves.toEqual({ valid: true });
    await expect(v3000.validate(sample("3002_888002_FREE.req"))).resolves.toEqual({ valid: true });
    await expect(vConn.validate(sample("testConn_FREE.req"))).resolves.toEqual({ valid: true });
  });

  it("names the element at fault in an invalid body", async () => {
    const broken = sample("6001_888013_FREE.req").replace(
      "<tipoCertificato>8</tipoCertificato>",
      "<tipoCertificato>ottanta</tipoCertificato>",
    );
    const result = await v6001.validate(broken);
    expect(result.valid).toBe(false);
    expect(result.valid ? "" : result.errors.join("\n")).toContain("tipoCertificato");
  });

  it("rejects a body for the wrong service", async () => {
    const result = await v6001.validate(sample("3002_888002_FREE.req"));
    expect(result.valid).toBe(false);
  });

  it("reuses one compiled schema: verdicts do not leak from one document to the next", () => {
    const good = sample("6001_888013_FREE.req");
    const bad = good.replace("<tipoCertificato>8</tipoCertificato>", "<tipoCertificato>ottanta</tipoCertificato>");
    const verdicts = [good, bad, good, "<not-xml", good].map((xml) => v6001.validateSync(xml).valid);
    expect(verdicts).toEqual([true, false, true, false, true]);
  });

  it("reports malformed XML as invalid with the parser's message", () => {
    const result = v6001.validateSync("<Richiesta6001><unclosed></Richiesta6001>");
    expect(result.valid).toBe(false);
    expect(result.valid ? [] : result.errors).not.toHaveLength(0);
  });
});
