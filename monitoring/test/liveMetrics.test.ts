/**
 * Live: a real operator node and a real aggregator on anvil with the AVS deployed (one registered
 * operator), their `/metrics` fetched over HTTP. Checks that every metric a rule or dashboard
 * queries is exported, that every exported aioracle_* / eigen_* metric is on a dashboard or
 * consciously listed in not-shown.json, and that `promtool check metrics` finds no problem.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { aggregatorConfigSchema } from '@aioracle/config';
import { deployAll, setupOperators, startAnvil, type AnvilInstance, type RegisteredOperator } from '@aioracle/deploy';
import { loadOperatorConfig, OperatorNode } from '@aioracle/operator';
import { startAggregator, type Aggregator } from '@aioracle/aggregator';
import { noopLogger, type Deployment } from '@aioracle/sdk';
import { Redis } from 'ioredis';
import { monitoringDir } from '../src/index.js';
import { dashboardQueries, familyOf, families, metricNamesIn, promtool, ruleQueries } from './helpers.js';

jest.setTimeout(300_000);

const MODELS_DIR = join(monitoringDir(), '..', 'config', 'models');
const notShown = JSON.parse(readFileSync(join(monitoringDir(), 'not-shown.json'), 'utf8')) as { metrics: Record<string, string> };

describe('live /metrics of a real operator and aggregator', () => {
  const prefix = `aioracle-mon-test-${process.pid}-${Date.now()}`;
  let dir: string;
  let anvil: AnvilInstance;
  let deployment: Deployment;
  let op: RegisteredOperator;
  let node: OperatorNode | null = null;
  let agg: Aggregator | null = null;
  let opText = '';
  let aggText = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'monitoring-live-'));
    anvil = await startAnvil();
    deployment = await deployAll({ rpcUrl: anvil.rpcUrl, deployerKey: anvil.accounts[0]!.privateKey, deploymentsDir: dir });
    const regs = await setupOperators(deployment, [{ ecdsaKey: anvil.accounts[3]!.privateKey, blsSecretKey: `0x${'00'.repeat(31)}2a` }], { rpcUrl: anvil.rpcUrl });
    op = regs[0]!;

    agg = await startAggregator(
      aggregatorConfigSchema.parse({
        eth_rpc_url: anvil.rpcUrl,
        deployment_file: join(dir, `${anvil.chainId}.json`),
        redis: { url: 'redis://127.0.0.1:6379', prefix: `${prefix}-agg` },
        api: { host: '127.0.0.1', port: 0 },
        watcher: { poll_interval_ms: 200 },
        submitter: { keystore_file: '/unused-the-key-is-passed-directly' },
        feeds: { enabled: true, poll_interval_ms: 60_000 },
        log: { level: 'silent' },
        shutdown_grace_ms: 3000,
      }),
      { logger: noopLogger, submitterKey: anvil.accounts[2]!.privateKey },
    );

    const cfgFile = join(dir, 'operator.yaml');
    writeFileSync(
      cfgFile,
      [
        `eth_rpc_url: ${anvil.rpcUrl}`,
        `chain_id: ${anvil.chainId}`,
        `avs: { deployment_file: ${join(dir, `${anvil.chainId}.json`)} }`,
        `aggregator_urls: [http://127.0.0.1:${agg.port}]`,
        `redis: { prefix: ${prefix}-op }`,
        `models: { dir: ${MODELS_DIR} }`,
        'watcher: { poll_interval_ms: 200 }',
        `signing_log_path: ${join(dir, 'signing.log')}`,
        'node_api: { listen: "127.0.0.1:0" }',
        'metrics: { listen: "127.0.0.1:0" }',
        'log_level: warn',
      ].join('\n'),
    );
    node = await OperatorNode.start(loadOperatorConfig(cfgFile, {}, {}), { keyPair: op.blsKeyPair });

    const get = async (url: string): Promise<string> => {
      const r = await fetch(url);
      expect([url, r.status]).toEqual([url, 200]);
      return r.text();
    };
    opText = await get(`http://127.0.0.1:${OperatorNode.portOf(node.metricsServer)}/metrics`);
    aggText = await get(`http://127.0.0.1:${agg.port}/metrics`);
  });

  afterAll(async () => {
    await node?.stop();
    await agg?.stop();
    await anvil?.stop();
    const redis = new Redis('redis://127.0.0.1:6379');
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}-*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
    await redis.quit();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const ours = (fams: Map<string, string>): string[] => [...fams.keys()].filter((n) => /^(aioracle|eigen)_/.test(n));

  test('both expose their own metrics, with live values for the scrape-time gauges', () => {
    expect(opText).toMatch(/^eigen_performance_score\{avs_name="aioracle"\} \d+/m);
    expect(opText).toMatch(/^aioracle_operator_service_up\{service="redis"\} 1$/m);
    expect(opText).toMatch(/^eigen_registered_stakes\{quorum_number="0",quorum_name="quorum-0",avs_name="aioracle"\} [1-9]/m);
    expect(aggText).toMatch(/^aioracle_aggregator_redis_up 1$/m);
    expect(aggText).toMatch(/^aioracle_aggregator_rpc_up 1$/m);
    expect(aggText).toMatch(/^aioracle_aggregator_submitter_balance_wei [1-9]/m);
    expect(aggText).toMatch(/^aioracle_aggregator_queue_jobs\{queue="submit",state="waiting"\} 0$/m);
  });

  test('every metric a rule or a dashboard queries is exported', () => {
    const fams = new Map([...families(opText), ...families(aggText)]);
    const queries = [...ruleQueries(), ...dashboardQueries()];
    expect(queries.length).toBeGreaterThan(50);
    const missing: string[] = [];
    for (const q of queries) for (const n of metricNamesIn(q.expr)) if (familyOf(n, fams) === null) missing.push(`${n} (${q.where})`);
    expect(missing).toEqual([]);
  });

  test('every exported aioracle_* / eigen_* metric is on a dashboard or listed in not-shown.json with a reason', () => {
    const fams = new Map([...families(opText), ...families(aggText)]);
    const exported = ours(fams);
    expect(exported.length).toBeGreaterThan(40);
    const shown = new Set<string>();
    for (const q of dashboardQueries()) for (const n of metricNamesIn(q.expr)) shown.add(familyOf(n, fams) ?? n);
    const listed = notShown.metrics;
    const unaccounted = exported.filter((n) => !shown.has(n) && listed[n] === undefined);
    expect(unaccounted).toEqual([]);
    // The list stays honest: no entry for a metric that is shown, that does not exist, or without a reason.
    expect(Object.keys(listed).filter((n) => shown.has(n))).toEqual([]);
    expect(Object.keys(listed).filter((n) => !fams.has(n))).toEqual([]);
    expect(Object.entries(listed).filter(([, why]) => why.trim().length < 10)).toEqual([]);
  });

  test.each([
    ['operator', () => opText],
    ['aggregator', () => aggText],
  ])('promtool check metrics finds no problem in the %s output', (_who, text) => {
    const r = promtool(['check', 'metrics'], { input: text() });
    expect([r.code, r.out.trim()]).toEqual([0, '']);
  });
});
