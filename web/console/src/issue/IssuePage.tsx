/** The tobacconist's screen: sign in, then the issuing form, then the preview or the certificate and receipt. */
import { createSignal, Match, Show, Switch, type JSX } from "solid-js";
import type {
  IssueCertificateResponse,
  PreviewCertificateResponse,
} from "#gen/novabox/certification/v1/certification_service_pb.js";
import { tobacconist } from "../clients.ts";
import { SignInPanel } from "./SignInPanel.tsx";
import { IssueForm } from "./IssueForm.tsx";
import { IssuedCertificate } from "./IssuedCertificate.tsx";
import { CertificatePreview } from "./CertificatePreview.tsx";

type Outcome =
  | { kind: "issued"; response: IssueCertificateResponse; subjectName: string }
  | { kind: "preview"; response: PreviewCertificateResponse; subjectName: string };

export function IssuePage(): JSX.Element {
  const [outcome, setOutcome] = createSignal<Outcome>();
  const issued = () => {
    const o = outcome();
    return o?.kind === "issued" ? o : undefined;
  };
  const preview = () => {
    const o = outcome();
    return o?.kind === "preview" ? o : undefined;
  };
  return (
    <Show when={tobacconist()} fallback={<SignInPanel />}>
      <IssueForm
        onIssued={(response, subjectName) => setOutcome({ kind: "issued", response, subjectName })}
        onPreviewed={(response, subjectName) => setOutcome({ kind: "preview", response, subjectName })}
      />
      <Switch>
        <Match when={issued()}>
          {(i) => <IssuedCertificate issued={i().response} subjectName={i().subjectName} />}
        </Match>
        <Match when={preview()}>
          {(p) => <CertificatePreview preview={p().response} subjectName={p().subjectName} />}
        </Match>
      </Switch>
    </Show>
  );
}
