/**
 * Polls the oracle for TaskCreated logs behind a confirmation depth and loads each task. The
 * cursor (last block fully loaded) lives in Redis and only moves after every task of a range is
 * stored, so a crash or a restart re-reads from where loading stopped: no task is left behind.
 */
import type { ChainReader, Logger } from '@aioracle/sdk';
import type { Provider } from 'ethers';
import type { AggregatorMetrics } from '../metrics.js';
import type { TaskStore } from '../state/taskStore.js';
import type { TaskLoader } from './taskLoader.js';

/** Options of {@link TaskWatcher}. */
export interface TaskWatcherOptions {
  pollIntervalMs: number;
  confirmations: number;
  maxBlockRange: number;
  /** Where to start when Redis has no cursor. */
  startBlock: number;
}

/** The TaskCreated poller. */
export class TaskWatcher {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly opts: TaskWatcherOptions,
    private readonly d: { reader: ChainReader; provider: Provider; store: TaskStore; loader: TaskLoader; metrics: AggregatorMetrics | null; logger: Logger },
  ) {}

  /** Starts polling (first poll at once). */
  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops polling and waits for the poll in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One poll: loads every confirmed task after the cursor. Returns the new cursor. */
  async pollOnce(): Promise<number> {
    const head = await this.d.provider.getBlockNumber();
    const to = head - this.opts.confirmations;
    const cursor = (await this.d.store.getCursor()) ?? this.opts.startBlock - 1;
    let from = cursor + 1;
    while (from <= to && !this.stopped) {
      const end = Math.min(to, from + this.opts.maxBlockRange - 1);
      const created = await this.d.reader.getCreatedTasks(from, end);
      for (const c of created) await this.d.loader.load(c);
      await this.d.store.setCursor(end);
      this.d.metrics?.watcherBlock.set(end);
      from = end + 1;
    }
    return Math.max(cursor, from - 1);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.pollOnce()
        .then(() => undefined)
        .catch((err: unknown) => this.d.logger.warn({ err }, 'task watcher poll failed; retrying'))
        .finally(() => this.schedule(this.opts.pollIntervalMs));
    }, ms);
  }
}
