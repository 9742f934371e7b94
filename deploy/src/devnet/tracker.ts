/**
 * Watches the oracle's logs (TaskCreated, TaskResponded, TaskExpired, DissenterSlashed) and keeps
 * the devnet's figures: tasks per second, finalised / expired, request→finalised latency (wall
 * clock from the moment the request transaction was sent, and in blocks), the signed stake share of
 * the last finalised task, the feed's latest round and which operators were slashed. Polls
 * eth_getLogs over the new blocks every `pollMs`; it only reads.
 */
import { bindings, bytesToHex, getLogsRaw, parseTaskCreatedLog, parseTaskRespondedLog, TASK_CREATED_TOPIC, TASK_RESPONDED_TOPIC, type Deployment, type LogLike } from '@aioracle/sdk';
import { getAddress, type JsonRpcProvider } from 'ethers';

/** What the devnet knows about one task. */
export interface TrackedTask {
  taskId: bigint;
  modelId: string;
  requester: string;
  feedId: bigint;
  createdBlock: number;
  /** Wall-clock ms when the request was sent (tasks the devnet requested), else when the log was seen. */
  requestedAt: number;
  /** True when this devnet sent the request. */
  ours: boolean;
  status: 'pending' | 'finalised' | 'expired';
  output?: string;
  outputHash?: string;
  respondedBlock?: number;
  latencyMs?: number;
  signedStake?: bigint[];
  totalStake?: bigint[];
}

/** The feed's latest answer read through its AggregatorV3Interface adapter. */
export interface FeedView {
  feedId: string;
  adapter: string;
  description: string;
  roundId: string | null;
  answer: string | null;
  updatedAt: number | null;
}

/** Figures at one moment. */
export interface DevnetStats {
  elapsedS: number;
  requested: number;
  created: number;
  finalised: number;
  expired: number;
  pending: number;
  /** Finalised per second over the last 10 s. */
  tasksPerSecond: number;
  /** Finalised per second since the first request. */
  tasksPerSecondAvg: number;
  latencyMs: { p50: number | null; p95: number | null };
  latencyBlocks: { p50: number | null; p95: number | null };
  /** Signed / total stake of quorum 0 in the last finalised task (0..1). */
  quorumStakeShare: number | null;
  feedRounds: number;
  feed: FeedView | null;
  slashed: { operator: string; taskId: string }[];
  headBlock: number;
}

/** Percentile (nearest rank) of a sorted-or-not list; null when empty. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const rank = Math.min(s.length, Math.max(1, Math.ceil((p / 100) * s.length)));
  return s[rank - 1] ?? null;
}

/** Options of {@link TaskTracker}. */
export interface TaskTrackerOptions {
  deployment: Deployment;
  feed: { feedId: string; adapter: string; description: string } | null;
  pollMs?: number;
}

export class TaskTracker {
  readonly tasks = new Map<bigint, TrackedTask>();
  /** Request tx hash → ms when it was sent. */
  private readonly sent = new Map<string, number>();
  /** Request tx hash → the task it created (tasks seen before anyone asked), and who waits for one. */
  private readonly createdBy = new Map<string, bigint>();
  private readonly txWaiters = new Map<string, (taskId: bigint) => void>();
  private readonly waiters = new Map<bigint, ((t: TrackedTask) => void)[]>();
  private readonly slashedList: { operator: string; taskId: string }[] = [];
  private readonly finishedAt: number[] = [];
  private requestedCount = 0;
  private firstRequestAt: number | null = null;
  private readonly oracle;
  private readonly adapter;
  private nextBlock: number;
  private head = 0;
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> = Promise.resolve();
  private feedView: FeedView | null;
  private feedRounds = 0;
  private lastShare: number | null = null;
  private lastFeedRead = 0;
  private readonly started = Date.now();

  constructor(
    private readonly opts: TaskTrackerOptions,
    private readonly provider: JsonRpcProvider,
  ) {
    this.oracle = bindings.InferenceOracle__factory.connect(opts.deployment.avs.inferenceOracle, provider);
    this.adapter = opts.feed ? bindings.AggregatorV3Interface__factory.connect(opts.feed.adapter, provider) : null;
    this.nextBlock = opts.deployment.startBlock;
    this.feedView = opts.feed ? { ...opts.feed, roundId: null, answer: null, updatedAt: null } : null;
  }

