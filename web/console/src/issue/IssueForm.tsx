/**
 * The issuing form: Comune (from the mesh directory), the citizen, the certificate type(s) the
 * Comune's box offers, stamp duty paid or the exemption reason. Issues with a fresh idempotency key
 * (kept while the form is unchanged, so a retry after a network error cannot charge twice).
 */
import { createMemo, createResource, createSignal, For, Show, type JSX } from "solid-js";
import { create } from "@bufbuild/protobuf";
import {
  CertificateLanguage,
  type CertificateType,
  type IssueCertificateResponse,
  StampDutyExemptionSchema,
  StampDutyPaidSchema,
  type PreviewCertificateResponse,
  type RequestReason,
  StatedReasonSchema,
  type StampDutyExemptionReason,
} from "#gen/novabox/certification/v1/certification_service_pb.js";
import { InstanceHealth } from "#gen/novares/discovery/v1/discovery_service_pb.js";
import { certification, discovery, ssoAuth, tobacconist } from "../clients.ts";
import { exemptionReasons, languageLabels, requestReasons } from "./labels.ts";
import { describeError } from "../../../shared/errors.ts";
import { ActionError, Field } from "../../../shared/components.tsx";
import { isValid, validateIssue, type FieldErrors } from "../../../shared/validation.ts";
import { useI18n } from "../../../shared/i18n.tsx";

