/** The receipt for the citizen: service fee, stamp duty, secretariat fees, total. */
import type { JSX } from "solid-js";
import type { Charges } from "@gen/novabox/certification/v1/certification_service_pb.js";
import { formatEuro } from "../../../shared/format.ts";

export function Receipt(props: { charges: Charges | undefined; protocol: string }): JSX.Element {
  return (
    <section class="card receipt" data-testid="receipt">
      <h2>Ricevuta</h2>
      <table>
        <tbody>
          <tr><th>Protocollo ANPR</th><td>{props.protocol}</td></tr>
          <tr><th>Diritto di servizio della tabaccheria</th><td data-testid="fee">{formatEuro(props.charges?.serviceFeeCents ?? 0n)}</td></tr>
          <tr><th>Imposta di bollo</th><td data-testid="stamp-duty">{formatEuro(props.charges?.stampDutyCents ?? 0n)}</td></tr>
          <tr><th>Diritti di segreteria</th><td>{formatEuro(props.charges?.secretariatFeesCents ?? 0n)}</td></tr>
          <tr><th>Totale</th><td><strong data-testid="total">{formatEuro(props.charges?.totalCents ?? 0n)}</strong></td></tr>
        </tbody>
      </table>
    </section>
  );
}
