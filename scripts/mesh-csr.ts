/**
 * Mesh certificates without moving private keys (services/shared/src/mesh/mesh-csr.ts):
 *
 *   on the box:      npm run pki:csr -- request <mesh dir> --comune 022205 [--workstation POST-022205-01]
 *                                       [--san novabox.comune.trento.it,10.0.0.5] [--renew-before-days 30]
 *   at Novares:      npm run pki:csr -- sign <request.csr> --ca <mesh CA dir> --approved 022205,022161
 *                                       [--out cert.pem] [--valid-days 90]
 *   on the box:      npm run pki:csr -- install <mesh dir> <cert.pem> --comune 022205 [--workstation ...]
 *
 * `request` creates a fresh key (0600, never leaves the box) and a CSR naming the box's SPIFFE ID;
 * with a certificate still valid beyond --renew-before-days it does nothing (run it daily: it
 * renews before expiry). `sign` refuses (exit 3) a request for a Comune not in --approved. `install`
 * puts key and certificate in place; the running box uses them within NOVABOX_MESH_TLS_REFRESH_MS.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadCertificateAuthority } from "../services/shared/src/anpr/pki.js";
import { isDomainError } from "../services/shared/src/runtime/domain-error.js";
import {
  createMeshCsr,
  dueForRenewal,
  installMeshCertificate,
  signMeshCsr,
  writeMeshCsr,
} from "../services/shared/src/mesh/mesh-csr.js";
import { defaultWorkstationId, meshBoxRole } from "../services/shared/src/dev-pki/mesh-pki.js";

const usage =
  "usage: npm run pki:csr -- request <dir> --comune CODE [--workstation ID] [--san NAMES] [--renew-before-days N] | sign <csr> --ca <dir> --approved CODES [--out FILE] [--valid-days N] | install <dir> <cert> --comune CODE [--workstation ID]";

const help = `${usage}   (node --import tsx scripts/mesh-csr.ts)

Issues a box's mesh certificate without moving its private key.

  request DIR          on the box: a fresh key (DIR/<role>-key.pem.next, 0600) and DIR/<role>.csr
                       naming spiffe://novares/comune/CODE/postazione/ID and the --san names; does
                       nothing while DIR/<role>.pem is valid for more than --renew-before-days (30)
  sign CSR             at Novares: checks the request and signs it with the mesh CA in --ca DIR, only
                       for a Comune listed in --approved (otherwise exit 3, nothing written); writes
                       --out (default: the CSR's name with .pem) valid --valid-days (90)
  install DIR CERT     on the box: checks CERT is for the pending key and from DIR/ca.pem, then puts
                       both in place; the running box reloads them without a restart
  --help               this text
`;

class UsageError extends Error {}

const knownFlags = new Set([
  "comune",
  "workstation",
  "san",
  "renew-before-days",
  "ca",
  "approved",
  "out",
  "valid-days",
]);

function parse(argv: readonly string[]): { positional: string[]; flags: Record<string, string> } {
  const positional: string[] = [];
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
      if (!knownFlags.has(name)) throw new UsageError(`unknown option --${name}`);
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      flags[name] = value;
    } else positional.push(arg);
  }
  return { positional, flags };
}

const list = (value: string | undefined) =>
  (value ?? "")
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean);

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(help);
    return 0;
  }
  const { positional, flags } = parse(argv);
  const [command, ...rest] = positional;
  const box = () => {
    if (!flags.comune) throw new UsageError("--comune CODE is required");
    const spec = { comuneCode: flags.comune, workstationId: flags.workstation ?? defaultWorkstationId(flags.comune) };
    return { spec, role: meshBoxRole(spec) };
  };
  if (command === "request" && rest.length === 1) {
    const dir = resolve(rest[0]!);
    const { spec, role } = box();
    const days = Number(flags["renew-before-days"] ?? 30);
    if (!(await dueForRenewal(join(dir, `${role}.pem`), days))) {
      process.stdout.write(`${role}.pem is valid for more than ${days} days: nothing to renew\n`);
      return 0;
    }
    const files = await writeMeshCsr(
      dir,
      role,
      createMeshCsr({ role: "box", comuneCode: spec.comuneCode, workstationId: spec.workstationId }, [
        "localhost",
        "127.0.0.1",
        ...list(flags.san),
      ]),
    );
    process.stdout.write(`request written: ${files.csr} (send it to Novares; the key stays in ${files.pendingKey})\n`);
    return 0;
  }
  if (command === "sign" && rest.length === 1) {
    if (!flags.ca || !flags.approved) throw new UsageError("sign needs --ca DIR and --approved CODES");
    const ca = loadCertificateAuthority(
      await readFile(join(flags.ca, "ca.pem"), "utf8"),
      await readFile(join(flags.ca, "ca-key.pem"), "utf8"),
    );
    const csrFile = resolve(rest[0]!);
    try {
      const signed = signMeshCsr(ca, await readFile(csrFile, "utf8"), {
        approvedComuni: list(flags.approved),
        validDays: Number(flags["valid-days"] ?? 90),
      });
      const out = resolve(flags.out ?? csrFile.replace(/\.csr$/, "") + ".pem");
      await writeFile(out, signed.certificatePem);
      process.stdout.write(
        `signed ${signed.identity.role === "box" ? `Comune ${signed.identity.comuneCode} workstation ${signed.identity.workstationId}` : signed.identity.role}: ${out}\n`,
      );
      return 0;
    } catch (err) {
      if (!isDomainError(err)) throw err;
      process.stderr.write(`refused: ${err.message}\n`);
      return 3;
    }
  }
  if (command === "install" && rest.length === 2) {
    const { role } = box();
    const installed = await installMeshCertificate(resolve(rest[0]!), role, await readFile(resolve(rest[1]!), "utf8"));
    process.stdout.write(
      `installed ${role}.pem (SHA-256 ${installed.fingerprint}, valid until ${installed.notAfter.toISOString()})\n`,
    );
    return 0;
  }
  throw new UsageError(
    command ? `cannot understand "${positional.join(" ")}"` : "a command is needed: request, sign or install",
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      if (err instanceof UsageError) {
        process.stderr.write(`error: ${err.message}\n${help}`);
        process.exitCode = 2;
        return;
      }
      process.stderr.write(`mesh-csr: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
