/**
 * The state every panel form has — field errors, an error beside the submit button, busy and done —
 * and its submit sequence: check the fields in the browser, then call the service, then show the
 * outcome. Forms keep only their own fields and calls.
 */
import { createSignal } from "solid-js";
import { describeError } from "./errors.ts";

/** A form's submission state and runner; see {@link createFormAction}. */
export interface FormAction {
  errors: () => Record<string, string>;
  setErrors: (errors: Record<string, string>) => void;
  actionError: () => string | undefined;
  setActionError: (message: string | undefined) => void;
  busy: () => boolean;
  done: () => boolean;
  /**
   * Prevents the browser's submit, shows `validate`'s field errors (and stops when there are any),
   * then runs `action`; a failure goes to `onError` (default: its message beside the button).
   */
  submit: (
    event: SubmitEvent,
    validate: () => Record<string, string>,
    action: () => Promise<void>,
    onError?: (err: unknown) => void,
  ) => Promise<void>;
}

/** Creates the submission state of one form. */
export function createFormAction(): FormAction {
  const [errors, setErrors] = createSignal<Record<string, string>>({});
  const [actionError, setActionError] = createSignal<string>();
  const [done, setDone] = createSignal(false);
  const [busy, setBusy] = createSignal(false);
  return {
    errors,
    setErrors,
    actionError,
    setActionError,
    busy,
    done,
    submit: async (event, validate, action, onError) => {
      event.preventDefault();
      setActionError(undefined);
      setDone(false);
      const found = validate();
      setErrors(found);
      if (Object.keys(found).length > 0) return;
      setBusy(true);
      try {
        await action();
        setDone(true);
      } catch (err) {
        if (onError) onError(err);
        else setActionError(describeError(err).message);
      } finally {
        setBusy(false);
      }
    },
  };
}
