/**
 * The chain writer thread dies (terminated from outside, as a crash would end it) while tasks reach
 * quorum: the host logs it and starts a new thread, the jobs are in Redis, and every task is still
 * answered on chain exactly once and finalised, including one whose quorum arrived while no writer
 * thread ran.
 */
import { jest } from '@jest/globals';
import { bindings, recordingLogger } from '@aioracle/sdk';
import { startAggregator, type Aggregator } from '../../src/index.js';
import { cleanRedis, equalStakeWorld, requestTask, signedResponse, testConfig, waitFor, type World } from '../helpers/world.js';

jest.setTimeout(120_000);

const PREFIX = `aggtest-writer-${process.pid}`;
const OUT = '0x0101000000' + '05000000';
let w: World;
let agg: Aggregator;
const logger = recordingLogger();
const errorLines = () => logger.lines.filter((l) => l.level === 'error' || l.level === 'fatal');

beforeAll(async () => {
  w = await equalStakeWorld(3, { thresholdBps: 6667, responseWindowBlocks: 500 });
  // Short job locks, so a job held by the dead thread is taken over within a few seconds.
  agg = await startAggregator(testConfig(w, PREFIX, { submitter: { keystore_file: '/nonexistent', attempts: 5, backoff_ms: 100, job_lock_ms: 1000 } }), { logger, submitterKey: w.submitterKey });
});

afterAll(async () => {
  await agg?.stop();
  await w?.close();
  await cleanRedis(PREFIX);
});

async function deliver(t: Awaited<ReturnType<typeof requestTask>>): Promise<void> {
  for (const op of w.operators) {
    for (;;) {
      const res = await fetch(`http://127.0.0.1:${agg.port}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(signedResponse(w, op, t, OUT)) });
      await res.text();
      if (res.status !== 404) {
        expect(res.status).toBeLessThan(300);
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

test('a writer thread that dies is replaced; tasks in flight and tasks reaching quorum meanwhile are answered once and finalised', async () => {
  const first = agg.writer.thread!;
  expect(first).toBeDefined();
  const before = await requestTask(w);
  const during = await requestTask(w);
  const after = await requestTask(w);

  // Quorum for the first task, and the writer thread dies at once (its submission may be half done).
  await deliver(before);
  const exited = first.terminate();
  // Quorum for the second task while no writer thread runs.
  await deliver(during);
  await exited;

  await waitFor(async () => agg.writer.thread !== first && agg.writer.thread, 20_000, 'a new writer thread');
  expect(errorLines().some((e) => /chain writer thread exited; restarting/.test(e.msg ?? ''))).toBe(true);
  await deliver(after);

  const oracle = bindings.InferenceOracle__factory.connect(w.deployment.avs.inferenceOracle, w.provider);
  for (const t of [before, during, after]) {
    const id = t.task.taskId.toString();
    await waitFor(async () => (await agg.store.getStatus(id)) === 'finalised', 30_000, `task ${id} finalised`);
    const logs = await oracle.queryFilter(oracle.filters.TaskResponded(t.task.taskId), w.deployment.startBlock, 'latest');
    expect({ id, responses: logs.length }).toEqual({ id, responses: 1 });
    const view = (await (await fetch(`http://127.0.0.1:${agg.port}/v1/tasks/${id}`)).json()) as { txHash: string };
    expect(view.txHash).toBe(logs[0]!.transactionHash);
  }
  // No fatal: the restart worked.
  expect(errorLines().filter((e) => /could not be restarted/.test(e.msg ?? ''))).toEqual([]);
});
