/** How many boxes are serving, not serving, unknown. */
import type { JSX } from "solid-js";
import { InstanceHealth, type Instance } from "@gen/novares/discovery/v1/discovery_service_pb.js";

export function HealthCounts(props: { instances: readonly Instance[] }): JSX.Element {
  const count = (...h: InstanceHealth[]) => props.instances.filter((i) => h.includes(i.health)).length;
  return (
    <p class="counts" data-testid="health-counts">
      <span>Totale: <strong>{props.instances.length}</strong></span>
      <span class="badge ok" data-testid="count-serving">In servizio: {count(InstanceHealth.SERVING)}</span>
      <span class="badge bad" data-testid="count-not-serving">Non in servizio: {count(InstanceHealth.NOT_SERVING)}</span>
      <span class="badge warn" data-testid="count-unknown">Sconosciuto: {count(InstanceHealth.UNKNOWN, InstanceHealth.UNSPECIFIED)}</span>
    </p>
  );
}
