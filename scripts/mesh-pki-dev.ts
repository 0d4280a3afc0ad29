/**
 * Creates the development mesh PKI (the CA that replaces the IPsec VPN, and the router, gateway and
 * per-Comune box certificates) in a git-ignored folder:
 *
 *   node --import tsx scripts/mesh-pki-dev.ts [dir=.dev/mesh-pki] [--boxes 022205,022161] [--hostnames a.example,10.0.0.5]
 *
 * Files that exist and are still valid are kept (see `ensureMeshPki` in
 * services/shared/src/mesh-pki.ts, which tests and `npm start` call directly).
 */
import { relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureMeshPki } from "../services/shared/src/mesh-pki.js";

const repoRoot = fileURLToPath(new URL("..", import.meta.url));

/** The demo Comuni of the ANPR simulator (Trento, Rovereto, Bolzano). */
export const defaultMeshBoxes: readonly string[] = ["022205", "022161", "021008"];

/** What the command line asks for. */
export interface MeshPkiDevArgs {
  dir: string;
  boxes: string[];
  hostnames: string[];
}

const usage = "usage: node --import tsx scripts/mesh-pki-dev.ts [dir] [--boxes 022205,022161] [--hostnames host1,10.0.0.5]";

/** Parses the command line: an optional folder, `--boxes` and `--hostnames` (comma-separated lists). */
export function parseMeshPkiDevArgs(argv: readonly string[]): MeshPkiDevArgs {
  const positional: string[] = [];
  let boxes = [...defaultMeshBoxes];
  let hostnames: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.split("=", 2) as [string, string | undefined];
    if (flag === "--boxes" || flag === "--hostnames") {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new Error(`${flag} needs a comma-separated list\n${usage}`);
      const list = value.split(",").map((v) => v.trim()).filter(Boolean);
      if (flag === "--boxes") boxes = list;
      else hostnames = list;
    } else if (arg.startsWith("--")) {
      throw new Error(`unknown option ${arg}\n${usage}`);
    } else {
      positional.push(arg);
    }
  }
  if (positional.length > 1) throw new Error(`one folder at most\n${usage}`);
  return { dir: resolve(positional[0] ?? resolve(repoRoot, ".dev/mesh-pki")), boxes, hostnames };
}

async function main(): Promise<void> {
  const args = parseMeshPkiDevArgs(process.argv.slice(2));
  const pki = await ensureMeshPki(args.dir, {
    boxes: args.boxes,
    hostnames: args.hostnames,
    onFile: (file, action) => process.stdout.write(`${action === "created" ? "created" : "kept   "} ${relative(process.cwd(), file)}\n`),
  });
  process.stdout.write(`mesh PKI ready in ${relative(process.cwd(), pki.dir) || "."} (${Object.keys(pki.identities).join(", ")})\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`mesh-pki-dev: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
