/** Replacing a certificate: a new CA certificate (with its optional password), or a new workstation PKCS#12 with its PIN. */
import { createSignal, Show, type JSX } from "solid-js";
import type { CertificateInfo } from "#gen/novabox/config/v1/config_service_pb.js";
import { adminAuth, config } from "../clients.ts";
import { CredentialFileFields, type CredentialFieldSpec } from "./CredentialFileFields.tsx";
import { describeError } from "../../../shared/errors.ts";
import { ActionError } from "../../../shared/components.tsx";
import { createFormAction } from "../../../shared/form-action.ts";
import type { FieldErrors } from "../../../shared/validation.ts";
import { useI18n } from "../../../shared/i18n.tsx";

/** What differs between the two replacement forms. */
interface Replacement {
  testId: string;
  heading: string;
  file: CredentialFieldSpec & { accept: string };
  secret: CredentialFieldSpec;
  /** Shown when no file is chosen. */
  fileMissing: string;
  /** Shown when the secret is empty; omitted = the secret may be empty. */
  secretMissing?: string;
  /** The service's field names → this form's field ids, so a service error lands beside its field. */
  fieldIds: Record<string, string>;
  button: string;
  upload: (file: Uint8Array, secret: string) => Promise<{ certificate?: CertificateInfo | undefined }>;
}

const caReplacement: Replacement = {
  testId: "replace-ca",
  heading: "Sostituisci il certificato della CA",
  file: { id: "new_ca_certificate", label: "Nuovo certificato della CA", accept: ".pem,.crt,.cer,.der,.p12,.pfx" },
  secret: { id: "new_ca_password", label: "Password del file", hint: "Solo se il file è protetto." },
  fileMissing: "Scegliere il file del nuovo certificato della CA (PEM o DER).",
  fieldIds: { certificate: "new_ca_certificate", password: "new_ca_password" },
  button: "Carica il nuovo certificato CA",
  upload: (certificate, password) => config.uploadCaCertificate({ certificate, password }, adminAuth()),
};

const workstationReplacement: Replacement = {
  testId: "replace-workstation",
  heading: "Sostituisci il certificato della postazione",
  file: { id: "new_pkcs12", label: "Nuovo file PKCS#12", accept: ".p12,.pfx" },
  secret: { id: "new_pin", label: "PIN del PKCS#12" },
  fileMissing: "Scegliere il nuovo file PKCS#12 della postazione (.p12 o .pfx).",
  secretMissing: "Inserire il PIN del file PKCS#12.",
  fieldIds: { pkcs12: "new_pkcs12", pin: "new_pin" },
  button: "Carica il nuovo certificato di postazione",
  upload: (pkcs12, pin) => config.uploadWorkstationCertificate({ pkcs12, pin }, adminAuth()),
};

/** Uploads the chosen file with its secret; the box tests it against ANPR before keeping it. */
function ReplaceCertificate(props: {
  replacement: Replacement;
  onReplaced: (c: CertificateInfo) => void;
}): JSX.Element {
  const { t } = useI18n();
  const r = props.replacement;
  const [file, setFile] = createSignal<File>();
  const [secret, setSecret] = createSignal("");
  const { errors, setErrors, actionError, setActionError, busy, done, submit: run } = createFormAction();

  const submit = (event: SubmitEvent) =>
    run(
      event,
      () => {
        const found: FieldErrors = {};
        if (!file()) found[r.file.id] = r.fileMissing;
        if (r.secretMissing && secret() === "") found[r.secret.id] = r.secretMissing;
        return found;
      },
      async () => {
        const { certificate } = await r.upload(new Uint8Array(await file()!.arrayBuffer()), secret());
        if (certificate) props.onReplaced(certificate);
        setSecret("");
      },
      (err) => {
        const shown = describeError(err);
        const id = shown.field ? r.fieldIds[shown.field] : undefined;
        if (id) setErrors({ [id]: shown.message });
        else setActionError(shown.message);
      },
    );

  return (
    <form onSubmit={(e) => void submit(e)} novalidate data-testid={r.testId}>
      <h4>{t(r.heading)}</h4>
      <div class="grid">
        <CredentialFileFields
          file={r.file}
          secret={r.secret}
          errors={errors()}
          onFile={setFile}
          secretValue={secret()}
          onSecret={setSecret}
        />
      </div>
      <div class="actions">
        <button type="submit" class="secondary" disabled={busy()}>
          {t(r.button)}
        </button>
        <ActionError message={actionError()} />
        <Show when={done()}>
          <span role="status">{t("Test di connessione con ANPR riuscito: certificato sostituito.")}</span>
        </Show>
      </div>
    </form>
  );
}

export function ReplaceCaCertificate(props: { onReplaced: (c: CertificateInfo) => void }): JSX.Element {
  return <ReplaceCertificate replacement={caReplacement} onReplaced={props.onReplaced} />;
}

export function ReplaceWorkstationCertificate(props: { onReplaced: (c: CertificateInfo) => void }): JSX.Element {
  return <ReplaceCertificate replacement={workstationReplacement} onReplaced={props.onReplaced} />;
}
