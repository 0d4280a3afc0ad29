/**
 * novares.counter.v1.CounterService at the gateway: the mass-extraction alerts and the monthly
 * ledger of certificates issued through Novares. A tobacconist sees its own; a Novares operator (an
 * SSO subject listed in the gateway's operator ids) sees everyone's.
 */
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { CounterService } from "#gen/novares/counter/v1/counter_service_pb.js";
import { DomainError } from "#shared/runtime/domain-error.js";
import type { CallContext, ServiceImpl } from "#shared/rpc/grpc-adapter.js";
import type { QuotaStore } from "../domain/quota.js";
import { principalOf } from "#shared/rpc/call-auth.js";

/** Options of {@link createCounterHandlers}. */
export interface CounterHandlersOptions {
  store: QuotaStore;
  /** SSO subjects that are Novares operators (FIT), who see every tobacconist. */
  operatorIds: readonly string[];
}

/** Creates the CounterService handlers. */
export function createCounterHandlers(options: CounterHandlersOptions): ServiceImpl<typeof CounterService> {
  /** The caller the auth step verified (handlers/auth.ts: every CounterService method is "tobacconist"). */
  const caller = (context: CallContext) => {
    const { identity } = principalOf(context, "tobacconist");
    return { id: identity.tobacconistId, operator: options.operatorIds.includes(identity.tobacconistId) };
  };
  return {
    listMassExtractionAlerts: async (request, context) => {
      const who = caller(context);
      const limit = Math.min(1000, request.limit || 100);
      const alerts = (await options.store.alerts(1000))
        .filter((a) => who.operator || a.tobacconistId === who.id)
        .slice(0, limit);
      return {
        alerts: alerts.map((a) => ({
          id: a.id,
          tobacconistId: a.tobacconistId,
          raisedAt: timestampFromDate(a.raisedAt),
          distinctFiscalCodes: a.distinctFiscalCodes,
          windowSeconds: a.windowSeconds,
          comuni: a.comuni,
        })),
      };
    },
    getTobacconistAccount: async (request, context) => {
      const who = caller(context);
      const month = request.month.trim();
      if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) {
        throw new DomainError(
          "invalid-input",
          `month must be "YYYY-MM" (e.g. "2026-11"), not ${JSON.stringify(request.month)}`,
          { field: "month", reason: "INVALID_MONTH" },
        );
      }
      if (!who.operator && request.tobacconistId && request.tobacconistId !== who.id) {
        throw new DomainError(
          "forbidden",
          `a tobacconist sees only its own account; leave tobacconist_id empty or send ${who.id}`,
          { field: "tobacconist_id", reason: "TOBACCONIST_MISMATCH" },
        );
      }
      const tobacconistId = who.operator ? request.tobacconistId || undefined : who.id;
      const rows = await options.store.ledger(month, tobacconistId);
      return {
        month,
        rows: rows.map((r) => ({
          tobacconistId: r.tobacconistId,
          comuneCode: r.comuneCode,
          certificates: r.certificates,
          serviceFeesCents: BigInt(r.serviceFeesCents),
          stampDutyCents: BigInt(r.stampDutyCents),
          exemptCertificates: r.exemptCertificates,
        })),
      };
    },
  };
}
