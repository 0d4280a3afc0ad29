/**
 * The packaging an operator applies, checked with what runs on these machines (no container engine,
 * no cluster, and helm does not build from the Go module proxy in reasonable time under load; see
 * scripts/check-chart.ts for the render-and-validate check run where helm exists):
 * - the Helm chart (deploy/helm/novares): Chart.yaml and values.yaml parse; the chart depends on
 *   HashiCorp's Consul chart; routers and gateways are replicated, each with a Deployment, Service,
 *   PodDisruptionBudget, NetworkPolicy and readiness probe (the gateway's a native gRPC probe); the
 *   gateways point at the routers' headless Service; every environment variable the templates set
 *   is one the program reads;
 * - the compose file (deploy/compose/compose.yaml): parses, every image is built from a Dockerfile
 *   that exists, every environment variable is one its program reads, the gateways list both
 *   routers' addresses, each box gets its secret key from a declared secret file.
 */
import { describe, expect, it } from "@jest/globals";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

const root = new URL("../../", import.meta.url).pathname;
const chart = join(root, "deploy/helm/novares");

/** The entry point whose environment schema names the variables of each program. */
const programSources: Record<string, string> = {
  router: "services/router/src/server/main.ts",
  gateway: "services/gateway/src/server/main.ts",
  novabox: "services/novabox/src/server/main.ts",
  "anpr-sim": "services/anpr-sim/src/server/main.ts",
};

