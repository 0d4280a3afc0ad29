/** UpdateConfig with exactly the given Settings paths, and a server error mapped to the form's field. */
import { create } from "@bufbuild/protobuf";
import { SettingsSchema, type Config, type Settings } from "#gen/novabox/config/v1/config_service_pb.js";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { adminAuth, config } from "../clients.ts";

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

export type { Settings };
