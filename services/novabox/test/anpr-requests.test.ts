import { describe, expect, it } from "@jest/globals";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { anprSpecDir, createXsdValidator } from "#shared/anpr/xsd.js";
import {
  buildRichiesta3002,
  buildRichiesta6001,
  buildRichiestaConnessione,
  formatDateTime,
  type TestataInput,
} from "../src/anpr-client/requests.js";
import type { CertificateRequestInput } from "../src/domain/model.js";
import { requireTool } from "../../../test/support/tools.js";
import { run } from "../../../test/support/process.js";

const testata: TestataInput = {
  idOperazioneComune: "POST1234567",
  codMittente: "022205",
  environment: "TEST",
  now: new Date("2026-11-23T09:30:00.123Z"),
};

const base: CertificateRequestInput = {
  certificateTypes: [1],
  subject: { fiscalCode: "RSSMRA85T10A562S", surname: "ROSSI", name: "MARIO" },
  officer: { surname: "BIANCHI", name: "ANNA" },
  requesterType: 1,
  useAbroad: 0,
  issuance: 1,
  stampDuty: { paidCents: 1600 },
  feesCents: 0,
};

/** Every variant the Novabox can send: each type, contestuale, languages, exemptions, preview, abroad. */
const variants: [string, CertificateRequestInput][] = [
  ...Array.from({ length: 20 }, (_, i): [string, CertificateRequestInput] => [
    `type ${i + 1}`,
    { ...base, certificateTypes: [i + 1] },
  ]),
  ["contestuale 1+2+3", { ...base, certificateTypes: [1, 2, 3] }],
  ["German (bilingual: IT and DE, italia/anpr#4682), preview", { ...base, languages: ["IT", "DE"], issuance: 3 }],
  ["exempt, table 39 id 5", { ...base, stampDuty: { exemption: 5 } }],
  [
    "exempt, other (99) with text",
    { ...base, stampDuty: { exemption: 99, exemptionText: "Uso pensione estera (art. 9 tab. B) & altro" } },
  ],
  ["use abroad, requester is the subject", { ...base, useAbroad: 4, requesterType: 2 }],
  [
    "name with apostrophe",
    { ...base, subject: { fiscalCode: "DLLGNN80A01L378X", surname: "DELL'ORTO", name: "GIANNI" } },
  ],
];

describe("ANPR request bodies", () => {
  const v6001 = createXsdValidator("certificazione6001");
  const v3000 = createXsdValidator("consultazione3000");
  const vConn = createXsdValidator("connessione");

  it.each(variants)("Richiesta6001 (%s) validates against the official XSD", async (_name, input) => {
    await expect(v6001.validate(buildRichiesta6001(testata, input))).resolves.toEqual({ valid: true });
  });

  it("Richiesta3002 and RichiestaConnessione validate against the official XSD", async () => {
    await expect(
      v3000.validate(buildRichiesta3002(testata, { fiscalCode: "RSSMRA85T10A562S", referenceDate: testata.now })),
    ).resolves.toEqual({ valid: true });
    await expect(vConn.validate(buildRichiestaConnessione(testata))).resolves.toEqual({ valid: true });
  });

  it("validates with the real xmllint too", async () => {
    const xmllint = requireTool("xmllint");
    const dir = mkdtempSync(join(tmpdir(), "anpr-req-"));
    try {
      const specs = fileURLToPath(anprSpecDir);
      const cases: [string, string][] = [
        ...variants.map(([, input]): [string, string] => [
          buildRichiesta6001(testata, input),
          "soap-official/6001certificazione.xsd",
        ]),
        [
          buildRichiesta3002(testata, {
            fiscalCode: "RSSMRA85T10A562S",
            referenceDate: testata.now,
            requestedData: [1, 2],
          }),
          "soap-official/3000consultazione.xsd",
        ],
      ];
      for (const [i, [xml, xsd]] of cases.entries()) {
        const file = join(dir, `req-${i}.xml`);
        writeFileSync(file, xml);
        const result = await run(xmllint, ["--noout", "--schema", join(specs, xsd), file]);
        expect(`${result.code} ${result.stderr.trim()}`).toBe(`0 ${file} validates`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("puts the header fields where ANPR reads them", () => {
    const xml = buildRichiesta6001(testata, { ...base, stampDuty: { exemption: 99, exemptionText: "a < b" } });
    expect(xml).toContain("<idOperazioneComune>POST1234567</idOperazioneComune><codMittente>022205</codMittente>");
    expect(xml).toContain("<tipoInvio>TEST</tipoInvio>");
    expect(xml).toContain(
      "<bollo>0</bollo><diritti>0</diritti><esenzioneBollo>99</esenzioneBollo><descrizioneEsenzioneBollo>a &lt; b</descrizioneEsenzioneBollo>",
    );
  });

  it("formats times in Europe/Rome with the offset", () => {
    expect(formatDateTime(new Date("2026-11-23T09:30:00.123Z"))).toBe("2026-11-23T10:30:00.123+01:00");
    expect(formatDateTime(new Date("2026-07-01T22:15:05.007Z"))).toBe("2026-07-02T00:15:05.007+02:00");
  });
});
