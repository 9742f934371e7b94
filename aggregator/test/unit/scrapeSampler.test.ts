import { Registry } from 'prom-client';
import { getMetrics } from '../../src/metrics.js';
import { sampleScrapeGauges, type ScrapeSamplerDeps } from '../../src/scrapeSampler.js';

const never = (): Promise<never> => new Promise<never>(() => undefined);

function deps(over: Partial<ScrapeSamplerDeps> = {}): { registry: Registry; d: ScrapeSamplerDeps } {
  const registry = new Registry();
  const metrics = getMetrics(registry, { defaultMetrics: false });
  return {
    registry,
    d: {
      metrics,
      redisPing: async () => 'PONG',
      blockNumber: async () => 12,
      submitterBalance: async () => 3n * 10n ** 18n,
      openTaskCount: async () => 4,
      queueCounts: async () => ({ submit: { waiting: 2, failed: 1 }, expire: { delayed: 4 } }),
      timeoutMs: 50,
      ...over,
    },
  };
}

async function value(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const m = await registry.getSingleMetric(name)?.get();
  return m?.values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value;
}

describe('scrape-time gauges', () => {
  test('everything reachable: up gauges 1, balance, open tasks and queue depths set', async () => {
    const { registry, d } = deps();
    await sampleScrapeGauges(d);
    expect(await value(registry, 'aioracle_aggregator_redis_up')).toBe(1);
    expect(await value(registry, 'aioracle_aggregator_rpc_up')).toBe(1);
    expect(await value(registry, 'aioracle_aggregator_submitter_balance_wei')).toBe(3e18);
    expect(await value(registry, 'aioracle_aggregator_tasks_open')).toBe(4);
    expect(await value(registry, 'aioracle_aggregator_queue_jobs', { queue: 'submit', state: 'waiting' })).toBe(2);
    expect(await value(registry, 'aioracle_aggregator_queue_jobs', { queue: 'expire', state: 'delayed' })).toBe(4);
  });

  test('a hanging Redis times out: redis_up 0, queues not read, the scrape still finishes', async () => {
    let queuesRead = false;
    const { registry, d } = deps({
      redisPing: never,
      queueCounts: async () => {
        queuesRead = true;
        return {};
      },
    });
    const started = Date.now();
    await sampleScrapeGauges(d);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await value(registry, 'aioracle_aggregator_redis_up')).toBe(0);
    expect(await value(registry, 'aioracle_aggregator_rpc_up')).toBe(1);
    expect(queuesRead).toBe(false);
  });

  test('a failing RPC: rpc_up 0 and the balance is not read', async () => {
    let balanceRead = false;
    const { registry, d } = deps({
      blockNumber: async () => {
        throw new Error('connection refused');
      },
      submitterBalance: async () => {
        balanceRead = true;
        return 1n;
      },
    });
    await sampleScrapeGauges(d);
    expect(await value(registry, 'aioracle_aggregator_rpc_up')).toBe(0);
    expect(await value(registry, 'aioracle_aggregator_redis_up')).toBe(1);
    expect(balanceRead).toBe(false);
  });
});
