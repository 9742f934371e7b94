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
  /** Polls run one at a time, in order; `next` is the poll queued behind the running one (joined by new callers). */
  private tail: Promise<unknown> = Promise.resolve();
  private next: Promise<number> | null = null;

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

  /**
   * A poll that starts after this call (joining one already queued, never running two at once):
   * what the periodic timer runs, and what ingestion awaits when an operator's batch or response
   * names tasks beyond the cursor. Operators see a block as soon as the aggregator can; without this
   * they met 404 and backed off for seconds, the largest part of a batch's latency under load.
   */
  poll(): Promise<number> {
    if (this.next) return this.next;
    const p = this.tail.then(() => {
      this.next = null;
      return this.pollOnce();
    });
    this.next = p;
    this.tail = p.catch(() => undefined);
    return p;
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
      // Loaded 32 at a time: each load is a few Redis round trips and a queue add, which pipeline
      // when issued together (a block of a hundred tasks used to load one by one).
      for (let i = 0; i < created.length; i += 32) await Promise.all(created.slice(i, i + 32).map((c) => this.d.loader.load(c, head)));
      await this.d.store.setCursor(end);
      this.d.metrics?.watcherBlock.set(end);
      from = end + 1;
    }
    return Math.max(cursor, from - 1);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.poll()
        .then(() => undefined)
        .catch((err: unknown) => this.d.logger.warn({ err }, 'task watcher poll failed; retrying'))
        .finally(() => this.schedule(this.opts.pollIntervalMs));
    }, ms);
  }
}
