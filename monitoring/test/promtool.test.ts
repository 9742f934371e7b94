/**
 * The Prometheus config and rules pass promtool (check config, check rules, the rules' unit tests),
 * the unit tests fail when a rule breaks, the generated test files and dashboards are up to date,
 * every alert carries severity and runbook text, and dashboards name no host.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPrometheus, monitoringDir, renderPrometheusConfig, rulesDir } from '../src/index.js';
import { renderDashboards } from '../scripts/dashboards.js';
import { readAlertRules, renderRuleTests, renderTemplate } from '../scripts/ruleTestCases.js';
import { dashboardQueries, dashboards, panelsOf, promtool } from './helpers.js';

const prom = join(monitoringDir(), 'prometheus');

describe('promtool', () => {
  test('check config: the shipped prometheus.yml', () => {
    const r = promtool(['check', 'config', join(prom, 'prometheus.yml')]);
    expect([r.code, r.out]).toEqual([0, expect.stringContaining('SUCCESS')]);
    expect(r.out).toMatch(/rules\/operator\.yml/);
  });

  test('check config: a rendered config (absolute rules path, several targets)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'promcfg-'));
    try {
      const file = join(dir, 'prometheus.yml');
      writeFileSync(file, renderPrometheusConfig({ operators: ['127.0.0.1:9101', 'op-2.example:9091'], aggregators: ['[::1]:8090'], scrapeIntervalS: 2.5 }));
      const r = promtool(['check', 'config', file]);
      expect([r.code, r.out]).toEqual([0, expect.stringContaining('SUCCESS')]);
      expect(r.out).toContain(join(rulesDir(), 'aggregator.yml'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('check rules', () => {
    const r = promtool(['check', 'rules', ...['operator', 'aggregator', 'oracle'].map((f) => join(prom, 'rules', `${f}.yml`))]);
    expect([r.code, r.out]).toEqual([0, expect.not.stringContaining('FAILED')]);
  });

  test('test rules: every alert fires on its failing series and stays quiet on healthy ones', () => {
    const r = promtool(['test', 'rules', 'operator.test.yml', 'aggregator.test.yml', 'oracle.test.yml'], { cwd: join(prom, 'tests') });
    expect([r.code, r.out]).toEqual([0, expect.not.stringContaining('FAILED')]);
  });

  test('test rules fails when a rule is broken (a threshold moved, a filter dropped)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'promrules-'));
    try {
      cpSync(prom, dir, { recursive: true });
      const agg = join(dir, 'rules', 'aggregator.yml');
      writeFileSync(agg, readFileSync(agg, 'utf8').replace('balance_wei < 0.1e18', 'balance_wei < 0.01e18'));
      const op = join(dir, 'rules', 'operator.yml');
      writeFileSync(op, readFileSync(op, 'utf8').replace('aioracle_operator_service_up{service="redis"} == 0', 'aioracle_operator_service_up == 0'));
      const r = promtool(['test', 'rules', 'operator.test.yml', 'aggregator.test.yml'], { cwd: join(dir, 'tests') });
      expect(r.code).not.toBe(0);
      expect(r.out).toMatch(/alertname: AioracleSubmitterBalanceLow/);
      expect(r.out).toMatch(/alertname: AioracleOperatorRedisUnreachable/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('generated files are up to date (npm run gen -w @aioracle/monitoring)', () => {
  test.each(Object.entries(renderRuleTests(rulesDir())))('prometheus/tests/%s', (name, text) => {
    expect(readFileSync(join(prom, 'tests', name), 'utf8')).toBe(text);
  });
  test.each(Object.entries(renderDashboards()))('grafana/dashboards/%s', (name, text) => {
    expect(readFileSync(join(monitoringDir(), 'grafana', 'dashboards', name), 'utf8')).toBe(text);
  });
  test('an alert without a test case is refused', () => {
    expect(() => renderRuleTests(rulesDir(), { operator: [], aggregator: [], oracle: [] })).toThrow(/Aioracle\w+ \(aggregator\.yml\) has no promtool test case/);
  });
});

describe('alert rules', () => {
  const all = Object.entries(readAlertRules(rulesDir())).flatMap(([f, rs]) => rs.map((r) => [`${f}.yml ${r.alert}`, r] as const));
  test('there are alerts for each thing the runbook promises', () => {
    const names = all.map(([, r]) => r.alert);
    for (const n of ['AioracleOperatorDown', 'AioracleOperatorUnhealthy', 'AioracleOperatorMissedTasks', 'AioracleOperatorSlashed', 'AioracleOperatorModelMismatch', 'AioracleQuorumNotReached', 'AioracleTasksExpiring', 'AioracleFinalisationSloBreach', 'AioracleSubmissionsFailing', 'AioracleSubmitterBalanceLow', 'AioracleAggregatorQueueBacklog', 'AioracleOperatorQueueBacklog', 'AioracleDissentRising', 'AioracleAggregatorRedisUnreachable', 'AioracleOperatorRedisUnreachable']) {
      expect([n, names.includes(n)]).toEqual([n, true]);
    }
  });
  test.each(all)('%s has a severity, a component and summary/description/runbook text', (_w, r) => {
    expect(['critical', 'warning']).toContain(r.labels?.severity);
    expect(['operator', 'aggregator', 'oracle']).toContain(r.labels?.component);
    for (const k of ['summary', 'description', 'runbook']) expect([k, (r.annotations?.[k] ?? '').length > 20]).toEqual([k, true]);
  });
  test('the template renderer used for expected annotations matches Prometheus on known values', () => {
    expect(renderTemplate('{{ $value | humanize }}|{{ $value | humanizePercentage }}|{{$labels.a}}', { a: 'x' }, 0.25)).toBe('250m|25%|x');
    expect(renderTemplate('{{ $value | humanize }}', {}, 5e16)).toBe('50P');
    expect(renderTemplate('{{ $value | humanizeDuration }}/{{ $value }}', {}, 3725)).toBe('1h 2m 5s/3725');
    expect(() => renderTemplate('{{ $value | printf "%.2f" }}', {}, 1)).toThrow(/unsupported/);
  });
});

describe('dashboards', () => {
  const ds = Object.entries(dashboards());
  test('operator, aggregator and oracle dashboards exist', () => {
    expect(ds.map(([f]) => f).sort()).toEqual(['aggregator.json', 'operator.json', 'oracle.json']);
  });
  test.each(ds)('%s: datasource, job and instance are variables; every panel and target uses ${datasource}', (_f, d) => {
    const vars = d.templating.list.map((v) => v.name);
    expect(vars).toEqual(expect.arrayContaining(['datasource', 'job', 'instance']));
    expect(d.templating.list.find((v) => v.name === 'datasource')?.type).toBe('datasource');
    for (const p of panelsOf(d).filter((x) => x.type !== 'row')) {
      expect([p.title, p.datasource]).toEqual([p.title, { type: 'prometheus', uid: '${datasource}' }]);
      expect([p.title, (p.targets ?? []).length > 0]).toEqual([p.title, true]);
      for (const t of p.targets ?? []) expect([p.title, t.datasource]).toEqual([p.title, { type: 'prometheus', uid: '${datasource}' }]);
    }
  });
  test('no query names a host or a fixed job: instance and job are only matched against variables', () => {
    for (const q of dashboardQueries()) {
      for (const m of q.expr.matchAll(/\b(instance|job)\s*(=~|=|!=|!~)\s*"([^"]*)"/g)) expect([q.where, m[3]]).toEqual([q.where, `$${m[1]}`]);
      expect([q.where, /\d+\.\d+\.\d+\.\d+|localhost|:\d{2,5}\b/.test(q.expr)]).toEqual([q.where, false]);
    }
  });
});

describe('helpers', () => {
  test('renderPrometheusConfig rejects a URL instead of host:port, and a bad interval', () => {
    expect(() => renderPrometheusConfig({ operators: ['http://127.0.0.1:9091/metrics'], aggregators: [] })).toThrow(/not host:port/);
    expect(() => renderPrometheusConfig({ operators: [], aggregators: [], scrapeIntervalS: 0 })).toThrow(/scrapeIntervalS/);
    expect(() => renderPrometheusConfig({ operators: [], aggregators: [], scrapeIntervalS: Number.NaN })).toThrow(/scrapeIntervalS/);
    expect(renderPrometheusConfig({ operators: [], aggregators: [], scrapeIntervalS: 2.5 })).toContain('scrape_interval: 2500ms');
  });
  test('findPrometheus looks on PATH only', () => {
    const saved = process.env.PATH;
    try {
      process.env.PATH = '';
      expect(findPrometheus()).toBeNull();
    } finally {
      process.env.PATH = saved;
    }
  });
});
