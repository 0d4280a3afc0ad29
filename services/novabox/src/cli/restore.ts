/**
 * Restores a Novabox from an online backup, with the box stopped:
 * `node --import tsx services/novabox/src/cli/restore.ts <BACKUP.db> <ANPR_HOME> [--replace]`
 * (npm run restore -- …). Put the box's secret key in place first (ANPR_HOME/secret.key, mode 0600,
 * or NOVABOX_SECRET_KEY). With NOVABOX_MESH_TLS_DIR set, the backup's checkpoint file must carry a
 * signature by a mesh certificate. Appends a RESTORE row naming the backup's checkpoint; the box,
 * started again, continues with ANPR operation ids above every id it ever sent (clock floor) and the
 * Novares witness shows the rows lost since the backup as a gap. Exit status 0 restored, 2 refused.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseCommandLine } from "#shared/runtime/cli.js";
import { isDomainError } from "#shared/runtime/domain-error.js";
import { restoreDatabase } from "../store/backup.js";
import { decodeSecretKey } from "../store/secret-box.js";

const usage = `usage: npm run restore -- BACKUP.db ANPR_HOME [--replace]   (node --import tsx services/novabox/src/cli/restore.ts ...)

Restores a Novabox from an online backup, with the box stopped. Put the box's secret key in place
first (ANPR_HOME/secret.key, mode 0600, or NOVABOX_SECRET_KEY). With NOVABOX_MESH_TLS_DIR set, the
backup's checkpoint file must be signed by a mesh certificate. Appends a RESTORE row naming the
backup's checkpoint, so the Novares witness shows the rows lost since the backup as a gap.

  --replace   an existing ANPR_HOME/novabox.db is kept beside it and replaced (else refused)

Exit status: 0 restored, 2 refused or usage error.
`;
const { values, positionals } = parseCommandLine(process.argv.slice(2), {
  usage,
  maxPositionals: 2,
  options: { replace: { type: "boolean" } },
});
const replace = values.replace === true;
const [backupFile, home] = positionals;
if (!backupFile || !home) {
  process.stderr.write(`error: give BACKUP.db and ANPR_HOME\n${usage}`);
  process.exit(2);
}
try {
  const tlsDir = process.env.NOVABOX_MESH_TLS_DIR;
  const result = restoreDatabase({
    backupFile,
    home,
    replace,
    ...(process.env.NOVABOX_SECRET_KEY ? { secretKey: decodeSecretKey(process.env.NOVABOX_SECRET_KEY) } : {}),
    ...(tlsDir ? { caPem: readFileSync(join(tlsDir, "ca.pem"), "utf8") } : {}),
  });
  process.stdout.write(
    `restored ${backupFile} into ${home}: audit log through row ${result.head.lastId}, RESTORE recorded as row ${result.restoreEntryId}` +
      `${result.replaced ? `; the previous database is kept as ${result.replaced}` : ""}\n`,
  );
} catch (err) {
  process.stderr.write(`restore refused: ${isDomainError(err) || err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 2;
}
