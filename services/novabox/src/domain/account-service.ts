/**
 * The Comune's monthly account as the panel asks for it: computed from the audit log of the month
 * (never a second ledger), exported as CSV or PDF with an AUDIT_EXPORT row naming what left the box.
 */
import { auditRecord } from "./audit-record.js";
import { InvalidInputError } from "./errors.js";
import type { Settings } from "./model.js";
import { computeMonthlyAccount, monthRange, monthlyAccountCsv, type MonthlyAccount } from "./monthly-account.js";
import type { AuditLog } from "./ports.js";

/** Renders an account as a printable PDF (an adapter: the domain does not know PDF). */
export type AccountPdfRenderer = (
  account: MonthlyAccount,
  comune: { code: string; name: string; serviceFeeCents: number },
) => Promise<Uint8Array>;

/** Options of {@link createAccountService}. */
export interface AccountServiceOptions {
  audit: AuditLog;
  settings: () => Pick<Settings, "comuneCode" | "comuneName" | "serviceFeeCents">;
  renderPdf: AccountPdfRenderer;
  newRequestId: () => string;
}

/** An exported file. */
export interface AccountFile {
  content: Uint8Array;
  contentType: string;
  fileName: string;
}

/** The account operations. */
export interface AccountService {
  /** The account of `month` ("YYYY-MM"). */
  monthly(month: string): MonthlyAccount;
  /** The account of `month` as a file; audited as AUDIT_EXPORT by `actor`. */
  export(month: string, format: "csv" | "pdf", actor: string): Promise<AccountFile>;
}

/** Creates the {@link AccountService}. */
export function createAccountService(options: AccountServiceOptions): AccountService {
  const monthly = (month: string): MonthlyAccount => {
    const range = monthRange(month);
    const rows = options.audit.export({
      startTime: range.start,
      endTime: range.end,
      operations: ["CERTIFICATE_ISSUE", "CERTIFICATE_PREVIEW"],
    });
    return computeMonthlyAccount(
      range.month,
      (function* () {
        for (const batch of rows) yield* batch;
      })(),
    );
  };
  return {
    monthly,
    async export(month, format, actor) {
      if (format !== "csv" && format !== "pdf")
        throw new InvalidInputError("format", "format: choose CSV or PDF", "FORMAT_REQUIRED");
      const account = monthly(month);
      const settings = options.settings();
      const base = `conto-${settings.comuneCode || "comune"}-${account.month}`;
      const file: AccountFile =
        format === "csv"
          ? {
              content: new TextEncoder().encode(monthlyAccountCsv(account)),
              contentType: "text/csv; charset=utf-8",
              fileName: `${base}.csv`,
            }
          : {
              content: await options.renderPdf(account, {
                code: settings.comuneCode,
                name: settings.comuneName,
                serviceFeeCents: settings.serviceFeeCents,
              }),
              contentType: "application/pdf",
              fileName: `${base}.pdf`,
            };
      options.audit.append(
        auditRecord(
          "AUDIT_EXPORT",
          { authenticationMethod: "ADMIN_SESSION", actor, requestId: options.newRequestId() },
          { detail: `monthly account ${account.month} as ${format.toUpperCase()}` },
        ),
      );
      return file;
    },
  };
}
