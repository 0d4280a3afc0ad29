/**
 * The discovery address tested by a real announcement (ConfigService.TestNovaresConnection): what
 * the router answered, the address it will dial, the instance it listed, in words.
 */
import { Show, type JSX } from "solid-js";
import { adminAuth, config } from "../clients.ts";
import { ActionError } from "../../../shared/components.tsx";
import { formatDateTime } from "../../../shared/format.ts";
import { createCheck } from "../../../shared/form-action.ts";
import { useI18n } from "../../../shared/i18n.tsx";

const stages: Record<string, string> = {
  CONFIGURATION: "configurazione incompleta",
  NETWORK: "router non raggiungibile",
  ROUTER: "annuncio rifiutato dal router",
};

export function NovaresCheck(): JSX.Element {
  const { t, intlLocale } = useI18n();
  const { result, error, busy, run: check } = createCheck(() => config.testNovaresConnection({}, adminAuth()));

  return (
    <div data-testid="novares-check">
      <div class="actions">
        <button type="button" onClick={() => void check()} disabled={busy()}>
          {busy() ? t("Verifica in corso…") : t("Verifica il collegamento con Novares")}
        </button>
        <ActionError message={error()} />
      </div>
      <Show when={result()}>
        {(r) => (
          <div
            class="result"
            classList={{ ok: r().ok, bad: !r().ok }}
            data-testid="novares-result"
            data-ok={String(r().ok)}
            data-stage={r().failedStage}
            role="status"
          >
            <Show
              when={r().ok}
              fallback={
                <strong>
                  {t("Collegamento con Novares non riuscito")}{" "}
                  {t("— fase: {stage}.", { stage: t(stages[r().failedStage] ?? r().failedStage) })}
                </strong>
              }
            >
              <strong>{t("Annuncio a Novares riuscito.")}</strong>{" "}
              {r().serving ? t("Il Novabox è in servizio nella rete.") : t("Il Novabox non è ancora in servizio.")}
            </Show>
            <table>
              <tbody>
                <tr>
                  <th>{t("Indirizzo di Novares")}</th>
                  <td class="mono">{r().discoveryAddress}</td>
                </tr>
                <tr>
                  <th>{t("Indirizzo annunciato")}</th>
                  <td class="mono">{r().advertisedAddress || "—"}</td>
                </tr>
                <Show when={r().instanceId}>
                  <tr>
                    <th>{t("Istanza")}</th>
                    <td class="mono" data-testid="novares-instance">
                      {r().instanceId}
                    </td>
                  </tr>
                </Show>
                <Show when={r().statusCode}>
                  <tr>
                    <th>{t("Risposta del router")}</th>
                    <td class="mono">
                      {r().statusCode}
                      {r().reason ? ` (${r().reason})` : ""}
                    </td>
                  </tr>
                </Show>
                <tr>
                  <th>{t("Verificato il")}</th>
                  <td>{formatDateTime(r().testedAt, intlLocale())}</td>
                </tr>
              </tbody>
            </table>
            <p>{r().detail}</p>
          </div>
        )}
      </Show>
    </div>
  );
}