export function IssueForm(props: {
  onIssued: (response: IssueCertificateResponse, subjectName: string) => void;
  onPreviewed: (response: PreviewCertificateResponse, subjectName: string) => void;
}): JSX.Element {
  const { t } = useI18n();
  const [comuneCode, setComuneCode] = createSignal("");
  const [fiscalCode, setFiscalCode] = createSignal("");
  const [surname, setSurname] = createSignal("");
  const [name, setName] = createSignal("");
  const [types, setTypes] = createSignal<CertificateType[]>([]);
  const [stampDuty, setStampDuty] = createSignal<"paid" | "exempt">("paid");
  const [exemptionReason, setExemptionReason] = createSignal(0);
  const [language, setLanguage] = createSignal(CertificateLanguage.IT);
  const [useAbroad, setUseAbroad] = createSignal(false);
  const [reason, setReason] = createSignal(0);
  const [reasonText, setReasonText] = createSignal("");
  const [errors, setErrors] = createSignal<FieldErrors>({});
  const [actionError, setActionError] = createSignal<string>();
  const [busy, setBusy] = createSignal<"preview" | "issue">();
  const [idempotencyKey, setIdempotencyKey] = createSignal(crypto.randomUUID());
  const changed = () => setIdempotencyKey(crypto.randomUUID());

  const [comuni] = createResource(async () => {
    const { instances } = await discovery.listInstances({});
    const byCode = new Map<string, string>();
    for (const i of instances) if (i.health === InstanceHealth.SERVING) byCode.set(i.comuneCode, i.comuneName);
    return [...byCode].sort((a, b) => a[1].localeCompare(b[1]));
  });
  const [certificateTypes] = createResource(
    () => comuneCode() || undefined,
    async (code) =>
      (await certification.listCertificateTypes({ comuneCode: code }, ssoAuth())).certificateTypes.filter(
        (t) => t.enabled,
      ),
  );
  const typeError = createMemo(() =>
    certificateTypes.error ? describeError(certificateTypes.error).message : undefined,
  );

  /** The request both Preview and Issue take (Issue adds the idempotency key). */
  function request() {
    return {
      comuneCode: comuneCode(),
      tobacconistId: tobacconist()?.tobacconistId ?? "",
      subject: {
        fiscalCode: fiscalCode().trim().toUpperCase(),
        surname: surname().trim().toUpperCase(),
        name: name().trim().toUpperCase(),
      },
      certificateTypes: types(),
      language: language(),
      useAbroad: useAbroad(),
      stampDuty:
        stampDuty() === "paid"
          ? { case: "stampDutyPaid" as const, value: create(StampDutyPaidSchema) }
          : {
              case: "stampDutyExemption" as const,
              value: create(StampDutyExemptionSchema, { reason: exemptionReason() as StampDutyExemptionReason }),
            },
      reason: create(StatedReasonSchema, {
        reason: reason() as RequestReason,
        description: reason() === 99 ? reasonText().trim() : "",
      }),
    };
  }

  async function submit(action: "preview" | "issue"): Promise<void> {
    setActionError(undefined);
    const found = validateIssue({
      comuneCode: comuneCode(),
      fiscalCode: fiscalCode(),
      surname: surname(),
      name: name(),
      certificateTypes: types(),
      stampDuty: stampDuty(),
      exemptionReason: exemptionReason(),
      reason: reason(),
      reasonText: reasonText(),
    });
    setErrors(found);
    if (!isValid(found)) return;
    setBusy(action);
    const subjectName = `${name().trim()} ${surname().trim()}`;
    try {
      if (action === "preview") {
        props.onPreviewed(await certification.previewCertificate(request(), ssoAuth()), subjectName);
      } else {
        const response = await certification.issueCertificate(
          { ...request(), idempotencyKey: idempotencyKey() },
          ssoAuth(),
        );
        changed();
        props.onIssued(response, subjectName);
      }
    } catch (err) {
      const shown = describeError(err);
      if (shown.field && document.getElementById(shown.field)) setErrors({ [shown.field]: shown.message });
      else setActionError(shown.message);
    } finally {
      setBusy(undefined);
    }
  }

  const input = (setter: (v: string) => void) => (e: { currentTarget: HTMLInputElement }) => {
    setter(e.currentTarget.value);
    changed();
  };

  return (
    <section class="card" data-testid="issue-form">
      <h2>{t("Emissione di un certificato anagrafico")}</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit("issue");
        }}
        novalidate
      >
        <Field
          label={t("Comune")}
          for="comune_code"
          error={errors().comune_code ?? (comuni.error ? describeError(comuni.error).message : undefined)}
        >
          <select
            id="comune_code"
            value={comuneCode()}
            onChange={(e) => {
              setComuneCode(e.currentTarget.value);
              setTypes([]);
              changed();
            }}
          >
            <option value="">{t("— scegliere —")}</option>
            <For each={comuni() ?? []}>
              {([code, label]) => (
                <option value={code}>
                  {label} ({code})
                </option>
              )}
            </For>
          </select>
        </Field>
        <div class="grid">
          <Field label={t("Codice fiscale")} for="subject.fiscal_code" error={errors()["subject.fiscal_code"]}>
            <input
              id="subject.fiscal_code"
              autocomplete="off"
              maxLength={16}
              value={fiscalCode()}
              onInput={input(setFiscalCode)}
              style={{ "text-transform": "uppercase" }}
            />
          </Field>
          <Field label={t("Cognome")} for="subject.surname" error={errors()["subject.surname"]}>
            <input id="subject.surname" autocomplete="off" value={surname()} onInput={input(setSurname)} />
          </Field>
          <Field label={t("Nome")} for="subject.name" error={errors()["subject.name"]}>
            <input id="subject.name" autocomplete="off" value={name()} onInput={input(setName)} />
          </Field>
        </div>
        <fieldset id="certificate_types">
          <legend>{t("Certificati (più di uno: certificato contestuale)")}</legend>
          <Show when={comuneCode()} fallback={<p class="hint">{t("Scegliere prima il Comune.")}</p>}>
            <Show
              when={!typeError()}
              fallback={
                <p class="field-error" role="alert">
                  {typeError()}
                </p>
              }
            >
              <div class="checks">
                <For each={certificateTypes() ?? []}>
                  {(t) => (
                    <label>
                      <input
                        type="checkbox"
                        value={String(t.type)}
                        checked={types().includes(t.type)}
                        onChange={(e) => {
                          setTypes(
                            e.currentTarget.checked ? [...types(), t.type] : types().filter((x) => x !== t.type),
                          );
                          changed();
                        }}
                      />
                      {t.description}
                    </label>
                  )}
                </For>
              </div>
            </Show>
          </Show>
          <Show when={errors().certificate_types}>
            <p class="field-error" role="alert">
              {errors().certificate_types}
            </p>
          </Show>
        </fieldset>
        <fieldset id="stamp_duty">
          <legend>{t("Imposta di bollo")}</legend>
          <label>
            <input
              type="radio"
              name="stamp"
              checked={stampDuty() === "paid"}
              onChange={() => (setStampDuty("paid"), changed())}
            />{" "}
            {t("Pagata")}
          </label>{" "}
          <label>
            <input
              type="radio"
              name="stamp"
              id="stamp-exempt"
              checked={stampDuty() === "exempt"}
              onChange={() => (setStampDuty("exempt"), changed())}
            />{" "}
            {t("Esente")}
          </label>
          <Show when={stampDuty() === "exempt"}>
            <Field label={t("Motivo dell'esenzione")} for="exemption_reason" error={errors().stamp_duty}>
              <select
                id="exemption_reason"
                value={String(exemptionReason())}
                onChange={(e) => (setExemptionReason(Number(e.currentTarget.value)), changed())}
              >
                <option value="0">{t("— scegliere —")}</option>
                <For each={exemptionReasons}>
                  {([reason, label]) => <option value={String(reason)}>{t(label)}</option>}
                </For>
              </select>
            </Field>
          </Show>
        </fieldset>
        <div class="grid">
          <Field label={t("Motivo della richiesta")} for="reason" error={errors().reason}>
            <select id="reason" value={String(reason())} onChange={(e) => setReason(Number(e.currentTarget.value))}>
              <option value="0">{t("— scegliere —")}</option>
              <For each={requestReasons}>{([value, label]) => <option value={String(value)}>{t(label)}</option>}</For>
            </select>
          </Field>
          <Show when={reason() === 99}>
            <Field label={t("Descrizione del motivo")} for="reason_description" error={errors()["reason.description"]}>
              <input
                id="reason_description"
                maxLength={200}
                value={reasonText()}
                onInput={(e) => setReasonText(e.currentTarget.value)}
              />
            </Field>
          </Show>
        </div>
        <div class="grid">
          <Field label={t("Lingua del certificato")} for="language">
            <select
              id="language"
              value={String(language())}
              onChange={(e) => (setLanguage(Number(e.currentTarget.value) as CertificateLanguage), changed())}
            >
              <For each={languageLabels}>{([value, label]) => <option value={String(value)}>{t(label)}</option>}</For>
            </select>
          </Field>
          <div class="field">
            <label>
              <input
                type="checkbox"
                id="use_abroad"
                checked={useAbroad()}
                onChange={(e) => (setUseAbroad(e.currentTarget.checked), changed())}
              />{" "}
              {t("Da usare all'estero")}
            </label>
          </div>
        </div>
        <div class="actions">
          <button type="button" class="secondary" disabled={!!busy()} onClick={() => void submit("preview")}>
            {busy() === "preview" ? t("Anteprima in corso…") : t("Anteprima")}
          </button>
          <button type="submit" disabled={!!busy()}>
            {busy() === "issue" ? t("Emissione in corso…") : t("Emetti il certificato")}
          </button>
          <ActionError message={actionError()} />
        </div>
      </form>
    </section>
  );
}
