/**
 * Rewards keeper: calls RewardsVault.submitRewards() (permissionless) once a calculation interval of EigenLayer's
 * RewardsCoordinator has ended, so the operators' task-fee earnings reach EigenLayer on schedule
 * (docs/protocol.md "Rewards"); a round of more operators than one page takes one call per page, one per tick. A
 * Redis key per window and page (SET NX) keeps several aggregators from sending the same submission; a submission that finds nothing to pay (NothingToSubmit) or a window already taken (TooEarly) is not
 * an error.
 */
import { bindings, type Logger, type TxSender } from '@aioracle/sdk';
import type { Provider } from 'ethers';
import type { Redis } from 'ioredis';

/** Options of {@link RewardsKeeper}. */
export interface RewardsKeeperOptions {
  /** The RewardsVault. */
  vault: string;
  pollIntervalMs: number;
  /** Redis key namespace of this aggregator's AVS. */
  namespace: string;
}

/** Submits the vault's rewards once per calculation interval. */
export class RewardsKeeper {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly opts: RewardsKeeperOptions,
    private readonly d: { provider: Provider; txSender: TxSender; redis: Redis; logger: Logger },
  ) {}

  start(): void {
    this.stopped = false;
    const tick = (): void => {
      if (this.stopped) return;
      this.checkOnce()
        .catch((err: unknown) => this.d.logger.warn({ err }, 'rewards keeper check failed'))
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

  /** Submits when a window is open; returns the transaction hash, or null when there was nothing to do. */
  async checkOnce(): Promise<string | null> {
    const vault = bindings.RewardsVault__factory.connect(this.opts.vault, this.d.provider);
    const [[start, duration], [inRound, nextIndex]] = await Promise.all([vault.submissionWindow(), vault.submissionProgress()]);
    if (duration === 0n) return null;
    // one key per page of a round (the vault pays SUBMIT_PAGE operators a call), so a round of many pages advances a
    // page per tick instead of a page per key expiry
    const page = inRound ? nextIndex : 0n;
    const key = `${this.opts.namespace}:rewards:${start}:${duration}:${page}`;
    const won = await this.d.redis.set(key, '1', 'EX', 3600, 'NX');
    if (won === null) return null; // another aggregator took this window
    try {
      const receipt = await this.d.txSender.send(vault, 'submitRewards', []);
      this.d.logger.info({ start: Number(start), duration: Number(duration), fromOperator: Number(page), tx: receipt.hash }, 'rewards submitted');
      return receipt.hash;
    } catch (err) {
      const revert = (err as { details?: { revert?: string | null } }).details?.revert ?? null;
      if (revert === 'NothingToSubmit' || revert === 'TooEarly') return null;
      await this.d.redis.del(key); // let the next tick (or another aggregator) try again
      throw err;
    }
  }
}
