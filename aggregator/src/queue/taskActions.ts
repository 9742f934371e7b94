/**
 * What the workers do on chain, each step idempotent so that a retried job, a restarted process or a
 * second aggregator never does harm:
 * - submit: builds the non-signer data (sdk builder, sorted by operatorId) from the signatures of the
 *   quorum output, checks the task is still pending on chain, sends respondToTask through the one
 *   TxSender; a task already answered (status, or a TaskNotPending revert) is success.
 * - expire: after the deadline block, expireTask; a task already closed is success.
 * - batch: respondToBatch for a batch root at quorum (protocol.md "Batch attestation"), with the
 *   non-signer data of that root's signers; every non-abstain task of the batch already answered
 *   (in Redis, on chain, or a NothingAnswered revert) is success; any other revert ends the batch as
 *   failed and leaves its tasks to the per-task fallback. Each task it answered is finalised exactly
 *   as a respondToTask would finalise it.
 * - slash: after finalisation, slashDissenter (the operator's response signature) or
 *   slashBatchDissenter (its batch signature and the Merkle path of its leaf) for each operator whose
 *   signed output is slashable dissent under the model's profile (sdk isSlashableDissent); already
 *   slashed is success.
 */
import {
  AioracleError,
  batchLeaf,
  buildNonSignerData,
  merkleProof,
  merkleRoot,
  g1FromSolidity,
  isSlashableDissent,
  RefreshingValue,
  nonSignerDataToAbi,
  taskAbiValue,
  type ChainReader,
  type G1Point,
  type Logger,
  type ModelInfo,
  type TxSender,
} from '@aioracle/sdk';
import { bindings } from '@aioracle/sdk';
import { UnrecoverableError } from 'bullmq';
import type { Provider, TransactionReceipt } from 'ethers';
import { AggErrorCode, aggError } from '../errors.js';
import type { AggregatorMetrics } from '../metrics.js';
import { quorumReached, stakeShare } from '../quorum.js';
import { quorumStatesOf, type TaskContext, type TaskContexts } from '../state/taskContexts.js';
import type { TaskStore } from '../state/taskStore.js';
import type { BatchStore } from '../state/batchStore.js';
import { jobOptions, slashJobId, type AggregatorQueues } from './queues.js';

/** Collaborators of {@link TaskActions}. */
export interface TaskActionsDeps {
  store: TaskStore;
  /** The batch state (absent: no batch submissions, and dissent only from per-task responses). */
  batches?: BatchStore;
  contexts: TaskContexts;
  reader: ChainReader;
  provider: Provider;
  txSender: TxSender;
  queues: AggregatorQueues;
  metrics: AggregatorMetrics | null;
  logger: Logger;
  /**
   * Filled when a respondToTask transaction was handed to the node (for latency metrics), keyed by
   * task id; for respondToBatch keyed by `batch:<first task id>`.
   */
  sentAt?: Map<string, SentTimes>;
}

/** When a transaction went out to the node, and when the node answered that it took it. */
export interface SentTimes {
  dispatchedAtMs: number;
  acceptedAtMs: number;
}

/** Options of {@link TaskActions}. */
export interface TaskActionsOptions {
  oracle: string;
  slashing: boolean;
  blockTimeMs: number;
  maxRecheckMs: number;
  attempts: number;
  backoffMs: number;
}

/** Delay a job: the processor throws this after moving the job. */
export class RecheckLater extends Error {
  constructor(readonly delayMs: number) {
    super(`recheck in ${delayMs} ms`);
  }
}

/**
 * respondToTask's gas depends on the number of quorums, the output's size, whether a feed round is
 * recorded or a callback is given gas, and grows with the number of non-signers (each one is looked
 * up and subtracted on chain): tasks alike in the first reuse one estimate, made for at least as many
 * non-signers (one eth_estimateGas, which runs the whole BLS check on the node, per shape and not per
 * non-signer count).
 */
export function respondGasKey(ctx: TaskContext, outputHex: string): string {
  const t = ctx.task;
  return `respond:${t.quorumNumbers.length}:${(outputHex.length - 2) >> 1}:${t.feedId === 0n ? 0 : 1}:${t.callback.toLowerCase()}:${t.callbackGasLimit}`;
}

