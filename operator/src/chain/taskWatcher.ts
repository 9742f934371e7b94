/**
 * Watches the oracle for TaskCreated logs by polling eth_getLogs up to `head − confirmations`, in
 * ranges of at most `maxBlockRange`. The last processed block is persisted in Redis, so after
 * downtime the watcher catches up from where it stopped; tasks whose deadline has passed are
 * skipped (they can no longer be answered). A log that does not decode is counted and skipped.
 *
 * Batch mode (`batching: true`): every task of a reference block is created in block
 * referenceBlock + 1, and a block never straddles two scanned ranges, so grouping a range's tasks
 * with the sdk's `batchesOf` yields whole protocol batches; each goes to `onBatch`, except a batch of
 * one task, which goes to `onTask` (signed as a single response, protocol.md). The same
 * eth_getLogs also asks for TaskResponded (one call, topic0 in a set), handed to `onResponded` so
 * the fallback tracker knows which tasks are answered; `afterPoll` runs once per poll (due fallbacks).
 */
import { AioracleError, batchesOf, bindings, bytesToHex, getLogsRaw, parseTaskCreatedLog, TASK_CREATED_TOPIC as SDK_TASK_CREATED_TOPIC, taskToJson, type Logger, noopLogger, type CreatedTask } from '@aioracle/sdk';
import type { Provider } from 'ethers';
import type { Redis } from 'ioredis';
import type { Metrics } from '../metrics.js';
import type { BatchJobData } from '../batchProcessor.js';
import type { TaskJobData } from '../taskProcessor.js';

/** topic0 of TaskCreated. */
export const TASK_CREATED_TOPIC: string = SDK_TASK_CREATED_TOPIC;
/** topic0 of DissenterSlashed (topics: taskId, operator, operatorId). */
export const DISSENTER_SLASHED_TOPIC: string = bindings.InferenceOracle__factory.createInterface().getEvent('DissenterSlashed').topicHash;

/** topic0 of TaskResponded (topics: taskId, taskHash). */
export const TASK_RESPONDED_TOPIC: string = bindings.InferenceOracle__factory.createInterface().getEvent('TaskResponded').topicHash;

/** Options of {@link TaskWatcher}. */
export interface TaskWatcherOptions {
  oracle: string;
  confirmations: number;
  pollIntervalMs: number;
  maxBlockRange: number;
  /** Blocks scanned back from the head when no cursor exists. */
  catchupBlocks: number;
  /** Never scan below this block (the deployment's start block). */
  startBlock: number;
  /** Redis key of the cursor (last processed block). */
  cursorKey: string;
  /** This node's operatorId: DissenterSlashed logs naming it are counted (aioracle_operator_slashed_total). */
  operatorId?: string;
  /** Hand whole batches to onBatch (and TaskResponded logs to onResponded) instead of tasks to onTask. */
  batching?: boolean;
}

/** Collaborators of {@link TaskWatcher}. */
export interface TaskWatcherDeps {
  provider: Provider;
  redis: Redis;
  /** Called for every live task, in chain order; the cursor advances after it resolves. */
  onTask: (job: TaskJobData, created: CreatedTask) => Promise<void>;
  /** Batch mode: called for every batch of live tasks, in chain order; the cursor advances after it resolves. */
  onBatch?: (job: BatchJobData) => Promise<void>;
  /** Batch mode: the TaskResponded logs of each scanned range (taskId, block), and the head. */
  onResponded?: (responses: { taskId: string; block: number }[], head: number) => Promise<void>;
  /** Batch mode: after each successful poll, with the head (the fallback tracker's due check). */
  afterPoll?: (head: number) => Promise<void>;
  /** Times an RPC call (eigen_rpc_* metrics). */
  rpc?: <T>(method: string, fn: () => Promise<T>) => Promise<T>;
  metrics?: Metrics | null;
  logger?: Logger;
  /** Health reporting of the RPC dependency. */
  onRpcHealth?: (ok: boolean) => void;
}

export class TaskWatcher {
  private head: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  private readonly logger: Logger;
  private readonly rpc: <T>(method: string, fn: () => Promise<T>) => Promise<T>;

  constructor(
    private readonly opts: TaskWatcherOptions,
    private readonly deps: TaskWatcherDeps,
  ) {
    this.logger = (deps.logger ?? noopLogger).child({ component: 'taskWatcher' });
    this.rpc = deps.rpc ?? ((_m, fn) => fn());
  }

  /** The latest head seen (null before the first poll). */
  get headBlock(): number | null {
    return this.head;
  }

  /** The persisted cursor, or null. */
  async cursor(): Promise<number | null> {
    const v = await this.deps.redis.get(this.opts.cursorKey);
    return v === null ? null : Number(v);
  }

