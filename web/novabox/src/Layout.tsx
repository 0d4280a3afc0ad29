/** The panel's frame: title, navigation once signed in, sign out. */
import { Show, type JSX } from "solid-js";
import { A, useNavigate, type RouteSectionProps } from "@solidjs/router";
import { sessionToken, setSession } from "./clients.ts";
import { LanguageSwitch, useI18n } from "../../shared/i18n.tsx";

export function Layout(props: RouteSectionProps): JSX.Element {
  const { t } = useI18n();
  const navigate = useNavigate();
  return (
    <>
      <header class="top">
        <h1>{t("Novabox · pannello del Comune")}</h1>
        <Show when={sessionToken()}>
          <nav>
            <A href="/configurazione">{t("Configurazione")}</A>
            <A href="/registro">{t("Registro delle operazioni")}</A>
            <A href="/conto">{t("Conto mensile")}</A>
            <A href="/password">{t("Cambio password")}</A>
          </nav>
        </Show>
        <span class="spacer" />
        <LanguageSwitch />
        <Show when={sessionToken()}>
          <button
            type="button"
            onClick={() => {
              setSession(undefined);
              navigate("/accesso");
            }}
          >
            {t("Esci")}
          </button>
        </Show>
      </header>
      <main>{props.children}</main>
    </>
  );
}
