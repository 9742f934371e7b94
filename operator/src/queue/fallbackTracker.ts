/**
 * Per-task fallback of batches (docs/protocol.md "Batch attestation", Fallback): a task of a
 * delivered batch that is still pending `batching.fallback_blocks` blocks after delivery (the
 * operators' roots disagreed, or the batch was late) is signed alone through the existing per-task
 * path (a `task-<taskId>` job, POST /v1/responses).
 *
 * All state is in the operator's Redis, so it survives a restart:
 *   `<prefix>:fb:due`       sorted set batchId → due block;
 *   `<prefix>:fb:b:<id>`    the batch's answered (non-abstained) task jobs, JSON;
 *   `<prefix>:fb:answered`  sorted set taskId → block of its TaskResponded log, trimmed to the last
 *                           `answeredWindowBlocks` blocks. Kept apart from the batch records so a
 *                           response seen before our own batch job finished still counts.
 *   `<prefix>:fb:defer`     hash batchId → times its fallback was put off (below).
 * Before signing a due batch's pending tasks alone, the tracker asks the aggregators for the batch
 * (GET /v1/batches/:id). A batch whose root reached quorum ('quorum': the submission is under way;
 * 'done': mined, its logs not yet read here) is put off by `deferBlocks`, up to `maxDeferrals` times;
 * one still 'collecting' (slow peers) once. Only then, or when no aggregator knows the batch or answers,
 * or it 'failed', are the tasks signed alone. Under load a batch can take more than fallback_blocks to
 * land, and signing every task of every late batch alone multiplied the work exactly when the machine
 * had none to spare (a measured fallback storm: 224 tasks signed alone per operator, all too late).
 * Cost: one MULTI per batch delivered; per poll one MULTI for the TaskResponded logs of the range and
 * one ZRANGEBYSCORE, plus three pipelined round trips for all batches falling due. Nothing per task.
 * Enqueue-then-delete: a crash between the two re-enqueues, and the job id dedups.
 */
import { noopLogger, type Logger } from '@aioracle/sdk';
import type { Redis } from 'ioredis';
import type { FallbackScheduler } from '../batchProcessor.js';
import type { Metrics } from '../metrics.js';
import type { TaskJobData } from '../taskProcessor.js';
import type { AggregatorBatchStatus } from '../delivery/aggregatorClient.js';

/** Options of {@link FallbackTracker}. */
export interface FallbackTrackerOptions {
  /** Key prefix (the queue prefix: chain id and oracle included). */
  prefix: string;
  /** Blocks a TaskResponded record is kept (default 1024; longer than any response window in use). */
  answeredWindowBlocks?: number;
  /** Due batches handled per poll (default 256). */
  maxDuePerPoll?: number;
  /** Blocks a fallback is put off when the aggregators report the batch in progress (default 2). */
  deferBlocks?: number;
  /** Most times a batch at quorum is put off (default 3; a batch still collecting: once). */
  maxDeferrals?: number;
}

/** Collaborators of {@link FallbackTracker}. */
export interface FallbackTrackerDeps {
  redis: Redis;
  /** Queues a task to be signed alone (InferenceQueue.add). */
  enqueue: (job: TaskJobData) => Promise<void>;
  /** The aggregators' view of a batch (AggregatorClient.batchStatus); absent or null = unknown. */
  batchStatus?: (batchId: string) => Promise<AggregatorBatchStatus | null>;
  metrics?: Metrics | null;
  logger?: Logger;
}

export class FallbackTracker implements FallbackScheduler {
  private readonly dueKey: string;
  private readonly answeredKey: string;
  private readonly deferKey: string;
  private readonly deferBlocks: number;
  private readonly maxDeferrals: number;
  private readonly window: number;
  private readonly maxDue: number;
  private readonly logger: Logger;

  constructor(
    private readonly opts: FallbackTrackerOptions,
    private readonly deps: FallbackTrackerDeps,
  ) {
    this.dueKey = `${opts.prefix}:fb:due`;
    this.answeredKey = `${opts.prefix}:fb:answered`;
    this.deferKey = `${opts.prefix}:fb:defer`;
    this.deferBlocks = Math.max(1, opts.deferBlocks ?? 2);
    this.maxDeferrals = Math.max(0, opts.maxDeferrals ?? 3);
    this.window = opts.answeredWindowBlocks ?? 1024;
    this.maxDue = opts.maxDuePerPoll ?? 256;
    this.logger = (deps.logger ?? noopLogger).child({ component: 'fallback' });
  }

