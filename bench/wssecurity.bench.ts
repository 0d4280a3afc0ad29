/**
 * WS-Security cost per ANPR request, on demand (`npm run bench`): signing an envelope the way the
 * Novabox does and verifying it the way the simulator does, against a baseline measured in the same
 * run: one bare RSA-SHA256 signature of the same envelope bytes with node:crypto. Target (issue
 * "ANPR client"): keys parsed once, so secure() stays within a small multiple of the bare signature.
 */
import { createSign } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureDevPki } from "#shared/dev-pki/anpr-dev-pki.js";
import { loadWorkstationCredentials } from "#shared/anpr/pki.js";
import { signIdPostazione } from "#shared/anpr/cms.js";
import { createWsSecuritySigner, createWsSecurityVerifier } from "#shared/anpr/wssecurity.js";
import { anprSpecDir } from "#shared/anpr/xsd.js";

const rounds = Number(process.env.BENCH_ROUNDS ?? 300);

function measure(name: string, fn: () => unknown): number {
  for (let i = 0; i < Math.min(20, rounds); i++) fn();
  const start = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) fn();
  const perCall = Number(process.hrtime.bigint() - start) / 1e6 / rounds;
  console.log(`${name.padEnd(36)} ${perCall.toFixed(3)} ms/call`);
  return perCall;
}

const dir = mkdtempSync(join(tmpdir(), "bench-wss-"));
try {
  const manifest = await ensureDevPki(join(dir, "pki"));
  const w = manifest.workstations[0]!;
  const credentials = loadWorkstationCredentials(readFileSync(w.pkcs12File), readFileSync(w.pinFile, "utf8").trim());
  const signer = createWsSecuritySigner({
    credentials,
    operatorId: w.operatorId,
    sedeId: w.sedeId,
    postazioneId: w.postazioneId,
    applicationId: w.applicationId,
    idPostazioneFirmato: signIdPostazione(credentials, w.postazioneId),
  });
  const verifier = createWsSecurityVerifier({
    trustedCaPem: [readFileSync(manifest.workstationCa.certificateFile, "utf8")],
  });
  const body = readFileSync(new URL("anpr-client-example/6001_888013_FREE.req", anprSpecDir), "utf8").replace(
    /^<\?xml[^>]*>\s*/,
    "",
  );
  const envelope = `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>${body}</soap:Body></soap:Envelope>`;
  const signed = signer.secure(envelope);

  const baseline = measure("baseline: RSA-SHA256 sign (node)", () =>
    createSign("RSA-SHA256").update(envelope).sign(credentials.privateKey),
  );
  const secure = measure("secure() (SAML + BST + signature)", () => signer.secure(envelope));
  const verify = measure("verify() (simulator side)", () => verifier.verify(signed));
  console.log(
    `\nratios vs baseline: secure ${(secure / baseline).toFixed(1)}x, verify ${(verify / baseline).toFixed(1)}x (${signed.length} byte envelope, ${rounds} rounds)`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
