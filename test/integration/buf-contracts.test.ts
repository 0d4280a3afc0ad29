/**
 * The contracts as CI checks them: buf lint is clean, the descriptor set holds the four services
 * with every rpc the product needs, and `buf breaking` against proto/baseline.binpb catches an
 * incompatible change.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { run } from "../support/process.js";

const root = new URL("../../", import.meta.url).pathname;
const buf = join(root, "node_modules/.bin/buf");

const expectedRpcs: Record<string, string[]> = {
  "novabox.certification.v1.CertificationService": ["ListCertificateTypes", "IssueCertificate", "PreviewCertificate"],
  "novabox.consultation.v1.ConsultationService": ["GetIndividualRecord"],
  "novabox.config.v1.ConfigService": [
    "GetSetupStatus",
    "RegisterAdmin",
    "Login",
    "ChangePassword",
    "GetConfig",
    "UpdateConfig",
    "UploadCaCertificate",
    "UploadWorkstationCertificate",
    "ListAuditLog",
    "ExportAuditLog",
    "VerifyAuditLog",
  ],
  "novares.discovery.v1.DiscoveryService": ["Announce", "Withdraw", "ListInstances", "ResolveComune", "WatchInstances"],
};

describe("protobuf contracts", () => {
  let workspace: string;

  beforeAll(() => {
    workspace = mkdtempSync(join(tmpdir(), "buf-breaking-"));
    for (const entry of ["buf.yaml", "proto", "third_party"])
      cpSync(join(root, entry), join(workspace, entry), { recursive: true });
  });
  afterAll(() => rmSync(workspace, { recursive: true, force: true }));

  it("passes buf lint", async () => {
    const result = await run(buf, ["lint"], { cwd: root });
    expect(result.stdout + result.stderr).toBe("");
    expect(result.code).toBe(0);
  });

  it("describes the four services with every rpc, each with a comment", () => {
    const set = fromBinary(FileDescriptorSetSchema, readFileSync(join(root, "gen/descriptors.binpb")));
    const found: Record<string, string[]> = {};
    for (const file of set.file) {
      file.service.forEach((service, serviceIndex) => {
        const name = `${file.package}.${service.name}`;
        found[name] = service.method.map((m) => m.name);
        service.method.forEach((method, methodIndex) => {
          // SourceCodeInfo path for a method: [6 (service), serviceIndex, 2 (method), methodIndex].
          const location = file.sourceCodeInfo?.location.find(
            (l) => l.path.join(".") === `6.${serviceIndex}.2.${methodIndex}`,
          );
          expect(`${name}/${method.name}: ${location?.leadingComments.trim() ? "commented" : "no comment"}`).toBe(
            `${name}/${method.name}: commented`,
          );
        });
      });
    }
    for (const [service, rpcs] of Object.entries(expectedRpcs)) {
      expect(found[service]).toEqual(expect.arrayContaining(rpcs));
    }
  });

  it("accepts the contracts as they are against the baseline", async () => {
    const result = await run(buf, ["breaking", "proto", "--against", join(root, "proto/baseline.binpb")], {
      cwd: workspace,
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  });

  it("fails buf breaking when a field is renumbered", async () => {
    const file = join(workspace, "proto/novares/discovery/v1/discovery_service.proto");
    const source = readFileSync(file, "utf8");
    const changed = source.replace(/(string comune_code = )(\d+);/, (_m, head: string) => `${head}99;`);
    expect(changed).not.toBe(source);
    writeFileSync(file, changed);
    const result = await run(buf, ["breaking", "proto", "--against", join(root, "proto/baseline.binpb")], {
      cwd: workspace,
    });
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(/comune_code/);
  });
});
