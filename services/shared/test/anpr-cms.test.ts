import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDomainError } from "../src/runtime/domain-error.js";
import { IdPostazioneFirmatoError, signIdPostazione, verifyIdPostazioneFirmato } from "../src/anpr/cms.js";
import {
  createCertificateAuthority,
  issueWorkstationCertificate,
  loadWorkstationCredentials,
  type DevCertificateAuthority,
  type IssuedWorkstationCertificate,
  type WorkstationCredentials,
} from "../src/anpr/pki.js";
import { requireTool } from "../../../test/support/tools.js";

function errorOf(fn: () => unknown): IdPostazioneFirmatoError {
  try {
    fn();
  } catch (err) {
    if (isDomainError(err)) return err as IdPostazioneFirmatoError;
    throw err;
  }
  throw new Error("expected an error");
}

describe("IdPostazioneFirmato (CMS SignedData)", () => {
  let openssl: string;
  let dir: string;
  let ca: DevCertificateAuthority;
  let issued: IssuedWorkstationCertificate;
  let credentials: WorkstationCredentials;
  let other: WorkstationCredentials;
  const postazioneId = "POST-022205-01";

  const file = (name: string, content: string | Uint8Array) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  beforeAll(() => {
    openssl = requireTool("openssl");
    dir = mkdtempSync(join(tmpdir(), "anpr-cms-"));
    ca = createCertificateAuthority({ commonName: "CMS test CA", validDays: 30 });
    issued = issueWorkstationCertificate(ca, { comuneCode: "022205", postazioneId, validDays: 10 });
    credentials = loadWorkstationCredentials(issued.toPkcs12("1234"), "1234");
    const otherIssued = issueWorkstationCertificate(ca, {
      comuneCode: "022161",
      postazioneId: "POST-022161-01",
      validDays: 10,
    });
    other = loadWorkstationCredentials(otherIssued.toPkcs12("1234"), "1234");
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("is verified by openssl cms, which prints the workstation id", () => {
    const der = file("id.der", Buffer.from(signIdPostazione(credentials, postazioneId), "base64"));
    expect(
      execFileSync(openssl, ["cms", "-verify", "-inform", "DER", "-noverify", "-in", der], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      }),
    ).toBe(postazioneId);
    const chained = execFileSync(
      openssl,
      ["cms", "-verify", "-inform", "DER", "-CAfile", file("ca.pem", ca.certificatePem), "-in", der],
      { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
    );
    expect(chained).toBe(postazioneId);
    const printed = execFileSync(openssl, ["cms", "-cmsout", "-print", "-inform", "DER", "-in", der], {
      encoding: "utf8",
    });
    expect(printed).toContain("sha256");
    expect(printed).toContain("pkcs7-data");
  });

  it("verifies its own output and names the signer", () => {
    const signed = signIdPostazione(credentials, postazioneId);
    const verified = verifyIdPostazioneFirmato(signed);
    expect(verified).toEqual({ content: postazioneId, signerCertificatePem: credentials.certificatePem });
    expect(verifyIdPostazioneFirmato(signed, credentials.certificatePem).content).toBe(postazioneId);
  });

  it("refuses a signature by another certificate than the expected one", () => {
    const signed = signIdPostazione(other, "POST-022161-01");
    const err = errorOf(() => verifyIdPostazioneFirmato(signed, credentials.certificatePem));
    expect(err).toBeInstanceOf(IdPostazioneFirmatoError);
    expect(err).toMatchObject({ kind: "unauthenticated", reason: "ID_POSTAZIONE_FIRMATO_INVALID" });
  });

  it("refuses tampered content, as openssl does", () => {
    const der = Buffer.from(signIdPostazione(credentials, postazioneId), "base64");
    const at = der.indexOf(Buffer.from(postazioneId));
    expect(at).toBeGreaterThan(0);
    der[at + postazioneId.length - 1] = "2".charCodeAt(0);
    expect(errorOf(() => verifyIdPostazioneFirmato(der.toString("base64")))).toMatchObject({
      reason: "ID_POSTAZIONE_FIRMATO_INVALID",
    });
    const result = spawnSync(
      openssl,
      ["cms", "-verify", "-inform", "DER", "-noverify", "-in", file("tampered.der", der)],
      { encoding: "utf8" },
    );
    expect(result.status).not.toBe(0);
  });

  it("refuses a tampered signature value and garbage", () => {
    const der = Buffer.from(signIdPostazione(credentials, postazioneId), "base64");
    der[der.length - 5] = der[der.length - 5]! ^ 0xff;
    expect(errorOf(() => verifyIdPostazioneFirmato(der.toString("base64")))).toMatchObject({
      reason: "ID_POSTAZIONE_FIRMATO_INVALID",
    });
    expect(errorOf(() => verifyIdPostazioneFirmato("not base64 at all!"))).toMatchObject({
      reason: "ID_POSTAZIONE_FIRMATO_INVALID",
    });
    expect(errorOf(() => verifyIdPostazioneFirmato(Buffer.from("hello").toString("base64")))).toMatchObject({
      reason: "ID_POSTAZIONE_FIRMATO_INVALID",
    });
    expect(errorOf(() => verifyIdPostazioneFirmato(""))).toMatchObject({ reason: "ID_POSTAZIONE_FIRMATO_INVALID" });
  });

  it("verifies CMS made by openssl cms -sign (issuer+serial and subject key id signers)", () => {
    const content = file("id.txt", postazioneId);
    const signer = file("signer.pem", issued.certificatePem);
    const key = file("signer.key", issued.privateKeyPem);
    for (const extra of [[], ["-keyid"]]) {
      const out = join(dir, `openssl-${extra.length}.der`);
      execFileSync(openssl, [
        "cms",
        "-sign",
        "-nodetach",
        "-binary",
        "-md",
        "sha256",
        "-signer",
        signer,
        "-inkey",
        key,
        "-in",
        content,
        "-outform",
        "DER",
        "-out",
        out,
        ...extra,
      ]);
      const verified = verifyIdPostazioneFirmato(readFileSync(out).toString("base64"), credentials.certificatePem);
      expect(verified.content).toBe(postazioneId);
    }
  });

  it("refuses a detached openssl signature (IdPostazioneFirmato must carry its content)", () => {
    const out = join(dir, "detached.der");
    execFileSync(openssl, [
      "cms",
      "-sign",
      "-binary",
      "-md",
      "sha256",
      "-signer",
      file("s.pem", issued.certificatePem),
      "-inkey",
      file("s.key", issued.privateKeyPem),
      "-in",
      file("c.txt", postazioneId),
      "-outform",
      "DER",
      "-out",
      out,
    ]);
    expect(errorOf(() => verifyIdPostazioneFirmato(readFileSync(out).toString("base64")))).toMatchObject({
      reason: "ID_POSTAZIONE_FIRMATO_INVALID",
    });
  });
});