/**
 * True when retrying `err` cannot help, so the job ends (UnrecoverableError). A submitter without
 * funds is not such a case for a job: the account can be funded, so the job retries, and once its
 * attempts are spent the periodic re-scan revives it (reviveSpentJobs).
 */
const failsForGood = (err: unknown): err is AioracleError => err instanceof AioracleError && !err.retryable && err.code !== 'ERR_TX_FUNDS';

const revertName = (err: unknown): string | null => (err instanceof AioracleError && err.code === 'ERR_TX_REVERTED' ? ((err.details.revert as string | null) ?? null) : null);

/** The on-chain steps of the workers. */
export class TaskActions {
  private readonly oracle;
  private readonly models = new Map<string, ModelInfo>();
  /** Submissions in progress in this process: the direct path and the job path share one. */
  private readonly submitting = new Map<string, Promise<'sent' | 'already' | 'closed'>>();
  /** Batch submissions in progress in this process (a job and its retry after a lost lock share one). */
  private readonly batchSubmitting = new Map<string, Promise<'sent' | 'already'>>();
  /**
   * The chain head, for the deadline check before a send: read at most every quarter block (at most
   * every second), and while a read is younger than a block it is answered at once and refreshed in
   * the background. A head one block stale can only let a send through that then reverts with
   * ResponseWindowClosed, which is handled.
   */
  private readonly head: RefreshingValue<number>;
  /**
   * How long a send marker holds its tasks (longer than a send normally takes, receipt included).
   * A marker is released when the send ends; the lease only matters when its process died meanwhile,
   * and then the job of that path, taken over by another worker, claims it again as the same owner.
   */
  private readonly sendLeaseMs: number;

  constructor(
    private readonly opts: TaskActionsOptions,
    private readonly d: TaskActionsDeps,
  ) {
    this.oracle = bindings.InferenceOracle__factory.connect(opts.oracle, d.provider);
    this.head = new RefreshingValue(() => d.provider.getBlockNumber(), { freshMs: Math.min(1000, opts.blockTimeMs / 4), maxAgeMs: opts.blockTimeMs });
    this.sendLeaseMs = Math.max(60_000, 10 * opts.blockTimeMs);
  }

  /**
   * Runs `send` (a transaction that answers `ids`) holding their send markers in Redis for `owner`
   * ('task': respondToTask; 'batch:<batchId>': respondToBatch), so that a task is never in a
   * respondToTask and a respondToBatch in flight at the same moment (the contract would skip or revert
   * the second, but its gas would be spent). While the other path holds one of them this throws
   * {@link RecheckLater}: the job waits (a direct attempt leaves it to its job) and looks again, and
   * then finds the task answered, or the markers released by a send that failed, and sends itself.
   * Nothing is lost: the markers are released when the send ends, whatever its outcome, and lapse
   * after sendLeaseMs should the process die; the waiting path's job is durable in Redis.
   * `closed`: with it, the claim also checks (in the same step) that no task is closed here already,
   * and answers `closed()` instead of sending when one is (the other path answered it meanwhile).
   */
  private async sendClaimed<T>(ids: readonly string[], owner: string, what: string, send: () => Promise<T>, closed?: () => T): Promise<T> {
    const held = await this.d.store.claimSending(ids, owner, this.sendLeaseMs, closed !== undefined);
    if (held && held.holder === null && closed) return closed();
    if (held) {
      this.d.logger.debug({ taskId: held.taskId, holder: held.holder, owner }, `${what}: a transaction for task ${held.taskId} is in flight on the other path; looking again later`);
      throw new RecheckLater(Math.max(50, Math.min(this.opts.maxRecheckMs, this.opts.blockTimeMs)));
    }
    try {
      return await send();
    } finally {
      await this.d.store.releaseSending(ids, owner).catch((err: unknown) => this.d.logger.warn({ err, owner }, 'send markers not released; they lapse with their lease'));
    }
  }

  private async context(taskId: string): Promise<TaskContext> {
    const ctx = await this.d.contexts.get(taskId);
    if (!ctx) throw new UnrecoverableError(`${AggErrorCode.BadJob}: task ${taskId} is not in the aggregation state`);
    return ctx;
  }

