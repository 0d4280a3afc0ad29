/** Log retention and per-tobacconist rate limits, saved with a field mask naming only what changed. */
import { createSignal, Show, type JSX } from "solid-js";
import type { Config, Settings } from "#gen/novabox/config/v1/config_service_pb.js";
import { createSettingsForm } from "./saveSettings.ts";
import { ActionError, InputField } from "../../../shared/components.tsx";
import { changedLimitPaths, validateLimits, type LimitsInput } from "../../../shared/validation.ts";
import { useI18n } from "../../../shared/i18n.tsx";

function limitsOf(s: Settings | undefined): LimitsInput {
  return {
    logRetentionDays: String(s?.logRetentionDays ?? 0),
    perTobacconistPerMinute: String(s?.rateLimits?.perTobacconistPerMinute ?? 0),
    massExtractionDistinctFiscalCodes: String(s?.rateLimits?.massExtractionDistinctFiscalCodes ?? 0),
    massExtractionWindowMinutes: String(Math.round(Number(s?.rateLimits?.massExtractionWindow?.seconds ?? 0n) / 60)),
  };
}

const fields: [keyof LimitsInput, string, string, string][] = [
  [
    "logRetentionDays",
    "log_retention_days",
    "Conservazione del registro (giorni)",
    "Le righe più vecchie vengono cancellate ogni giorno; 0 = conservate per sempre.",
  ],
  [
    "perTobacconistPerMinute",
    "rate_limits.per_tobacconist_per_minute",
    "Richieste al minuto per tabaccheria",
    "Oltre il limite la richiesta è rifiutata; 0 = nessun limite.",
  ],
  [
    "massExtractionDistinctFiscalCodes",
    "rate_limits.mass_extraction_distinct_fiscal_codes",
    "Codici fiscali diversi per tabaccheria",
    "Soglia di estrazione massiva nella finestra; 0 = nessun controllo.",
  ],
  [
    "massExtractionWindowMinutes",
    "rate_limits.mass_extraction_window",
    "Finestra di controllo (minuti)",
    "Periodo in cui si contano i codici fiscali.",
  ],
];

export function LimitsForm(props: { settings: Settings | undefined; onSaved: (c: Config) => void }): JSX.Element {
  const { t } = useI18n();
  const [values, setValues] = createSignal<LimitsInput>(limitsOf(props.settings));
  const { errors, actionError, busy, saved, save } = createSettingsForm({
    owns: (field) => fields.some(([, f]) => f === field),
    onSaved: (next) => {
      if (!next) return;
      props.onSaved(next);
      setValues(limitsOf(next.settings));
    },
  });

  const submit = (event: SubmitEvent) =>
    save(
      event,
      () => validateLimits(values()),
      () => {
        const v = values();
        return {
          settings: {
            logRetentionDays: Number(v.logRetentionDays.trim()),
            rateLimits: {
              perTobacconistPerMinute: Number(v.perTobacconistPerMinute.trim()),
              massExtractionDistinctFiscalCodes: Number(v.massExtractionDistinctFiscalCodes.trim()),
              massExtractionWindow: { seconds: BigInt(Number(v.massExtractionWindowMinutes.trim()) * 60) },
            },
          },
          paths: changedLimitPaths(limitsOf(props.settings), v),
        };
      },
    );

  return (
    <section class="card" data-testid="limits">
      <h2>{t("Conservazione e limiti")}</h2>
      <form onSubmit={(e) => void submit(e)} novalidate>
        <div class="grid">
          {fields.map(([key, field, label, hint]) => (
            <InputField
              label={label}
              id={field}
              error={errors()[field]}
              hint={hint}
              inputmode="numeric"
              value={values()[key]}
              onInput={(value) => setValues({ ...values(), [key]: value })}
            />
          ))}
        </div>
        <div class="actions">
          <button type="submit" disabled={busy()}>
            {t("Salva le impostazioni")}
          </button>
          <ActionError message={actionError()} />
          <Show when={saved()}>
            <span role="status" data-testid="limits-saved">
              {saved()}
            </span>
          </Show>
        </div>
      </form>
    </section>
  );
}
