/**
 * The BullMQ queues: `submit` (respondToTask), `batch` (respondToBatch), `slash` (slashDissenter or
 * slashBatchDissenter), `expire` (expireTask after the deadline). Job ids are deterministic and free of ':' (BullMQ's separator), so adding the same
 * job twice, from a re-scan or from a second aggregator on the same Redis, is a no-op.
 */
import type { Logger } from '@aioracle/sdk';
import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';

export const QUEUE_NAMES = ['submit', 'batch', 'slash', 'expire'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

/** Job data: only ids (never keys or signatures; those stay in the task state). */
export interface SubmitJobData {
  taskId: string;
}
/** A batch root at quorum to submit with respondToBatch. */
export interface BatchJobData {
  batchId: string;
  root: string;
}
export interface SlashJobData {
  taskId: string;
  operatorId: string;
}
export interface ExpireJobData {
  taskId: string;
}

export const submitJobId = (taskId: string): string => `submit-${taskId}`;
/** One submission per batch root: the root fixes every task and output (and, with the reference block, the batch). */
export const batchJobId = (referenceBlock: number, root: string): string => `batch-${referenceBlock}-${root.toLowerCase()}`;
export const expireJobId = (taskId: string): string => `expire-${taskId}`;
export const slashJobId = (taskId: string, operatorId: string): string => `slash-${taskId}-${operatorId.toLowerCase()}`;

/** The queues of one aggregator namespace. */
export interface AggregatorQueues {
  submit: Queue<SubmitJobData>;
  batch: Queue<BatchJobData>;
  slash: Queue<SlashJobData>;
  expire: Queue<ExpireJobData>;
  close(): Promise<void>;
}

/** Default options: bounded retention, exponential backoff. */
export function jobOptions(attempts: number, backoffMs: number): JobsOptions {
  return {
    attempts,
    backoff: { type: 'exponential', delay: backoffMs },
    removeOnComplete: { age: 24 * 3600, count: 50_000 },
    removeOnFail: { age: 7 * 24 * 3600, count: 50_000 },
  };
}

/** Opens the queues under `prefix` (BullMQ key prefix). */
export function createQueues(prefix: string, connection: ConnectionOptions): AggregatorQueues {
  const submit = new Queue<SubmitJobData>('submit', { connection, prefix });
  const batch = new Queue<BatchJobData>('batch', { connection, prefix });
  const slash = new Queue<SlashJobData>('slash', { connection, prefix });
  const expire = new Queue<ExpireJobData>('expire', { connection, prefix });
  return {
    submit,
    batch,
    slash,
    expire,
    async close() {
      await Promise.all([submit.close(), batch.close(), slash.close(), expire.close()]);
    },
  };
}

/**
 * Puts back to work the failed jobs that spent their attempts on errors that can pass (RPC down,
 * submitter out of funds); jobs failed with an UnrecoverableError (a revert that can never succeed,
 * bad data) stay failed. Their ids are deterministic, so without this a re-add would be a no-op and
 * the work would be left behind. Run by the periodic re-scan: one more attempt per scan each.
 * Returns the ids revived.
 */
export async function reviveSpentJobs(queues: AggregatorQueues, logger: Logger, limit = 500): Promise<string[]> {
  const revived: string[] = [];
  for (const q of [queues.submit, queues.batch, queues.slash, queues.expire] as Queue[]) {
    for (const job of await q.getFailed(0, limit - 1)) {
      if (!job?.id || job.attemptsMade < (job.opts.attempts ?? 1)) continue;
      if ((job.stacktrace ?? []).at(-1)?.startsWith('UnrecoverableError')) continue;
      logger.warn({ queue: q.name, jobId: job.id, attemptsMade: job.attemptsMade, reason: job.failedReason }, 'job had spent its attempts; trying it again');
      await job.retry('failed');
      revived.push(job.id);
    }
  }
  return revived;
}
