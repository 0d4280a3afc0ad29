/**
 * The anomaly alerts of the last 90 days (ANOMALY_ALERT entries of the audit log): those Novares
 * handed to this Comune (a tobacconist's mass extraction across the mesh, actor "novares") and those
 * the box's own guard raised. The Comune sees here what Novares saw (agreement art. 3.11 and 5.4).
 */
import { createResource, For, Show, type JSX } from "solid-js";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { AuditOperation } from "#gen/novabox/config/v1/config_service_pb.js";
import { adminAuth, config } from "../clients.ts";
import { describeError } from "../../../shared/errors.ts";
import { formatDateTime } from "../../../shared/format.ts";
import { useI18n } from "../../../shared/i18n.tsx";

const windowDays = 90;

export function NovaresAlerts(): JSX.Element {
  const { t, intlLocale } = useI18n();
  const [alerts, { refetch }] = createResource(async () => {
    const startTime = timestampFromDate(new Date(Date.now() - windowDays * 86_400_000));
    return (
      await config.listAuditLog(
        { filter: { operations: [AuditOperation.ANOMALY_ALERT], startTime }, pageSize: 100 },
        adminAuth(),
      )
    ).entries;
  });
  return (
    <section class="card" data-testid="anomaly-alerts">
      <h2>{t("Segnalazioni di estrazione massiva")}</h2>
      <p>
        {t(
          "Le segnalazioni degli ultimi {windowDays} giorni: quelle di Novares, che vede le richieste di ogni tabaccheria verso tutti i Comuni, e quelle del Novabox.",
          { windowDays },
        )}
      </p>
      <div class="actions">
        <button type="button" class="secondary" onClick={() => void refetch()}>
          {t("Aggiorna")}
        </button>
      </div>
      <Show
        when={!alerts.error}
        fallback={
          <p class="action-error" role="alert">
            {t(describeError(alerts.error).message)}
          </p>
        }
      >
        <Show when={(alerts.latest?.length ?? 0) > 0} fallback={<p role="status">{t("Nessuna segnalazione.")}</p>}>
          <table>
            <thead>
              <tr>
                <th>{t("Quando")}</th>
                <th>{t("Da")}</th>
                <th>{t("Tabaccheria")}</th>
                <th>{t("Dettaglio")}</th>
              </tr>
            </thead>
            <tbody>
              <For each={alerts.latest}>
                {(e) => (
                  <tr>
                    <td>{formatDateTime(e.time, intlLocale())}</td>
                    <td>{e.actor === "novares" ? t("Novares") : t("Novabox")}</td>
                    <td>{e.tobacconistId}</td>
                    <td>{e.detail}</td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </Show>
      </Show>
    </section>
  );
}
