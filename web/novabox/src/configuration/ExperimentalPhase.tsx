/**
 * The experimental phase switch (agreement art. 2.1): while on, every certificate request must state
 * a reason (motivo), which the audit log and the monthly account record.
 */
import type { JSX } from "solid-js";
import type { Config } from "#gen/novabox/config/v1/config_service_pb.js";
import { saveSettings } from "./saveSettings.ts";
import { ActionError } from "../../../shared/components.tsx";
import { createCheck } from "../../../shared/form-action.ts";
import { useI18n } from "../../../shared/i18n.tsx";

export function ExperimentalPhase(props: { on: boolean; onSaved: (c: Config) => void }): JSX.Element {
  const { t } = useI18n();
  const {
    error: actionError,
    busy,
    run: toggle,
  } = createCheck(async (on: boolean) => {
    const next = await saveSettings({ experimentalPhase: on }, ["experimental_phase"]);
    if (next) props.onSaved(next);
  });
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
