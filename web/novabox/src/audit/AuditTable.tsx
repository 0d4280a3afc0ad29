/** The audit rows: time, operation, outcome, tobacconist, fiscal code (masked unless revealed), ANPR reference. */
import { For, type JSX } from "solid-js";
import type { AuditEntry } from "#gen/novabox/config/v1/config_service_pb.js";
import { operationLabels, outcomeLabels } from "../labels.ts";
import { formatDateTime, maskFiscalCode } from "../../../shared/format.ts";
import { useI18n } from "../../../shared/i18n.tsx";

export function AuditTable(props: { entries: readonly AuditEntry[]; revealFiscalCodes: boolean }): JSX.Element {
  const { t, intlLocale } = useI18n();
  return (
    <table data-testid="audit-table">
      <thead>
        <tr>
          <th>{t("N.")}</th>
          <th>{t("Data e ora")}</th>
          <th>{t("Operazione")}</th>
          <th>{t("Esito")}</th>
          <th>{t("Tabaccheria / utente")}</th>
          <th>{t("Codice fiscale")}</th>
          <th>{t("Protocollo ANPR / errore")}</th>
        </tr>
      </thead>
      <tbody>
        <For
          each={props.entries}
          fallback={
            <tr>
              <td colSpan={7}>{t("Nessuna operazione registrata.")}</td>
            </tr>
          }
        >
          {(e) => {
            const [label, tone] = outcomeLabels[e.outcome];
            return (
              <tr data-operation={operationLabels[e.operation]}>
                <td>{String(e.id)}</td>
                <td>{formatDateTime(e.time, intlLocale())}</td>
                <td>{t(operationLabels[e.operation])}</td>
                <td>
                  <span class={`badge ${tone}`}>{t(label)}</span>
                </td>
                <td>{e.tobacconistId || e.actor}</td>
                <td class="mono">{props.revealFiscalCodes ? e.fiscalCode : maskFiscalCode(e.fiscalCode)}</td>
                <td>{e.anprProtocolNumber || e.anprErrorCode}</td>
              </tr>
            );
          }}
        </For>
      </tbody>
    </table>
  );
}
