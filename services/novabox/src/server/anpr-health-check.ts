/**
 * One health check of the box (see domain/anpr-health-monitor.ts): what can be seen without calling
 * ANPR first (configuration, certificate validity against the box's clock), then ANPR's TestConn,
 * whose failure is classified into a reason an operator can act on: ANPR refusing the request's
 * timestamp (WS-Security `wsu:MessageExpired`, OASIS WSS 1.1 SOAP Message Security §13) is the box's
 * clock; a security fault otherwise is the credentials; anything else (HTTP errors, timeouts,
 * unreadable answers) is ANPR being unreachable.
 */
import { redactText } from "#shared/runtime/log-safety.js";
import type { HealthVerdict } from "../domain/anpr-health-monitor.js";
import type { ConfigStore } from "../domain/ports.js";
import { missingForAnpr } from "./anpr-gateway.js";

/** Options of {@link checkAnprHealth}. */
export interface CheckAnprHealthOptions {
  config: ConfigStore;
  /** The ANPR client for the current configuration. */
  anpr: () => Promise<{ testConnection(): Promise<unknown> }>;
  clock: () => Date;
}

const day = (d: Date) => d.toISOString().slice(0, 10);

/** Runs one check; never throws. */
export async function checkAnprHealth(options: CheckAnprHealthOptions): Promise<HealthVerdict> {
  const missing = missingForAnpr(options.config);
  if (missing.length > 0) return { serving: false, reason: "not configured", detail: `missing ${missing.join(", ")}` };
  const now = options.clock();
  const certificates = [
    { what: "the workstation certificate", summary: options.config.workstationCertificateSummary() },
    { what: "the ANPR CA certificate", summary: options.config.caCertificateSummary() },
  ];
  for (const { what, summary } of certificates) {
    if (summary && summary.notAfter.getTime() <= now.getTime()) {
      return {
        serving: false,
        reason: "certificate expired",
        detail: `${what} expired on ${day(summary.notAfter)}: upload a renewed one in the Novabox panel`,
      };
    }
    if (summary && summary.notBefore.getTime() > now.getTime()) {
      return {
        serving: false,
        reason: "clock skew",
        detail: `${what} is valid only from ${summary.notBefore.toISOString()}, after this box's clock (${now.toISOString()}): check the clock (NTP)`,
      };
    }
  }
  try {
    await (await options.anpr()).testConnection();
    return { serving: true };
  } catch (err) {
    const e = (err ?? {}) as { reason?: unknown; metadata?: Record<string, unknown>; message?: unknown };
    const message = redactText(typeof e.message === "string" ? e.message : String(err));
    const faultCode = typeof e.metadata?.faultCode === "string" ? e.metadata.faultCode : "";
    switch (e.reason) {
      case "NOT_CONFIGURED":
        return { serving: false, reason: "not configured", detail: message };
      case "ANPR_SECURITY_FAULT":
        if (/MessageExpired/i.test(`${faultCode} ${message}`)) {
          return {
            serving: false,
            reason: "clock skew",
            detail: `ANPR refused the request's timestamp (${faultCode || "wsu:MessageExpired"}): check this box's clock (NTP)`,
          };
        }
        return { serving: false, reason: "ANPR refused the credentials", detail: message };
      case "ANPR_REJECTED":
        return { serving: false, reason: "ANPR refused the credentials", detail: message };
      default:
        return { serving: false, reason: "ANPR unreachable", detail: message };
    }
  }
}
