import { describe, expect, it, jest } from "@jest/globals";
import { Metadata, status } from "@grpc/grpc-js";
import { DomainError, domainErrorKinds, type DomainErrorKind } from "../src/runtime/domain-error.js";
import {
  decodeStatusDetails,
  fromServiceError,
  grpcCodeByKind,
  internalErrorMessage,
  RpcError,
  toServiceError,
} from "../src/rpc/grpc-status.js";

/** Written out independently of the table under test, so a wrong table entry fails here. */
const expected: [DomainErrorKind, number, string][] = [
  ["invalid-input", 3, "INVALID_ARGUMENT"],
  ["not-found", 5, "NOT_FOUND"],
  ["already-exists", 6, "ALREADY_EXISTS"],
  ["forbidden", 7, "PERMISSION_DENIED"],
  ["unauthenticated", 16, "UNAUTHENTICATED"],
  ["precondition-failed", 9, "FAILED_PRECONDITION"],
  ["rate-limited", 8, "RESOURCE_EXHAUSTED"],
  ["conflict", 10, "ABORTED"],
  ["out-of-range", 11, "OUT_OF_RANGE"],
  ["unavailable", 14, "UNAVAILABLE"],
  ["timeout", 4, "DEADLINE_EXCEEDED"],
  ["cancelled", 1, "CANCELLED"],
  ["not-supported", 12, "UNIMPLEMENTED"],
  ["data-loss", 15, "DATA_LOSS"],
  ["internal", 13, "INTERNAL"],
];

function fakeLogger() {
  return { error: jest.fn<(obj: object, msg: string) => void>(), warn: jest.fn<(obj: object, msg: string) => void>() };
}

describe("domain error → gRPC status", () => {
  it("covers every domain error kind", () => {
    expect(expected.map(([kind]) => kind).sort()).toEqual([...domainErrorKinds].sort());
    expect(Object.keys(grpcCodeByKind).sort()).toEqual([...domainErrorKinds].sort());
  });

  it.each(expected)("maps %s to code %i (%s), keeping the message and reason", (kind, code, name) => {
    const err = new DomainError(kind, `the ${kind} message`, {
      reason: "SOME_REASON",
      metadata: { anprCode: "EN122" },
    });
    const serviceError = toServiceError(err, fakeLogger());
    expect(serviceError.code).toBe(code);
    expect(status[code]).toBe(name);
    expect(serviceError.details).toBe(`the ${kind} message`);
    const details = decodeStatusDetails(serviceError.metadata);
    expect(details.reason).toBe("SOME_REASON");
    expect(details.domain).toBe("novabox.mesh");
    expect(details.metadata).toEqual({ anprCode: "EN122" });
  });

  it("derives a reason from the kind when none is given", () => {
    const details = decodeStatusDetails(toServiceError(new DomainError("rate-limited", "slow down")).metadata);
    expect(details.reason).toBe("RATE_LIMITED");
  });

  it("sends the field at fault as a BadRequest violation", () => {
    const err = new DomainError("invalid-input", "codice fiscale RSSMRA80A01H501X: wrong check character", {
      field: "subject.fiscal_code",
    });
    const details = decodeStatusDetails(toServiceError(err).metadata);
    expect(details.fieldViolations).toEqual([{ field: "subject.fiscal_code", description: err.message }]);
  });

  it("matches subclasses of DomainError", () => {
    class InvalidFiscalCodeError extends DomainError {
      constructor(code: string) {
        super("invalid-input", `invalid codice fiscale ${code}`, { field: "fiscal_code" });
      }
    }
    const serviceError = toServiceError(new InvalidFiscalCodeError("XYZ"));
    expect(serviceError.code).toBe(status.INVALID_ARGUMENT);
    expect(serviceError.details).toBe("invalid codice fiscale XYZ");
  });

  it("hides unknown errors behind INTERNAL and logs the original", () => {
    const logger = fakeLogger();
    const secret = new Error("db password hunter2 rejected");
    const serviceError = toServiceError(secret, logger, { rpc: "/x.v1.S/M" });
    expect(serviceError.code).toBe(status.INTERNAL);
    expect(serviceError.details).toBe(internalErrorMessage);
    expect(serviceError.details).not.toContain("hunter2");
    expect(serviceError.metadata.get("grpc-status-details-bin")).toEqual([]);
    expect(logger.error).toHaveBeenCalledWith(
      expect.objectContaining({ err: secret, rpc: "/x.v1.S/M" }),
      expect.any(String),
    );
  });

  it("keeps the cause of a domain error for the logs only", () => {
    const logger = fakeLogger();
    const cause = new Error("ECONNREFUSED 10.0.0.1:443");
    const serviceError = toServiceError(
      new DomainError("unavailable", "ANPR cannot be reached; retry later", { cause }),
      logger,
    );
    expect(serviceError.details).toBe("ANPR cannot be reached; retry later");
    expect(JSON.stringify(decodeStatusDetails(serviceError.metadata))).not.toContain("ECONNREFUSED");
    expect(logger.warn).toHaveBeenCalledWith(expect.objectContaining({ cause }), "ANPR cannot be reached; retry later");
  });

  it("logs internal and data-loss domain errors as errors", () => {
    const logger = fakeLogger();
    toServiceError(new DomainError("data-loss", "audit chain broken at row 7"), logger);
    expect(logger.error).toHaveBeenCalledTimes(1);
  });

  it("passes an RpcError through with its code and details (a proxy relaying upstream)", () => {
    const upstream = new RpcError(status.NOT_FOUND, "comune 099999 has no Novabox", {
      reason: "UNKNOWN_COMUNE",
      metadata: { comune: "099999" },
    });
    const serviceError = toServiceError(upstream);
    expect(serviceError.code).toBe(status.NOT_FOUND);
    expect(serviceError.details).toBe("comune 099999 has no Novabox");
    expect(decodeStatusDetails(serviceError.metadata)).toMatchObject({
      reason: "UNKNOWN_COMUNE",
      metadata: { comune: "099999" },
    });
  });
});

