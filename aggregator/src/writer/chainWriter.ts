/**
 * The chain-writing half of the aggregator: the BullMQ workers (submit, slash, expire) around the one
 * TxSender of the submitter key, and the feed keeper. By default it runs on its own thread
 * (writerThread.ts) with its own connections, so a submission never waits behind the HTTP intake on
 * the main event loop: at a few thousand responses per second each await there costs a whole turn
 * of the loop, and a submission has several. Everything it needs is in Redis and on chain.
 */
import type { Worker } from 'node:worker_threads';
import { ChainReader, ShutdownRegistry, TxSender, createProvider, destroyProvider, initBls, type AvsAddresses, type Logger } from '@aioracle/sdk';
import type { AggregatorConfig } from '@aioracle/config';
import { Wallet, type Provider } from 'ethers';
import { FeedKeeper } from '../feedKeeper.js';
import { RewardsKeeper } from '../rewardsKeeper.js';
import type { AggregatorMetrics } from '../metrics.js';
import { createQueues } from '../queue/queues.js';
import { TaskActions, type SentTimes } from '../queue/taskActions.js';
import { createWorkers } from '../queue/workers.js';
import { TaskContexts } from '../state/taskContexts.js';
import { TaskStore } from '../state/taskStore.js';
import { BatchStore } from '../state/batchStore.js';
import { openRedisConnections } from '../state/redisConnections.js';

/** What the chain writer needs (plain data: it crosses to a worker thread). */
export interface ChainWriterParams {
  cfg: AggregatorConfig;
  avs: AvsAddresses;
  namespace: string;
  /** The submitter's private key (never logged; in memory only). */
  submitterKey: string;
}

/** A running chain writer. */
export interface ChainWriter {
  /**
   * Starts the submission of a task that just reached quorum (after `delayMs`), without waiting for
   * its BullMQ job to be picked up; the job, which is the durable record, then shares or repeats it.
   */
  submitNow(taskId: string, delayMs: number): void;
  stop(): Promise<void>;
  /** The thread the writer runs on now (replaced when it dies); undefined when it runs on the main loop. */
  readonly thread?: Worker;
}

/** Starts the workers and the feed keeper. */
export async function startChainWriter(p: ChainWriterParams, o: { logger: Logger; metrics: AggregatorMetrics | null }): Promise<ChainWriter> {
  const { cfg, avs, namespace } = p;
  const { logger, metrics } = o;
  const shutdown = new ShutdownRegistry();
  await initBls();
  try {
    const provider = createProvider(cfg.eth_rpc_url);
    shutdown.add('provider', () => destroyProvider(provider));
    const { redis, stateRedis } = openRedisConnections(cfg.redis.url, shutdown, logger);
    const store = new TaskStore({ namespace }, { redis: stateRedis });
    const batches = new BatchStore({ namespace }, { redis: stateRedis, tasks: store });
    const contexts = new TaskContexts({ size: cfg.aggregation.task_cache_size }, { store });
    await contexts.warmKeys();
    const reader = new ChainReader(provider, avs);
    // When each respondToTask transaction went to the node and when the node took it (the quorum → sent latency).
    const sentAt = new Map<string, SentTimes>();
    const txSender = new TxSender(new Wallet(p.submitterKey, provider), {
      gasMarginPct: cfg.submitter.gas_margin_pct,
      confirmations: cfg.submitter.confirmations,
      onBroadcast: ({ method, args, dispatchedAtMs }) => {
        if (method === 'respondToTask') sentAt.set(String((args[0] as { taskId: bigint }).taskId), { dispatchedAtMs, acceptedAtMs: Date.now() });
        else if (method === 'respondToBatch') sentAt.set(`batch:${(args[0] as { taskId: bigint }[])[0]?.taskId}`, { dispatchedAtMs, acceptedAtMs: Date.now() });
      },
    });
    const queues = createQueues(`${namespace}:q`, redis);
    shutdown.add('queues', () => queues.close());
    const actions = new TaskActions(
      {
        oracle: avs.inferenceOracle,
        slashing: cfg.slashing.enabled,
        blockTimeMs: cfg.expiry.block_time_ms,
        maxRecheckMs: cfg.expiry.max_recheck_ms,
        attempts: cfg.submitter.attempts,
        backoffMs: cfg.submitter.backoff_ms,
      },
      { store, batches, contexts, reader, provider, txSender, queues, metrics, logger: logger.child({ component: 'actions' }), sentAt },
    );
    const workers = createWorkers(
      { prefix: `${namespace}:q`, connection: redis, submitConcurrency: cfg.submitter.concurrency, slashing: cfg.slashing.enabled, expiry: cfg.expiry.enabled, lockMs: cfg.submitter.job_lock_ms },
      { actions, logger: logger.child({ component: 'workers' }) },
    );
    shutdown.add('workers', () => workers.close(Math.max(1000, cfg.shutdown_grace_ms - 2000)));
    if (cfg.feeds.enabled) {
      const keeper = new FeedKeeper(
        { feeds: avs.inferenceFeeds, feedIds: cfg.feeds.feed_ids.map((s) => BigInt(s)), pollIntervalMs: cfg.feeds.poll_interval_ms, feeWei: BigInt(cfg.feeds.fee_wei), namespace },
        { provider: provider as Provider, txSender, redis, metrics, logger: logger.child({ component: 'feeds' }) },
      );
      keeper.start();
      shutdown.add('feeds', () => keeper.stop());
    }
    const rewardsVault = cfg.rewards.vault ?? avs.rewardsVault;
    if (cfg.rewards.enabled && rewardsVault) {
      const rewards = new RewardsKeeper(
        { vault: rewardsVault, pollIntervalMs: cfg.rewards.poll_interval_ms, namespace },
        { provider: provider as Provider, txSender, redis, logger: logger.child({ component: 'rewards' }) },
      );
      rewards.start();
      shutdown.add('rewards', () => rewards.stop());
    } else if (cfg.rewards.enabled) logger.warn('rewards.enabled but no RewardsVault (set rewards.vault or use a deployments file with one)');
    return {
      submitNow(taskId, delayMs) {
        const go = (): void => {
          actions.submit(taskId, { direct: true }).catch((err: unknown) => logger.debug({ taskId, err }, 'direct submission failed; the submit job retries it'));
        };
        if (delayMs > 0) setTimeout(go, delayMs).unref();
        else go();
      },
      async stop() {
        const r = await shutdown.shutdown(cfg.shutdown_grace_ms);
        for (const f of r.failed) logger.warn({ closer: f.name, err: f.error }, 'shutdown step failed');
      },
    };
  } catch (err) {
    await shutdown.shutdown(1000);
    throw err;
  }
}
