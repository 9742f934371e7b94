/**
 * The operator node: wires the task watcher, the inference queue, the model store, the signing log,
 * the aggregator client, the node API and metrics, and registers every close callback with the
 * shutdown registry (closed in reverse order: stop watching, drain the queue, close stores).
 * Built from an already-loaded config and key pair so tests and the CLI share it.
 */
import type { Server } from 'node:http';
import { BeaconBlobSource, bindings, ChainReader, InputResolver, createProvider, destroyProvider, readOperatorRewards, ShutdownRegistry, type BlsKeyPair, type Logger, noopLogger, operatorIdFromPublicKey } from '@aioracle/sdk';
import type { ConnectionOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { DEFAULT_SERVICES, HealthTracker, MODELS_SERVICE } from './api/health.js';
import { closeServer, createNodeApi, listen } from './api/nodeApi.js';
import { TaskWatcher } from './chain/taskWatcher.js';
import { assertByzantineAllowed, resolveAvs, type OperatorConfig, type ResolvedAvs } from './config.js';
import { AggregatorClient } from './delivery/aggregatorClient.js';
import { OperatorErrorCode, operatorError } from './errors.js';
import { getMetrics, type Metrics } from './metrics.js';
import { ModelStore, type ModelChainSource } from './model/modelStore.js';
import { ModelWatcher } from './model/modelWatcher.js';
import { InferenceQueue } from './queue/inferenceQueue.js';
import { SigningLog } from './store/signingLog.js';
import { BatchProcessor } from './batchProcessor.js';
import { FallbackTracker } from './queue/fallbackTracker.js';
import { TaskProcessor } from './taskProcessor.js';
import { TaskInputs } from './input/taskInputs.js';
import { OPERATOR_VERSION } from './version.js';

/** Collaborators of {@link OperatorNode.start}. */
export interface OperatorNodeDeps {
  keyPair: BlsKeyPair;
  logger?: Logger;
  /** Overrides the resolved deployment (tests). */
  resolved?: ResolvedAvs;
  /** The model registry source (default: the chain). null = trust local manifests (bench only). */
  modelSource?: ModelChainSource | null;
}

export class OperatorNode {
  readonly shutdown = new ShutdownRegistry();
  readonly metrics: Metrics;
  readonly register = new Registry();
  readonly health: HealthTracker;
  operatorId = '';
  nodeApiServer: Server | null = null;
  metricsServer: Server | null = null;
  watcher!: TaskWatcher;
  queue!: InferenceQueue;
  models!: ModelStore;
  signingLog!: SigningLog;
  processor!: TaskProcessor;
  /** null when batching is disabled. */
  batchProcessor: BatchProcessor | null = null;
  fallback: FallbackTracker | null = null;
  /** null when the model source is injected (tests). */
  modelWatcher: ModelWatcher | null = null;
  private readonly logger: Logger;

  private constructor(
    readonly config: OperatorConfig,
    private readonly deps: OperatorNodeDeps,
  ) {
    this.logger = deps.logger ?? noopLogger;
    this.metrics = getMetrics(this.register);
    this.health = new HealthTracker(deps.modelSource === undefined ? [...DEFAULT_SERVICES, MODELS_SERVICE] : DEFAULT_SERVICES, (score) => this.metrics.performanceScore.set(this.metrics.avsLabels, score));
  }

  /** Builds and starts a node. On failure everything already started is closed again. */
  static async start(config: OperatorConfig, deps: OperatorNodeDeps): Promise<OperatorNode> {
    const node = new OperatorNode(config, deps);
    try {
      await node.init();
    } catch (err) {
      await node.shutdown.shutdown(5_000);
      throw err;
    }
    return node;
  }

  private async init(): Promise<void> {
    const cfg = this.config;
    const resolved = this.deps.resolved ?? resolveAvs(cfg);
    const provider = createProvider(cfg.eth_rpc_url, { pollingIntervalMs: cfg.watcher.poll_interval_ms });
    this.shutdown.add('provider', () => destroyProvider(provider));
    const clientVersion = await provider.send('web3_clientVersion', []).then(String, () => 'unknown');
    const rpc = async <T>(method: string, fn: () => Promise<T>): Promise<T> => {
      const end = this.metrics.rpcRequestDuration.startTimer({ method, client_version: clientVersion, ...this.metrics.avsLabels });
      this.metrics.rpcRequestTotal.inc({ method, client_version: clientVersion, ...this.metrics.avsLabels });
      try {
        return await fn();
      } finally {
        end();
      }
    };
    const network = await rpc('eth_chainId', () => provider.getNetwork());
    const chainId = Number(network.chainId);
    if (resolved.chainId !== undefined && resolved.chainId !== chainId) {
      throw operatorError(OperatorErrorCode.ChainMismatch, `The RPC endpoint ${cfg.eth_rpc_url} is chain ${chainId}; the config expects ${resolved.chainId}`);
    }
    assertByzantineAllowed(cfg.devnet.byzantine, chainId);
    this.health.set('rpc', true);
    const oracle = resolved.avs.inferenceOracle.toLowerCase();
    this.operatorId = operatorIdFromPublicKey(this.deps.keyPair.publicKeyG1);
    const log = this.logger.child({ operatorId: this.operatorId });

    const redis = new Redis(cfg.redis.url, { maxRetriesPerRequest: null, lazyConnect: false });
    redis.on('error', (err: Error) => {
      this.health.set('redis', false);
      log.warn({ err: err.message }, 'redis error');
    });
    redis.on('ready', () => this.health.set('redis', true));
    this.shutdown.add('redis', async () => {
      await redis.quit().catch(() => redis.disconnect());
    });
    await redis.ping();
    this.health.set('redis', true);
    const prefix = `${cfg.redis.prefix}:${chainId}:${oracle}`;

    this.signingLog = await SigningLog.open({ path: cfg.signing_log_path });
    this.shutdown.add('signingLog', () => this.signingLog.close());
    const reader = new ChainReader(provider, resolved.avs);
    this.models = new ModelStore(
      { dir: cfg.models.dir, executionProvider: cfg.models.execution_provider, intraOpThreads: cfg.models.intra_op_threads },
      { chain: this.deps.modelSource === undefined ? { getModel: (id) => rpc('eth_call', () => reader.getModel(id)) } : this.deps.modelSource, metrics: this.metrics, logger: log },
    );
    this.shutdown.add('models', () => this.models.close());
    if (this.deps.modelSource === undefined) {
      // The ModelRegistry as the source of truth: new models pulled (auto_pull) or reported missing, deactivated ones dropped.
      this.modelWatcher = new ModelWatcher(
        { dir: cfg.models.dir, autoPull: cfg.models.auto_pull, maxBytes: cfg.models.pull_max_bytes, allow: cfg.models.pull_allow, ipfsGateway: cfg.models.ipfs_gateway ?? cfg.inputs.ipfs_gateway, pollIntervalMs: cfg.models.poll_interval_ms },
        {
          registry: { getModelIds: () => rpc('eth_call', () => reader.getModelIds()), getModel: (id) => rpc('eth_call', () => reader.getModel(id)) },
          store: this.models,
          health: this.health,
          metrics: this.metrics,
          logger: log,
        },
      );
      // The first pass before tasks are taken, so pulled models are served from the first task on.
      await this.modelWatcher.pollOnce().catch((err: unknown) => log.warn({ err: (err as Error).message }, 'first model registry poll failed'));
      this.modelWatcher.start();
      const w = this.modelWatcher;
      this.shutdown.add('modelWatcher', () => w.stop());
    }

    const aggregators = new AggregatorClient(
      { urls: cfg.aggregator_urls, attempts: cfg.delivery.attempts, baseMs: cfg.delivery.base_ms, maxMs: cfg.delivery.max_ms, timeoutMs: cfg.delivery.timeout_ms },
      { metrics: this.metrics, logger: log, signal: this.shutdown.signal },
    );
    const blobs =
      cfg.inputs.blobs.block_id === 'execution_number'
        ? new BeaconBlobSource({ url: cfg.inputs.blobs.beacon_url ?? cfg.eth_rpc_url, blockId: 'execution_number', timeoutMs: cfg.inputs.timeout_ms })
        : new BeaconBlobSource({
            url: cfg.inputs.blobs.beacon_url ?? cfg.eth_rpc_url,
            blockId: 'slot',
            secondsPerSlot: cfg.inputs.blobs.seconds_per_slot,
            timeoutMs: cfg.inputs.timeout_ms,
            blockTimestamp: async (n) => (await rpc('eth_getBlockByNumber', () => provider.getBlock(n)))?.timestamp ?? Promise.reject(new Error(`no block ${n}`)),
          });
    const inputs = new TaskInputs({
      resolver: new InputResolver({ maxBytes: cfg.inputs.max_bytes, ipfsGateway: cfg.inputs.ipfs_gateway, timeoutMs: cfg.inputs.timeout_ms, attempts: cfg.inputs.attempts }, { blobs }),
      metrics: this.metrics,
      logger: log,
    });
    const watcherRef: { w: TaskWatcher | null } = { w: null };
    this.processor = new TaskProcessor(
      { chainId, oracle: resolved.avs.inferenceOracle, byzantine: cfg.devnet.byzantine },
      { keyPair: this.deps.keyPair, models: this.models, signingLog: this.signingLog, aggregators, headBlock: () => watcherRef.w?.headBlock ?? null, metrics: this.metrics, logger: log, inputs },
    );
    const queueRef: { q: InferenceQueue | null } = { q: null };
    if (cfg.batching.enabled) {
      this.fallback = new FallbackTracker(
        { prefix, deferBlocks: cfg.batching.fallback_blocks },
        {
          redis,
          batchStatus: (batchId) => aggregators.batchStatus(batchId),
          enqueue: async (job) => {
            if (!queueRef.q) throw operatorError(OperatorErrorCode.BadJob, 'the inference queue is not open');
            await queueRef.q.add(job);
          },
          metrics: this.metrics,
          logger: log,
        },
      );
      this.batchProcessor = new BatchProcessor(
        { chainId, oracle: resolved.avs.inferenceOracle, fallbackBlocks: cfg.batching.fallback_blocks, byzantine: cfg.devnet.byzantine },
        { keyPair: this.deps.keyPair, models: this.models, signingLog: this.signingLog, aggregators, headBlock: () => watcherRef.w?.headBlock ?? null, fallback: this.fallback, metrics: this.metrics, logger: log, inputs },
      );
    }
    // BullMQ opens its own connections (blocking commands need a dedicated one) from these options.
    const connection: ConnectionOptions = redisConnectionOptions(cfg.redis.url);
    this.queue = new InferenceQueue(
      {
        connection,
        prefix,
        concurrency: cfg.queue.concurrency,
        attempts: cfg.queue.attempts,
        backoffMs: cfg.queue.backoff_ms,
        keepCompleted: cfg.queue.keep_completed,
        keepFailed: cfg.queue.keep_failed,
      },
      { processor: this.processor, batchProcessor: this.batchProcessor, metrics: this.metrics, logger: log },
    );
    queueRef.q = this.queue;
    this.shutdown.add('queue', () => this.queue.close(8_000));
    this.queue.start();

    const queueDepth = this.metrics.queueDepth;
    const queue = this.queue;
    // Point-in-time gauge: read the queue's counts at scrape time.
    (queueDepth as unknown as { collect?: () => Promise<void> }).collect = async () => {
      const counts = await queue.counts().catch(() => ({}) as Record<string, number>);
      for (const [state, n] of Object.entries(counts)) queueDepth.set({ state }, n);
    };

    // Service status per node API service, read at scrape time from the health tracker.
    const serviceUp = this.metrics.serviceUp;
    (serviceUp as unknown as { collect?: () => void }).collect = () => {
      for (const svc of this.health.list()) serviceUp.set({ service: svc.id }, svc.status === 'Up' ? 1 : 0);
    };

    // eigen_registered_stakes: read at scrape time from the registry (latest block).
    const registry = bindings.OperatorRegistry__factory.connect(resolved.avs.operatorRegistry, provider);
    const stakes = this.metrics.registeredStakes;
    const operatorId = this.operatorId;
    (stakes as unknown as { collect?: () => Promise<void> }).collect = async () => {
      try {
        const head = await rpc('eth_blockNumber', () => provider.getBlockNumber());
        for (const q of resolved.quorums) {
          const [, stake] = await rpc('eth_call', () => registry.getOperatorStakeAt(operatorId, q, head));
          stakes.set({ quorum_number: String(q), quorum_name: `quorum-${q}`, ...this.metrics.avsLabels }, Number(stake));
        }
      } catch (err) {
        log.debug({ err: (err as Error).message }, 'registered stakes not read');
      }
    };

    // aioracle_operator_rewards_wei: read at scrape time from the RewardsVault and the RewardsCoordinator.
    const rewardsGauge = this.metrics.rewards;
    const rewardsPath = resolved.rewards;
    if (rewardsPath) {
      (rewardsGauge as unknown as { collect?: () => Promise<void> }).collect = async () => {
        try {
          const address = await rpc('eth_call', () => registry.operatorOfId(operatorId));
          const r = await rpc('eth_call', () => readOperatorRewards(provider, rewardsPath, address));
          rewardsGauge.set({ state: 'pending' }, Number(r.pendingWei));
          rewardsGauge.set({ state: 'submitted' }, Number(r.submittedWei));
          if (r.operatorShareWei !== null) rewardsGauge.set({ state: 'share' }, Number(r.operatorShareWei));
          if (r.claimedWei !== null) rewardsGauge.set({ state: 'claimed' }, Number(r.claimedWei));
          if (r.unclaimedWei !== null) rewardsGauge.set({ state: 'unclaimed' }, Number(r.unclaimedWei));
        } catch (err) {
          log.debug({ err: (err as Error).message }, 'rewards not read');
        }
      };
    }

    this.watcher = new TaskWatcher(
      {
        oracle: resolved.avs.inferenceOracle,
        confirmations: cfg.watcher.confirmations,
        pollIntervalMs: cfg.watcher.poll_interval_ms,
        maxBlockRange: cfg.watcher.max_block_range,
        catchupBlocks: cfg.watcher.catchup_blocks,
        startBlock: resolved.startBlock,
        cursorKey: `${prefix}:watcher:cursor`,
        operatorId: this.operatorId,
        batching: cfg.batching.enabled,
      },
      {
        provider,
        redis,
        rpc,
        metrics: this.metrics,
        logger: log,
        onTask: (job) => this.queue.add(job),
        onBatch: (job) => this.queue.addBatch(job),
        ...(this.fallback ? { onResponded: this.fallback.answered.bind(this.fallback), afterPoll: (head: number) => this.fallback!.runDue(head).then(() => undefined) } : {}),
        onRpcHealth: (ok) => this.health.set('rpc', ok),
      },
    );
    watcherRef.w = this.watcher;
    this.watcher.start();
    this.shutdown.add('watcher', () => this.watcher.stop());

    // Aggregator health: a periodic GET /healthz on each; Up when any answers.
    const probe = async (): Promise<void> => {
      if (cfg.aggregator_urls.length === 0) return this.health.set('aggregators', false);
      const oks = await Promise.all(
        cfg.aggregator_urls.map((u) =>
          fetch(`${u.replace(/\/+$/, '')}/healthz`, { signal: AbortSignal.timeout(3_000) }).then(
            (r) => r.status < 500,
            () => false,
          ),
        ),
      );
      this.health.set('aggregators', oks.some(Boolean));
    };
    void probe();
    const probeTimer = setInterval(() => void probe(), 15_000);
    probeTimer.unref();
    this.shutdown.add('aggregatorProbe', () => clearInterval(probeTimer));

    const sameAddress = cfg.metrics.enabled && cfg.node_api.enabled && cfg.metrics.listen === cfg.node_api.listen && !cfg.metrics.listen.endsWith(':0');
    if (cfg.node_api.enabled) {
      const app = createNodeApi({ nodeName: cfg.node_name, nodeVersion: OPERATOR_VERSION, metricsRegistry: sameAddress ? this.register : null }, { health: this.health });
      this.nodeApiServer = await listen(app, cfg.node_api.listen);
      const s = this.nodeApiServer;
      this.shutdown.add('nodeApi', () => closeServer(s));
    }
    if (cfg.metrics.enabled && !sameAddress) {
      const app = createNodeApi({ nodeName: cfg.node_name, nodeVersion: OPERATOR_VERSION, metricsRegistry: this.register }, { health: null });
      this.metricsServer = await listen(app, cfg.metrics.listen);
      const s = this.metricsServer;
      this.shutdown.add('metrics', () => closeServer(s));
    }
    if (cfg.devnet.byzantine) log.warn({ chainId }, 'DEVNET BYZANTINE MODE: this node signs corrupted outputs on purpose and will be slashed');
    log.info({ chainId, oracle, models: this.models.modelIds.length, aggregators: cfg.aggregator_urls.length, batching: cfg.batching.enabled }, 'operator node started');
  }

  /** The bound port of a server ("host:0" picks a free one). */
  static portOf(server: Server | null): number | null {
    const a = server?.address();
    return a && typeof a === 'object' ? a.port : null;
  }

  /** Graceful stop (idempotent). */
  async stop(graceMs = 10_000): Promise<void> {
    await this.shutdown.shutdown(graceMs);
  }
}

/** ioredis options for BullMQ from a redis:// URL (host, port, db, credentials, TLS for rediss://). */
export function redisConnectionOptions(url: string): ConnectionOptions {
  const u = new URL(url);
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.pathname.length > 1 ? { db: Number(u.pathname.slice(1)) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}
