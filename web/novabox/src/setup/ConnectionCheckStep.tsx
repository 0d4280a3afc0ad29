/**
 * Wizard step 4: ANPR's TestConn through the box, and a real announcement to Novares, each with its
 * outcome in plain words.
 */
import { createSignal, Show, type JSX } from "solid-js";
import { useNavigate } from "@solidjs/router";
import { AnprConnectionCheck } from "../configuration/AnprConnectionCheck.tsx";
import { NovaresCheck } from "../configuration/NovaresCheck.tsx";
import { useI18n } from "../../../shared/i18n.tsx";

export function ConnectionCheckStep(props: { onBack: () => void; onBackToMesh: () => void }): JSX.Element {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [anprOk, setAnprOk] = createSignal(false);

  return (
    <section class="card" data-testid="step-check">
      <h2>{t("Verifica del collegamento con ANPR")}</h2>
      <p>{t("Il Novabox chiama il servizio di prova di ANPR (TestConn) con le credenziali appena inserite.")}</p>
      <AnprConnectionCheck onResult={(r) => setAnprOk(r?.ok ?? false)}>
        <button type="button" class="secondary" onClick={() => props.onBack()}>
          {t("Modifica le credenziali")}
        </button>
      </AnprConnectionCheck>
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
      <Show when={anprOk()}>
        <div class="actions">
          <button type="button" onClick={() => navigate("/configurazione")}>
            {t("Vai alla configurazione")}
          </button>
        </div>
      </Show>
    </section>
  );
}
