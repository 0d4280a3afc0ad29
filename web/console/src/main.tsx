/** The Novares console: the live mesh view and the tobacconist's issuing screen. */
import { render } from "solid-js/web";
import { A, Route, Router, type RouteSectionProps } from "@solidjs/router";
import { Show, type JSX } from "solid-js";
import "../../shared/styles.css";
import { MeshView } from "./mesh/MeshView.tsx";
import { IssuePage } from "./issue/IssuePage.tsx";
import { CounterPage } from "./counter/CounterPage.tsx";
import { signOut, tobacconist } from "./clients.ts";

function Layout(props: RouteSectionProps): JSX.Element {
  return (
    <>
      <header class="top">
        <h1>Novares · console</h1>
        <nav>
          <A href="/" end>
            Rete dei Novabox
          </A>
          <A href="/emissione">Emissione certificati</A>
          <A href="/conto">Conto e segnalazioni</A>
        </nav>
        <span class="spacer" />
        <Show when={tobacconist()}>
          {(t) => (
            <>
              <span data-testid="signed-in-as">{t().name}</span>
              <button type="button" onClick={() => signOut()}>
                Esci
              </button>
            </>
          )}
        </Show>
      </header>
      <main>{props.children}</main>
    </>
  );
}

render(
  () => (
    <Router root={Layout}>
      <Route path="/" component={MeshView} />
      <Route path="/emissione" component={IssuePage} />
      <Route path="/conto" component={CounterPage} />
      <Route path="*" component={MeshView} />
    </Router>
  ),
  document.getElementById("app")!,
);
