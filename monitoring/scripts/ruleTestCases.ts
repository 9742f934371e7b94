/**
 * The promtool unit tests of the alert rules, written compactly: for each alert, series of a
 * failing target and of healthy targets, the times at which nothing may fire (healthy, or the
 * `for` not yet elapsed), and the time and labels at which exactly the failing target fires.
 * `renderRuleTests()` turns them into `prometheus/tests/<rules file>.test.yml`, adding the rule's
 * own labels and its annotations rendered for the expected labels and value (promtool compares
 * annotations exactly). The generated files are checked in and a jest test keeps them in step.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify, parse } from 'yaml';

/** One input series in promtool's expanding notation ("0+1x60", "1 1 0x10"). */
export interface SeriesSpec {
  series: string;
  values: string;
}

/** The unit test of one alert. */
export interface AlertCase {
  alert: string;
  /** Series that make the alert fire (the failing target). */
  bad: SeriesSpec[];
  /** Series of healthy targets, present at every evaluation; they must never fire. */
  healthy: SeriesSpec[];
  /** Eval times (e.g. "3m") at which no alert may be firing. */
  quiet: string[];
  /** Eval time at which exactly the listed alerts fire. */
  fires: { at: string; alerts: { labels: Record<string, string>; value: number }[] };
}

const OP = { job: 'aioracle-operator', instance: 'op-bad:9091' };
const AGG = { job: 'aioracle-aggregator', instance: 'agg-bad:8090' };
const sel = (name: string, labels: Record<string, string>): string => `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`;
const op = (extra: Record<string, string> = {}): Record<string, string> => ({ ...OP, ...extra });
const opOk = (extra: Record<string, string> = {}): Record<string, string> => ({ job: OP.job, instance: 'op-ok:9091', ...extra });
const agg = (extra: Record<string, string> = {}): Record<string, string> => ({ ...AGG, ...extra });
const aggOk = (extra: Record<string, string> = {}): Record<string, string> => ({ job: AGG.job, instance: 'agg-ok:8090', ...extra });

