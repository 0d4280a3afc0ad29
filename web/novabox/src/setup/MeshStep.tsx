/** Wizard step 3: Novares (discovery address, advertised host and port) and the Novares SSO. */
import { createResource, Show, type JSX } from "solid-js";
import { adminAuth, config } from "../clients.ts";
import { MeshSettingsForm } from "../configuration/MeshSettingsForm.tsx";
import { useI18n } from "../../../shared/i18n.tsx";

export function MeshStep(props: { onDone: () => void }): JSX.Element {
  const { t } = useI18n();
  const [current] = createResource(async () => (await config.getConfig({}, adminAuth())).config);
  return (
    <section class="card" data-testid="step-mesh">
      <h2>{t("Novares e accesso SSO")}</h2>
      <p>
        {t(
          "Dove il Novabox si annuncia, come il router lo raggiunge e con quali chiavi verifica i token delle tabaccherie.",
        )}
      </p>
      <Show when={!current.loading} fallback={<p>{t("Caricamento…")}</p>}>
        <MeshSettingsForm
          settings={current()?.settings}
          saveAll
          submitLabel="Salva e continua"
          onSaved={() => props.onDone()}
        />
      </Show>
    </section>
  );
}
