/**
 * Starts the mesh's processes for integration tests (`node --import tsx <entry>`, or plain `node` for
 * compiled `.js` entries; one process each,
 * stopped by its own PID) and waits for their JSON "ready" log line, which carries their ports.
 */
import { join } from "node:path";
import { start, waitFor, type StartedProcess } from "./process.js";

const root = new URL("../../", import.meta.url).pathname;

/** A started service and what its ready line said. */
export interface StartedService {
  process: StartedProcess;
  ready: Record<string, unknown>;
}

/**
 * Starts `entry` (relative to the repo) with `env` and resolves when it logs `readyMessage`.
 * TypeScript entries run through tsx; `.js` entries (the compiled output, see scripts/build.sh)
 * run on plain `node`, with `nodeArgs` before the entry.
 */
export async function startService(
  entry: string,
  env: Record<string, string>,
  readyMessage: string,
  timeoutMs = 60_000,
  nodeArgs: readonly string[] = [],
): Promise<StartedService> {
  const runtime = entry.endsWith(".ts") ? ["--import", "tsx"] : [];
  const process_ = start(process.execPath, [...runtime, ...nodeArgs, join(root, entry)], {
    env: { ...process.env, LOG_LEVEL: "info", ...env },
    cwd: root,
  });
  try {
    const ready = await waitFor(
      `${entry} to log "${readyMessage}"`,
      () => {
        if (process_.child.exitCode !== null)
          throw new Error(`${entry} exited with ${process_.child.exitCode}:\n${process_.output().slice(-3000)}`);
        for (const line of process_.output().split("\n")) {
          if (!line.startsWith("{")) continue;
          try {
            const parsed = JSON.parse(line) as Record<string, unknown>;
            if (parsed.msg === readyMessage) return Promise.resolve(parsed);
          } catch {
            // a partial line
          }
        }
        return Promise.resolve(undefined);
      },
      timeoutMs,
      100,
    );
    return { process: process_, ready };
  } catch (err) {
    await process_.stop();
    throw err;
  }
}
