/** The box's GetConfig warnings (clock skew, expiring certificate, stale SSO keys, no advertised host...). */
import { For, Show, type JSX } from "solid-js";
import type { ConfigWarning } from "#gen/novabox/config/v1/config_service_pb.js";
import { useI18n } from "../../../shared/i18n.tsx";

export function ConfigWarnings(props: { warnings: readonly ConfigWarning[] }): JSX.Element {
  const { t } = useI18n();
  return (
    <Show when={props.warnings.length > 0}>
      <section class="card warning" data-testid="config-warnings" role="status">
        <h2>{t("Avvisi del Novabox")}</h2>
        <ul>
          <For each={props.warnings}>
            {(w) => (
              <li data-warning={w.code}>
                <strong class="mono">{w.code}</strong>: {w.message}
              </li>
            )}
          </For>
        </ul>
      </section>
    </Show>
  );
}
