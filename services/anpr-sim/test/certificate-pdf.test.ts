import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { inflateSync } from "node:zlib";
import QRCode from "qrcode";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodePDFRawStream, PDFArray, PDFDocument, PDFRawStream, type PDFPage } from "pdf-lib";
import { requireTool } from "../../../test/support/tools.js";
import {
  certificateFingerprint,
  issueCertificate,
  type CertificateContent,
  type CertificateRequest,
} from "../src/domain/certification.js";
import { qrCodePng, renderCertificatePdf, verificationUrl } from "../src/domain/certificate-pdf.js";
import { createPopulation, DEMO_CITIZENS, type Population } from "../src/domain/population.js";

let population: Population;
let dir: string;
let pdfinfo: string;
let pdftotext: string;

beforeAll(() => {
  pdfinfo = requireTool("pdfinfo");
  pdftotext = requireTool("pdftotext");
  population = createPopulation({ residentsPerComune: 200 });
  dir = mkdtempSync(join(tmpdir(), "certificate-pdf-"));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function content(who: keyof typeof DEMO_CITIZENS, overrides: Partial<CertificateRequest> = {}): CertificateContent {
  const d = DEMO_CITIZENS[who];
  return issueCertificate(population, {
    comuneCode: d.comuneIstatCode,
    subject: { fiscalCode: d.fiscalCode, surname: d.surname, name: d.name },
    certificateTypes: [8, 12],
    emissione: 1,
    stampDuty: { kind: "paid", amountCents: 1600 },
    issuedAt: "2025-06-30T10:15:00+02:00",
    protocolNumber: "202500004711",
    ...overrides,
  }).content;
}

let fileNo = 0;

/** Writes the PDF, checks pdfinfo accepts it, and returns pdfinfo's fields and the text. */
function inspect(pdf: Uint8Array): { info: Record<string, string>; text: string; pageText: (page: number) => string } {
  const file = join(dir, `certificate-${++fileNo}.pdf`);
  writeFileSync(file, pdf);
  const info = Object.fromEntries(
    execFileSync(pdfinfo, ["-isodates", file], { encoding: "utf8" })
      .split("\n")
      .map((line) => /^([^:]+):\s*(.*)$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1] ?? "", m[2] ?? ""]),
  );
  const text = execFileSync(pdftotext, ["-layout", "-enc", "UTF-8", file, "-"], { encoding: "utf8" });
  const pageText = (page: number): string =>
    execFileSync(pdftotext, ["-f", String(page), "-l", String(page), "-enc", "UTF-8", file, "-"], { encoding: "utf8" });
  return { info, text, pageText };
}

/** The decoded content streams of a page. */
function pageContent(page: PDFPage): string {
  const contents = page.node.Contents();
  const streams =
    contents instanceof PDFArray ? contents.asArray().map((ref) => page.doc.context.lookup(ref)) : [contents];
  return streams
    .map((s) => (s instanceof PDFRawStream ? Buffer.from(decodePDFRawStream(s).decode()).toString("latin1") : ""))
    .join("\n");
}

/** Hex form of "ANTEPRIMA" as pdf-lib writes text with standard fonts. */
const WATERMARK_HEX = Buffer.from("ANTEPRIMA").toString("hex").toUpperCase();

