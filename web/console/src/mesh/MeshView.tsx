/**
 * The live mesh: the WatchInstances stream keeps the table current (snapshot first, then every
 * change), with counts by health. The stream is reopened after a short pause if it drops.
 */
import { createSignal, onCleanup, Show, type JSX } from "solid-js";
import { createStore, produce, reconcile } from "solid-js/store";
import { InstanceEventType, type Instance } from "#gen/novares/discovery/v1/discovery_service_pb.js";
import { discovery } from "../clients.ts";
import { describeError } from "../../../shared/errors.ts";
import { HealthCounts } from "./HealthCounts.tsx";
import { InstanceTable } from "./InstanceTable.tsx";
import { useI18n } from "../../../shared/i18n.tsx";

export function MeshView(): JSX.Element {
  const { t } = useI18n();
  const [instances, setInstances] = createStore<Record<string, Instance>>({});
  const [live, setLive] = createSignal(false);
  const [error, setError] = createSignal<string>();
  const [now, setNow] = createSignal(new Date());
  const abort = new AbortController();
  const ticker = setInterval(() => setNow(new Date()), 1000);
  onCleanup(() => {
    abort.abort();
    clearInterval(ticker);
  });

  async function watch(): Promise<void> {
    while (!abort.signal.aborted) {
      try {
        let snapshot: Record<string, Instance> = {};
        for await (const message of discovery.watchInstances({}, { signal: abort.signal })) {
          const payload = message.payload;
          if (payload.case === "snapshot") {
            for (const i of payload.value.instances) snapshot[i.instanceId] = i;
            if (payload.value.complete) {
              setInstances(reconcile(snapshot));
              snapshot = {};
              setLive(true);
              setError(undefined);
            }
          } else if (payload.case === "event" && payload.value.instance) {
            const instance = payload.value.instance;
            if (payload.value.type === InstanceEventType.REMOVED) {
              setInstances(produce((all) => void delete all[instance.instanceId]));
            } else {
              setInstances(instance.instanceId, reconcile(instance));
            }
          }
        }
      } catch (err) {
        if (abort.signal.aborted) return;
        setError(describeError(err).message);
      }
      setLive(false);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  void watch();

  const list = () =>
    Object.values(instances).sort(
      (a, b) => a.comuneName.localeCompare(b.comuneName) || a.instanceId.localeCompare(b.instanceId),
    );

  return (
    <section class="card">
      <h2>{t("Rete dei Novabox")}</h2>
      <p>
        {t("Aggiornamento in tempo reale:")}{" "}
        <span class={`badge ${live() ? "ok" : "warn"}`} data-testid="stream-state">
          {live() ? t("collegato") : t("in collegamento…")}
        </span>
      </p>
      <Show when={error()}>
        <p class="action-error" role="alert">
          {t("Flusso interrotto, nuovo tentativo tra poco: {error}", { error: error() })}
        </p>
      </Show>
      <HealthCounts instances={list()} />
      <InstanceTable instances={list()} now={now()} />
    </section>
  );
}