describe("Helm chart deploy/helm/novares (static checks; rendering: scripts/check-chart.ts)", () => {
  const chartYaml = parse(readFileSync(join(chart, "Chart.yaml"), "utf8")) as {
    apiVersion: string;
    dependencies?: { name: string; repository: string; condition?: string }[];
  };
  const values = parse(readFileSync(join(chart, "values.yaml"), "utf8")) as {
    router: { replicas: number };
    gateway: { replicas: number; h2cPort: number };
    consul: { enabled: boolean; server: { replicas: number } };
  };
  const templates = Object.fromEntries(
    ["router.yaml", "gateway.yaml"].map((f) => [f, readFileSync(join(chart, "templates", f), "utf8")]),
  );

  it("depends on HashiCorp's Consul chart (three servers) instead of re-inventing it", () => {
    expect(chartYaml.apiVersion).toBe("v2");
    expect(chartYaml.dependencies).toEqual([
      expect.objectContaining({
        name: "consul",
        repository: "https://helm.releases.hashicorp.com",
        condition: "consul.enabled",
      }),
    ]);
    expect(values.consul).toMatchObject({ enabled: true, server: { replicas: 3 } });
  });

  it("declares replicated routers and gateways, each with a disruption budget, a network policy and probes", () => {
    expect(values.router.replicas).toBeGreaterThanOrEqual(2);
    expect(values.gateway.replicas).toBeGreaterThanOrEqual(2);
    for (const [file, text] of Object.entries(templates)) {
      for (const kind of ["Deployment", "Service", "PodDisruptionBudget", "NetworkPolicy"])
        expect(`${file} ${kind}: ${text.includes(`kind: ${kind}\n`)}`).toBe(`${file} ${kind}: true`);
      expect(`${file} readinessProbe: ${/readinessProbe:/.test(text)}`).toBe(`${file} readinessProbe: true`);
    }
    // The gateway: the kubelet's native gRPC probe on the plaintext h2c listener (grpc.health.v1).
    expect(templates["gateway.yaml"]).toMatch(
      /readinessProbe:\s+grpc: \{ port: \{\{ \.Values\.gateway\.h2cPort \}\} \}/,
    );
    // The routers' headless Service, which the gateways resolve to balance over every router.
    expect(templates["router.yaml"]).toMatch(/clusterIP: None/);
    expect(templates["gateway.yaml"]).toMatch(/ROUTER_ADDRESS, value: "\{\{ \.Release\.Name \}\}-router-headless/);
  });

  it("sets only environment variables the programs read", () => {
    for (const [file, program] of [
      ["router.yaml", "router"],
      ["gateway.yaml", "gateway"],
    ] as const) {
      const source = readFileSync(join(root, programSources[program]!), "utf8");
      const variables = [...templates[file]!.matchAll(/name: ([A-Z][A-Z0-9_]+)/g)]
        .map((m) => m[1]!)
        .filter((v) => v !== "LOG_LEVEL");
      expect(variables.length).toBeGreaterThan(3);
      for (const variable of variables)
        expect(`${file} ${variable}: ${source.includes(variable)}`).toBe(`${file} ${variable}: true`);
    }
  });
});

describe("compose file deploy/compose/compose.yaml", () => {
  const compose = parse(readFileSync(join(root, "deploy/compose/compose.yaml"), "utf8"), { merge: true }) as {
    services: Record<
      string,
      {
        build?: { context: string; dockerfile: string };
        environment?: Record<string, string>;
        secrets?: { source: string }[];
        networks?: Record<string, { ipv4_address?: string }> | string[];
      }
    >;
    secrets: Record<string, { file: string }>;
  };
  const services = compose.services;

  it("runs three Consul servers, an agent per router, two routers, two gateways, the simulator and two boxes", () => {
    expect(Object.keys(services).sort()).toEqual(
      [
        "anpr-sim",
        "consul-1",
        "consul-2",
        "consul-3",
        "consul-agent-1",
        "consul-agent-2",
        "gateway-1",
        "gateway-2",
        "novabox-rovereto",
        "novabox-trento",
        "router-1",
        "router-2",
      ].sort(),
    );
  });

  it("builds every image from a Dockerfile in the repository", () => {
    for (const [name, service] of Object.entries(services)) {
      if (!service.build) continue;
      expect(
        `${name}: ${existsSync(join(root, "deploy/compose", service.build.context, service.build.dockerfile))}`,
      ).toBe(`${name}: true`);
    }
  });

  it("sets only variables the programs read, points the gateways at both routers and each box at its secret", () => {
    const programOf = (name: string) =>
      name.startsWith("router")
        ? "router"
        : name.startsWith("gateway")
          ? "gateway"
          : name.startsWith("novabox")
            ? "novabox"
            : name === "anpr-sim"
              ? "anpr-sim"
              : undefined;
    for (const [name, service] of Object.entries(services)) {
      const program = programOf(name);
      if (!program) continue;
      const source = readFileSync(join(root, programSources[program]!), "utf8");
      for (const variable of Object.keys(service.environment ?? {}).filter((v) => v !== "CONSUL_HTTP_ADDR"))
        expect(`${name} ${variable}: ${source.includes(variable)}`).toBe(`${name} ${variable}: true`);
    }
    const routerAddresses = ["router-1", "router-2"].map(
      (r) => `${(services[r]!.networks as Record<string, { ipv4_address: string }>).mesh!.ipv4_address}:50060`,
    );
    for (const g of ["gateway-1", "gateway-2"])
      expect(services[g]!.environment!.ROUTER_ADDRESS!.split(",").sort()).toEqual(routerAddresses.sort());
    for (const box of ["novabox-trento", "novabox-rovereto"]) {
      const secret = services[box]!.secrets![0]!.source;
      expect(compose.secrets[secret]).toEqual({ file: expect.stringMatching(/^\.\/secret-key-\d{6}$/) });
    }
  });
});

describe("the router's node flags (heap bounds)", () => {
  it("are the same in the systemd unit, which bench/directory-scale reads, and in the Docker image", () => {
    const unit = readFileSync(join(root, "deploy/systemd/novares-router.service"), "utf8");
    const exec = /^ExecStart=\S+ (.*?)\s*dist\/services\/router\/src\/server\/main\.bundle\.js$/m.exec(unit);
    const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(join(root, "deploy/docker/router.Dockerfile"), "utf8"));
    expect(exec).not.toBeNull();
    expect(cmd).not.toBeNull();
    const unitFlags = exec![1]!.split(/\s+/).filter(Boolean);
    const imageArgs = JSON.parse(cmd![1]!) as string[];
    expect(imageArgs).toEqual(["node", ...unitFlags, "dist/services/router/src/server/main.bundle.js"]);
    expect(unitFlags).toEqual(expect.arrayContaining([expect.stringMatching(/^--max-old-space-size=\d+$/)]));
    const arenas = /^Environment=MALLOC_ARENA_MAX=(\d+)$/m.exec(unit)?.[1];
    expect(arenas).toBeDefined();
    expect(readFileSync(join(root, "deploy/docker/router.Dockerfile"), "utf8")).toMatch(
      new RegExp(`^ENV MALLOC_ARENA_MAX=${arenas}$`, "m"),
    );
  });
});