  /**
   * Submits the quorum output of `taskId` (idempotent). Concurrent calls in this process (the
   * direct call on quorum and the BullMQ job) share one attempt.
   */
  async submit(taskId: string, o: { direct?: boolean } = {}): Promise<'sent' | 'already' | 'closed'> {
    let p = this.submitting.get(taskId);
    if (!p) {
      p = this.submitOnce(taskId, o.direct === true).finally(() => this.submitting.delete(taskId));
      this.submitting.set(taskId, p);
    }
    return p;
  }

  /**
   * `direct`: the attempt started the moment this process saw quorum. It trusts the Redis status and
   * skips reading the task's status on chain (an eth_call on the quorum → transaction path): only an
   * aggregator with its own Redis can have answered the task already, and then the transaction
   * reverts and the task is found closed on chain, as when both send in the same block. Jobs (retries,
   * restarts) read the chain first.
   */
  private async submitOnce(taskId: string, direct: boolean): Promise<'sent' | 'already' | 'closed'> {
    // One round of reads, in parallel (Redis, the cached head, and for a job the chain's view of the
    // task): this path is the quorum → transaction latency.
    const ctxP = this.d.contexts.get(taskId);
    const [rec, ctx, responses, outputs, head, closed] = await Promise.all([
      this.d.store.getTask(taskId),
      ctxP,
      this.d.store.getResponses(taskId),
      this.d.store.getOutputs(taskId),
      this.head.get(),
      direct ? false : ctxP.then((c) => (c ? this.syncClosed(c) : false)),
    ]);
    if (!rec || !ctx) throw new UnrecoverableError(`${AggErrorCode.BadJob}: task ${taskId} is unknown`);
    if (rec.status === 'finalised' || rec.status === 'expired') return 'closed';
    if (closed) return 'already';
    if (!rec.quorumOutput) throw new UnrecoverableError(`${AggErrorCode.BadJob}: task ${taskId} has no quorum output`);

    const sigs = new Map<string, G1Point>();
    for (const [opId, r] of responses) if (r.outputHash === rec.quorumOutput) sigs.set(opId, g1FromSolidity(r.signature));
    const output = outputs.get(rec.quorumOutput);
    if (output === undefined) throw new UnrecoverableError(`${AggErrorCode.BadJob}: task ${taskId}: quorum output bytes missing`);
    const data = buildNonSignerData(quorumStatesOf(ctx), sigs);
    if (!quorumReached(data.signedStake, data.totalStake, ctx.task.quorumThresholdBps)) {
      throw new UnrecoverableError(`${AggErrorCode.BadJob}: task ${taskId}: the stored signatures do not reach quorum`);
    }
    // Mined no earlier than the next block: past the deadline it can only revert (and cost gas).
    if (head >= ctx.task.deadlineBlock) {
      this.d.metrics?.submissions.inc({ outcome: 'failed' });
      throw new UnrecoverableError(`respondToTask for task ${taskId}: too late, the response window closes at block ${ctx.task.deadlineBlock} (the expiry job closes it)`);
    }
    const quorumOutput = rec.quorumOutput;
    // Not while a respondToBatch holding this task is in flight (nor the reverse), and not when that
    // batch has answered it since the reads above: see sendClaimed.
    return this.sendClaimed([taskId], 'task', `task ${taskId}`, async (): Promise<'sent' | 'already' | 'closed'> => {
      const quorumAt = rec.quorumAtMs ?? Date.now();
      let receipt: TransactionReceipt;
      try {
        this.d.sentAt?.delete(taskId);
        receipt = await this.d.txSender.send(this.oracle, 'respondToTask', [taskAbiValue(ctx.task), output, nonSignerDataToAbi(data)], {
          estimateKey: respondGasKey(ctx, output),
          estimateSize: data.nonSignerIds.length,
        });
      } catch (err) {
        const name = revertName(err);
        this.d.metrics?.submissionFailures.inc({ code: err instanceof AioracleError ? err.code : 'ERR_UNKNOWN' });
        // Another aggregator's response may have won the race: mined first (ours then reverted on chain,
        // where the receipt carries no reason) or estimated first (TaskNotPending). Either way the task is
        // answered, which is all this job wanted.
        if (await this.syncClosed(ctx).catch(() => false)) return 'already';
        if (name === 'ResponseWindowClosed' || name === 'StaleReferenceBlock') {
          this.d.metrics?.submissions.inc({ outcome: 'failed' });
          throw new UnrecoverableError(`respondToTask for task ${taskId}: ${name} (the expiry job closes it)`);
        }
        if (failsForGood(err)) {
          this.d.metrics?.submissions.inc({ outcome: 'failed' });
          throw new UnrecoverableError(`${err.code}: ${err.message}`);
        }
        throw err;
      }
      const now = Date.now();
      const times = this.d.sentAt?.get(taskId) ?? { dispatchedAtMs: now, acceptedAtMs: now };
      this.d.sentAt?.delete(taskId);
      this.d.metrics?.quorumToSubmit.observe(Math.max(0, (times.acceptedAtMs - quorumAt) / 1000));
      this.d.metrics?.submissionGas.observe(Number(receipt.gasUsed));
      this.d.metrics?.submissions.inc({ outcome: 'sent' });
      data.signedStake.forEach((s, i) => this.d.metrics?.signedStakeShare.observe({ quorum: String(ctx.task.quorumNumbers[i]) }, stakeShare(s, data.totalStake[i] ?? 0n)));
      await this.d.store.setFields(taskId, {
        dispatchedAtMs: String(times.dispatchedAtMs),
        submittedAtMs: String(times.acceptedAtMs),
        sendLatencyMs: String(times.acceptedAtMs - quorumAt),
      });
      await this.finalise(ctx, { txHash: receipt.hash, outputHash: quorumOutput });
      this.d.logger.info({ taskId, txHash: receipt.hash, gasUsed: receipt.gasUsed.toString(), signers: sigs.size }, 'task finalised');
      return 'sent';
    }, () => 'closed');
  }

