/** Sign-in with the development SSO: pick one of the demo tobacconists. */
import { createResource, createSignal, For, Show, type JSX } from "solid-js";
import { listDemoTobacconists, signInDemo } from "../clients.ts";
import { ActionError, Field } from "../../../shared/components.tsx";
import { useI18n } from "../../../shared/i18n.tsx";

export function SignInPanel(): JSX.Element {
  const { t } = useI18n();
  const [demo] = createResource(listDemoTobacconists);
  const [chosen, setChosen] = createSignal("");
  const [error, setError] = createSignal<string>();
  const [busy, setBusy] = createSignal(false);

  async function submit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const id = chosen() || demo()?.[0]?.tobacconistId || "";
    setBusy(true);
    setError(undefined);
    try {
      await signInDemo(id);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card" data-testid="sign-in">
      <h2>{t("Accesso della tabaccheria")}</h2>
      <p>{t("Ambiente di sviluppo: accesso con una tabaccheria di prova.")}</p>
      <Show
        when={!demo.error}
        fallback={
          <ActionError
            message={demo.error instanceof Error ? demo.error.message : "Accesso di prova non disponibile."}
          />
        }
      >
        <form onSubmit={(e) => void submit(e)}>
          <Field label={t("Tabaccheria")} for="tobacconist">
            <select id="tobacconist" value={chosen()} onChange={(e) => setChosen(e.currentTarget.value)}>
              <For each={demo() ?? []}>
                {(t) => (
                  <option value={t.tobacconistId}>
                    {t.name} ({t.tobacconistId})
                  </option>
                )}
              </For>
            </select>
          </Field>
          <div class="actions">
            <button type="submit" disabled={busy() || !demo()}>
              {t("Accedi")}
            </button>
            <ActionError message={error()} />
          </div>
        </form>
      </Show>
    </section>
  );
}
