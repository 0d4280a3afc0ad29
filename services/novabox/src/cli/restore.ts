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
import { isDomainError } from "#shared/domain-error.js";
import { restoreDatabase } from "../store/backup.js";
import { decodeSecretKey } from "../store/secret-box.js";

const args = process.argv.slice(2);
const replace = args.includes("--replace");
const [backupFile, home] = args.filter((a) => a !== "--replace");
if (!backupFile || !home) {
  process.stderr.write("usage: restore <BACKUP.db> <ANPR_HOME> [--replace]\n");
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
