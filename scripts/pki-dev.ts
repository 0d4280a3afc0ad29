/**
 * Creates the development PKI (ANPR simulator CA and HTTPS certificate, workstation CA, one
 * workstation PKCS#12 + PIN per demo Comune, manifest.json) in a git-ignored folder.
 *
 *   node_modules/.bin/tsx scripts/pki-dev.ts [outDir] [--force]
 *
 * outDir defaults to `.dev/pki` under the repository root. Files that exist and are still valid are
 * kept; `--force` recreates everything. The logic lives in services/shared/src/dev-pki/anpr-dev-pki.ts
 * (`ensureDevPki`), which tests and `npm start` call directly.
 */
import { relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureDevPki } from "../services/shared/src/dev-pki/anpr-dev-pki.js";
import { parseCommandLine } from "../services/shared/src/runtime/cli.js";

const repoRoot = fileURLToPath(new URL("..", import.meta.url));

const usage = `usage: npm run pki:dev -- [outDir] [--force]   (tsx scripts/pki-dev.ts)

Creates the development PKI: the ANPR simulator's CA and HTTPS certificate, the workstation CA, and
a workstation PKCS#12 + PIN per demo Comune, with manifest.json. outDir defaults to .dev/pki.
Files that exist and are still valid are kept.

  --force   recreate every file
  --help    this text
`;

/** Parses the command line: an optional output folder and `--force` (--help and usage errors exit). */
export function parsePkiDevArgs(argv: string[]): { outDir: string; force: boolean } {
  const { values, positionals } = parseCommandLine(argv, {
    usage,
    options: { force: { type: "boolean" } },
    maxPositionals: 1,
  });
  return { outDir: resolve(positionals[0] ?? resolve(repoRoot, ".dev/pki")), force: values.force === true };
}

async function main(): Promise<void> {
  const { outDir, force } = parsePkiDevArgs(process.argv.slice(2));
  const manifest = await ensureDevPki(outDir, {
    force,
    onFile: (file, action) =>
      process.stdout.write(`${action === "created" ? "created" : "kept   "} ${relative(process.cwd(), file)}\n`),
  });
  process.stdout.write(
    `development PKI ready in ${relative(process.cwd(), manifest.dir) || "."} (${manifest.workstations.length} workstations)\n`,
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`pki-dev: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
