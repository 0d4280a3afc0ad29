/**
 * The periodic log analysis over a real SQLite audit log: a scripted burst, night-time work,
 * repeated refusals and one citizen asked for by many tobacconists each raise one ANOMALY_ALERT;
 * a day of ordinary traffic raises none; a second run raises nothing twice; the weekly summary
 * counts the week.
 */
import { afterAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAuditAnalyzer, findAnomalies, italianHour, weeklySummary } from "../src/domain/audit-analysis.js";
import type { AuditOutcome, AuditRecord } from "../src/domain/model.js";
import { openNovaboxStore } from "../src/store/index.js";

const dir = mkdtempSync(join(tmpdir(), "audit-analysis-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let homes = 0;
const minute = 60_000;
/** 2026-03-10 09:00 in Rome (08:00Z): a Tuesday morning. */
const morning = Date.parse("2026-03-10T08:00:00.000Z");

function openStore() {
  const clock = { ms: morning };
  const store = openNovaboxStore({ home: join(dir, `home-${++homes}`), now: () => new Date(clock.ms) });
  const analyzer = createAuditAnalyzer({ audit: store.audit, clock: () => new Date(clock.ms) });
  return { store, clock, analyzer };
}

const op = (tobacconistId: string, fiscalCode: string, outcome: AuditOutcome = "SUCCESS"): AuditRecord => ({
  operation: "CERTIFICATE_ISSUE",
  outcome,
  authenticationMethod: "SSO_TOKEN",
  fiscalCode,
  requestId: `${tobacconistId}-${fiscalCode}-${Math.random()}`,
  tobacconistId,
  actor: tobacconistId,
  anprProtocolNumber: "",
  anprOperationId: "",
  anprErrorCode: "",
  detail: "",
});

const citizens = Array.from({ length: 200 }, (_, i) => `RSSMRA${String(i).padStart(2, "0")}A01L378X`.slice(0, 16));

/** A day of ordinary traffic: five tobacconists, a certificate every ~20 minutes each by day, a rare refusal. */
function ordinaryDay(s: ReturnType<typeof openStore>) {
  let n = 0;
  for (let t = 0; t < 10 * 60; t += 4) {
    s.clock.ms = morning + t * minute;
    const tobacconist = `TAB-000${(t / 4) % 5}`;
    s.store.audit.append(op(tobacconist, citizens[n++ % citizens.length]!, n % 37 === 0 ? "DENIED" : "SUCCESS"));
  }
}

describe("audit log analysis", () => {
  it("knows Italian hours (CET and CEST)", () => {
    expect(italianHour(new Date("2026-01-15T22:30:00Z"))).toBe(23);
    expect(italianHour(new Date("2026-07-15T22:30:00Z"))).toBe(0);
  });

  it("stays quiet on ordinary traffic", () => {
    const s = openStore();
    ordinaryDay(s);
    s.clock.ms = morning + 12 * 60 * minute;
    expect(s.analyzer.run()).toEqual([]);
    expect(s.store.audit.list({ operations: ["ANOMALY_ALERT"] }, 10).entries).toEqual([]);
    s.store.close();
  });

  it("raises one alert per rule on a scripted burst, night work, refusals and a shared fiscal code", () => {
    const s = openStore();
    ordinaryDay(s);
    // Burst: TAB-0666 prints 40 certificates in 8 minutes at 11:10 Rome time.
    for (let i = 0; i < 40; i++) {
      s.clock.ms = morning + 130 * minute + i * 12_000;
      s.store.audit.append(op("TAB-0666", citizens[i]!));
    }
    // Refusals: TAB-0007 is refused 6 times within the 13:00 hour.
    for (let i = 0; i < 6; i++) {
      s.clock.ms = morning + 4 * 60 * minute + i * 5 * minute;
      s.store.audit.append(op("TAB-0007", citizens[100]!, "RATE_LIMITED"));
    }
    // Shared fiscal code: four tobacconists ask for the same citizen within the afternoon.
    for (let i = 0; i < 4; i++) {
      s.clock.ms = morning + 6 * 60 * minute + i * 20 * minute;
      s.store.audit.append(op(`TAB-010${i}`, "VRDGPP80A01H501X"));
    }
    // Night: TAB-0042 works at 02:10-02:30 Rome time (01:10Z next day).
    for (let i = 0; i < 3; i++) {
      s.clock.ms = Date.parse("2026-03-11T01:10:00.000Z") + i * 10 * minute;
      s.store.audit.append(op("TAB-0042", citizens[150 + i]!));
    }
    s.clock.ms = Date.parse("2026-03-11T03:00:00.000Z");
    const found = s.analyzer.run();
    expect(found.map((a) => [a.rule, a.tobacconistId]).sort()).toEqual([
      ["burst", "TAB-0666"],
      ["night", "TAB-0042"],
      ["refusals", "TAB-0007"],
      ["shared-fiscal-code", ""],
    ]);
    const alerts = s.store.audit.list({ operations: ["ANOMALY_ALERT"] }, 10).entries;
    expect(alerts).toHaveLength(4);
    const burst = alerts.find((a) => a.tobacconistId === "TAB-0666")!;
    expect(burst).toMatchObject({ outcome: "SUCCESS", authenticationMethod: "SYSTEM", actor: "novabox" });
    expect(burst.detail).toMatch(/^burst: 4\d registry operations within 10 minutes/);
    const shared = alerts.find((a) => a.requestId.startsWith("anomaly:shared-fiscal-code:"))!;
    expect(shared.fiscalCode).toBe("VRDGPP80A01H501X");
    for (const alert of alerts) expect(alert.detail).not.toMatch(/[A-Z]{6}\d{2}[A-Z]\d{2}[A-Z]\d{3}[A-Z]/);
    // A second run over the same hours (e.g. after a restart) raises nothing twice.
    const again = createAuditAnalyzer({ audit: s.store.audit, clock: () => new Date(s.clock.ms) });
    expect(again.run()).toEqual([]);
    expect(s.store.audit.verify().ok).toBe(true);

    const summary = weeklySummary(s.store.audit, new Date(s.clock.ms), s.analyzer.lastRunAt());
    expect(summary).toMatchObject({
      certificatesIssued: 150 + 40 + 4 + 3 - 4,
      refusals: 4 + 6,
      lastAnalysisAt: new Date(s.clock.ms),
    });
    expect(summary.alerts.map((a) => a.rule).sort()).toEqual(["burst", "night", "refusals", "shared-fiscal-code"]);
    s.store.close();
  });

  it("does not count a burst spread over more than the window", () => {
    const rows = Array.from({ length: 30 }, (_, i) => ({
      ...op("TAB-1", citizens[i]!),
      id: i + 1,
      time: new Date(morning + i * minute),
      previousHash: "",
      hash: "",
    }));
    expect(findAnomalies(new Date(morning), rows, rows)).toEqual([]);
  });
});
