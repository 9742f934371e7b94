/**
 * A response that arrives before the aggregator's watcher has loaded its task (operators and
 * aggregators poll independently) loads the task from the chain on demand instead of answering 404;
 * a task id that does not exist is still 404, and asking again does not repeat the lookup.
 */
import { jest } from '@jest/globals';
import { noopLogger } from '@aioracle/sdk';
import { startAggregator, type Aggregator } from '../../src/index.js';
import { cleanRedis, equalStakeWorld, requestTask, signedResponse, testConfig, waitFor, type World } from '../helpers/world.js';

jest.setTimeout(120_000);

const PREFIX = `aggtest-ondemand-${process.pid}`;
const OUT = '0x0101000000' + '03000000';
let w: World;
let agg: Aggregator;
let base: string;

async function post(body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${base}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  w = await equalStakeWorld(2, { thresholdBps: 10_000 });
  // The watcher polls once at start and then not again during the test.
  agg = await startAggregator(testConfig(w, PREFIX, { watcher: { poll_interval_ms: 600_000 } }), { logger: noopLogger, submitterKey: w.submitterKey });
  base = `http://127.0.0.1:${agg.port}`;
});

afterAll(async () => {
  await agg?.stop();
  await w?.close();
  await cleanRedis(PREFIX);
});

test('a response for a task the watcher has not reached yet loads the task and is accepted', async () => {
  const [A, B] = w.operators;
  const t = await requestTask(w);
  expect(await agg.store.getStatus(t.task.taskId.toString())).toBeNull();
  expect((await post(signedResponse(w, A!, t, OUT))).json).toEqual({ status: 'accepted', quorumReached: false });
  expect((await post(signedResponse(w, B!, t, OUT))).json).toEqual({ status: 'accepted', quorumReached: true });
  await waitFor(async () => (await agg.store.getStatus(t.task.taskId.toString())) === 'finalised', 20_000, 'finalised');
});

test('a task id the oracle never created is still 404 (also when asked again)', async () => {
  const [A] = w.operators;
  const t = await requestTask(w);
  const fake = { ...signedResponse(w, A!, t, OUT), taskId: '987654' };
  const first = await post(fake);
  expect(first.status).toBe(404);
  expect(first.json.code).toBe('ERR_TASK_UNKNOWN');
  const again = await post(fake);
  expect(again.status).toBe(404);
});
