/** VerifyAuditLog with its result in plain words. */
import { Show, type JSX } from "solid-js";
import { adminAuth, config } from "../clients.ts";
import { ActionError } from "../../../shared/components.tsx";
import { formatDateTime } from "../../../shared/format.ts";
import { createCheck } from "../../../shared/form-action.ts";
import { useI18n } from "../../../shared/i18n.tsx";

export function IntegrityCheck(): JSX.Element {
  const { t, intlLocale } = useI18n();
  const {
    result,
    error,
    busy,
    run: verify,
  } = createCheck(() => config.verifyAuditLog({}, adminAuth()), { keepResult: true });

  return (
    <section class="card">
      <h2>{t("Integrità del registro")}</h2>
      <p>
        {t("Ogni riga è concatenata alla precedente con un'impronta SHA-256: la verifica ricalcola l'intera catena.")}
      </p>
      <div class="actions">
        <button type="button" onClick={() => void verify()} disabled={busy()}>
          {t("Verifica l'integrità")}
        </button>
        <ActionError message={error()} />
      </div>
      <Show when={result()}>
        {(r) => (
          <div class="result" classList={{ ok: r().ok, bad: !r().ok }} data-testid="integrity-result" role="status">
            <Show
              when={r().ok}
              fallback={
                <>
                  <strong>{t("Registro alterato.")}</strong>{" "}
                  {t("La riga n. {row} non corrisponde: {reason}. Righe controllate: {rows}.", {
                    row: String(r().firstBrokenId),
                    reason: r().reason,
                    rows: String(r().rowsChecked),
                  })}
                </>
              }
            >
              <strong>{t("Registro integro.")}</strong>{" "}
              {t("{rows} righe verificate, nessuna modifica, cancellazione o inversione ({time}).", {
                rows: String(r().rowsChecked),
                time: formatDateTime(r().verifiedAt, intlLocale()),
              })}
            </Show>
          </div>
        )}
      </Show>
    </section>
  );
}
