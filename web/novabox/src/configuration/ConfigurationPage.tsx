/** The box's configuration: certificates, the Comune's settings, and a connection check. */
import { createResource, createSignal, Show, type JSX } from "solid-js";
import { Navigate } from "@solidjs/router";
import type { ConfigWarning } from "#gen/novabox/config/v1/config_service_pb.js";
import { adminAuth, config, sessionToken } from "../clients.ts";
import { environmentLabel } from "../labels.ts";
import { CertificateCard } from "./CertificateCard.tsx";
import { AnprConnectionCheck } from "./AnprConnectionCheck.tsx";
import { LimitsForm } from "./LimitsForm.tsx";
import { ExperimentalPhase } from "./ExperimentalPhase.tsx";
import { RevokedTobacconists } from "./RevokedTobacconists.tsx";
import { MeshSettingsForm } from "./MeshSettingsForm.tsx";
import { NovaresCheck } from "./NovaresCheck.tsx";
import { ConfigWarnings } from "./ConfigWarnings.tsx";
import { ReplaceCaCertificate, ReplaceWorkstationCertificate } from "./ReplaceCertificates.tsx";
import { Loaded } from "../../../shared/components.tsx";
import { formatDateTime } from "../../../shared/format.ts";
import { useI18n } from "../../../shared/i18n.tsx";

export function ConfigurationPage(): JSX.Element {
  const { t, intlLocale } = useI18n();
  const [warnings, setWarnings] = createSignal<ConfigWarning[]>([]);
  const [current, { mutate, refetch }] = createResource(sessionToken, async () => {
    const answer = await config.getConfig({}, adminAuth());
    setWarnings(answer.warnings);
    return answer.config;
  });
  return (
    <Show when={sessionToken()} fallback={<Navigate href="/accesso" />}>
      <Loaded resource={current} loading={<p>{t("Caricamento…")}</p>}>
        {(c) => (
          <>
            <ConfigWarnings warnings={warnings()} />
            <section class="card" data-testid="settings">
              <h2>{t("Comune e postazione")}</h2>
              <table>
                <tbody>
                  <tr>
                    <th>{t("Comune")}</th>
                    <td>
                      {c().settings?.comuneName} ({c().settings?.comuneCode})
                    </td>
                  </tr>
                  <tr>
                    <th>{t("Operatore")}</th>
                    <td>{c().settings?.operatorId}</td>
                  </tr>
                  <tr>
                    <th>{t("Sede")}</th>
                    <td>{c().settings?.officeId}</td>
                  </tr>
                  <tr>
                    <th>{t("Postazione")}</th>
                    <td>{c().settings?.workstationId}</td>
                  </tr>
                  <tr>
                    <th>{t("Ufficiale d'anagrafe")}</th>
                    <td>
                      {c().settings?.registryOfficerSurname} {c().settings?.registryOfficerName}
                    </td>
                  </tr>
                  <tr>
                    <th>{t("Ambiente ANPR")}</th>
                    <td>{t(environmentLabel(c().settings?.anprEnvironment ?? 0))}</td>
                  </tr>
                  <tr>
                    <th>{t("Indirizzo ANPR")}</th>
                    <td class="mono">{c().settings?.anprBaseUrl}</td>
                  </tr>
                  <tr>
                    <th>{t("Conservazione registro")}</th>
                    <td>
                      {c().settings?.logRetentionDays
                        ? t("{days} giorni", { days: c().settings?.logRetentionDays })
                        : t("predefinita")}
                    </td>
                  </tr>
                  <tr>
                    <th>{t("Ultima modifica")}</th>
                    <td>{formatDateTime(c().updatedAt, intlLocale())}</td>
                  </tr>
                </tbody>
              </table>
              <Show when={(c().setupStatus?.missing.length ?? 0) > 0}>
                <p class="warning">
                  {t("Configurazione incompleta, mancano:")} {c().setupStatus?.missing.join(", ")}.
                </p>
              </Show>
            </section>
            <section class="card">
              <h2>{t("Certificati")}</h2>
              <CertificateCard
                title={t("Certificato della CA di ANPR")}
                certificate={c().caCertificate}
                testId="ca-certificate"
              />
              <ReplaceCaCertificate onReplaced={(info) => mutate({ ...c(), caCertificate: info })} />
              <CertificateCard
                title={t("Certificato della postazione")}
                certificate={c().workstationCertificate}
                testId="workstation-certificate"
              />
              <ReplaceWorkstationCertificate onReplaced={(info) => mutate({ ...c(), workstationCertificate: info })} />
            </section>
            <section class="card" data-testid="mesh">
              <h2>{t("Novares e accesso SSO")}</h2>
              <p>
                {t(
                  "Dove il Novabox si annuncia, come il router lo raggiunge e con quali chiavi verifica i token delle tabaccherie.",
                )}
              </p>
              <MeshSettingsForm
                settings={c().settings}
                submitLabel="Salva Novares e SSO"
                onSaved={() => void refetch()}
              />
              <NovaresCheck />
            </section>
            <LimitsForm settings={c().settings} onSaved={mutate} />
            <ExperimentalPhase on={c().settings?.experimentalPhase ?? false} onSaved={mutate} />
            <RevokedTobacconists revoked={c().settings?.revokedTobacconists ?? []} onSaved={mutate} />
            <section class="card">
              <h2>{t("Collegamento con ANPR")}</h2>
              <AnprConnectionCheck />
            </section>
          </>
        )}
      </Loaded>
    </Show>
  );
}
