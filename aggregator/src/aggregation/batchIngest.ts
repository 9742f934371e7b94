/**
 * The POST /v1/batches pipeline (docs/aggregator-api.md, protocol.md "Batch attestation"),
 * independent of HTTP: schema → chain/oracle → every task known (404 otherwise: the operator
 * retries) and its taskHash the loaded one → one reference block and one quorum configuration →
 * operator in the quorums at the reference block → some task still open → exactly one canonical batch of the reference block
 * (sdk batchesOf over every task of the block, canonicalBatches.ts; 422 ERR_BATCH_NOT_CANONICAL
 * otherwise, 404 while the block is not all loaded) → leaves, root and batch digest recomputed →
 * signature verified (the same micro-batching verifier as responses: honest operators sign the
 * same digest, so their signatures are checked together, off the event loop) → one atomic Lua
 * script records the signature, the leaves (dissent evidence) and the stake per root → on a root's
 * quorum, the submission is scheduled.
 *
 * Cost per batch: one signature check, one Redis round trip for the whole batch (plus, the first time
 * a process meets a task, the loading of its context, which the per-task path shares, and the first
 * time it meets a reference block, the block's batch split); output hashes and leaves are computed once
 * per task and output, roots once per distinct leaf list.
 */
import { batchDigest, batchLeaf, g1CheckSolidity, merkleRoot, type Logger } from '@aioracle/sdk';
import { keccak256 } from 'ethers';
import { formatZodIssues } from '../util/zod.js';
import { AggErrorCode, aggError } from '../errors.js';
import type { AggregatorMetrics } from '../metrics.js';
import { batchBodySchema } from '../api/batchSchema.js';
import type { BatchStore } from '../state/batchStore.js';
import type { TaskContext, TaskContexts } from '../state/taskContexts.js';
import type { BatchVerifier } from './batchVerifier.js';
import type { CanonicalBatches } from './canonicalBatches.js';
import type { IngestResult } from './responseIngest.js';

/** A batch root that reached every quorum's threshold. */
export interface BatchQuorum {
  batchId: string;
  root: string;
  referenceBlock: number;
  taskIds: string[];
}

/** Collaborators of {@link BatchIngest}. */
export interface BatchIngestDeps {
  batches: BatchStore;
  contexts: TaskContexts;
  verifier: BatchVerifier;
  /** The canonical batch split per reference block: a body must be exactly one of its batches. */
  canonical: Pick<CanonicalBatches, 'check'>;
  metrics: AggregatorMetrics | null;
  logger: Logger;
  /** Called once per batch, by the process whose signature moved it to 'quorum'. */
  onQuorum: (q: BatchQuorum) => Promise<void>;
  /** Loads a task the watcher has not reached yet (as for responses); resolves true when loaded. */
  loadUnknown?: (taskId: string) => Promise<boolean>;
}

const quorumConfig = (c: TaskContext): string => `${c.task.quorumNumbers.join(',')}/${c.task.quorumThresholdBps.join(',')}`;

/** The stable id of a batch (sdk batchesOf): `${referenceBlock}-${firstTaskId}-${leafCount}`. */
export const batchIdOf = (referenceBlock: number, firstTaskId: string, leafCount: number): string => `${referenceBlock}-${firstTaskId}-${leafCount}`;

/** Validates, verifies and records signed batches. */
export class BatchIngest {
  private readonly chainId: bigint;
  private readonly oracle: string;
  private readonly d: BatchIngestDeps;
  /** Leaf list → root, for the few batches in flight (every honest operator sends the same list). */
  private readonly roots = new Map<string, string>();
  /** `${batchId}|${operatorId}` → the root this process saw stored for it (retries answered from memory). */
  private readonly answered = new Map<string, string>();

  constructor(opts: { chainId: bigint; oracle: string }, deps: BatchIngestDeps) {
    this.chainId = opts.chainId;
    this.oracle = opts.oracle.toLowerCase();
    this.d = deps;
  }

