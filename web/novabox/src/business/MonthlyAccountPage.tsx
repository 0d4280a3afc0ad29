/**
 * The Comune's monthly account (agreement art. 4 and 5.4): per tobacconist, certificates by type,
 * previews, refusals, fees, stamp duty and exemptions, computed by the box from its audit log; a bar
 * chart of certificates per tobacconist; CSV and printable PDF from AccountService.ExportMonthlyAccount.
 */
import { createResource, createSignal, For, Show, type JSX } from "solid-js";
import { AccountFileFormat, type TobacconistAccount } from "#gen/novabox/account/v1/account_service_pb.js";
import { account, adminAuth } from "../clients.ts";
import { describeError } from "../../../shared/errors.ts";
import { ActionError } from "../../../shared/components.tsx";
import { currentRomeMonth } from "../../../shared/format.ts";
import { useI18n } from "../../../shared/i18n.tsx";

const euro = (cents: bigint) => (Number(cents) / 100).toLocaleString("it-IT", { style: "currency", currency: "EUR" });
const list = (items: { key: string; count: number }[]) => items.map((i) => `${i.key}: ${i.count}`).join(", ") || "—";

function Chart(props: { rows: readonly TobacconistAccount[] }): JSX.Element {
  const { t } = useI18n();
  const max = () => Math.max(1, ...props.rows.map((r) => r.certificatesIssued));
  const barHeight = 18;
  return (
    <figure data-testid="account-chart" style={{ margin: "0.75rem 0" }}>
      <svg
        width={520}
        height={props.rows.length * (barHeight + 6) + 6}
        role="img"
        aria-label={t("Certificati emessi per tabaccheria")}
      >
        <For each={props.rows}>
          {(r, i) => (
            <g>
              <text x={0} y={i() * (barHeight + 6) + 18} font-size="11">
                {r.tobacconistId}
              </text>
              <rect
                x={110}
                y={i() * (barHeight + 6) + 6}
                width={(r.certificatesIssued / max()) * 360}
                height={barHeight}
                fill="#2f855a"
              />
              <text x={116 + (r.certificatesIssued / max()) * 360} y={i() * (barHeight + 6) + 19} font-size="11">
                {r.certificatesIssued}
              </text>
            </g>
          )}
        </For>
      </svg>
      <figcaption>{t("Certificati emessi per tabaccheria nel mese")}</figcaption>
    </figure>
  );
}

export function MonthlyAccountPage(): JSX.Element {
  const { t } = useI18n();
  const [month, setMonth] = createSignal(currentRomeMonth());
  const [actionError, setActionError] = createSignal<string>();
  const [data] = createResource(
    month,
    async (m) => (await account.getMonthlyAccount({ month: m }, adminAuth())).account,
  );

  async function download(format: AccountFileFormat): Promise<void> {
    setActionError(undefined);
    try {
      const file = await account.exportMonthlyAccount({ month: month(), format }, adminAuth());
      const link = document.createElement("a");
      link.href = URL.createObjectURL(new Blob([file.content as Uint8Array<ArrayBuffer>], { type: file.contentType }));
      link.download = file.fileName;
      link.click();
      URL.revokeObjectURL(link.href);
    } catch (err) {
      setActionError(describeError(err).message);
    }
  }

  return (
    <section data-testid="monthly-account">
      <h2>{t("Conto mensile delle tabaccherie")}</h2>
      <p>
        {t(
          "Calcolato dal registro delle operazioni: certificati emessi, anteprime, richieste rifiutate, corrispettivi, bollo ed esenzioni.",
        )}
      </p>
      <div class="grid">
        <div class="field">
          <label for="account_month">{t("Mese")}</label>
          <input
            id="account_month"
            type="month"
            value={month()}
            onChange={(e) => e.currentTarget.value && setMonth(e.currentTarget.value)}
          />
        </div>
        <div class="actions">
          <button type="button" class="secondary" onClick={() => void download(AccountFileFormat.CSV)}>
            {t("Scarica CSV")}
          </button>
          <button type="button" class="secondary" onClick={() => void download(AccountFileFormat.PDF)}>
            {t("Scarica PDF da stampare")}
          </button>
          <ActionError message={actionError()} />
        </div>
      </div>
      <Show when={Boolean(data.error)}>
        <p class="field-error" role="alert">
          {t(describeError(data.error as unknown).message)}
        </p>
      </Show>
      <Show when={data()}>
        {(a) => (
          <>
            <Show
              when={a().tobacconists.length > 0}
              fallback={<p data-testid="account-empty">{t("Nessuna operazione nel mese.")}</p>}
            >
              <Chart rows={a().tobacconists} />
            </Show>
            <table data-testid="account-table">
              <caption>{t("Conto di {month}", { month: a().month })}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("Tabaccheria")}</th>
                  <th scope="col">{t("Certificati")}</th>
                  <th scope="col">{t("Per tipo")}</th>
                  <th scope="col">{t("Anteprime")}</th>
                  <th scope="col">{t("Rifiuti")}</th>
                  <th scope="col">{t("Corrispettivi")}</th>
                  <th scope="col">{t("Bollo")}</th>
                  <th scope="col">{t("Esenzioni (tab. 39)")}</th>
                  <th scope="col">{t("Motivi")}</th>
                </tr>
              </thead>
              <tbody>
                <For each={[...a().tobacconists, ...(a().totals ? [a().totals!] : [])]}>
                  {(r) => (
                    <tr data-tobacconist={r.tobacconistId || "TOTALE"}>
                      <th scope="row">{r.tobacconistId || t("Totale")}</th>
                      <td>{r.certificatesIssued}</td>
                      <td>
                        {list(r.certificatesByType.map((c) => ({ key: String(c.certificateType), count: c.count })))}
                      </td>
                      <td>{r.previews}</td>
                      <td>{r.refusals}</td>
                      <td>{euro(r.serviceFeesCents)}</td>
                      <td>{euro(r.stampDutyCents)}</td>
                      <td>{list(r.exemptions.map((c) => ({ key: String(c.reason), count: c.count })))}</td>
                      <td>{list(r.reasons.map((c) => ({ key: c.reason || "nessuno", count: c.count })))}</td>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
          </>
        )}
      </Show>
    </section>
  );
}
