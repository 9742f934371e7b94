/**
 * The BullMQ `inference` queue in the operator's own Redis. Job id = `task-<taskId>` for a task
 * signed alone, `batch-<batchId>` for a batch (the queue's prefix already names chain and oracle),
 * so a task or batch seen twice (catch-up overlap, a restart) runs once. Retryable failures back off exponentially; non-retryable ones (bad input, equivocation)
 * become UnrecoverableError. Retention is bounded.
 */
import { Queue, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { AioracleError, type Logger, noopLogger } from '@aioracle/sdk';
import type { Metrics } from '../metrics.js';
import type { BatchJobData, BatchOutcome, BatchProcessor } from '../batchProcessor.js';
import type { TaskJobData, TaskOutcome, TaskProcessor } from '../taskProcessor.js';

type JobData = TaskJobData | BatchJobData;
type JobOutcome = TaskOutcome | BatchOutcome;

export const INFERENCE_QUEUE = 'inference';

/** Options of {@link InferenceQueue}. */
export interface InferenceQueueOptions {
  connection: ConnectionOptions;
  /** BullMQ key prefix (e.g. `aioracle-op:31337:0xoracle`). */
  prefix: string;
  concurrency: number;
  attempts: number;
  backoffMs: number;
  keepCompleted: number;
  keepFailed: number;
}

/** The job id of a batch (no ':'; sdk batch ids have none). */
export function batchJobId(batchId: string): string {
  return `batch-${batchId}`;
}

/** The job id of a task (no ':' — BullMQ reserves it). */
export function taskJobId(taskId: string | bigint): string {
  return `task-${taskId.toString()}`;
}

export class InferenceQueue {
  readonly queue: Queue<JobData, JobOutcome>;
  private worker: Worker<JobData, JobOutcome> | null = null;
  private readonly logger: Logger;

  constructor(
    private readonly opts: InferenceQueueOptions,
    private readonly deps: { processor: TaskProcessor; batchProcessor?: BatchProcessor | null; metrics?: Metrics | null; logger?: Logger },
  ) {
    this.logger = deps.logger ?? noopLogger;
    this.queue = new Queue<JobData, JobOutcome>(INFERENCE_QUEUE, {
      connection: opts.connection,
      prefix: opts.prefix,
      defaultJobOptions: {
        attempts: opts.attempts,
        backoff: { type: 'exponential', delay: opts.backoffMs },
        removeOnComplete: { count: opts.keepCompleted },
        removeOnFail: { count: opts.keepFailed },
      },
    });
    this.queue.on('error', (err) => this.logger.warn({ err: err.message }, 'queue connection error'));
  }

  /** Adds a task (deduplicated by job id). */
  async add(data: TaskJobData): Promise<void> {
    await this.queue.add('task', data, { jobId: taskJobId(data.task.taskId) });
  }

  /** Adds a batch (deduplicated by job id). */
  async addBatch(data: BatchJobData): Promise<void> {
    await this.queue.add('batch', data, { jobId: batchJobId(data.batchId) });
  }

  /** Starts the worker. */
  start(): void {
    if (this.worker) return;
    this.worker = new Worker<JobData, JobOutcome>(
      INFERENCE_QUEUE,
      async (job: Job<JobData, JobOutcome>) => {
        try {
          if (job.name === 'batch') {
            const bp = this.deps.batchProcessor;
            if (!bp) throw new UnrecoverableError('ERR_OPERATOR_BAD_JOB: a batch job reached a node with batching disabled');
            return await bp.process(job.data as BatchJobData);
          }
          return await this.deps.processor.process(job.data as TaskJobData);
        } catch (err) {
          if (err instanceof AioracleError && !err.retryable) throw new UnrecoverableError(`${err.code}: ${err.message}`);
          throw err;
        }
      },
      { connection: this.opts.connection, prefix: this.opts.prefix, concurrency: this.opts.concurrency, autorun: true },
    );
    this.worker.on('error', (err) => this.logger.warn({ err: err.message }, 'worker error'));
    this.worker.on('failed', (job, err) => this.logger.debug({ jobId: job?.id, attempts: job?.attemptsMade, err: err.message }, 'inference job failed'));
  }

  /** Job counts by state (for the queue depth gauge). */
  async counts(): Promise<Record<string, number>> {
    return this.queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized');
  }

  /** Closes the worker (waiting for active jobs up to `timeoutMs`) and the queue. */
  async close(timeoutMs = 10_000): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([w.close(), new Promise<void>((r) => (timer = setTimeout(() => r(), timeoutMs)))]);
      if (timer) clearTimeout(timer);
      if (w.isRunning()) await w.close(true);
    }
    await this.queue.close();
  }
}
