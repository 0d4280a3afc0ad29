/**
 * Test helper for the crash-safety tests of the operation counters: runs a fixture script in a child
 * process, waits for the first line it prints (the value it reserved), and kills it with SIGKILL
 * before it can clean up, as a power cut would.
 */
import { spawn } from "node:child_process";

/** Runs `fixture` (a .ts file, through tsx) with `args`; resolves with its first line once it is killed. */
export function firstLineThenKill(fixture: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", fixture, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
      if (out.endsWith("\n")) child.kill("SIGKILL");
    });
    child.on("exit", (_code, signal) => {
      if (signal !== "SIGKILL") return reject(new Error(`fixture exited without being killed: ${err}`));
      resolve(out.trim());
    });
  });
}
