/**
 * Small building blocks both apps use: labelled fields with their errors, an action's error, a
 * loaded resource (or why it failed) and a table of rows (or what to say when there are none).
 */
import { For, Show, type Accessor, type JSX, type Resource } from "solid-js";
import { describeError } from "./errors.ts";
import { useI18n } from "./i18n.tsx";

/**
 * A form field: label, the control, a hint and the error for this field (in words, beside it).
 * Label, hint and error are Italian message ids, shown in the current language.
 */
export function Field(props: {
  label: string;
  for: string;
  error?: string | undefined;
  hint?: string | undefined;
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

/**
 * A Field holding one text-like input: `id` names the control, its label and its error. Without a
 * `type` the input is plain text; `autocomplete` is passed through (password managers read it).
 */
export function InputField(props: {
  label: string;
  id: string;
  error?: string | undefined;
  hint?: string | undefined;
  type?: "text" | "password";
  inputmode?: "numeric" | undefined;
  autocomplete?: string;
  value: string;
  onInput: (value: string) => void;
}): JSX.Element {
  return (
    <Field label={props.label} for={props.id} error={props.error} hint={props.hint}>
      <input
        id={props.id}
        type={props.type}
        inputmode={props.inputmode}
        autocomplete={props.autocomplete}
        value={props.value}
        onInput={(e) => props.onInput(e.currentTarget.value)}
      />
    </Field>
  );
}

/** A Field holding a file picker; `onFile` gets the chosen file (undefined when the choice is cleared). */
export function FileField(props: {
  label: string;
  id: string;
  error?: string | undefined;
  hint?: string | undefined;
  accept: string;
  onFile: (file: File | undefined) => void;
}): JSX.Element {
  return (
    <Field label={props.label} for={props.id} error={props.error} hint={props.hint}>
      <input
        id={props.id}
        type="file"
        accept={props.accept}
        onChange={(e) => props.onFile(e.currentTarget.files?.[0])}
      />
    </Field>
  );
}

/**
 * A resource's value once loaded (`children` gets it), `loading` until then, and the reason in words
 * (role=alert) when loading failed.
 */
export function Loaded<T>(props: {
  resource: Resource<T>;
  loading?: JSX.Element;
  children: (value: Accessor<NonNullable<T>>) => JSX.Element;
}): JSX.Element {
  const { t } = useI18n();
  return (
    <Show
      when={!props.resource.error}
      fallback={
        <p class="action-error" role="alert">
          {t(describeError(props.resource.error).message)}
        </p>
      }
    >
      <Show when={props.resource.latest} fallback={props.loading}>
        {props.children}
      </Show>
    </Show>
  );
}

/**
 * A table with one heading row (Italian message ids) and `children` rendering each row. Without rows
 * it shows `empty`: as the table's only row when `emptyInTable`, else alone in a status paragraph
 * instead of the table; with no `empty` an empty list shows nothing.
 */
export function DataTable<T>(props: {
  headings: readonly string[];
  rows: readonly T[];
  empty?: string;
  emptyInTable?: boolean;
  testId?: string;
  children: (row: T) => JSX.Element;
}): JSX.Element {
  const { t } = useI18n();
  const table = () => (
    <table data-testid={props.testId}>
      <thead>
        <tr>
          <For each={props.headings}>{(heading) => <th>{t(heading)}</th>}</For>
        </tr>
      </thead>
      <tbody>
        <For
          each={props.rows}
          fallback={
            <tr>
              <td colSpan={props.headings.length}>{t(props.empty ?? "")}</td>
            </tr>
          }
        >
          {(row) => props.children(row)}
        </For>
      </tbody>
    </table>
  );
  return (
    <Show
      when={props.emptyInTable || props.rows.length > 0}
      fallback={
        <Show when={props.empty}>
          <p role="status">{t(props.empty ?? "")}</p>
        </Show>
      }
    >
      {table()}
    </Show>
  );
}
