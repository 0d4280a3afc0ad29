/**
 * The command line of every program of the project (CLIs, servers, `npm start`), handled the same
 * way: `--help` / `-h` prints the usage on stdout and exits 0; an unknown option or a surplus
 * argument prints what was wrong and the usage on stderr and exits 2 (the usual "usage error"
 * status), before the program does anything else. Servers take their configuration from the
 * environment; {@link environmentUsage} lists its variables and defaults from the same zod schema
 * that reads them, so the help cannot drift from the code.
 */
import { parseArgs } from "node:util";
import { safeParse } from "zod/mini";
import type * as core from "zod/v4/core";

/** One option of a command line. */
export interface CliOption {
  type: "boolean" | "string";
  short?: string;
}

/** What a program accepts. */
export interface CliSpec {
  /** The whole usage text (first line `usage: ...`), printed for --help and on errors. */
  usage: string;
  /** Options besides --help. */
  options?: Readonly<Record<string, CliOption>>;
  /** How many positional arguments at most (default 0). */
  maxPositionals?: number;
}

/** Where {@link parseCommandLine} writes and how it exits (tests replace them). */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  exit: (code: number) => never;
}

const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  exit: (code) => process.exit(code),
};

/** The parsed command line. */
export interface ParsedCommandLine {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/**
 * Parses `argv` (without node and the script) against `spec`; handles --help and usage errors as
 * the module comment says, so the caller only sees a valid command line.
 */
export function parseCommandLine(argv: readonly string[], spec: CliSpec, io: CliIo = processIo): ParsedCommandLine {
  const usage = spec.usage.endsWith("\n") ? spec.usage : `${spec.usage}\n`;
  if (argv.includes("--help") || argv.includes("-h")) {
    io.stdout(usage);
    return io.exit(0);
  }
  try {
    const parsed = parseArgs({
      args: [...argv],
      options: { ...(spec.options ?? {}) },
      allowPositionals: true,
      strict: true,
    });
    const max = spec.maxPositionals ?? 0;
    if (parsed.positionals.length > max) {
      throw new Error(
        max === 0
          ? `unexpected argument "${parsed.positionals[0]}"`
          : `too many arguments: ${parsed.positionals.slice(max).join(" ")}`,
      );
    }
    return { values: parsed.values, positionals: parsed.positionals };
  } catch (err) {
    const raw = err instanceof Error ? err.message.split("\n")[0]! : String(err);
    const unknown = /Unknown option '([^']+)'/.exec(raw);
    const message = unknown ? `unknown option ${unknown[1]}` : raw;
    io.stderr(`error: ${message}\n${usage}`);
    return io.exit(2);
  }
}

/**
 * The usage lines of a server's environment: each variable of `schema` with its default (from the
 * schema itself), one per line, indented.
 */
export function environmentUsage(schema: core.$ZodObject): string {
  const lines: string[] = [];
  const shape: Record<string, core.$ZodType> = schema._zod.def.shape;
  const fields: [string, core.$ZodType][] = Object.entries(shape);
  for (const [name, field] of fields) {
    const parsed = safeParse(field, undefined);
    const value: unknown = parsed.success ? parsed.data : undefined;
    const shown =
      typeof value === "string" || typeof value === "number" || typeof value === "boolean"
        ? String(value)
        : JSON.stringify(value);
    const fallback =
      parsed.success && value !== undefined ? ` (default: ${shown})` : parsed.success ? " (optional)" : " (required)";
    lines.push(`  ${name}${fallback}`);
  }
  return lines.join("\n");
}

/** The usage of a server configured by environment: what it is, the variables, where to read more. */
export function serverUsage(command: string, what: string, schema: core.$ZodObject, more: string): string {
  return `usage: ${command}\n\n${what}\nIt takes no arguments; it reads these environment variables:\n${environmentUsage(schema)}\n\n${more}\n`;
}
