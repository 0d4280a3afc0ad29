/** Small building blocks both apps use: a labelled field with its error, an action's error. */
import { Show, type JSX } from "solid-js";
import { useI18n } from "./i18n.tsx";

/**
 * A form field: label, the control, a hint and the error for this field (in words, beside it).
 * Label, hint and error are Italian message ids, shown in the current language.
 */
export function Field(props: {
  label: string;
  for: string;
  error?: string | undefined;
  hint?: string;
  children: JSX.Element;
}): JSX.Element {
  const { t } = useI18n();
  return (
    <div class="field" classList={{ invalid: !!props.error }}>
      <label for={props.for}>{t(props.label)}</label>
      {props.children}
      <Show when={props.hint && !props.error}>
        <p class="hint">{t(props.hint ?? "")}</p>
      </Show>
      <Show when={props.error}>
        <p class="field-error" role="alert" id={`${props.for}-error`} data-field-error={props.for}>
          {t(props.error ?? "")}
        </p>
      </Show>
    </div>
  );
}

/** An error about a whole action (not one field), shown next to its button, in the current language. */
export function ActionError(props: { message: string | undefined; testId?: string }): JSX.Element {
  const { t } = useI18n();
  return (
    <Show when={props.message}>
      <p class="action-error" role="alert" data-testid={props.testId ?? "action-error"}>
        {t(props.message ?? "")}
      </p>
    </Show>
  );
}
