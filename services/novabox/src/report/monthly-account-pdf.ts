/**
 * The monthly account as a printable A4 PDF (pdf-lib, standard Helvetica: WinAnsi covers Italian and
 * German accents). pdf-lib is loaded on first use, so a box that never prints an account never loads it.
 */
import type { AccountPdfRenderer } from "../domain/account-service.js";
import type { TobacconistMonth } from "../domain/monthly-account.js";

const euro = (cents: number) =>
  `€ ${Math.trunc(cents / 100).toLocaleString("it-IT")},${String(Math.abs(cents) % 100).padStart(2, "0")}`;

const list = <K>(map: Map<K, number>) =>
  [...map.entries()]
    .sort((a, b) => String(a[0]).localeCompare(String(b[0]), "en", { numeric: true }))
    .map(([k, v]) => `${String(k) || "nessuno"}: ${v}`)
    .join("  ");

/** Renders the account: a header, one block per tobacconist, the totals. */
export const renderMonthlyAccountPdf: AccountPdfRenderer = async (account, comune) => {
  const { PDFDocument, StandardFonts, rgb } = await import("pdf-lib");
  const doc = await PDFDocument.create();
  doc.setTitle(`Conto mensile ${account.month} - Comune di ${comune.name || comune.code}`);
  doc.setCreator("Novabox");
  const [regular, bold] = await Promise.all([
    doc.embedFont(StandardFonts.Helvetica),
    doc.embedFont(StandardFonts.HelveticaBold),
  ]);
  const width = 595.28;
  const height = 841.89;
  const margin = 48;
  let page = doc.addPage([width, height]);
  let y = height - margin;
  const line = (text: string, options: { size?: number; bold?: boolean; indent?: number } = {}) => {
    const size = options.size ?? 10;
    if (y < margin + size) {
      page = doc.addPage([width, height]);
      y = height - margin;
    }
    page.drawText(text, {
      x: margin + (options.indent ?? 0),
      y,
      size,
      font: options.bold ? bold : regular,
      color: rgb(0.1, 0.1, 0.1),
    });
    y -= size + 5;
  };
  const block = (row: TobacconistMonth, title: string) => {
    line(title, { size: 12, bold: true });
    line(
      `Certificati emessi: ${row.certificatesIssued}    Anteprime: ${row.previews}    Richieste rifiutate: ${row.refusals}`,
      { indent: 12 },
    );
    line(`Per tipo (tabella 13): ${list(row.certificatesByType) || "-"}`, { indent: 12 });
    line(
      `Corrispettivi: ${euro(row.serviceFeesCents)}    Bollo: ${euro(row.stampDutyCents)}    Diritti di segreteria: ${euro(row.secretariatFeesCents)}`,
      { indent: 12 },
    );
    line(`Esenzioni dal bollo (tabella 39): ${list(row.exemptions) || "-"}`, { indent: 12 });
    line(`Motivi dichiarati: ${list(row.reasons) || "-"}`, { indent: 12 });
    y -= 6;
  };
  line(`Comune di ${comune.name || comune.code} (${comune.code})`, { size: 16, bold: true });
  line(`Conto mensile delle tabaccherie - ${account.month}`, { size: 13 });
  line(
    `Periodo: ${account.start.toISOString()} - ${account.end.toISOString()} (ora di Roma)    Corrispettivo per certificato: ${euro(comune.serviceFeeCents)}`,
    { size: 8 },
  );
  y -= 8;
  for (const row of account.tobacconists) block(row, `Tabaccheria ${row.tobacconistId}`);
  if (account.tobacconists.length === 0) line("Nessuna operazione nel mese.");
  block(account.totals, "Totale del mese");
  line("Calcolato dal registro delle operazioni (audit log) del Novabox.", { size: 8 });
  return doc.save();
};
