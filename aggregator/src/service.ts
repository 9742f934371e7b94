/**
 * Wires the aggregator from its configuration: provider, Redis, task state, chain watcher, HTTP
 * API with signature verification threads, BullMQ queues, metrics, and the chain writer (workers and
 * feed keeper, on their own thread); and the start-up recovery that makes a
 * SIGKILL harmless (open tasks re-scanned from Redis, quorum-reached tasks re-enqueued, expiry jobs
 * re-added, the chain re-read from the stored cursor). Nothing here runs on import.
 */
import { createServer, type Server } from 'node:http';
import {
  ChainReader,
  ShutdownRegistry,
  BlsVerifyPool,
  createProvider,
  destroyProvider,
  readDeploymentFile,
  type AvsAddresses,
  type CreatedTask,
  type Deployment,
  type Logger,
} from '@aioracle/sdk';
import type { AggregatorConfig } from '@aioracle/config';
import { Wallet, getAddress } from 'ethers';
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { createApi } from './api/server.js';
import { BatchVerifier } from './aggregation/batchVerifier.js';
import { ResponseIngest } from './aggregation/responseIngest.js';
import { BatchIngest } from './aggregation/batchIngest.js';
import { CanonicalBatches } from './aggregation/canonicalBatches.js';
import { TaskLoader, onDemandLoader } from './chain/taskLoader.js';
import { TaskWatcher } from './chain/taskWatcher.js';
import { AggErrorCode, aggError } from './errors.js';
import { getMetrics, type AggregatorMetrics } from './metrics.js';
import { sampleScrapeGauges, withTimeout } from './scrapeSampler.js';
import { batchJobId, createQueues, expireJobId, jobOptions, reviveSpentJobs, submitJobId, type AggregatorQueues } from './queue/queues.js';
import { startChainWriter, type ChainWriter } from './writer/chainWriter.js';
import { startWriterThread } from './writer/writerHost.js';
import { TaskContexts } from './state/taskContexts.js';
import { TaskStore, type OperatorSnapshot } from './state/taskStore.js';
import { BatchStore } from './state/batchStore.js';
import { openRedisConnections } from './state/redisConnections.js';

/** A running aggregator. */
export interface Aggregator {
  /** The HTTP port actually bound. */
  port: number;
  namespace: string;
  store: TaskStore;
  /** The batch aggregation state (POST /v1/batches). */
  batches: BatchStore;
  metrics: AggregatorMetrics;
  registry: Registry;
  queues: AggregatorQueues;
  watcher: TaskWatcher;
  /** The chain writer (submit, slash and expire workers, feed keeper). */
  writer: ChainWriter;
  /** Re-enqueues open work found in Redis (also run at start). */
  recover(): Promise<{ submit: number; expire: number; batch: number }>;
  /** Graceful stop. */
  stop(): Promise<void>;
}

/** Options besides the config. */
export interface StartAggregatorOptions {
  logger: Logger;
  /** Submitter private key (0x-hex), already decrypted by the entry point. */
  submitterKey: string;
  shutdown?: ShutdownRegistry;
}


function resolveAddresses(cfg: AggregatorConfig): { avs: AvsAddresses; deployment: Deployment | null } {
  const deployment = cfg.deployment_file ? readDeploymentFile(cfg.deployment_file) : null;
  const c = cfg.contracts;
  const avs: AvsAddresses = c
    ? { inferenceOracle: getAddress(c.inference_oracle), operatorRegistry: getAddress(c.operator_registry), modelRegistry: getAddress(c.model_registry), inferenceFeeds: getAddress(c.inference_feeds) }
    : deployment!.avs;
  return { avs, deployment };
}

/** Warns when Redis is not configured for durability (README "Redis settings"). */
export async function checkRedisSettings(redis: Redis, logger: Logger): Promise<string[]> {
  const warnings: string[] = [];
  try {
    const policy = (await redis.config('GET', 'maxmemory-policy')) as string[];
    if (policy[1] !== undefined && policy[1] !== 'noeviction') warnings.push(`Redis maxmemory-policy is ${policy[1]}: set it to noeviction, or Redis may evict task state and queued jobs`);
    const aof = (await redis.config('GET', 'appendonly')) as string[];
    if (aof[1] === 'no') warnings.push('Redis appendonly is off: accepted signatures since the last RDB snapshot are lost if Redis crashes (set appendonly yes, appendfsync everysec)');
  } catch {
    warnings.push('Cannot read the Redis configuration (CONFIG GET refused); check maxmemory-policy noeviction and AOF by hand');
  }
  for (const w of warnings) logger.warn(w);
  return warnings;
}

