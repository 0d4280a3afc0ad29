import { describe, expect, it } from "@jest/globals";
import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema, ErrorInfoSchema } from "#gen/google/rpc/error_details_pb.js";
import { DomainError } from "#shared/domain-error.js";
import { GrpcCode, RpcError, toServiceError } from "#shared/grpc-status.js";
import { toGatewayError } from "../src/handlers/upstream-error.js";

describe("toGatewayError", () => {
  it("keeps an upstream status's code, message and raw details", () => {
    const serviceError = toServiceError(new DomainError("not-found", "ANPR: soggetto non trovato", { reason: "ANPR_ERROR", metadata: { anprCode: "EN122" }, field: "subject.fiscal_code" }));
    const rpc = new RpcError(serviceError.code, serviceError.details, {}, { trailers: serviceError.metadata });
    const err = toGatewayError(rpc);
    expect(err.code).toBe(Code.NotFound);
    expect(err.rawMessage).toBe("ANPR: soggetto non trovato");
    expect(err.findDetails(ErrorInfoSchema)[0]).toMatchObject({ reason: "ANPR_ERROR", metadata: { anprCode: "EN122" } });
    expect(err.findDetails(BadRequestSchema)[0]?.fieldViolations[0]?.field).toBe("subject.fiscal_code");
  });

  it("rebuilds details from the decoded fields when the raw status is absent", () => {
    const err = toGatewayError(new RpcError(GrpcCode.FAILED_PRECONDITION, "box not configured", { reason: "NOT_CONFIGURED", metadata: { missing: "ca" } }));
    expect(err.code).toBe(Code.FailedPrecondition);
    expect(err.findDetails(ErrorInfoSchema)[0]).toMatchObject({ reason: "NOT_CONFIGURED", metadata: { missing: "ca" } });
  });

  it("maps local domain errors through the shared table and hides unknown errors", () => {
    expect(toGatewayError(new DomainError("unauthenticated", "no token")).code).toBe(Code.Unauthenticated);
    const hidden = toGatewayError(new Error("secret detail"));
    expect(hidden).toBeInstanceOf(ConnectError);
    expect(hidden.code).toBe(Code.Internal);
    expect(hidden.rawMessage).not.toMatch(/secret/);
  });
});
