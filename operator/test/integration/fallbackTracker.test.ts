/**
 * FallbackTracker on real Redis: a batch's answered tasks fall back at the due block unless a
 * TaskResponded log named them (before or after the batch was scheduled) or their deadline passed;
 * the records survive a new tracker (restart) and are removed once handled. A batch the aggregators
 * report in progress is put off (bounded), one they report failed or do not know falls back at once.
 */
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { FallbackTracker, getMetrics, type TaskJobData } from '../../src/index.js';
import { makeJob } from '../helpers/tasks.js';

describe('FallbackTracker', () => {
  const prefix = `aioracle-fb-test-${process.pid}-${Date.now()}`;
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis({ maxRetriesPerRequest: null });
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it('falls back exactly the unanswered, unexpired tasks at the due block, restart-safe', async () => {
    const queued: TaskJobData[] = [];
    const register = new Registry();
    const metrics = getMetrics(register);
    const make = () => new FallbackTracker({ prefix }, { redis, enqueue: async (j) => void queued.push(j), metrics });
    const first = make();
    // Task 2 answered on chain before our batch job finished; task 3 answered after.
    await first.answered([{ taskId: '2', block: 11 }], 11);
    const jobs = [makeJob(1), makeJob(2), makeJob(3), makeJob(4, undefined, { deadlineBlock: 12 })];
    await first.schedule('10-1-4', jobs, 13);
    await first.answered([{ taskId: '3', block: 12 }], 12);
    expect(await first.runDue(12)).toBe(0);
    expect(queued).toHaveLength(0);

    const restarted = make(); // a fresh process over the same Redis
    expect(await restarted.runDue(13)).toBe(1);
    expect(queued.map((j) => j.task.taskId)).toEqual(['1']); // 2 and 3 answered, 4 past its deadline
    expect(await restarted.runDue(20)).toBe(0); // handled once
    expect(await redis.exists(`${prefix}:fb:b:10-1-4`)).toBe(0);
    expect(await register.getSingleMetricAsString('aioracle_operator_fallback_tasks_total')).toMatch(/ 1$/m);
  });

  it('puts a fallback off while an aggregator has the batch at quorum, a bounded number of times', async () => {
    const queued: TaskJobData[] = [];
    const register = new Registry();
    const metrics = getMetrics(register);
    const p = `${prefix}-defer`;
    let status: 'quorum' | 'collecting' | 'failed' | null = 'quorum';
    const asked: string[] = [];
    const fb = new FallbackTracker(
      { prefix: p, deferBlocks: 2, maxDeferrals: 2 },
      { redis, enqueue: async (j) => void queued.push(j), metrics, batchStatus: async (id) => (asked.push(id), status === null ? null : { status, quorumRoot: null }) },
    );
    const jobs = [makeJob(21, undefined, { deadlineBlock: 100 }), makeJob(22, undefined, { deadlineBlock: 100 })];
    await fb.schedule('20-21-2', jobs, 23);
    expect(await fb.runDue(23)).toBe(0); // at quorum: put off to 25
    expect(await fb.runDue(24)).toBe(0); // not due yet: the aggregators are not asked
    expect(asked).toEqual(['20-21-2']);
    await fb.answered([{ taskId: '22', block: 24 }], 24); // the batch landed for task 22
    expect(await fb.runDue(25)).toBe(0); // put off a second time (task 21 still pending)
    expect(await fb.runDue(27)).toBe(1); // the limit: task 21 is signed alone
    expect(queued.map((j) => j.task.taskId)).toEqual(['21']);
    expect(await register.getSingleMetricAsString('aioracle_operator_fallback_deferred_total')).toMatch(/ 2$/m);
    expect(await redis.hexists(`${p}:fb:defer`, '20-21-2')).toBe(0);

    // Failed, unknown (null) or unreachable: at once. Still collecting: put off once.
    let n = 0;
    for (const [st, expectPutOff] of [['failed', false], [null, false], ['collecting', true]] as const) {
      status = st;
      queued.length = 0;
      const id = `${30 + n++}-31-1`;
      await fb.schedule(id, [makeJob(31, undefined, { deadlineBlock: 100 })], 40);
      expect(await fb.runDue(40)).toBe(expectPutOff ? 0 : 1);
      if (expectPutOff) expect(await fb.runDue(42)).toBe(1);
      expect(queued.map((j) => j.task.taskId)).toEqual(['31']);
    }
  });
});
