import { describe, expect, it } from "@jest/globals";
import { z } from "zod";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, env, loadConfig, secretFromEnvOrFile } from "../src/runtime/config.js";

const schema = z.object({
  NOVABOX_GRPC_PORT: env.port(50051),
  NOVARES_ADDRESS: z.optional(env.hostPort()),
  NOVABOX_PLAINTEXT: env.flag(false),
  LOG_LEVEL: env.logLevel(),
  ANNOUNCE_INTERVAL_MS: env.millis(30_000),
});

describe("loadConfig", () => {
  it("applies defaults when variables are unset or empty", () => {
    expect(loadConfig(schema, { NOVARES_ADDRESS: "" })).toEqual({
      NOVABOX_GRPC_PORT: 50051,
      NOVABOX_PLAINTEXT: false,
      LOG_LEVEL: "info",
      ANNOUNCE_INTERVAL_MS: 30_000,
    });
  });

  it("parses and coerces set variables", () => {
    const config = loadConfig(schema, {
      NOVABOX_GRPC_PORT: "7000",
      NOVARES_ADDRESS: "router.novares.local:8443",
      NOVABOX_PLAINTEXT: "TRUE",
      LOG_LEVEL: "debug",
      ANNOUNCE_INTERVAL_MS: "1500",
    });
    expect(config).toEqual({
      NOVABOX_GRPC_PORT: 7000,
      NOVARES_ADDRESS: "router.novares.local:8443",
      NOVABOX_PLAINTEXT: true,
      LOG_LEVEL: "debug",
      ANNOUNCE_INTERVAL_MS: 1500,
    });
  });

  it("reports every invalid variable at once, by name", () => {
    let caught: unknown;
    try {
      loadConfig(schema, {
        NOVABOX_GRPC_PORT: "70000",
        NOVARES_ADDRESS: "no-port",
        NOVABOX_PLAINTEXT: "yes",
        LOG_LEVEL: "loud",
      });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const problems = (caught as ConfigError).problems.map((p) => p.variable).sort();
    expect(problems).toEqual(["LOG_LEVEL", "NOVABOX_GRPC_PORT", "NOVABOX_PLAINTEXT", "NOVARES_ADDRESS"]);
    expect((caught as ConfigError).message).toContain("NOVARES_ADDRESS: expected host:port");
    expect((caught as ConfigError).message).toContain("NOVABOX_PLAINTEXT: expected true or false");
  });
});

describe("secretFromEnvOrFile (the *_FILE convention)", () => {
  const dir = mkdtempSync(join(tmpdir(), "secret-file-"));
  const keyFile = join(dir, "key");
  writeFileSync(keyFile, "c2VjcmV0\n");
  const emptyFile = join(dir, "empty");
  writeFileSync(emptyFile, "\n");

  it("reads the file named by <NAME>_FILE, without its trailing newline", () => {
    expect(secretFromEnvOrFile("NOVABOX_SECRET_KEY", { NOVABOX_SECRET_KEY_FILE: keyFile })).toBe("c2VjcmV0");
  });

  it("falls back to <NAME> when no _FILE variable is set, and to undefined when neither is", () => {
    expect(secretFromEnvOrFile("NOVABOX_SECRET_KEY", { NOVABOX_SECRET_KEY: "direct" })).toBe("direct");
    expect(secretFromEnvOrFile("NOVABOX_SECRET_KEY", { NOVABOX_SECRET_KEY_FILE: "" })).toBeUndefined();
  });

  it("fails closed when the named file is missing or empty, naming the variable", () => {
    const missing = () => secretFromEnvOrFile("NOVABOX_SECRET_KEY", { NOVABOX_SECRET_KEY_FILE: join(dir, "absent") });
    expect(missing).toThrow(ConfigError);
    expect(missing).toThrow(/NOVABOX_SECRET_KEY_FILE: cannot read the secret file .*absent \(ENOENT\)/);
    expect(() => secretFromEnvOrFile("NOVABOX_SECRET_KEY", { NOVABOX_SECRET_KEY_FILE: emptyFile })).toThrow(
      /NOVABOX_SECRET_KEY_FILE: the secret file .* is empty/,
    );
  });

  it("refuses both sources at once", () => {
    expect(() =>
      secretFromEnvOrFile("NOVABOX_SECRET_KEY", { NOVABOX_SECRET_KEY: "x", NOVABOX_SECRET_KEY_FILE: keyFile }),
    ).toThrow(/set NOVABOX_SECRET_KEY or NOVABOX_SECRET_KEY_FILE, not both/);
  });
});
