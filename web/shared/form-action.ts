/**
 * The state every panel form has — field errors, an error beside the submit button, busy and done —
 * and its submit sequence: check the fields in the browser, then call the service, then show the
 * outcome. Forms keep only their own fields and calls. A single button calling a service and showing
 * its answer (a check) has its own smaller state, {@link createCheck}.
 */
import { createSignal } from "solid-js";
import { describeError } from "./errors.ts";
import { isValid, type FieldErrors } from "./validation.ts";

/** A form's submission state and runner; see {@link createFormAction}. */
export interface FormAction {
  errors: () => FieldErrors;
  setErrors: (errors: FieldErrors) => void;
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
    validate: () => FieldErrors,
    action: () => Promise<void>,
    onError?: (err: unknown) => void,
  ) => Promise<void>;
}

/** Creates the submission state of one form. */
export function createFormAction(): FormAction {
  const [errors, setErrors] = createSignal<FieldErrors>({});
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
      if (!isValid(found)) return;
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

/** A button's call and its outcome; see {@link createCheck}. */
export interface Check<T, A extends unknown[]> {
  /** The last call's answer (undefined before the first, and while a new one runs unless kept). */
  result: () => T | undefined;
  /** The last call's failure, in words for the user. */
  error: () => string | undefined;
  busy: () => boolean;
  /** Runs the call; never throws (a failure lands in `error`). */
  run: (...args: A) => Promise<void>;
}

/**
 * The state of a button that calls a service and shows what came back (a connection test, the audit
 * log's integrity check, a switch saved at once): busy while the call runs, its result or its error.
 * `keepResult` leaves the previous result on screen while the call runs again.
 */
export function createCheck<T, A extends unknown[] = []>(
  call: (...args: A) => Promise<T>,
  options: { keepResult?: boolean } = {},
): Check<T, A> {
  const [result, setResult] = createSignal<T>();
  const [error, setError] = createSignal<string>();
  const [busy, setBusy] = createSignal(false);
  return {
    result,
    error,
    busy,
    run: async (...args) => {
      setBusy(true);
      setError(undefined);
      if (!options.keepResult) setResult(undefined);
      try {
        const answer = await call(...args);
        setResult(() => answer);
      } catch (err) {
        setError(describeError(err).message);
      } finally {
        setBusy(false);
      }
    },
  };
}