  /**
   * Reads the task's status on chain and, when it is closed, brings Redis in line (finalised with
   * the accepted output, or expired). Returns true when the task is closed on chain.
   */
  async syncClosed(ctx: TaskContext): Promise<boolean> {
    const { status } = await this.d.reader.getTaskStatus(ctx.task.taskId);
    if (status === 'responded') {
      // Reads status again: a node mining a block may answer the two reads from different heads. A
      // task is finalised here only with the transaction that answered it; until its log is readable
      // it counts as not closed yet (a job retries).
      const result = await this.d.reader.getTaskResult(ctx.task.taskId);
      if (!result) return false;
      this.d.metrics?.submissions.inc({ outcome: 'already' });
      await this.finalise(ctx, { txHash: result.transactionHash, outputHash: result.outputHash });
      return true;
    }
    if (status === 'expired') {
      if (await this.d.store.close(ctx.id, 'expired')) this.d.metrics?.tasksExpired.inc({ outcome: 'already' });
      this.d.contexts.forget(ctx.id);
      return true;
    }
    return false;
  }

  /** Marks the task finalised and files the dissent jobs. */
  private async finalise(ctx: TaskContext, r: { txHash: string; outputHash: string }): Promise<void> {
    const moved = await this.d.store.close(ctx.id, 'finalised', { txHash: r.txHash, finalOutput: r.outputHash, finalisedAtMs: String(Date.now()) });
    if (!moved) return;
    this.d.metrics?.tasksFinalised.inc();
    this.d.metrics?.timeToFinalisation.observe(Math.max(0, (Date.now() - ctx.createdAtMs) / 1000));
    await this.d.queues.expire.remove(`expire-${ctx.id}`).catch(() => 0);
    if (this.opts.slashing) await this.enqueueDissent(ctx, r.outputHash);
    this.d.contexts.forget(ctx.id);
  }

