/** The preview (anteprima) of a certificate: not valid, nothing charged; the PDF and the expected charges. */
import { For, type JSX } from "solid-js";
import type { PreviewCertificateResponse } from "#gen/novabox/certification/v1/certification_service_pb.js";
import { formatEuro } from "../../../shared/format.ts";
import { PdfViewer } from "./PdfViewer.tsx";
import { useI18n } from "../../../shared/i18n.tsx";

export function CertificatePreview(props: { preview: PreviewCertificateResponse; subjectName: string }): JSX.Element {
  const { t, intlLocale } = useI18n();
  return (
    <section class="card" data-testid="preview">
      <h2>{t("Anteprima (senza valore legale, nessun addebito)")}</h2>
      <p>
        {t("Se confermato, il certificato costerà in tutto")}{" "}
        <strong>{formatEuro(props.preview.charges?.totalCents ?? 0n, intlLocale())}</strong>.
      </p>
      <For each={props.preview.warnings}>
        {(w) => <p class="warning">{t("ANPR {code}: {text}", { code: w.code, text: w.text })}</p>}
      </For>
      <PdfViewer
        pdf={props.preview.pdf}
        fileName="anteprima.pdf"
        title={t("Anteprima del certificato di {name}", { name: props.subjectName })}
      />
    </section>
  );
}