describe("gRPC status → RpcError", () => {
  it("decodes code, message and details of a grpc-js ServiceError", () => {
    const serviceError = toServiceError(
      new DomainError("forbidden", "tabaccheria T-42 is revoked", { reason: "TOBACCONIST_REVOKED" }),
    );
    const rpcError = fromServiceError(Object.assign(new Error("7 PERMISSION_DENIED: x"), serviceError));
    expect(rpcError).toBeInstanceOf(RpcError);
    expect(rpcError.code).toBe(status.PERMISSION_DENIED);
    expect(rpcError.codeName).toBe("PERMISSION_DENIED");
    expect(rpcError.message).toBe("tabaccheria T-42 is revoked");
    expect(rpcError.details.reason).toBe("TOBACCONIST_REVOKED");
  });

  it("turns a non-gRPC error into UNKNOWN", () => {
    const rpcError = fromServiceError(new Error("socket hang up"));
    expect(rpcError.code).toBe(status.UNKNOWN);
    expect(rpcError.message).toBe("socket hang up");
  });

  it("ignores undecodable details", () => {
    const metadata = new Metadata();
    metadata.set("grpc-status-details-bin", Buffer.from([0xff, 0xff, 0xff]));
    expect(decodeStatusDetails(metadata)).toEqual({ metadata: {}, fieldViolations: [] });
  });
});

describe("status messages a person can act on", () => {
  it("replaces program text ([object Object], TypeError words) by the kind's sentence and logs the original", () => {
    const logged: object[] = [];
    const logger = { error: (obj: object) => logged.push(obj), warn: () => undefined };
    for (const message of [
      "ANPR sent an answer that cannot be read: [object Object]",
      "ANPR sent an answer that cannot be read: Cannot read properties of undefined (reading 'description')",
    ]) {
      const err = toServiceError(new DomainError("unavailable", message, { reason: "ANPR_BAD_RESPONSE" }), logger);
      expect(err.details).not.toMatch(/object Object|Cannot read|reading/);
      expect(err.details).toMatch(/retry later/);
      expect(err.code).toBe(status.UNAVAILABLE);
    }
    expect(logged).toHaveLength(2);
    const relayed = toServiceError(new RpcError(status.INVALID_ARGUMENT, "x is not a function"), logger);
    expect(relayed.details).toBe("the request has a value that cannot be accepted; check the data and try again");
    const fine = toServiceError(new DomainError("not-found", "no citizen with that codice fiscale in ANPR"));
    expect(fine.details).toBe("no citizen with that codice fiscale in ANPR");
  });
});
