/** Tobacconists whose access the Comune revoked: the list with restore, and a form to revoke one (id + reason). */
import { createSignal, For, type JSX } from "solid-js";
import type { Config, RevokedTobacconist } from "#gen/novabox/config/v1/config_service_pb.js";
import { saveSettings, settingsField } from "./saveSettings.ts";
import { describeError } from "../../../shared/errors.ts";
import { ActionError, Field } from "../../../shared/components.tsx";
import { formatDateTime } from "../../../shared/format.ts";
import { isValid, validateRevocation, type FieldErrors } from "../../../shared/validation.ts";
import { useI18n } from "../../../shared/i18n.tsx";

export function RevokedTobacconists(props: {
  revoked: readonly RevokedTobacconist[];
  onSaved: (c: Config) => void;
}): JSX.Element {
  const { t, intlLocale } = useI18n();
  const [tobacconistId, setTobacconistId] = createSignal("");
  const [reason, setReason] = createSignal("");
  const [errors, setErrors] = createSignal<FieldErrors>({});
  const [actionError, setActionError] = createSignal<string>();
  const [busy, setBusy] = createSignal(false);

  /** Saves the whole list (the service replaces it) under the mask "revoked_tobacconists". */
  async function save(
    list: { tobacconistId: string; reason: string; revokedAt?: RevokedTobacconist["revokedAt"] }[],
    onFieldError: (message: string) => void,
  ): Promise<boolean> {
    setBusy(true);
    setActionError(undefined);
    try {
      const next = await saveSettings({ revokedTobacconists: list }, ["revoked_tobacconists"]);
      if (next) props.onSaved(next);
      return true;
    } catch (err) {
      const shown = describeError(err);
      if (settingsField(shown.field)?.startsWith("revoked_tobacconists")) onFieldError(shown.message);
      else setActionError(shown.message);
      return false;
    } finally {
      setBusy(false);
    }
  }

  async function revoke(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const found = validateRevocation(
      { tobacconistId: tobacconistId(), reason: reason() },
      props.revoked.map((r) => r.tobacconistId),
    );
    setErrors(found);
    if (!isValid(found)) return;
    const list = [
      ...props.revoked.map((r) => ({ tobacconistId: r.tobacconistId, reason: r.reason, revokedAt: r.revokedAt })),
      { tobacconistId: tobacconistId().trim(), reason: reason().trim() },
    ];
    if (await save(list, (message) => setErrors({ tobacconist_id: message }))) {
      setTobacconistId("");
      setReason("");
    }
  }

  function restore(id: string): void {
    const list = props.revoked
      .filter((r) => r.tobacconistId !== id)
      .map((r) => ({ tobacconistId: r.tobacconistId, reason: r.reason, revokedAt: r.revokedAt }));
    void save(list, setActionError);
  }

  return (
    <section class="card" data-testid="revoked">
      <h2>{t("Tabaccherie revocate")}</h2>
      <p>{t("Le richieste delle tabaccherie revocate vengono rifiutate.")}</p>
      <table data-testid="revoked-list">
        <thead>
          <tr>
            <th>{t("Tabaccheria")}</th>
            <th>{t("Motivo")}</th>
            <th>{t("Revocata il")}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          <For
            each={props.revoked}
            fallback={
              <tr>
                <td colSpan={4}>{t("Nessuna tabaccheria revocata.")}</td>
              </tr>
            }
          >
            {(r) => (
              <tr data-tobacconist={r.tobacconistId}>
                <td class="mono">{r.tobacconistId}</td>
                <td>{r.reason || "—"}</td>
                <td>{formatDateTime(r.revokedAt, intlLocale())}</td>
                <td>
                  <button type="button" class="secondary" disabled={busy()} onClick={() => restore(r.tobacconistId)}>
                    {t("Ripristina")}
                  </button>
                </td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
      <form onSubmit={(e) => void revoke(e)} novalidate>
        <h3>{t("Revoca una tabaccheria")}</h3>
        <div class="grid">
          <Field
            label={t("Identificativo tabaccheria")}
            for="tobacconist_id"
            error={errors().tobacconist_id}
            hint="es. TAB-0001"
          >
            <input
              id="tobacconist_id"
              value={tobacconistId()}
              onInput={(e) => setTobacconistId(e.currentTarget.value)}
            />
          </Field>
          <Field label={t("Motivo")} for="reason" error={errors().reason} hint="Facoltativo.">
            <input id="reason" value={reason()} onInput={(e) => setReason(e.currentTarget.value)} />
          </Field>
        </div>
        <div class="actions">
          <button type="submit" disabled={busy()}>
            {t("Revoca")}
          </button>
          <ActionError message={actionError()} />
        </div>
      </form>
    </section>
  );
}
