/**
 * novabox.alert.v1.AlertService: Novares hands the box an alert about its Comune; mapped to the
 * domain's mesh-alert service. Only a Novares peer (router or gateway certificate) may call on an mTLS
 * mesh: the peer guard runs first.
 */
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { AlertService } from "#gen/novabox/alert/v1/alert_service_pb.js";
import type { ServiceImpl } from "#shared/rpc/grpc-adapter.js";
import { InvalidInputError } from "../domain/errors.js";
import type { MeshAlertService } from "../domain/mesh-alerts.js";

/** Options for {@link createAlertHandlers}. */
export interface AlertHandlersOptions {
  alerts: MeshAlertService;
}

/** Creates the AlertService handlers. */
export function createAlertHandlers(options: AlertHandlersOptions): ServiceImpl<typeof AlertService> {
  return {
    reportMassExtraction(request) {
      if (!request.raisedAt) throw new InvalidInputError("raised_at", "raised_at is required", "MISSING_RAISED_AT");
      const recorded = options.alerts.recordMassExtraction({
        comuneCode: request.comuneCode,
        alertId: request.alertId,
        tobacconistId: request.tobacconistId,
        raisedAt: timestampDate(request.raisedAt),
        distinctFiscalCodes: request.distinctFiscalCodes,
        windowSeconds: request.windowSeconds,
        comuni: [...request.comuni],
      });
      return { alreadyRecorded: recorded.alreadyRecorded, auditEntryId: BigInt(recorded.auditEntryId) };
    },
  };
}
