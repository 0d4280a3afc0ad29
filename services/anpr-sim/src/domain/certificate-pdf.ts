/**
 * Renders certificate content (certification.ts) as the PDF the simulator returns in
 * `Risposta6001OK/file/certificatoPdf`: A4, the ministry/ANPR header with the Comune, the title(s),
 * the subject's data, stamp duty, protocol number, issue date and a QR-code contrassegno; previews
 * carry a diagonal "ANTEPRIMA" watermark on every page and no contrassegno.
 *
 * Standard PDF fonts only (Helvetica, WinAnsi): nothing is downloaded or read from disk. The output
 * is byte-for-byte deterministic for equal content, since every date in it is the issue date.
 */
import { deflateSync } from "node:zlib";
import { degrees, PDFDocument, rgb, StandardFonts, type PDFFont, type PDFImage, type PDFPage } from "pdf-lib";
import QRCode from "qrcode";
import { certificateFingerprint, type CertificateContent, type CertificateField } from "./certification.js";

/** Options of {@link renderCertificatePdf}. */
export interface CertificatePdfOptions {
  /** Base of the contrassegno's verification URL; default "https://anpr-sim.local/verifica". */
  verificationBaseUrl?: string;
}

/** Default base of verification URLs. */
export const DEFAULT_VERIFICATION_BASE_URL = "https://anpr-sim.local/verifica";

/**
 * The URL the contrassegno encodes: `<base>/<protocol>?h=<first 16 hex digits of the content's
 * SHA-256>`, so a verifier holding the content can check the printout was not altered. Undefined
 * for previews (no protocol, no contrassegno).
 */
export function verificationUrl(
  content: CertificateContent,
  baseUrl: string = DEFAULT_VERIFICATION_BASE_URL,
): string | undefined {
  if (content.preview || content.protocolNumber === undefined) return undefined;
  return `${baseUrl.replace(/\/+$/, "")}/${content.protocolNumber}?h=${certificateFingerprint(content).slice(0, 16)}`;
}

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), body.length + 4);
  return out;
}

/**
 * The QR code of `text` as an 8-bit greyscale PNG (error correction M, 2-module quiet zone,
 * 4 pixels per module). Built here from qrcode's module matrix rather than with its PNG renderer,
 * which goes through streams and is an order of magnitude slower.
 */
export function qrCodePng(text: string): Uint8Array {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: "M" });
  const quiet = 2;
  const scale = 4;
  const side = (modules.size + 2 * quiet) * scale;
  const raw = Buffer.alloc((side + 1) * side, 0xff);
  for (let y = 0; y < side; y++) {
    raw[y * (side + 1)] = 0; // filter: none
    const my = Math.floor(y / scale) - quiet;
    if (my < 0 || my >= modules.size) continue;
    for (let x = 0; x < side; x++) {
      const mx = Math.floor(x / scale) - quiet;
      if (mx >= 0 && mx < modules.size && modules.get(my, mx)) raw[y * (side + 1) + 1 + x] = 0;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(side, 0);
  header.writeUInt32BE(side, 4);
  header.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale, deflate, no filter, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", header),
    pngChunk("IDAT", deflateSync(raw)),
    pngChunk("IEND", new Uint8Array(0)),
  ]);
}

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 56;
const FOOTER = 40;
const TEXT = rgb(0.1, 0.1, 0.1);
const GREY = rgb(0.45, 0.45, 0.45);
const ACCENT = rgb(0.05, 0.25, 0.5);

interface Fonts {
  regular: PDFFont;
  bold: PDFFont;
  italic: PDFFont;
  /** Code points Helvetica can encode (WinAnsi), shared by the three faces. */
  charset: ReadonlySet<number>;
}

/** Lays text out top to bottom, opening pages as needed. */
class Layout {
  readonly pages: PDFPage[] = [];
  private page: PDFPage;
  private y = 0;
  private readonly width = A4[0] - 2 * MARGIN;

  constructor(
    private readonly doc: PDFDocument,
    private readonly fonts: Fonts,
  ) {
    this.page = this.newPage();
  }

  private newPage(): PDFPage {
    const page = this.doc.addPage(A4);
    this.pages.push(page);
    this.page = page;
    this.y = A4[1] - MARGIN;
    return page;
  }

  /** Characters Helvetica cannot encode become "?", so odd input never breaks rendering. */
  safe(text: string): string {
    let out = "";
    for (const ch of text) out += this.fonts.charset.has(ch.codePointAt(0) ?? 0) ? ch : "?";
    return out;
  }

