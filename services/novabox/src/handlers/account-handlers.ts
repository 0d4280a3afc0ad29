/**
 * novabox.account.v1.AccountService: the Comune's monthly account for the admin panel. Every call
 * needs an admin session, checked by the server's auth step (auth.ts `accountPolicies`).
 */
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  AccountFileFormat,
  type AccountService as AccountServiceDesc,
} from "#gen/novabox/account/v1/account_service_pb.js";
import type { ServiceImpl } from "#shared/rpc/grpc-adapter.js";
import { principalOf } from "#shared/rpc/call-auth.js";
import type { AccountService } from "../domain/account-service.js";
import type { MonthlyAccount, TobacconistMonth } from "../domain/monthly-account.js";

/** Options of {@link createAccountHandlers}. */
export interface AccountHandlersOptions {
  account: AccountService;
  /** The configured service fee, reported with the account. */
  serviceFeeCents: () => number;
}

const counts = <K>(map: Map<K, number>) =>
  [...map.entries()].sort((a, b) => String(a[0]).localeCompare(String(b[0]), "en", { numeric: true }));

function rowMessage(row: TobacconistMonth) {
  return {
    tobacconistId: row.tobacconistId,
    certificatesIssued: row.certificatesIssued,
    certificatesByType: counts(row.certificatesByType).map(([certificateType, count]) => ({ certificateType, count })),
    previews: row.previews,
    refusals: row.refusals,
    serviceFeesCents: BigInt(row.serviceFeesCents),
    stampDutyCents: BigInt(row.stampDutyCents),
    secretariatFeesCents: BigInt(row.secretariatFeesCents),
    exemptions: counts(row.exemptions).map(([reason, count]) => ({ reason, count })),
    reasons: counts(row.reasons).map(([reason, count]) => ({ reason, count })),
  };
}

/** The domain account as a novabox.account.v1.MonthlyAccount. */
export function monthlyAccountMessage(account: MonthlyAccount, serviceFeeCents: number) {
  return {
    month: account.month,
    startTime: timestampFromDate(account.start),
    endTime: timestampFromDate(account.end),
    tobacconists: account.tobacconists.map(rowMessage),
    totals: rowMessage(account.totals),
    serviceFeeCents: BigInt(serviceFeeCents),
  };
}

/** Creates the AccountService handlers. */
export function createAccountHandlers(options: AccountHandlersOptions): ServiceImpl<typeof AccountServiceDesc> {
  return {
    getMonthlyAccount(request) {
      return { account: monthlyAccountMessage(options.account.monthly(request.month), options.serviceFeeCents()) };
    },
    async exportMonthlyAccount(request, context) {
      const actor = principalOf(context, "admin").username;
      const format =
        request.format === AccountFileFormat.CSV ? "csv" : request.format === AccountFileFormat.PDF ? "pdf" : "none";
      const file = await options.account.export(request.month, format as "csv" | "pdf", actor);
      return { content: file.content, contentType: file.contentType, fileName: file.fileName };
    },
  };
}
