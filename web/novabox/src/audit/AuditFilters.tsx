/** The audit-log filter: period (dates, end included), operation, outcome and tobacconist. */
import { createSignal, For, type JSX } from "solid-js";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { AuditOperation, AuditOutcome, type AuditLogFilterSchema } from "#gen/novabox/config/v1/config_service_pb.js";
import { operationLabels, outcomeLabels } from "../labels.ts";
import { Field } from "../../../shared/components.tsx";
import { isValid, validateAuditPeriod, type FieldErrors } from "../../../shared/validation.ts";
import { useI18n } from "../../../shared/i18n.tsx";

/** A filter as sent to ListAuditLog and ExportAuditLog. */
export type AuditFilter = MessageInitShape<typeof AuditLogFilterSchema>;

const operations = (Object.keys(operationLabels).map(Number) as AuditOperation[]).filter(
  (o) => o !== AuditOperation.UNSPECIFIED,
);
const outcomes = (Object.keys(outcomeLabels).map(Number) as AuditOutcome[]).filter(
  (o) => o !== AuditOutcome.UNSPECIFIED,
);

/** Local midnight of a "YYYY-MM-DD" date, `addDays` later. */
function localDay(date: string, addDays = 0): Date {
  const [y, m, d] = date.split("-").map(Number);
  return new Date(y!, m! - 1, d! + addDays);
}

export function AuditFilters(props: { onApply: (filter: AuditFilter) => void }): JSX.Element {
  const { t } = useI18n();
  const [from, setFrom] = createSignal("");
  const [to, setTo] = createSignal("");
  const [operation, setOperation] = createSignal("");
  const [outcome, setOutcome] = createSignal("");
  const [tobacconist, setTobacconist] = createSignal("");
  const [errors, setErrors] = createSignal<FieldErrors>({});

  function apply(event: SubmitEvent): void {
    event.preventDefault();
    const found = validateAuditPeriod({ from: from(), to: to() });
    setErrors(found);
    if (!isValid(found)) return;
    props.onApply({
      startTime: from() ? timestampFromDate(localDay(from())) : undefined,
      endTime: to() ? timestampFromDate(localDay(to(), 1)) : undefined,
      operations: operation() ? [Number(operation())] : [],
      outcomes: outcome() ? [Number(outcome())] : [],
      tobacconistId: tobacconist().trim(),
    });
  }

  function reset(): void {
    setFrom("");
    setTo("");
    setOperation("");
    setOutcome("");
    setTobacconist("");
    setErrors({});
    props.onApply({});
  }

  return (
    <form onSubmit={apply} novalidate data-testid="audit-filters">
      <div class="grid">
        <Field label={t("Dal giorno")} for="filter_from" error={errors().from}>
          <input id="filter_from" type="date" value={from()} onInput={(e) => setFrom(e.currentTarget.value)} />
        </Field>
        <Field label={t("Al giorno (incluso)")} for="filter_to" error={errors().to}>
          <input id="filter_to" type="date" value={to()} onInput={(e) => setTo(e.currentTarget.value)} />
        </Field>
        <Field label={t("Operazione")} for="filter_operation">
          <select id="filter_operation" value={operation()} onChange={(e) => setOperation(e.currentTarget.value)}>
            <option value="">{t("Tutte")}</option>
            <For each={operations}>{(o) => <option value={String(o)}>{t(operationLabels[o])}</option>}</For>
          </select>
        </Field>
        <Field label={t("Esito")} for="filter_outcome">
          <select id="filter_outcome" value={outcome()} onChange={(e) => setOutcome(e.currentTarget.value)}>
            <option value="">{t("Tutti")}</option>
            <For each={outcomes}>{(o) => <option value={String(o)}>{t(outcomeLabels[o][0])}</option>}</For>
          </select>
        </Field>
        <Field label={t("Tabaccheria")} for="filter_tobacconist" hint="Identificativo esatto, es. TAB-0001.">
          <input id="filter_tobacconist" value={tobacconist()} onInput={(e) => setTobacconist(e.currentTarget.value)} />
        </Field>
      </div>
      <div class="actions">
        <button type="submit">{t("Applica i filtri")}</button>
        <button type="button" class="secondary" onClick={reset}>
          {t("Togli i filtri")}
        </button>
      </div>
    </form>
  );
}
