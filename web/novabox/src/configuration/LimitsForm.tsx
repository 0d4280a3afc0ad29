/** Log retention and per-tobacconist rate limits, saved with a field mask naming only what changed. */
import { createSignal, Show, type JSX } from "solid-js";
import type { Config, Settings } from "#gen/novabox/config/v1/config_service_pb.js";
import { saveSettings, settingsField } from "./saveSettings.ts";
import { describeError } from "../../../shared/errors.ts";
import { ActionError, Field } from "../../../shared/components.tsx";
import {
  changedLimitPaths,
  isValid,
  validateLimits,
  type FieldErrors,
  type LimitsInput,
} from "../../../shared/validation.ts";
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
  const [errors, setErrors] = createSignal<FieldErrors>({});
  const [actionError, setActionError] = createSignal<string>();
  const [saved, setSaved] = createSignal<string>();
  const [busy, setBusy] = createSignal(false);

  async function submit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    setActionError(undefined);
    setSaved(undefined);
    const v = values();
    const found = validateLimits(v);
    setErrors(found);
    if (!isValid(found)) return;
    const paths = changedLimitPaths(limitsOf(props.settings), v);
    if (paths.length === 0) {
      setSaved("Nessuna modifica da salvare.");
      return;
    }
    setBusy(true);
    try {
      const next = await saveSettings(
        {
          logRetentionDays: Number(v.logRetentionDays.trim()),
          rateLimits: {
            perTobacconistPerMinute: Number(v.perTobacconistPerMinute.trim()),
            massExtractionDistinctFiscalCodes: Number(v.massExtractionDistinctFiscalCodes.trim()),
            massExtractionWindow: { seconds: BigInt(Number(v.massExtractionWindowMinutes.trim()) * 60) },
          },
        },
        paths,
      );
      if (next) {
        props.onSaved(next);
        setValues(limitsOf(next.settings));
      }
      setSaved("Impostazioni salvate.");
    } catch (err) {
      const shown = describeError(err);
      const field = settingsField(shown.field);
      if (field && fields.some(([, f]) => f === field)) setErrors({ [field]: shown.message });
      else setActionError(shown.message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card" data-testid="limits">
      <h2>{t("Conservazione e limiti")}</h2>
      <form onSubmit={(e) => void submit(e)} novalidate>
        <div class="grid">
          {fields.map(([key, field, label, hint]) => (
            <Field label={label} for={field} error={errors()[field]} hint={hint}>
              <input
                id={field}
                inputmode="numeric"
                value={values()[key]}
                onInput={(e) => setValues({ ...values(), [key]: e.currentTarget.value })}
              />
            </Field>
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
