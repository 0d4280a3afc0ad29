/** Novares alerts recorded in a real SQLite audit log: once per alert id, never for another Comune. */
import { afterAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ComuneMismatchError, InvalidInputError } from "../src/domain/errors.js";
import { createMeshAlertService, type MeshMassExtractionAlert } from "../src/domain/mesh-alerts.js";
import { openNovaboxStore } from "../src/store/index.js";

const dir = mkdtempSync(join(tmpdir(), "mesh-alerts-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const alert = (overrides: Partial<MeshMassExtractionAlert> = {}): MeshMassExtractionAlert => ({
  comuneCode: "022205",
  alertId: "a-1",
  tobacconistId: "TAB-0002",
  raisedAt: new Date("2026-11-30T10:00:00Z"),
  distinctFiscalCodes: 4,
  windowSeconds: 600,
  comuni: ["001001", "022205"],
  ...overrides,
});

function setup(name: string) {
  const store = openNovaboxStore({ home: join(dir, name) });
  const alerts = createMeshAlertService({ audit: store.audit, settings: () => ({ comuneCode: "022205" }) });
  return { store, alerts };
}

describe("createMeshAlertService", () => {
  it("appends one ANOMALY_ALERT entry by Novares per alert id, with no fiscal code, and the chain still verifies", () => {
    const { store, alerts } = setup("once");
    const first = alerts.recordMassExtraction(alert());
    expect(first.alreadyRecorded).toBe(false);
    const again = alerts.recordMassExtraction(alert());
    expect(again).toEqual({ alreadyRecorded: true, auditEntryId: first.auditEntryId });
    const other = alerts.recordMassExtraction(alert({ alertId: "a-2" }));
    expect(other.alreadyRecorded).toBe(false);
    const { entries } = store.audit.list({ operations: ["ANOMALY_ALERT"] }, 10);
    expect(entries).toHaveLength(2);
    const entry = entries.find((e) => e.id === first.auditEntryId)!;
    expect(entry).toMatchObject({
      actor: "novares",
      tobacconistId: "TAB-0002",
      fiscalCode: "",
      requestId: "novares-alert:a-1",
      outcome: "RATE_LIMITED",
      authenticationMethod: "SYSTEM",
    });
    expect(entry.detail).toBe(
      "Novares mass-extraction alert a-1: 4 distinct fiscal codes within 600 s, raised 2026-11-30T10:00:00.000Z; also Comuni 001001",
    );
    expect(store.audit.verify().ok).toBe(true);
    store.close();
  });

  it("refuses an alert for another Comune (FAILED_PRECONDITION naming both codes) and malformed fields, writing nothing", () => {
    const { store, alerts } = setup("refusals");
    const foreign = (() => {
      try {
        alerts.recordMassExtraction(alert({ comuneCode: "022161" }));
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(foreign).toBeInstanceOf(ComuneMismatchError);
    expect((foreign as Error).message).toContain("022161");
    expect((foreign as Error).message).toContain("022205");
    expect(() => alerts.recordMassExtraction(alert({ alertId: "bad id with spaces" }))).toThrow(InvalidInputError);
    expect(() => alerts.recordMassExtraction(alert({ tobacconistId: "" }))).toThrow(/tobacconist_id is required/);
    expect(() => alerts.recordMassExtraction(alert({ comuni: ["22205"] }))).toThrow(
      /comuni: "22205" is not a six-digit ISTAT code/,
    );
    expect(store.audit.list({ operations: ["ANOMALY_ALERT"] }, 10).entries).toHaveLength(0);
    store.close();
  });
});
