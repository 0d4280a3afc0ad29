/** The outcome of ANPR's TestConn, in words. */
import { For, Show, type JSX } from "solid-js";
import type { TestAnprConnectionResponse } from "@gen/novabox/config/v1/config_service_pb.js";
import { environmentLabel, stageLabels } from "../labels.ts";
import { formatDateTime } from "../../../shared/format.ts";

export function ConnectionTestResult(props: { result: TestAnprConnectionResponse }): JSX.Element {
  const latencyMs = () => {
    const l = props.result.latency;
    return l ? Math.round(Number(l.seconds) * 1000 + l.nanos / 1e6) : undefined;
  };
  return (
    <div class="result" classList={{ ok: props.result.ok, bad: !props.result.ok }} data-testid="connection-result" role="status">
      <Show
        when={props.result.ok}
        fallback={
          <>
            <strong>Collegamento non riuscito</strong> — fase: {stageLabels[props.result.failedStage]}.
            <p>{props.result.detail}</p>
            <For each={props.result.anprErrors}>{(e) => <p>ANPR {e.code}: {e.text}</p>}</For>
          </>
        }
      >
        <strong>Collegamento riuscito.</strong> ANPR ha risposto in {latencyMs() ?? "—"} ms (ambiente {environmentLabel(props.result.environment)},{" "}
        <span class="mono">{props.result.endpointUrl}</span>), {formatDateTime(props.result.testedAt)}.
      </Show>
    </div>
  );
}
