/**
 * Test helpers: promtool as a child process, metric names in PromQL and in the Prometheus text
 * format, and every query the rules and dashboards hold.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { findOnPath, monitoringDir, rulesDir } from '../src/index.js';

/** Runs promtool; a missing promtool fails the test with what to install. */
export function promtool(args: string[], opts: { input?: string; cwd?: string } = {}): { code: number; out: string } {
  const bin = findOnPath('promtool');
  if (bin === null) {
    throw new Error('promtool is not on PATH. Install it (Debian/Ubuntu: `apt-get install --no-install-recommends prometheus`; .ci/run does this) or put a promtool binary from a Prometheus release on PATH.');
  }
  const r = spawnSync(bin, args, { input: opts.input, cwd: opts.cwd ?? monitoringDir(), encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

/** A query with where it comes from (for assertion messages). */
export interface SourcedQuery {
  where: string;
  expr: string;
}

/** Every alert expression in the rules files. */
export function ruleQueries(dir = rulesDir()): SourcedQuery[] {
  const out: SourcedQuery[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.yml'))) {
    const doc = parse(readFileSync(join(dir, f), 'utf8')) as { groups: { rules: { alert?: string; record?: string; expr: string }[] }[] };
    for (const g of doc.groups) for (const r of g.rules) out.push({ where: `${f} ${r.alert ?? r.record}`, expr: String(r.expr) });
  }
  return out;
}

interface PanelJson {
  title?: string;
  type?: string;
  targets?: { expr?: string; datasource?: unknown }[];
  datasource?: unknown;
  panels?: PanelJson[];
}
export interface DashboardJson {
  uid: string;
  title: string;
  panels: PanelJson[];
  templating: { list: { name: string; type: string; query?: unknown; datasource?: unknown }[] };
}

/** The dashboards in grafana/dashboards/, by file name. */
export function dashboards(): Record<string, DashboardJson> {
  const dir = join(monitoringDir(), 'grafana', 'dashboards');
  return Object.fromEntries(readdirSync(dir).filter((n) => n.endsWith('.json')).map((n) => [n, JSON.parse(readFileSync(join(dir, n), 'utf8')) as DashboardJson]));
}

/** Every panel (rows flattened) of a dashboard. */
export function panelsOf(d: DashboardJson): PanelJson[] {
  return d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

/** Every panel query and variable query of the dashboards. */
export function dashboardQueries(): SourcedQuery[] {
  const out: SourcedQuery[] = [];
  for (const [file, d] of Object.entries(dashboards())) {
    for (const p of panelsOf(d)) for (const t of p.targets ?? []) if (t.expr) out.push({ where: `${file} panel "${p.title}"`, expr: t.expr });
    for (const v of d.templating.list) {
      const q = typeof v.query === 'string' ? v.query : (v.query as { query?: string } | undefined)?.query;
      if (v.type === 'query' && q) out.push({ where: `${file} variable $${v.name}`, expr: q });
    }
  }
  return out;
}

/** The aioracle_* / eigen_* metric names a PromQL expression mentions. */
export function metricNamesIn(expr: string): string[] {
  return [...new Set(expr.match(/\b(?:aioracle|eigen)_[a-z0-9_]+/g) ?? [])];
}

/** Metric families in a Prometheus text exposition: name → type (from the # TYPE lines). */
export function families(exposition: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of exposition.matchAll(/^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (\w+)$/gm)) out.set(m[1]!, m[2]!);
  return out;
}

/**
 * The family a name used in a query belongs to: the name itself, or for `_bucket`/`_sum`/`_count`
 * the histogram (or summary) it is a series of. null when the exposition has no such family.
 */
export function familyOf(name: string, fams: Map<string, string>): string | null {
  if (fams.has(name)) return name;
  const m = /^(.*)_(bucket|sum|count)$/.exec(name);
  if (m) {
    const t = fams.get(m[1]!);
    if (t === 'histogram' || (t === 'summary' && m[2] !== 'bucket')) return m[1]!;
  }
  return null;
}
