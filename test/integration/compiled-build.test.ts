/**
 * The production build (`npm run build:services`, scripts/build.sh) as an operator runs it: the
 * services compile to JavaScript, and the compiled simulator, router and Novabox run on plain `node`
 * with a module hook that refuses to load any devDependency (tsx included), which is what "production
 * dependencies only" means at run time. A box started from the compiled output on a configured
 * ANPR_HOME reaches SERVING and is routable; its secret key comes from NOVABOX_SECRET_KEY_FILE, and a
 * missing credential file stops it before it touches ANPR_HOME. The box runs as the appliance runs
 * it, from the one-file bundle (main.bundle.js), and on a configured ANPR_HOME it signs with the key
 * kept beside the PKCS#12: it never loads node-forge to reach SERVING.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { credentials } from "@grpc/grpc-js";
import { ensureDevPki, type DevPkiManifest } from "#shared/dev-pki/anpr-dev-pki.js";
import { configureNovabox } from "../../scripts/configure-novabox.js";
import { freePorts } from "../support/ports.js";
import { run, start, waitFor } from "../support/process.js";
import { startService, type StartedService } from "../support/services.js";
import { requireTool } from "../support/tools.js";

const root = new URL("../../", import.meta.url).pathname;
const buildDir = join(root, ".tmp", `build-test-${process.pid}`);
const out = relative(root, buildDir);
const work = mkdtempSync(join(tmpdir(), "compiled-build-"));
const home = join(work, "anpr_home");
const keyFile = join(work, "secret-key");
const ssoPublicKeyPem = generateKeyPairSync("ec", { namedCurve: "P-256" })
  .publicKey.export({ type: "spki", format: "pem" })
  .toString();
const guardArgs = ["--import", join(buildDir, "production-only.mjs")];

let pki: DevPkiManifest;
/** The box keeps one port across restarts: it announces the port saved in its settings. */
let boxPort = 0;
let sim: StartedService | undefined;
let router: StartedService | undefined;
let box: StartedService | undefined;

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => statSync(join(dir, f)).isFile());
}

/** Writes the module hook that makes any import of a devDependency throw. */
function writeProductionGuard(): void {
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    devDependencies: Record<string, string>;
  };
  writeFileSync(
    join(buildDir, "production-only-hooks.mjs"),
    `const dev = new Set(${JSON.stringify(Object.keys(manifest.devDependencies))});
export async function resolve(specifier, context, next) {
  const parts = specifier.split("/");
  const name = specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
  if (dev.has(name)) throw new Error("devDependency " + name + " imported by " + context.parentURL);
  return next(specifier, context);
}
`,
  );
  writeFileSync(
    join(buildDir, "production-only.mjs"),
    `import { register } from "node:module";\nregister("./production-only-hooks.mjs", import.meta.url);\n`,
  );
}

async function healthOf(grpcurl: string, port: number): Promise<string> {
  const answer = await run(grpcurl, ["-plaintext", `127.0.0.1:${port}`, "grpc.health.v1.Health/Check"]);
  return answer.stdout;
}

/** The box from the bundle deploy/systemd and deploy/docker run; `extraEnv` e.g. NODE_DEBUG. */
async function startBox(extraEnv: Record<string, string> = {}): Promise<StartedService> {
  return startService(
    `${out}/services/novabox/src/server/main.bundle.js`,
    {
      ...extraEnv,
      ANPR_HOME: home,
      NOVABOX_HOST: "127.0.0.1",
      NOVABOX_GRPC_PORT: String(boxPort),
      NOVABOX_HTTP_PORT: "0",
      NOVABOX_MESH_PLAINTEXT: "true",
      NOVABOX_SECRET_KEY_FILE: keyFile,
    },
    "novabox ready",
    60_000,
    guardArgs,
  );
}

beforeAll(async () => {
  mkdirSync(join(root, ".tmp"), { recursive: true });
  const build = await run("bash", [join(root, "scripts/build.sh"), buildDir], { timeoutMs: 300_000, cwd: root });
  if (build.code !== 0) throw new Error(`scripts/build.sh failed:\n${build.stdout}\n${build.stderr}`);
  writeProductionGuard();
  writeFileSync(keyFile, `${randomBytes(32).toString("base64")}\n`, { mode: 0o600 });
  pki = await ensureDevPki(join(work, "pki"));
  [boxPort] = (await freePorts(1)) as [number];
}, 360_000);

afterAll(async () => {
  await box?.process.stop();
  await router?.process.stop();
  await sim?.process.stop();
  rmSync(work, { recursive: true, force: true });
  rmSync(buildDir, { recursive: true, force: true });
});

