/**
 * The submitter runs out of funds: a task reaches quorum, its submission fails for lack of gas
 * money until the job's attempts are spent. Once the account is funded, the re-scan (every 30 s in
 * the service; called directly here) revives the failed job and the task is answered once. Without
 * that, the job would stay failed under its deterministic id and the task would be left to expire.
 */
import { jest } from '@jest/globals';
import { bindings, recordingLogger } from '@aioracle/sdk';
import { Wallet, parseEther, toQuantity } from 'ethers';
import { startAggregator, type Aggregator } from '../../src/index.js';
import { submitJobId } from '../../src/queue/queues.js';
import { cleanRedis, equalStakeWorld, requestTask, signedResponse, testConfig, waitFor, type World } from '../helpers/world.js';

jest.setTimeout(120_000);

const PREFIX = `aggtest-funds-${process.pid}`;
const OUT = '0x0101000000' + '09000000';
let w: World;
let agg: Aggregator;
const submitter = Wallet.createRandom();
const logger = recordingLogger();

beforeAll(async () => {
  w = await equalStakeWorld(2, { thresholdBps: 10_000, responseWindowBlocks: 1000 });
  agg = await startAggregator(testConfig(w, PREFIX, { submitter: { keystore_file: '/nonexistent', attempts: 2, backoff_ms: 100 } }), { logger, submitterKey: submitter.privateKey });
});

afterAll(async () => {
  await agg?.stop();
  await w?.close();
  await cleanRedis(PREFIX);
});

test('a submission that failed for lack of funds is revived by the re-scan once the submitter is funded', async () => {
  expect(await w.provider.getBalance(submitter.address)).toBe(0n);
  const t = await requestTask(w);
  const id = t.task.taskId.toString();
  for (const op of w.operators) {
    await waitFor(async () => {
      const res = await fetch(`http://127.0.0.1:${agg.port}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(signedResponse(w, op, t, OUT)) });
      await res.text();
      return res.status === 202;
    }, 15_000, `${op.operatorId} accepted`);
  }
  // Both attempts fail (no gas money) and the job ends failed; the task stays at quorum.
  const job = await waitFor(async () => {
    const j = await agg.queues.submit.getJob(submitJobId(id));
    return j && (await j.isFailed()) ? j : null;
  }, 30_000, 'the submit job failed');
  expect(job.failedReason).toMatch(/fund|insufficient/i);
  expect(job.attemptsMade).toBe(2);
  expect(await agg.store.getStatus(id)).toBe('quorum');
  // A re-scan while still unfunded retries it once more (and it fails again): nothing is lost.
  await agg.recover();
  await waitFor(async () => {
    const j = await agg.queues.submit.getJob(submitJobId(id));
    return j !== undefined && j.attemptsMade > 2 && (await j.isFailed());
  }, 30_000, 'the revived job failed again');
  expect(await agg.store.getStatus(id)).toBe('quorum');

  await w.provider.send('anvil_setBalance', [submitter.address, toQuantity(parseEther('10'))]);
  await agg.recover();
  await waitFor(async () => (await agg.store.getStatus(id)) === 'finalised', 30_000, `task ${id} finalised`);
  const oracle = bindings.InferenceOracle__factory.connect(w.deployment.avs.inferenceOracle, w.provider);
  const logs = await oracle.queryFilter(oracle.filters.TaskResponded(t.task.taskId), w.deployment.startBlock, 'latest');
  expect(logs).toHaveLength(1);
  expect((await w.provider.getTransaction(logs[0]!.transactionHash))!.from).toBe(submitter.address);
  expect(logger.lines.filter((l) => l.msg === 'job had spent its attempts; trying it again' && l.obj.queue === 'submit').length).toBe(2);
});
