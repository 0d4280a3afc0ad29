/**
 * Mesh-wide limits per tobacconist (decree 4.2–4.3; agreement art. 3.11: no mass extraction), enforced
 * at the gateway for every Comune at once, so neither a second box of a Comune nor requests spread
 * over many Comuni widen a tobacconist's allowance:
 * - a per-minute quota (sliding 60 s window) and a per-day quota (calendar day, Europe/Rome);
 * - the mass-extraction rule: at most N distinct fiscal codes in a sliding window, across every
 *   Comune; the first refusal of an episode raises one alert naming the Comuni involved.
 * The counters live in a {@link QuotaStore} shared by every gateway replica (Redis) or in memory for
 * a single replica. Fiscal codes never reach the store in clear: only a keyed hash, the key shared
 * through the store itself so every replica counts the same code as the same.
 */
import { createHmac } from "node:crypto";
import { DomainError } from "#shared/runtime/domain-error.js";
import { romeDay } from "#shared/runtime/rome-time.js";

/** The limits; 0 switches one off. */
export interface QuotaLimits {
  perMinute: number;
  perDay: number;
  massExtractionDistinctFiscalCodes: number;
  massExtractionWindowSeconds: number;
}

/** One mass-extraction episode. */
export interface MassExtractionAlert {
  id: string;
  tobacconistId: string;
  raisedAt: Date;
  /** The threshold that was reached, and its window. */
  distinctFiscalCodes: number;
  windowSeconds: number;
  /** ISTAT codes of the Comuni the tobacconist's requests of the window went to. */
  comuni: string[];
}

/** What the store is asked to admit. */
export interface QuotaRequest {
  tobacconistId: string;
  comuneCode: string;
  /** Keyed hash of the fiscal code, when the call is about a person. */
  subjectHash?: string;
  now: number;
  /** Start of the next Europe/Rome day (ms), when the day quota resets; and the day's key. */
  dayEndsAt: number;
  day: string;
  limits: QuotaLimits;
}

/** The store's decision. */
export type QuotaDecision =
  | { admitted: true; minuteCount: number; dayCount: number }
  | {
      admitted: false;
      limit: "per-minute" | "per-day" | "mass-extraction";
      retryAfterSeconds: number;
      alert?: MassExtractionAlert;
    };

/** What one issued certificate adds to the Novares account. */
export interface LedgerEntry {
  tobacconistId: string;
  comuneCode: string;
  /** "YYYY-MM" in Europe/Rome. */
  month: string;
  serviceFeeCents: number;
  stampDutyCents: number;
  exempt: boolean;
}

/** One tobacconist's month at one Comune. */
export interface LedgerRow {
  tobacconistId: string;
  comuneCode: string;
  certificates: number;
  serviceFeesCents: number;
  stampDutyCents: number;
  exemptCertificates: number;
}

/** Where the counters, alerts and ledger live (port): Redis, or memory for one replica. */
export interface QuotaStore {
  /** Checks every limit and, when admitted, counts the request — atomically across replicas. */
  admit(request: QuotaRequest): Promise<QuotaDecision>;
  /** The alerts raised, newest first (at most `limit`). */
  alerts(limit: number): Promise<MassExtractionAlert[]>;
  /** Adds an issued certificate to the ledger. */
  record(entry: LedgerEntry): Promise<void>;
  /** The ledger rows of `month`, optionally of one tobacconist. */
  ledger(month: string, tobacconistId?: string): Promise<LedgerRow[]>;
  /** The key fiscal codes are hashed with, the same for every replica sharing the store. */
  hashKey(): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** A limit refused the call (RESOURCE_EXHAUSTED, with the limit and when to retry). */
export class QuotaExceededError extends DomainError {
  readonly retryAfterSeconds: number;
  constructor(limit: "per-minute" | "per-day" | "mass-extraction", limits: QuotaLimits, retryAfterSeconds: number) {
    const what =
      limit === "per-minute"
        ? `more than ${limits.perMinute} requests in a minute`
        : limit === "per-day"
          ? `more than ${limits.perDay} requests today`
          : `more than ${limits.massExtractionDistinctFiscalCodes} different people in ${limits.massExtractionWindowSeconds} s (mass-extraction rule, agreement art. 3.11)`;
    const reason =
      limit === "per-minute"
        ? "TOBACCONIST_QUOTA_PER_MINUTE"
        : limit === "per-day"
          ? "TOBACCONIST_QUOTA_PER_DAY"
          : "MASS_EXTRACTION";
    super(
      "rate-limited",
      `Novares limit reached: ${what} from this tobacconist across all Comuni; retry in ${retryAfterSeconds} s`,
      {
        reason,
        metadata: { limit, retryAfterSeconds: String(retryAfterSeconds) },
      },
    );
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export { romeDay, romeMonth } from "#shared/runtime/rome-time.js";

/** Options of {@link createQuotaGuard}. */
export interface QuotaGuardOptions {
  store: QuotaStore;
  limits: QuotaLimits;
  clock?: () => Date;
  /** Told once per new mass-extraction episode (log, metrics). */
  onAlert?: (alert: MassExtractionAlert) => void;
}

/** The gateway's guard. */
export interface QuotaGuard {
  /**
   * Admits one call of `tobacconistId` to `comuneCode` (about `fiscalCode`, when given) or throws
   * {@link QuotaExceededError}. Returns the tobacconist's mesh-wide count of the last minute,
   * including this call, for the box's second line.
   */
  admit(tobacconistId: string, comuneCode: string, fiscalCode?: string): Promise<{ minuteCount: number }>;
  limits: QuotaLimits;
}

/** Creates the {@link QuotaGuard}. */
export function createQuotaGuard(options: QuotaGuardOptions): QuotaGuard {
  const clock = options.clock ?? (() => new Date());
  let key: Promise<Uint8Array> | undefined;
  const hash = async (fiscalCode: string) => {
    key ??= options.store.hashKey();
    return createHmac("sha256", await key)
      .update(fiscalCode.trim().toUpperCase())
      .digest("base64url")
      .slice(0, 22);
  };
  return {
    limits: options.limits,
    async admit(tobacconistId, comuneCode, fiscalCode) {
      const now = clock().getTime();
      const { day, endsAt } = romeDay(now);
      const decision = await options.store.admit({
        tobacconistId,
        comuneCode,
        ...(fiscalCode ? { subjectHash: await hash(fiscalCode) } : {}),
        now,
        day,
        dayEndsAt: endsAt,
        limits: options.limits,
      });
      if (decision.admitted) return { minuteCount: decision.minuteCount };
      if (decision.alert) options.onAlert?.(decision.alert);
      throw new QuotaExceededError(decision.limit, options.limits, decision.retryAfterSeconds);
    },
  };
}
