/**
 * CSV export: ExportAuditLog streamed, the CSV built in the browser (fiscal codes in full) and
 * downloaded as a Blob; or the signed export (ExportAuditCsv): the box's CSV and its detached
 * signature file, which `npm run audit:verify -- --export FILE` checks later.
 */
import { createSignal, Show, type JSX } from "solid-js";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { AuditEntry } from "#gen/novabox/config/v1/config_service_pb.js";
import { adminAuth, config } from "../clients.ts";
import { operationLabels, outcomeLabels } from "../labels.ts";
import type { AuditFilter } from "./AuditFilters.tsx";
import { describeError } from "../../../shared/errors.ts";
import { ActionError } from "../../../shared/components.tsx";
import { toCsv } from "../../../shared/csv.ts";
import { useI18n } from "../../../shared/i18n.tsx";

export const csvHeader = [
  "id",
  "data_ora",
  "operazione",
  "esito",
  "codice_fiscale",
  "tabaccheria",
  "utente",
  "protocollo_anpr",
  "id_operazione_anpr",
  "errore_anpr",
  "dettaglio",
  "id_richiesta",
  "hash",
] as const;

function csvRow(e: AuditEntry): string[] {
  return [
    String(e.id),
    e.time ? timestampDate(e.time).toISOString() : "",
    operationLabels[e.operation],
    outcomeLabels[e.outcome][0],
    e.fiscalCode,
    e.tobacconistId,
    e.actor,
    e.anprProtocolNumber,
    e.anprOperationId,
    e.anprErrorCode,
    e.detail,
    e.requestId,
    e.hash,
  ];
}

export function AuditExport(props: { filter: AuditFilter }): JSX.Element {
  const { t } = useI18n();
  const [error, setError] = createSignal<string>();
  const [exported, setExported] = createSignal<number>();
  const [busy, setBusy] = createSignal(false);

  function download(bytes: BlobPart, type: string, name: string): void {
    const url = URL.createObjectURL(new Blob([bytes], { type }));
    const link = document.createElement("a");
    link.href = url;
    link.download = name;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }

  async function exportSigned(): Promise<void> {
    setBusy(true);
    setError(undefined);
    setExported(undefined);
    try {
      const answer = await config.exportAuditCsv({ filter: props.filter }, adminAuth());
      const name = `registro-operazioni-firmato-${new Date().toISOString().slice(0, 10)}.csv`;
      download(answer.csv as Uint8Array<ArrayBuffer>, "text/csv;charset=utf-8", name);
      download(answer.signatureFile as Uint8Array<ArrayBuffer>, "application/json", `${name}.sig`);
      setExported(Number(answer.rows));
    } catch (err) {
      setError(describeError(err).message);
    } finally {
      setBusy(false);
    }
  }

  async function exportCsv(): Promise<void> {
    setBusy(true);
    setError(undefined);
    setExported(undefined);
    try {
      const rows: string[][] = [];
      for await (const batch of config.exportAuditLog({ filter: props.filter }, adminAuth()))
        rows.push(...batch.entries.map(csvRow));
      download(
        toCsv(csvHeader, rows),
        "text/csv;charset=utf-8",
        `registro-operazioni-${new Date().toISOString().slice(0, 10)}.csv`,
      );
      setExported(rows.length);
    } catch (err) {
      setError(describeError(err).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="actions">
      <button type="button" class="secondary" disabled={busy()} onClick={() => void exportCsv()}>
        {t("Esporta CSV")}
      </button>
      <button type="button" class="secondary" disabled={busy()} onClick={() => void exportSigned()}>
        {t("Esporta CSV firmato")}
      </button>
      <span class="hint">{t("Con i filtri applicati; il file contiene i codici fiscali per intero.")}</span>
      <span class="hint">
        {t("Il CSV firmato arriva con il file .sig: npm run audit:verify -- --export FILE lo verifica.")}
      </span>
      <ActionError message={error()} />
      <Show when={exported() !== undefined}>
        <span role="status" data-testid="export-done">
          {t("{rows} righe esportate.", { rows: exported() })}
        </span>
      </Show>
    </div>
  );
}
