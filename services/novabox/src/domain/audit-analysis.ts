/**
 * Periodic analysis of the audit log, as the decree asks (annex 1, 4.3: the logs are analysed to
 * find anomalies such as mass extractions). The rules look at one clock hour at a time (plus the
 * day before it for the citizen rule) and append one ANOMALY_ALERT row per finding. The hour in
 * progress is analysed too, so a burst is reported at the next run (every 15 minutes by default),
 * not an hour later: every rule only counts rows, and rows are only added, so a finding in a partial
 * hour stays a finding when the hour completes (its alert says the count seen when it was raised).
 *
 * - `burst`: a tobacconist made more than `burstMax` registry operations (certificates, previews,
 *   individual records) within any `burstWindowMinutes` minutes;
 * - `night`: a tobacconist made at least `nightMin` operations between `nightStartHour` and
 *   `nightEndHour` (Italian time, Europe/Rome);
 * - `refusals`: at least `refusalsMin` of a tobacconist's operations were refused (DENIED,
 *   RATE_LIMITED, INVALID) within the hour;
 * - `shared-fiscal-code`: the same codice fiscale was asked for by at least `sharedMin` different
 *   tobacconists within 24 hours.
 *
 * Each alert has a deterministic request id (`anomaly:<rule>:<subject>:<hour>`), so running the
 * analysis twice over the same hour (a restart, an overlap) never raises the same alert twice. The
 * alert's `detail` never contains a fiscal code; the citizen rule puts it in the row's
 * `fiscal_code` column, where the audit log keeps fiscal codes anyway.
 */
import { romeWallClock } from "#shared/runtime/rome-time.js";
import { createHash } from "node:crypto";
import { auditRecord } from "./audit-record.js";
import type { AuditEntry, AuditOutcome } from "./model.js";
import type { AuditLog, Clock } from "./ports.js";

/** The rules' thresholds. */
export interface AnalysisRules {
  burstMax: number;
  burstWindowMinutes: number;
  nightMin: number;
  nightStartHour: number;
  nightEndHour: number;
  refusalsMin: number;
  sharedMin: number;
}

/** Defaults: a tabaccheria rarely prints more than 20 certificates in 10 minutes, works by day, and seldom sees 5 refusals in an hour. */
export const defaultAnalysisRules: AnalysisRules = {
  burstMax: 20,
  burstWindowMinutes: 10,
  nightMin: 3,
  nightStartHour: 22,
  nightEndHour: 6,
  refusalsMin: 5,
  sharedMin: 3,
};

/** One finding. */
export interface Anomaly {
  rule: "burst" | "night" | "refusals" | "shared-fiscal-code";
  tobacconistId: string;
  fiscalCode: string;
  detail: string;
  requestId: string;
}

const hourMs = 3_600_000;
const registryOperations = new Set(["CERTIFICATE_ISSUE", "CERTIFICATE_PREVIEW", "INDIVIDUAL_RECORD"]);
const refused = new Set<AuditOutcome>(["DENIED", "RATE_LIMITED", "INVALID"]);
/** The hour of `time` in Italy (0–23). */
export function italianHour(time: Date): number {
  return romeWallClock(time.getTime()).hour;
}

function isNight(time: Date, rules: AnalysisRules): boolean {
  const h = italianHour(time);
  return rules.nightStartHour > rules.nightEndHour
    ? h >= rules.nightStartHour || h < rules.nightEndHour
    : h >= rules.nightStartHour && h < rules.nightEndHour;
}

function group<T>(items: Iterable<T>, key: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list === undefined) map.set(k, [item]);
    else list.push(item);
  }
  return map;
}

/**
 * The anomalies of the hour starting at `hourStart` (pure): `hour` holds that hour's rows, `day`
 * the 24 hours ending with it.
 */
