/**
 * Sign-in of the tobacconist: one button that starts the OpenID Connect sign-in (authorization code
 * + PKCE, ../sign-in.ts) at the issuer the gateway names; the browser comes back to /accesso/callback.
 */
import { createSignal, type JSX } from "solid-js";
import { beginSignIn } from "../sign-in.ts";
import { ActionError } from "../../../shared/components.tsx";
import { useI18n } from "../../../shared/i18n.tsx";

export function SignInPanel(): JSX.Element {
  const { t } = useI18n();
  const [error, setError] = createSignal<string>();
  const [busy, setBusy] = createSignal(false);

  async function submit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await beginSignIn(window.location.pathname);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  }

  return (
    <section class="card" data-testid="sign-in">
      <h2>{t("Accesso della tabaccheria")}</h2>
      <p>{t("Accedi con il Single Sign-On di Novares: la pagina di accesso si apre e poi torni qui.")}</p>
      <form onSubmit={(e) => void submit(e)}>
        <div class="actions">
          <button type="submit" disabled={busy()}>
            {t("Accedi")}
          </button>
          <ActionError message={error()} />
        </div>
      </form>
    </section>
  );
}
