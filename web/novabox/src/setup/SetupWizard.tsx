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
import { MeshStep } from "./MeshStep.tsx";
import { useI18n } from "../../../shared/i18n.tsx";

type Step = "admin" | "anpr" | "mesh" | "check";

const stepNames: [Step, string][] = [
  ["admin", "1. Amministratore"],
  ["anpr", "2. Credenziali ANPR"],
  ["mesh", "3. Novares e accesso SSO"],
  ["check", "4. Verifica dei collegamenti"],
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
          {t(
            "Quattro passaggi: l'account dell'amministratore, le credenziali per ANPR, Novares e l'accesso SSO, la verifica dei collegamenti.",
          )}
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
            <AnprCredentialsStep onDone={() => setChosen("mesh")} />
          </Match>
          <Match when={step() === "mesh"}>
            <MeshStep onDone={() => setChosen("check")} />
          </Match>
          <Match when={step() === "check"}>
            <ConnectionCheckStep onBack={() => setChosen("anpr")} onBackToMesh={() => setChosen("mesh")} />
          </Match>
        </Switch>
      </Show>
    </>
  );
}
