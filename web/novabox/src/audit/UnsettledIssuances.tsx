/**
 * Certificate requests whose outcome at ANPR is still unknown (ListUnsettledIssuances): ANPR may
 * hold an act the tobacconist has not received. The box settles them by itself when ANPR answers
 * again; this list shows what is still open.
 */
import { createResource, type JSX } from "solid-js";
import { adminAuth, config } from "../clients.ts";
import { DataTable, Loaded } from "../../../shared/components.tsx";
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
      <Loaded resource={list}>
        {(issuances) => (
          <DataTable
            headings={["Inviata", "Tabaccheria", "Codice fiscale", "idOperazioneComune", "Tentativi", "Ultimo motivo"]}
            rows={issuances()}
            empty="Nessuna richiesta in sospeso."
          >
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
          </DataTable>
        )}
      </Loaded>
    </section>
  );
}