  /** One poll: reads the head, scans new confirmed blocks, hands live tasks to onTask. Returns tasks handed over. */
  async pollOnce(): Promise<number> {
    const head = await this.rpc('eth_blockNumber', () => this.deps.provider.getBlockNumber());
    this.head = head;
    const safe = head - this.opts.confirmations;
    const cursor = await this.cursor();
    let from = cursor === null ? Math.max(this.opts.startBlock, safe - this.opts.catchupBlocks) : cursor + 1;
    let handed = 0;
    const me = this.opts.operatorId?.toLowerCase();
    // One eth_getLogs per range: topic0 is TaskCreated, or also DissenterSlashed when we know our id.
    // Batch mode adds TaskResponded to the same call.
    const batching = this.opts.batching === true;
    const topic0 = [TASK_CREATED_TOPIC, ...(batching ? [TASK_RESPONDED_TOPIC] : []), ...(me ? [DISSENTER_SLASHED_TOPIC] : [])];
    const topics = topic0.length > 1 ? [topic0] : topic0;
    while (from <= safe) {
      const to = Math.min(safe, from + this.opts.maxBlockRange - 1);
      const logs = await this.rpc('eth_getLogs', () => getLogsRaw(this.deps.provider, { address: this.opts.oracle, topics, fromBlock: from, toBlock: to }));
      const live: { job: TaskJobData; created: CreatedTask }[] = [];
      const responded: { taskId: string; block: number }[] = [];
      for (const log of logs) {
        if (log.topics[0] === TASK_RESPONDED_TOPIC) {
          responded.push({ taskId: BigInt(log.topics[1] ?? 0).toString(), block: log.blockNumber });
          continue;
        }
        if (log.topics[0] === DISSENTER_SLASHED_TOPIC) {
          if (log.topics[3]?.toLowerCase() === me) {
            this.deps.metrics?.slashed.inc();
            this.logger.error({ taskId: BigInt(log.topics[1] ?? 0).toString(), tx: log.transactionHash, block: log.blockNumber }, 'this operator was slashed for signing a dissenting output');
          }
          continue;
        }
        let created: CreatedTask;
        try {
          created = parseTaskCreatedLog(log, this.opts.oracle);
        } catch (err) {
          this.deps.metrics?.tasksRejected.inc({ reason: 'bad_task' });
          this.logger.warn({ tx: log.transactionHash, err: (err as Error).message }, 'TaskCreated log does not decode; skipped');
          continue;
        }
        const taskId = created.task.taskId.toString();
        if (created.task.deadlineBlock < head) {
          this.deps.metrics?.tasksRejected.inc({ reason: 'expired' });
          this.logger.info({ taskId, deadlineBlock: created.task.deadlineBlock, head }, 'task already past its deadline; skipped');
          continue;
        }
        this.deps.metrics?.tasksSeen.inc({ source: cursor === null || created.blockNumber < head - this.opts.confirmations - 1 ? 'catchup' : 'live' });
        const job: TaskJobData = { task: taskToJson(created.task), taskHash: created.taskHash, input: bytesToHex(created.input), seenAt: Date.now() };
        if (batching) live.push({ job, created });
        else await this.deps.onTask(job, created);
        handed++;
      }
      if (batching) await this.handBatches(live, responded, head);
      await this.deps.redis.set(this.opts.cursorKey, String(to));
      this.deps.metrics?.watcherBlock.set(to);
      from = to + 1;
    }
    if (batching) await this.deps.afterPoll?.(head);
    return handed;
  }

  private async handBatches(live: { job: TaskJobData; created: CreatedTask }[], responded: { taskId: string; block: number }[], head: number): Promise<void> {
    if (live.length > 0) {
      const byId = new Map(live.map((l) => [l.created.task.taskId, l.job]));
      const seenAt = Date.now();
      for (const b of batchesOf(live.map((l) => l.created.task))) {
        // A batch of one task is signed and answered as a single response (protocol.md "Batch
        // attestation": one leaf): respondToTask is cheaper than a one-leaf respondToBatch.
        if (b.tasks.length === 1) {
          const only = live.find((l) => l.created.task.taskId === b.tasks[0]!.taskId)!;
          await this.deps.onTask(only.job, only.created);
          continue;
        }
        const onBatch = this.deps.onBatch;
        if (!onBatch) throw new AioracleError('ERR_OPERATOR_BAD_JOB', 'TaskWatcher: batching is on but no onBatch handler was given');
        await onBatch({ batchId: b.batchId, referenceBlock: b.referenceBlock, tasks: b.tasks.map((t) => byId.get(t.taskId)!), seenAt });
      }
    }
    if (responded.length > 0) await this.deps.onResponded?.(responded, head);
  }

  /** Polls every pollIntervalMs until stop(). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const tick = async (): Promise<void> => {
      if (this.stopped) return;
      this.running = this.pollOnce()
        .then(() => this.deps.onRpcHealth?.(true))
        .catch((err: unknown) => {
          this.deps.onRpcHealth?.(false);
          this.logger.warn({ code: err instanceof AioracleError ? err.code : undefined, err: (err as Error).message }, 'poll failed; will retry');
        })
        .then(() => {
          this.running = null;
          if (!this.stopped) this.timer = setTimeout(() => void tick(), this.opts.pollIntervalMs);
        });
      await this.running;
    };
    void tick();
  }

  /** Stops polling and waits for a poll in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }
}
