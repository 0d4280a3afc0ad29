/** The Novares console: the live mesh view and the tobacconist's issuing screen. */
import { render } from "solid-js/web";
import { A, Route, Router, type RouteSectionProps } from "@solidjs/router";
import { Show, type JSX } from "solid-js";
import "../../shared/styles.css";
import { MeshView } from "./mesh/MeshView.tsx";
import { IssuePage } from "./issue/IssuePage.tsx";
import { CounterPage } from "./counter/CounterPage.tsx";
import { SignInCallback } from "./issue/SignInCallback.tsx";
import { signOut, tobacconist } from "./clients.ts";
import { createI18n, I18nProvider, LanguageSwitch } from "../../shared/i18n.tsx";
import { german } from "../../shared/i18n-de.ts";
import { useI18n } from "../../shared/i18n.tsx";

function Layout(props: RouteSectionProps): JSX.Element {
  const { t } = useI18n();
  return (
    <>
      <header class="top">
        <h1>{t("Novares · console")}</h1>
        <nav>
          <A href="/" end>
            {t("Rete dei Novabox")}
          </A>
          <A href="/emissione">{t("Emissione certificati")}</A>
          <A href="/conto">{t("Conto e segnalazioni")}</A>
        </nav>
        <span class="spacer" />
        <LanguageSwitch />
        <Show when={tobacconist()}>
          {(session) => (
            <>
              <span data-testid="signed-in-as">{session().name}</span>
              <button type="button" onClick={() => signOut()}>
                {t("Esci")}
              </button>
            </>
          )}
        </Show>
      </header>
      <main>{props.children}</main>
    </>
  );
}

const i18n = createI18n({ german });

render(
  () => (
    <I18nProvider i18n={i18n}>
      <Router root={Layout}>
        <Route path="/" component={MeshView} />
        <Route path="/emissione" component={IssuePage} />
        <Route path="/conto" component={CounterPage} />
        <Route path="/accesso/callback" component={SignInCallback} />
        <Route path="*" component={MeshView} />
      </Router>
    </I18nProvider>
  ),
  document.getElementById("app")!,
);
