/**
 * Wizard step 2: the ANPR credentials (CA certificate, workstation PKCS#12 + PIN) and the settings
 * that identify this Comune's workstation. Uploads the two files, then saves the settings; a
 * server error lands next to the field it names (e.g. a wrong PIN next to the PIN).
 */
import { createSignal, For, type JSX } from "solid-js";
import { create } from "@bufbuild/protobuf";
import { AnprEnvironment, SettingsSchema } from "#gen/novabox/config/v1/config_service_pb.js";
import { adminAuth, config } from "../clients.ts";
import { environmentLabels } from "../labels.ts";
import { describeError } from "../../../shared/errors.ts";
import { ActionError, Field, InputField } from "../../../shared/components.tsx";
import { CredentialFileFields } from "../configuration/CredentialFileFields.tsx";
import { validateAnprSettings } from "../../../shared/validation.ts";
import { createFormAction } from "../../../shared/form-action.ts";
import { useI18n } from "../../../shared/i18n.tsx";

const textFields = [
  ["operatorId", "operator_id", "Identificativo operatore", "es. OPERATORE-022205"],
  ["officeId", "office_id", "Identificativo sede (IdSede)", "di norma il codice ISTAT del Comune"],
  ["workstationId", "workstation_id", "Identificativo postazione (IdPostazione)", "es. POST-022205-01"],
  ["comuneCode", "comune_code", "Codice ISTAT del Comune", "6 cifre, es. 022205"],
  ["comuneName", "comune_name", "Nome del Comune", ""],
  ["registryOfficerSurname", "registry_officer_surname", "Cognome dell'ufficiale d'anagrafe", "firma i certificati"],
  ["registryOfficerName", "registry_officer_name", "Nome dell'ufficiale d'anagrafe", ""],
  ["anprBaseUrl", "anpr_base_url", "Indirizzo di ANPR", "https://…"],
] as const;

type TextKey = (typeof textFields)[number][0];

export function AnprCredentialsStep(props: { onDone: () => void }): JSX.Element {
  const { t } = useI18n();
  const [caFile, setCaFile] = createSignal<File>();
  const [caPassword, setCaPassword] = createSignal("");
  const [p12File, setP12File] = createSignal<File>();
  const [pin, setPin] = createSignal("");
  const [environment, setEnvironment] = createSignal(AnprEnvironment.TEST);
  const [text, setText] = createSignal<Record<TextKey, string>>({
    operatorId: "",
    officeId: "",
    workstationId: "",
    comuneCode: "",
    comuneName: "",
    registryOfficerSurname: "",
    registryOfficerName: "",
    anprBaseUrl: "",
  });
  const { errors, setErrors, actionError, setActionError, busy, submit: run } = createFormAction();

  const submit = (event: SubmitEvent) =>
    run(
      event,
      () => validateAnprSettings({ ...text(), caCertificate: caFile(), pkcs12: p12File(), pin: pin() }),
      async () => {
        await config.uploadCaCertificate(
          { certificate: new Uint8Array(await caFile()!.arrayBuffer()), password: caPassword() },
          adminAuth(),
        );
        await config.uploadWorkstationCertificate(
          { pkcs12: new Uint8Array(await p12File()!.arrayBuffer()), pin: pin() },
          adminAuth(),
        );
        const t = text();
        await config.updateConfig(
          {
            settings: create(SettingsSchema, {
              ...t,
              comuneCode: t.comuneCode.trim(),
              anprBaseUrl: t.anprBaseUrl.trim(),
              anprEnvironment: environment(),
            }),
            updateMask: { paths: [...textFields.map(([, field]) => field), "anpr_environment"] },
          },
          adminAuth(),
        );
        props.onDone();
      },
      (err) => {
        const shown = describeError(err);
        const field = shown.field?.replace(/^settings\./, "");
        if (field && document.getElementById(field)) setErrors({ [field]: shown.message });
        else setActionError(shown.message);
      },
    );

  return (
    <section class="card" data-testid="step-anpr">
      <h2>{t("Credenziali e dati per ANPR")}</h2>
      <form onSubmit={(e) => void submit(e)} novalidate>
        <h3>{t("Certificati")}</h3>
        <div class="grid">
          <CredentialFileFields
            file={{
              id: "certificate",
              label: "Certificato della CA di ANPR",
              hint: "File PEM o DER fornito per il collegamento TLS.",
              accept: ".pem,.crt,.cer,.der",
            }}
            secret={{
              id: "password",
              label: "Password del certificato CA",
              hint: "Solo se il file è protetto; altrimenti lasciare vuoto.",
            }}
            errors={errors()}
            onFile={setCaFile}
            secretValue={caPassword()}
            onSecret={setCaPassword}
          />
          <CredentialFileFields
            file={{
              id: "pkcs12",
              label: "Certificato della postazione (PKCS#12)",
              hint: "File .p12 o .pfx rilasciato per la postazione.",
              accept: ".p12,.pfx",
            }}
            secret={{ id: "pin", label: "PIN del PKCS#12" }}
            errors={errors()}
            onFile={setP12File}
            secretValue={pin()}
            onSecret={setPin}
          />
        </div>
        <h3>{t("Postazione e Comune")}</h3>
        <div class="grid">
          <For each={textFields}>
            {([key, field, label, hint]) => (
              <InputField
                label={label}
                id={field}
                error={errors()[field]}
                hint={hint}
                value={text()[key]}
                onInput={(value) => setText({ ...text(), [key]: value })}
              />
            )}
          </For>
          <Field label={t("Ambiente ANPR")} for="anpr_environment" error={errors().anpr_environment}>
            <select
              id="anpr_environment"
              value={String(environment())}
              onChange={(e) => setEnvironment(Number(e.currentTarget.value) as AnprEnvironment)}
            >
              <For each={environmentLabels}>{([env, label]) => <option value={String(env)}>{t(label)}</option>}</For>
            </select>
          </Field>
        </div>
        <div class="actions">
          <button type="submit" disabled={busy()}>
            {t("Salva e continua")}
          </button>
          <ActionError message={actionError()} />
        </div>
      </form>
    </section>
  );
}
