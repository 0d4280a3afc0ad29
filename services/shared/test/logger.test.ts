import { describe, expect, it } from "@jest/globals";
import { Writable } from "node:stream";
import { Metadata, status } from "@grpc/grpc-js";
import { createLogger } from "../src/runtime/logger.js";
import { containsPersonalData, describeError, redactText, serializeError } from "../src/runtime/log-safety.js";
import { RpcError } from "../src/rpc/grpc-status.js";
import { DomainError } from "../src/runtime/domain-error.js";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      callback();
    },
  });
  return { lines, destination };
}

describe("createLogger", () => {
  it("writes JSON lines with the service name and level", () => {
    const { lines, destination } = capture();
    createLogger({ name: "novabox", destination }).info({ comune: "022205" }, "announced");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ service: "novabox", comune: "022205", msg: "announced", level: 30 });
  });

  it("redacts secrets by key at any depth", () => {
    const { lines, destination } = capture();
    const logger = createLogger({ name: "novabox", destination });
    logger.info(
      { pin: "1234", upload: { pkcs12: "MIIK...", caPassword: "s3cret" }, req: { body: { password: "hunter2" } } },
      "upload",
    );
    const text = JSON.stringify(lines);
    expect(text).not.toContain("1234");
    expect(text).not.toContain("MIIK");
    expect(text).not.toContain("s3cret");
    expect(text).not.toContain("hunter2");
    expect(lines[0]).toMatchObject({ pin: "[redacted]", upload: { pkcs12: "[redacted]", caPassword: "[redacted]" } });
  });

  it("redacts secrets in child bindings and deeper than three levels, in arrays and maps too", () => {
    const { lines, destination } = capture();
    const logger = createLogger({ name: "novabox", destination }).child({
      component: "access",
      token: "eyJhbGciOi.child",
    });
    logger.info(
      {
        a: { b: { c: { d: { authorization: "Bearer deep" } } } },
        list: [{ secret: "in-array" }],
        map: new Map([["privateKey", "in-map"]]),
        comune: "022205",
      },
      "call",
    );
    const text = JSON.stringify(lines);
    for (const secret of ["eyJhbGciOi.child", "Bearer deep", "in-array", "in-map"]) expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({
      component: "access",
      token: "[redacted]",
      comune: "022205",
      list: [{ secret: "[redacted]" }],
      map: { privateKey: "[redacted]" },
    });
  });

  it("respects the level", () => {
    const { lines, destination } = capture();
    const logger = createLogger({ name: "x", level: "warn", destination });
    logger.info("hidden");
    logger.warn("shown");
    expect(lines.map((l) => l.msg)).toEqual(["shown"]);
  });
});

const envelope = `<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Header><wsse:Security>${"A".repeat(20_000)}</wsse:Security></soap:Header><soap:Body><codiceFiscale>RSSMRA85T10A562S</codiceFiscale><cognome>ROSSI</cognome></soap:Body></soap:Envelope>`;

describe("log safety", () => {
  it("replaces a codice fiscale (omocodia too) and a SOAP envelope in any string", () => {
    expect(redactText("no such citizen RSSMRA85T10A562S here")).toBe("no such citizen [codice fiscale] here");
    expect(redactText("omocode rssmra85t10a56nr ok")).toBe("omocode [codice fiscale] ok");
    const out = redactText(`answer: ${envelope} end`);
    expect(out).toMatch(/^answer: \[XML redacted, \d+ characters\] end$/);
    expect(redactText("a body fragment <ns2:cognome>ROSSI</ns2:cognome> seen")).toBe(
      "a body fragment [XML redacted, 32 characters] seen",
    );
    expect(redactText("x".repeat(5000)).length).toBeLessThan(2100);
    // Hashes and ids are not codici fiscali.
    expect(redactText("sha256 4f1c9a0b2e6d8f7a1c3b5e7d9f0a2c4e6b8d0f1a3c5e7b9d1f3a5c7e9b1d3f5a")).toContain("4f1c9a0b");
  });

  it("serialises a grpc-js error chain as message, code and cause, without its metadata or config", () => {
    const metadata = new Metadata();
    metadata.set("grpc-status-details-bin", Buffer.from("xx"));
    const grpcErr = Object.assign(
      new Error("14 UNAVAILABLE: No connection established. Last error: connect ECONNREFUSED 127.0.0.1:50060"),
      {
        code: status.UNAVAILABLE,
        details: "No connection established",
        metadata,
      },
    );
    const cyclic: Record<string, unknown> = { config: { data: envelope } };
    cyclic.self = cyclic;
    Object.assign(grpcErr, { response: cyclic });
    const err = new RpcError(
      status.UNAVAILABLE,
      "No connection established",
      {},
      { cause: grpcErr, trailers: metadata },
    );
    const serialized = serializeError(err);
    expect(serialized).toMatchObject({
      type: "RpcError",
      message: "No connection established",
      code: 14,
      codeName: "UNAVAILABLE",
      cause: { code: 14, codeName: "UNAVAILABLE" },
    });
    const text = JSON.stringify(serialized);
    expect(containsPersonalData(text)).toBe(false);
    expect(text).not.toContain("wsse");
    expect(describeError(err)).toBe(
      "No connection established (UNAVAILABLE) ← 14 UNAVAILABLE: No connection established. Last error: connect ECONNREFUSED 127.0.0.1:50060 (UNAVAILABLE)",
    );
  });

  it("logs errors readably at any key, with their cause, never a serialisation failure", () => {
    const { lines, destination } = capture();
    const logger = createLogger({ name: "novabox", destination });
    const axiosLike = Object.assign(new Error("Request failed with status code 500"), {
      code: "ERR_BAD_RESPONSE",
      response: { status: 500, data: envelope },
      config: { data: envelope },
    });
    const domain = new DomainError("unavailable", "ANPR cannot be reached; retry later", {
      reason: "ANPR_UNAVAILABLE",
      cause: axiosLike,
    });
    logger.warn(
      { err: domain, failures: 2, nested: { cause: axiosLike, fiscalCode: "RSSMRA85T10A562S" } },
      "announcement failed for RSSMRA85T10A562S",
    );
    logger.error(new Error(`bad citizen RSSMRA85T10A562S`));
    const text = JSON.stringify(lines);
    expect(text).not.toContain("unable to serialize");
    expect(containsPersonalData(text)).toBe(false);
    expect(text.length).toBeLessThan(10_000); // the envelope alone is 20 000
    expect(lines[0]).toMatchObject({
      msg: "announcement failed for [codice fiscale]",
      err: {
        type: "DomainError",
        message: "ANPR cannot be reached; retry later",
        reason: "ANPR_UNAVAILABLE",
        cause: { message: "Request failed with status code 500", code: "ERR_BAD_RESPONSE", status: 500 },
      },
      nested: { fiscalCode: "[codice fiscale]" },
    });
    expect(lines[1]).toMatchObject({
      msg: "bad citizen [codice fiscale]",
      err: { message: "bad citizen [codice fiscale]" },
    });
  });
});
