import { describe, expect, it } from "@jest/globals";
import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema, ErrorInfoSchema } from "#gen/google/rpc/error_details_pb.js";
import { DomainError } from "../src/runtime/domain-error.js";
import {
  decodeStatusDetails,
  GrpcCode,
  internalErrorMessage,
  RpcError,
  toServiceError,
} from "../src/rpc/grpc-status.js";
import { toConnectError } from "../src/rpc/connect-adapter.js";

describe("toConnectError", () => {
  it("keeps an upstream status's code, message and raw details", () => {
    const serviceError = toServiceError(
      new DomainError("not-found", "ANPR: soggetto non trovato", {
        reason: "ANPR_ERROR",
        metadata: { anprCode: "EN122" },
        field: "subject.fiscal_code",
      }),
    );
    const rpc = new RpcError(serviceError.code, serviceError.details, {}, { trailers: serviceError.metadata });
    const err = toConnectError(rpc);
    expect(err.code).toBe(Code.NotFound);
    expect(err.rawMessage).toBe("ANPR: soggetto non trovato");
    expect(err.findDetails(ErrorInfoSchema)[0]).toMatchObject({
      reason: "ANPR_ERROR",
      metadata: { anprCode: "EN122" },
    });
    expect(err.findDetails(BadRequestSchema)[0]?.fieldViolations[0]?.field).toBe("subject.fiscal_code");
  });

  it("rebuilds details from the decoded fields when the raw status is absent", () => {
    const err = toConnectError(
      new RpcError(GrpcCode.FAILED_PRECONDITION, "box not configured", {
        reason: "NOT_CONFIGURED",
        metadata: { missing: "ca" },
      }),
    );
    expect(err.code).toBe(Code.FailedPrecondition);
    expect(err.findDetails(ErrorInfoSchema)[0]).toMatchObject({
      reason: "NOT_CONFIGURED",
      metadata: { missing: "ca" },
    });
  });

  it("maps local domain errors through the shared table and hides unknown errors", () => {
    expect(toConnectError(new DomainError("unauthenticated", "no token")).code).toBe(Code.Unauthenticated);
    const hidden = toConnectError(new Error("secret detail"));
    expect(hidden).toBeInstanceOf(ConnectError);
    expect(hidden.code).toBe(Code.Internal);
    expect(hidden.rawMessage).not.toMatch(/secret/);
  });
});

describe("one status mapping, two serializers", () => {
  const fakeLogger = () => {
    const lines: { level: string; obj: object; msg: string }[] = [];
    return {
      lines,
      error: (obj: object, msg: string) => void lines.push({ level: "error", obj, msg }),
      warn: (obj: object, msg: string) => void lines.push({ level: "warn", obj, msg }),
    };
  };
  const cases: [string, () => unknown][] = [
    [
      "a domain error with a field",
      () =>
        new DomainError("invalid-input", "codice fiscale X: wrong check character", {
          reason: "INVALID_FISCAL_CODE",
          field: "subject.fiscal_code",
        }),
    ],
    [
      "a domain error with a cause",
      () =>
        new DomainError("unavailable", "ANPR cannot be reached; retry later", {
          reason: "ANPR_UNAVAILABLE",
          cause: new Error("ECONNREFUSED"),
        }),
    ],
    [
      "an internal domain error whose message is program text",
      () =>
        new DomainError("internal", "Cannot read properties of undefined (reading 'x')", { cause: new Error("inner") }),
    ],
    [
      "an upstream status",
      () =>
        new RpcError(GrpcCode.NOT_FOUND, "comune 099999 has no Novabox", {
          reason: "UNKNOWN_COMUNE",
          metadata: { comune: "099999" },
        }),
    ],
    ["a bug", () => new TypeError("x is not a function")],
  ];

  it.each(cases)(
    "%s: the same code, message and details over grpc-js and Connect, and at most one log line each",
    (_name, make) => {
      const grpcLog = fakeLogger();
      const connectLog = fakeLogger();
      const overGrpc = toServiceError(make(), grpcLog);
      const overConnect = toConnectError(make(), connectLog);
      expect(overConnect.code as number).toBe(overGrpc.code);
      expect(overConnect.rawMessage).toBe(overGrpc.details);
      const grpcDetails = decodeStatusDetails(overGrpc.metadata);
      expect(overConnect.findDetails(ErrorInfoSchema).map((i) => i.reason)).toEqual(
        grpcDetails.reason ? [grpcDetails.reason] : [],
      );
      expect(overConnect.findDetails(BadRequestSchema).flatMap((b) => b.fieldViolations.map((v) => v.field))).toEqual(
        grpcDetails.fieldViolations.map((v) => v.field),
      );
      expect(grpcLog.lines.length).toBeLessThanOrEqual(1);
      expect(connectLog.lines.map((l) => l.level)).toEqual(grpcLog.lines.map((l) => l.level));
    },
  );

  it("logs the cause of a domain error once, as a warning, and never sends it", () => {
    const log = fakeLogger();
    const cause = new Error("ECONNREFUSED 10.0.0.1:443");
    const err = toConnectError(new DomainError("unavailable", "ANPR cannot be reached; retry later", { cause }), log);
    expect(log.lines).toEqual([
      { level: "warn", obj: expect.objectContaining({ cause }), msg: "ANPR cannot be reached; retry later" },
    ]);
    expect(JSON.stringify(err.details)).not.toContain("ECONNREFUSED");
  });

  it("an internal error whose message is program text is logged once, with its cause, and the client reads the generic sentence", () => {
    const log = fakeLogger();
    const cause = new Error("inner");
    const err = toServiceError(
      new DomainError("internal", "Cannot read properties of undefined (reading 'x')", { cause }),
      log,
    );
    expect(err.details).toBe(internalErrorMessage);
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]!.obj).toMatchObject({ cause });
  });
});