export function findAnomalies(
  hourStart: Date,
  hour: readonly AuditEntry[],
  day: readonly AuditEntry[],
  rules: AnalysisRules = defaultAnalysisRules,
): Anomaly[] {
  const stamp = hourStart.toISOString().slice(0, 13);
  const found: Anomaly[] = [];
  const byTobacconist = group(
    hour.filter((e) => e.tobacconistId !== ""),
    (e) => e.tobacconistId,
  );
  for (const [tobacconist, rows] of byTobacconist) {
    const registry = rows
      .filter((e) => registryOperations.has(e.operation))
      .sort((a, b) => a.time.getTime() - b.time.getTime());
    let peak = 0;
    for (let start = 0, end = 0; end < registry.length; end++) {
      while (registry[end]!.time.getTime() - registry[start]!.time.getTime() >= rules.burstWindowMinutes * 60_000)
        start++;
      peak = Math.max(peak, end - start + 1);
    }
    if (peak > rules.burstMax) {
      found.push({
        rule: "burst",
        tobacconistId: tobacconist,
        fiscalCode: "",
        detail: `burst: ${peak} registry operations within ${rules.burstWindowMinutes} minutes (limit ${rules.burstMax}) in the hour from ${stamp}:00Z`,
        requestId: `anomaly:burst:${tobacconist}:${stamp}`,
      });
    }
    const night = registry.filter((e) => isNight(e.time, rules));
    if (night.length >= rules.nightMin) {
      found.push({
        rule: "night",
        tobacconistId: tobacconist,
        fiscalCode: "",
        detail: `night-time activity: ${night.length} registry operations between ${rules.nightStartHour}:00 and ${rules.nightEndHour}:00 Italian time in the hour from ${stamp}:00Z`,
        requestId: `anomaly:night:${tobacconist}:${stamp}`,
      });
    }
    const refusals = rows.filter((e) => refused.has(e.outcome));
    if (refusals.length >= rules.refusalsMin) {
      found.push({
        rule: "refusals",
        tobacconistId: tobacconist,
        fiscalCode: "",
        detail: `repeated refusals: ${refusals.length} operations refused (${[...new Set(refusals.map((e) => e.outcome))].join(", ")}) in the hour from ${stamp}:00Z`,
        requestId: `anomaly:refusals:${tobacconist}:${stamp}`,
      });
    }
  }
  const hourFiscalCodes = new Set(
    hour.filter((e) => e.fiscalCode !== "" && e.tobacconistId !== "").map((e) => e.fiscalCode),
  );
  const byFiscalCode = group(
    day.filter(
      (e) => hourFiscalCodes.has(e.fiscalCode) && e.tobacconistId !== "" && registryOperations.has(e.operation),
    ),
    (e) => e.fiscalCode,
  );
  for (const [fiscalCode, rows] of byFiscalCode) {
    const tobacconists = new Set(rows.map((e) => e.tobacconistId));
    if (tobacconists.size >= rules.sharedMin) {
      const subject = createHash("sha256").update(fiscalCode).digest("hex").slice(0, 16);
      found.push({
        rule: "shared-fiscal-code",
        tobacconistId: "",
        fiscalCode,
        detail: `same fiscal code asked for by ${tobacconists.size} tobacconists within 24 hours (${[...tobacconists].sort().join(", ")})`,
        requestId: `anomaly:shared-fiscal-code:${subject}:${stamp.slice(0, 10)}`,
      });
    }
  }
  return found;
}

/** Options of {@link createAuditAnalyzer}. */
export interface AuditAnalyzerOptions {
  audit: AuditLog;
  clock: Clock;
  rules?: AnalysisRules;
}

/** Runs the rules and records their findings. */
export interface AuditAnalyzer {
  /**
   * Analyses every hour since the last run, the hour in progress included (the previous 24 hours on
   * the first run), and appends one ANOMALY_ALERT row per new finding; returns the findings recorded.
   */
  run(): Anomaly[];
  /** When {@link run} last finished; undefined before the first run. */
  lastRunAt(): Date | undefined;
}

