/**
 * Finds the external tools integration tests drive (consul, grpcurl, xmlsec1, ...). A missing
 * tool throws with the command that installs it: tests that need a real tool fail, they never
 * skip, so CI cannot pass without having run them.
 */
import { accessSync, constants } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";

/** The cache scripts/install-tools.sh builds into. */
export function toolsCacheBin(): string {
  return join(process.env.NOVABOX_TOOLS_DIR ?? join(homedir(), ".cache", "novabox", "tools"), "bin");
}

/** The absolute path of `name`, from PATH or the tools cache; throws when it is not installed. */
export function requireTool(name: string): string {
  const dirs = [...(process.env.PATH ?? "").split(delimiter).filter(Boolean), toolsCacheBin()];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  throw new Error(`${name} is not installed: run 'bash scripts/install-tools.sh' (CI does) and try again`);
}
