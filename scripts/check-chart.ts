/**
 * Renders and validates the Helm chart deploy/helm/novares where `helm` is installed (it is not
 * part of scripts/install-tools.sh: it takes longer than 15 minutes to build from the Go module
 * proxy on the shared 2-core machines; `go install helm.sh/helm/v3/cmd/helm@v3.16.4` elsewhere):
 *   1. `helm lint`;
 *   2. `helm template` of a scratch copy whose Chart.yaml omits the Consul dependency when it has
 *      not been fetched (`helm dependency update` needs https://helm.releases.hashicorp.com), with
 *      consul.enabled=false: every template of this chart is rendered;
 *   3. every rendered object validated against the Kubernetes OpenAPI schema of its kind
 *      (kubernetes-models: types, enums and required fields; unknown fields are not reported).
 * Usage: node --import tsx scripts/check-chart.ts [path/to/helm]. Exits non-zero on any failure.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { parseCommandLine } from "../services/shared/src/runtime/cli.js";

const { positionals } = parseCommandLine(process.argv.slice(2), {
  usage:
    "usage: node --import tsx scripts/check-chart.ts [path/to/helm]   (helm lint, helm template, Kubernetes schema check of deploy/helm/novares)",
  maxPositionals: 1,
});
const helm = positionals[0] ?? "helm";
const chart = new URL("../deploy/helm/novares", import.meta.url).pathname;

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
}

console.log(execFileSync(helm, ["lint", chart], { encoding: "utf8" }).trim());

const scratch = mkdtempSync(join(tmpdir(), "check-chart-"));
try {
  const copy = join(scratch, "novares");
  cpSync(chart, copy, { recursive: true });
  if (!existsSync(join(copy, "charts"))) {
    const metadata = parse(readFileSync(join(copy, "Chart.yaml"), "utf8")) as Record<string, unknown>;
    delete metadata.dependencies;
    writeFileSync(join(copy, "Chart.yaml"), JSON.stringify(metadata));
    console.log("consul subchart not fetched: rendering this chart's templates without it");
  }
  const rendered = execFileSync(
    helm,
    ["template", "novares", copy, "--namespace", "novares", "--set", "consul.enabled=false"],
    { encoding: "utf8" },
  );
  const objects = parseAllDocuments(rendered)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
  for (const object of objects) {
    const group = object.apiVersion.includes("/") ? object.apiVersion : "v1";
    const module = (await import(`kubernetes-models/${group}/${object.kind}`)) as Record<
      string,
      new (data: unknown) => { validate(): void }
    >;
    const Model = module[object.kind];
    if (!Model) throw new Error(`no schema for ${object.apiVersion} ${object.kind}`);
    new Model(object).validate();
    console.log(`valid: ${object.apiVersion} ${object.kind} ${object.metadata.name}`);
  }
  console.log(`${objects.length} objects rendered and valid`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
