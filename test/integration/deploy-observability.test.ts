/**
 * deploy/prometheus and deploy/grafana against what the services really serve:
 * - every alert rule and every dashboard query parses with the PromQL grammar of Prometheus's own UI
 *   (@prometheus-io/lezer-promql, the parser the expression browser uses), and every rule has a
 *   severity, a summary and a valid `for`;
 * - every metric they name is a family a running router, gateway or Novabox serves on /metrics
 *   (scraped from the processes, not a list kept here), and rate()/increase() only take counters;
 * - the scrape config's targets use the ports the systemd units, the compose file and the Helm values
 *   give those listeners, with the scheme the listener speaks, and its Consul job keeps the services
 *   the routers register the boxes under.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parser } from "@prometheus-io/lezer-promql";
import { parse as parseYaml } from "yaml";
import { shardServiceName } from "../../services/router/src/domain/directory-shards.js";
import { opsPaths } from "#shared/rpc/ops-http.js";
import { metricFamilies, scrape } from "../support/prometheus-text.js";
import { startService, type StartedService } from "../support/services.js";

const root = new URL("../../", import.meta.url).pathname;
const read = (path: string) => readFileSync(join(root, path), "utf8");
const work = mkdtempSync(join(tmpdir(), "deploy-observability-"));

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface ScrapeJob {
  job_name: string;
  metrics_path?: string;
  scheme?: string;
  tls_config?: { ca_file?: string; insecure_skip_verify?: boolean };
  static_configs?: { targets: string[] }[];
  consul_sd_configs?: { server: string }[];
  relabel_configs?: {
    source_labels?: string[];
    regex?: string;
    action?: string;
    target_label?: string;
    replacement?: string;
  }[];
}
interface DashboardPanel {
  title: string;
  targets?: { expr: string }[];
  panels?: DashboardPanel[];
}

const prometheusYml = parseYaml(read("deploy/prometheus/prometheus.yml")) as {
  rule_files: string[];
  scrape_configs: ScrapeJob[];
};
const alertsYml = parseYaml(read("deploy/prometheus/alerts.yml")) as { groups: { name: string; rules: Rule[] }[] };
const dashboard = JSON.parse(read("deploy/grafana/novabox-mesh.json")) as {
  panels: DashboardPanel[];
  templating: { list: { name: string; type: string }[] };
};

/** Every query of the dashboard, with Grafana's interval variables given a value PromQL accepts. */
const dashboardQueries: { title: string; expr: string }[] = [];
(function collect(panels: DashboardPanel[]) {
  for (const panel of panels) {
    for (const target of panel.targets ?? [])
      dashboardQueries.push({
        title: panel.title,
        expr: target.expr.replace(/\$__(rate_interval|interval|range)\b/g, "5m"),
      });
    collect(panel.panels ?? []);
  }
})(dashboard.panels);

const ruleQueries = alertsYml.groups.flatMap((g) =>
  g.rules.map((r) => ({ title: `${g.name}/${r.alert ?? r.record ?? "?"}`, expr: r.expr })),
);

/** What one PromQL expression selects: its syntax errors, the metric names, and those under rate()/increase(). */
function analyse(expr: string): { errors: number[]; metrics: string[]; counted: string[] } {
  const errors: number[] = [];
  const metrics: string[] = [];
  const counted: string[] = [];
  const functions: string[] = [];
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError) errors.push(node.from);
      if (node.name === "FunctionCall") {
        const identifier = node.node.getChild("FunctionIdentifier");
        functions.push(identifier ? expr.slice(identifier.from, identifier.to) : "");
      }
      if (node.name === "Identifier" && node.node.parent?.name === "VectorSelector") {
        const name = expr.slice(node.from, node.to);
        metrics.push(name);
        if (["rate", "increase", "irate"].includes(functions.at(-1) ?? "")) counted.push(name);
      }
    },
    leave(node) {
      if (node.name === "FunctionCall") functions.pop();
    },
  });
  return { errors, metrics, counted };
}

/** `Environment=KEY=VALUE` lines of a systemd unit. */
function unitEnvironment(path: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of read(path).split("\n")) {
    const match = /^Environment=([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match) env[match[1]!] = match[2]!;
  }
  return env;
}

/** Every value of `key` anywhere in a parsed YAML document (compose environments, anchors included). */
function valuesOf(doc: unknown, key: string): string[] {
  if (Array.isArray(doc)) return doc.flatMap((d) => valuesOf(d, key));
  if (doc === null || typeof doc !== "object") return [];
  return Object.entries(doc as Record<string, unknown>).flatMap(([k, v]) =>
    k === key && (typeof v === "string" || typeof v === "number") ? [String(v)] : valuesOf(v, key),
  );
}

const job = (name: string) => {
  const found = prometheusYml.scrape_configs.find((j) => j.job_name === name);
  if (!found) throw new Error(`no scrape job ${name} in deploy/prometheus/prometheus.yml`);
  return found;
};
const targetPorts = (j: ScrapeJob) => [
  ...new Set((j.static_configs ?? []).flatMap((c) => c.targets).map((t) => t.slice(t.lastIndexOf(":") + 1))),
];

