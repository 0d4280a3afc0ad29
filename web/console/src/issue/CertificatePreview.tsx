/** The preview (anteprima) of a certificate: not valid, nothing charged; the PDF and the expected charges. */
import { For, type JSX } from "solid-js";
import type { PreviewCertificateResponse } from "@gen/novabox/certification/v1/certification_service_pb.js";
import { formatEuro } from "../../../shared/format.ts";
import { PdfViewer } from "./PdfViewer.tsx";

export function CertificatePreview(props: { preview: PreviewCertificateResponse; subjectName: string }): JSX.Element {
  return (
    <section class="card" data-testid="preview">
      <h2>Anteprima (senza valore legale, nessun addebito)</h2>
      <p>
        Se confermato, il certificato costerà in tutto <strong>{formatEuro(props.preview.charges?.totalCents ?? 0n)}</strong>.
      </p>
      <For each={props.preview.warnings}>{(w) => <p class="warning">ANPR {w.code}: {w.text}</p>}</For>
      <PdfViewer pdf={props.preview.pdf} fileName="anteprima.pdf" title={`Anteprima del certificato di ${props.subjectName}`} />
    </section>
  );
}
