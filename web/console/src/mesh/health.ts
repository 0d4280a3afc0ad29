/** Italian wording and tone for an instance's health. */
import { InstanceHealth } from "#gen/novares/discovery/v1/discovery_service_pb.js";

export const healthLabels: Record<InstanceHealth, [string, "ok" | "warn" | "bad"]> = {
  [InstanceHealth.SERVING]: ["In servizio", "ok"],
  [InstanceHealth.NOT_SERVING]: ["Non in servizio", "bad"],
  [InstanceHealth.UNKNOWN]: ["Stato sconosciuto", "warn"],
  [InstanceHealth.UNSPECIFIED]: ["Stato sconosciuto", "warn"],
};
