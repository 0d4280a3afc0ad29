/**
 * The redirect URI of the OpenID Connect sign-in (/accesso/callback): completes it (state, code +
 * PKCE verifier, ID token with nonce: ../sign-in.ts), keeps the session and goes back to the page
 * the sign-in started from; a failure is shown with a way to try again.
 */
import { useNavigate } from "@solidjs/router";
import { createSignal, onMount, Show, type JSX } from "solid-js";
import { setSession } from "../clients.ts";
import { completeSignIn } from "../sign-in.ts";
import { ActionError } from "../../../shared/components.tsx";
import { useI18n } from "../../../shared/i18n.tsx";

export function SignInCallback(): JSX.Element {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [error, setError] = createSignal<string>();

  onMount(() => {
    completeSignIn(new URL(window.location.href)).then(
      (signedIn) => {
        setSession({ token: signedIn.token, tobacconistId: signedIn.tobacconistId, name: signedIn.name });
        navigate(signedIn.returnTo.startsWith("/") && !signedIn.returnTo.startsWith("//") ? signedIn.returnTo : "/", {
          replace: true,
        });
      },
      (err: unknown) => setError(err instanceof Error ? err.message : String(err)),
    );
  });

  return (
    <section class="card" data-testid="sign-in-callback">
      <h2>{t("Accesso della tabaccheria")}</h2>
      <Show when={error()} fallback={<p role="status">{t("Accesso in corso…")}</p>}>
        <ActionError message={error()} />
        <p>
          <a href="/emissione">{t("Riprova")}</a>
        </p>
      </Show>
    </section>
  );
}
