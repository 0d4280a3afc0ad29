/**
 * Certificate PDF rendering cost in the simulator, on demand (`npm run bench`), against a baseline
 * measured in the same run: an empty one-page pdf-lib document with the same fonts.
 */
import { PDFDocument, StandardFonts } from "pdf-lib";
import { createPopulation, DEMO_CITIZENS } from "../services/anpr-sim/src/domain/population.js";
import { issueCertificate } from "../services/anpr-sim/src/domain/certification.js";
import { renderCertificatePdf } from "../services/anpr-sim/src/domain/certificate-pdf.js";

const rounds = Number(process.env.BENCH_ROUNDS ?? 50);

async function measure(name: string, fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 5; i++) await fn();
  const start = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) await fn();
  const perCall = Number(process.hrtime.bigint() - start) / 1e6 / rounds;
  console.log(`${name.padEnd(40)} ${perCall.toFixed(2)} ms/call`);
  return perCall;
}

const population = createPopulation({ residentsPerComune: 300 });
const mario = DEMO_CITIZENS.marioRossi;
const { content } = issueCertificate(population, {
  comuneCode: "022205",
  subject: mario,
  certificateTypes: [8, 12, 3],
  emissione: 1,
  stampDuty: { kind: "paid", amountCents: 1600 },
  issuedAt: "2026-11-23T10:00:00.000Z",
  protocolNumber: "2026000000001",
});

const baseline = await measure("baseline: empty page, 2 standard fonts", async () => {
  const doc = await PDFDocument.create();
  await doc.embedFont(StandardFonts.Helvetica);
  await doc.embedFont(StandardFonts.HelveticaBold);
  doc.addPage();
  return doc.save();
});
const render = await measure("renderCertificatePdf (contestuale 8+12+3)", () => renderCertificatePdf(content));
console.log(`\nratio vs baseline: ${(render / baseline).toFixed(1)}x (${rounds} rounds)`);