  /** Handles one batch body; throws an AioracleError with an API code on rejection. */
  async submit(raw: unknown, receivedAtMs = Date.now()): Promise<IngestResult> {
    const parsed = batchBodySchema.safeParse(raw);
    if (!parsed.success) throw aggError(AggErrorCode.BadRequest, `Validation failed: ${formatZodIssues(parsed.error)}`);
    const b = parsed.data;
    if (b.chainId !== this.chainId) throw aggError(AggErrorCode.SignatureInvalid, `chainId ${b.chainId} is not this aggregator's chain (${this.chainId})`);
    if (b.oracle !== this.oracle) throw aggError(AggErrorCode.SignatureInvalid, `oracle ${b.oracle} is not this aggregator's oracle (${this.oracle})`);
    const n = b.tasks.length;
    const batchId = batchIdOf(b.referenceBlock, b.tasks[0]!.taskId, n);

    const ctxs = await this.contextsOf(b.tasks.map((t) => t.taskId));
    const first = ctxs[0]!;
    const config = quorumConfig(first);
    for (let i = 0; i < n; i++) {
      const ctx = ctxs[i]!;
      const t = b.tasks[i]!;
      if (t.taskHash !== ctx.taskHash) throw aggError(AggErrorCode.SignatureInvalid, `tasks.${i}.taskHash does not match task ${t.taskId} (expected ${ctx.taskHash})`);
      if (ctx.task.referenceBlock !== b.referenceBlock) {
        throw aggError(AggErrorCode.BadRequest, `Validation failed: tasks.${i}: task ${t.taskId} has reference block ${ctx.task.referenceBlock}, not the batch's ${b.referenceBlock} (tasks are not one batch)`);
      }
      if (quorumConfig(ctx) !== config || ctx.snapshot.opset !== first.snapshot.opset) {
        throw aggError(AggErrorCode.BadRequest, `Validation failed: tasks.${i}: task ${t.taskId} has another quorum configuration than task ${b.tasks[0]!.taskId} (tasks are not one batch)`);
      }
    }
    const op = first.operators.get(b.operatorId);
    if (!op) {
      throw aggError(AggErrorCode.OperatorNotRegistered, `Operator ${b.operatorId} is not in quorums [${first.snapshot.quorums.join(', ')}] at the reference block ${b.referenceBlock}`);
    }
    if (ctxs.every((c) => c.closed)) throw aggError(AggErrorCode.TaskClosed, `Every task of batch ${batchId} is already closed`);
    // Exactly one of the protocol's batches of the block, or nothing is looked at further: the batch
    // id (first task, leaf count) must not be claimable with a task list honest operators never sign.
    const taskIds = b.tasks.map((t) => t.taskId);
    const verdict = await this.d.canonical.check(b.referenceBlock, taskIds);
    if (verdict.kind === 'not-ready') {
      throw aggError(AggErrorCode.TaskUnknown, `The batch boundaries of reference block ${b.referenceBlock} are not known to this aggregator yet (${verdict.reason}); retry later`, { retryable: true });
    }
    if (verdict.kind === 'not-canonical') {
      throw aggError(
        AggErrorCode.BatchNotCanonical,
        `tasks [${taskIds.length > 8 ? `${taskIds.slice(0, 4).join(', ')}, …, ${taskIds.slice(-2).join(', ')}` : taskIds.join(', ')}] (${n}) are not one batch of reference block ${b.referenceBlock}: ` +
          `the protocol's batches (sdk batchesOf over every task of the block) holding them are ${verdict.batchIds.join(', ')}`,
        { details: { batchId, batches: verdict.batchIds } },
      );
    }

    // Output hashes and leaves: once per task and output in this process.
    const outputs: ({ hash: string; hex: string } | null)[] = [];
    const leaves: string[] = [];
    for (let i = 0; i < n; i++) {
      const ctx = ctxs[i]!;
      const hex = b.tasks[i]!.output;
      let e = ctx.leaves.get(hex ?? '');
      if (e === undefined) {
        const hash = hex === null ? null : keccak256(hex).toLowerCase();
        e = { hash, leaf: batchLeaf(ctx.taskHash, hash) };
        if (ctx.leaves.size < 64) ctx.leaves.set(hex ?? '', e);
      }
      outputs.push(hex === null || e.hash === null ? null : { hash: e.hash, hex });
      leaves.push(e.leaf);
    }
    const leafKey = leaves.join('');
    let root = this.roots.get(leafKey);
    if (root === undefined) {
      root = merkleRoot(leaves).toLowerCase();
      if (this.roots.size >= 256) this.roots.delete(this.roots.keys().next().value!);
      this.roots.set(leafKey, root);
    }

    const seenKey = `${batchId}|${b.operatorId}`;
    const seen = this.answered.get(seenKey);
    if (seen !== undefined) {
      if (seen === root) return { status: 200, body: { status: 'duplicate' } };
      throw aggError(AggErrorCode.ConflictingResponse, `Operator ${b.operatorId} already signed a different root for batch ${batchId}`);
    }

    let sig: { x: bigint; y: bigint; bytes: Uint8Array };
    try {
      sig = g1CheckSolidity([b.signature[0], b.signature[1]]);
    } catch (cause) {
      throw aggError(AggErrorCode.SignatureInvalid, 'signature is not a valid G1 point', { cause });
    }
    const digest = batchDigest({ chainId: this.chainId, oracle: this.oracle, referenceBlock: b.referenceBlock, batchRoot: root, leafCount: n });
    if (!(await this.d.verifier.verify(digest, sig.bytes, op.pkG2))) {
      throw aggError(AggErrorCode.SignatureInvalid, `signature does not verify for operator ${b.operatorId} over batch ${batchId} (root ${root})`);
    }

    const res = await this.d.batches.accept({
      batchId,
      referenceBlock: b.referenceBlock,
      operatorId: b.operatorId,
      root,
      signature: [sig.x.toString(), sig.y.toString()],
      taskIds,
      taskHashes: ctxs.map((c) => c.taskHash),
      outputs,
      stakes: op.addStakes,
      required: first.snapshot.required,
      nowMs: Date.now(),
      receivedAtMs,
    });
    switch (res.kind) {
      case 'duplicate':
        this.remember(seenKey, root);
        return { status: 200, body: { status: 'duplicate' } };
      case 'conflict':
        throw aggError(AggErrorCode.ConflictingResponse, `Operator ${b.operatorId} already signed a different root for batch ${batchId}`);
      case 'mismatch':
        this.d.logger.warn({ batchId, operatorId: b.operatorId }, 'batch is recorded with another task list than its canonical one (state written otherwise); signature not recorded');
        throw aggError(AggErrorCode.ConflictingResponse, `Batch ${batchId} is recorded here with another task list; the signature is not recorded`);
      case 'closed':
        for (const c of ctxs) c.closed = true;
        throw aggError(AggErrorCode.TaskClosed, `Every task of batch ${batchId} is already closed`);
      case 'unknown':
        throw aggError(AggErrorCode.TaskUnknown, `Task ${b.tasks[res.index]?.taskId ?? '?'} is not known to this aggregator (yet); retry later`, { retryable: true });
      case 'accepted':
      case 'equivocation':
        this.remember(seenKey, root);
        break;
    }
    this.d.logger.debug({ batchId, operatorId: b.operatorId, root, tasks: n }, 'batch signature accepted');
    if (res.quorumReached) {
      this.d.logger.info({ batchId, root, tasks: n }, 'batch quorum reached');
      try {
        await this.d.onQuorum({ batchId, root, referenceBlock: b.referenceBlock, taskIds: b.tasks.map((t) => t.taskId) });
      } catch (err) {
        // The batch is in 'quorum' in Redis; the start-up and periodic re-scans enqueue it again.
        this.d.logger.error({ batchId, err }, 'could not schedule the batch submission; the re-scan will retry');
      }
    }
    if (res.kind === 'equivocation') {
      const ids = res.equivocating.map((i) => b.tasks[i]?.taskId);
      this.d.logger.warn({ batchId, operatorId: b.operatorId, taskIds: ids }, 'operator signed a batch leaf that differs from its own earlier signature for the same task (recorded as evidence)');
      throw aggError(AggErrorCode.ConflictingResponse, `Operator ${b.operatorId} already signed a different output for task(s) ${ids.join(', ')}; the batch signature is recorded`);
    }
    return { status: 202, body: { status: 'accepted', quorumReached: res.quorumReached } };
  }

  /** Contexts of every task, loading missing ones on demand; 404 for a task still unknown. */
  private async contextsOf(ids: readonly string[]): Promise<TaskContext[]> {
    const got = await Promise.all(ids.map((id) => this.d.contexts.get(id)));
    const missing = ids.filter((_, i) => !got[i]);
    if (missing.length > 0 && this.d.loadUnknown) {
      const load = this.d.loadUnknown;
      await Promise.all(missing.map((id) => load(id)));
      const again = await Promise.all(missing.map((id) => this.d.contexts.get(id)));
      let k = 0;
      for (let i = 0; i < ids.length; i++) if (!got[i]) got[i] = again[k++] ?? null;
    }
    const unknown = ids.find((_, i) => !got[i]);
    if (unknown !== undefined) throw aggError(AggErrorCode.TaskUnknown, `Task ${unknown} is not known to this aggregator (yet); retry later`, { retryable: true });
    return got as TaskContext[];
  }

  private remember(key: string, root: string): void {
    if (this.answered.size >= 65_536) this.answered.delete(this.answered.keys().next().value!);
    this.answered.set(key, root);
  }
}

