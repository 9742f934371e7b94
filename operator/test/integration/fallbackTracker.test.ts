/**
 * FallbackTracker on real Redis: a batch's answered tasks fall back at the due block unless a
 * TaskResponded log named them (before or after the batch was scheduled) or their deadline passed;
 * the records survive a new tracker (restart) and are removed once handled.
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
});
