import { describe, expect, it } from "@jest/globals";
import { Writable } from "node:stream";
import { createLogger } from "../src/logger.js";

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
    logger.info({ pin: "1234", upload: { pkcs12: "MIIK...", caPassword: "s3cret" }, req: { body: { password: "hunter2" } } }, "upload");
    const text = JSON.stringify(lines);
    expect(text).not.toContain("1234");
    expect(text).not.toContain("MIIK");
    expect(text).not.toContain("s3cret");
    expect(text).not.toContain("hunter2");
    expect(lines[0]).toMatchObject({ pin: "[redacted]", upload: { pkcs12: "[redacted]", caPassword: "[redacted]" } });
  });

  it("respects the level", () => {
    const { lines, destination } = capture();
    const logger = createLogger({ name: "x", level: "warn", destination });
    logger.info("hidden");
    logger.warn("shown");
    expect(lines.map((l) => l.msg)).toEqual(["shown"]);
  });
});
