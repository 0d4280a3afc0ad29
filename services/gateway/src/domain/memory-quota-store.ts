/**
 * The {@link QuotaStore} for a single gateway replica: the same rules as the Redis store, in this
 * process's memory (lost on restart — run Redis for more than one replica or to keep counters).
 */
import { randomBytes } from "node:crypto";
import type { LedgerRow, MassExtractionAlert, QuotaStore } from "./quota.js";

interface TobacconistState {
  /** Admitted request times (ms), oldest first. */
  minute: number[];
  day: { day: string; count: number };
  /** Subject hash → last time; Comune → last time. */
  subjects: Map<string, number>;
  comuni: Map<string, number>;
  alertedUntil: number;
}

const prune = (map: Map<string, number>, before: number) => {
  for (const [k, at] of map) if (at <= before) map.delete(k);
};

/** Creates the in-memory store. */
export function createMemoryQuotaStore(): QuotaStore {
  const states = new Map<string, TobacconistState>();
  const alerts: MassExtractionAlert[] = [];
  const ledger = new Map<string, LedgerRow>();
  const key = randomBytes(32);
  let alertSeq = 0;

  return {
    admit(request) {
      const { now, limits } = request;
      let s = states.get(request.tobacconistId);
      if (!s)
        states.set(
          request.tobacconistId,
          (s = {
            minute: [],
            day: { day: request.day, count: 0 },
            subjects: new Map(),
            comuni: new Map(),
            alertedUntil: 0,
          }),
        );
      while (s.minute.length > 0 && s.minute[0]! <= now - 60_000) s.minute.shift();
      if (limits.perMinute > 0 && s.minute.length >= limits.perMinute) {
        const oldest = s.minute[s.minute.length - limits.perMinute]!;
        return Promise.resolve({
          admitted: false,
          limit: "per-minute",
          retryAfterSeconds: Math.max(1, Math.ceil((oldest + 60_000 - now) / 1000)),
        });
      }
      if (s.day.day !== request.day) s.day = { day: request.day, count: 0 };
      if (limits.perDay > 0 && s.day.count >= limits.perDay) {
        return Promise.resolve({
          admitted: false,
          limit: "per-day",
          retryAfterSeconds: Math.max(1, Math.ceil((request.dayEndsAt - now) / 1000)),
        });
      }
      const windowMs = limits.massExtractionWindowSeconds * 1000;
      const massCheck = limits.massExtractionDistinctFiscalCodes > 0 && windowMs > 0;
      if (massCheck) {
        prune(s.subjects, now - windowMs);
        prune(s.comuni, now - windowMs);
        if (
          request.subjectHash &&
          !s.subjects.has(request.subjectHash) &&
          s.subjects.size >= limits.massExtractionDistinctFiscalCodes
        ) {
          const oldest = Math.min(...s.subjects.values());
          const retryAfterSeconds = Math.max(1, Math.ceil((oldest + windowMs - now) / 1000));
          if (s.alertedUntil > now)
            return Promise.resolve({ admitted: false, limit: "mass-extraction", retryAfterSeconds });
          s.alertedUntil = now + windowMs;
          const alert: MassExtractionAlert = {
            id: String(++alertSeq),
            tobacconistId: request.tobacconistId,
            raisedAt: new Date(now),
            distinctFiscalCodes: limits.massExtractionDistinctFiscalCodes,
            windowSeconds: limits.massExtractionWindowSeconds,
            comuni: [...new Set([...s.comuni.keys(), request.comuneCode])].sort(),
          };
          alerts.unshift(alert);
          alerts.length = Math.min(alerts.length, 1000);
          return Promise.resolve({ admitted: false, limit: "mass-extraction", retryAfterSeconds, alert });
        }
      }
      s.minute.push(now);
      s.day.count += 1;
      if (massCheck) {
        if (request.subjectHash) s.subjects.set(request.subjectHash, now);
        s.comuni.set(request.comuneCode, now);
      }
      return Promise.resolve({ admitted: true, minuteCount: s.minute.length, dayCount: s.day.count });
    },
    alerts: (limit) => Promise.resolve(alerts.slice(0, limit)),
    record(entry) {
      const k = `${entry.month}|${entry.tobacconistId}|${entry.comuneCode}`;
      const row = ledger.get(k) ?? {
        tobacconistId: entry.tobacconistId,
        comuneCode: entry.comuneCode,
        certificates: 0,
        serviceFeesCents: 0,
        stampDutyCents: 0,
        exemptCertificates: 0,
      };
      row.certificates += 1;
      row.serviceFeesCents += entry.serviceFeeCents;
      row.stampDutyCents += entry.stampDutyCents;
      if (entry.exempt) row.exemptCertificates += 1;
      ledger.set(k, row);
      return Promise.resolve();
    },
    ledger(month, tobacconistId) {
      const rows = [...ledger.entries()]
        .filter(
          ([k, r]) => k.startsWith(`${month}|`) && (tobacconistId === undefined || r.tobacconistId === tobacconistId),
        )
        .map(([, r]) => ({ ...r }));
      return Promise.resolve(
        rows.sort((a, b) => a.tobacconistId.localeCompare(b.tobacconistId) || a.comuneCode.localeCompare(b.comuneCode)),
      );
    },
    hashKey: () => Promise.resolve(key),
    close: () => Promise.resolve(),
  };
}
