/**
 * The Novabox's own metrics and spans, on top of the shared Observability, added by decorating its
 * ports rather than editing the domain: the ANPR client (one span per SOAP call, latency and outcome
 * by ANPR error code), the audit log (rows written; rate-limit and mass-extraction refusals, read
 * from the rows the domain writes for them), the announcer and the health monitor.
 *
 * Labels hold only codes from bounded sets (ANPR's error table, audit operations and outcomes): never
 * a fiscal code, a name or a request id.
 */
import { createCallMeter, settle } from "#shared/runtime/call-meter.js";
import type { Observability } from "#shared/runtime/observability.js";
import type { AnprClient } from "../anpr-client/anpr-client.js";
import type { HealthVerdict } from "../domain/anpr-health-monitor.js";
import type { AuditLog } from "../domain/ports.js";

/** See the module comment. */
export interface BoxTelemetry {
  /** The same client, each call traced and measured (memoised per client). */
  instrumentAnpr(client: AnprClient): AnprClient;
  /** The same audit log, each append counted. */
  instrumentAudit(audit: AuditLog): AuditLog;
  /** Records the health monitor's verdict. */
  healthChanged(verdict: HealthVerdict): void;
  /** Records an announcement's outcome. */
  announced(ok: boolean): void;
}

/** Options of {@link createBoxTelemetry}. */
export interface BoxTelemetryOptions {
  observability: Observability;
  /** Told when an ANPR call found ANPR unreachable (the health monitor re-checks early). */
  onAnprUnavailable?: () => void;
  /** Told when an ANPR call was answered (a NOT_SERVING box re-checks at once instead of at its next interval). */
  onAnprAnswered?: () => void;
}

/** The reasons the client's typed errors carry, as metric outcomes. */
const outcomeOfReason: Readonly<Record<string, string>> = {
  ANPR_REJECTED: "rejected",
  ANPR_UNAVAILABLE: "unavailable",
  ANPR_TIMEOUT: "timeout",
  ANPR_BAD_RESPONSE: "bad_response",
  ANPR_RESPONSE_SIGNATURE_INVALID: "bad_signature",
  ANPR_FAULT: "fault",
  ANPR_SECURITY_FAULT: "security_fault",
};

/** The metric `limit` of a RATE_LIMITED audit row (not an ANOMALY_ALERT). */
function refusedLimit(operation: string, detail: string | undefined): "mass_extraction" | "rate" | "admin_login" {
  if (operation === "ADMIN_LOGIN" || operation === "PASSWORD_CHANGE") return "admin_login";
  return (detail ?? "").startsWith("MASS_EXTRACTION") ? "mass_extraction" : "rate";
}

interface ErrorShape {
  reason?: unknown;
  metadata?: Record<string, unknown>;
  anprOperationId?: unknown;
}

