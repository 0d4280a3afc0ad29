/**
 * First start: create the admin account, enter the ANPR credentials and settings, check the
 * connection to ANPR. Each step is its own component; the wizard only tracks which one is shown.
 */
import { createResource, createSignal, Match, Show, Switch, type JSX } from "solid-js";
import { Navigate } from "@solidjs/router";
import { config, sessionToken } from "../clients.ts";
import { AdminAccountStep } from "./AdminAccountStep.tsx";
import { AnprCredentialsStep } from "./AnprCredentialsStep.tsx";
import { ConnectionCheckStep } from "./ConnectionCheckStep.tsx";
import { useI18n } from "../../../shared/i18n.tsx";

type Step = "admin" | "anpr" | "check";

const stepNames: [Step, string][] = [
  ["admin", "1. Amministratore"],
  ["anpr", "2. Credenziali ANPR"],
  ["check", "3. Verifica collegamento"],
];

export function SetupWizard(): JSX.Element {
  const { t } = useI18n();
  const [status] = createResource(async () => (await config.getSetupStatus({})).status);
  const [chosen, setChosen] = createSignal<Step>();
  const step = (): Step | "login" | undefined => {
    const picked = chosen();
    if (picked) return picked;
    const s = status();
    if (!s) return undefined;
    if (!s.adminRegistered) return "admin";
    if (!sessionToken()) return "login";
    return s.anprCredentialsSet && s.configured ? "check" : "anpr";
  };
  return (
    <>
      <section class="card">
        <h2>{t("Configurazione iniziale del Novabox")}</h2>
        <p>
          {t("Tre passaggi: l'account dell'amministratore, le credenziali per ANPR, la verifica del collegamento.")}
        </p>
        <ol class="steps">
          {stepNames.map(([s, label]) => (
            <li classList={{ current: step() === s }}>{t(label)}</li>
          ))}
        </ol>
      </section>
      <Show when={step()} fallback={<p>{t("Caricamento…")}</p>}>
        <Switch>
          <Match when={step() === "login"}>
            <Navigate href="/accesso" />
          </Match>
          <Match when={step() === "admin"}>
            <AdminAccountStep onDone={() => setChosen("anpr")} />
          </Match>
          <Match when={step() === "anpr"}>
            <AnprCredentialsStep onDone={() => setChosen("check")} />
          </Match>
          <Match when={step() === "check"}>
            <ConnectionCheckStep onBack={() => setChosen("anpr")} />
          </Match>
        </Switch>
      </Show>
    </>
  );
}
