/**
 * A credential file and the secret that opens it (the ANPR CA certificate and its optional password,
 * the workstation PKCS#12 and its PIN), as both the setup wizard and the certificate replacement ask
 * for them. Each field's id is also its error key.
 */
import type { JSX } from "solid-js";
import { FileField, InputField } from "../../../shared/components.tsx";

/** One of the two fields: its id, Italian label and optional hint. */
export interface CredentialFieldSpec {
  id: string;
  label: string;
  hint?: string;
}

export function CredentialFileFields(props: {
  file: CredentialFieldSpec & { accept: string };
  secret: CredentialFieldSpec;
  errors: Partial<Record<string, string>>;
  onFile: (file: File | undefined) => void;
  secretValue: string;
  onSecret: (value: string) => void;
}): JSX.Element {
  return (
    <>
      <FileField
        label={props.file.label}
        id={props.file.id}
        error={props.errors[props.file.id]}
        hint={props.file.hint}
        accept={props.file.accept}
        onFile={props.onFile}
      />
      <InputField
        label={props.secret.label}
        id={props.secret.id}
        error={props.errors[props.secret.id]}
        hint={props.secret.hint}
        type="password"
        autocomplete="off"
        value={props.secretValue}
        onInput={props.onSecret}
      />
    </>
  );
}
