/**
 * Every program of the project answers `--help` with its usage (exit 0) and an unknown option with
 * what was wrong and the usage (exit 2), before doing anything else: the servers' main.ts (whose
 * usage lists their environment variables from the schema that reads them), the CLIs, the PKI
 * scripts and `npm start`'s orchestrator.
 */
import { describe, expect, it } from "@jest/globals";
import { run } from "../support/process.js";

const root = new URL("../../", import.meta.url).pathname;
const node = (entry: string, ...args: string[]) =>
  run(process.execPath, ["--import", "tsx", entry, ...args], { cwd: root, timeoutMs: 60_000 });

const programs: [string, string, RegExp][] = [
  ["services/novabox/src/server/main.ts", "npm run novabox", /NOVABOX_GRPC_PORT \(default: 50051\)/],
  ["services/router/src/server/main.ts", "npm run router", /ROUTER_PORT \(default: 50060\)/],
  ["services/gateway/src/server/main.ts", "npm run gateway", /GATEWAY_H2C_PORT \(default: 8091\)/],
  ["services/anpr-sim/src/server/main.ts", "npm run sim", /ANPR_SIM_FAULTS \(optional\)/],
  ["services/novabox/src/cli/audit-verify.ts", "npm run audit:verify", /Exit status: 0 intact/],
  ["services/novabox/src/cli/backup.ts", "npm run backup", /secret key .* is NOT in the copy/s],
  ["services/novabox/src/cli/restore.ts", "npm run restore", /--replace/],
  [
    "services/novabox/src/cli/rotate-key.ts",
    "node --import tsx services/novabox/src/cli/rotate-key.ts",
    /Never prints a key/,
  ],
  ["scripts/pki-dev.ts", "npm run pki:dev", /--force/],
  ["scripts/mesh-pki-dev.ts", "npm run pki:mesh", /--san ROLE=NAMES/],
  ["scripts/mesh-csr.ts", "npm run pki:csr", /--approved/],
  ["scripts/start-mesh.ts", "npm start", /MESH_DEV_DIR/],
];

describe.each(programs)("%s", (entry, command, detail) => {
  it("--help prints the usage and exits 0", async () => {
    const result = await node(entry, "--help");
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout.startsWith(`usage: ${command}`)).toBe(true);
    expect(result.stdout).toMatch(detail);
  }, 70_000);

  it("an unknown option prints the problem and the usage on stderr and exits 2", async () => {
    const result = await node(entry, "--no-such-option");
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("error: unknown option --no-such-option");
    expect(result.stderr).toContain(`usage: ${command}`);
  }, 70_000);
});

describe("through npm", () => {
  it("npm run audit:verify -- --help is the usage, not an ANPR_HOME called --help", async () => {
    const result = await run("npm", ["run", "--silent", "audit:verify", "--", "--help"], {
      cwd: root,
      timeoutMs: 60_000,
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("usage: npm run audit:verify -- [ANPR_HOME]");
    expect(result.stdout + result.stderr).not.toContain("cannot check");
  }, 70_000);
});
