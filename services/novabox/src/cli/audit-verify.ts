/**
 * Verifies a Novabox audit log, or one signed export, offline.
 *
 * `node --import tsx services/novabox/src/cli/audit-verify.ts [ANPR_HOME] [--witness HOST:PORT
 * --mesh-tls-dir DIR --mesh-role ROLE] [--comune CODE --workstation CODE]` (ANPR_HOME default:
 * $ANPR_HOME, then /anpr_home). Opens the database read-only and checks the chain. The rows' HMACs
 * (novabox-audit-v2) are checked with the box's secret key, taken like the box takes it
 * (`NOVABOX_SECRET_KEY`, else `ANPR_HOME/secret.key`); without a key only the links between rows are
 * checked, and it says so. With `--witness`, it also asks the Novares router (mutual TLS with the
 * mesh certificate `ROLE` from DIR, e.g. `box-022205` or `gateway`) for the checkpoints it
 * witnessed for this box (Comune and workstation from the box's settings unless given), checks
 * their signatures against the mesh CA, and names the first checkpoint the log disagrees with.
 *
 * `... audit-verify.ts --export FILE [--signature FILE.sig] (--mesh-ca CA.pem | --mesh-tls-dir DIR)`
 * checks an export from ConfigService.ExportAuditCsv against its detached signature.
 *
 * Exit status: 0 intact (and agreeing), 1 broken, disagreeing or altered (named), 2 could not check.
 */
import { parseCommandLine } from "#shared/runtime/cli.js";
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { isDomainError } from "#shared/runtime/domain-error.js";
import { verifyAuditExport } from "#shared/mesh/audit-checkpoint.js";
import { meshCredentials, type MeshRole } from "#shared/dev-pki/mesh-pki.js";
import { compareWithWitness } from "../domain/witness-comparison.js";
import { readAuditChainKey } from "../store/audit-chain.js";
import { verifyAuditChain, type AuditChainKey } from "../store/audit-log.js";
import { createAuditLookup } from "../store/audit-lookup.js";
import { openDatabaseReadOnly, type SqliteDatabase } from "../store/database.js";
import { createSecretBox, decodeSecretKey, readSecretKeyFile, secretKeyFilePath } from "../store/secret-box.js";
import { fetchWitnessedHeads } from "../server/audit-witness-client.js";

const usage = `usage: npm run audit:verify -- [ANPR_HOME] [--witness HOST:PORT --mesh-tls-dir DIR --mesh-role ROLE] [--comune CODE --workstation CODE]
       npm run audit:verify -- --export FILE [--signature FILE.sig] (--mesh-ca CA.pem | --mesh-tls-dir DIR)
   (node --import tsx services/novabox/src/cli/audit-verify.ts ...)

Checks a Novabox's audit log read-only (an auditor can run it on a copy). ANPR_HOME defaults to
$ANPR_HOME, then /anpr_home. The rows' HMACs (keyed chain, novabox-audit-v2) are checked with the
box's secret key (NOVABOX_SECRET_KEY, else ANPR_HOME/secret.key); without it only the links between
rows are checked, and it says so.

  --witness HOST:PORT   also compare the log with the checkpoints the Novares router witnessed for
                        this box, and name the first one that disagrees
  --mesh-tls-dir DIR    the mesh certificates (ca.pem and ROLE.pem/ROLE-key.pem) to call the router
  --mesh-role ROLE      which certificate to use, e.g. box-022205 or gateway
  --comune, --workstation   the instance to ask for (default: the box's settings)
  --export FILE         check a signed CSV export (ConfigService.ExportAuditCsv) against FILE.sig
  --signature FILE.sig  the detached signature (default: FILE.sig)
  --mesh-ca CA.pem      the mesh CA that issued the box's certificate (or --mesh-tls-dir)

Exit status: 0 intact (and agreeing with the witness), 1 broken, disagreeing or altered (the first
broken row or disagreeing checkpoint is named), 2 could not check or usage error.
`;
const { values: parsed, positionals } = parseCommandLine(process.argv.slice(2), {
  usage,
  maxPositionals: 1,
  options: {
    witness: { type: "string" },
    "mesh-tls-dir": { type: "string" },
    "mesh-role": { type: "string" },
    "mesh-ca": { type: "string" },
    comune: { type: "string" },
    workstation: { type: "string" },
    export: { type: "string" },
    signature: { type: "string" },
  },
});
const values = parsed as Partial<
  Record<
    "witness" | "mesh-tls-dir" | "mesh-role" | "mesh-ca" | "comune" | "workstation" | "export" | "signature",
    string
  >
