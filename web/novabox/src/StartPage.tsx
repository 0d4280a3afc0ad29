/** Decides where to go from the box's setup status: wizard, login or configuration. */
import { createResource, Show, type JSX } from "solid-js";
import { Navigate } from "@solidjs/router";
import { config, sessionToken } from "./clients.ts";
import { describeError } from "../../shared/errors.ts";
import { useI18n } from "../../shared/i18n.tsx";

export function StartPage(): JSX.Element {
  const { t } = useI18n();
  const [status] = createResource(async () => (await config.getSetupStatus({})).status);
  const target = () => {
    const s = status();
    if (!s) return undefined;
    if (!s.adminRegistered) return "/configurazione-iniziale";
    if (!sessionToken()) return "/accesso";
    return s.configured ? "/configurazione" : "/configurazione-iniziale";
  };
  return (
    <Show
      when={!status.error}
      fallback={
        <p class="action-error">
          {t("Impossibile leggere lo stato del Novabox: {message}", { message: describeError(status.error).message })}
        </p>
      }
    >
      <Show when={target()} fallback={<p>{t("Caricamento…")}</p>}>
        {(href) => <Navigate href={href()} />}
      </Show>
    </Show>
  );
}
