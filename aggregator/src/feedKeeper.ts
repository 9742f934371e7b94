/**
 * Feed keeper: for each kept feed, requests a new round (InferenceFeeds.requestFeedRound) when the
 * latest answered round is older than the feed's heartbeat. A Redis key with the heartbeat as TTL
 * makes sure one request per heartbeat is made even with several aggregators (SET NX).
 */
import type { Logger, TxSender } from '@aioracle/sdk';
import { Contract, type Provider } from 'ethers';
import type { Redis } from 'ioredis';
import type { AggregatorMetrics } from './metrics.js';

const FEEDS_ABI = [
  'function feedCount() view returns (uint64)',
  'function getFeed(uint64 feedId) view returns (tuple(bytes32 modelId, address inputSource, uint8 decimals, uint32 answerIndex, uint32 heartbeat, bool active, address adapter, uint64 latestRound, uint64 latestTaskId, string description, bytes input))',
  'function latestFeedRound(uint64 feedId) view returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)',
  'function requestFeedRound(uint64 feedId) payable returns (uint64 taskId)',
];

/** Options of {@link FeedKeeper}. */
export interface FeedKeeperOptions {
  feeds: string;
  feedIds: bigint[];
  pollIntervalMs: number;
  feeWei: bigint;
  namespace: string;
}

/** Requests feed rounds on heartbeat. */
export class FeedKeeper {
  private readonly contract: Contract;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly opts: FeedKeeperOptions,
    private readonly d: { provider: Provider; txSender: TxSender; redis: Redis; metrics: AggregatorMetrics | null; logger: Logger },
  ) {
    this.contract = new Contract(opts.feeds, FEEDS_ABI, d.provider);
  }

  start(): void {
    this.stopped = false;
    const tick = (): void => {
      if (this.stopped) return;
      this.checkOnce()
        .catch((err: unknown) => this.d.logger.warn({ err }, 'feed keeper check failed'))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.opts.pollIntervalMs);
        });
    };
    tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** Checks every kept feed once; returns the ids whose round was requested. */
  async checkOnce(nowSec = Math.floor(Date.now() / 1000)): Promise<bigint[]> {
    let ids = this.opts.feedIds;
    if (ids.length === 0) {
      const n = (await this.contract.getFunction('feedCount')()) as bigint;
      ids = Array.from({ length: Number(n) }, (_, i) => BigInt(i + 1));
    }
    const requested: bigint[] = [];
    for (const id of ids) {
      const f = (await this.contract.getFunction('getFeed')(id)) as { heartbeat: bigint; active: boolean; latestRound: bigint };
      if (!f.active || f.heartbeat === 0n) continue;
      let updatedAt = 0n;
      if (f.latestRound > 0n) updatedAt = ((await this.contract.getFunction('latestFeedRound')(id)) as { updatedAt: bigint }).updatedAt;
      this.d.metrics?.feedUpdated.set({ feed: id.toString() }, Number(updatedAt));
      this.d.metrics?.feedHeartbeat.set({ feed: id.toString() }, Number(f.heartbeat));
      if (BigInt(nowSec) - updatedAt < f.heartbeat) continue;
      const lock = await this.d.redis.set(`${this.opts.namespace}:feed:${id}:requested`, String(nowSec), 'EX', Number(f.heartbeat), 'NX');
      if (lock !== 'OK') continue;
      try {
        await this.d.txSender.send(this.contract, 'requestFeedRound', [id], { value: this.opts.feeWei });
        this.d.metrics?.feedRounds.inc({ outcome: 'requested' });
        this.d.logger.info({ feedId: id.toString() }, 'feed round requested');
        requested.push(id);
      } catch (err) {
        this.d.metrics?.feedRounds.inc({ outcome: 'failed' });
        await this.d.redis.del(`${this.opts.namespace}:feed:${id}:requested`);
        this.d.logger.warn({ feedId: id.toString(), err }, 'feed round request failed');
      }
    }
    return requested;
  }
}
