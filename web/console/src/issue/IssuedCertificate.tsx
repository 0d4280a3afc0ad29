/** The issued certificate: protocol, the PDF inline with download and print, and the receipt. */
import { Show, type JSX } from "solid-js";
import type { IssueCertificateResponse } from "#gen/novabox/certification/v1/certification_service_pb.js";
import { formatDateTime } from "../../../shared/format.ts";
import { PdfViewer } from "./PdfViewer.tsx";
import { Receipt } from "./Receipt.tsx";
import { useI18n } from "../../../shared/i18n.tsx";

export function IssuedCertificate(props: { issued: IssueCertificateResponse; subjectName: string }): JSX.Element {
  const { t, intlLocale } = useI18n();
  return (
    <>
      <section class="card" data-testid="issued">
        <h2>{t("Certificato emesso")}</h2>
        <p>
          {t("Protocollo ANPR")} <strong data-testid="protocol">{props.issued.anprProtocolNumber}</strong>,{" "}
          {formatDateTime(props.issued.issuedAt, intlLocale())}
          <Show when={props.issued.replayed}>
            {" "}
            {t("(già emesso in precedenza con la stessa richiesta: nessun nuovo addebito)")}
          </Show>
          .
        </p>
        <PdfViewer
          pdf={props.issued.pdf}
          fileName={`certificato-${props.issued.anprProtocolNumber || "anpr"}.pdf`}
          title={`Certificato di ${props.subjectName}`}
        />
      </section>
      <Receipt
        charges={props.issued.charges}
        protocol={props.issued.anprProtocolNumber}
        requestId={props.issued.requestId}
      />
    </>
  );
}
