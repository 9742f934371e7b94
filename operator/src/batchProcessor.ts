/**
 * The batch pipeline (docs/protocol.md "Batch attestation"), run by the inference queue's worker for
 * a `batch-<batchId>` job, i.e. every task of one reference block with one quorum configuration:
 *   check the job (task hashes, that the tasks are exactly one protocol batch) → deadline →
 *   per task: input hash → model (loaded once per distinct model of the batch) → inference, all tasks
 *   at once (onnxruntime-node runs them on its own threads) → canonical outputs →
 *   ONE signing-log write (every task → outputHash, abstentions as bytes32(0), and the root; fsynced)
 *   → leaves, root, batchDigest → ONE BLS signature → ONE POST /v1/batches per aggregator →
 *   fallback scheduled for the answered tasks (fallbackTracker.ts).
 *
 * A task refused for what it is (input not hashing to inputHash, malformed tensor, unknown, inactive
 * or integrity-failed model, a run that fails on its input) gets the abstain leaf: honest peers refuse
 * the same tasks, so their roots agree, and an abstain leaf is never slashable. The abstention is
 * recorded, so the task is never signed alone later (the per-task path then meets
 * ERR_OPERATOR_EQUIVOCATION). Transient failures (RPC, a model that fails to load) throw a retryable
 * error and the queue retries the whole job; nothing is signed until every task is decided.
 */
import {
  batchDigest,
  batchesOf,
  batchLeaf,
  blsSign,
  type InputRef,
  isAioracleError,
  MAX_BATCH_LEAVES,
  merkleRoot,
  noopLogger,
  operatorIdFromPublicKey,
  outputHash as computeOutputHash,
  taskFromJson,
  taskHash as computeTaskHash,
  type BlsKeyPair,
  type LoadedModel,
  type Logger,
  type Task,
} from '@aioracle/sdk';
import { getAddress, getBytes, hexlify } from 'ethers';
import { BYZANTINE_BATCH_INDEX, corruptOutput } from './byzantine.js';
import type { AggregatorClient, DeliveryResult, SignedBatch } from './delivery/aggregatorClient.js';
import { OperatorErrorCode, operatorError, rejectReasonOf, type RejectReason } from './errors.js';
import type { Metrics } from './metrics.js';
import { runInference } from './model/inference.js';
import type { ModelStore } from './model/modelStore.js';
import { SigningLog, type BatchRecordEntry } from './store/signingLog.js';
import type { TaskJobData } from './taskProcessor.js';
import { TaskInputs } from './input/taskInputs.js';

/** Job data of a batch job (JSON-safe; never holds keys). */
export interface BatchJobData {
  /** sdk TaskBatch.batchId: `<referenceBlock>-<firstTaskId>-<leafCount>`. */
  batchId: string;
  referenceBlock: number;
  /** The batch's tasks in leaf order (taskId ascending). */
  tasks: TaskJobData[];
  /** ms since epoch when the watcher saw the batch. */
  seenAt: number;
}

/** What processing a batch did. */
export interface BatchOutcome {
  batchId: string;
  root: string;
  leafCount: number;
  /** Per task, in leaf order: the output hash signed, or null for an abstention. */
  outputHashes: (string | null)[];
  abstained: number;
  signature: [string, string];
  deliveries: DeliveryResult[];
}

/** Where the answered tasks of a delivered batch go, to be signed alone if still pending later. */
export interface FallbackScheduler {
  /** Records that `tasks` (the batch's non-abstained tasks) fall back at `dueBlock` unless answered by then. */
  schedule(batchId: string, tasks: TaskJobData[], dueBlock: number): Promise<void>;
}

/** Options of {@link BatchProcessor}. */
export interface BatchProcessorOptions {
  chainId: number;
  oracle: string;
  /** Blocks after delivery before a still-pending task is signed alone (config batching.fallback_blocks). */
  fallbackBlocks: number;
  /** DEVNET ONLY (`devnet.byzantine`): corrupt the first task of every batch (byzantine.ts). */
  byzantine?: boolean;
}