/** The cases, by rules file (without `.yml`). */
export const CASES: Record<string, AlertCase[]> = {
  operator: [
    {
      alert: 'AioracleOperatorDown',
      bad: [{ series: sel('up', op()), values: '1 1 0x10' }],
      healthy: [{ series: sel('up', opOk()), values: '1x12' }],
      quiet: ['1m', '3m'],
      fires: { at: '5m', alerts: [{ labels: op(), value: 0 }] },
    },
    {
      alert: 'AioracleOperatorUnhealthy',
      bad: [{ series: sel('eigen_performance_score', op({ avs_name: 'aioracle' })), values: '100 100 67x10' }],
      healthy: [{ series: sel('eigen_performance_score', opOk({ avs_name: 'aioracle' })), values: '100x12' }],
      quiet: ['1m', '4m'],
      fires: { at: '8m', alerts: [{ labels: op({ avs_name: 'aioracle' }), value: 67 }] },
    },
    {
      alert: 'AioracleOperatorRedisUnreachable',
      bad: [
        { series: sel('aioracle_operator_service_up', op({ service: 'redis' })), values: '1 1 0x10' },
        { series: sel('aioracle_operator_service_up', op({ service: 'rpc' })), values: '1x12' },
      ],
      healthy: [
        { series: sel('aioracle_operator_service_up', opOk({ service: 'redis' })), values: '1x12' },
        { series: sel('aioracle_operator_service_up', opOk({ service: 'aggregators' })), values: '0x12' },
      ],
      quiet: ['1m', '2m'],
      fires: { at: '4m', alerts: [{ labels: op({ service: 'redis' }), value: 0 }] },
    },
    {
      alert: 'AioracleOperatorMissedTasks',
      bad: [
        { series: sel('aioracle_operator_tasks_seen_total', op({ source: 'live' })), values: '0+1x60' },
        { series: sel('aioracle_operator_tasks_signed_total', op({ model: 'm@1' })), values: '0+0.5x60' },
      ],
      healthy: [
        { series: sel('aioracle_operator_tasks_seen_total', opOk({ source: 'live' })), values: '0+1x60' },
        { series: sel('aioracle_operator_tasks_signed_total', opOk({ model: 'm@1' })), values: '0+1x60' },
      ],
      quiet: ['2m', '10m'],
      fires: { at: '60m', alerts: [{ labels: op(), value: 0.5 }] },
    },
    {
      alert: 'AioracleOperatorDeliveryFailing',
      bad: [
        { series: sel('aioracle_operator_deliveries_total', op({ outcome: 'accepted' })), values: '0+1x40' },
        { series: sel('aioracle_operator_deliveries_total', op({ outcome: 'failed' })), values: '0+1x40' },
      ],
      healthy: [
        { series: sel('aioracle_operator_deliveries_total', opOk({ outcome: 'accepted' })), values: '0+2x40' },
        { series: sel('aioracle_operator_deliveries_total', opOk({ outcome: 'failed' })), values: '0x40' },
      ],
      quiet: ['5m'],
      fires: { at: '40m', alerts: [{ labels: op(), value: 0.5 }] },
    },
    {
      alert: 'AioracleOperatorSlashed',
      bad: [{ series: sel('aioracle_operator_slashed_total', op()), values: '0x10 1x50' }],
      healthy: [{ series: sel('aioracle_operator_slashed_total', opOk()), values: '0x60' }],
      quiet: ['5m'],
      fires: { at: '20m', alerts: [{ labels: op(), value: 1 }] },
    },
    {
      alert: 'AioracleOperatorModelMismatch',
      bad: [{ series: sel('aioracle_operator_model_mismatch', op({ model: 'liquidation-risk@1.0.0' })), values: '0 0 1x10' }],
      healthy: [{ series: sel('aioracle_operator_model_mismatch', opOk({ model: 'liquidation-risk@1.0.0' })), values: '0x12' }],
      quiet: ['1m'],
      fires: { at: '3m', alerts: [{ labels: op({ model: 'liquidation-risk@1.0.0' }), value: 1 }] },
    },
    {
      alert: 'AioracleOperatorEquivocationRefused',
      bad: [{ series: sel('aioracle_operator_tasks_rejected_total', op({ reason: 'equivocation' })), values: '0x5 1x20' }],
      healthy: [
        { series: sel('aioracle_operator_tasks_rejected_total', opOk({ reason: 'equivocation' })), values: '0x25' },
        { series: sel('aioracle_operator_tasks_rejected_total', opOk({ reason: 'bad_input' })), values: '0+1x25' },
      ],
      quiet: ['3m'],
      fires: { at: '10m', alerts: [{ labels: op({ reason: 'equivocation' }), value: 1 }] },
    },
    {
      alert: 'AioracleOperatorQueueBacklog',
      bad: [{ series: sel('aioracle_operator_queue_depth', op({ state: 'waiting' })), values: '0+2x60' }],
      healthy: [
        { series: sel('aioracle_operator_queue_depth', opOk({ state: 'waiting' })), values: '5x60' },
        // Large but steady: not growing, so not an alert.
        { series: sel('aioracle_operator_queue_depth', { job: OP.job, instance: 'op-steady:9091', state: 'waiting' }), values: '50x60' },
      ],
      quiet: ['5m', '15m'],
      fires: { at: '40m', alerts: [{ labels: op({ state: 'waiting' }), value: 80 }] },
    },
    {
      alert: 'AioracleOperatorTaskLatencyHigh',
      bad: [
        { series: sel('aioracle_operator_task_duration_seconds_bucket', op({ le: '30' })), values: '0x60' },
        { series: sel('aioracle_operator_task_duration_seconds_bucket', op({ le: '60' })), values: '0+10x60' },
        { series: sel('aioracle_operator_task_duration_seconds_bucket', op({ le: '+Inf' })), values: '0+10x60' },
      ],
      healthy: [
        { series: sel('aioracle_operator_task_duration_seconds_bucket', opOk({ le: '30' })), values: '0+10x60' },
        { series: sel('aioracle_operator_task_duration_seconds_bucket', opOk({ le: '60' })), values: '0+10x60' },
        { series: sel('aioracle_operator_task_duration_seconds_bucket', opOk({ le: '+Inf' })), values: '0+10x60' },
      ],
      quiet: ['10m'],
      fires: { at: '40m', alerts: [{ labels: op(), value: 58.5 }] },
    },
  ],
  aggregator: [
    {
      alert: 'AioracleAggregatorDown',
      bad: [{ series: sel('up', agg()), values: '1 1 0x10' }],
      healthy: [{ series: sel('up', aggOk()), values: '1x12' }],
      quiet: ['1m', '3m'],
      fires: { at: '5m', alerts: [{ labels: agg(), value: 0 }] },
    },
    {
      alert: 'AioracleAggregatorRedisUnreachable',
      bad: [{ series: sel('aioracle_aggregator_redis_up', agg()), values: '1 1 0x10' }],
      healthy: [{ series: sel('aioracle_aggregator_redis_up', aggOk()), values: '1x12' }],
      quiet: ['1m', '2m'],
      fires: { at: '4m', alerts: [{ labels: agg(), value: 0 }] },
    },
    {
      alert: 'AioracleAggregatorRpcUnreachable',
      bad: [{ series: sel('aioracle_aggregator_rpc_up', agg()), values: '1 1 0x10' }],
      healthy: [{ series: sel('aioracle_aggregator_rpc_up', aggOk()), values: '1x12' }],
      quiet: ['1m', '3m'],
      fires: { at: '5m', alerts: [{ labels: agg(), value: 0 }] },
    },
    {
      alert: 'AioracleTasksExpiring',
      bad: [{ series: sel('aioracle_aggregator_tasks_expired_total', agg({ outcome: 'expired' })), values: '0x10 1x30' }],
      healthy: [{ series: sel('aioracle_aggregator_tasks_expired_total', aggOk({ outcome: 'expired' })), values: '0x40' }],
      quiet: ['5m', '13m'],
      fires: { at: '20m', alerts: [{ labels: agg(), value: 1 }] },
    },
    {
      alert: 'AioracleQuorumNotReached',
      bad: [
        { series: sel('aioracle_aggregator_tasks_expired_total', agg({ outcome: 'expired' })), values: '0+1x90' },
        { series: sel('aioracle_aggregator_tasks_finalised_total', agg()), values: '0+1x90' },
      ],
      healthy: [
        { series: sel('aioracle_aggregator_tasks_expired_total', aggOk({ outcome: 'expired' })), values: '0x90' },
        { series: sel('aioracle_aggregator_tasks_finalised_total', aggOk()), values: '0+2x90' },
      ],
      quiet: ['5m'],
      fires: { at: '80m', alerts: [{ labels: agg(), value: 0.5 }] },
    },
    {
      alert: 'AioracleFinalisationSloBreach',
      bad: [
        { series: sel('aioracle_aggregator_time_to_finalisation_seconds_bucket', agg({ le: '60' })), values: '0+8x60' },
        { series: sel('aioracle_aggregator_time_to_finalisation_seconds_count', agg()), values: '0+10x60' },
      ],
      healthy: [
        { series: sel('aioracle_aggregator_time_to_finalisation_seconds_bucket', aggOk({ le: '60' })), values: '0+10x60' },
        { series: sel('aioracle_aggregator_time_to_finalisation_seconds_count', aggOk()), values: '0+10x60' },
        // 97% within the objective: inside the SLO.
        { series: sel('aioracle_aggregator_time_to_finalisation_seconds_bucket', { job: AGG.job, instance: 'agg-97:8090', le: '60' }), values: '0+97x60' },
        { series: sel('aioracle_aggregator_time_to_finalisation_seconds_count', { job: AGG.job, instance: 'agg-97:8090' }), values: '0+100x60' },
      ],
      quiet: ['5m'],
      fires: { at: '40m', alerts: [{ labels: agg(), value: 0.2 }] },
    },
    {
      alert: 'AioracleSubmissionsFailing',
      bad: [{ series: sel('aioracle_aggregator_submissions_total', agg({ outcome: 'failed' })), values: '0x5 2x20' }],
      healthy: [
        { series: sel('aioracle_aggregator_submissions_total', aggOk({ outcome: 'sent' })), values: '0+1x25' },
        { series: sel('aioracle_aggregator_submissions_total', aggOk({ outcome: 'failed' })), values: '0x25' },
      ],
      quiet: ['3m'],
      fires: { at: '10m', alerts: [{ labels: agg(), value: 2 }] },
    },
    {
      alert: 'AioracleSubmissionRetries',
      bad: [{ series: sel('aioracle_aggregator_submission_failures_total', agg({ code: 'ERR_RPC' })), values: '0+1x40' }],
      healthy: [{ series: sel('aioracle_aggregator_submission_failures_total', aggOk({ code: 'ERR_RPC' })), values: '0+0.2x40' }],
      quiet: ['3m'],
      fires: { at: '30m', alerts: [{ labels: agg(), value: 15 }] },
    },
    {
      alert: 'AioracleSubmitterBalanceLow',
      bad: [{ series: sel('aioracle_aggregator_submitter_balance_wei', agg()), values: '1e18 1e18 5e16x20' }],
      healthy: [{ series: sel('aioracle_aggregator_submitter_balance_wei', aggOk()), values: '1e18x22' }],
      quiet: ['1m', '3m'],
      fires: { at: '10m', alerts: [{ labels: agg(), value: 5e16 }] },
    },
    {
      alert: 'AioracleSubmitterBalanceCritical',
      bad: [{ series: sel('aioracle_aggregator_submitter_balance_wei', agg()), values: '1e18 1e18 5e15x10' }],
      healthy: [
        { series: sel('aioracle_aggregator_submitter_balance_wei', aggOk()), values: '1e18x12' },
        // Low, but not critical.
        { series: sel('aioracle_aggregator_submitter_balance_wei', { job: AGG.job, instance: 'agg-low:8090' }), values: '5e16x12' },
      ],
      quiet: ['1m', '2m'],
      fires: { at: '5m', alerts: [{ labels: agg(), value: 5e15 }] },
    },
    {
      alert: 'AioracleAggregatorQueueBacklog',
      bad: [{ series: sel('aioracle_aggregator_queue_jobs', agg({ queue: 'submit', state: 'waiting' })), values: '0+2x60' }],
      healthy: [
        // Expiry jobs pile up by design (one per open task): not a backlog.
        { series: sel('aioracle_aggregator_queue_jobs', aggOk({ queue: 'expire', state: 'waiting' })), values: '0+2x60' },
        { series: sel('aioracle_aggregator_queue_jobs', aggOk({ queue: 'submit', state: 'waiting' })), values: '50x60' },
      ],
      quiet: ['5m', '15m'],
      fires: { at: '40m', alerts: [{ labels: agg({ queue: 'submit', state: 'waiting' }), value: 80 }] },
    },
    {
      alert: 'AioracleDissentRising',
      bad: [
        { series: sel('aioracle_aggregator_dissent_found_total', agg()), values: '0+1x90' },
        { series: sel('aioracle_aggregator_tasks_finalised_total', agg()), values: '0+4x90' },
      ],
      healthy: [
        { series: sel('aioracle_aggregator_dissent_found_total', aggOk()), values: '0+1x90' },
        { series: sel('aioracle_aggregator_tasks_finalised_total', aggOk()), values: '0+100x90' },
      ],
      quiet: ['5m'],
      fires: { at: '80m', alerts: [{ labels: agg(), value: 0.25 }] },
    },
    {
      alert: 'AioracleSlashingFailed',
      bad: [{ series: sel('aioracle_aggregator_slashings_total', agg({ outcome: 'failed' })), values: '0x5 1x20' }],
      healthy: [{ series: sel('aioracle_aggregator_slashings_total', aggOk({ outcome: 'submitted' })), values: '0+1x25' }],
      quiet: ['3m'],
      fires: { at: '10m', alerts: [{ labels: agg(), value: 1 }] },
    },
    {
      alert: 'AioracleInvalidSignatures',
      bad: [{ series: sel('aioracle_aggregator_responses_rejected_total', agg({ reason: 'ERR_SIGNATURE_INVALID' })), values: '0+2x40' }],
      healthy: [
        { series: sel('aioracle_aggregator_responses_rejected_total', aggOk({ reason: 'ERR_SIGNATURE_INVALID' })), values: '0+0.5x40' },
        { series: sel('aioracle_aggregator_responses_rejected_total', aggOk({ reason: 'ERR_TASK_UNKNOWN' })), values: '0+5x40' },
      ],
      quiet: ['3m'],
      fires: { at: '30m', alerts: [{ labels: agg(), value: 30 }] },
    },
  ],
  oracle: [
    {
      alert: 'AioracleFeedStale',
      // Feed 1 is kept by two aggregators and never answered; feed 2 is answered every minute.
      bad: [
        { series: sel('aioracle_aggregator_feed_updated_timestamp_seconds', agg({ feed: '1' })), values: '0x30' },
        { series: sel('aioracle_aggregator_feed_heartbeat_seconds', agg({ feed: '1' })), values: '60x30' },
        { series: sel('aioracle_aggregator_feed_updated_timestamp_seconds', aggOk({ feed: '1' })), values: '0x30' },
        { series: sel('aioracle_aggregator_feed_heartbeat_seconds', aggOk({ feed: '1' })), values: '60x30' },
      ],
      healthy: [
        { series: sel('aioracle_aggregator_feed_updated_timestamp_seconds', agg({ feed: '2' })), values: '0+60x30' },
        { series: sel('aioracle_aggregator_feed_heartbeat_seconds', agg({ feed: '2' })), values: '60x30' },
      ],
      quiet: ['1m', '5m'],
      fires: { at: '20m', alerts: [{ labels: { feed: '1' }, value: 1200 }] },
    },
    {
      alert: 'AioracleFeedRoundRequestsFailing',
      bad: [{ series: sel('aioracle_aggregator_feed_rounds_requested_total', agg({ outcome: 'failed' })), values: '0x5 1x30' }],
      healthy: [{ series: sel('aioracle_aggregator_feed_rounds_requested_total', aggOk({ outcome: 'requested' })), values: '0+1x35' }],
      quiet: ['3m', '8m'],
      fires: { at: '15m', alerts: [{ labels: agg(), value: 1 }] },
    },
  ],
};

