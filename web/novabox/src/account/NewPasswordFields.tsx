/**
 * A new password and its repetition, as the wizard's first step (the administrator's password) and
 * the password change both ask for them: the confirmation is always the field `confirm`.
 */
import type { JSX } from "solid-js";
import { InputField } from "../../../shared/components.tsx";

export function NewPasswordFields(props: {
  /** The id (and error key) of the new password field, as the service names it. */
  id: string;
  label: string;
  confirmLabel: string;
  hint: string;
  errors: Partial<Record<string, string>>;
  password: string;
  onPassword: (value: string) => void;
  confirm: string;
  onConfirm: (value: string) => void;
}): JSX.Element {
  return (
    <>
      <InputField
        label={props.label}
        id={props.id}
        error={props.errors[props.id]}
        hint={props.hint}
        type="password"
        autocomplete="new-password"
        value={props.password}
        onInput={props.onPassword}
      />
      <InputField
        label={props.confirmLabel}
        id="confirm"
        error={props.errors.confirm}
        type="password"
        autocomplete="new-password"
        value={props.confirm}
        onInput={props.onConfirm}
      />
    </>
  );
}
