/**
 * Samples the aggregator's point-in-time gauges just before a `/metrics` scrape: Redis and RPC
 * reachability, the submitter's balance, open tasks and queue depths. Every probe has a timeout:
 * the Redis client queues commands while Redis is down (maxRetriesPerRequest null), so without one
 * a scrape would hang and Prometheus would report the whole aggregator down instead of Redis.
 */
import type { AggregatorMetrics } from './metrics.js';

/** What the sampler reads. */
export interface ScrapeSamplerDeps {
  metrics: AggregatorMetrics;
  redisPing: () => Promise<unknown>;
  blockNumber: () => Promise<number>;
  submitterBalance: () => Promise<bigint>;
  openTaskCount: () => Promise<number>;
  /** Job counts per queue (only read when Redis answered). */
  queueCounts: () => Promise<Record<string, Record<string, number>>>;
  /** Per-probe timeout (default 2000 ms). */
  timeoutMs?: number;
}

/** Rejects after `ms` unless `p` settles first. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** Samples every gauge once. Never throws: a failed probe sets its `_up` gauge to 0 or leaves the value unset. */
export async function sampleScrapeGauges(d: ScrapeSamplerDeps): Promise<void> {
  const ms = d.timeoutMs ?? 2_000;
  const m = d.metrics;
  const [redisOk, rpcOk] = await Promise.all([
    withTimeout(d.redisPing(), ms, 'redis PING').then(() => true, () => false),
    withTimeout(d.blockNumber(), ms, 'eth_blockNumber').then(() => true, () => false),
  ]);
  m.redisUp.set(redisOk ? 1 : 0);
  m.rpcUp.set(rpcOk ? 1 : 0);
  const jobs: Promise<void>[] = [];
  if (rpcOk) {
    jobs.push(withTimeout(d.submitterBalance(), ms, 'eth_getBalance').then((b) => m.submitterBalance.set(Number(b)), () => undefined));
  }
  if (redisOk) {
    jobs.push(withTimeout(d.openTaskCount(), ms, 'open tasks').then((n) => m.tasksOpen.set(n), () => undefined));
    jobs.push(
      withTimeout(d.queueCounts(), ms, 'queue counts').then(
        (byQueue) => {
          for (const [queue, counts] of Object.entries(byQueue)) for (const [state, n] of Object.entries(counts)) m.queueDepth.set({ queue, state }, n);
        },
        () => undefined,
      ),
    );
  }
  await Promise.all(jobs);
}
