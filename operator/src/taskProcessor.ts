/**
 * The per-task pipeline, run by the inference queue's worker:
 *   check the job → deadline → input hash → model (verified) → inference → canonical output →
 *   record taskId → outputHash in the signing log (fsynced; refuses a different output, ever) →
 *   BLS-sign the response digest → deliver to every aggregator.
 * Bad input (unknown/inactive model, malformed tensor, wrong input hash, expired task) is logged,
 * counted and never signed; the error is non-retryable so the queue does not try again.
 */
import {
  blsSign,
  outputHash as computeOutputHash,
  responseDigest,
  taskFromJson,
  taskHash as computeTaskHash,
  type BlsKeyPair,
  type Logger,
  type Task,
  type TaskJson,
  noopLogger,
  operatorIdFromPublicKey,
} from '@aioracle/sdk';
import { getAddress, getBytes, hexlify } from 'ethers';
import type { AggregatorClient, DeliveryResult } from './delivery/aggregatorClient.js';
import { corruptOutput } from './byzantine.js';
import { OperatorErrorCode, operatorError, rejectReasonOf } from './errors.js';
import type { Metrics } from './metrics.js';
import { runInference } from './model/inference.js';
import type { ModelStore } from './model/modelStore.js';
import { SigningLog } from './store/signingLog.js';
import { TaskInputs } from './input/taskInputs.js';

/** Job data of the inference queue (JSON-safe; never holds keys). */
export interface TaskJobData {
  task: TaskJson;
  taskHash: string;
  /** Canonical input bytes, 0x-hex. */
  input: string;
  /** ms since epoch when the watcher saw the task. */
  seenAt: number;
  /**
   * Set when the task falls back from a batch (fallbackTracker.ts): signed alone because it was still
   * pending batching.fallback_blocks after its batch was delivered. `corrupt` carries the batch's
   * devnet byzantine decision for this task, so the per-task signature repeats what the batch signed.
   */
  fallback?: { batchId: string; corrupt: boolean };
}

/** What processing a task did. */
export interface TaskOutcome {
  taskId: string;
  outputHash: string;
  output: string;
  signature: [string, string];
  deliveries: DeliveryResult[];
}

/** Options of {@link TaskProcessor}. */
export interface TaskProcessorOptions {
  chainId: number;
  oracle: string;
  /** DEVNET ONLY (`devnet.byzantine`): sign a corrupted output (byzantine.ts). Checked against the chain id by the node. */
  byzantine?: boolean;
}

/** Collaborators of {@link TaskProcessor}. */
export interface TaskProcessorDeps {
  keyPair: BlsKeyPair;
  models: ModelStore;
  signingLog: SigningLog;
  aggregators: AggregatorClient;
  /** The latest block the node knows (for the deadline check); null = unknown. */
  headBlock: () => number | null;
  metrics?: Metrics | null;
  logger?: Logger;
  /** Inputs by reference; absent = inline inputs only. */
  inputs?: TaskInputs;
}

export class TaskProcessor {
  readonly operatorId: string;
  private readonly oracle: string;
  private readonly logger: Logger;
  private readonly inputs: TaskInputs;

  constructor(
    private readonly opts: TaskProcessorOptions,
    private readonly deps: TaskProcessorDeps,
  ) {
    this.operatorId = operatorIdFromPublicKey(deps.keyPair.publicKeyG1);
    this.oracle = getAddress(opts.oracle);
    this.logger = (deps.logger ?? noopLogger).child({ operatorId: this.operatorId });
    this.inputs = deps.inputs ?? new TaskInputs({ resolver: null, metrics: deps.metrics ?? null, logger: this.logger });
  }

  /** Processes one task; throws AioracleErrors (non-retryable for bad input). */
  async process(data: TaskJobData): Promise<TaskOutcome> {
    const taskId = typeof data?.task?.taskId === 'string' ? data.task.taskId : '?';
    const log = this.logger.child({ taskId });
    try {
      const out = await this.run(data, log);
      return out;
    } catch (err) {
      const reason = rejectReasonOf(err);
      const retryable = (err as { retryable?: boolean }).retryable === true;
      if (!retryable) {
        this.deps.metrics?.tasksRejected.inc({ reason });
        const e = err as { code?: string; message?: string };
        (reason === 'equivocation' ? log.error.bind(log) : log.warn.bind(log))({ reason, code: e.code, err: e.message }, 'task rejected, not signed');
      }
      throw err;
    }
  }

  private async run(data: TaskJobData, log: Logger): Promise<TaskOutcome> {
    let task: Task;
    let input: Uint8Array;
    try {
      task = taskFromJson(data.task);
      input = getBytes(data.input);
    } catch (cause) {
      throw operatorError(OperatorErrorCode.BadJob, 'Job data is not a valid task', { cause });
    }
    const taskHash = computeTaskHash(task);
    if (taskHash !== data.taskHash?.toLowerCase()) throw operatorError(OperatorErrorCode.BadJob, `Job taskHash ${data.taskHash} is not keccak256(abi.encode(task)) = ${taskHash}`);
    const head = this.deps.headBlock();
    if (head !== null && head > task.deadlineBlock) {
      throw operatorError(OperatorErrorCode.TaskExpired, `Task ${task.taskId} expired at block ${task.deadlineBlock} (head ${head})`);
    }
    const ref = this.inputs.carrierOf(task, input);

    const model = await this.deps.models.get(task.modelId);
    input = await this.inputs.bytesOf(task, ref, input, model.manifest, log);
    const started = performance.now();
    const computed = await runInference(model, input);
    const corrupt = this.opts.byzantine === true && (data.fallback ? data.fallback.corrupt === true : true);
    const output = corrupt ? corruptOutput(computed, model.manifest) : computed;
    const modelLabel = `${model.manifest.name}@${model.manifest.version}`;
    this.deps.metrics?.inferenceDuration.observe({ model: modelLabel }, (performance.now() - started) / 1000);
    this.deps.metrics?.tasksInferred.inc({ model: modelLabel });

    const outputHash = computeOutputHash(output);
    // Durable record first: a crash after this line can only ever re-sign the same output.
    await this.deps.signingLog.record(SigningLog.key(this.oracle, task.taskId), taskHash, outputHash);
    const digest = responseDigest({ chainId: this.opts.chainId, oracle: this.oracle, taskHash, outputHash });
    const signature = blsSign(this.deps.keyPair.secretKey, digest).toSolidityStrings();
    this.deps.metrics?.tasksSigned.inc({ model: modelLabel });

    const body = { chainId: this.opts.chainId, oracle: this.oracle, taskId: task.taskId.toString(), taskHash, operatorId: this.operatorId, output: hexlify(output), signature };
    const deliveries = await this.deps.aggregators.deliverAll(body);
    this.deps.metrics?.taskDuration.observe((Date.now() - data.seenAt) / 1000);
    const ok = deliveries.filter((d) => d.ok).length;
    log.info({ modelId: task.modelId, outputHash, delivered: ok, aggregators: deliveries.length, ...(data.fallback ? { fallbackOf: data.fallback.batchId } : {}) }, 'task signed');
    if (deliveries.length > 0 && ok === 0 && deliveries.some((d) => d.status === null || isRetry(d.status))) {
      throw operatorError(OperatorErrorCode.Delivery, `No aggregator accepted the response to task ${task.taskId}`, { retryable: true, details: { deliveries } });
    }
    return { taskId: task.taskId.toString(), outputHash, output: body.output, signature, deliveries };
  }
}

function isRetry(status: number): boolean {
  return status === 404 || status === 429 || status >= 500;
}
