/** The audit rows: time, operation, outcome, tobacconist, fiscal code (masked unless revealed), ANPR reference. */
import type { JSX } from "solid-js";
import type { AuditEntry } from "#gen/novabox/config/v1/config_service_pb.js";
import { operationLabels, outcomeLabels } from "../labels.ts";
import { formatDateTime, maskFiscalCode } from "../../../shared/format.ts";
import { DataTable } from "../../../shared/components.tsx";
import { useI18n } from "../../../shared/i18n.tsx";

const headings = [
  "N.",
  "Data e ora",
  "Operazione",
  "Esito",
  "Tabaccheria / utente",
  "Codice fiscale",
  "Protocollo ANPR / errore",
];

export function AuditTable(props: { entries: readonly AuditEntry[]; revealFiscalCodes: boolean }): JSX.Element {
  const { t, intlLocale } = useI18n();
  return (
    <DataTable
      testId="audit-table"
      headings={headings}
      rows={props.entries}
      empty="Nessuna operazione registrata."
      emptyInTable
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
    </DataTable>
  );
}