describe("deploy/prometheus and deploy/grafana (static)", () => {
  it("parses every alert rule with the PromQL grammar, each with a severity, a summary and a valid duration", () => {
    const problems: string[] = [];
    const names = new Set<string>();
    for (const group of alertsYml.groups) {
      for (const rule of group.rules) {
        const name = `${group.name}/${rule.alert ?? "?"}`;
        if (!rule.alert) problems.push(`${name}: no alert name`);
        if (names.has(rule.alert ?? "")) problems.push(`${name}: duplicate alert name`);
        names.add(rule.alert ?? "");
        const { errors } = analyse(rule.expr);
        if (errors.length > 0) problems.push(`${name}: PromQL syntax error at ${errors.join(", ")} in ${rule.expr}`);
        if (!["critical", "warning"].includes(rule.labels?.severity ?? ""))
          problems.push(`${name}: severity "${rule.labels?.severity ?? ""}"`);
        if (!rule.annotations?.summary || !rule.annotations.description)
          problems.push(`${name}: no summary/description`);
        if (rule.for !== undefined && !/^(\d+(ms|s|m|h|d|w|y))+$/.test(rule.for))
          problems.push(`${name}: for "${rule.for}"`);
      }
    }
    expect(problems).toEqual([]);
    // The alerts issue 13 asks for: ANPR down, certificate expiring, box flapping, mass extraction, Consul sync stalled.
    expect([...names]).toEqual(
      expect.arrayContaining([
        "NovaboxAnprDown",
        "CertificateExpiring",
        "NovaboxFlapping",
        "MassExtractionAlert",
        "MeshWideMassExtractionAlert",
        "ConsulSyncStalled",
      ]),
    );
  });

  it("rejects what is not PromQL (the parse check can fail)", () => {
    for (const broken of ["rate(x_total[5m]", "sum by (a (x)", "x_total{a=}", "x y"])
      expect(`${broken}: ${analyse(broken).errors.length > 0 ? "error" : "parsed"}`).toBe(`${broken}: error`);
  });

  it("parses every dashboard query, each panel on the dashboard's Prometheus data source variable", () => {
    expect(dashboardQueries.length).toBeGreaterThan(10);
    const problems = dashboardQueries
      .filter((q) => analyse(q.expr).errors.length > 0)
      .map((q) => `${q.title}: ${q.expr}`);
    expect(problems).toEqual([]);
    expect(dashboard.templating.list).toContainEqual(
      expect.objectContaining({ name: "datasource", type: "datasource" }),
    );
    for (const panel of dashboard.panels as (DashboardPanel & { datasource?: { uid?: string } })[])
      expect(`${panel.title}: ${panel.datasource?.uid ?? "none"}`).toBe(`${panel.title}: \${datasource}`);
  });

  it("loads the rule file it names (relative to the config)", () => {
    for (const file of prometheusYml.rule_files) expect(existsSync(join(root, "deploy/prometheus", file))).toBe(true);
    expect(prometheusYml.rule_files).toContain("alerts.yml");
  });

  it("scrapes the gateway, router and Novabox listeners on the ports the deployments give them, with their scheme", () => {
    const compose = parseYaml(read("deploy/compose/compose.yaml")) as unknown;
    const helm = parseYaml(read("deploy/helm/novares/values.yaml")) as {
      router: { opsPort: number };
      gateway: { port: number };
    };
    for (const j of prometheusYml.scrape_configs) expect(opsPaths).toContain(j.metrics_path ?? "/metrics");

    // Gateway: /metrics on its browser listener (GATEWAY_PORT).
    const gatewayUnit = unitEnvironment("deploy/systemd/novares-gateway.service");
    expect(targetPorts(job("novares-gateway"))).toEqual([gatewayUnit.GATEWAY_PORT]);
    expect([...new Set(valuesOf(compose, "GATEWAY_PORT"))]).toEqual([gatewayUnit.GATEWAY_PORT]);
    expect(String(helm.gateway.port)).toBe(gatewayUnit.GATEWAY_PORT);

    // Router: /metrics on its ops listener (ROUTER_OPS_PORT), which is off unless the unit sets it.
    const routerUnit = unitEnvironment("deploy/systemd/novares-router.service");
    expect(routerUnit.ROUTER_OPS_PORT).toMatch(/^[1-9]\d*$/);
    expect(targetPorts(job("novares-router"))).toEqual([routerUnit.ROUTER_OPS_PORT]);
    expect([...new Set(valuesOf(compose, "ROUTER_OPS_PORT"))]).toEqual([routerUnit.ROUTER_OPS_PORT]);
    expect(String(helm.router.opsPort)).toBe(routerUnit.ROUTER_OPS_PORT);

    // Novabox: found in the Consul catalog; /metrics on its admin listener (NOVABOX_HTTP_PORT),
    // HTTPS whenever the box does not listen on loopback only (admin-tls.ts), verified with a CA file.
    const boxUnit = unitEnvironment("deploy/systemd/novabox.service");
    const boxes = job("novabox");
    expect(boxes.consul_sd_configs?.length).toBe(1);
    const address = boxes.relabel_configs?.find((r) => r.target_label === "__address__");
    expect(address?.replacement).toBe(`\${1}:${boxUnit.NOVABOX_HTTP_PORT!}`);
    expect([...new Set(valuesOf(compose, "NOVABOX_HTTP_PORT"))]).toEqual([boxUnit.NOVABOX_HTTP_PORT]);
    expect(boxUnit.NOVABOX_HOST ?? "0.0.0.0").not.toMatch(/^127\.|^localhost$|^::1$/);
    expect(boxes.scheme).toBe("https");
    expect(boxes.tls_config?.ca_file).toBeTruthy();
    expect(boxes.tls_config?.insecure_skip_verify).toBeUndefined();
    // The keep rule (anchored, as Prometheus anchors relabel regexes) keeps the routers' province services only.
    const keep = boxes.relabel_configs?.find((r) => r.action === "keep");
    expect(keep?.source_labels).toEqual(["__meta_consul_service"]);
    const kept = new RegExp(`^(?:${keep!.regex!})$`);
    expect(kept.test(shardServiceName("022"))).toBe(true);
    expect(kept.test("consul")).toBe(false);
  });
});

