/** Admin sign-in. */
import { createSignal, type JSX } from "solid-js";
import { useNavigate } from "@solidjs/router";
import { config, setSession } from "./clients.ts";
import { describeError, type ShownError } from "../../shared/errors.ts";
import { ActionError, InputField } from "../../shared/components.tsx";
import { useI18n } from "../../shared/i18n.tsx";

export function LoginPage(): JSX.Element {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [username, setUsername] = createSignal("admin");
  const [password, setPassword] = createSignal("");
  const [error, setError] = createSignal<ShownError>();
  const [busy, setBusy] = createSignal(false);
  const fieldError = (f: string) => (error()?.field === f ? error()?.message : undefined);

  async function submit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const { session } = await config.login({ username: username(), password: password() });
      setSession(session?.token);
      const status = (await config.getSetupStatus({})).status;
      navigate(status?.configured ? "/configurazione" : "/configurazione-iniziale");
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card">
      <h2>{t("Accesso amministratore")}</h2>
      <form onSubmit={(e) => void submit(e)}>
        <InputField
          label="Nome utente"
          id="login-username"
          error={fieldError("username")}
          autocomplete="username"
          value={username()}
          onInput={setUsername}
        />
        <InputField
          label="Password"
          id="login-password"
          error={fieldError("password")}
          type="password"
          autocomplete="current-password"
          value={password()}
          onInput={setPassword}
        />
        <div class="actions">
          <button type="submit" disabled={busy()}>
            {t("Accedi")}
          </button>
          <ActionError
            message={error() && !["username", "password"].includes(error()!.field ?? "") ? error()!.message : undefined}
          />
        </div>
      </form>
    </section>
  );
}
