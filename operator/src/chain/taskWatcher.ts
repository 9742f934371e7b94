/**
 * Watches the oracle for TaskCreated logs by polling eth_getLogs up to `head − confirmations`, in
 * ranges of at most `maxBlockRange`. The last processed block is persisted in Redis, so after
 * downtime the watcher catches up from where it stopped; tasks whose deadline has passed are
 * skipped (they can no longer be answered). A log that does not decode is counted and skipped.
 */
import { AioracleError, bindings, parseTaskCreatedLog, taskToJson, type Logger, noopLogger, type CreatedTask } from '@aioracle/sdk';
import { hexlify, type Provider } from 'ethers';
import type { Redis } from 'ioredis';
import type { Metrics } from '../metrics.js';
import type { TaskJobData } from '../taskProcessor.js';

/** topic0 of TaskCreated. */
export const TASK_CREATED_TOPIC: string = bindings.InferenceOracle__factory.createInterface().getEvent('TaskCreated').topicHash;
/** topic0 of DissenterSlashed (topics: taskId, operator, operatorId). */
export const DISSENTER_SLASHED_TOPIC: string = bindings.InferenceOracle__factory.createInterface().getEvent('DissenterSlashed').topicHash;

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
}

/** Collaborators of {@link TaskWatcher}. */
export interface TaskWatcherDeps {
  provider: Provider;
  redis: Redis;
  /** Called for every live task, in chain order; the cursor advances after it resolves. */
  onTask: (job: TaskJobData, created: CreatedTask) => Promise<void>;
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
    const topics = me ? [[TASK_CREATED_TOPIC, DISSENTER_SLASHED_TOPIC]] : [TASK_CREATED_TOPIC];
    while (from <= safe) {
      const to = Math.min(safe, from + this.opts.maxBlockRange - 1);
      const logs = await this.rpc('eth_getLogs', () => this.deps.provider.getLogs({ address: this.opts.oracle, topics, fromBlock: from, toBlock: to }));
      for (const log of logs) {
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
        await this.deps.onTask({ task: taskToJson(created.task), taskHash: created.taskHash, input: hexlify(created.input), seenAt: Date.now() }, created);
        handed++;
      }
      await this.deps.redis.set(this.opts.cursorKey, String(to));
      this.deps.metrics?.watcherBlock.set(to);
      from = to + 1;
    }
    return handed;
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
