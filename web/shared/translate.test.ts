/**
 * The translation rules, and the German dictionary against the code: every message id the apps
 * use (t("…") in the screens, and the label, validation and error texts they pass through t) has a
 * German entry with the same placeholders — so no screen shows Italian to a German user.
 */
import { describe, expect, it } from "@jest/globals";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { german } from "./i18n-de.ts";
import { createTranslator, preferredLocale } from "./translate.ts";

const web = new URL("../", import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === "dist" || name === "node_modules") return [];
    if (statSync(path).isDirectory()) return sources(path);
    return /\.tsx?$/.test(name) && !name.endsWith(".test.ts") && !name.startsWith("i18n-de") ? [path] : [];
  });
}

const literal = /"((?:[^"\\]|\\.)*)"/g;
/** Message ids: t("…") arguments, plus every string of the files whose texts reach t() indirectly. */
function messageIds(): Map<string, string> {
  const ids = new Map<string, string>();
  const indirect =
    /(labels\.ts|validation\.ts|errors\.ts|LimitsForm\.tsx|MeshSettingsForm\.tsx|NovaresCheck\.tsx|AnprCredentialsStep\.tsx|SetupWizard\.tsx|ReplaceCertificates\.tsx|RevokedTobacconists\.tsx|LoginPage\.tsx|ChangePasswordPage\.tsx|AdminAccountStep\.tsx|AuditTable\.tsx|InstanceTable\.tsx|NovaresAlerts\.tsx|UnsettledIssuances\.tsx|WeeklySummary\.tsx)$/;
  for (const file of sources(web)) {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/\bt\(\s*"((?:[^"\\]|\\.)*)"/g)) ids.set(JSON.parse(`"${m[1]!}"`) as string, file);
    if (!indirect.test(file)) continue;
    for (const line of text.split("\n")) {
      if (
        /^\s*(import|\/\/|\*|\/\*\*)/.test(line) ||
        /(class|id|for|type|href|data-[\w-]+|autocomplete|inputmode|accept|name|fill)=/.test(line)
      )
        continue;
      for (const m of line.matchAll(literal)) {
        const value = JSON.parse(`"${m[1]!}"`) as string;
        // Italian words with a space or an accent; not field paths, codes or CSS
        if (/[a-zà-ù]{3}/.test(value) && /[ àèéìòù]/.test(value) && !/^[\w.]+$/.test(value) && !/^\d/.test(value))
          ids.set(value, file);
      }
    }
  }
  return ids;
}

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("the German dictionary", () => {
  it("has an entry for every message id the apps use", () => {
    const ids = messageIds();
    expect(ids.size).toBeGreaterThan(250);
    const missing = [...ids]
      .filter(([id]) => german[id] === undefined)
      .map(([id, file]) => `${file.slice(web.length)}: ${id}`);
    expect(missing).toEqual([]);
  });

  it("translates the texts the validation builds with numbers in them", () => {
    const t = createTranslator(german);
    const validation = readFileSync(join(web, "shared/validation.ts"), "utf8");
    const templates = [...validation.matchAll(/`([A-Z][^`]*[a-zà-ù]{3} [^`]*)`/g)].map((m) =>
      m[1]!.replace(/\$\{[^}]+\}/g, "7"),
    );
    expect(templates.length).toBeGreaterThanOrEqual(4);
    for (const text of templates) expect({ text, german: t("de", text) === text }).toEqual({ text, german: false });
    expect(t("de", "Inserire il numero di codici fiscali come numero intero.")).toBe(
      "Bitte die Anzahl der Steuernummern als ganze Zahl eingeben.",
    );
  });

  it("keeps the placeholders of each Italian id, and translates what it holds", () => {
    for (const [id, text] of Object.entries(german)) {
      expect({ id, placeholders: placeholders(text) }).toEqual({ id, placeholders: placeholders(id) });
    }
    const untranslated = Object.entries(german).filter(
      ([id, text]) => id === text && /[a-zà-ù]{4} [a-zà-ù]{3}/.test(id),
    );
    expect(untranslated).toEqual([]);
  });
});

describe("createTranslator", () => {
  const t = createTranslator({
    Esci: "Abmelden",
    "Almeno {n} caratteri.": "Mindestens {n} Zeichen.",
    "Conto di {month}": "Abrechnung {month}",
  });
  it("shows Italian as written and German from the dictionary, placeholders filled", () => {
    expect(t("it", "Esci")).toBe("Esci");
    expect(t("de", "Esci")).toBe("Abmelden");
    expect(t("it", "Conto di {month}", { month: "2026-11" })).toBe("Conto di 2026-11");
    expect(t("de", "Conto di {month}", { month: "2026-11" })).toBe("Abrechnung 2026-11");
  });
  it("translates a text formatted elsewhere through a placeholder entry, and leaves unknown text Italian", () => {
    expect(t("de", "Almeno 12 caratteri.")).toBe("Mindestens 12 Zeichen.");
    expect(t("de", "Testo senza traduzione")).toBe("Testo senza traduzione");
  });
});

describe("preferredLocale", () => {
  it("takes the first of Italian or German among the browser's languages, else Italian", () => {
    expect(preferredLocale(["de-IT", "it-IT"])).toBe("de");
    expect(preferredLocale(["en-GB", "it"])).toBe("it");
    expect(preferredLocale(["fr-FR"])).toBe("it");
    expect(preferredLocale([])).toBe("it");
  });
});
