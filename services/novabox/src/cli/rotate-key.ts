/**
 * Re-encrypts every Novabox secret under a new key, in one transaction (stop the box first):
 * `node --import tsx services/novabox/src/cli/rotate-key.ts [ANPR_HOME]` (default: $ANPR_HOME,
 * then /anpr_home).
 *
 * - Env mode (`NOVABOX_SECRET_KEY` set: the current key): the new key must be given in
 *   `NOVABOX_NEW_SECRET_KEY` (`openssl rand -base64 32`); afterwards set `NOVABOX_SECRET_KEY` to it.
 * - Key-file mode (no `NOVABOX_SECRET_KEY`): the current key is `ANPR_HOME/secret.key`; the new one
 *   is `NOVABOX_NEW_SECRET_KEY` or a fresh random key, and replaces the key file (0600).
 *
 * Never prints a key. Exit status: 0 rotated, 1 refused or failed (nothing changed).
 */
import { parseCommandLine } from "#shared/runtime/cli.js";
import { isDomainError } from "#shared/runtime/domain-error.js";
import {
  decodeSecretKey,
  generateSecretKey,
  readSecretKeyFile,
  rotateSecretKey,
  secretKeyFilePath,
} from "../store/secret-box.js";

const usage = `usage: node --import tsx services/novabox/src/cli/rotate-key.ts [ANPR_HOME]

Re-encrypts every Novabox secret under a new key, in one transaction (stop the box first).
ANPR_HOME defaults to $ANPR_HOME, then /anpr_home.
  - NOVABOX_SECRET_KEY set (the current key): give the new one in NOVABOX_NEW_SECRET_KEY
    (openssl rand -base64 32), then set NOVABOX_SECRET_KEY to it.
  - otherwise the current key is ANPR_HOME/secret.key; the new one is NOVABOX_NEW_SECRET_KEY or a
    fresh random key, and replaces the key file (0600).

Never prints a key. Exit status: 0 rotated, 1 refused or failed (nothing changed), 2 usage error.
`;
const { positionals } = parseCommandLine(process.argv.slice(2), { usage, maxPositionals: 1 });
const home = positionals[0] ?? process.env.ANPR_HOME ?? "/anpr_home";
const currentFromEnv = process.env.NOVABOX_SECRET_KEY;
const newFromEnv = process.env.NOVABOX_NEW_SECRET_KEY;

try {
  const keyFileMode = currentFromEnv === undefined || currentFromEnv === "";
  const oldKey = keyFileMode
    ? readSecretKeyFile(secretKeyFilePath(home))
    : decodeSecretKey(currentFromEnv, "NOVABOX_SECRET_KEY");
  let newKey: Uint8Array;
  if (newFromEnv !== undefined && newFromEnv !== "") newKey = decodeSecretKey(newFromEnv, "NOVABOX_NEW_SECRET_KEY");
  else if (keyFileMode) newKey = generateSecretKey();
  else
    throw new Error(
      "NOVABOX_SECRET_KEY is set (env mode): give the new key in NOVABOX_NEW_SECRET_KEY (e.g. `openssl rand -base64 32`)",
    );
  const result = rotateSecretKey(home, oldKey, newKey, { replaceKeyFile: keyFileMode });
  process.stdout.write(
    `re-encrypted ${result.secretsReencrypted} secrets in ${home}; ` +
      (result.keyFile === undefined
        ? "now set NOVABOX_SECRET_KEY to the value of NOVABOX_NEW_SECRET_KEY\n"
        : `the new key is in ${result.keyFile}\n`),
  );
  process.exitCode = 0;
} catch (err) {
  process.stderr.write(`rotate-key: ${isDomainError(err) || err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
