/**
 * The experimental phase switch (agreement art. 2.1): while on, every certificate request must state
 * a reason (motivo), which the audit log and the monthly account record.
 */
import { createSignal, type JSX } from "solid-js";
import type { Config } from "#gen/novabox/config/v1/config_service_pb.js";
import { saveSettings } from "./saveSettings.ts";
import { describeError } from "../../../shared/errors.ts";
import { ActionError } from "../../../shared/components.tsx";
import { useI18n } from "../../../shared/i18n.tsx";

export function ExperimentalPhase(props: { on: boolean; onSaved: (c: Config) => void }): JSX.Element {
  const { t } = useI18n();
  const [actionError, setActionError] = createSignal<string>();
  const [busy, setBusy] = createSignal(false);
  async function toggle(on: boolean): Promise<void> {
    setBusy(true);
    setActionError(undefined);
    try {
      const next = await saveSettings({ experimentalPhase: on }, ["experimental_phase"]);
      if (next) props.onSaved(next);
    } catch (err) {
      setActionError(describeError(err).message);
    } finally {
      setBusy(false);
    }
  }
  return (
    <section class="card" data-testid="experimental-phase">
      <h3>{t("Fase sperimentale")}</h3>
      <label>
        <input
          type="checkbox"
          id="experimental_phase"
          checked={props.on}
          disabled={busy()}
          onChange={(e) => void toggle(e.currentTarget.checked)}
        />{" "}
        {t("Richiedere il motivo per ogni certificato (convenzione, art. 2.1)")}
      </label>
      <ActionError message={actionError()} />
    </section>
  );
}
