/**
 * Wizard step 4: ANPR's TestConn through the box, and a real announcement to Novares, each with its
 * outcome in plain words.
 */
import { createSignal, Show, type JSX } from "solid-js";
import { useNavigate } from "@solidjs/router";
import { adminAuth, config } from "../clients.ts";
import { ConnectionTestResult } from "../configuration/ConnectionTestResult.tsx";
import { NovaresCheck } from "../configuration/NovaresCheck.tsx";
import type { TestAnprConnectionResponse } from "#gen/novabox/config/v1/config_service_pb.js";
import { describeError } from "../../../shared/errors.ts";
import { ActionError } from "../../../shared/components.tsx";
import { useI18n } from "../../../shared/i18n.tsx";

export function ConnectionCheckStep(props: { onBack: () => void; onBackToMesh: () => void }): JSX.Element {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [result, setResult] = createSignal<TestAnprConnectionResponse>();
  const [error, setError] = createSignal<string>();
  const [busy, setBusy] = createSignal(false);

  async function check(): Promise<void> {
    setBusy(true);
    setError(undefined);
    setResult(undefined);
    try {
      setResult(await config.testAnprConnection({}, adminAuth()));
    } catch (err) {
      setError(describeError(err).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card" data-testid="step-check">
      <h2>{t("Verifica del collegamento con ANPR")}</h2>
      <p>{t("Il Novabox chiama il servizio di prova di ANPR (TestConn) con le credenziali appena inserite.")}</p>
      <div class="actions">
        <button type="button" onClick={() => void check()} disabled={busy()}>
          {busy() ? t("Verifica in corso…") : t("Verifica il collegamento")}
        </button>
        <button type="button" class="secondary" onClick={() => props.onBack()}>
          {t("Modifica le credenziali")}
        </button>
        <ActionError message={error()} />
      </div>
      <Show when={result()}>{(r) => <ConnectionTestResult result={r()} />}</Show>
      <h2>{t("Verifica del collegamento con Novares")}</h2>
      <p>
        {t(
          "Il Novabox si annuncia al router di Novares con il proprio certificato della rete: se il router lo accetta, il Comune è raggiungibile dalle tabaccherie.",
        )}
      </p>
      <NovaresCheck />
      <div class="actions">
        <button type="button" class="secondary" onClick={() => props.onBackToMesh()}>
          {t("Modifica Novares e SSO")}
        </button>
      </div>
      <Show when={result()?.ok}>
        <div class="actions">
          <button type="button" onClick={() => navigate("/configurazione")}>
            {t("Vai alla configurazione")}
          </button>
        </div>
      </Show>
    </section>
  );
}