/** Creates the {@link AuditAnalyzer}. */
export function createAuditAnalyzer(options: AuditAnalyzerOptions): AuditAnalyzer {
  const { audit, clock } = options;
  const rules = options.rules ?? defaultAnalysisRules;
  let analysedThrough: number | undefined;
  let lastRun: Date | undefined;
  const rows = (from: number, to: number) =>
    [...audit.export({ startTime: new Date(from), endTime: new Date(to) })].flat();
  return {
    run() {
      const now = clock().getTime();
      const currentHour = Math.floor(now / hourMs) * hourMs;
      let from = analysedThrough ?? currentHour - 24 * hourMs;
      const recorded: Anomaly[] = [];
      const known = new Set(
        [...audit.export({ operations: ["ANOMALY_ALERT"], startTime: new Date(from - 24 * hourMs) })]
          .flat()
          .map((e) => e.requestId),
      );
      for (; from <= currentHour; from += hourMs) {
        const hour = rows(from, from + hourMs);
        if (hour.length === 0) continue;
        const day = rows(from + hourMs - 24 * hourMs, from + hourMs);
        for (const anomaly of findAnomalies(new Date(from), hour, day, rules)) {
          if (known.has(anomaly.requestId)) continue;
          known.add(anomaly.requestId);
          audit.append(
            auditRecord(
              "ANOMALY_ALERT",
              {
                authenticationMethod: "SYSTEM",
                actor: "novabox",
                requestId: anomaly.requestId,
                tobacconistId: anomaly.tobacconistId,
                fiscalCode: anomaly.fiscalCode,
              },
              { detail: anomaly.detail },
            ),
          );
          recorded.push(anomaly);
        }
      }
      analysedThrough = currentHour; // the hour in progress is analysed again at the next run
      lastRun = new Date(now);
      return recorded;
    },
    lastRunAt: () => lastRun,
  };
}

/** The seven days' summary the panel shows. */
export interface WeeklySummary {
  weekStart: Date;
  generatedAt: Date;
  entries: number;
  certificatesIssued: number;
  refusals: number;
  tobacconists: number;
  /** Newest first. */
  alerts: { entryId: number; time: Date; rule: string; tobacconistId: string; detail: string }[];
  lastAnalysisAt?: Date;
  lastBackupAt?: Date;
}

/** Summarises the last seven days of `audit` (one pass over the week's rows). */
export function weeklySummary(audit: AuditLog, now: Date, lastAnalysisAt?: Date): WeeklySummary {
  const weekStart = new Date(now.getTime() - 7 * 24 * hourMs);
  let entries = 0;
  let certificatesIssued = 0;
  let refusals = 0;
  const tobacconists = new Set<string>();
  const alerts: WeeklySummary["alerts"] = [];
  for (const batch of audit.export({ startTime: weekStart })) {
    for (const e of batch) {
      entries += 1;
      if (e.operation === "CERTIFICATE_ISSUE" && e.outcome === "SUCCESS") certificatesIssued += 1;
      if (refused.has(e.outcome)) refusals += 1;
      if (e.tobacconistId !== "") tobacconists.add(e.tobacconistId);
      if (e.operation === "ANOMALY_ALERT") {
        alerts.push({
          entryId: e.id,
          time: e.time,
          rule: /^anomaly:([a-z-]+):/.exec(e.requestId)?.[1] ?? "",
          tobacconistId: e.tobacconistId,
          detail: e.detail,
        });
      }
    }
  }
  alerts.reverse();
  const backup = audit.list({ operations: ["BACKUP"] }, 1).entries[0];
  return {
    weekStart,
    generatedAt: now,
    entries,
    certificatesIssued,
    refusals,
    tobacconists: tobacconists.size,
    alerts,
    ...(lastAnalysisAt ? { lastAnalysisAt } : {}),
    ...(backup ? { lastBackupAt: backup.time } : {}),
  };
}
