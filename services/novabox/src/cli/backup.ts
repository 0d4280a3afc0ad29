/**
 * Online backup of a Novabox, while it keeps serving:
 * `node --import tsx services/novabox/src/cli/backup.ts <ANPR_HOME> <DESTINATION_DIR>` (npm run
 * backup -- …). Writes `novabox-<comune>-<time>.db` (secrets still encrypted) and
 * `<that>.checkpoint.json` (its audit head, signed with the box's mesh key when NOVABOX_MESH_TLS_DIR
 * and NOVABOX_MESH_ROLE are set). The secret key is taken like the box takes it
 * (NOVABOX_SECRET_KEY, else ANPR_HOME/secret.key) — and is NOT in the copy: back it up separately.
 * Exit status 0 written, 2 failed. See store/backup.ts.
 */
import { parseCommandLine } from "#shared/runtime/cli.js";
import { isDomainError } from "#shared/runtime/domain-error.js";
import { loadMeshSigningIdentity } from "#shared/mesh/audit-checkpoint.js";
import { backupDatabase } from "../store/backup.js";
import { decodeSecretKey } from "../store/secret-box.js";

const usage = `usage: npm run backup -- ANPR_HOME DESTINATION_DIR   (node --import tsx services/novabox/src/cli/backup.ts ...)

Takes an online backup of a Novabox while it keeps serving (SQLite's backup API, one consistent
copy): DESTINATION_DIR/novabox-<comune>-<time>.db with the secrets still encrypted, and
<that>.checkpoint.json, the audit head at the copy, signed with the box's mesh key when
NOVABOX_MESH_TLS_DIR and NOVABOX_MESH_ROLE are set. The secret key (NOVABOX_SECRET_KEY, else
ANPR_HOME/secret.key) is NOT in the copy: keep it apart from the backup.

Exit status: 0 written, 2 failed or usage error.
`;
const { positionals } = parseCommandLine(process.argv.slice(2), { usage, maxPositionals: 2 });
const [home, destination] = positionals;
if (!home || !destination) {
  process.stderr.write(`error: give ANPR_HOME and DESTINATION_DIR\n${usage}`);
  process.exit(2);
}
try {
  const tlsDir = process.env.NOVABOX_MESH_TLS_DIR;
  const role = process.env.NOVABOX_MESH_ROLE;
  const result = await backupDatabase({
    home,
    destinationDir: destination,
    ...(process.env.NOVABOX_SECRET_KEY ? { secretKey: decodeSecretKey(process.env.NOVABOX_SECRET_KEY) } : {}),
    ...(tlsDir && role ? { identity: loadMeshSigningIdentity(tlsDir, role) } : {}),
  });
  process.stdout.write(
    `backup written: ${result.file} (audit log through row ${result.head.lastId}, ${result.head.rowCount} rows, head hash ${result.head.headHash})\n` +
      `checkpoint: ${result.checkpointFile}${tlsDir && role ? " (signed)" : " (unsigned: set NOVABOX_MESH_TLS_DIR and NOVABOX_MESH_ROLE to sign it)"}\n` +
      `the secret key is not in the backup: keep a copy of it apart from the backup\n`,
  );
} catch (err) {
  process.stderr.write(`backup failed: ${isDomainError(err) || err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 2;
}
