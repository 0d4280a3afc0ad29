/**
 * ANPR's TestConn through the box (ConfigService.TestAnprConnection): the button, its error and the
 * outcome in plain words. The setup wizard and the configuration page both show it; `children` are
 * extra buttons beside it, `onResult` tells the caller how the last test went.
 */
import { Show, createEffect, type JSX } from "solid-js";
import type { TestAnprConnectionResponse } from "#gen/novabox/config/v1/config_service_pb.js";
import { adminAuth, config } from "../clients.ts";
import { ConnectionTestResult } from "./ConnectionTestResult.tsx";
import { ActionError } from "../../../shared/components.tsx";
import { createCheck } from "../../../shared/form-action.ts";
import { useI18n } from "../../../shared/i18n.tsx";

export function AnprConnectionCheck(props: {
  children?: JSX.Element;
  onResult?: (result: TestAnprConnectionResponse | undefined) => void;
}): JSX.Element {
  const { t } = useI18n();
  const { result, error, busy, run } = createCheck(() => config.testAnprConnection({}, adminAuth()));
  createEffect(() => props.onResult?.(result()));
  return (
    <>
      <div class="actions">
        <button type="button" onClick={() => void run()} disabled={busy()}>
          {busy() ? t("Verifica in corso…") : t("Verifica il collegamento")}
        </button>
        {props.children}
        <ActionError message={error()} />
      </div>
      <Show when={result()}>{(r) => <ConnectionTestResult result={r()} />}</Show>
    </>
  );
}