  private wrap(text: string, font: PDFFont, size: number, width: number): string[] {
    const lines: string[] = [];
    let line = "";
    const fits = (t: string): boolean => font.widthOfTextAtSize(t, size) <= width;
    for (const word of this.safe(text).split(/\s+/).filter(Boolean)) {
      const candidate = line === "" ? word : `${line} ${word}`;
      if (fits(candidate)) {
        line = candidate;
        continue;
      }
      if (line !== "") lines.push(line);
      line = word;
      while (!fits(line)) {
        let cut = line.length - 1;
        while (cut > 1 && !fits(line.slice(0, cut))) cut--;
        lines.push(line.slice(0, cut));
        line = line.slice(cut);
      }
    }
    if (line !== "") lines.push(line);
    return lines;
  }

  ensure(height: number): void {
    if (this.y - height < MARGIN + FOOTER) this.newPage();
  }

  gap(points: number): void {
    this.y -= points;
  }

  text(
    text: string,
    opts: {
      font?: PDFFont;
      size?: number;
      align?: "left" | "center" | "right";
      color?: ReturnType<typeof rgb>;
      indent?: number;
      width?: number;
    } = {},
  ): void {
    const font = opts.font ?? this.fonts.regular;
    const size = opts.size ?? 10;
    const indent = opts.indent ?? 0;
    const width = opts.width ?? this.width - indent;
    const leading = size * 1.35;
    for (const line of this.wrap(text, font, size, width)) {
      this.ensure(leading);
      const w = font.widthOfTextAtSize(line, size);
      const x =
        opts.align === "center"
          ? MARGIN + (this.width - w) / 2
          : opts.align === "right"
            ? A4[0] - MARGIN - w
            : MARGIN + indent;
      this.y -= leading;
      this.page.drawText(line, { x, y: this.y + size * 0.3, size, font, color: opts.color ?? TEXT });
    }
  }

  field(f: CertificateField, labelWidth: number): void {
    const size = 10;
    const leading = size * 1.35;
    const valueLines = this.wrap(f.value, this.fonts.regular, size, this.width - labelWidth);
    const labelLines = this.wrap(f.label, this.fonts.bold, 8.5, labelWidth - 8);
    const rows = Math.max(valueLines.length, labelLines.length, 1);
    this.ensure(rows * leading);
    for (let i = 0; i < rows; i++) {
      this.y -= leading;
      const label = labelLines[i];
      const value = valueLines[i];
      if (label !== undefined)
        this.page.drawText(label, { x: MARGIN, y: this.y + size * 0.3, size: 8.5, font: this.fonts.bold, color: GREY });
      if (value !== undefined)
        this.page.drawText(value, {
          x: MARGIN + labelWidth,
          y: this.y + size * 0.3,
          size,
          font: this.fonts.regular,
          color: TEXT,
        });
    }
  }

  rule(): void {
    this.ensure(8);
    this.y -= 4;
    this.page.drawLine({
      start: { x: MARGIN, y: this.y },
      end: { x: A4[0] - MARGIN, y: this.y },
      thickness: 0.6,
      color: GREY,
    });
    this.y -= 4;
  }

  image(image: PDFImage, size: number, caption: string): void {
    const captionLines = this.wrap(caption, this.fonts.regular, 7, this.width - size - 12);
    this.ensure(size + 4);
    const top = this.y - 4;
    this.page.drawImage(image, { x: A4[0] - MARGIN - size, y: top - size, width: size, height: size });
    let y = top - 9;
    for (const line of captionLines) {
      this.page.drawText(line, { x: MARGIN, y, size: 7, font: this.fonts.regular, color: GREY });
      y -= 9;
    }
    this.y = top - size;
  }
}

function stampText(content: CertificateContent): string {
  return content.preview
    ? "ANTEPRIMA - senza numero di protocollo"
    : `Protocollo ANPR n. ${content.protocolNumber ?? ""}`;
}

/**
 * Renders `content` as an A4 PDF: header "Ministero dell'Interno — ANPR" and the Comune, the title
 * (for a contestuale certificate, one section per type), the subject's generalità, every section's
 * statements, fields and household members, the stamp duty line, notes, issue place and date,
 * officer, the ANPR protocol number, and the QR contrassegno with the {@link verificationUrl}
 * (issued certificates only). Previews get a diagonal "ANTEPRIMA" watermark on every page.
 * Metadata: title, producer "ANPR simulator", creation and modification date = the issue time.
 */
