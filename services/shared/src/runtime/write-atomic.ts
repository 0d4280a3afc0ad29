/**
 * Writing a file so that a reader never sees half of it and a crash never leaves it truncated: the
 * content goes to a temporary file beside it (same folder, so the same file system), gets its mode,
 * and is renamed over the target in one step.
 */
import { randomBytes } from "node:crypto";
import { chmod, rename, rm, writeFile } from "node:fs/promises";

/** Writes `content` to `file` with `mode` (e.g. 0o600 for a private key), atomically. */
export async function writeAtomic(file: string, content: string | Uint8Array, mode: number): Promise<void> {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(temp, content, { mode });
    await chmod(temp, mode);
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}
