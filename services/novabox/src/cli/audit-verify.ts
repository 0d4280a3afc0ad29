/**
 * Verifies the Novabox audit chain offline:
 * `node --import tsx services/novabox/src/cli/audit-verify.ts [ANPR_HOME]` (default: $ANPR_HOME,
 * then /anpr_home). Opens the database read-only. The rows' HMACs (novabox-audit-v2) are checked
 * with the box's secret key, taken like the box takes it (`NOVABOX_SECRET_KEY`, else
 * `ANPR_HOME/secret.key`); without a key only the links between rows are checked, and it says so.
 * Exit status: 0 intact, 1 broken (the first broken row is named), 2 could not check.
 */
import { parseCommandLine } from "#shared/cli.js";
import { isDomainError } from "#shared/domain-error.js";
import { existsSync } from "node:fs";
import { openDatabaseReadOnly } from "../store/database.js";
import { verifyAuditChain, type AuditChainKey } from "../store/audit-log.js";
import { readAuditChainKey } from "../store/audit-chain.js";
import { createSecretBox, decodeSecretKey, readSecretKeyFile, secretKeyFilePath } from "../store/secret-box.js";
import type { SqliteDatabase } from "../store/database.js";

const usage = `usage: npm run audit:verify -- [ANPR_HOME]   (node --import tsx services/novabox/src/cli/audit-verify.ts [ANPR_HOME])

Checks the hash chain of a Novabox's audit log, read-only and without the secret key (an auditor
can run it on a copy). ANPR_HOME defaults to $ANPR_HOME, then /anpr_home.

Exit status: 0 intact, 1 broken (the first broken row is named), 2 could not check or usage error.
`;
const { positionals } = parseCommandLine(process.argv.slice(2), { usage, maxPositionals: 1 });
const home = positionals[0] ?? process.env.ANPR_HOME ?? "/anpr_home";

/** The chain key, when the secret key is at hand. */
function chainKey(db: SqliteDatabase): AuditChainKey | undefined {
  const envKey = process.env.NOVABOX_SECRET_KEY;
  const keyFile = secretKeyFilePath(home);
  const key = envKey ? decodeSecretKey(envKey) : existsSync(keyFile) ? readSecretKeyFile(keyFile) : undefined;
  if (key === undefined) return undefined;
  return readAuditChainKey(db, createSecretBox(key, envKey ? "NOVABOX_SECRET_KEY" : keyFile));
}

try {
  const db = openDatabaseReadOnly(home);
  try {
    const chain = chainKey(db);
    const result = verifyAuditChain(db, chain);
    const keyNote = chain === undefined ? " (no secret key: HMACs NOT checked, only the links between rows)" : "";
    if (result.ok) {
      process.stdout.write(`audit log intact: ${result.rowsChecked} rows checked, head hash ${result.headHash}${keyNote}\n`);
      process.exitCode = 0;
    } else {
      process.stdout.write(
        `audit log BROKEN at row ${result.firstBrokenId} (${result.failure}): ${result.reason}\n` +
          `${result.rowsChecked} rows verified before it; last verified hash ${result.headHash}${keyNote}\n`,
      );
      process.exitCode = 1;
    }
  } finally {
    db.close();
  }
} catch (err) {
  process.stderr.write(`audit-verify: cannot check ${home}: ${isDomainError(err) || err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 2;
}
