/**
 * Certificate requests whose outcome at ANPR is still unknown (ListUnsettledIssuances): ANPR may
 * hold an act the tobacconist has not received. The box settles them by itself when ANPR answers
 * again; this list shows what is still open.
 */
import { createResource, For, Show, type JSX } from "solid-js";
import { adminAuth, config } from "../clients.ts";
import { describeError } from "../../../shared/errors.ts";
import { formatDateTime, maskFiscalCode } from "../../../shared/format.ts";
import { useI18n } from "../../../shared/i18n.tsx";

export function UnsettledIssuances(props: { revealFiscalCodes: boolean }): JSX.Element {
  const { t, intlLocale } = useI18n();
  const [list, { refetch }] = createResource(
    async () => (await config.listUnsettledIssuances({}, adminAuth())).issuances,
  );
  return (
    <section class="card" data-testid="unsettled-issuances">
      <h2>{t("Certificati con esito da verificare")}</h2>
      <p>
        {t(
          "Richieste inviate ad ANPR senza una risposta verificata (risposta persa, in ritardo o illeggibile): ANPR potrebbe aver emesso il certificato. Il Novabox le richiede ad ANPR con lo stesso identificativo finché l'esito è noto; il tabaccaio lo ottiene riprovando con la stessa chiave.",
        )}
      </p>
      <div class="actions">
        <button type="button" class="secondary" onClick={() => void refetch()}>
          {t("Aggiorna")}
        </button>
      </div>
      <Show
        when={!list.error}
        fallback={
          <p class="action-error" role="alert">
            {t(describeError(list.error).message)}
          </p>
        }
      >
        <Show
          when={(list.latest?.length ?? 0) > 0}
          fallback={<p role="status">{t("Nessuna richiesta in sospeso.")}</p>}
        >
          <table>
            <thead>
              <tr>
                <th>{t("Inviata")}</th>
                <th>{t("Tabaccheria")}</th>
                <th>{t("Codice fiscale")}</th>
                <th>{t("idOperazioneComune")}</th>
                <th>{t("Tentativi")}</th>
                <th>{t("Ultimo motivo")}</th>
              </tr>
            </thead>
            <tbody>
              <For each={list.latest}>
                {(p) => (
                  <tr>
                    <td>{formatDateTime(p.createdAt, intlLocale())}</td>
                    <td>{p.tobacconistId}</td>
                    <td>{props.revealFiscalCodes ? p.fiscalCode : maskFiscalCode(p.fiscalCode)}</td>
                    <td>{p.idOperazioneComune}</td>
                    <td>{p.attempts}</td>
                    <td>{p.lastReason}</td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </Show>
      </Show>
    </section>
  );
}
