/**
 * The Java interop tools (test/interop, built by `bash test/interop/build.sh`, which `.ci/run` and
 * `npm test` call): a missing build fails the test with the command to run, never skips it.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { requireTool } from "./tools.js";

/** test/interop, absolute. */
export const interopDir = fileURLToPath(new URL("../interop/", import.meta.url));

/** `java` plus the class path of a built interop project (`target/*.jar` and `target/lib/*`). */
export function interopClasspath(project: string): { java: string; classpath: string } {
  const target = join(interopDir, project, "target");
  const jar = existsSync(target) ? readdirSync(target).find((f) => f.endsWith(".jar")) : undefined;
  if (!jar || !existsSync(join(target, "lib"))) {
    throw new Error(
      `the interop tool ${project} is not built: run 'bash test/interop/build.sh' (CI does) and try again`,
    );
  }
  return { java: requireTool("java"), classpath: `${join(target, jar)}:${join(target, "lib", "*")}` };
}