/** An alerting rule as read from a rules file. */
export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** The alerting rules of each rules file (name without `.yml`). */
export function readAlertRules(rulesDir: string): Record<string, AlertRule[]> {
  const out: Record<string, AlertRule[]> = {};
  for (const f of readdirSync(rulesDir).filter((n) => n.endsWith('.yml')).sort()) {
    const doc = parse(readFileSync(join(rulesDir, f), 'utf8')) as { groups: { rules: (AlertRule & { record?: string })[] }[] };
    out[f.replace(/\.yml$/, '')] = doc.groups.flatMap((g) => g.rules).filter((r) => r.alert !== undefined);
  }
  return out;
}

// Go's %.4g for the magnitudes used here (no exponent form).
function g4(v: number): string {
  if (v !== 0 && (Math.abs(v) >= 1e4 || Math.abs(v) < 1e-4)) throw new Error(`g4: ${v} would print in exponent form; pick another test value`);
  return String(Number(v.toPrecision(4)));
}

/** Prometheus' template functions used by the rules, for the test values. */
export const TEMPLATE_FUNCS: Record<string, (v: number) => string> = {
  humanize: (v) => {
    if (v === 0) return g4(v);
    let x = v;
    if (Math.abs(x) >= 1) {
      const pre = ['', 'k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];
      let i = 0;
      while (Math.abs(x) >= 1000 && i < pre.length - 1) {
        x /= 1000;
        i++;
      }
      return g4(x) + pre[i];
    }
    const pre = ['', 'm', 'u', 'n', 'p', 'f', 'a', 'z', 'y'];
    let i = 0;
    while (Math.abs(x) < 1 && i < pre.length - 1) {
      x *= 1000;
      i++;
    }
    return g4(x) + pre[i];
  },
  humanizePercentage: (v) => `${g4(v * 100)}%`,
  humanizeDuration: (v) => {
    if (v < 1) throw new Error('humanizeDuration: test values must be >= 1 s');
    const d = Math.trunc(v);
    const [s, m, h, days] = [d % 60, Math.trunc(d / 60) % 60, Math.trunc(d / 3600) % 24, Math.trunc(d / 86400)];
    if (days) return `${days}d ${h}h ${m}m ${s}s`;
    if (h) return `${h}h ${m}m ${s}s`;
    if (m) return `${m}m ${s}s`;
    return `${g4(v)}s`;
  },
};

/** Renders an annotation template for an alert's labels and value (the subset of Go templates the rules use). */
export function renderTemplate(tpl: string, labels: Record<string, string>, value: number): string {
  const out = tpl.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_m, inner: string) => {
    const lab = /^\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)$/.exec(inner);
    if (lab) return labels[lab[1]!] ?? '';
    const val = /^\$value(?:\s*\|\s*([a-zA-Z]+))?$/.exec(inner);
    if (val) {
      if (!val[1]) return String(value);
      const f = TEMPLATE_FUNCS[val[1]];
      if (!f) throw new Error(`renderTemplate: no test rendering for function ${val[1]}`);
      return f(value);
    }
    throw new Error(`renderTemplate: unsupported template {{ ${inner} }}`);
  });
  return out;
}

