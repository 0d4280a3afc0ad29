/**
 * The weekly summary of the log analysis (GetAuditSummary; decree, annex 1, 4.3): the week's
 * operations, certificates, refusals and tobacconists, the anomalies the periodic rules raised
 * (bursts, night-time work, repeated refusals, one citizen asked for by many tobacconists), when the
 * analysis last ran, and when the last online backup was taken — with what to back up and how often.
 */
import { createResource, type JSX } from "solid-js";
import { adminAuth, config } from "../clients.ts";
import { DataTable, Loaded } from "../../../shared/components.tsx";
import { formatDate, formatDateTime } from "../../../shared/format.ts";
import { useI18n } from "../../../shared/i18n.tsx";

/** Italian names of the analysis rules (GetAuditSummary alert.rule). */
const ruleNames: Record<string, string> = {
  burst: "Raffica di richieste",
  night: "Attività notturna",
  refusals: "Rifiuti ripetuti",
  "shared-fiscal-code": "Stesso codice fiscale da più tabaccherie",
};

export function WeeklySummary(): JSX.Element {
  const { t, intlLocale } = useI18n();
  const [summary, { refetch }] = createResource(async () => config.getAuditSummary({}, adminAuth()));
  return (
    <section class="card" data-testid="weekly-summary">
      <h2>{t("Riepilogo settimanale")}</h2>
      <Loaded resource={summary} loading={<p>{t("Caricamento…")}</p>}>
        {(s) => (
          <>
            <p>
              {t("Dal {from} ad oggi", { from: formatDate(s().weekStart, intlLocale()) })}
              {" · "}
              {t("ultima analisi")}: {formatDateTime(s().lastAnalysisAt, intlLocale())}
            </p>
            <dl class="summary">
              <dt>{t("Operazioni registrate")}</dt>
              <dd data-testid="summary-entries">{String(s().entries)}</dd>
              <dt>{t("Certificati emessi")}</dt>
              <dd data-testid="summary-certificates">{String(s().certificatesIssued)}</dd>
              <dt>{t("Richieste rifiutate")}</dt>
              <dd>{String(s().refusals)}</dd>
              <dt>{t("Tabaccherie")}</dt>
              <dd>{String(s().tobacconists)}</dd>
              <dt>{t("Anomalie")}</dt>
              <dd data-testid="summary-alerts">{String(s().alerts.length)}</dd>
              <dt>{t("Ultimo backup")}</dt>
              <dd data-testid="summary-backup">{formatDateTime(s().lastBackupAt, intlLocale())}</dd>
            </dl>
            <DataTable headings={["Quando", "Regola", "Tabaccheria", "Dettaglio"]} rows={s().alerts}>
              {(a) => (
                <tr data-rule={a.rule}>
                  <td>{formatDateTime(a.time, intlLocale())}</td>
                  <td>{ruleNames[a.rule] ? t(ruleNames[a.rule]!) : a.rule}</td>
                  <td>{a.tobacconistId}</td>
                  <td>{a.detail}</td>
                </tr>
              )}
            </DataTable>
            <p class="hint">
              {t(
                "Backup: ogni giorno, con npm run backup (il Novabox resta in servizio), copiate il database; conservate a parte, una volta sola e dopo ogni rotazione, la chiave segreta (secret.key): senza la chiave il backup non ripristina le credenziali ANPR.",
              )}
            </p>
          </>
        )}
      </Loaded>
      <div class="actions">
        <button type="button" class="secondary" onClick={() => void refetch()}>
          {t("Aggiorna")}
        </button>
      </div>
    </section>
  );
}