describe("renderCertificatePdf", () => {
  it("renders an issued certificate that pdfinfo accepts, with metadata, names, protocol and contrassegno", async () => {
    const c = content("marioRossi", { certificateTypes: [8, 16, 3] });
    const pdf = await renderCertificatePdf(c);
    const { info, text } = inspect(pdf);
    expect(info.Pages).toBe("1");
    expect(info["Page size"]).toContain("595.28 x 841.89 pts (A4)");
    expect(info.Title).toBe("CERTIFICATO CONTESTUALE - Prot. 202500004711");
    expect(info.Producer).toBe("ANPR simulator");
    expect(info.Creator).toBe("ANPR simulator");
    expect(info.Author).toBe("Comune di TRENTO");
    expect(info.CreationDate).toBe("2025-06-30T08:15:00Z");
    expect(text).toContain("Ministero dell'Interno — ANPR");
    expect(text).toContain("Comune di TRENTO (TN)");
    expect(text).toContain("CERTIFICATO CONTESTUALE");
    expect(text).toContain("CERTIFICATO DI STATO DI FAMIGLIA CON RAPPORTI DI PARENTELA");
    expect(text).toContain("ROSSI");
    expect(text).toContain("MARIO");
    expect(text).toContain("BIANCHI GIULIA");
    expect(text).toContain("RSSMRA85T10A562S");
    expect(text).toContain("Protocollo ANPR n. 202500004711");
    expect(text).toContain("Data di rilascio: 30/06/2025");
    expect(text).toContain("Bollo assolto (€ 16,00)");
    expect(text).toContain(`https://anpr-sim.local/verifica/202500004711?h=${certificateFingerprint(c).slice(0, 16)}`);
    expect(text).not.toContain("ANTEPRIMA");
  });

  it("draws the contrassegno as an image encoding the verification URL", async () => {
    const c = content("marioRossi");
    expect(verificationUrl(c)).toBe(
      `https://anpr-sim.local/verifica/202500004711?h=${certificateFingerprint(c).slice(0, 16)}`,
    );
    expect(verificationUrl(c, "https://verify.example/v/")).toMatch(
      /^https:\/\/verify\.example\/v\/202500004711\?h=[0-9a-f]{16}$/,
    );
    const doc = await PDFDocument.load(await renderCertificatePdf(c));
    const images = doc.context
      .enumerateIndirectObjects()
      .filter(([, obj]) => obj instanceof PDFRawStream && obj.dict.toString().includes("/Subtype /Image"));
    expect(images.length).toBeGreaterThanOrEqual(1);
    const [page] = doc.getPages();
    expect(page && pageContent(page)).not.toContain(WATERMARK_HEX);
  });

  it("encodes the QR modules of the URL in a valid greyscale PNG", () => {
    const url = "https://anpr-sim.local/verifica/202500004711?h=0123456789abcdef";
    const png = Buffer.from(qrCodePng(url));
    expect(png.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
    const side = png.readUInt32BE(16);
    expect(png.readUInt32BE(20)).toBe(side);
    expect([...png.subarray(24, 29)]).toEqual([8, 0, 0, 0, 0]);
    const idatLength = png.readUInt32BE(33);
    expect(png.subarray(37, 41).toString("latin1")).toBe("IDAT");
    const pixels = inflateSync(png.subarray(41, 41 + idatLength));
    const { modules } = QRCode.create(url, { errorCorrectionLevel: "M" });
    expect(side).toBe((modules.size + 4) * 4);
    const pixel = (x: number, y: number): number | undefined => pixels[y * (side + 1) + 1 + x];
    const mismatches: string[] = [];
    for (let r = -2; r < modules.size + 2; r++) {
      for (let c = -2; c < modules.size + 2; c++) {
        const dark = r >= 0 && c >= 0 && r < modules.size && c < modules.size && modules.get(r, c) === 1;
        if ((pixel((c + 2) * 4 + 2, (r + 2) * 4 + 2) === 0) !== dark) mismatches.push(`${r},${c}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it("marks previews ANTEPRIMA on every page, without protocol number or contrassegno", async () => {
    const base = content("marioRossi", { emissione: 3 });
    expect(base.preview).toBe(true);
    // make it long enough to need several pages
    const long: CertificateContent = {
      ...base,
      sections: [
        ...base.sections,
        {
          typeId: 9,
          title: "CERTIFICATO STORICO DI RESIDENZA",
          statements: ["Risultano le seguenti residenze:"],
          fields: Array.from({ length: 90 }, (_, i) => ({ label: "Periodo", value: `residenza numero ${i + 1}` })),
        },
      ],
    };
    const pdf = await renderCertificatePdf(long);
    const { info, text, pageText } = inspect(pdf);
    const pages = Number(info.Pages);
    expect(pages).toBeGreaterThan(1);
    expect(text).toContain("ANTEPRIMA");
    expect(text).toContain("ROSSI");
    expect(text).not.toContain("Protocollo ANPR n.");
    expect(text).not.toContain("anpr-sim.local/verifica");
    expect(info.Title).toBe("CERTIFICATO CONTESTUALE (ANTEPRIMA)");
    for (let p = 1; p <= pages; p++) expect(pageText(p)).toContain("ANTEPRIMA");
    const doc = await PDFDocument.load(pdf);
    for (const page of doc.getPages()) expect(pageContent(page)).toContain(`<${WATERMARK_HEX}> Tj`);
    const images = doc.context
      .enumerateIndirectObjects()
      .filter(([, obj]) => obj instanceof PDFRawStream && obj.dict.toString().includes("/Subtype /Image"));
    expect(images).toHaveLength(0);
  });

  it("renders bilingual German certificates with their special characters", async () => {
    const { text } = inspect(
      await renderCertificatePdf(content("lukasGruber", { certificateTypes: [5], language: "DE" })),
    );
    expect(text).toContain("STAATSBÜRGERSCHAFTSBESCHEINIGUNG");
    expect(text).toContain("Staatsbürgerschaft");
    expect(text).toContain("GRUBER");
    expect(text).toContain("Gemeinde BOZEN");
  });

  it("replaces characters standard fonts cannot encode instead of failing", async () => {
    const base = content("marioRossi");
    const odd: CertificateContent = {
      ...base,
      generalita: [...base.generalita, { label: "Nota", value: "ŁUKASZ 王 Ωmega" }],
    };
    const { text } = inspect(await renderCertificatePdf(odd));
    expect(text).toContain("?UKASZ ? ?mega");
  });

  it("is deterministic: the same content gives the same bytes", async () => {
    const c = content("giuseppeMoser", { certificateTypes: [2] });
    const a = await renderCertificatePdf(c);
    const b = await renderCertificatePdf(c);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });
});