  private batchKey(batchId: string): string {
    return `${this.opts.prefix}:fb:b:${batchId}`;
  }

  /** Records the batch's answered tasks, due at `dueBlock` (idempotent: a retried job re-records the same). */
  async schedule(batchId: string, tasks: TaskJobData[], dueBlock: number): Promise<void> {
    if (tasks.length === 0) return;
    await this.deps.redis.multi().set(this.batchKey(batchId), JSON.stringify(tasks)).zadd(this.dueKey, dueBlock, batchId).exec();
  }

  /** Marks tasks answered on chain (TaskResponded logs of one scanned range) and trims old records. */
  async answered(responses: readonly { taskId: string; block: number }[], head: number): Promise<void> {
    if (responses.length === 0) return;
    const args: (string | number)[] = [];
    for (const r of responses) args.push(r.block, r.taskId);
    await this.deps.redis
      .multi()
      .zadd(this.answeredKey, ...args)
      .zremrangebyscore(this.answeredKey, '-inf', `(${head - this.window}`)
      .exec();
  }

  /** Queues, for every batch due at `head`, its tasks still pending and not past their deadline; returns how many. */
  async runDue(head: number): Promise<number> {
    const { redis } = this.deps;
    const ids = await redis.zrangebyscore(this.dueKey, '-inf', head, 'LIMIT', 0, this.maxDue);
    if (ids.length === 0) return 0;
    const got = await ids.reduce((p, id) => p.get(this.batchKey(id)), redis.pipeline()).exec();
    const batches = ids.map((id, i) => {
      const raw = got?.[i]?.[1];
      return { id, tasks: typeof raw === 'string' ? (JSON.parse(raw) as TaskJobData[]) : [] };
    });
    const withTasks = batches.filter((b) => b.tasks.length > 0);
    const scores = withTasks.length
      ? await withTasks.reduce((p, b) => p.zmscore(this.answeredKey, ...b.tasks.map((t) => t.task.taskId)), redis.pipeline()).exec()
      : [];
    const pendingOf = withTasks.map((b, i) => {
      const answered = (scores?.[i]?.[1] ?? []) as (string | null)[];
      return b.tasks.filter((t, k) => (answered[k] ?? null) === null && t.task.deadlineBlock >= head);
    });
    // Ask the aggregators about every batch with pending tasks, and how often each was put off.
    const asking = withTasks.map((b, i) => (pendingOf[i]!.length > 0 && this.deps.batchStatus ? this.deps.batchStatus(b.id).catch(() => null) : Promise.resolve(null)));
    const [statuses, deferrals] = await Promise.all([Promise.all(asking), withTasks.length ? redis.hmget(this.deferKey, ...withTasks.map((b) => b.id)) : Promise.resolve([])]);
    let queued = 0;
    const deferred: string[] = [];
    for (const [i, b] of withTasks.entries()) {
      const pending = pendingOf[i]!;
      if (pending.length === 0) continue;
      const st = statuses[i] ?? null;
      const limit = st?.status === 'quorum' || st?.status === 'done' ? this.maxDeferrals : st?.status === 'collecting' ? Math.min(1, this.maxDeferrals) : 0;
      const times = Number(deferrals[i] ?? 0);
      if (times < limit) {
        deferred.push(b.id);
        this.deps.metrics?.fallbackDeferred.inc();
        this.logger.debug({ batchId: b.id, pending: pending.length, aggregator: st?.status, times: times + 1, head }, 'batch tasks still pending, the aggregator has the batch in progress: fallback put off');
        continue;
      }
      for (const t of pending) await this.deps.enqueue({ ...t, seenAt: Date.now() });
      queued += pending.length;
      this.deps.metrics?.fallbackTasks.inc(pending.length);
      this.logger.info({ batchId: b.id, tasks: b.tasks.length, pending: pending.length, aggregator: st?.status ?? null, head }, 'batch tasks still pending: signing them alone');
    }
    const done = ids.filter((id) => !deferred.includes(id));
    const m = redis.multi();
    for (const id of done) m.del(this.batchKey(id)).zrem(this.dueKey, id).hdel(this.deferKey, id);
    for (const id of deferred) m.zadd(this.dueKey, head + this.deferBlocks, id).hincrby(this.deferKey, id, 1);
    await m.exec();
    return queued;
  }
}
