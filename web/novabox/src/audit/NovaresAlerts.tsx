/**
 * The anomaly alerts of the last 90 days (ANOMALY_ALERT entries of the audit log): those Novares
 * handed to this Comune (a tobacconist's mass extraction across the mesh, actor "novares") and those
 * the box's own guard raised. The Comune sees here what Novares saw (agreement art. 3.11 and 5.4).
 */
import { createResource, type JSX } from "solid-js";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { AuditOperation } from "#gen/novabox/config/v1/config_service_pb.js";
import { adminAuth, config } from "../clients.ts";
import { DataTable, Loaded } from "../../../shared/components.tsx";
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
      <Loaded resource={alerts}>
        {(list) => (
          <DataTable
            headings={["Quando", "Da", "Tabaccheria", "Dettaglio"]}
            rows={list()}
            empty="Nessuna segnalazione."
          >
            {(e) => (
              <tr>
                <td>{formatDateTime(e.time, intlLocale())}</td>
                <td>{e.actor === "novares" ? t("Novares") : t("Novabox")}</td>
                <td>{e.tobacconistId}</td>
                <td>{e.detail}</td>
              </tr>
            )}
          </DataTable>
        )}
      </Loaded>
    </section>
  );
}