  /**
   * Adds a slash job for every operator that signed a slashable different output, alone (its
   * response) or in a batch (its leaf for the task). One job per operator per task: the contract
   * slashes an operator once per task whatever the evidence.
   */
  async enqueueDissent(ctx: TaskContext, acceptedHash: string): Promise<number> {
    const [responses, leaves, outputs] = await Promise.all([
      this.d.store.getResponses(ctx.id),
      this.d.batches ? this.d.batches.getLeaves(ctx.id) : Promise.resolve(new Map<string, { outputHash: string }>()),
      this.d.store.getOutputs(ctx.id),
    ]);
    const accepted = outputs.get(acceptedHash);
    const signed = new Map<string, string[]>();
    for (const [opId, r] of responses) if (r.outputHash !== acceptedHash) signed.set(opId, [r.outputHash]);
    for (const [opId, l] of leaves) if (l.outputHash !== acceptedHash) signed.set(opId, [...(signed.get(opId) ?? []), l.outputHash]);
    if (signed.size === 0 || accepted === undefined) return 0;
    const model = await this.model(ctx.task.modelId);
    let n = 0;
    for (const [opId, hashes] of signed) {
      const slashable = hashes.some((h) => {
        const other = outputs.get(h);
        return other !== undefined && isSlashableDissent(model.profile, accepted, other, model.tolerance);
      });
      if (!slashable) continue;
      n++;
      this.d.metrics?.dissentFound.inc();
      this.d.logger.warn({ taskId: ctx.id, operatorId: opId, outputHashes: hashes }, 'dissent found');
      await this.d.queues.slash.add('slash', { taskId: ctx.id, operatorId: opId }, { ...jobOptions(this.opts.attempts, this.opts.backoffMs), jobId: slashJobId(ctx.id, opId) });
    }
    return n;
  }

  /**
   * Files dissent evidence against one operator (idempotent): its response signature when that
   * output is slashable dissent, else its batch signature with the Merkle path of its leaf.
   */
  async slash(taskId: string, operatorId: string): Promise<'submitted' | 'already'> {
    const ctx = await this.context(taskId);
    const op = ctx.operators.get(operatorId);
    const [resp, leaf] = await Promise.all([this.d.store.getResponse(taskId, operatorId), this.d.batches ? this.d.batches.getLeaf(taskId, operatorId) : null]);
    if (!op || (!resp && !leaf)) throw new UnrecoverableError(`${AggErrorCode.BadJob}: no signature of ${operatorId} for task ${taskId}`);
    if (await this.oracle.isSlashed(ctx.task.taskId, op.address)) {
      this.d.metrics?.slashings.inc({ outcome: 'already' });
      return 'already';
    }
    const result = await this.d.reader.getTaskResult(ctx.task.taskId);
    if (!result) throw new UnrecoverableError(`${AggErrorCode.BadJob}: task ${taskId} is not responded on chain`);
    const outputs = await this.d.store.getOutputs(taskId);
    const model = await this.model(ctx.task.modelId);
    const slashable = (hash: string | undefined): string | undefined => {
      if (hash === undefined || hash === result.outputHash) return undefined;
      const other = outputs.get(hash);
      return other !== undefined && isSlashableDissent(model.profile, result.output, other, model.tolerance) ? other : undefined;
    };
    const taskArg = taskAbiValue(ctx.task);
    let call: { method: string; args: unknown[] };
    const respDissent = slashable(resp?.outputHash);
    const leafDissent = slashable(leaf?.outputHash);
    if (resp && respDissent !== undefined) {
      const sig = g1FromSolidity(resp.signature).toSolidity();
      call = { method: 'slashDissenter', args: [taskArg, result.output, result.signatoryRecordHash, respDissent, op.address, { X: sig[0], Y: sig[1] }] };
    } else if (leaf && leafDissent !== undefined) {
      const proof = await this.batchProof(taskId, operatorId, leaf);
      const sig = g1FromSolidity(proof.signature).toSolidity();
      call = {
        method: 'slashBatchDissenter',
        args: [taskArg, result.output, result.signatoryRecordHash, leafDissent, op.address, { leafCount: proof.leafCount, leafIndex: proof.leafIndex, siblings: proof.siblings }, { X: sig[0], Y: sig[1] }],
      };
    } else {
      throw new UnrecoverableError(`${AggErrorCode.BadJob}: no slashable signature of ${operatorId} for task ${taskId}`);
    }
    try {
      await this.d.txSender.send(this.oracle, call.method, call.args);
    } catch (err) {
      const name = revertName(err);
      if (name === 'AlreadySlashed') {
        this.d.metrics?.slashings.inc({ outcome: 'already' });
        return 'already';
      }
      if (failsForGood(err)) {
        this.d.metrics?.slashings.inc({ outcome: 'failed' });
        throw new UnrecoverableError(`${err.code}: ${err.message}`);
      }
      throw err;
    }
    this.d.metrics?.slashings.inc({ outcome: 'submitted' });
    this.d.logger.warn({ taskId, operatorId, operator: op.address, evidence: call.method }, 'dissenter slashed');
    return 'submitted';
  }

