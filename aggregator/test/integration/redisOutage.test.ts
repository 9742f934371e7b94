/**
 * Redis dies (SIGKILL) under a running aggregator and comes back from its append-only file, as the
 * README's Redis settings prescribe. While it is down, responses, task views and /healthz answer
 * 503 at once (Retry-After) instead of hanging in the Redis client's queue; once it is back, a
 * signature accepted before the crash still counts and the task reaches quorum and is answered.
 */
import { jest } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bindings, freePort, recordingLogger } from '@aioracle/sdk';
import { Redis } from 'ioredis';
import { startAggregator, type Aggregator } from '../../src/index.js';
import { equalStakeWorld, requestTask, signedResponse, testConfig, waitFor, type World } from '../helpers/world.js';

jest.setTimeout(120_000);

const OUT = '0x0101000000' + '06000000';
let w: World;
let agg: Aggregator | undefined;
let redisPort: number;
let redisDir: string;
let redis: ChildProcess | null = null;
const logger = recordingLogger();

/** A private redis-server with an fsync-always AOF in `redisDir`, answering PING. */
async function startRedis(): Promise<void> {
  redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--dir', redisDir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''], { stdio: 'ignore' });
  const probe = new Redis(redisPort, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  try {
    await waitFor(async () => probe.connect().then(() => probe.ping()).then(() => true, () => false), 10_000, 'redis-server to answer');
  } finally {
    probe.disconnect();
  }
}

async function killRedis(): Promise<void> {
  const r = redis!;
  redis = null;
  const exited = new Promise((resolve) => r.once('exit', resolve));
  r.kill('SIGKILL');
  await exited;
}

beforeAll(async () => {
  redisPort = await freePort();
  redisDir = mkdtempSync(join(tmpdir(), 'agg-redis-outage-'));
  await startRedis();
  w = await equalStakeWorld(2, { thresholdBps: 6667, responseWindowBlocks: 500 });
  agg = await startAggregator(testConfig(w, `aggtest-outage-${process.pid}`, { redis: { url: `redis://127.0.0.1:${redisPort}`, prefix: 'outage' } }), { logger, submitterKey: w.submitterKey });
});

afterAll(async () => {
  await agg?.stop();
  await w?.close();
  if (redis) await killRedis();
  rmSync(redisDir, { recursive: true, force: true });
});

async function post(body: unknown): Promise<{ status: number; retryAfter: string | null; json: { code?: string; quorumReached?: boolean } }> {
  const res = await fetch(`http://127.0.0.1:${agg!.port}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), json: (await res.json()) as { code?: string; quorumReached?: boolean } };
}

test('Redis down: 503 at once, nothing hangs; Redis back from its AOF: the earlier signature counts and the task is answered', async () => {
  const t = await requestTask(w);
  const id = t.task.taskId.toString();
  const [a, b] = w.operators;
  // One of the two signatures the quorum needs, accepted before the crash.
  expect((await waitFor(async () => { const r = await post(signedResponse(w, a!, t, OUT)); return r.status === 404 ? null : r; }, 15_000, 'the task loaded')).status).toBe(202);

  await killRedis();
  const down = await waitFor(async () => { const r = await post(signedResponse(w, b!, t, OUT)); return r.status === 503 ? r : null; }, 10_000, '503 while Redis is down');
  expect(down).toMatchObject({ status: 503, retryAfter: '1', json: { code: 'ERR_REDIS_UNAVAILABLE' } });
  const view = await fetch(`http://127.0.0.1:${agg!.port}/v1/tasks/${id}`, { signal: AbortSignal.timeout(10_000) });
  expect([view.status, view.headers.get('retry-after')]).toEqual([503, '1']);
  const health = await fetch(`http://127.0.0.1:${agg!.port}/healthz`, { signal: AbortSignal.timeout(10_000) });
  expect(health.status).toBe(503);
  expect(((await health.json()) as { checks: Record<string, boolean> }).checks).toEqual({ redis: false, rpc: true });
  // Nothing was counted or lost: the task is still waiting for its quorum.
  const oracle = bindings.InferenceOracle__factory.connect(w.deployment.avs.inferenceOracle, w.provider);
  expect(await oracle.queryFilter(oracle.filters.TaskResponded(t.task.taskId), w.deployment.startBlock, 'latest')).toHaveLength(0);

  await startRedis();
  await waitFor(async () => (await fetch(`http://127.0.0.1:${agg!.port}/healthz`)).status === 200, 30_000, 'healthy again');
  const after = await waitFor(async () => { const r = await post(signedResponse(w, b!, t, OUT)); return r.status === 503 ? null : r; }, 15_000, 'accepted after the restart');
  expect(after).toMatchObject({ status: 202, json: { quorumReached: true } });
  await waitFor(async () => (await agg!.store.getStatus(id)) === 'finalised', 30_000, `task ${id} finalised`);
  const logs = await oracle.queryFilter(oracle.filters.TaskResponded(t.task.taskId), w.deployment.startBlock, 'latest');
  expect(logs).toHaveLength(1);
  // The outage and the recovery are in the logs (rate-limited: a few lines, not one per retry).
  const failing = logger.lines.filter((l) => l.msg === 'redis connection failing; reconnecting');
  expect(failing.length).toBeGreaterThan(0);
  expect(failing.length).toBeLessThanOrEqual(2 * 4);
  expect(logger.lines.filter((l) => l.msg === 'redis connection restored').length).toBeGreaterThan(0);
});
