/**
 * reviveSpentJobs on real Redis and BullMQ: a job that spent its attempts on an ordinary error is put
 * back to work; one failed with an UnrecoverableError (on its last attempt or earlier) is not.
 */
import { recordingLogger } from '@aioracle/sdk';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { createQueues, reviveSpentJobs, type AggregatorQueues } from '../../src/queue/queues.js';
import { cleanRedis, waitFor } from '../helpers/world.js';

const PREFIX = `aggtest-queues-${process.pid}`;
let connection: Redis;
let queues: AggregatorQueues;
let worker: Worker;
const runs = new Map<string, number>();

beforeAll(async () => {
  connection = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  queues = createQueues(PREFIX, connection);
  worker = new Worker(
    'slash',
    async (job: Job) => {
      runs.set(job.id!, (runs.get(job.id!) ?? 0) + 1);
      // Fails for good on its last attempt: attempts spent, but not revivable.
      if (job.id === 'never') throw runs.get('never')! === 1 ? new Error('ERR_RPC: node down') : new UnrecoverableError('ERR_TX_REVERTED: cannot ever work');
      // Fails for good on its first attempt (attempts left).
      if (job.id === 'early') throw new UnrecoverableError('ERR_BAD_JOB: no such task');
      if (job.id === 'flaky' && runs.get('flaky')! <= 2) throw new Error('ERR_RPC: node down');
      return 'ok';
    },
    { connection, prefix: PREFIX },
  );
});

afterAll(async () => {
  await worker?.close();
  await queues?.close();
  connection?.disconnect();
  await cleanRedis(PREFIX);
});

test('only jobs that spent their attempts on passing errors are revived', async () => {
  const opts = { attempts: 2, backoff: { type: 'fixed', delay: 10 } };
  await queues.slash.add('slash', { taskId: '1', operatorId: '0x01' }, { ...opts, jobId: 'flaky' });
  await queues.slash.add('slash', { taskId: '2', operatorId: '0x02' }, { ...opts, jobId: 'never' });
  await queues.slash.add('slash', { taskId: '3', operatorId: '0x03' }, { ...opts, jobId: 'early' });
  const failed = async (id: string) => (await (await queues.slash.getJob(id))?.isFailed()) ?? false;
  await waitFor(async () => (await failed('flaky')) && (await failed('never')) && (await failed('early')), 15_000, 'the jobs failed');
  expect([runs.get('flaky'), runs.get('never'), runs.get('early')]).toEqual([2, 2, 1]);

  const logger = recordingLogger();
  expect(await reviveSpentJobs(queues, logger)).toEqual(['flaky']);
  await waitFor(async () => (await queues.slash.getJob('flaky'))?.isCompleted(), 15_000, 'the revived job completed');
  expect(runs.get('flaky')).toBe(3);
  expect([await failed('never'), await failed('early')]).toEqual([true, true]);
  expect(logger.lines.map((l) => [l.level, l.obj.jobId])).toEqual([['warn', 'flaky']]);
  // Nothing left to revive.
  expect(await reviveSpentJobs(queues, logger)).toEqual([]);
});