  /** Starts polling (idempotent). */
  start(): void {
    if (this.timer) return;
    const tick = (): void => {
      this.polling = this.pollOnce()
        .catch(() => undefined)
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, this.opts.pollMs ?? 200);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  /** Stops polling and waits for the poll in flight. */
  async stop(): Promise<void> {
    const t = this.timer;
    this.timer = null;
    if (t) clearTimeout(t);
    await this.polling;
  }

  /**
   * Resolves with the task id that request transaction `txHash` created, once its TaskCreated log is
   * read (no receipt polling: the tracker reads every log anyway); null after `timeoutMs`.
   */
  taskIdOf(txHash: string, timeoutMs: number): Promise<bigint | null> {
    const key = txHash.toLowerCase();
    const known = this.createdBy.get(key);
    if (known !== undefined) return Promise.resolve(known);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.txWaiters.delete(key);
        resolve(null);
      }, timeoutMs);
      this.txWaiters.set(key, (id) => {
        clearTimeout(timer);
        resolve(id);
      });
    });
  }

  /** Records a request transaction the devnet just sent. */
  noteSent(txHash: string, at = Date.now()): void {
    this.sent.set(txHash.toLowerCase(), at);
    this.requestedCount++;
    this.firstRequestAt ??= at;
  }

  /** Resolves when the task is finalised or expired (or rejects after `timeoutMs`). */
  waitFor(taskId: bigint, timeoutMs: number): Promise<TrackedTask> {
    const t = this.tasks.get(taskId);
    if (t && t.status !== 'pending') return Promise.resolve(t);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`task ${taskId} neither finalised nor expired within ${timeoutMs} ms`)), timeoutMs);
      const list = this.waiters.get(taskId) ?? [];
      list.push((x) => {
        clearTimeout(timer);
        resolve(x);
      });
      this.waiters.set(taskId, list);
    });
  }

  /** One poll: new logs up to the head, and the feed every 2 s. */
  async pollOnce(): Promise<void> {
    const head = await this.provider.getBlockNumber();
    this.head = head;
    if (head >= this.nextBlock) {
      const to = Math.min(head, this.nextBlock + 1999);
      const logs = await getLogsRaw(this.provider, { address: this.opts.deployment.avs.inferenceOracle, topics: [], fromBlock: this.nextBlock, toBlock: to });
      const now = Date.now();
      for (const log of logs) this.onLog(log, now);
      this.nextBlock = to + 1;
    }
    if (this.adapter && this.feedView && Date.now() - this.lastFeedRead > 2_000) {
      this.lastFeedRead = Date.now();
      try {
        const r = await this.adapter.latestRoundData();
        this.feedView = { ...this.feedView, roundId: r.roundId.toString(), answer: r.answer.toString(), updatedAt: Number(r.updatedAt) };
      } catch {
        // no round yet: the adapter reverts
      }
    }
  }

  private onLog(log: LogLike, now: number): void {
    const topic0 = log.topics[0]?.toLowerCase();
    // TaskCreated and TaskResponded through the sdk's strict decoders (the hot path at hundreds of
    // tasks a second); the rarer events through the ABI.
    let name: string;
    let parsed: ReturnType<typeof this.oracle.interface.parseLog> = null;
    if (topic0 === TASK_CREATED_TOPIC) name = 'TaskCreated';
    else if (topic0 === TASK_RESPONDED_TOPIC) name = 'TaskResponded';
    else {
      try {
        parsed = this.oracle.interface.parseLog({ topics: [...log.topics], data: log.data });
      } catch {
        return;
      }
      if (!parsed) return;
      name = parsed.name;
    }
    const oracle = this.opts.deployment.avs.inferenceOracle;
    switch (name) {
      case 'TaskCreated': {
        let created;
        try {
          created = parseTaskCreatedLog(log, oracle);
        } catch {
          return;
        }
        const { task } = created;
        const taskId = task.taskId;
        const txKey = log.transactionHash.toLowerCase();
        const sentAt = this.sent.get(txKey);
        if (sentAt !== undefined) this.sent.delete(txKey);
        const txWaiter = this.txWaiters.get(txKey);
        if (txWaiter) {
          this.txWaiters.delete(txKey);
          txWaiter(taskId);
        } else if (sentAt !== undefined) {
          this.createdBy.set(txKey, taskId);
          if (this.createdBy.size > 10_000) this.createdBy.delete(this.createdBy.keys().next().value!);
        }
        this.tasks.set(taskId, {
          taskId,
          modelId: task.modelId.toLowerCase(),
          requester: task.requester,
          feedId: task.feedId,
          createdBlock: log.blockNumber,
          requestedAt: sentAt ?? now,
          ours: sentAt !== undefined,
          status: 'pending',
        });
        break;
      }
      case 'TaskResponded': {
        let r;
        try {
          r = parseTaskRespondedLog(log, oracle);
        } catch {
          return;
        }
        const t = this.tasks.get(r.taskId);
        if (!t || t.status !== 'pending') break;
        t.status = 'finalised';
        t.output = bytesToHex(r.output);
        t.outputHash = r.outputHash;
        t.respondedBlock = log.blockNumber;
        t.latencyMs = now - t.requestedAt;
        t.signedStake = r.signedStake;
        t.totalStake = r.totalStake;
        const s0 = t.signedStake[0];
        const t0 = t.totalStake[0];
        if (s0 !== undefined && t0 !== undefined && t0 > 0n) this.lastShare = Number((s0 * 1_000_000n) / t0) / 1_000_000;
        if (t.feedId !== 0n) this.feedRounds++;
        if (t.ours) this.finishedAt.push(now);
        this.settle(t);
        break;
      }
      case 'TaskExpired': {
        if (!parsed) break;
        const t = this.tasks.get(parsed.args.getValue('taskId') as bigint);
        if (!t || t.status !== 'pending') break;
        t.status = 'expired';
        this.settle(t);
        break;
      }
      case 'DissenterSlashed': {
        if (!parsed) break;
        this.slashedList.push({ operator: getAddress(parsed.args.getValue('operator') as string), taskId: (parsed.args.getValue('taskId') as bigint).toString() });
        break;
      }
      default:
        break;
    }
  }

  private settle(t: TrackedTask): void {
    const list = this.waiters.get(t.taskId);
    if (!list) return;
    this.waiters.delete(t.taskId);
    for (const w of list) w(t);
  }

  /** Addresses of the operators slashed so far (each once). */
  slashedOperators(): string[] {
    return [...new Set(this.slashedList.map((s) => s.operator))];
  }

  /** Number of the devnet's own requests still pending (sent or created, not settled). */
  outstanding(): number {
    let n = this.sent.size;
    for (const t of this.tasks.values()) if (t.ours && t.status === 'pending') n++;
    return n;
  }

  /** The figures now. */
  stats(now = Date.now()): DevnetStats {
    const ours = [...this.tasks.values()].filter((t) => t.ours);
    const fin = ours.filter((t) => t.status === 'finalised');
    const lat = fin.map((t) => t.latencyMs ?? 0);
    const blocks = fin.map((t) => (t.respondedBlock ?? t.createdBlock) - t.createdBlock);
    const recent = this.finishedAt.filter((x) => now - x <= 10_000).length;
    const window = Math.min(10, Math.max(1, (now - (this.firstRequestAt ?? now)) / 1000));
    const sinceFirst = this.firstRequestAt === null ? 0 : (now - this.firstRequestAt) / 1000;
    return {
      elapsedS: (now - this.started) / 1000,
      requested: this.requestedCount,
      created: ours.length,
      finalised: fin.length,
      expired: ours.filter((t) => t.status === 'expired').length,
      pending: this.outstanding(),
      tasksPerSecond: recent / window,
      tasksPerSecondAvg: sinceFirst > 0 ? fin.length / sinceFirst : 0,
      latencyMs: { p50: percentile(lat, 50), p95: percentile(lat, 95) },
      latencyBlocks: { p50: percentile(blocks, 50), p95: percentile(blocks, 95) },
      quorumStakeShare: this.lastShare,
      feedRounds: this.feedRounds,
      feed: this.feedView,
      slashed: [...this.slashedList],
      headBlock: this.head,
    };
  }
}
