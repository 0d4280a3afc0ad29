/** Replacing a certificate: a new CA certificate (with its optional password), or a new workstation PKCS#12 with its PIN. */
import { createSignal, Show, type JSX } from "solid-js";
import type { CertificateInfo } from "#gen/novabox/config/v1/config_service_pb.js";
import { adminAuth, config } from "../clients.ts";
import { describeError } from "../../../shared/errors.ts";
import { ActionError, Field } from "../../../shared/components.tsx";
import { createFormAction } from "../../../shared/form-action.ts";
import { useI18n } from "../../../shared/i18n.tsx";

/** A field error from the service lands on the form's field when it has one, else beside the button. */
function placeError(
  err: unknown,
  fields: string[],
  setField: (f: string, m: string) => void,
  setAction: (m: string) => void,
): void {
  const shown = describeError(err);
  if (shown.field && fields.includes(shown.field)) setField(shown.field, shown.message);
  else setAction(shown.message);
}

export function ReplaceCaCertificate(props: { onReplaced: (c: CertificateInfo) => void }): JSX.Element {
  const { t } = useI18n();
  const [file, setFile] = createSignal<File>();
  const [password, setPassword] = createSignal("");
  const { errors, setErrors, actionError, setActionError, busy, done, submit: run } = createFormAction();

  const submit = (event: SubmitEvent) =>
    run(
      event,
      (): Record<string, string> =>
        file() ? {} : { new_ca_certificate: "Scegliere il file del nuovo certificato della CA (PEM o DER)." },
      async () => {
        const { certificate } = await config.uploadCaCertificate(
          { certificate: new Uint8Array(await file()!.arrayBuffer()), password: password() },
          adminAuth(),
        );
        if (certificate) props.onReplaced(certificate);
        setPassword("");
      },
      (err) =>
        placeError(
          err,
          ["certificate", "password"],
          (field, m) => setErrors({ [field === "certificate" ? "new_ca_certificate" : "new_ca_password"]: m }),
          setActionError,
        ),
    );

  return (
    <form onSubmit={(e) => void submit(e)} novalidate data-testid="replace-ca">
      <h4>{t("Sostituisci il certificato della CA")}</h4>
      <div class="grid">
        <Field label={t("Nuovo certificato della CA")} for="new_ca_certificate" error={errors().new_ca_certificate}>
          <input
            id="new_ca_certificate"
            type="file"
            accept=".pem,.crt,.cer,.der,.p12,.pfx"
            onChange={(e) => setFile(e.currentTarget.files?.[0])}
          />
        </Field>
        <Field
          label={t("Password del file")}
          for="new_ca_password"
          error={errors().new_ca_password}
          hint="Solo se il file è protetto."
        >
          <input
            id="new_ca_password"
            type="password"
            autocomplete="off"
            value={password()}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </Field>
      </div>
      <div class="actions">
        <button type="submit" class="secondary" disabled={busy()}>
          {t("Carica il nuovo certificato CA")}
        </button>
        <ActionError message={actionError()} />
        <Show when={done()}>
          <span role="status">{t("Test di connessione con ANPR riuscito: certificato sostituito.")}</span>
        </Show>
      </div>
    </form>
  );
}

export function ReplaceWorkstationCertificate(props: { onReplaced: (c: CertificateInfo) => void }): JSX.Element {
  const { t } = useI18n();
  const [file, setFile] = createSignal<File>();
  const [pin, setPin] = createSignal("");
  const { errors, setErrors, actionError, setActionError, busy, done, submit: run } = createFormAction();

  const submit = (event: SubmitEvent) =>
    run(
      event,
      () => {
        const found: Record<string, string> = {};
        if (!file()) found.new_pkcs12 = "Scegliere il nuovo file PKCS#12 della postazione (.p12 o .pfx).";
        if (pin() === "") found.new_pin = "Inserire il PIN del file PKCS#12.";
        return found;
      },
      async () => {
        const { certificate } = await config.uploadWorkstationCertificate(
          { pkcs12: new Uint8Array(await file()!.arrayBuffer()), pin: pin() },
          adminAuth(),
        );
        if (certificate) props.onReplaced(certificate);
        setPin("");
      },
      (err) =>
        placeError(
          err,
          ["pkcs12", "pin"],
          (field, m) => setErrors({ [field === "pin" ? "new_pin" : "new_pkcs12"]: m }),
          setActionError,
        ),
    );

  return (
    <form onSubmit={(e) => void submit(e)} novalidate data-testid="replace-workstation">
      <h4>{t("Sostituisci il certificato della postazione")}</h4>
      <div class="grid">
        <Field label={t("Nuovo file PKCS#12")} for="new_pkcs12" error={errors().new_pkcs12}>
          <input id="new_pkcs12" type="file" accept=".p12,.pfx" onChange={(e) => setFile(e.currentTarget.files?.[0])} />
        </Field>
        <Field label={t("PIN del PKCS#12")} for="new_pin" error={errors().new_pin}>
          <input
            id="new_pin"
            type="password"
            autocomplete="off"
            value={pin()}
            onInput={(e) => setPin(e.currentTarget.value)}
          />
        </Field>
      </div>
      <div class="actions">
        <button type="submit" class="secondary" disabled={busy()}>
          {t("Carica il nuovo certificato di postazione")}
        </button>
        <ActionError message={actionError()} />
        <Show when={done()}>
          <span role="status">{t("Test di connessione con ANPR riuscito: certificato sostituito.")}</span>
        </Show>
      </div>
    </form>
  );
}
