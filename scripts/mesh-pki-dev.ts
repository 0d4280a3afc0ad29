/**
 * Creates the development mesh PKI (the CA that replaces the IPsec VPN, and the router, gateway and
 * per-workstation box certificates, each naming who it speaks for) in a git-ignored folder:
 *
 *   npm run pki:mesh -- [dir=.dev/mesh-pki] [--boxes 022205,022161,022205:POST-022205-02]
 *                       [--san router=router.novares.example,10.0.0.5] [--san box-022205=novabox.comune.trento.it]
 *
 * `--san <role>=<names>` (repeatable) gives ONE leaf its own DNS names / IP addresses, so each host's
 * certificate is valid for that host only; every leaf also has localhost and 127.0.0.1.
 *
 * Files that exist and are still valid are kept (see `ensureMeshPki` in
 * services/shared/src/dev-pki/mesh-pki.ts, which tests and `npm start` call directly).
 */
import { relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureMeshPki } from "../services/shared/src/dev-pki/mesh-pki.js";

const repoRoot = fileURLToPath(new URL("..", import.meta.url));

/** The demo Comuni of the ANPR simulator (Trento, Rovereto, Bolzano). */
export const defaultMeshBoxes: readonly string[] = ["022205", "022161", "021008"];

/** What the command line asks for. */
export interface MeshPkiDevArgs {
  dir: string;
  boxes: string[];
  /** Names per role, from `--san role=a,b`. */
  sans: Record<string, string[]>;
}

const usage =
  "usage: npm run pki:mesh -- [dir] [--boxes 022205,022161,022205:POST-022205-02] [--san router=host1,10.0.0.5]...";

/** What --help prints (the usage line, then what the options mean). */
const help = `${usage}   (node --import tsx scripts/mesh-pki-dev.ts)

Creates the mesh PKI (the CA, and router, gateway and per-workstation box certificates for mutual
TLS, each naming who it speaks for). dir defaults to .dev/mesh-pki. Files that exist and are still
valid are kept.

  --boxes LIST         ISTAT codes of the boxes, optionally with a workstation (022205:POST-022205-02);
                       default ${defaultMeshBoxes.join(",")}
  --san ROLE=NAMES     DNS names / IP addresses of one leaf (repeatable), e.g. --san box-022205=novabox.comune.trento.it
  --help               this text
`;

/** Thrown for a command line that cannot be understood (exit status 2). */
class UsageError extends Error {}

/** Parses the command line: an optional folder, `--boxes` (comma-separated) and repeated `--san role=names`. */
export function parseMeshPkiDevArgs(argv: readonly string[]): MeshPkiDevArgs {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(help);
    process.exit(0);
  }
  const positional: string[] = [];
  let boxes = [...defaultMeshBoxes];
  const sans: Record<string, string[]> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf("=");
    const flag = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = flag === arg ? undefined : arg.slice(eq + 1);
    if (flag === "--boxes" || flag === "--san") {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError(`${flag} needs a value\n${usage}`);
      if (flag === "--boxes") {
        boxes = value
          .split(",")
          .map((v) => v.trim())
          .filter(Boolean);
        continue;
      }
      const at = value.indexOf("=");
      const role = value.slice(0, Math.max(at, 0)).trim();
      const names = value
        .slice(at + 1)
        .split(",")
        .map((v) => v.trim())
        .filter(Boolean);
      if (at <= 0 || names.length === 0)
        throw new UsageError(
          `--san needs <role>=<name>[,<name>...], e.g. --san box-022205=novabox.comune.trento.it\n${usage}`,
        );
      sans[role] = [...(sans[role] ?? []), ...names];
    } else if (flag === "--hostnames") {
      throw new UsageError(
        `--hostnames put the same names on every certificate; give each host its own with --san <role>=<names>\n${usage}`,
      );
    } else if (arg.startsWith("--")) {
      throw new UsageError(`unknown option ${arg}\n${usage}`);
    } else {
      positional.push(arg);
    }
  }
  if (positional.length > 1) throw new UsageError(`one folder at most\n${usage}`);
  return { dir: resolve(positional[0] ?? resolve(repoRoot, ".dev/mesh-pki")), boxes, sans };
}

async function main(): Promise<void> {
  let args: MeshPkiDevArgs;
  try {
    args = parseMeshPkiDevArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`error: ${err.message.split("\n")[0]}\n${help}`);
    process.exit(2);
  }
  const pki = await ensureMeshPki(args.dir, {
    boxes: args.boxes,
    sans: args.sans,
    onFile: (file, action) =>
      process.stdout.write(`${action === "created" ? "created" : "kept   "} ${relative(process.cwd(), file)}\n`),
  });
  process.stdout.write(
    `mesh PKI ready in ${relative(process.cwd(), pki.dir) || "."} (${Object.keys(pki.identities).join(", ")})\n`,
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`mesh-pki-dev: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
