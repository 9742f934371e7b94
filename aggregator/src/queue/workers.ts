/**
 * BullMQ workers of the queues (submit, batch, slash, expire), wrapping {@link TaskActions}. A job whose task is not due yet
 * (expiry before the deadline), or whose task has a transaction in flight on the other path (a submit
 * while a batch holding the task is being sent, or the reverse), is moved back to delayed instead of failing.
 */
import { DelayedError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from '@aioracle/sdk';
import type { BatchJobData, ExpireJobData, SlashJobData, SubmitJobData } from './queues.js';
import { RecheckLater, type TaskActions } from './taskActions.js';

/** Options of {@link createWorkers}. */
export interface WorkersOptions {
  prefix: string;
  connection: ConnectionOptions;
  submitConcurrency: number;
  slashing: boolean;
  expiry: boolean;
  /**
   * Lock of a running job, renewed by its worker every half of it. A job whose process died
   * (SIGKILL) is taken over by another worker within about 1.5× this.
   */
  lockMs: number;
}

/** Starts the workers; returns a close function (waits for running jobs up to `timeoutMs`). */
export function createWorkers(opts: WorkersOptions, d: { actions: TaskActions; logger: Logger }): { workers: Worker[]; close: (timeoutMs: number) => Promise<void> } {
  const common = {
    connection: opts.connection,
    prefix: opts.prefix,
    autorun: true,
    lockDuration: opts.lockMs,
    stalledInterval: Math.max(500, Math.floor(opts.lockMs / 2)),
    // A job may be orphaned by several crashes in a row; it must not fail for that.
    maxStalledCount: 100,
  };
  const withRecheck = async <T>(job: Job, token: string | undefined, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof RecheckLater && token) {
        await job.moveToDelayed(Date.now() + err.delayMs, token);
        throw new DelayedError();
      }
      throw err;
    }
  };
  const workers: Worker[] = [
    new Worker<SubmitJobData>('submit', (job, token) => withRecheck(job, token, () => d.actions.submit(job.data.taskId)), { ...common, concurrency: opts.submitConcurrency }),
    new Worker<BatchJobData>('batch', (job, token) => withRecheck(job, token, () => d.actions.submitBatch(job.data.batchId, job.data.root, job.attemptsMade + 1)), { ...common, concurrency: 4 }),
  ];
  if (opts.slashing) workers.push(new Worker<SlashJobData>('slash', (job) => d.actions.slash(job.data.taskId, job.data.operatorId), { ...common, concurrency: 2 }));
  if (opts.expiry) workers.push(new Worker<ExpireJobData>('expire', (job, token) => withRecheck(job, token, () => d.actions.expire(job.data.taskId)), { ...common, concurrency: 4 }));
  for (const w of workers) {
    w.on('failed', (job, err) => d.logger.warn({ queue: w.name, jobId: job?.id, taskId: (job?.data as { taskId?: string } | undefined)?.taskId, batchId: (job?.data as { batchId?: string } | undefined)?.batchId, attemptsMade: job?.attemptsMade, err }, 'job failed'));
    w.on('error', (err) => d.logger.error({ queue: w.name, err }, 'worker error'));
  }
  return {
    workers,
    async close(timeoutMs: number) {
      await Promise.all(
        workers.map(async (w) => {
          let t: NodeJS.Timeout | undefined;
          const timeout = new Promise<'timeout'>((r) => {
            t = setTimeout(() => r('timeout'), timeoutMs);
          });
          const res = await Promise.race([w.close().then(() => 'closed' as const), timeout]);
          if (t) clearTimeout(t);
          if (res === 'timeout') await w.close(true);
        }),
      );
    },
  };
}
