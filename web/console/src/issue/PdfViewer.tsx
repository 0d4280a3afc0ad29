/** A PDF shown inline from a blob URL, with download and print buttons. */
import { createMemo, onCleanup, type JSX } from "solid-js";
import { useI18n } from "../../../shared/i18n.tsx";

export function PdfViewer(props: { pdf: Uint8Array; fileName: string; title: string }): JSX.Element {
  const { t } = useI18n();
  const url = createMemo((previous?: string) => {
    if (previous) URL.revokeObjectURL(previous);
    return URL.createObjectURL(new Blob([props.pdf.slice()], { type: "application/pdf" }));
  });
  onCleanup(() => URL.revokeObjectURL(url()));
  let frame: HTMLIFrameElement | undefined;
  return (
    <>
      <div class="actions">
        <a class="button" href={url()} download={props.fileName} data-testid="download">
          {t("Scarica il PDF")}
        </a>
        <button type="button" class="secondary" onClick={() => frame?.contentWindow?.print()}>
          {t("Stampa")}
        </button>
      </div>
      <iframe ref={frame} class="pdf" src={url()} title={props.title} data-testid="pdf" />
    </>
  );
}
