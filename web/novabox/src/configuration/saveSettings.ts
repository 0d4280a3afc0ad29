/**
 * UpdateConfig with exactly the given Settings paths, and the save sequence of the configuration
 * forms that edit Settings (check, name what changed, save, say so; a server error lands on the
 * form's field it names).
 */
import { createSignal } from "solid-js";
import { create } from "@bufbuild/protobuf";
import { SettingsSchema, type Config, type Settings } from "#gen/novabox/config/v1/config_service_pb.js";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { adminAuth, config } from "../clients.ts";
import { describeError } from "../../../shared/errors.ts";
import { createFormAction, type FormAction } from "../../../shared/form-action.ts";
import type { FieldErrors } from "../../../shared/validation.ts";

/** Saves `settings` under the field mask `paths`; returns the configuration after the update. */
export async function saveSettings(
  settings: MessageInitShape<typeof SettingsSchema>,
  paths: string[],
): Promise<Config | undefined> {
  return (await config.updateConfig({ settings: create(SettingsSchema, settings), updateMask: { paths } }, adminAuth()))
    .config;
}

/** The Settings path a server field violation names ("settings.x" → "x"). */
export function settingsField(field: string | undefined): string | undefined {
  return field?.replace(/^settings\./, "");
}

/** The Settings a form saves and the paths (field mask) that changed. */
export interface SettingsChange {
  settings: MessageInitShape<typeof SettingsSchema>;
  paths: string[];
}

/** A Settings form's state; `saved` is what to say after a save (Italian message id). */
export interface SettingsForm extends Pick<FormAction, "errors" | "actionError" | "busy"> {
  saved: () => string | undefined;
  /**
   * Prevents the browser's submit, shows `validate`'s field errors (stopping when there are any),
   * then saves `change()` — or says there is nothing to save when no path changed.
   */
  save: (
    event: SubmitEvent,
    validate: () => FieldErrors,
    change: () => SettingsChange | Promise<SettingsChange>,
  ) => Promise<void>;
}

/**
 * Creates a Settings form's state. A server error naming a field the form `owns` lands beside that
 * field, any other beside the button. `onSaved` gets the configuration after a save.
 */
export function createSettingsForm(options: {
  owns: (field: string) => boolean;
  onSaved: (config: Config | undefined) => void;
}): SettingsForm {
  const form = createFormAction();
  const [saved, setSaved] = createSignal<string>();
  return {
    errors: form.errors,
    actionError: form.actionError,
    busy: form.busy,
    saved,
    save: (event, validate, change) => {
      setSaved(undefined);
      return form.submit(
        event,
        validate,
        async () => {
          const { settings, paths } = await change();
          if (paths.length === 0) {
            setSaved("Nessuna modifica da salvare.");
            return;
          }
          const next = await saveSettings(settings, paths);
          options.onSaved(next);
          setSaved("Impostazioni salvate.");
        },
        (err) => {
          const shown = describeError(err);
          const field = settingsField(shown.field);
          if (field && options.owns(field)) form.setErrors({ [field]: shown.message });
          else form.setActionError(shown.message);
        },
      );
    },
  };
}

export type { Settings };
