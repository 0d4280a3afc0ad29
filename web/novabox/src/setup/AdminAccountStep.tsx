/** Wizard step 1: create the box's administrator (RegisterAdmin), which also signs them in. */
import { createSignal, type JSX } from "solid-js";
import { config, setSession } from "../clients.ts";
import { NewPasswordFields } from "../account/NewPasswordFields.tsx";
import { describeError } from "../../../shared/errors.ts";
import { ActionError, InputField } from "../../../shared/components.tsx";
import { validateAdminAccount } from "../../../shared/validation.ts";
import { createFormAction } from "../../../shared/form-action.ts";
import { useI18n } from "../../../shared/i18n.tsx";

export function AdminAccountStep(props: { onDone: () => void }): JSX.Element {
  const { t } = useI18n();
  const [username, setUsername] = createSignal("admin");
  const [password, setPassword] = createSignal("");
  const [confirm, setConfirm] = createSignal("");
  const { errors, setErrors, actionError, setActionError, busy, submit: run } = createFormAction();

  const submit = (event: SubmitEvent) =>
    run(
      event,
      () => validateAdminAccount({ username: username(), password: password(), confirm: confirm() }),
      async () => {
        const { session } = await config.registerAdmin({ username: username(), password: password() });
        setSession(session?.token);
        props.onDone();
      },
      (err) => {
        const shown = describeError(err);
        if (shown.field === "username" || shown.field === "password") setErrors({ [shown.field]: shown.message });
        else setActionError(shown.message);
      },
    );

  return (
    <section class="card" data-testid="step-admin">
      <h2>{t("Account dell'amministratore")}</h2>
      <form onSubmit={(e) => void submit(e)} novalidate>
        <InputField
          label="Nome utente"
          id="username"
          error={errors().username}
          autocomplete="username"
          value={username()}
          onInput={setUsername}
        />
        <NewPasswordFields
          id="password"
          label="Password"
          confirmLabel="Ripeti la password"
          hint="Almeno 12 caratteri; una frase di più parole va benissimo."
          errors={errors()}
          password={password()}
          onPassword={setPassword}
          confirm={confirm()}
          onConfirm={setConfirm}
        />
        <div class="actions">
          <button type="submit" disabled={busy()}>
            {t("Crea l'amministratore")}
          </button>
          <ActionError message={actionError()} />
        </div>
      </form>
    </section>
  );
}
