import { describe, expect, it } from "@jest/globals";
import { z } from "zod";
import { ConfigError, env, loadConfig } from "../src/config.js";

const schema = z.object({
  NOVABOX_GRPC_PORT: env.port(50051),
  NOVARES_ADDRESS: env.hostPort().optional(),
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
      loadConfig(schema, { NOVABOX_GRPC_PORT: "70000", NOVARES_ADDRESS: "no-port", NOVABOX_PLAINTEXT: "yes", LOG_LEVEL: "loud" });
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
