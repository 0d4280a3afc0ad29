/**
 * The counter's business in the Novares console: the month's certificates per tobacconist and Comune
 * with fees and stamp duty (for the fee reconciliation between FIT and the tabaccherie), and the
 * mass-extraction alerts with the Comuni involved. A tobacconist sees its own; an operator everyone's.
 */
import { createResource, createSignal, For, Show, type JSX } from "solid-js";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { counter, ssoAuth, tobacconist } from "../clients.ts";
import { describeError } from "../../../shared/errors.ts";
import { SignInPanel } from "../issue/SignInPanel.tsx";
import { currentRomeMonth } from "../../../shared/format.ts";

const euro = (cents: bigint) => (Number(cents) / 100).toLocaleString("it-IT", { style: "currency", currency: "EUR" });

export function CounterPage(): JSX.Element {
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
        <h2>Conto del mese</h2>
        <div class="field">
          <label for="counter_month">Mese</label>
          <input id="counter_month" type="month" value={month()} onChange={(e) => e.currentTarget.value && setMonth(e.currentTarget.value)} />
        </div>
        <Show when={Boolean(account.error)}>
          <p class="field-error" role="alert">
            {describeError(account.error as unknown).message}
          </p>
        </Show>
        <table>
          <caption>Certificati emessi tramite Novares, per tabaccheria e Comune</caption>
          <thead>
            <tr>
              <th scope="col">Tabaccheria</th>
              <th scope="col">Comune</th>
              <th scope="col">Certificati</th>
              <th scope="col">Corrispettivi</th>
              <th scope="col">Bollo</th>
              <th scope="col">Esenti</th>
            </tr>
          </thead>
          <tbody>
            <For each={account() ?? []} fallback={<tr><td colSpan={6}>Nessun certificato nel mese.</td></tr>}>
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
        <h2>Segnalazioni di estrazione massiva</h2>
        <Show when={Boolean(alerts.error)}>
          <p class="field-error" role="alert">
            {describeError(alerts.error as unknown).message}
          </p>
        </Show>
        <ul>
          <For each={alerts() ?? []} fallback={<li>Nessuna segnalazione.</li>}>
            {(a) => (
              <li data-alert={a.id}>
                {a.raisedAt ? timestampDate(a.raisedAt).toLocaleString("it-IT", { timeZone: "Europe/Rome" }) : ""} — {a.tobacconistId}: più di {a.distinctFiscalCodes} persone diverse in{" "}
                {Math.round(a.windowSeconds / 60)} minuti; Comuni coinvolti: {a.comuni.join(", ")}
              </li>
            )}
          </For>
        </ul>
      </section>
    </Show>
  );
}