>;

const say = (line: string) => process.stdout.write(`${line}\n`);
const message = (err: unknown) => (isDomainError(err) || err instanceof Error ? err.message : String(err));

function caPem(): string {
  if (values["mesh-ca"]) return readFileSync(values["mesh-ca"], "utf8");
  if (values["mesh-tls-dir"]) return readFileSync(join(values["mesh-tls-dir"], "ca.pem"), "utf8");
  throw new Error("give the mesh CA: --mesh-ca CA.pem or --mesh-tls-dir DIR");
}

/** The chain key, when the secret key is at hand. */
function chainKey(db: SqliteDatabase, home: string): AuditChainKey | undefined {
  const envKey = process.env.NOVABOX_SECRET_KEY;
  const keyFile = secretKeyFilePath(home);
  const key = envKey ? decodeSecretKey(envKey) : existsSync(keyFile) ? readSecretKeyFile(keyFile) : undefined;
  if (key === undefined) return undefined;
  return readAuditChainKey(db, createSecretBox(key, envKey ? "NOVABOX_SECRET_KEY" : keyFile));
}

function verifyExport(file: string): number {
  const verified = verifyAuditExport(readFileSync(file), readFileSync(values.signature ?? `${file}.sig`), {
    caPem: caPem(),
  });
  say(
    `export intact: ${verified.rows} entries, signed by ${verified.signer} for Comune ${verified.head.comuneCode} workstation ${verified.head.workstationCode}; ` +
      `checkpoint row ${verified.head.lastId} hash ${verified.head.headHash} taken ${verified.head.time.toISOString()}`,
  );
  return 0;
}

async function verifyHome(home: string): Promise<number> {
  const db = openDatabaseReadOnly(home);
  try {
    const chain = chainKey(db, home);
    const result = verifyAuditChain(db, chain);
    const keyNote = chain === undefined ? " (no secret key: HMACs NOT checked, only the links between rows)" : "";
    let code = 0;
    if (result.ok) {
      say(`audit log intact: ${result.rowsChecked} rows checked, head hash ${result.headHash}${keyNote}`);
    } else {
      say(`audit log BROKEN at row ${result.firstBrokenId} (${result.failure}): ${result.reason}`);
      say(`${result.rowsChecked} rows verified before it; last verified hash ${result.headHash}${keyNote}`);
      code = 1;
    }
    if (values.witness) {
      if (!values["mesh-tls-dir"] || !values["mesh-role"])
        throw new Error(
          "--witness needs --mesh-tls-dir and --mesh-role (the mesh certificate to call the router with)",
        );
      const settings = JSON.parse(
        db.prepare<[], { json: string }>("SELECT json FROM settings WHERE id = 1").get()?.json ?? "{}",
      ) as { comuneCode?: string; workstationId?: string };
      const comune = values.comune ?? settings.comuneCode ?? "";
      const workstation = values.workstation ?? settings.workstationId ?? "";
      const { heads, rejected } = await fetchWitnessedHeads(
        {
          address: values.witness,
          credentials: meshCredentials(values["mesh-tls-dir"], values["mesh-role"] as MeshRole).client,
          caPem: caPem(),
        },
        comune,
        workstation,
      );
      if (rejected > 0) say(`witness: ${rejected} checkpoint(s) with a signature that does not verify were left out`);
      const comparison = compareWithWitness(createAuditLookup(db, chain), heads);
      if (comparison.outcome === "AGREES")
        say(`witness agrees: ${comparison.checked} checkpoint(s) of ${comune}/${workstation} match the log`);
      else if (comparison.outcome === "UNAVAILABLE")
        say(`witness: nothing to compare for ${comune}/${workstation}: ${comparison.reason}`);
      else {
        say(
          `witness DISAGREES at checkpoint #${comparison.first?.sequence} (row ${comparison.first?.lastId}): ${comparison.reason}`,
        );
        code = 1;
      }
      if (comparison.restoreGap) say(`witness: ${comparison.restoreGap}`);
    }
    return code;
  } finally {
    db.close();
  }
}

const home = positionals[0] ?? process.env.ANPR_HOME ?? "/anpr_home";
try {
  process.exitCode = values.export ? verifyExport(values.export) : await verifyHome(home);
} catch (err) {
  if (values.export && isDomainError(err) && err.kind === "forbidden") {
    say(`export NOT intact: ${message(err)}`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`audit-verify: cannot check ${values.export ?? home}: ${message(err)}\n`);
    process.exitCode = 2;
  }
}