  /** The batch evidence of `operatorId`'s leaf for `taskId`: its batch signature and the leaf's Merkle path. */
  private async batchProof(
    taskId: string,
    operatorId: string,
    leaf: { outputHash: string; batchId: string },
  ): Promise<{ leafCount: number; leafIndex: number; siblings: string[]; signature: [string, string] }> {
    const batches = this.d.batches!;
    const [batch, sig] = await Promise.all([batches.getBatch(leaf.batchId), batches.getSignature(leaf.batchId, operatorId)]);
    if (!batch || !sig) throw new UnrecoverableError(`${AggErrorCode.BadJob}: batch ${leaf.batchId} of ${operatorId} is no longer stored`);
    const hashes = await batches.getRootOutputs(leaf.batchId, sig.root);
    const leafIndex = batch.taskIds.indexOf(taskId);
    if (!hashes || leafIndex < 0 || hashes.length !== batch.taskHashes.length || hashes[leafIndex] !== leaf.outputHash) {
      throw new UnrecoverableError(`${AggErrorCode.BadJob}: batch ${leaf.batchId}: the stored leaves of ${operatorId} do not hold its output for task ${taskId}`);
    }
    const leaves = batch.taskHashes.map((th, i) => batchLeaf(th, hashes[i] ?? null));
    if (merkleRoot(leaves).toLowerCase() !== sig.root) throw new UnrecoverableError(`${AggErrorCode.BadJob}: batch ${leaf.batchId}: stored leaves do not give the signed root`);
    return { leafCount: leaves.length, leafIndex, siblings: merkleProof(leaves, leafIndex), signature: sig.signature };
  }

  /**
   * Submits batch `batchId`'s root `root` with respondToBatch (idempotent; concurrent calls in this
   * process share one attempt). 'already': every task it would answer is closed (answered by a
   * per-task response, another aggregator's batch, or expired).
   */
  async submitBatch(batchId: string, root: string, attempt = 1): Promise<'sent' | 'already'> {
    const key = `batch:${batchId}:${root}`;
    let p = this.batchSubmitting.get(key);
    if (!p) {
      p = this.submitBatchOnce(batchId, root, attempt).finally(() => this.batchSubmitting.delete(key));
      this.batchSubmitting.set(key, p);
    }
    return p;
  }

