/**
 * Verifies the Novabox audit chain offline:
 * `node --import tsx services/novabox/src/cli/audit-verify.ts [ANPR_HOME]` (default: $ANPR_HOME,
 * then /anpr_home). Opens the database read-only and needs no secret key, so an auditor can run it
 * on a copy. Exit status: 0 intact, 1 broken (the first broken row is named), 2 could not check.
 */
import { parseCommandLine } from "#shared/cli.js";
import { isDomainError } from "#shared/domain-error.js";
import { openDatabaseReadOnly } from "../store/database.js";
import { verifyAuditChain } from "../store/audit-log.js";

const usage = `usage: npm run audit:verify -- [ANPR_HOME]   (node --import tsx services/novabox/src/cli/audit-verify.ts [ANPR_HOME])

Checks the hash chain of a Novabox's audit log, read-only and without the secret key (an auditor
can run it on a copy). ANPR_HOME defaults to $ANPR_HOME, then /anpr_home.

Exit status: 0 intact, 1 broken (the first broken row is named), 2 could not check or usage error.
`;
const { positionals } = parseCommandLine(process.argv.slice(2), { usage, maxPositionals: 1 });
const home = positionals[0] ?? process.env.ANPR_HOME ?? "/anpr_home";

try {
  const db = openDatabaseReadOnly(home);
  try {
    const result = verifyAuditChain(db);
    if (result.ok) {
      process.stdout.write(`audit log intact: ${result.rowsChecked} rows checked, head hash ${result.headHash}\n`);
      process.exitCode = 0;
    } else {
      process.stdout.write(
        `audit log BROKEN at row ${result.firstBrokenId} (${result.failure}): ${result.reason}\n` +
          `${result.rowsChecked} rows verified before it; last verified hash ${result.headHash}\n`,
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
