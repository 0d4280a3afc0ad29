/**
 * The mesh-wide limits, one contract run against both stores: in memory, and a real Redis server
 * shared by two store instances (two gateway replicas) — counted together, and kept across a
 * replica's restart.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createMemoryQuotaStore } from "../src/domain/memory-quota-store.js";
import {
  QuotaExceededError,
  createQuotaGuard,
  romeDay,
  type MassExtractionAlert,
  type QuotaLimits,
  type QuotaStore,
} from "../src/domain/quota.js";
import { createRedisQuotaStore } from "../src/server/redis-quota-store.js";
import { startRedis, type TestRedis } from "../../../test/support/redis.js";

const limits: QuotaLimits = {
  perMinute: 5,
  perDay: 8,
  massExtractionDistinctFiscalCodes: 4,
  massExtractionWindowSeconds: 3600,
};
const start = new Date("2026-11-30T10:00:00Z").getTime();
const codes = [
  "RSSMRA85T10A562S",
  "BNCLRA90A41H501X",
  "VRDGPP70C12F205K",
  "NREFNC88D55L219Z",
  "GLLMRC75E20D612W",
  "FRRLCU82M41A944Q",
];

let redis: TestRedis;
const opened: QuotaStore[] = [];

beforeAll(async () => {
  redis = await startRedis();
}, 30_000);

afterAll(async () => {
  for (const s of opened) await s.close();
  await redis?.stop();
});

async function refusal(promise: Promise<unknown>): Promise<QuotaExceededError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof QuotaExceededError) return err;
    throw err;
  }
  throw new Error("expected a refusal");
}

let prefixSeq = 0;
const stores: [string, () => Promise<[QuotaStore, QuotaStore]>][] = [
  [
    "in memory",
    () => {
      const s = createMemoryQuotaStore();
      return Promise.resolve([s, s]);
    },
  ],
  [
    "in Redis, two replicas",
    async () => {
      const prefix = `t${++prefixSeq}`;
      const a = await createRedisQuotaStore({ url: redis.url, prefix });
      const b = await createRedisQuotaStore({ url: redis.url, prefix });
      opened.push(a, b);
      return [a, b];
    },
  ],
];

describe.each(stores)("the quota store %s", (_name, open) => {
  it("refuses the call over the per-minute quota on either replica, names the limit and when to retry, and admits again a minute later", async () => {
    const [a, b] = await open();
    let now = start;
    const clock = () => new Date(now);
    const ga = createQuotaGuard({ store: a, limits, clock });
    const gb = createQuotaGuard({ store: b, limits, clock });
    const counts = [];
    for (let i = 0; i < 5; i++) {
      now += 1000;
      counts.push((await (i % 2 ? gb : ga).admit("TAB-0001", "022205")).minuteCount);
    }
    expect(counts).toEqual([1, 2, 3, 4, 5]);
    for (const guard of [ga, gb]) {
      const err = await refusal(guard.admit("TAB-0001", "022161"));
      expect(err.kind).toBe("rate-limited");
      expect(err.reason).toBe("TOBACCONIST_QUOTA_PER_MINUTE");
      expect(err.retryAfterSeconds).toBe(56);
      expect(err.message).toMatch(/more than 5 requests in a minute .* retry in 56 s/);
    }
    expect((await ga.admit("TAB-0002", "022205")).minuteCount).toBe(1); // another tobacconist is not affected
    now += 56_000;
    expect((await gb.admit("TAB-0001", "022205")).minuteCount).toBe(5);
  });

  it("refuses over the per-day quota until Rome midnight", async () => {
    const [a, b] = await open();
    let now = start;
    const guard = createQuotaGuard({ store: a, limits: { ...limits, perMinute: 0 }, clock: () => new Date(now) });
    const other = createQuotaGuard({ store: b, limits: { ...limits, perMinute: 0 }, clock: () => new Date(now) });
    for (let i = 0; i < 8; i++) await (i % 2 ? other : guard).admit("TAB-0003", "022205");
    const err = await refusal(other.admit("TAB-0003", "022205"));
    expect(err.reason).toBe("TOBACCONIST_QUOTA_PER_DAY");
    expect(err.retryAfterSeconds).toBe(Math.ceil((romeDay(now).endsAt - now) / 1000));
    now = romeDay(now).endsAt + 1000;
    await expect(guard.admit("TAB-0003", "022205")).resolves.toMatchObject({ minuteCount: 1 });
  });

  it("raises exactly one mass-extraction alert per episode, naming every Comune, and keeps admitting people already seen", async () => {
    const [a, b] = await open();
    let now = start;
    const alerts: MassExtractionAlert[] = [];
    const onAlert = (alert: MassExtractionAlert) => alerts.push(alert);
    const ga = createQuotaGuard({
      store: a,
      limits: { ...limits, perMinute: 0, perDay: 0 },
      clock: () => new Date(now),
      onAlert,
    });
    const gb = createQuotaGuard({
      store: b,
      limits: { ...limits, perMinute: 0, perDay: 0 },
      clock: () => new Date(now),
      onAlert,
    });
    const comuni = ["001272", "015146", "022205", "058091", "063049", "082053"];
    for (let i = 0; i < 4; i++) {
      now += 1000;
      await (i % 2 ? gb : ga).admit("TAB-0004", comuni[i]!, codes[i]);
    }
    const first = await refusal(ga.admit("TAB-0004", comuni[4]!, codes[4]));
    expect(first.reason).toBe("MASS_EXTRACTION");
    expect(first.retryAfterSeconds).toBe(3597);
    expect((await refusal(gb.admit("TAB-0004", comuni[5]!, codes[5]))).reason).toBe("MASS_EXTRACTION");
    await expect(gb.admit("TAB-0004", comuni[1]!, codes[1])).resolves.toBeDefined(); // someone already seen
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      tobacconistId: "TAB-0004",
      distinctFiscalCodes: 4,
      windowSeconds: 3600,
      comuni: comuni.slice(0, 5).sort(),
    });
    expect((await b.alerts(10)).map((x) => x.id)).toEqual([alerts[0]!.id]);
    expect(JSON.stringify(await b.alerts(10))).not.toMatch(/RSSMRA|BNCLRA/);
  });

  it("keeps a ledger of issued certificates per tobacconist and Comune", async () => {
    const [a, b] = await open();
    await a.record({
      tobacconistId: "TAB-0005",
      comuneCode: "022205",
      month: "2026-11",
      serviceFeeCents: 200,
      stampDutyCents: 1600,
      exempt: false,
    });
    await b.record({
      tobacconistId: "TAB-0005",
      comuneCode: "022205",
      month: "2026-11",
      serviceFeeCents: 200,
      stampDutyCents: 0,
      exempt: true,
    });
    await b.record({
      tobacconistId: "TAB-0005",
      comuneCode: "022161",
      month: "2026-11",
      serviceFeeCents: 200,
      stampDutyCents: 1600,
      exempt: false,
    });
    await b.record({
      tobacconistId: "TAB-0006",
      comuneCode: "022161",
      month: "2026-10",
      serviceFeeCents: 200,
      stampDutyCents: 1600,
      exempt: false,
    });
    expect(await a.ledger("2026-11", "TAB-0005")).toEqual([
      {
        tobacconistId: "TAB-0005",
        comuneCode: "022161",
        certificates: 1,
        serviceFeesCents: 200,
        stampDutyCents: 1600,
        exemptCertificates: 0,
      },
      {
        tobacconistId: "TAB-0005",
        comuneCode: "022205",
        certificates: 2,
        serviceFeesCents: 400,
        stampDutyCents: 1600,
        exemptCertificates: 1,
      },
    ]);
    expect((await a.ledger("2026-10")).map((r) => r.tobacconistId)).toEqual(["TAB-0006"]);
  });
});

describe("the Redis store across a restart", () => {
  it("keeps the counters when a gateway replica restarts and when Redis itself restarts", async () => {
    const now = start;
    const first = await createRedisQuotaStore({ url: redis.url, prefix: "restart" });
    const guard = createQuotaGuard({ store: first, limits, clock: () => new Date(now) });
    for (let i = 0; i < 5; i++) await guard.admit("TAB-0007", "022205");
    await first.close();
    await redis.restart();
    const second = await createRedisQuotaStore({ url: redis.url, prefix: "restart" });
    opened.push(second);
    const err = await refusal(
      createQuotaGuard({ store: second, limits, clock: () => new Date(now) }).admit("TAB-0007", "022205"),
    );
    expect(err.reason).toBe("TOBACCONIST_QUOTA_PER_MINUTE");
  }, 30_000);
});
