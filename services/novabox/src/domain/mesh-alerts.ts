/**
 * Alerts Novares raises about this Comune's traffic (today: the gateway's mesh-wide mass-extraction
 * rule, agreement art. 3.11), recorded in the box's own audit log so the Comune sees them in its
 * panel next to its own alerts (agreement art. 5.4). Delivery is at-least-once, so recording is
 * idempotent by the alert's Novares id.
 */
import { auditRecord } from "./audit-record.js";
import { InvalidInputError } from "./errors.js";
import type { Settings } from "./model.js";
import type { AuditLog } from "./ports.js";
import { assertServesComune } from "./validation.js";

/** One mass-extraction episode as Novares reports it. */
export interface MeshMassExtractionAlert {
  comuneCode: string;
  alertId: string;
  tobacconistId: string;
  raisedAt: Date;
  distinctFiscalCodes: number;
  windowSeconds: number;
  comuni: string[];
}

/** What recording an alert did. */
export interface RecordedMeshAlert {
  alreadyRecorded: boolean;
  auditEntryId: number;
}

/** Options for {@link createMeshAlertService}. */
export interface MeshAlertServiceOptions {
  audit: AuditLog;
  settings: () => Pick<Settings, "comuneCode">;
}

/** The audit request id that carries a Novares alert id (the idempotency key of the delivery). */
export const meshAlertRequestId = (alertId: string): string => `novares-alert:${alertId}`;

const alertIdPattern = /^[A-Za-z0-9._:-]{1,100}$/;
const comunePattern = /^\d{6}$/;

/** Records Novares' alerts about this Comune. */
export function createMeshAlertService(options: MeshAlertServiceOptions) {
  const { audit } = options;
  return {
    /**
     * Appends one ANOMALY_ALERT row (actor `novares`) for a new alert id; a repeated delivery of the
     * same id appends nothing. A foreign `comuneCode` is refused before anything is written.
     */
    recordMassExtraction(alert: MeshMassExtractionAlert): RecordedMeshAlert {
      assertServesComune(options.settings(), alert.comuneCode);
      if (!alertIdPattern.test(alert.alertId)) {
        throw new InvalidInputError(
          "alert_id",
          "alert_id must be 1-100 letters, digits or . _ : -",
          "INVALID_ALERT_ID",
        );
      }
      if (!alert.tobacconistId)
        throw new InvalidInputError("tobacconist_id", "tobacconist_id is required", "MISSING_TOBACCONIST_ID");
      const badComune = alert.comuni.find((c) => !comunePattern.test(c));
      if (badComune !== undefined)
        throw new InvalidInputError(
          "comuni",
          `comuni: "${badComune}" is not a six-digit ISTAT code`,
          "INVALID_COMUNE_CODE",
        );
      const requestId = meshAlertRequestId(alert.alertId);
      for (const page of audit.export({ operations: ["ANOMALY_ALERT"], tobacconistId: alert.tobacconistId })) {
        const found = page.find((e) => e.requestId === requestId);
        if (found) return { alreadyRecorded: true, auditEntryId: found.id };
      }
      const others = alert.comuni.filter((c) => c !== alert.comuneCode);
      const detail =
        `Novares mass-extraction alert ${alert.alertId}: ${alert.distinctFiscalCodes} distinct fiscal codes within ` +
        `${alert.windowSeconds} s, raised ${alert.raisedAt.toISOString()}` +
        (others.length > 0 ? `; also Comuni ${others.join(", ")}` : "");
      const entry = audit.append(
        auditRecord(
          "ANOMALY_ALERT",
          { authenticationMethod: "SYSTEM", actor: "novares", tobacconistId: alert.tobacconistId, requestId },
          { outcome: "RATE_LIMITED", detail: detail.slice(0, 480) },
        ),
      );
      return { alreadyRecorded: false, auditEntryId: entry.id };
    },
  };
}

/** The service {@link createMeshAlertService} returns. */
export type MeshAlertService = ReturnType<typeof createMeshAlertService>;