/** Collaborators of {@link BatchProcessor}. */
export interface BatchProcessorDeps {
  keyPair: BlsKeyPair;
  models: Pick<ModelStore, 'get'>;
  signingLog: SigningLog;
  aggregators: Pick<AggregatorClient, 'deliverAllBatches'>;
  /** The latest block the node knows (deadline check, fallback due block); null = unknown. */
  headBlock: () => number | null;
  /** null = no fallback (tests). */
  fallback?: FallbackScheduler | null;
  metrics?: Metrics | null;
  logger?: Logger;
  /** Inputs by reference; absent = inline inputs only. */
  inputs?: TaskInputs;
}

/** Reasons a task of a batch gets the abstain leaf (label set of aioracle_operator_abstentions_total). */
export const ABSTAIN_REASONS = ['bad_input', 'model_unknown', 'model_inactive', 'model_integrity', 'inference'] as const satisfies readonly RejectReason[];
export type AbstainReason = (typeof ABSTAIN_REASONS)[number];

/** The abstain reason of a non-retryable refusal, or null when the error must fail the whole job. */
export function abstainReasonOf(err: unknown): AbstainReason | null {
  if ((err as { retryable?: boolean } | null)?.retryable === true || !isAioracleError(err)) return null;
  const reason = rejectReasonOf(err);
  return (ABSTAIN_REASONS as readonly string[]).includes(reason) ? (reason as AbstainReason) : null;
}

interface Decided {
  task: Task;
  taskHash: string;
  job: TaskJobData;
  /** null = abstain. */
  output: Uint8Array | null;
  reason: AbstainReason | null;
  model: LoadedModel | null;
}

export class BatchProcessor {
  readonly operatorId: string;
  private readonly oracle: string;
  private readonly logger: Logger;
  private readonly inputs: TaskInputs;

  constructor(
    private readonly opts: BatchProcessorOptions,
    private readonly deps: BatchProcessorDeps,
  ) {
    this.operatorId = operatorIdFromPublicKey(deps.keyPair.publicKeyG1);
    this.oracle = getAddress(opts.oracle);
    this.logger = (deps.logger ?? noopLogger).child({ operatorId: this.operatorId });
    this.inputs = deps.inputs ?? new TaskInputs({ resolver: null, metrics: deps.metrics ?? null, logger: this.logger });
  }

  /** Processes one batch; throws AioracleErrors (non-retryable for a bad job, an expired batch, equivocation). */
  async process(data: BatchJobData): Promise<BatchOutcome> {
    const batchId = typeof data?.batchId === 'string' ? data.batchId : '?';
    const log = this.logger.child({ batchId });
    try {
      return await this.run(data, log);
    } catch (err) {
      const retryable = (err as { retryable?: boolean }).retryable === true;
      if (!retryable) {
        const reason = rejectReasonOf(err);
        const n = Array.isArray(data?.tasks) ? data.tasks.length : 1;
        this.deps.metrics?.tasksRejected.inc({ reason }, n);
        const e = err as { code?: string; message?: string };
        (reason === 'equivocation' ? log.error.bind(log) : log.warn.bind(log))({ reason, code: e.code, err: e.message, tasks: n }, 'batch rejected, not signed');
      }
      throw err;
    }
  }

