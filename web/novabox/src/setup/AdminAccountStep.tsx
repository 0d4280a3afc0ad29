/** Wizard step 1: create the box's administrator (RegisterAdmin), which also signs them in. */
import { createSignal, type JSX } from "solid-js";
import { config, setSession } from "../clients.ts";
import { describeError } from "../../../shared/errors.ts";
import { ActionError, Field } from "../../../shared/components.tsx";
import { isValid, validateAdminAccount, type FieldErrors } from "../../../shared/validation.ts";
import { useI18n } from "../../../shared/i18n.tsx";

export function AdminAccountStep(props: { onDone: () => void }): JSX.Element {
  const { t } = useI18n();
  const [username, setUsername] = createSignal("admin");
  const [password, setPassword] = createSignal("");
  const [confirm, setConfirm] = createSignal("");
  const [errors, setErrors] = createSignal<FieldErrors>({});
  const [actionError, setActionError] = createSignal<string>();
  const [busy, setBusy] = createSignal(false);

  async function submit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    setActionError(undefined);
    const found = validateAdminAccount({ username: username(), password: password(), confirm: confirm() });
    setErrors(found);
    if (!isValid(found)) return;
    setBusy(true);
    try {
      const { session } = await config.registerAdmin({ username: username(), password: password() });
      setSession(session?.token);
      props.onDone();
    } catch (err) {
      const shown = describeError(err);
      if (shown.field === "username" || shown.field === "password") setErrors({ [shown.field]: shown.message });
      else setActionError(shown.message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card" data-testid="step-admin">
      <h2>{t("Account dell'amministratore")}</h2>
      <form onSubmit={(e) => void submit(e)} novalidate>
        <Field label={t("Nome utente")} for="username" error={errors().username}>
          <input
            id="username"
            autocomplete="username"
            value={username()}
            onInput={(e) => setUsername(e.currentTarget.value)}
          />
        </Field>
        <Field
          label={t("Password")}
          for="password"
          error={errors().password}
          hint="Almeno 12 caratteri; una frase di più parole va benissimo."
        >
          <input
            id="password"
            type="password"
            autocomplete="new-password"
            value={password()}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </Field>
        <Field label={t("Ripeti la password")} for="confirm" error={errors().confirm}>
          <input
            id="confirm"
            type="password"
            autocomplete="new-password"
            value={confirm()}
            onInput={(e) => setConfirm(e.currentTarget.value)}
          />
        </Field>
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
