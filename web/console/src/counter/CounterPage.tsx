/**
 * The counter's business in the Novares console: the month's certificates per tobacconist and Comune
 * with fees and stamp duty (for the fee reconciliation between FIT and the tabaccherie), and the
 * mass-extraction alerts with the Comuni involved. A tobacconist sees its own; an operator everyone's.
 */
import { createResource, createSignal, For, Show, type JSX } from "solid-js";
import { counter, ssoAuth, tobacconist } from "../clients.ts";
import { describeError } from "../../../shared/errors.ts";
import { SignInPanel } from "../issue/SignInPanel.tsx";
import { currentRomeMonth, formatDateTime } from "../../../shared/format.ts";
import { useI18n } from "../../../shared/i18n.tsx";

const euro = (cents: bigint) => (Number(cents) / 100).toLocaleString("it-IT", { style: "currency", currency: "EUR" });

export function CounterPage(): JSX.Element {
  const { t, intlLocale } = useI18n();
  const [month, setMonth] = createSignal(currentRomeMonth());
  const [account] = createResource(
    () => (tobacconist() ? month() : undefined),
    async (m) => (await counter.getTobacconistAccount({ month: m }, ssoAuth())).rows,
  );
  const [alerts] = createResource(
    () => tobacconist()?.tobacconistId,
    async () => (await counter.listMassExtractionAlerts({}, ssoAuth())).alerts,
  );
  return (
    <Show when={tobacconist()} fallback={<SignInPanel />}>
      <section data-testid="counter-account">
        <h2>{t("Conto del mese")}</h2>
        <div class="field">
          <label for="counter_month">{t("Mese")}</label>
          <input
            id="counter_month"
            type="month"
            value={month()}
            onChange={(e) => e.currentTarget.value && setMonth(e.currentTarget.value)}
          />
        </div>
        <Show when={Boolean(account.error)}>
          <p class="field-error" role="alert">
            {t(describeError(account.error as unknown).message)}
          </p>
        </Show>
        <table>
          <caption>{t("Certificati emessi tramite Novares, per tabaccheria e Comune")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("Tabaccheria")}</th>
              <th scope="col">{t("Comune")}</th>
              <th scope="col">{t("Certificati")}</th>
              <th scope="col">{t("Corrispettivi")}</th>
              <th scope="col">{t("Bollo")}</th>
              <th scope="col">{t("Esenti")}</th>
            </tr>
          </thead>
          <tbody>
            <For
              each={account() ?? []}
              fallback={
                <tr>
                  <td colSpan={6}>{t("Nessun certificato nel mese.")}</td>
                </tr>
              }
            >
              {(r) => (
                <tr>
                  <td>{r.tobacconistId}</td>
                  <td>{r.comuneCode}</td>
                  <td>{r.certificates}</td>
                  <td>{euro(r.serviceFeesCents)}</td>
                  <td>{euro(r.stampDutyCents)}</td>
                  <td>{r.exemptCertificates}</td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </section>
      <section data-testid="mass-extraction-alerts">
        <h2>{t("Segnalazioni di estrazione massiva")}</h2>
        <Show when={Boolean(alerts.error)}>
          <p class="field-error" role="alert">
            {t(describeError(alerts.error as unknown).message)}
          </p>
        </Show>
        <ul>
          <For each={alerts() ?? []} fallback={<li>{t("Nessuna segnalazione.")}</li>}>
            {(a) => (
              <li data-alert={a.id}>
                {formatDateTime(a.raisedAt, intlLocale())} —{" "}
                {t("{tobacconist}: più di {distinct} persone diverse in {minutes} minuti; Comuni coinvolti: {comuni}", {
                  tobacconist: a.tobacconistId,
                  distinct: a.distinctFiscalCodes,
                  minutes: Math.round(a.windowSeconds / 60),
                  comuni: a.comuni.join(", "),
                })}
              </li>
            )}
          </For>
        </ul>
      </section>
    </Show>
  );
}
