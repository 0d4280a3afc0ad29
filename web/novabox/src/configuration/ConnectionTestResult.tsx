/** The outcome of ANPR's TestConn, in words. */
import { For, Show, type JSX } from "solid-js";
import type { TestAnprConnectionResponse } from "#gen/novabox/config/v1/config_service_pb.js";
import { environmentLabel, stageLabels } from "../labels.ts";
import { formatDateTime } from "../../../shared/format.ts";
import { useI18n } from "../../../shared/i18n.tsx";

export function ConnectionTestResult(props: { result: TestAnprConnectionResponse }): JSX.Element {
  const { t, intlLocale } = useI18n();
  const latencyMs = () => {
    const l = props.result.latency;
    return l ? Math.round(Number(l.seconds) * 1000 + l.nanos / 1e6) : undefined;
  };
  return (
    <div
      class="result"
      classList={{ ok: props.result.ok, bad: !props.result.ok }}
      data-testid="connection-result"
      role="status"
    >
      <Show
        when={props.result.ok}
        fallback={
          <>
            <strong>{t("Collegamento non riuscito")}</strong>{" "}
            {t("— fase: {stage}.", { stage: t(stageLabels[props.result.failedStage] ?? "") })}
            <p>{props.result.detail}</p>
            <For each={props.result.anprErrors}>
              {(e) => <p>{t("ANPR {code}: {text}", { code: e.code, text: e.text })}</p>}
            </For>
          </>
        }
      >
        <strong>{t("Collegamento riuscito.")}</strong>{" "}
        {t("ANPR ha risposto in {ms} ms (ambiente {environment},", {
          ms: latencyMs() ?? "—",
          environment: t(environmentLabel(props.result.environment)),
        })}{" "}
        <span class="mono">{props.result.endpointUrl}</span>), {formatDateTime(props.result.testedAt, intlLocale())}.
      </Show>
    </div>
  );
}