  private parse(data: BatchJobData): { referenceBlock: number; items: { task: Task; taskHash: string; input: Uint8Array; job: TaskJobData }[] } {
    if (!data || typeof data.batchId !== 'string' || !Array.isArray(data.tasks) || data.tasks.length === 0 || data.tasks.length > MAX_BATCH_LEAVES) {
      throw operatorError(OperatorErrorCode.BadJob, `Job data is not a batch of 1..${MAX_BATCH_LEAVES} tasks`);
    }
    let items: { task: Task; taskHash: string; input: Uint8Array; job: TaskJobData }[];
    try {
      items = data.tasks.map((job) => ({ task: taskFromJson(job.task), taskHash: String(job.taskHash).toLowerCase(), input: getBytes(job.input), job }));
    } catch (cause) {
      throw operatorError(OperatorErrorCode.BadJob, `Job data of batch ${data.batchId} holds an invalid task`, { cause });
    }
    for (const it of items) {
      const h = computeTaskHash(it.task);
      if (h !== it.taskHash) throw operatorError(OperatorErrorCode.BadJob, `Job taskHash ${it.taskHash} of task ${it.task.taskId} is not keccak256(abi.encode(task)) = ${h}`);
    }
    // The job must be exactly one protocol batch, in leaf order: what every honest peer builds.
    const batches = (() => {
      try {
        return batchesOf(items.map((i) => i.task));
      } catch (cause) {
        throw operatorError(OperatorErrorCode.BadJob, `Job tasks of batch ${data.batchId} are not a batch`, { cause });
      }
    })();
    const b = batches[0];
    if (batches.length !== 1 || !b || b.batchId !== data.batchId || b.referenceBlock !== data.referenceBlock || b.tasks.some((t, i) => t.taskId !== items[i]!.task.taskId)) {
      throw operatorError(OperatorErrorCode.BadJob, `Job tasks do not form batch ${data.batchId} in leaf order`);
    }
    return { referenceBlock: b.referenceBlock, items };
  }