/** Starts an aggregator from `cfg`. */
export async function startAggregator(cfg: AggregatorConfig, o: StartAggregatorOptions): Promise<Aggregator> {
  const logger = o.logger;
  const shutdown = o.shutdown ?? new ShutdownRegistry();
  const { avs, deployment } = resolveAddresses(cfg);
  const provider = createProvider(cfg.eth_rpc_url);
  shutdown.add('provider', () => destroyProvider(provider));
  const net = await provider.getNetwork();
  const chainId = net.chainId;
  if (cfg.chain_id !== undefined && BigInt(cfg.chain_id) !== chainId) {
    throw aggError(AggErrorCode.ChainMismatch, `The node at eth_rpc_url is on chain ${chainId}, the config says ${cfg.chain_id}`);
  }
  const namespace = `${cfg.redis.prefix}:${chainId}:${avs.inferenceOracle.toLowerCase()}`;
  const { redis, stateRedis } = openRedisConnections(cfg.redis.url, shutdown, logger);
  await checkRedisSettings(redis, logger);

  const registry = new Registry();
  const metrics = getMetrics(registry);
  const store = new TaskStore({ namespace }, { redis: stateRedis });
  const batches = new BatchStore({ namespace }, { redis: stateRedis, tasks: store });
  const contexts = new TaskContexts({ size: cfg.aggregation.task_cache_size }, { store });
  const reader = new ChainReader(provider, avs);
  const submitter = new Wallet(o.submitterKey).address;
  const queues = createQueues(`${namespace}:q`, redis);
  shutdown.add('queues', () => queues.close());
  const jobOpts = jobOptions(cfg.submitter.attempts, cfg.submitter.backoff_ms);

  // Submissions, slashing, expiry and feed rounds: on their own thread unless configured inline.
  const writerParams = { cfg, avs, namespace, submitterKey: o.submitterKey };
  const writer = cfg.submitter.thread
    ? await startWriterThread(writerParams, { logger, metrics })
    : await startChainWriter(writerParams, { logger, metrics });
  shutdown.add('chain writer', () => writer.stop());

  const enqueueSubmit = async (taskId: string, delay = 0): Promise<void> => {
    await queues.submit.add('submit', { taskId }, { ...jobOpts, jobId: submitJobId(taskId), ...(delay > 0 ? { delay } : {}) });
  };
  const enqueueBatch = async (batchId: string, root: string, referenceBlock: number, delay = 0): Promise<void> => {
    await queues.batch.add('batch', { batchId, root }, { ...jobOpts, jobId: batchJobId(referenceBlock, root), ...(delay > 0 ? { delay } : {}) });
  };
  const enqueueExpire = async (taskId: string, deadlineBlock: number, head?: number): Promise<void> => {
    if (!cfg.expiry.enabled) return;
    const h = head ?? (await provider.getBlockNumber());
    const delay = Math.min(cfg.expiry.max_recheck_ms, Math.max(0, (deadlineBlock - h + 1) * cfg.expiry.block_time_ms));
    await queues.expire.add('expire', { taskId }, { ...jobOpts, attempts: 1000, jobId: expireJobId(taskId), delay });
  };

  // Expiry jobs of newly loaded tasks go out in bulk, after the load: one queue round trip per poll
  // instead of one per task on the path an operator's batch waits on. A crash before the flush loses
  // nothing: recover() enqueues the expiry of every open task at start-up.
  const pendingExpiry: { taskId: string; deadlineBlock: number; head: number }[] = [];
  let expiryFlush: NodeJS.Immediate | null = null;
  const flushExpiries = async (): Promise<void> => {
    expiryFlush = null;
    const list = pendingExpiry.splice(0);
    if (list.length === 0 || !cfg.expiry.enabled) return;
    try {
      await queues.expire.addBulk(
        list.map((e) => ({
          name: 'expire',
          data: { taskId: e.taskId },
          opts: { ...jobOpts, attempts: 1000, jobId: expireJobId(e.taskId), delay: Math.min(cfg.expiry.max_recheck_ms, Math.max(0, (e.deadlineBlock - e.head + 1) * cfg.expiry.block_time_ms)) },
        })),
      );
    } catch (err) {
      logger.warn({ err, tasks: list.length }, 'expiry jobs not queued; retrying');
      pendingExpiry.push(...list);
      setTimeout(() => void flushExpiries(), 1_000).unref();
    }
  };
  const loader = new TaskLoader({
    reader,
    provider,
    store,
    metrics,
    logger: logger.child({ component: 'loader' }),
    onLoaded: async (c: CreatedTask, head?: number, snapshot?: OperatorSnapshot, createdAtMs?: number) => {
      if (snapshot && createdAtMs !== undefined) await contexts.prime({ id: c.task.taskId.toString(), task: c.task, taskHash: c.taskHash.toLowerCase(), createdAtMs }, snapshot);
      if (head === undefined) return enqueueExpire(c.task.taskId.toString(), c.task.deadlineBlock);
      pendingExpiry.push({ taskId: c.task.taskId.toString(), deadlineBlock: c.task.deadlineBlock, head });
      expiryFlush ??= setImmediate(() => void flushExpiries());
    },
  });
  shutdown.add('expiry flush', () => flushExpiries());
  let pool: BlsVerifyPool | null = null;
  if (cfg.aggregation.verify_threads > 0) {
    try {
      pool = await BlsVerifyPool.create(cfg.aggregation.verify_threads);
      const started = pool;
      shutdown.add('verify threads', () => started.close());
    } catch (err) {
      logger.warn({ err }, 'signature verification threads did not start; verifying on the event loop');
    }
  }
  const verifier = new BatchVerifier({ windowMs: cfg.aggregation.verify_batch_window_ms, maxBatch: cfg.aggregation.verify_batch_max }, { metrics, pool, logger });
  let startBlock = cfg.start_block ?? deployment?.startBlock;
  if (startBlock === undefined) startBlock = Math.max(0, (await provider.getBlockNumber()) - cfg.watcher.catchup_blocks);
  const watcherRef: { w: TaskWatcher | null } = { w: null };
  const loadUnknown = onDemandLoader({
    reader,
    provider,
    store,
    loader,
    startBlock,
    confirmations: cfg.watcher.confirmations,
    maxBlockRange: cfg.watcher.max_block_range,
    logger,
    catchUp: () => (watcherRef.w ? watcherRef.w.poll() : Promise.resolve()),
  });
  const ingest = new ResponseIngest(
    { chainId, oracle: avs.inferenceOracle },
    { store, contexts, verifier, metrics, logger: logger.child({ component: 'ingest' }), onQuorum: async (ctx) => {
        writer.submitNow(ctx.id, cfg.aggregation.collection_window_ms);
        await enqueueSubmit(ctx.id, cfg.aggregation.collection_window_ms);
      }, loadUnknown },
  );

  // Batch boundaries: the split of every reference block over all its tasks (once the watcher has
  // loaded the block; the chain's logs confirm a refusal).
  const canonical = new CanonicalBatches({
    store,
    startBlock,
    catchUp: () => (watcherRef.w ? watcherRef.w.poll() : Promise.resolve()),
    createdInBlock: async (block) => (await reader.getCreatedTasks(block, block)).map((c) => c.task),
    logger: logger.child({ component: 'batches' }),
  });
  const batchIngest = new BatchIngest(
    { chainId, oracle: avs.inferenceOracle },
    {
      batches,
      contexts,
      verifier,
      canonical,
      metrics,
      logger: logger.child({ component: 'batches' }),
      onQuorum: (q) => enqueueBatch(q.batchId, q.root, q.referenceBlock, cfg.aggregation.collection_window_ms),
      loadUnknown,
    },
  );

  const watcher = new TaskWatcher(
    { pollIntervalMs: cfg.watcher.poll_interval_ms, confirmations: cfg.watcher.confirmations, maxBlockRange: cfg.watcher.max_block_range, startBlock },
    { reader, provider, store, loader, metrics, logger: logger.child({ component: 'watcher' }) },
  );
  watcherRef.w = watcher;

  const recover = async (): Promise<{ submit: number; expire: number; batch: number }> => {
    // Jobs that spent their attempts on passing trouble first, so the adds below do not meet them.
    await reviveSpentJobs(queues, logger);
    let batch = 0;
    for (const batchId of await batches.quorumBatchIds()) {
      const rec = await batches.getBatch(batchId);
      if (rec?.status !== 'quorum' || !rec.quorumRoot) {
        // Expired (TTL) or ended: nothing to submit.
        if (!rec || rec.status !== 'quorum') await batches.finish(batchId, 'failed');
        continue;
      }
      await enqueueBatch(batchId, rec.quorumRoot, rec.referenceBlock);
      batch++;
    }
    const ids = await store.openTaskIds();
    let submit = 0;
    let expire = 0;
    const head = await provider.getBlockNumber();
    for (const id of ids) {
      const rec = await store.getTask(id);
      if (!rec) continue;
      if (rec.status === 'quorum' || rec.status === 'submitted') {
        await enqueueSubmit(id);
        submit++;
      }
      const task = JSON.parse(rec.task) as { deadlineBlock: number };
      await enqueueExpire(id, task.deadlineBlock, head);
      expire++;
    }
    if (ids.length > 0) logger.info({ open: ids.length, submit, batch }, 'open tasks re-scanned');
    return { submit, expire, batch };
  };

  const quorumList = deployment?.quorums.map((q) => q.quorumNumber) ?? [0];
  const app = createApi(
    { bodyLimitBytes: cfg.api.body_limit_bytes, maxInflight: cfg.api.max_inflight_responses, batchBodyLimitBytes: cfg.api.max_batch_body_bytes, maxInflightBatches: cfg.api.max_inflight_batches },
    {
      ingest,
      batches: batchIngest,
      batchStore: batches,
      store,
      registry,
      metrics,
      logger: logger.child({ component: 'api' }),
      // Redis commands wait in the client's queue while it is down: each check gives up after 2 s.
      health: async () => {
        const [r, c] = await Promise.all([
          withTimeout(redis.ping(), 2_000, 'redis PING').then(() => true, () => false),
          withTimeout(provider.getBlockNumber(), 2_000, 'eth_blockNumber').then(() => true, () => false),
        ]);
        return { ok: r && c, checks: { redis: r, rpc: c } };
      },
      redisReady: () => stateRedis.status === 'ready',
      operators: async () => {
        const head = await provider.getBlockNumber();
        const states = await reader.getQuorumStates(quorumList, head);
        const byAddr = new Map<string, { operatorId: string; address: string; stake: Record<string, string> }>();
        for (const s of states) {
          for (const op of s.operators) {
            const e = byAddr.get(op.address) ?? { operatorId: op.operatorId, address: op.address, stake: {} };
            e.stake[String(s.quorumNumber)] = op.stake.toString();
            byAddr.set(op.address, e);
          }
        }
        return { block: head, operators: [...byAddr.values()] };
      },
      beforeScrape: () =>
        sampleScrapeGauges({
          metrics,
          redisPing: () => redis.ping(),
          blockNumber: () => provider.getBlockNumber(),
          submitterBalance: () => provider.getBalance(submitter),
          openTaskCount: () => store.openTaskCount(),
          queueCounts: async () => {
            const out: Record<string, Record<string, number>> = {};
            for (const [name, q] of Object.entries({ submit: queues.submit, batch: queues.batch, slash: queues.slash, expire: queues.expire })) {
              out[name] = await q.getJobCounts('waiting', 'active', 'delayed', 'failed');
            }
            return out;
          },
        }),
    },
  );
  const server: Server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(cfg.api.port, cfg.api.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.keepAliveTimeout = 65_000;
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : cfg.api.port;

  shutdown.add('watcher', () => watcher.stop());
  shutdown.add('http', () => new Promise<void>((r) => {
    server.close(() => r());
    server.closeAllConnections();
  }));

  await recover();
  watcher.start();
  const rescan = setInterval(() => void recover().catch((err: unknown) => logger.warn({ err }, 're-scan failed')), 30_000);
  rescan.unref();
  shutdown.add('rescan', () => clearInterval(rescan));
  logger.info({ port, chainId: chainId.toString(), oracle: avs.inferenceOracle, submitter, startBlock, writerThread: cfg.submitter.thread }, 'aggregator started');

  return {
    port,
    namespace,
    store,
    batches,
    metrics,
    registry,
    queues,
    watcher,
    writer,
    recover,
    async stop() {
      const r = await shutdown.shutdown(cfg.shutdown_grace_ms);
      for (const f of r.failed) logger.warn({ closer: f.name, err: f.error }, 'shutdown step failed');
    },
  };
}
