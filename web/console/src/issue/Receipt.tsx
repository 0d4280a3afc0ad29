/**
 * The receipt for the citizen: service fee, stamp duty, secretariat fees, total, and the request id
 * (the `x-request-id` of the call, which finds its line in every service's access log and its audit
 * row in the Novabox).
 */
import type { JSX } from "solid-js";
import type { Charges } from "#gen/novabox/certification/v1/certification_service_pb.js";
import { formatEuro } from "../../../shared/format.ts";
import { useI18n } from "../../../shared/i18n.tsx";

export function Receipt(props: { charges: Charges | undefined; protocol: string; requestId: string }): JSX.Element {
  const { t, intlLocale } = useI18n();
  return (
    <section class="card receipt" data-testid="receipt">
      <h2>{t("Ricevuta")}</h2>
      <table>
        <tbody>
          <tr>
            <th>{t("Protocollo ANPR")}</th>
            <td>{props.protocol}</td>
          </tr>
          <tr>
            <th>{t("Diritto di servizio della tabaccheria")}</th>
            <td data-testid="fee">{formatEuro(props.charges?.serviceFeeCents ?? 0n, intlLocale())}</td>
          </tr>
          <tr>
            <th>{t("Imposta di bollo")}</th>
            <td data-testid="stamp-duty">{formatEuro(props.charges?.stampDutyCents ?? 0n, intlLocale())}</td>
          </tr>
          <tr>
            <th>{t("Diritti di segreteria")}</th>
            <td>{formatEuro(props.charges?.secretariatFeesCents ?? 0n, intlLocale())}</td>
          </tr>
          <tr>
            <th>{t("Totale")}</th>
            <td>
              <strong data-testid="total">{formatEuro(props.charges?.totalCents ?? 0n, intlLocale())}</strong>
            </td>
          </tr>
          <tr>
            <th>{t("Codice richiesta")}</th>
            <td class="mono" data-testid="request-id">
              {props.requestId}
            </td>
          </tr>
        </tbody>
      </table>
    </section>
  );
}
