/**
 * Two aggregators (own Redis namespaces, own submitter keys) fed the same signed batches, with
 * 1-second blocks so that both respondToBatch transactions can meet in one block: every task is
 * answered exactly once, both aggregators end with every task finalised by the transaction that
 * answered it, and the loser's batch job ends as a success ('already': its transaction reverted,
 * or its estimate met NothingAnswered), not as a failure (a reverted attempt retried once is allowed).
 */
import { jest } from '@jest/globals';
import { batchLeaf, bindings, merkleRoot, noopLogger, outputHash } from '@aioracle/sdk';
import { getBytes } from 'ethers';
import { startAggregator, type Aggregator } from '../../src/index.js';
import { batchJobId } from '../../src/queue/queues.js';
import { cleanRedis, equalStakeWorld, requestTasksInOneBlock, signedBatch, testConfig, waitFor, type World, postUntilKnown } from '../helpers/world.js';

jest.setTimeout(180_000);

const PREFIX_A = `aggtest-brace-a-${process.pid}`;
const PREFIX_B = `aggtest-brace-b-${process.pid}`;
let w: World;
let aggs: Aggregator[] = [];

beforeAll(async () => {
  w = await equalStakeWorld(3, { thresholdBps: 6667, responseWindowBlocks: 500 });
  // The chain mines a block a second (below), and the aggregators are told so: a loser whose estimate meets the
  // winner's transaction in the pending block looks again once a block time has passed (with the test default of
  // 100 ms its three attempts could all end before that block was mined, and it gave the batch up).
  const expiry = { block_time_ms: 1000, max_recheck_ms: 3000 };
  aggs = [
    await startAggregator(testConfig(w, PREFIX_A, { expiry }), { logger: noopLogger, submitterKey: w.submitterKey }),
    await startAggregator(testConfig(w, PREFIX_B, { expiry, submitter: { keystore_file: '/nonexistent', attempts: 5, backoff_ms: 100, thread: false } }), {
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

const postTo = (agg: Aggregator, body: unknown): Promise<number> => postUntilKnown(agg.port, '/v1/batches', body);

test('both submit the batch, each task is answered once, the loser ends as success with the winner\'s transaction', async () => {
  const ts = await requestTasksInOneBlock(w, 4);
  const outputs = ts.map((_, i) => '0x0101000000' + String(i + 1).padStart(2, '0') + '000000');
  await w.provider.send('evm_setAutomine', [false]);
  await w.provider.send('evm_setIntervalMining', [1]);
  // Every operator delivers to both aggregators at once.
  const codes = await Promise.all(w.operators.flatMap((op) => aggs.map((a) => postTo(a, signedBatch(w, op, ts, outputs)))));
  expect(codes.every((c) => c === 202)).toBe(true);
  for (const t of ts) for (const a of aggs) await waitFor(async () => (await a.store.getStatus(t.task.taskId.toString())) === 'finalised', 30_000, `task ${t.task.taskId} finalised in ${a.namespace}`);

  const oracle = bindings.InferenceOracle__factory.connect(w.deployment.avs.inferenceOracle, w.provider);
  const logs = await oracle.queryFilter(oracle.filters.TaskResponded(), w.deployment.startBlock, 'latest');
  for (const t of ts) {
    const mine = logs.filter((l) => l.args.taskId === t.task.taskId);
    expect({ id: t.task.taskId, n: mine.length }).toEqual({ id: t.task.taskId, n: 1 });
    for (const a of aggs) {
      const view = (await (await fetch(`http://127.0.0.1:${a.port}/v1/tasks/${t.task.taskId}`)).json()) as { status: string; txHash: string };
      expect({ id: t.task.taskId, status: view.status, txHash: view.txHash }).toEqual({ id: t.task.taskId, status: 'finalised', txHash: mine[0]!.transactionHash });
    }
  }
  const root = merkleRoot(ts.map((t, i) => batchLeaf(t.taskHash, outputHash(getBytes(outputs[i]!))))).toLowerCase();
  const id = batchJobId(ts[0]!.task.referenceBlock, root);
  const results = [];
  for (const a of aggs) {
    const job = await waitFor(async () => {
      const j = await a.queues.batch.getJob(id);
      return j && ((await j.isCompleted()) || (await j.isFailed())) ? j : null;
    }, 30_000, `batch job done in ${a.namespace}`);
    // When both transactions meet in one block, the loser's is mined reverted without a reason: that
    // attempt is retried by design (the retry's estimate names NothingAnswered) and the job ends as
    // 'already'. Any other earlier failure is a defect.
    const reason = job.failedReason === undefined || /respondToBatch reverted without a reason; estimating again/.test(job.failedReason) ? 'none or the designed retry' : job.failedReason;
    expect({ ns: a.namespace, completed: await job.isCompleted(), reason }).toEqual({ ns: a.namespace, completed: true, reason: 'none or the designed retry' });
    results.push(job.returnvalue as string);
  }
  expect(results.sort()).toEqual(['already', 'sent']);
});