describe("npm run build:services", () => {
  it("emits JavaScript only, with a package scope whose imports point at the compiled files", () => {
    const files = filesUnder(join(buildDir, "services"));
    expect(files.filter((f) => f.endsWith(".ts"))).toEqual([]);
    for (const service of ["novabox", "router", "gateway", "anpr-sim"])
      expect(files).toContain(`${service}/src/server/main.js`);
    for (const service of ["novabox", "router"]) expect(files).toContain(`${service}/src/server/main.bundle.js`);
    const scope = JSON.parse(readFileSync(join(buildDir, "package.json"), "utf8")) as {
      type: string;
      imports: Record<string, string>;
    };
    expect(scope.type).toBe("module");
    expect(scope.imports).toEqual({ "#shared/*": "./services/shared/src/*", "#gen/*": "./gen/*" });
    expect(existsSync(join(buildDir, "services/shared/src/runtime/config.js"))).toBe(true);
    expect(existsSync(join(buildDir, "gen/novares/discovery/v1/discovery_service_pb.js"))).toBe(true);
    // What the code reads next to itself at run time.
    expect(existsSync(join(buildDir, "gen/descriptors.binpb"))).toBe(true);
    expect(existsSync(join(buildDir, "services/novabox/drizzle/meta/_journal.json"))).toBe(true);
    expect(existsSync(join(buildDir, "services/shared/anpr-spec/soap-official/6001servizioCertificazione.wsdl"))).toBe(
      true,
    );
    const tsxImports = files.filter(
      (f) => f.endsWith(".js") && /from "tsx|import\("tsx/.test(readFileSync(join(buildDir, "services", f), "utf8")),
    );
    expect(tsxImports).toEqual([]);
  });

  it("the production guard really refuses a devDependency", async () => {
    const probe = join(buildDir, "probe.mjs");
    writeFileSync(probe, `await import("typescript");\n`);
    const answer = await run(process.execPath, [...guardArgs, probe]);
    expect(answer.code).not.toBe(0);
    expect(answer.stderr).toContain("devDependency typescript imported by");
  });

  it("a compiled Novabox refuses to start when NOVABOX_SECRET_KEY_FILE names a missing file", async () => {
    const emptyHome = join(work, "never-created");
    const boxProcess = start(
      process.execPath,
      [...guardArgs, join(buildDir, "services/novabox/src/server/main.bundle.js")],
      {
        cwd: root,
        env: {
          ...process.env,
          ANPR_HOME: emptyHome,
          NOVABOX_GRPC_PORT: "0",
          NOVABOX_HTTP_PORT: "0",
          NOVABOX_MESH_PLAINTEXT: "true",
          NOVABOX_SECRET_KEY_FILE: join(work, "no-such-credential"),
        },
      },
    );
    const code = await new Promise<number | null>((resolve) => boxProcess.child.once("exit", (c) => resolve(c)));
    expect(code).not.toBe(0);
    expect(boxProcess.output()).toMatch(
      /NOVABOX_SECRET_KEY_FILE: cannot read the secret file .*no-such-credential \(ENOENT\)/,
    );
    expect(existsSync(join(emptyHome, "secret.key"))).toBe(false);
  });

  it("the compiled simulator, router and Novabox run on plain node; a box restarted on its configured ANPR_HOME reaches SERVING and is routable", async () => {
    const grpcurl = requireTool("grpcurl");
    sim = await startService(
      `${out}/services/anpr-sim/src/server/main.js`,
      { ANPR_SIM_HOST: "127.0.0.1", ANPR_SIM_PORT: "0", ANPR_SIM_PKI_DIR: pki.dir },
      "anpr-sim ready",
      90_000,
      guardArgs,
    );
    router = await startService(
      `${out}/services/router/src/server/main.bundle.js`,
      { ROUTER_HOST: "127.0.0.1", ROUTER_PORT: "0", MESH_PLAINTEXT: "true", ROUTER_HEALTH_INTERVAL_MS: "500" },
      "router ready",
      60_000,
      guardArgs,
    );
    const routerPort = Number(router.ready.port);

    box = await startBox();
    await configureNovabox({
      address: `127.0.0.1:${String(box.ready.grpcPort)}`,
      credentials: credentials.createInsecure(),
      adminPasswordFile: join(work, "admin-password"),
      workstation: pki.workstations.find((w) => w.comuneCode === "022205")!,
      caCertificateFile: pki.simulator.caCertificateFile,
      comune: { code: "022205", name: "Trento" },
      anprBaseUrl: String(sim.ready.url),
      novaresDiscoveryAddress: `127.0.0.1:${routerPort}`,
      advertised: { host: "127.0.0.1", port: boxPort },
      sso: { publicKeyPem: ssoPublicKeyPem, issuer: "https://sso.novares.test", audience: "novabox" },
    });
    await box.process.stop();
    expect(existsSync(join(home, "secret.key"))).toBe(false);

    // A configured ANPR_HOME, a fresh compiled process: SERVING without any operator action. Node
    // logs every CommonJS file it loads (NODE_DEBUG=module): better-sqlite3 from node_modules, as
    // the bundle leaves it out, but no node-forge, which only the PKCS#12 upload needed.
    box = await startBox({ NODE_DEBUG: "module" });
    const port = Number(box.ready.grpcPort);
    expect(port).toBe(boxPort);
    await waitFor(
      "the compiled box to report SERVING",
      async () => (await healthOf(grpcurl, port)).includes('"SERVING"'),
      60_000,
      200,
    );
    expect(box.process.output()).toMatch(/load "[^"]*node_modules\/better-sqlite3\//);
    expect(box.process.output()).not.toMatch(/node_modules\/node-forge\//);

    // The compiled router lists it: the box announced itself to it.
    await waitFor(
      "the router to resolve Trento to the compiled box",
      async () => {
        const answer = await run(grpcurl, [
          "-plaintext",
          "-d",
          '{"comuneCode":"022205"}',
          `127.0.0.1:${routerPort}`,
          "novares.discovery.v1.DiscoveryService/ResolveComune",
        ]);
        return answer.code === 0 && answer.stdout.includes(`"port": ${port}`);
      },
      60_000,
      250,
    );
    expect(box.process.output()).not.toContain("devDependency");
  }, 240_000);
});
