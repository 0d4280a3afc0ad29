/** Decides where to go from the box's setup status: wizard, login or configuration. */
import { createResource, Show, type JSX } from "solid-js";
import { Navigate } from "@solidjs/router";
import { config, sessionToken } from "./clients.ts";
import { describeError } from "../../shared/errors.ts";

export function StartPage(): JSX.Element {
  const [status] = createResource(async () => (await config.getSetupStatus({})).status);
  const target = () => {
    const s = status();
    if (!s) return undefined;
    if (!s.adminRegistered) return "/configurazione-iniziale";
    if (!sessionToken()) return "/accesso";
    return s.configured ? "/configurazione" : "/configurazione-iniziale";
  };
  return (
    <Show when={!status.error} fallback={<p class="action-error">Impossibile leggere lo stato del Novabox: {describeError(status.error).message}</p>}>
      <Show when={target()} fallback={<p>Caricamento…</p>}>
        {(href) => <Navigate href={href()} />}
      </Show>
    </Show>
  );
}
