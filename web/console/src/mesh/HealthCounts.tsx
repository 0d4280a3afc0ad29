/** How many boxes are serving, not serving, unknown. */
import type { JSX } from "solid-js";
import { InstanceHealth, type Instance } from "#gen/novares/discovery/v1/discovery_service_pb.js";
import { useI18n } from "../../../shared/i18n.tsx";

export function HealthCounts(props: { instances: readonly Instance[] }): JSX.Element {
  const { t } = useI18n();
  const count = (...h: InstanceHealth[]) => props.instances.filter((i) => h.includes(i.health)).length;
  return (
    <p class="counts" data-testid="health-counts">
      <span>
        {t("Totale:")} <strong>{props.instances.length}</strong>
      </span>
      <span class="badge ok" data-testid="count-serving">
        {t("In servizio:")} {count(InstanceHealth.SERVING)}
      </span>
      <span class="badge bad" data-testid="count-not-serving">
        {t("Non in servizio:")} {count(InstanceHealth.NOT_SERVING)}
      </span>
      <span class="badge warn" data-testid="count-unknown">
        {t("Sconosciuto:")} {count(InstanceHealth.UNKNOWN, InstanceHealth.UNSPECIFIED)}
      </span>
    </p>
  );
}