/**
 * The promtool test files for the rules in `rulesDir`, by file name (`<rules>.test.yml`). Throws
 * when an alert has no case, a case names no alert, or a case lacks a quiet time or healthy series.
 */
export function renderRuleTests(rulesDir: string, cases: Record<string, AlertCase[]> = CASES): Record<string, string> {
  const rules = readAlertRules(rulesDir);
  const files: Record<string, string> = {};
  for (const [file, alerts] of Object.entries(rules)) {
    const fileCases = cases[file] ?? [];
    for (const a of alerts) if (!fileCases.some((c) => c.alert === a.alert)) throw new Error(`alert ${a.alert} (${file}.yml) has no promtool test case in scripts/ruleTestCases.ts`);
    const tests = fileCases.map((c) => {
      const rule = alerts.find((a) => a.alert === c.alert);
      if (!rule) throw new Error(`test case ${c.alert} names no alert of ${file}.yml`);
      if (c.quiet.length === 0 || c.healthy.length === 0 || c.bad.length === 0 || c.fires.alerts.length === 0) {
        throw new Error(`test case ${c.alert} needs bad and healthy series, a quiet time and a firing alert`);
      }
      return {
        name: `${c.alert}: fires for the failing target only`,
        interval: '1m',
        input_series: [...c.bad, ...c.healthy],
        alert_rule_test: [
          ...c.quiet.map((t) => ({ eval_time: t, alertname: c.alert, exp_alerts: [] })),
          {
            eval_time: c.fires.at,
            alertname: c.alert,
            exp_alerts: c.fires.alerts.map((x) => {
              const labels = { ...x.labels, ...(rule.labels ?? {}) };
              const annotations = Object.fromEntries(Object.entries(rule.annotations ?? {}).map(([k, v]) => [k, renderTemplate(v, labels, x.value)]));
              return { exp_labels: labels, exp_annotations: annotations };
            }),
          },
        ],
      };
    });
    const doc = { rule_files: [`../rules/${file}.yml`], evaluation_interval: '1m', tests };
    files[`${file}.test.yml`] = `# Generated by \`npm run gen -w @aioracle/monitoring\` from scripts/ruleTestCases.ts\n# and the rules' annotations. Do not edit by hand; run: promtool test rules ${file}.test.yml\n${stringify(doc, { lineWidth: 0 })}`;
  }
  return files;
}
