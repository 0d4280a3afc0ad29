/**
 * The {@link QuotaStore} every gateway replica shares: Redis (Debian's redis-server here), one Lua
 * script per admission so that checking and counting are one atomic step whichever replica runs it.
 * Keys per tobacconist carry a hash tag (`nq:{TAB-0001}:…`); alerts, the ledger and the hash key are
 * global. Nothing personal is stored: fiscal codes arrive as keyed hashes. Counters survive a
 * gateway restart (and a Redis restart with Redis persistence on).
 */
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import type { LedgerRow, MassExtractionAlert, QuotaDecision, QuotaStore } from "../domain/quota.js";

/** Options of {@link createRedisQuotaStore}. */
export interface RedisQuotaStoreOptions {
  /** `redis://host:port/db` (REDIS_URL). */
  url: string;
  /** Key prefix (default "nq"), so several meshes can share one Redis. */
  prefix?: string;
}

// KEYS: 1 minute zset, 2 day counter, 3 subjects zset, 4 comuni zset, 5 alerted flag, 6 alerts list, 7 alert sequence
// ARGV: 1 now, 2 perMinute, 3 perDay, 4 threshold, 5 windowMs, 6 dayEndsAt, 7 unique member, 8 subject hash or "", 9 comune, 10 tobacconist
const admitScript = `
local now = tonumber(ARGV[1])
local perMinute = tonumber(ARGV[2])
local perDay = tonumber(ARGV[3])
local threshold = tonumber(ARGV[4])
local windowMs = tonumber(ARGV[5])
local dayEndsAt = tonumber(ARGV[6])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 60000)
local minute = redis.call('ZCARD', KEYS[1])
if perMinute > 0 and minute >= perMinute then
  local oldest = redis.call('ZRANGE', KEYS[1], minute - perMinute, minute - perMinute, 'WITHSCORES')
  return {0, 'per-minute', math.max(1, math.ceil((tonumber(oldest[2]) + 60000 - now) / 1000))}
end
local day = tonumber(redis.call('GET', KEYS[2]) or '0')
if perDay > 0 and day >= perDay then
  return {0, 'per-day', math.max(1, math.ceil((dayEndsAt - now) / 1000))}
end
local mass = threshold > 0 and windowMs > 0
if mass then
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - windowMs)
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - windowMs)
  if ARGV[8] ~= '' and not redis.call('ZSCORE', KEYS[3], ARGV[8]) and redis.call('ZCARD', KEYS[3]) >= threshold then
    local oldest = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
    local retry = math.max(1, math.ceil((tonumber(oldest[2]) + windowMs - now) / 1000))
    if redis.call('SET', KEYS[5], '1', 'PX', windowMs, 'NX') then
      local id = redis.call('INCR', KEYS[7])
      local comuni = redis.call('ZRANGE', KEYS[4], 0, -1)
      table.insert(comuni, ARGV[9])
      local alert = cjson.encode({id = tostring(id), tobacconistId = ARGV[10], raisedAt = ARGV[1], distinctFiscalCodes = threshold, windowSeconds = windowMs / 1000, comuni = comuni})
      redis.call('LPUSH', KEYS[6], alert)
      redis.call('LTRIM', KEYS[6], 0, 999)
      return {0, 'mass-extraction', retry, alert}
    end
    return {0, 'mass-extraction', retry}
  end
end
redis.call('ZADD', KEYS[1], now, ARGV[7])
redis.call('PEXPIRE', KEYS[1], 61000)
day = redis.call('INCR', KEYS[2])
redis.call('PEXPIREAT', KEYS[2], dayEndsAt + 3600000)
if mass then
  if ARGV[8] ~= '' then
    redis.call('ZADD', KEYS[3], now, ARGV[8])
    redis.call('PEXPIRE', KEYS[3], windowMs)
  end
  redis.call('ZADD', KEYS[4], now, ARGV[9])
  redis.call('PEXPIRE', KEYS[4], windowMs)
end
return {1, minute + 1, day}
`;

interface StoredAlert {
  id: string;
  tobacconistId: string;
  raisedAt: string;
  distinctFiscalCodes: number;
  windowSeconds: number;
  comuni: string[] | Record<string, never>;
}

