/** One stored certificate: upload time, fingerprint, subject, issuer and expiry (warns within 30 days). */
import { Show, type JSX } from "solid-js";
import type { CertificateInfo } from "@gen/novabox/config/v1/config_service_pb.js";
import { daysUntil, formatDate, formatDateTime } from "../../../shared/format.ts";

export function CertificateCard(props: { title: string; certificate: CertificateInfo | undefined; testId: string }): JSX.Element {
  const days = () => daysUntil(props.certificate?.notAfter);
  return (
    <div data-testid={props.testId}>
      <h3>{props.title}</h3>
      <Show when={props.certificate} fallback={<p class="warning">Nessun certificato caricato.</p>}>
        {(c) => (
          <>
            <Show when={(days() ?? Infinity) < 0}>
              <p class="warning" role="alert">Il certificato è scaduto il {formatDate(c().notAfter)}: sostituirlo.</p>
            </Show>
            <Show when={(days() ?? Infinity) >= 0 && (days() ?? Infinity) <= 30}>
              <p class="warning" role="alert" data-testid="expiry-warning">
                Il certificato scade tra {days()} giorni ({formatDate(c().notAfter)}): prepararne la sostituzione.
              </p>
            </Show>
            <table>
              <tbody>
                <tr><th>Caricato il</th><td>{formatDateTime(c().uploadedAt)}</td></tr>
                <tr><th>Soggetto</th><td>{c().subject}</td></tr>
                <tr><th>Emittente</th><td>{c().issuer}</td></tr>
                <tr><th>Impronta SHA-256</th><td class="mono">{c().sha256Fingerprint}</td></tr>
                <tr><th>Valido dal</th><td>{formatDate(c().notBefore)}</td></tr>
                <tr><th>Scadenza</th><td>{formatDate(c().notAfter)}</td></tr>
              </tbody>
            </table>
          </>
        )}
      </Show>
    </div>
  );
}