/** Creates the {@link BoxTelemetry}. */
export function createBoxTelemetry(options: BoxTelemetryOptions): BoxTelemetry {
  const obs = options.observability;
  const { metrics } = obs;
  const anprCalls = createCallMeter(metrics, {
    count: {
      name: "novabox_anpr_requests_total",
      help: "SOAP calls to ANPR, by operation (6001 issue/preview, 3000 individual record, testconn), outcome (ok, rejected, unavailable, timeout, fault, ...) and ANPR error code (EN122, ...; the SOAP faultcode for faults; empty when ok).",
    },
    seconds: {
      name: "novabox_anpr_request_duration_seconds",
      help: "Latency of SOAP calls to ANPR, by operation and outcome.",
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60],
    },
    labelNames: ["operation", "outcome", "error_code"],
    countOnlyLabels: ["error_code"],
  });
  const anprUp = metrics.gauge({
    name: "novabox_anpr_up",
    help: "1 when the box's last ANPR check passed (SERVING), 0 otherwise.",
  });
  const notServing = metrics.gauge({
    name: "novabox_not_serving",
    help: "1 for the reason the box is NOT_SERVING now (not configured, certificate expired, clock skew, ANPR unreachable, ANPR refused the credentials); no sample while serving.",
    labelNames: ["reason"],
  });
  const healthChanges = metrics.counter({
    name: "novabox_health_changes_total",
    help: "Changes of the box's serving status (a fast-growing count is a flapping box).",
  });
  const announcements = metrics.counter({
    name: "novabox_announcements_total",
    help: "Announcements to Novares, by outcome (ok, failed).",
    labelNames: ["outcome"],
  });
  const auditRows = metrics.counter({
    name: "novabox_audit_rows_written_total",
    help: "Audit log rows written, by operation and outcome.",
    labelNames: ["operation", "outcome"],
  });
  const refusals = metrics.counter({
    name: "novabox_limit_refusals_total",
    help: "Requests refused by a limit, by limit (rate: per-tobacconist requests per minute; mass_extraction: distinct fiscal codes per window; admin_login: the admin panel's lockout after failed passwords).",
    labelNames: ["limit"],
  });
  const massAlerts = metrics.counter({
    name: "novabox_mass_extraction_alerts_total",
    help: "Mass-extraction alerts recorded (ANOMALY_ALERT audit rows), by source: novabox (this box's own rule opened an episode) or novares (the gateway's mesh-wide rule, delivered to the Comuni involved).",
    labelNames: ["source"],
  });
  let lastServing: boolean | undefined;

  const measure = <T extends { anprOperationId: string; idOperazioneComune: string }>(
    operation: string,
    span: string,
    call: () => Promise<T>,
  ): Promise<T> =>
    obs.inSpan(span, (work) => {
      work.annotate({ anprService: operation });
      return settle(call, (settled, seconds) => {
        if (settled.ok) {
          work.annotate({
            anprOperationId: settled.value.anprOperationId,
            anprComuneOperationId: settled.value.idOperazioneComune,
            anprOutcome: "ok",
          });
          anprCalls.record({ operation, outcome: "ok", error_code: "" }, seconds);
          options.onAnprAnswered?.();
          return;
        }
        const e = (settled.error ?? {}) as ErrorShape;
        const reason = typeof e.reason === "string" ? e.reason : "";
        const outcome = outcomeOfReason[reason] ?? "error";
        const code = e.metadata?.anprCode ?? e.metadata?.faultCode ?? reason;
        const errorCode = typeof code === "string" ? code.slice(0, 64) : "";
        work.annotate({
          anprOutcome: outcome,
          anprErrorCode: errorCode,
          ...(typeof e.anprOperationId === "string" ? { anprOperationId: e.anprOperationId } : {}),
        });
        anprCalls.record({ operation, outcome, error_code: errorCode }, seconds);
        if (outcome === "unavailable" || outcome === "timeout") options.onAnprUnavailable?.();
      });
    });

  const instrumented = new WeakMap<AnprClient, AnprClient>();
  return {
    instrumentAnpr(client) {
      const known = instrumented.get(client);
      if (known) return known;
      const wrapped: AnprClient = {
        nextOperationId: () => client.nextOperationId(),
        issueCertificate: (input, callOptions) =>
          measure("6001", input.issuance === 3 ? "ANPR 6001 anteprima" : "ANPR 6001 emissioneCertificato", () =>
            client.issueCertificate(input, callOptions),
          ),
        getIndividualRecord: (input, callOptions) =>
          measure("3000", "ANPR 3000 interrogazione", () => client.getIndividualRecord(input, callOptions)),
        testConnection: () => measure("testconn", "ANPR TestConn", () => client.testConnection()),
        close: () => client.close(),
      };
      instrumented.set(client, wrapped);
      return wrapped;
    },
    instrumentAudit(audit) {
      return {
        append(record) {
          const entry = audit.append(record);
          auditRows.inc({ operation: record.operation, outcome: record.outcome });
          if (record.outcome === "RATE_LIMITED") {
            if (record.operation === "ANOMALY_ALERT")
              massAlerts.inc({ source: record.actor === "novares" ? "novares" : "novabox" });
            else refusals.inc({ limit: refusedLimit(record.operation, record.detail) });
          }
          return entry;
        },
        list: (filter, pageSize, cursor) => audit.list(filter, pageSize, cursor),
        export: (filter, batchSize) => audit.export(filter, batchSize),
        verify: () => audit.verify(),
        purge: (before) => audit.purge(before),
      };
    },
    healthChanged(verdict) {
      anprUp.set(verdict.serving ? 1 : 0);
      notServing.reset();
      if (!verdict.serving) notServing.set({ reason: verdict.reason }, 1);
      if (lastServing !== undefined && lastServing !== verdict.serving) healthChanges.inc();
      lastServing = verdict.serving;
    },
    announced(ok) {
      announcements.inc({ outcome: ok ? "ok" : "failed" });
    },
  };
}
