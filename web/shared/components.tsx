/** Small building blocks both apps use: a labelled field with its error, an action's error. */
import { Show, type JSX } from "solid-js";

/** A form field: label, the control, a hint and the error for this field (in words, beside it). */
export function Field(props: { label: string; for: string; error?: string | undefined; hint?: string; children: JSX.Element }): JSX.Element {
  return (
    <div class="field" classList={{ invalid: !!props.error }}>
      <label for={props.for}>{props.label}</label>
      {props.children}
      <Show when={props.hint && !props.error}>
        <p class="hint">{props.hint}</p>
      </Show>
      <Show when={props.error}>
        <p class="field-error" role="alert" id={`${props.for}-error`} data-field-error={props.for}>
          {props.error}
        </p>
      </Show>
    </div>
  );
}

/** An error about a whole action (not one field), shown next to its button. */
export function ActionError(props: { message: string | undefined; testId?: string }): JSX.Element {
  return (
    <Show when={props.message}>
      <p class="action-error" role="alert" data-testid={props.testId ?? "action-error"}>
        {props.message}
      </p>
    </Show>
  );
}