describe("the metrics the rules and the dashboard use, against the running services' /metrics", () => {
  const started: StartedService[] = [];
  /** Metric family → its type, from the three services' expositions. */
  const families = new Map<string, string>();

  beforeAll(async () => {
    const router = await startService(
      "services/router/src/server/main.ts",
      { ROUTER_PORT: "0", ROUTER_OPS_PORT: "0", MESH_PLAINTEXT: "true", MESH_TLS_DIR: "" },
      "router ready",
    );
    started.push(router);
    const gateway = await startService(
      "services/gateway/src/server/main.ts",
      {
        GATEWAY_PORT: "0",
        GATEWAY_H2C_PORT: "0",
        ROUTER_ADDRESS: `127.0.0.1:${String(router.ready.port)}`,
        MESH_PLAINTEXT: "true",
        GATEWAY_DEV_SSO: "true",
        GATEWAY_SSO_DIR: join(work, "sso"),
      },
      "gateway ready",
    );
    started.push(gateway);
    const box = await startService(
      "services/novabox/src/server/main.ts",
      {
        ANPR_HOME: join(work, "box"),
        NOVABOX_GRPC_PORT: "0",
        NOVABOX_HTTP_PORT: "0",
        NOVABOX_HOST: "127.0.0.1",
        NOVABOX_MESH_PLAINTEXT: "true",
      },
      "novabox ready",
    );
    started.push(box);
    for (const url of [
      `http://127.0.0.1:${String(router.ready.opsPort)}/metrics`,
      `http://127.0.0.1:${String(gateway.ready.port)}/metrics`,
      `http://127.0.0.1:${String(box.ready.httpPort)}/metrics`,
    ])
      for (const [name, type] of metricFamilies(await scrape(url))) families.set(name, type);
  }, 120_000);

  afterAll(async () => {
    for (const s of started.reverse()) await s.process.stop();
    rmSync(work, { recursive: true, force: true });
  });

  /** The family a selected series belongs to (a histogram's _bucket/_sum/_count series are its own). */
  const familyOf = (name: string): string | undefined => {
    if (families.has(name)) return name;
    const base = name.replace(/_(bucket|sum|count)$/, "");
    return base !== name && ["histogram", "summary"].includes(families.get(base) ?? "") ? base : undefined;
  };

  it("finds every metric of the rules and the dashboard among the families the services serve", () => {
    expect(families.size).toBeGreaterThan(20);
    const missing = new Set<string>();
    for (const q of [...ruleQueries, ...dashboardQueries])
      for (const metric of analyse(q.expr).metrics) if (!familyOf(metric)) missing.add(`${q.title}: ${metric}`);
    expect([...missing]).toEqual([]);
  });

  it("takes rate() and increase() of counters (or histogram series) only", () => {
    const wrong: string[] = [];
    for (const q of [...ruleQueries, ...dashboardQueries]) {
      for (const metric of analyse(q.expr).counted) {
        const family = familyOf(metric);
        if (family && family === metric && families.get(family) !== "counter")
          wrong.push(`${q.title}: ${metric} is a ${families.get(family)!}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("serves the families issue 13 lists on the listeners the scrape config names", () => {
    for (const family of [
      "mesh_rpc_server_handled_total",
      "mesh_rpc_server_handling_seconds",
      "novabox_anpr_requests_total",
      "novabox_anpr_request_duration_seconds",
      "router_routing_table_instances",
      "router_registry_sync_lag_seconds",
      "router_registry_syncs_total",
      "novabox_announcements_total",
      "router_announcements_total",
      "mesh_rpc_refusals_total",
      "novabox_limit_refusals_total",
      "novabox_mass_extraction_alerts_total",
      "gateway_mass_extraction_alerts_total",
      "novabox_audit_rows_written_total",
      "mesh_certificate_expiry_days",
    ])
      expect(`${family}: ${families.get(family) ?? "missing"}`).toMatch(
        new RegExp(`^${family}: (counter|gauge|histogram)$`),
      );
  });
});
