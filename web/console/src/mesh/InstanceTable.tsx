/** One row per announced box: comune, workstation, version, health (and why not serving, as the box says), last announcement. */
import { For, type JSX } from "solid-js";
import type { Instance } from "@gen/novares/discovery/v1/discovery_service_pb.js";
import { healthLabels } from "./health.ts";
import { ago } from "../../../shared/format.ts";
import { useI18n } from "../../../shared/i18n.tsx";

export function InstanceTable(props: { instances: readonly Instance[]; now: Date }): JSX.Element {
  const { t, intlLocale } = useI18n();
  return (
    <table data-testid="instances">
      <thead>
        <tr>
          <th>{t("Comune")}</th>
          <th>{t("Postazione")}</th>
          <th>{t("Indirizzo")}</th>
          <th>{t("Versione")}</th>
          <th>{t("Stato")}</th>
          <th>{t("Ultimo annuncio")}</th>
        </tr>
      </thead>
      <tbody>
        <For
          each={props.instances}
          fallback={
            <tr>
              <td colSpan={6}>{t("Nessun Novabox annunciato.")}</td>
            </tr>
          }
        >
          {(i) => (
            <tr data-comune={i.comuneCode} data-health={healthLabels[i.health][0]}>
              <td>
                {i.comuneName} ({i.comuneCode})
              </td>
              <td>{i.workstationCode}</td>
              <td class="mono">
                {i.host}:{i.port}
              </td>
              <td>{i.version}</td>
              <td>
                <span class={`badge ${healthLabels[i.health][1]}`}>{t(healthLabels[i.health][0])}</span>
                {i.healthReason ? (
                  <div class="hint" data-testid="health-reason">
                    {i.healthReason}
                  </div>
                ) : null}
              </td>
              <td>{ago(i.lastAnnouncedAt, props.now, intlLocale())}</td>
            </tr>
          )}
        </For>
      </tbody>
    </table>
  );
}