const alertOf = (json: string): MassExtractionAlert => {
  const a = JSON.parse(json) as StoredAlert;
  return {
    id: a.id,
    tobacconistId: a.tobacconistId,
    raisedAt: new Date(Number(a.raisedAt)),
    distinctFiscalCodes: Number(a.distinctFiscalCodes),
    windowSeconds: Number(a.windowSeconds),
    comuni: [...new Set(Array.isArray(a.comuni) ? a.comuni : [])].sort(),
  };
};

/** Connects to Redis and returns the shared store; rejects when Redis cannot be reached. */
export async function createRedisQuotaStore(options: RedisQuotaStoreOptions): Promise<QuotaStore> {
  const prefix = options.prefix ?? "nq";
  const redis = new Redis(options.url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true });
  await redis.connect();
  let sequence = 0;
  const ledgerKey = (month: string) => `${prefix}:ledger:${month}`;

  return {
    async admit(request): Promise<QuotaDecision> {
      const t = `${prefix}:{${request.tobacconistId}}`;
      const { limits } = request;
      const result = (await redis.eval(
        admitScript,
        7,
        `${t}:m`,
        `${t}:d:${request.day}`,
        `${t}:cf`,
        `${t}:co`,
        `${t}:alerted`,
        `${prefix}:alerts`,
        `${prefix}:alert-seq`,
        request.now,
        limits.perMinute,
        limits.perDay,
        limits.massExtractionDistinctFiscalCodes,
        limits.massExtractionWindowSeconds * 1000,
        request.dayEndsAt,
        `${request.now}-${process.pid}-${++sequence}-${randomBytes(4).toString("hex")}`,
        request.subjectHash ?? "",
        request.comuneCode,
        request.tobacconistId,
      )) as [number, string | number, number, string?];
      if (result[0] === 1) return { admitted: true, minuteCount: Number(result[1]), dayCount: Number(result[2]) };
      const limit = result[1] as "per-minute" | "per-day" | "mass-extraction";
      return {
        admitted: false,
        limit,
        retryAfterSeconds: Number(result[2]),
        ...(result[3] ? { alert: alertOf(result[3]) } : {}),
      };
    },
    async alerts(limit) {
      return (await redis.lrange(`${prefix}:alerts`, 0, Math.max(0, limit - 1))).map(alertOf);
    },
    async record(entry) {
      const field = `${entry.tobacconistId}|${entry.comuneCode}`;
      await redis
        .multi()
        .hincrby(ledgerKey(entry.month), `${field}|certificates`, 1)
        .hincrby(ledgerKey(entry.month), `${field}|fees`, entry.serviceFeeCents)
        .hincrby(ledgerKey(entry.month), `${field}|bollo`, entry.stampDutyCents)
        .hincrby(ledgerKey(entry.month), `${field}|exempt`, entry.exempt ? 1 : 0)
        .exec();
    },
    async ledger(month, tobacconistId) {
      const all = await redis.hgetall(ledgerKey(month));
      const rows = new Map<string, LedgerRow>();
      for (const [field, value] of Object.entries(all)) {
        const [t, comune, what] = field.split("|");
        if (!t || !comune || !what || (tobacconistId !== undefined && t !== tobacconistId)) continue;
        const k = `${t}|${comune}`;
        const row = rows.get(k) ?? {
          tobacconistId: t,
          comuneCode: comune,
          certificates: 0,
          serviceFeesCents: 0,
          stampDutyCents: 0,
          exemptCertificates: 0,
        };
        const n = Number(value);
        if (what === "certificates") row.certificates = n;
        else if (what === "fees") row.serviceFeesCents = n;
        else if (what === "bollo") row.stampDutyCents = n;
        else if (what === "exempt") row.exemptCertificates = n;
        rows.set(k, row);
      }
      return [...rows.values()].sort(
        (a, b) => a.tobacconistId.localeCompare(b.tobacconistId) || a.comuneCode.localeCompare(b.comuneCode),
      );
    },
    async hashKey() {
      await redis.set(`${prefix}:hash-key`, randomBytes(32).toString("base64"), "NX");
      return new Uint8Array(Buffer.from((await redis.get(`${prefix}:hash-key`)) ?? "", "base64"));
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
