/**
 * Two aggregators on one chain (own Redis namespaces, own submitter keys), fed the same signed
 * responses, with 1-second blocks: both reach quorum and both try to submit; the task is answered on
 * chain exactly once, and the aggregator that lost the race (its transaction reverted in the same
 * block, or its pre-check saw the answer) treats the winner's response as its own (finalised, with
 * the winner's transaction).
 */
import { jest } from '@jest/globals';
import { readFileSync, readdirSync } from 'node:fs';
import { bindings, noopLogger } from '@aioracle/sdk';
import { startAggregator, type Aggregator } from '../../src/index.js';
import { cleanRedis, equalStakeWorld, requestTask, signedResponse, testConfig, waitFor, type World, postUntilKnown } from '../helpers/world.js';

jest.setTimeout(180_000);

const PREFIX_A = `aggtest-two-a-${process.pid}`;
const PREFIX_B = `aggtest-two-b-${process.pid}`;
const OUT = '0x0101000000' + '04000000';
const TASKS = 4;
let w: World;
let aggs: Aggregator[] = [];

beforeAll(async () => {
  w = await equalStakeWorld(3, { thresholdBps: 6667, responseWindowBlocks: 500 });
  // Blocks every second instead of one per transaction, so both aggregators' submissions can land in
  // the same block: one is then mined as a revert, and its aggregator must still see the task answered.
  await w.provider.send('evm_setAutomine', [false]);
  await w.provider.send('evm_setIntervalMining', [1]);
  aggs = [
    // The first runs its chain writer thread at a lower priority (allowed without privileges).
    await startAggregator(testConfig(w, PREFIX_A, { submitter: { keystore_file: '/nonexistent', attempts: 5, backoff_ms: 100, thread_nice: 7 } }), { logger: noopLogger, submitterKey: w.submitterKey }),
    // The second runs its chain writer on the main event loop (submitter.thread: false): both modes race.
    await startAggregator(testConfig(w, PREFIX_B, { submitter: { keystore_file: '/nonexistent', attempts: 5, backoff_ms: 100, thread: false } }), {
      logger: noopLogger,
      submitterKey: w.anvil.accounts[3]!.privateKey,
    }),
  ];
});

afterAll(async () => {
  for (const a of aggs) await a.stop();
  await w?.close();
  await cleanRedis(PREFIX_A);
  await cleanRedis(PREFIX_B);
});

const postTo = (agg: Aggregator, body: unknown): Promise<number> => postUntilKnown(agg.port, '/v1/responses', body);

test('both submit, the chain takes one response per task, and both end finalised with the same transaction', async () => {
  const tasks = [];
  for (let i = 0; i < TASKS; i++) tasks.push(await requestTask(w));
  // Every operator delivers to both aggregators at the same time, as operators do.
  await Promise.all(tasks.flatMap((t) => w.operators.flatMap((op) => aggs.map((a) => postTo(a, signedResponse(w, op, t, OUT))))));

  for (const t of tasks) {
    const id = t.task.taskId.toString();
    for (const a of aggs) await waitFor(async () => (await a.store.getStatus(id)) === 'finalised', 30_000, `task ${id} finalised in ${a.namespace}`);
  }
  const oracle = bindings.InferenceOracle__factory.connect(w.deployment.avs.inferenceOracle, w.provider);
  const logs = await oracle.queryFilter(oracle.filters.TaskResponded(), w.deployment.startBlock, 'latest');
  for (const t of tasks) {
    const id = t.task.taskId.toString();
    const mine = logs.filter((l) => l.args.taskId.toString() === id);
    expect({ id, responses: mine.length }).toEqual({ id, responses: 1 });
    // Both record the transaction that actually answered the task.
    for (const a of aggs) {
      const view = (await (await fetch(`http://127.0.0.1:${a.port}/v1/tasks/${id}`)).json()) as { status: string; txHash: string };
      expect({ id, status: view.status, txHash: view.txHash }).toEqual({ id, status: 'finalised', txHash: mine[0]!.transactionHash });
    }
  }
});

/** The nice value of each thread of this process (Linux /proc: field 19 of a task's stat). */
function threadNices(): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      out.set(Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
    } catch {
      // the thread ended while we listed
    }
  }
  return out;
}

test('submitter.thread_nice applies to the chain writer thread only', () => {
  const nices = threadNices();
  expect(nices.get(process.pid)).toBe(0);
  // Exactly one thread (aggregator A's writer) took the configured value; B writes on its main loop.
  expect([...nices.values()].filter((n) => n === 7)).toHaveLength(1);
});
