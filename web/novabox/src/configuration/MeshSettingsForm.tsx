/**
 * What the box needs to join the mesh: the Novares discovery address, the host and port the router
 * dials it at, and the Novares SSO (issuer, audience, and its keys: the JWKS address or an uploaded
 * JWK Set). Used by the setup wizard (step 3) and the configuration page; saved with a field mask
 * naming what changed, a server refusal shown next to the field it names (e.g. a loopback advertised
 * host on a box listening on all interfaces).
 */
import { createSignal, For, Show, type JSX } from "solid-js";
import type { Config, Settings } from "#gen/novabox/config/v1/config_service_pb.js";
import { createSettingsForm } from "./saveSettings.ts";
import { ActionError, FileField, InputField } from "../../../shared/components.tsx";
import { validateMeshSettings, type MeshSettingsInput } from "../../../shared/validation.ts";
import { useI18n } from "../../../shared/i18n.tsx";

type TextKey = Exclude<keyof MeshSettingsInput, "hasJwksFile">;

const fields: [TextKey, string, string, string][] = [
  [
    "novaresDiscoveryAddress",
    "novares_discovery_address",
    "Indirizzo di Novares (discovery)",
    "host:porta del router Novares, es. router.novares.it:50060.",
  ],
  [
    "advertisedHost",
    "advertised_host",
    "Host annunciato",
    "Il nome o l'indirizzo con cui il router raggiunge questo Novabox; vuoto = quello su cui ascolta.",
  ],
  ["advertisedPort", "advertised_port", "Porta annunciata", "Vuoto = la porta gRPC su cui ascolta il Novabox."],
  ["ssoIssuer", "sso_issuer", "Emittente SSO (issuer)", "L'URL dell'emittente dei token di Novares."],
  ["ssoAudience", "sso_audience", "Destinatario dei token (audience)", "Di norma novabox."],
  [
    "ssoJwksUrl",
    "sso_jwks_url",
    "Indirizzo delle chiavi SSO (JWKS)",
    "L'URL del JWK Set dell'emittente: le chiavi nuove arrivano da sole.",
  ],
];

function inputOf(s: Settings | undefined): Record<TextKey, string> {
  return {
    novaresDiscoveryAddress: s?.novaresDiscoveryAddress ?? "",
    advertisedHost: s?.advertisedHost ?? "",
    advertisedPort: s?.advertisedPort ? String(s.advertisedPort) : "",
    ssoIssuer: s?.ssoIssuer ?? "",
    ssoAudience: s?.ssoAudience || "novabox",
    ssoJwksUrl: s?.ssoJwksUrl ?? "",
  };
}

export function MeshSettingsForm(props: {
  settings: Settings | undefined;
  onSaved: (c: Config | undefined) => void;
  /** Save every field (the wizard) instead of only the changed ones. */
  saveAll?: boolean;
  submitLabel: string;
}): JSX.Element {
  const { t } = useI18n();
  const [values, setValues] = createSignal(inputOf(props.settings));
  const [jwksFile, setJwksFile] = createSignal<File>();
  const { errors, actionError, busy, saved, save } = createSettingsForm({
    owns: (field) => document.getElementById(field) !== null,
    onSaved: (next) => props.onSaved(next),
  });

  const submit = (event: SubmitEvent) =>
    save(
      event,
      () => validateMeshSettings({ ...values(), hasJwksFile: Boolean(jwksFile()) || Boolean(props.settings?.ssoJwks) }),
      async () => {
        const v = values();
        const before = inputOf(props.settings);
        const paths = fields.filter(([key]) => props.saveAll || before[key].trim() !== v[key].trim()).map(([, f]) => f);
        const jwks = jwksFile() ? await jwksFile()!.text() : undefined;
        if (jwks !== undefined) paths.push("sso_jwks");
        return {
          settings: {
            novaresDiscoveryAddress: v.novaresDiscoveryAddress.trim(),
            advertisedHost: v.advertisedHost.trim(),
            advertisedPort: v.advertisedPort.trim() === "" ? 0 : Number(v.advertisedPort.trim()),
            ssoIssuer: v.ssoIssuer.trim(),
            ssoAudience: v.ssoAudience.trim(),
            ssoJwksUrl: v.ssoJwksUrl.trim(),
            ...(jwks !== undefined ? { ssoJwks: jwks } : {}),
          },
          paths,
        };
      },
    );

  return (
    <form onSubmit={(e) => void submit(e)} novalidate data-testid="mesh-settings">
      <div class="grid">
        <For each={fields}>
          {([key, field, label, hint]) => (
            <InputField
              label={label}
              id={field}
              error={errors()[field]}
              hint={hint}
              type="text"
              inputmode={key === "advertisedPort" ? "numeric" : undefined}
              value={values()[key]}
              onInput={(value) => setValues({ ...values(), [key]: value })}
            />
          )}
        </For>
        <FileField
          label="File delle chiavi SSO (JWK Set)"
          id="sso_jwks"
          error={errors().sso_jwks}
          hint="Solo senza indirizzo JWKS: il file JSON con le chiavi pubbliche dell'emittente."
          accept=".json,.jwks"
          onFile={setJwksFile}
        />
      </div>
      <div class="actions">
        <button type="submit" disabled={busy()}>
          {t(props.submitLabel)}
        </button>
        <ActionError message={actionError()} />
        <Show when={saved()}>
          <p role="status" data-testid="mesh-settings-saved">
            {t(saved() ?? "")}
          </p>
        </Show>
      </div>
    </form>
  );
}
