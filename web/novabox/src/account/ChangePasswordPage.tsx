/** ChangePassword: current, new and confirmed password; the answer's new session replaces the stored token. */
import { createSignal, Show, type JSX } from "solid-js";
import { Navigate } from "@solidjs/router";
import { adminAuth, config, sessionToken, setSession } from "../clients.ts";
import { NewPasswordFields } from "./NewPasswordFields.tsx";
import { describeError } from "../../../shared/errors.ts";
import { ActionError, InputField } from "../../../shared/components.tsx";
import { validatePasswordChange } from "../../../shared/validation.ts";
import { createFormAction } from "../../../shared/form-action.ts";
import { useI18n } from "../../../shared/i18n.tsx";

export function ChangePasswordPage(): JSX.Element {
  const { t } = useI18n();
  const [currentPassword, setCurrentPassword] = createSignal("");
  const [newPassword, setNewPassword] = createSignal("");
  const [confirm, setConfirm] = createSignal("");
  const { errors, setErrors, actionError, setActionError, busy, done, submit: run } = createFormAction();

  const submit = (event: SubmitEvent) =>
    run(
      event,
      () =>
        validatePasswordChange({
          currentPassword: currentPassword(),
          newPassword: newPassword(),
          confirm: confirm(),
        }),
      async () => {
        const { session } = await config.changePassword(
          { currentPassword: currentPassword(), newPassword: newPassword() },
          adminAuth(),
        );
        setSession(session?.token);
        setCurrentPassword("");
        setNewPassword("");
        setConfirm("");
      },
      (err) => {
        const shown = describeError(err);
        if (shown.reason === "WRONG_CURRENT_PASSWORD" || shown.field === "current_password")
          setErrors({ current_password: "La password attuale non è corretta." });
        else if (shown.field === "new_password")
          setErrors({
            new_password:
              shown.reason === "PASSWORD_UNCHANGED"
                ? "La nuova password deve essere diversa da quella attuale."
                : shown.message,
          });
        else setActionError(shown.message);
      },
    );

  return (
    <Show when={sessionToken()} fallback={<Navigate href="/accesso" />}>
      <section class="card" data-testid="change-password">
        <h2>{t("Cambio password")}</h2>
        <p>{t("Le altre sessioni aperte vengono chiuse; questa resta attiva.")}</p>
        <form onSubmit={(e) => void submit(e)} novalidate>
          <InputField
            label="Password attuale"
            id="current_password"
            error={errors().current_password}
            type="password"
            autocomplete="current-password"
            value={currentPassword()}
            onInput={setCurrentPassword}
          />
          <NewPasswordFields
            id="new_password"
            label="Nuova password"
            confirmLabel="Ripeti la nuova password"
            hint="Almeno 12 caratteri."
            errors={errors()}
            password={newPassword()}
            onPassword={setNewPassword}
            confirm={confirm()}
            onConfirm={setConfirm}
          />
          <div class="actions">
            <button type="submit" disabled={busy()}>
              {t("Cambia la password")}
            </button>
            <ActionError message={actionError()} />
          </div>
          <Show when={done()}>
            <p class="result ok" role="status" data-testid="password-changed">
              {t("Password cambiata.")}
            </p>
          </Show>
        </form>
      </section>
    </Show>
  );
}
