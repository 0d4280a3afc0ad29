/**
 * A grpc-js server with the four services of the mesh, health and reflection, driven by the real
 * grpcurl: what an operator sees. The handlers are not implemented at this stage, so every rpc
 * answers UNIMPLEMENTED naming itself.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { CertificationService } from "#gen/novabox/certification/v1/certification_service_pb.js";
import { ConsultationService } from "#gen/novabox/consultation/v1/consultation_service_pb.js";
import { ConfigService } from "#gen/novabox/config/v1/config_service_pb.js";
import { DiscoveryService } from "#gen/novares/discovery/v1/discovery_service_pb.js";
import { createGrpcServer, grpcService, type GrpcServerHandle } from "#shared/rpc/grpc-server.js";
import { createLogger } from "#shared/runtime/logger.js";
import { ServingStatus } from "#shared/rpc/health.js";
import { requireTool } from "../support/tools.js";
import { run } from "../support/process.js";

const descriptorSetUrl = new URL("../../gen/descriptors.binpb", import.meta.url);

/** The first line of the leading comment of CertificationService.IssueCertificate, from the descriptor set. */
function issueCertificateComment(): string {
  const set = fromBinary(FileDescriptorSetSchema, readFileSync(descriptorSetUrl));
  for (const file of set.file) {
    const si = file.service.findIndex((s) => s.name === "CertificationService");
    if (si < 0) continue;
    const mi = file.service[si]!.method.findIndex((m) => m.name === "IssueCertificate");
    const location = file.sourceCodeInfo?.location.find((l) => l.path.join(".") === `6.${si}.2.${mi}`);
    const line = location?.leadingComments
      .split("\n")
      .map((l) => l.trim())
      .find((l) => l.length > 0);
    if (line) return line;
  }
  throw new Error("IssueCertificate has no comment in gen/descriptors.binpb");
}

describe("grpcurl against a server with the four services", () => {
  let grpcurl: string;
  let handle: GrpcServerHandle;
  let address: string;

  beforeAll(async () => {
    grpcurl = requireTool("grpcurl");
    handle = createGrpcServer({
      logger: createLogger({ name: "test", level: "silent" }),
      services: [
        grpcService(CertificationService, {}),
        grpcService(ConsultationService, {}),
        grpcService(ConfigService, {}),
        grpcService(DiscoveryService, {}),
      ],
    });
    const port = await handle.listen("127.0.0.1:0");
    address = `127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await handle?.shutdown(1_000);
  });

  it("lists the four services, health and reflection", async () => {
    const result = await run(grpcurl, ["-plaintext", address, "list"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split("\n").sort()).toEqual(
      [
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
        "novabox.certification.v1.CertificationService",
        "novabox.config.v1.ConfigService",
        "novabox.consultation.v1.ConsultationService",
        "novares.discovery.v1.DiscoveryService",
      ].sort(),
    );
  });

  it("lists every rpc of a service", async () => {
    const result = await run(grpcurl, ["-plaintext", address, "list", "novares.discovery.v1.DiscoveryService"]);
    expect(result.code).toBe(0);
    for (const rpc of ["Announce", "Withdraw", "ListInstances", "ResolveComune", "WatchInstances"]) {
      expect(result.stdout).toContain(`novares.discovery.v1.DiscoveryService.${rpc}`);
    }
  });

  it("describes a method with its comment", async () => {
    const result = await run(grpcurl, [
      "-plaintext",
      address,
      "describe",
      "novabox.certification.v1.CertificationService.IssueCertificate",
    ]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      "rpc IssueCertificate ( .novabox.certification.v1.IssueCertificateRequest ) returns ( .novabox.certification.v1.IssueCertificateResponse )",
    );
    expect(result.stdout).toContain(issueCertificateComment());
  });

  it("describes a message with its field comments", async () => {
    const result = await run(grpcurl, ["-plaintext", address, "describe", "novares.discovery.v1.AnnounceRequest"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\/\/.*\n\s*string comune_code = \d+;/);
  });

  it("answers grpc.health.v1.Health/Check with SERVING, for the server and for a service", async () => {
    const server = await run(grpcurl, ["-plaintext", address, "grpc.health.v1.Health/Check"]);
    expect(server.code).toBe(0);
    expect(JSON.parse(server.stdout)).toEqual({ status: "SERVING" });
    const service = await run(grpcurl, [
      "-plaintext",
      "-d",
      '{"service":"novabox.certification.v1.CertificationService"}',
      address,
      "grpc.health.v1.Health/Check",
    ]);
    expect(JSON.parse(service.stdout)).toEqual({ status: "SERVING" });
  });

  it("reports a status change, and NOT_FOUND for an unknown service", async () => {
    handle.health.setStatus("novabox.consultation.v1.ConsultationService", ServingStatus.NOT_SERVING);
    const changed = await run(grpcurl, [
      "-plaintext",
      "-d",
      '{"service":"novabox.consultation.v1.ConsultationService"}',
      address,
      "grpc.health.v1.Health/Check",
    ]);
    expect(JSON.parse(changed.stdout)).toEqual({ status: "NOT_SERVING" });
    const unknown = await run(grpcurl, [
      "-plaintext",
      "-d",
      '{"service":"no.such.Service"}',
      address,
      "grpc.health.v1.Health/Check",
    ]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("Code: NotFound");
  });

  it("answers an rpc that has no handler yet with UNIMPLEMENTED naming it", async () => {
    const result = await run(grpcurl, [
      "-plaintext",
      "-d",
      "{}",
      address,
      "novabox.certification.v1.CertificationService/ListCertificateTypes",
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("Code: Unimplemented");
    expect(result.stderr).toContain(
      "novabox.certification.v1.CertificationService/ListCertificateTypes is not implemented by this server",
    );
  });
});
