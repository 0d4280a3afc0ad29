/**
 * The development PKI of the mesh, on disk: the ANPR simulator's CA and HTTPS certificate, the CA
 * that issues workstation certificates (the simulator trusts it to authenticate Novaboxes), and one
 * workstation PKCS#12 with its PIN per demo Comune. `ensureDevPki` creates what is missing and keeps
 * what is there, so `npm start`, the tests and `scripts/pki-dev.ts` can all call it; a lock
 * directory serializes concurrent callers and every file is written atomically.
 *
 * Never for production: CA keys lie unencrypted next to the certificates (mode 0600).
 */
import { randomInt } from "node:crypto";
import { constants } from "node:fs";
import { access, mkdir, readFile, rm, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { DomainError } from "#shared/runtime/domain-error.js";
import {
  createCertificateAuthority,
  describeCertificate,
  issueServerCertificate,
  issueWorkstationCertificate,
  loadCertificateAuthority,
  loadWorkstationCredentials,
  verifyCertificateChain,
  type DevCertificateAuthority,
} from "../anpr/pki.js";
import { writeAtomic } from "../runtime/write-atomic.js";

/** A demo Comune the development PKI issues a workstation for. */
export interface DevPkiComune {
  /** ISTAT code, six digits. */
  comuneCode: string;
  /** Display name. */
  name: string;
}

/** The demo Comuni: Trento and Rovereto. */
export const devPkiComuni: readonly DevPkiComune[] = [
  { comuneCode: "022205", name: "Trento" },
  { comuneCode: "022161", name: "Rovereto" },
];

/** One demo workstation in the manifest (no secret: the PIN is only in `pinFile`). */
export interface DevPkiWorkstation {
  comuneCode: string;
  comuneName: string;
  /** SAML IdPostazione and certificate CN, e.g. `POST-022205-01`. */
  postazioneId: string;
  /** SAML Issuer/NameID. */
  operatorId: string;
  /** SAML IdSede (the ISTAT code, as ANPR checks it against codMittente). */
  sedeId: string;
  /** SAML IdApplicazione. */
  applicationId: string;
  /** The PKCS#12 file. */
  pkcs12File: string;
  /** The file holding the PKCS#12 PIN (mode 0600). */
  pinFile: string;
  /** SHA-256 fingerprint of the workstation certificate. */
  certificateFingerprintSha256: string;
}

/**
 * What the development PKI folder contains. In `manifest.json` the file fields are relative to the
 * folder; {@link ensureDevPki} and {@link readDevPkiManifest} return them as absolute paths.
 */
export interface DevPkiManifest {
  version: 1;
  /** The folder (absolute in returned values, "." on disk). */
  dir: string;
  simulator: {
    /** CA of the simulator's HTTPS certificate: the Novabox's "CA certificate" for ANPR TLS. */
    caCertificateFile: string;
    caKeyFile: string;
    /** HTTPS certificate (chain: certificate then CA) and key for localhost / 127.0.0.1. */
    tlsCertificateFile: string;
    tlsKeyFile: string;
    hostnames: string[];
  };
  workstationCa: {
    /** CA the simulator trusts for workstation (WS-Security) certificates. */
    certificateFile: string;
    keyFile: string;
  };
  workstations: DevPkiWorkstation[];
}

/** Options for {@link ensureDevPki}. */
export interface EnsureDevPkiOptions {
  /** Recreate every file, even valid ones. */
  force?: boolean;
  /** Told about each file written or kept (for the CLI's output). */
  onFile?: (file: string, action: "created" | "kept") => void;
}

const files = {
  simCa: "anpr-sim-ca.pem",
  simCaKey: "anpr-sim-ca.key",
  tls: "anpr-sim-tls.pem",
  tlsKey: "anpr-sim-tls.key",
  wsCa: "workstation-ca.pem",
  wsCaKey: "workstation-ca.key",
  manifest: "manifest.json",
} as const;

const hostnames = ["localhost", "127.0.0.1", "::1"];
/** Certificates are renewed when they would expire within this margin. */
const renewMarginMs = 7 * 86_400_000;

/**
 * Makes sure `outDir` holds a complete, consistent development PKI and returns its manifest (with
 * absolute paths). Existing files are kept when they are still valid (certificate not expiring
 * within a week, issued by the current CA, PKCS#12 opening with its PIN); anything missing,
 * invalid, or depending on a recreated CA is (re)created; `force` recreates everything.
 */
export async function ensureDevPki(outDir: string, options: EnsureDevPkiOptions = {}): Promise<DevPkiManifest> {
  const dir = resolve(outDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return withLock(join(dir, ".lock"), () => build(dir, options));
}

/** Reads `manifest.json` from `dir` and resolves its paths. Throws when the folder has no manifest. */
export async function readDevPkiManifest(dir: string): Promise<DevPkiManifest> {
  const absolute = resolve(dir);
  const stored = JSON.parse(await readFile(join(absolute, files.manifest), "utf8")) as DevPkiManifest;
  return withPaths(stored, absolute, (file) => join(absolute, file));
}

async function build(dir: string, options: EnsureDevPkiOptions): Promise<DevPkiManifest> {
  const force = options.force ?? false;
  const report = (file: string, action: "created" | "kept") => options.onFile?.(join(dir, file), action);
  const now = new Date();

  const simCa = await ensureCa(
    dir,
    files.simCa,
    files.simCaKey,
    "Novabox ANPR simulator CA (development)",
    force,
    report,
  );
  const tlsValid =
    !force &&
    !simCa.created &&
    (await exists(join(dir, files.tlsKey))) &&
    (await certificateStillGood(join(dir, files.tls), simCa.ca, now));
  if (tlsValid) {
    report(files.tls, "kept");
    report(files.tlsKey, "kept");
  } else {
    const tls = issueServerCertificate(simCa.ca, {
      commonName: "localhost",
      dnsNames: ["localhost"],
      ipAddresses: ["127.0.0.1", "::1"],
      validDays: 825,
    });
    await writeAtomic(join(dir, files.tlsKey), tls.privateKeyPem, 0o600);
    await writeAtomic(join(dir, files.tls), tls.certificatePem + simCa.ca.certificatePem, 0o644);
    report(files.tlsKey, "created");
    report(files.tls, "created");
  }

  const wsCa = await ensureCa(dir, files.wsCa, files.wsCaKey, "Novabox workstation CA (development)", force, report);
  const workstations: DevPkiWorkstation[] = [];
  for (const comune of devPkiComuni) {
    const postazioneId = `POST-${comune.comuneCode}-01`;
    const pkcs12File = `workstation-${comune.comuneCode}.p12`;
    const pinFile = `workstation-${comune.comuneCode}.pin`;
    let fingerprint =
      !force && !wsCa.created
        ? await workstationStillGood(join(dir, pkcs12File), join(dir, pinFile), wsCa.ca, now)
        : undefined;
    if (fingerprint) {
      report(pkcs12File, "kept");
      report(pinFile, "kept");
    } else {
      const pin = String(randomInt(0, 100_000_000)).padStart(8, "0");
      const issued = issueWorkstationCertificate(wsCa.ca, {
        comuneCode: comune.comuneCode,
        postazioneId,
        validDays: 825,
      });
      await writeAtomic(join(dir, pinFile), `${pin}\n`, 0o600);
      await writeAtomic(join(dir, pkcs12File), issued.toPkcs12(pin), 0o600);
      fingerprint = describeCertificate(issued.certificatePem).fingerprintSha256;
      report(pinFile, "created");
      report(pkcs12File, "created");
    }
    workstations.push({
      comuneCode: comune.comuneCode,
      comuneName: comune.name,
      postazioneId,
      operatorId: `OPERATORE-${comune.comuneCode}`,
      sedeId: comune.comuneCode,
      applicationId: "NOVABOX",
      pkcs12File,
      pinFile,
      certificateFingerprintSha256: fingerprint,
    });
  }

  const stored: DevPkiManifest = {
    version: 1,
    dir: ".",
    simulator: {
      caCertificateFile: files.simCa,
      caKeyFile: files.simCaKey,
      tlsCertificateFile: files.tls,
      tlsKeyFile: files.tlsKey,
      hostnames,
    },
    workstationCa: { certificateFile: files.wsCa, keyFile: files.wsCaKey },
    workstations,
  };
  const text = `${JSON.stringify(stored, null, 2)}\n`;
  const previous = await readFile(join(dir, files.manifest), "utf8").catch(() => undefined);
  if (previous !== text) {
    await writeAtomic(join(dir, files.manifest), text, 0o644);
    report(files.manifest, "created");
  } else {
    report(files.manifest, "kept");
  }
  return withPaths(stored, dir, (file) => join(dir, file));
}

async function ensureCa(
  dir: string,
  certFile: string,
  keyFile: string,
  commonName: string,
  force: boolean,
  report: (file: string, action: "created" | "kept") => void,
): Promise<{ ca: DevCertificateAuthority; created: boolean }> {
  if (!force) {
    try {
      const ca = loadCertificateAuthority(
        await readFile(join(dir, certFile), "utf8"),
        await readFile(join(dir, keyFile), "utf8"),
      );
      if (describeCertificate(ca.certificatePem).notAfter.getTime() - Date.now() > renewMarginMs) {
        report(certFile, "kept");
        report(keyFile, "kept");
        return { ca, created: false };
      }
    } catch {
      // missing, unreadable or mismatched: recreate below
    }
  }
  const ca = createCertificateAuthority({ commonName, validDays: 3650 });
  await writeAtomic(join(dir, keyFile), ca.privateKeyPem, 0o600);
  await writeAtomic(join(dir, certFile), ca.certificatePem, 0o644);
  report(keyFile, "created");
  report(certFile, "created");
  return { ca, created: true };
}

async function certificateStillGood(file: string, ca: DevCertificateAuthority, now: Date): Promise<boolean> {
  try {
    const pem = await readFile(file, "utf8");
    const info = describeCertificate(pem);
    return (
      info.notAfter.getTime() - now.getTime() > renewMarginMs &&
      verifyCertificateChain(info.pem, [ca.certificatePem], now)
    );
  } catch {
    return false;
  }
}

async function workstationStillGood(
  p12File: string,
  pinFile: string,
  ca: DevCertificateAuthority,
  now: Date,
): Promise<string | undefined> {
  try {
    const pin = (await readFile(pinFile, "utf8")).trim();
    const credentials = loadWorkstationCredentials(await readFile(p12File), pin, {
      now,
      trustedCaPem: [ca.certificatePem],
    });
    return credentials.notAfter.getTime() - now.getTime() > renewMarginMs ? credentials.fingerprintSha256 : undefined;
  } catch {
    return undefined;
  }
}

function withPaths(manifest: DevPkiManifest, dir: string, path: (file: string) => string): DevPkiManifest {
  return {
    version: manifest.version,
    dir,
    simulator: {
      ...manifest.simulator,
      caCertificateFile: path(manifest.simulator.caCertificateFile),
      caKeyFile: path(manifest.simulator.caKeyFile),
      tlsCertificateFile: path(manifest.simulator.tlsCertificateFile),
      tlsKeyFile: path(manifest.simulator.tlsKeyFile),
    },
    workstationCa: {
      certificateFile: path(manifest.workstationCa.certificateFile),
      keyFile: path(manifest.workstationCa.keyFile),
    },
    workstations: manifest.workstations.map((w) => ({
      ...w,
      pkcs12File: path(w.pkcs12File),
      pinFile: path(w.pinFile),
    })),
  };
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** Runs `fn` holding a lock directory; a lock older than a minute is taken to be left by a crash. */
async function withLock<T>(lockDir: string, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await mkdir(lockDir);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const age = await stat(lockDir).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > 60_000) {
        await rm(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new DomainError(
          "unavailable",
          `the development PKI in ${dirname(lockDir)} is locked by another process`,
          { reason: "DEV_PKI_LOCKED" },
        );
      }
      await sleep(50);
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}