  /** `attempt`: the job's attempt (1 = first), which bounds the retries of a revert without a reason. */
  private async submitBatchOnce(batchId: string, root: string, attempt: number): Promise<'sent' | 'already'> {
    const batches = this.d.batches;
    if (!batches) throw new UnrecoverableError(`${AggErrorCode.BadJob}: batch ${batchId}: no batch state`);
    const [batch, hashes, sigs, head] = await Promise.all([batches.getBatch(batchId), batches.getRootOutputs(batchId, root), batches.getSignatures(batchId), this.head.get()]);
    if (!batch || !hashes || hashes.length !== batch.taskIds.length) throw new UnrecoverableError(`${AggErrorCode.BadJob}: batch ${batchId} root ${root} is not in the aggregation state`);
    if (batch.status === 'done' || batch.status === 'failed') return 'already';
    const ids = batch.taskIds;
    const ctxs = await Promise.all(ids.map((id) => this.d.contexts.get(id)));
    if (ctxs.some((c) => !c)) throw new UnrecoverableError(`${AggErrorCode.BadJob}: batch ${batchId}: a task is not in the aggregation state`);
    const contexts = ctxs as TaskContext[];
    // The tasks this batch can answer: non-abstain leaves whose task is still open here.
    const statuses = await Promise.all(ids.map((id, i) => (hashes[i] === null ? Promise.resolve(null) : this.d.store.getStatus(id))));
    const open = ids.map((_, i) => hashes[i] !== null && statuses[i] !== 'finalised' && statuses[i] !== 'expired');
    if (!open.includes(true)) {
      await this.endBatch(batchId, 'done', 'already', {});
      return 'already';
    }
    const outputsHex = await Promise.all(ids.map((id, i) => (hashes[i] === null ? Promise.resolve('0x') : this.d.store.getOutput(id, hashes[i]!))));
    if (outputsHex.some((o) => o === null)) throw new UnrecoverableError(`${AggErrorCode.BadJob}: batch ${batchId}: output bytes missing`);
    const signatures = new Map<string, G1Point>();
    for (const [opId, s] of sigs) if (s.root === root) signatures.set(opId, g1FromSolidity(s.signature));
    const first = contexts[0]!;
    const data = buildNonSignerData(quorumStatesOf(first), signatures);
    if (!quorumReached(data.signedStake, data.totalStake, first.task.quorumThresholdBps)) {
      throw new UnrecoverableError(`${AggErrorCode.BadJob}: batch ${batchId}: the stored signatures of root ${root} do not reach quorum`);
    }
    // Past every open task's deadline it can only revert: those tasks are left to expire.
    const deadline = Math.max(...contexts.filter((_, i) => open[i]).map((c) => c.task.deadlineBlock));
    if (head >= deadline) {
      await this.endBatch(batchId, 'failed', 'failed', { reason: 'too late' });
      throw new UnrecoverableError(`respondToBatch for batch ${batchId}: too late, the response window closes at block ${deadline}`);
    }
    // Not while a per-task respondToTask for one of these tasks is in flight (nor the reverse): the
    // send markers in Redis; the job is put off until that transaction has landed or failed.
    const openIds = ids.filter((_, i) => open[i]);
    return this.sendClaimed(openIds, `batch:${batchId}`, `batch ${batchId}`, async () => {
      const sentKey = `batch:${ids[0]}`;
      const quorumAt = batch.quorumAtMs ?? Date.now();
      let receipt: TransactionReceipt;
      try {
        this.d.sentAt?.delete(sentKey);
        // Estimated every time (no estimate key): batches are few, and the estimate is also the check
        // that the batch still answers something (NothingAnswered) before it costs gas.
        receipt = await this.d.txSender.send(this.oracle, 'respondToBatch', [contexts.map((c) => taskAbiValue(c.task)), outputsHex, nonSignerDataToAbi(data)]);
      } catch (err) {
        const name = revertName(err);
        this.d.metrics?.submissionFailures.inc({ code: err instanceof AioracleError ? err.code : 'ERR_UNKNOWN' });
        // Another response may have won: a per-task fallback or another aggregator's batch, mined first
        // (ours then reverts, the receipt carries no reason) or estimated first (NothingAnswered).
        const readStatuses = () => Promise.all(contexts.map((c, i) => (open[i] ? this.d.reader.getTaskStatus(c.task.taskId).then((r) => r.status, () => null) : Promise.resolve('closed'))));
        const allClosed = (sts: (string | null)[]) => sts.every((st) => st !== null && st !== 'pending');
        let onChain = await readStatuses();
        const unexplained = err instanceof AioracleError && err.code === 'ERR_TX_REVERTED' && (name === null || name === 'NothingAnswered');
        if (!allClosed(onChain) && unexplained) {
          // A racing response may be in the node's pending block only (an estimate runs against it):
          // look again once that block is mined.
          await new Promise((r) => setTimeout(r, Math.min(this.opts.blockTimeMs, this.opts.maxRecheckMs)));
          onChain = await readStatuses();
        }
        if (allClosed(onChain)) {
          const synced = await Promise.all(contexts.map((c, i) => (open[i] ? this.syncClosed(c).catch(() => false) : Promise.resolve(true))));
          if (synced.every(Boolean)) {
            await this.endBatch(batchId, 'done', 'already', {});
            return 'already';
          }
          // Answered on chain, but a result log is not readable yet (a block being mined): retry.
          throw aggError(AggErrorCode.Internal, `batch ${batchId}: every task is closed on chain but a result is not readable yet`, { cause: err, retryable: true });
        }
        if (name === 'NothingAnswered') throw err; // the node's view moves; retry
        // A revert mined without a reason (the receipt carries none) is retried once more: the retry's
        // estimate names the reason (NothingAnswered when a racing response won, or the real one).
        if (unexplained && attempt < 3) {
          throw aggError(AggErrorCode.Internal, `batch ${batchId}: respondToBatch reverted without a reason; estimating again`, { cause: err, retryable: true });
        }
        if (failsForGood(err)) {
          await this.endBatch(batchId, 'failed', 'failed', { reason: name ?? err.code });
          throw new UnrecoverableError(`respondToBatch for batch ${batchId}: ${err.code}${name ? ` (${name})` : ''}: ${err.message} (tasks on chain: ${onChain.join(',')}); its tasks are left to the per-task fallback`);
        }
        throw err;
      }
      const now = Date.now();
      const times = this.d.sentAt?.get(sentKey) ?? { dispatchedAtMs: now, acceptedAtMs: now };
      this.d.sentAt?.delete(sentKey);
      // Every TaskResponded of the receipt is one task this transaction answered.
      const answered = new Map<string, string>();
      const responded = this.oracle.interface.getEvent('TaskResponded').topicHash;
      for (const log of receipt.logs) {
        if (log.topics[0] !== responded || log.address.toLowerCase() !== this.opts.oracle.toLowerCase()) continue;
        const ev = this.oracle.interface.parseLog(log);
        if (ev) answered.set((ev.args.getValue('taskId') as bigint).toString(), (ev.args.getValue('outputHash') as string).toLowerCase());
      }
      this.d.metrics?.batchQuorumToSubmit.observe(Math.max(0, (times.acceptedAtMs - quorumAt) / 1000));
      this.d.metrics?.batchTasks.observe(answered.size);
      data.signedStake.forEach((st, i) => this.d.metrics?.signedStakeShare.observe({ quorum: String(first.task.quorumNumbers[i]) }, stakeShare(st, data.totalStake[i] ?? 0n)));
      await Promise.all(
        contexts.map(async (c, i) => {
          const outputHash = answered.get(c.id);
          if (outputHash !== undefined) await this.finalise(c, { txHash: receipt.hash, outputHash });
          // Skipped by the contract (answered or expired meanwhile): bring Redis in line.
          else if (open[i]) await this.syncClosed(c).catch(() => false);
        }),
      );
      await this.endBatch(batchId, 'done', 'sent', { txHash: receipt.hash, submittedAtMs: String(times.acceptedAtMs), answered: String(answered.size) });
      this.d.logger.info({ batchId, txHash: receipt.hash, gasUsed: receipt.gasUsed.toString(), tasks: answered.size, signers: signatures.size }, 'batch finalised');
      return 'sent';
    });
  }

