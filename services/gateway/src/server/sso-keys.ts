/**
 * Key material for SSO verification: the development key pair (created once in GATEWAY_SSO_DIR,
 * private key 0600, written atomically so a crash never leaves half a key) and the production
 * issuer's public key file.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { chmod, mkdir, readFile, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { DomainError } from "#shared/runtime/domain-error.js";
import { writeAtomic } from "#shared/runtime/write-atomic.js";

/** The development SSO's signing key and its public half. */
export interface DevSsoKeyPair {
  privateKey: KeyObject;
  /** SPKI PEM. */
  publicKeyPem: string;
  /** True when this call created the pair. */
  created: boolean;
}

/** File names inside the development SSO folder. */
export const devSsoFiles = { privateKey: "sso-private-key.pem", publicKey: "sso-public-key.pem" } as const;

/**
 * Loads the RSA-2048 development key pair from `dir`, creating it on first use. A private key file
 * readable by group or others is tightened to 0600. The public key is always derived from the
 * private one, so the two can never disagree.
 */
export async function ensureDevSsoKeyPair(dir: string): Promise<DevSsoKeyPair> {
  const root = resolve(dir);
  await mkdir(root, { recursive: true, mode: 0o700 });
  const privateFile = join(root, devSsoFiles.privateKey);
  const publicFile = join(root, devSsoFiles.publicKey);
  let privateKey: KeyObject | undefined;
  let created = false;
  try {
    privateKey = createPrivateKey(await readFile(privateFile));
    if (privateKey.asymmetricKeyType !== "rsa") privateKey = undefined;
    else if (((await stat(privateFile)).mode & 0o077) !== 0) await chmod(privateFile, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new DomainError(
        "precondition-failed",
        `${privateFile} is not a readable private key: remove it to let the gateway create a new development key`,
        {
          reason: "DEV_SSO_KEY_UNREADABLE",
          cause: err,
        },
      );
    }
  }
  if (!privateKey) {
    privateKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    await writeAtomic(privateFile, privateKey.export({ type: "pkcs8", format: "pem" }).toString(), 0o600);
    created = true;
  }
  const publicKeyPem = createPublicKey(privateKey).export({ type: "spki", format: "pem" }).toString();
  const existing = await readFile(publicFile, "utf8").catch(() => "");
  if (existing !== publicKeyPem) await writeAtomic(publicFile, publicKeyPem, 0o644);
  return { privateKey, publicKeyPem, created };
}

/** Reads the production SSO issuer's public key (PEM) from `file`. */
export async function readSsoPublicKey(file: string): Promise<string> {
  try {
    const pem = await readFile(file, "utf8");
    createPublicKey(pem);
    return pem;
  } catch (err) {
    throw new DomainError(
      "precondition-failed",
      `GATEWAY_SSO_PUBLIC_KEY_FILE ${file} is not a readable PEM public key`,
      { reason: "SSO_KEY_UNREADABLE", cause: err },
    );
  }
}
