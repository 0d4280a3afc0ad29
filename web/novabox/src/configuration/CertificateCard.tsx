/** One stored certificate: upload time, fingerprint, subject, issuer and expiry (warns within 30 days). */
import { Show, type JSX } from "solid-js";
import type { CertificateInfo } from "#gen/novabox/config/v1/config_service_pb.js";
import { daysUntil, formatDate, formatDateTime } from "../../../shared/format.ts";
import { useI18n } from "../../../shared/i18n.tsx";

export function CertificateCard(props: {
  title: string;
  certificate: CertificateInfo | undefined;
  testId: string;
}): JSX.Element {
  const { t, intlLocale } = useI18n();
  const days = () => daysUntil(props.certificate?.notAfter);
  return (
    <div data-testid={props.testId}>
      <h3>{props.title}</h3>
      <Show when={props.certificate} fallback={<p class="warning">{t("Nessun certificato caricato.")}</p>}>
        {(c) => (
          <>
            <Show when={(days() ?? Infinity) < 0}>
              <p class="warning" role="alert">
                {t("Il certificato è scaduto il {date}: sostituirlo.", {
                  date: formatDate(c().notAfter, intlLocale()),
                })}
              </p>
            </Show>
            <Show when={(days() ?? Infinity) >= 0 && (days() ?? Infinity) <= 30}>
              <p class="warning" role="alert" data-testid="expiry-warning">
                {t("Il certificato scade tra {days} giorni ({date}): prepararne la sostituzione.", {
                  days: days(),
                  date: formatDate(c().notAfter, intlLocale()),
                })}
              </p>
            </Show>
            <table>
              <tbody>
                <tr>
                  <th>{t("Caricato il")}</th>
                  <td>{formatDateTime(c().uploadedAt, intlLocale())}</td>
                </tr>
                <tr>
                  <th>{t("Soggetto")}</th>
                  <td>{c().subject}</td>
                </tr>
                <tr>
                  <th>{t("Emittente")}</th>
                  <td>{c().issuer}</td>
                </tr>
                <tr>
                  <th>{t("Impronta SHA-256")}</th>
                  <td class="mono">{c().sha256Fingerprint}</td>
                </tr>
                <tr>
                  <th>{t("Valido dal")}</th>
                  <td>{formatDate(c().notBefore, intlLocale())}</td>
                </tr>
                <tr>
                  <th>{t("Scadenza")}</th>
                  <td>{formatDate(c().notAfter, intlLocale())}</td>
                </tr>
              </tbody>
            </table>
          </>
        )}
      </Show>
    </div>
  );
}