  private async endBatch(batchId: string, status: 'done' | 'failed', outcome: 'sent' | 'already' | 'failed', fields: Record<string, string>): Promise<void> {
    if (await this.d.batches!.finish(batchId, status, { finishedAtMs: String(Date.now()), ...fields })) this.d.metrics?.batchesSubmitted.inc({ outcome });
  }

  /**
   * Expires `taskId` once its deadline block has passed (idempotent). Throws {@link RecheckLater}
   * while the deadline is ahead.
   */
  async expire(taskId: string): Promise<'expired' | 'already' | 'closed'> {
    const status = await this.d.store.getStatus(taskId);
    if (status === null) throw new UnrecoverableError(`${AggErrorCode.BadJob}: task ${taskId} is unknown`);
    if (status === 'finalised' || status === 'expired') return 'closed';
    const ctx = await this.context(taskId);
    if (await this.syncClosed(ctx)) return 'already';
    const head = await this.d.provider.getBlockNumber();
    if (head <= ctx.task.deadlineBlock) {
      throw new RecheckLater(Math.min(this.opts.maxRecheckMs, (ctx.task.deadlineBlock - head + 1) * this.opts.blockTimeMs));
    }
    try {
      await this.d.txSender.send(this.oracle, 'expireTask', [taskAbiValue(ctx.task)]);
    } catch (err) {
      const name = revertName(err);
      if (name === 'TaskNotPending' && (await this.syncClosed(ctx))) return 'already';
      if (name === 'DeadlineNotPassed') throw new RecheckLater(this.opts.blockTimeMs);
      if (failsForGood(err)) throw new UnrecoverableError(`${err.code}: ${err.message}`);
      throw err;
    }
    if (await this.d.store.close(taskId, 'expired')) this.d.metrics?.tasksExpired.inc({ outcome: 'expired' });
    this.d.contexts.forget(taskId);
    this.d.logger.info({ taskId }, 'task expired (fee refunded)');
    return 'expired';
  }

  private async model(modelId: string): Promise<ModelInfo> {
    let m = this.models.get(modelId);
    if (!m) {
      m = await this.d.reader.getModel(modelId);
      this.models.set(modelId, m);
    }
    return m;
  }
}

/** Error used when a job's data is malformed. */
export function badJob(message: string): AioracleError {
  return aggError(AggErrorCode.BadJob, message);
}