  private async run(data: BatchJobData, log: Logger): Promise<BatchOutcome> {
    // Stage timings (ms) for the 'batch signed' log line: where a slow batch spent its time.
    const t0 = performance.now();
    const ms: Record<string, number> = { queued: Math.max(0, Date.now() - data.seenAt) };
    const lap = (stage: string, since: number): number => {
      const now = performance.now();
      ms[stage] = Math.round((now - since) * 10) / 10;
      return now;
    };
    const { referenceBlock, items } = this.parse(data);
    let t = lap('parse', t0);
    const head = this.deps.headBlock();
    const deadline = Math.max(...items.map((i) => i.task.deadlineBlock));
    if (head !== null && head > deadline) {
      throw operatorError(OperatorErrorCode.TaskExpired, `Batch ${data.batchId} expired at block ${deadline} (head ${head})`);
    }

    // Each distinct model once (one chain check, one load), then every task's inference at once.
    const modelIds = [...new Set(items.map((i) => i.task.modelId.toLowerCase()))];
    const models = new Map<string, LoadedModel | AbstainReason>();
    await Promise.all(
      modelIds.map(async (id) => {
        try {
          models.set(id, await this.deps.models.get(id));
        } catch (err) {
          const reason = abstainReasonOf(err);
          // A model that fails to load (onnxruntime) says nothing about the task: retry the job.
          if (reason === null || reason === 'inference') {
            if (isAioracleError(err) && !err.retryable) throw operatorError(err.code as OperatorErrorCode, err.message, { cause: err, retryable: true });
            throw err;
          }
          models.set(id, reason);
        }
      }),
    );
    t = lap('models', t);
    const cpu0 = process.cpuUsage();
    const started = performance.now();
    const decided: Decided[] = await Promise.all(
      items.map(async (it, index): Promise<Decided> => {
        const base = { task: it.task, taskHash: it.taskHash, job: it.job };
        let ref: InputRef;
        try {
          ref = this.inputs.carrierOf(it.task, it.input);
        } catch {
          return { ...base, output: null, reason: 'bad_input', model: null };
        }
        const m = models.get(it.task.modelId.toLowerCase());
        if (m === undefined || typeof m === 'string') return { ...base, output: null, reason: m ?? 'model_unknown', model: null };
        let input: Uint8Array;
        try {
          input = await this.inputs.bytesOf(it.task, ref, it.input, m.manifest, log.child({ taskId: it.task.taskId.toString() }));
        } catch {
          return { ...base, output: null, reason: 'bad_input', model: m };
        }
        let output: Uint8Array;
        try {
          output = await runInference(m, input);
        } catch (err) {
          const reason = abstainReasonOf(err);
          if (reason === null) throw err;
          return { ...base, output: null, reason, model: m };
        }
        if (this.opts.byzantine === true && index === BYZANTINE_BATCH_INDEX) output = corruptOutput(output, m.manifest);
        return { ...base, output, reason: null, model: m };
      }),
    );
    const inferSeconds = (performance.now() - started) / 1000;
    t = lap('infer', t);
    const cpu1 = process.cpuUsage(cpu0);
    ms.inferCpu = Math.round((cpu1.user + cpu1.system) / 100) / 10;

    const outputHashes = decided.map((d) => (d.output === null ? null : computeOutputHash(d.output)));
    const entries: BatchRecordEntry[] = decided.map((d, i) => ({ key: SigningLog.key(this.oracle, d.task.taskId), taskHash: d.taskHash, outputHash: outputHashes[i] ?? null }));
    const leaves = decided.map((d, i) => batchLeaf(d.taskHash, outputHashes[i] ?? null));
    const root = merkleRoot(leaves);
    // Durable record first: a crash after this line can only ever re-sign the same batch.
    t = lap('hash', t);
    await this.deps.signingLog.recordBatch(SigningLog.batchKey(this.oracle, data.batchId), root, entries);
    t = lap('signingLog', t);
    const digest = batchDigest({ chainId: this.opts.chainId, oracle: this.oracle, referenceBlock, batchRoot: root, leafCount: leaves.length });
    const signature = blsSign(this.deps.keyPair.secretKey, digest).toSolidityStrings();
    t = lap('sign', t);

    const m = this.deps.metrics;
    let abstained = 0;
    for (const d of decided) {
      if (d.reason !== null) {
        abstained++;
        m?.abstentions.inc({ reason: d.reason });
      } else if (d.model && m) {
        const label = `${d.model.manifest.name}@${d.model.manifest.version}`;
        m.tasksInferred.inc({ model: label });
        m.tasksSigned.inc({ model: label });
        m.inferenceDuration.observe({ model: label }, inferSeconds);
      }
    }
    m?.batchesSigned.inc();
    m?.batchSize.observe(decided.length);

    const body: SignedBatch = {
      chainId: this.opts.chainId,
      oracle: this.oracle,
      operatorId: this.operatorId,
      referenceBlock,
      tasks: decided.map((d) => ({ taskId: d.task.taskId.toString(), taskHash: d.taskHash, output: d.output === null ? null : hexlify(d.output) })),
      signature,
    };
    const deliveries = await this.deps.aggregators.deliverAllBatches(body, data.batchId);
    t = lap('deliver', t);
    m?.taskDuration.observe((Date.now() - data.seenAt) / 1000);

    // Fallback for the answered tasks: signed alone if still pending fallbackBlocks after delivery.
    // Scheduled even when no aggregator took the batch (the job retries, the schedule is idempotent).
    const fallbackTasks: TaskJobData[] = [];
    decided.forEach((d, i) => {
      if (d.output !== null) fallbackTasks.push({ ...d.job, fallback: { batchId: data.batchId, corrupt: this.opts.byzantine === true && i === BYZANTINE_BATCH_INDEX } });
    });
    if (fallbackTasks.length > 0 && this.deps.fallback) {
      await this.deps.fallback.schedule(data.batchId, fallbackTasks, (this.deps.headBlock() ?? referenceBlock + 1) + this.opts.fallbackBlocks);
    }

    const ok = deliveries.filter((d) => d.ok).length;
    lap('fallback', t);
    log.info({ referenceBlock, tasks: decided.length, abstained, root, delivered: ok, aggregators: deliveries.length, ms }, 'batch signed');
    if (deliveries.length > 0 && ok === 0 && deliveries.some((d) => d.status === null || d.status === 404 || d.status === 429 || d.status >= 500)) {
      throw operatorError(OperatorErrorCode.Delivery, `No aggregator accepted batch ${data.batchId}`, { retryable: true, details: { deliveries } });
    }
    return { batchId: data.batchId, root, leafCount: leaves.length, outputHashes, abstained, signature, deliveries };
  }
}
