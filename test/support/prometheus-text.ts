/**
 * Reading the Prometheus text exposition the services serve on GET /metrics, for tests that scrape a
 * running process and compare (https://prometheus.io/docs/instrumenting/exposition_formats/).
 */

/** The body of `url`'s /metrics (plain HTTP on loopback); throws on a non-200 answer. */
export async function scrape(url: string): Promise<string> {
  const res = await fetch(url);
  const body = await res.text();
  if (res.status !== 200) throw new Error(`GET ${url}: HTTP ${res.status} ${body.slice(0, 200)}`);
  return body;
}

/** The metric families declared in an exposition (`# TYPE name type`), by name. */
export function metricFamilies(body: string): Map<string, string> {
  const families = new Map<string, string>();
  for (const line of body.split("\n")) {
    const match = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (\w+)$/.exec(line);
    if (match) families.set(match[1]!, match[2]!);
  }
  return families;
}

/** The label pairs of one sample line (`name{a="x",b="y"} 1`), unescaped. */
function labelsOf(line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const open = line.indexOf("{");
  if (open < 0) return labels;
  const pattern = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (const m of line.slice(open, line.lastIndexOf("}") + 1).matchAll(pattern))
    labels[m[1]!] = m[2]!.replace(/\\n/g, "\n").replace(/\\(["\\])/g, "$1");
  return labels;
}

/**
 * The sum of the samples of `name` whose labels include `labels` (exact values); 0 when there is
 * none (a labelled counter has no sample until it first moves).
 */
export function sampleSum(body: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of body.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const own = labelsOf(line);
    if (Object.entries(labels).every(([k, v]) => own[k] === v)) sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}