export async function renderCertificatePdf(
  content: CertificateContent,
  options: CertificatePdfOptions = {},
): Promise<Uint8Array> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  const [regular, bold, italic] = await Promise.all([
    doc.embedFont(StandardFonts.Helvetica),
    doc.embedFont(StandardFonts.HelveticaBold),
    doc.embedFont(StandardFonts.HelveticaOblique),
  ]);
  const fonts: Fonts = { regular, bold, italic, charset: new Set(regular.getCharacterSet()) };
  const layout = new Layout(doc, fonts);
  const issueDate = content.issuedAt.slice(0, 10);
  const issuedOn = `${issueDate.slice(8, 10)}/${issueDate.slice(5, 7)}/${issueDate.slice(0, 4)}`;

  const [ministry, ...otherHeader] = content.headerLines;
  if (ministry !== undefined) layout.text(ministry, { font: bold, size: 12, align: "center", color: ACCENT });
  for (const line of otherHeader)
    layout.text(line, {
      font: line.startsWith("Comune") ? bold : regular,
      size: line.startsWith("Comune") ? 11 : 9,
      align: "center",
    });
  layout.rule();
  layout.text(stampText(content), { font: bold, size: 9, align: "right" });
  layout.text(`Data di rilascio: ${issuedOn}`, { size: 9, align: "right" });
  layout.gap(6);
  layout.text(content.title, { font: bold, size: 14, align: "center" });
  layout.gap(8);

  const labelWidth = content.language === "DE" ? 190 : 130;
  for (const f of content.generalita) layout.field(f, labelWidth);

  for (const section of content.sections) {
    layout.gap(10);
    if (content.contestuale) {
      layout.text(section.title, { font: bold, size: 11, color: ACCENT });
      layout.gap(2);
    }
    for (const s of section.statements) layout.text(s);
    for (const f of section.fields) layout.field(f, labelWidth);
    if (section.members && section.members.length > 0) {
      layout.gap(4);
      section.members.forEach((m, i) => {
        layout.text(`${i + 1}. ${m.fullName} — ${m.fiscalCode}`, { font: bold, size: 9.5, indent: 8 });
        const details = [m.birth, m.relationship, m.civilStatus].filter(
          (d): d is string => d !== undefined && d !== "",
        );
        layout.text(details.join(" — "), { size: 9, indent: 20 });
      });
    }
  }

  layout.gap(12);
  layout.text(content.stampDutyLine, { font: bold, size: 9.5 });
  layout.gap(4);
  for (const note of content.notes) layout.text(note, { font: italic, size: 8, color: GREY });
  layout.gap(10);
  layout.text(content.issuePlaceLine, { size: 10 });
  layout.text(content.officerLine, { size: 10, align: "right" });

  const url = verificationUrl(content, options.verificationBaseUrl);
  if (url !== undefined) {
    const image = await doc.embedPng(qrCodePng(url));
    layout.gap(12);
    layout.image(
      image,
      86,
      `Contrassegno elettronico (art. 23-ter D.Lgs. 82/2005). ${stampText(content)} del ${issuedOn}. Verifica: ${url}`,
    );
  }

  const total = layout.pages.length;
  const footer = layout.safe(`ANPR — Comune di ${content.comune.name} — ${stampText(content)} — Pagina`);
  layout.pages.forEach((page, i) => {
    page.drawText(`${footer} ${i + 1}/${total}`, { x: MARGIN, y: MARGIN / 2, size: 7, font: regular, color: GREY });
    if (content.preview) {
      const size = 110;
      const w = bold.widthOfTextAtSize("ANTEPRIMA", size);
      const angle = Math.atan2(A4[1], A4[0]);
      const x = A4[0] / 2 - (Math.cos(angle) * w) / 2 + Math.sin(angle) * size * 0.35;
      const y = A4[1] / 2 - (Math.sin(angle) * w) / 2 - Math.cos(angle) * size * 0.35;
      page.drawText("ANTEPRIMA", {
        x,
        y,
        size,
        font: bold,
        color: rgb(0.8, 0.1, 0.1),
        opacity: 0.18,
        rotate: degrees((angle * 180) / Math.PI),
      });
    }
  });

  const issuedAt = new Date(content.issuedAt);
  doc.setTitle(
    content.protocolNumber === undefined
      ? `${content.title} (ANTEPRIMA)`
      : `${content.title} - Prot. ${content.protocolNumber}`,
  );
  doc.setSubject(`Certificato anagrafico ANPR - ${content.subject.surname} ${content.subject.name}`);
  doc.setAuthor(`Comune di ${content.comune.name}`);
  doc.setCreator("ANPR simulator");
  doc.setProducer("ANPR simulator");
  doc.setLanguage(content.language === "DE" ? "it-IT, de-DE" : "it-IT");
  doc.setCreationDate(issuedAt);
  doc.setModificationDate(issuedAt);
  return doc.save();
}
