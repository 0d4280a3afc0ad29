/** The audit log: newest pages from ListAuditLog, fiscal codes masked by default, and the integrity check. */
import { createResource, createSignal, Show, type JSX } from "solid-js";
import { Navigate } from "@solidjs/router";
import { adminAuth, config, sessionToken } from "../clients.ts";
import { AuditTable } from "./AuditTable.tsx";
import { IntegrityCheck } from "./IntegrityCheck.tsx";
import { AuditFilters, type AuditFilter } from "./AuditFilters.tsx";
import { AuditExport } from "./AuditExport.tsx";
import { RequestsPerDayChart } from "./RequestsPerDayChart.tsx";
import { UnsettledIssuances } from "./UnsettledIssuances.tsx";
import { NovaresAlerts } from "./NovaresAlerts.tsx";
import { WeeklySummary } from "./WeeklySummary.tsx";
import { Loaded } from "../../../shared/components.tsx";
import { useI18n } from "../../../shared/i18n.tsx";

const pageSize = 50;

export function AuditLogPage(): JSX.Element {
  const { t } = useI18n();
  const [pageToken, setPageToken] = createSignal("");
  const [previous, setPrevious] = createSignal<string[]>([]);
  const [reveal, setReveal] = createSignal(false);
  const [filter, setFilter] = createSignal<AuditFilter>({});
  const [page] = createResource(
    () => (sessionToken() ? { token: pageToken(), filter: filter() } : undefined),
    async ({ token, filter }) => config.listAuditLog({ filter, pageSize, pageToken: token }, adminAuth()),
  );

  return (
    <Show when={sessionToken()} fallback={<Navigate href="/accesso" />}>
      <section class="card">
        <h2>{t("Registro delle operazioni")}</h2>
        <AuditFilters
          onApply={(f) => {
            setFilter(f);
            setPrevious([]);
            setPageToken("");
          }}
        />
        <AuditExport filter={filter()} />
        <div class="actions">
          <label>
            <input
              type="checkbox"
              id="reveal-fiscal-codes"
              checked={reveal()}
              onChange={(e) => setReveal(e.currentTarget.checked)}
            />{" "}
            {t("Mostra i codici fiscali per intero")}
          </label>
        </div>
        <Loaded resource={page} loading={<p>{t("Caricamento…")}</p>}>
          {(p) => (
            <>
              <RequestsPerDayChart entries={p().entries} />
              <AuditTable entries={p().entries} revealFiscalCodes={reveal()} />
            </>
          )}
        </Loaded>
        <div class="actions">
          <button
            type="button"
            class="secondary"
            disabled={previous().length === 0}
            onClick={() => {
              const stack = previous();
              setPageToken(stack[stack.length - 1] ?? "");
              setPrevious(stack.slice(0, -1));
            }}
          >
            {t("Pagina precedente")}
          </button>
          <button
            type="button"
            class="secondary"
            disabled={!page.latest?.nextPageToken}
            onClick={() => {
              setPrevious([...previous(), pageToken()]);
              setPageToken(page.latest?.nextPageToken ?? "");
            }}
          >
            {t("Pagina successiva")}
          </button>
        </div>
      </section>
      <WeeklySummary />
      <NovaresAlerts />
      <UnsettledIssuances revealFiscalCodes={reveal()} />
      <IntegrityCheck />
    </Show>
  );
}
