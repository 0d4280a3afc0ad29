/**
 * The checkpoint store of a router on the embedded registry: one JSON file per instance,
 * `<dir>/<comune_code>/<workstation_code, URI-encoded>.json`, written to a temporary file, fsynced,
 * renamed over the old one, and the directory fsynced, so a crash leaves the old or the new
 * document, never half of one. Set the folder with ROUTER_WITNESS_DIR; keep it on durable storage
 * and back it up with the router's configuration.
 */
import { mkdir, open, readFile, rename } from "node:fs/promises";
import { join } from "node:path";
import type { CheckpointStore, WitnessDocument } from "../domain/checkpoint-store.js";

async function fsyncPath(path: string, flags: string): Promise<void> {
  const handle = await open(path, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Creates the file-backed {@link CheckpointStore} under `dir` (created 0700 when missing). */
export function createFileCheckpointStore(dir: string): CheckpointStore {
  const pathOf = (comune: string, workstation: string) =>
    join(dir, encodeURIComponent(comune), `${encodeURIComponent(workstation)}.json`);
  return {
    kind: "file",
    async load(comune, workstation) {
      try {
        return JSON.parse(await readFile(pathOf(comune, workstation), "utf8")) as WitnessDocument;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw err;
      }
    },
    async save(document) {
      const path = pathOf(document.comuneCode, document.workstationCode);
      const folder = join(path, "..");
      await mkdir(folder, { recursive: true, mode: 0o700 });
      const temporary = `${path}.tmp`;
      const handle = await open(temporary, "w", 0o600);
      try {
        await handle.writeFile(JSON.stringify(document));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, path);
      await fsyncPath(folder, "r");
    },
  };
}
