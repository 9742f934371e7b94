/**
 * The BullMQ queues: `submit` (respondToTask), `slash` (slashDissenter), `expire` (expireTask after
 * the deadline). Job ids are deterministic and free of ':' (BullMQ's separator), so adding the same
 * job twice, from a re-scan or from a second aggregator on the same Redis, is a no-op.
 */
import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';

export const QUEUE_NAMES = ['submit', 'slash', 'expire'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

/** Job data: only ids (never keys or signatures; those stay in the task state). */
export interface SubmitJobData {
  taskId: string;
}
export interface SlashJobData {
  taskId: string;
  operatorId: string;
}
export interface ExpireJobData {
  taskId: string;
}

export const submitJobId = (taskId: string): string => `submit-${taskId}`;
export const expireJobId = (taskId: string): string => `expire-${taskId}`;
export const slashJobId = (taskId: string, operatorId: string): string => `slash-${taskId}-${operatorId.toLowerCase()}`;

/** The three queues of one aggregator namespace. */
export interface AggregatorQueues {
  submit: Queue<SubmitJobData>;
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
  const slash = new Queue<SlashJobData>('slash', { connection, prefix });
  const expire = new Queue<ExpireJobData>('expire', { connection, prefix });
  return {
    submit,
    slash,
    expire,
    async close() {
      await Promise.all([submit.close(), slash.close(), expire.close()]);
    },
  };
}
