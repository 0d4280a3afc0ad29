/**
 * Configuration from environment variables, validated with zod. Each service declares one schema
 * for its variables; {@link loadConfig} reads them once at start and fails with one error that lists
 * every variable that is wrong and why, so an operator fixes them in one go.
 *
 * Built on `zod/mini` (the tree-shakable functional API on the same core as `zod`): a schema made
 * with either works here, and a service whose own schema uses `zod/mini` — the Novabox, a small
 * appliance (issue 16) — does not load the classic API at all (~580 KB of source, ~5 MiB of memory
 * in a bundled process). Mini loads no error messages by itself, so the English ones are set here.
 */
import { readFileSync } from "node:fs";
import * as z from "zod/mini";
import type * as core from "zod/v4/core";
import { en } from "zod/locales";

z.config(en());

/** Thrown by {@link loadConfig} when variables are missing or invalid. */
export class ConfigError extends Error {
  /** One entry per problem: the variable name and what is wrong with it. */
  readonly problems: readonly { variable: string; problem: string }[];

  constructor(problems: readonly { variable: string; problem: string }[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.problem}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/**
 * Parses `env` (default `process.env`) with `schema`, a zod object whose keys are variable names.
 * Empty strings count as unset, so `FOO=` falls back to the default.
 */
export function loadConfig<S extends core.$ZodObject>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): core.output<S> {
  const input: Record<string, string> = {};
  for (const key of Object.keys(schema._zod.def.shape)) {
    const value = env[key];
    if (value !== undefined && value !== "") input[key] = value;
  }
  const result = z.safeParse(schema, input);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => ({
      variable: issue.path.map(String).join(".") || "(environment)",
      problem: issue.message,
    })),
  );
}

const flagValues = ["true", "false", "1", "0", "TRUE", "FALSE", "True", "False"] as const;

/** Reusable field schemas for environment variables (usable in `zod` and `zod/mini` objects alike). */
export const env = {
  /** A TCP port 0–65535 (0 = any free port). */
  port: (defaultPort: number) =>
    z._default(z.coerce.number().check(z.int(), z.minimum(0), z.maximum(65535)), defaultPort),
  /** A `host:port` address. */
  hostPort: () =>
    z
      .string()
      .check(z.regex(/^[^\s:]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/, "expected host:port, e.g. 127.0.0.1:50051")),
  /** "true"/"false"/"1"/"0" (case-insensitive). */
  flag: (defaultValue: boolean) =>
    z.pipe(
      z._default(z.enum(flagValues, { message: "expected true or false" }), defaultValue ? "true" : "false"),
      z.transform((v: (typeof flagValues)[number]) => v === "1" || v.toLowerCase() === "true"),
    ),
  /** A pino log level. */
  logLevel: () => z._default(z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]), "info"),
  /** A duration in milliseconds, positive. */
  millis: (defaultMs: number) => z._default(z.coerce.number().check(z.int(), z.positive()), defaultMs),
} as const;

/**
 * The `<NAME>_FILE` convention for secrets (systemd credentials, Docker/Kubernetes secrets): when
 * `<NAME>_FILE` is set, the secret is that file's content (one trailing newline removed) and
 * `<NAME>` itself must be unset. Fails closed: a named file that is missing, unreadable or empty
 * throws {@link ConfigError} naming the variable, so a service never falls back to a weaker
 * source (such as a key file it would create) because a credential failed to load.
 * Returns `env[NAME]` when no `_FILE` variable is set (undefined when neither is).
 */
export function secretFromEnvOrFile(
  name: string,
  env: Record<string, string | undefined> = process.env,
  read: (path: string) => string = defaultReadSecret,
): string | undefined {
  const fileVariable = `${name}_FILE`;
  const path = env[fileVariable];
  const direct = env[name];
  if (path === undefined || path === "") return direct === "" ? undefined : direct;
  if (direct !== undefined && direct !== "")
    throw new ConfigError([{ variable: fileVariable, problem: `set ${name} or ${fileVariable}, not both` }]);
  let content: string;
  try {
    content = read(path);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new ConfigError([
      {
        variable: fileVariable,
        problem: `cannot read the secret file ${path}${typeof code === "string" ? ` (${code})` : ""}: the service refuses to start without it`,
      },
    ]);
  }
  const value = content.replace(/\r?\n$/, "");
  if (value === "")
    throw new ConfigError([
      { variable: fileVariable, problem: `the secret file ${path} is empty: the service refuses to start without it` },
    ]);
  return value;
}

function defaultReadSecret(path: string): string {
  // Synchronous on purpose: configuration is read once, before anything listens.
  return readFileSync(path, "utf8");
}
