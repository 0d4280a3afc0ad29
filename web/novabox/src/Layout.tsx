/** The panel's frame: title, navigation once signed in, sign out. */
import { Show, type JSX } from "solid-js";
import { A, useNavigate, type RouteSectionProps } from "@solidjs/router";
import { sessionToken, setSession } from "./clients.ts";

export function Layout(props: RouteSectionProps): JSX.Element {
  const navigate = useNavigate();
  return (
    <>
      <header class="top">
        <h1>Novabox · pannello del Comune</h1>
        <Show when={sessionToken()}>
          <nav>
            <A href="/configurazione">Configurazione</A>
            <A href="/registro">Registro delle operazioni</A>
            <A href="/conto">Conto mensile</A>
            <A href="/password">Cambio password</A>
          </nav>
          <span class="spacer" />
          <button
            type="button"
            onClick={() => {
              setSession(undefined);
              navigate("/accesso");
            }}
          >
            Esci
          </button>
        </Show>
      </header>
      <main>{props.children}</main>
    </>
  );
}
