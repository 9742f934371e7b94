/**
 * The POST /v1/responses pipeline, independent of HTTP so it can be tested alone:
 * schema → chain/oracle → task known and open → taskHash → operator in the task's quorums at the
 * reference block → duplicate/conflict pre-check → signature (micro-batched) → atomic accept in
 * Redis (signed stake per quorum, quorum transition) → on quorum, the submission is scheduled.
 * Nothing counts before its signature verified; nothing is answered 202 before Redis has it.
 */
import { AioracleError, g1CheckSolidity, responseDigest, type Logger } from '@aioracle/sdk';
import { keccak256 } from 'ethers';
import { formatZodIssues } from '../util/zod.js';
import { AggErrorCode, aggError } from '../errors.js';
import type { AggregatorMetrics } from '../metrics.js';
import { responseBodySchema } from '../api/responseSchema.js';
import type { TaskContext, TaskContexts } from '../state/taskContexts.js';
import type { TaskStore } from '../state/taskStore.js';
import type { BatchVerifier } from './batchVerifier.js';

/** What the API answers for an accepted or duplicate response. */
export interface IngestResult {
  status: 200 | 202;
  body: { status: 'accepted'; quorumReached: boolean } | { status: 'duplicate' };
}

/** Collaborators of {@link ResponseIngest}. */
export interface ResponseIngestDeps {
  store: TaskStore;
  contexts: TaskContexts;
  verifier: BatchVerifier;
  metrics: AggregatorMetrics | null;
  logger: Logger;
  /** Called once per task, by the process whose response moved it to 'quorum'. */
  onQuorum: (ctx: TaskContext, outputHash: string) => Promise<void>;
  /**
   * Called for a response to a task this aggregator has not loaded yet (an operator saw the
   * TaskCreated log first): loads it from the chain now; resolves true when it was loaded.
   */
  loadUnknown?: (taskId: string) => Promise<boolean>;
}

/** Validates, verifies and records signed responses. */
export class ResponseIngest {
  private readonly chainId: bigint;
  private readonly oracle: string;
  private readonly d: ResponseIngestDeps;

  constructor(opts: { chainId: bigint; oracle: string }, deps: ResponseIngestDeps) {
    this.chainId = opts.chainId;
    this.oracle = opts.oracle.toLowerCase();
    this.d = deps;
  }

  /**
   * Handles one response body; throws an AioracleError with an API code on rejection.
   * `receivedAtMs`: when the body was read (default now), recorded for the response that completes
   * a quorum (the start of the last signature → transaction latency).
   */
  async submit(raw: unknown, receivedAtMs = Date.now()): Promise<IngestResult> {
    const parsed = responseBodySchema.safeParse(raw);
    if (!parsed.success) throw aggError(AggErrorCode.BadRequest, `Validation failed: ${formatZodIssues(parsed.error)}`);
    const r = parsed.data;
    if (r.chainId !== this.chainId) throw aggError(AggErrorCode.SignatureInvalid, `chainId ${r.chainId} is not this aggregator's chain (${this.chainId})`);
    if (r.oracle !== this.oracle) throw aggError(AggErrorCode.SignatureInvalid, `oracle ${r.oracle} is not this aggregator's oracle (${this.oracle})`);

    let ctx = await this.d.contexts.get(r.taskId);
    if (!ctx && this.d.loadUnknown && (await this.d.loadUnknown(r.taskId))) ctx = await this.d.contexts.get(r.taskId);
    if (!ctx) throw aggError(AggErrorCode.TaskUnknown, `Task ${r.taskId} is not known to this aggregator (yet); retry later`, { retryable: true });
    if (r.taskHash !== ctx.taskHash) throw aggError(AggErrorCode.SignatureInvalid, `taskHash does not match task ${r.taskId} (expected ${ctx.taskHash})`);
    const op = ctx.operators.get(r.operatorId);
    if (!op) {
      throw aggError(AggErrorCode.OperatorNotRegistered, `Operator ${r.operatorId} is not in quorums [${ctx.snapshot.quorums.join(', ')}] at the reference block ${ctx.task.referenceBlock}`);
    }

    // Every operator sends the same output: hash it and derive its digest once per task.
    let out = ctx.outputs.get(r.output);
    if (out === undefined) {
      const hash = keccak256(r.output).toLowerCase();
      out = { hash, digest: responseDigest({ chainId: this.chainId, oracle: this.oracle, taskHash: ctx.taskHash, outputHash: hash }) };
      if (ctx.outputs.size < 64) ctx.outputs.set(r.output, out);
    }
    const outputHash = out.hash;
    // Retries of what this process already stored, and late responses to a task it knows is closed,
    // are answered from memory: no Redis round trip, no pairing. Everything else is re-checked
    // atomically by the accept script (another aggregator may share the Redis).
    const prev = ctx.answered.get(r.operatorId);
    if (prev !== undefined) {
      if (prev === outputHash) return { status: 200, body: { status: 'duplicate' } };
      throw aggError(AggErrorCode.ConflictingResponse, `Operator ${r.operatorId} already signed a different output for task ${r.taskId}`);
    }
    if (ctx.closed) throw aggError(AggErrorCode.TaskClosed, `Task ${r.taskId} is already closed`);

    let sig: { x: bigint; y: bigint; bytes: Uint8Array };
    try {
      sig = g1CheckSolidity([r.signature[0], r.signature[1]]);
    } catch (cause) {
      throw aggError(AggErrorCode.SignatureInvalid, 'signature is not a valid G1 point', { cause });
    }
    if (!(await this.d.verifier.verify(out.digest, sig.bytes, op.pkG2))) {
      throw aggError(AggErrorCode.SignatureInvalid, `signature does not verify for operator ${r.operatorId} over task ${r.taskId} and this output`);
    }

    const res = await this.d.store.accept({
      id: r.taskId,
      operatorId: r.operatorId,
      outputHash,
      signature: [sig.x.toString(), sig.y.toString()],
      outputHex: r.output,
      stakes: op.addStakes,
      required: ctx.snapshot.required,
      nowMs: Date.now(),
      receivedAtMs,
    });
    switch (res.kind) {
      case 'duplicate':
        ctx.answered.set(r.operatorId, outputHash);
        return { status: 200, body: { status: 'duplicate' } };
      case 'conflict':
        throw aggError(AggErrorCode.ConflictingResponse, `Operator ${r.operatorId} already signed a different output for task ${r.taskId}`);
      case 'closed':
        ctx.closed = true;
        throw aggError(AggErrorCode.TaskClosed, `Task ${r.taskId} is already closed`);
      case 'unknown':
        throw aggError(AggErrorCode.TaskUnknown, `Task ${r.taskId} is not known to this aggregator (yet); retry later`, { retryable: true });
      case 'accepted':
      case 'equivocation':
        ctx.answered.set(r.operatorId, outputHash);
        break;
    }
    this.d.logger.debug({ taskId: r.taskId, operatorId: r.operatorId, outputHash, signed: res.signed.map(String) }, 'response accepted');
    if (res.quorumReached) {
      this.d.metrics?.quorumReached.inc();
      this.d.metrics?.timeToQuorum.observe(Math.max(0, (Date.now() - ctx.createdAtMs) / 1000));
      this.d.logger.info({ taskId: r.taskId, outputHash }, 'quorum reached');
      try {
        await this.d.onQuorum(ctx, outputHash);
      } catch (err) {
        // The task is in 'quorum' in Redis; the start-up and periodic re-scans enqueue it again.
        this.d.logger.error({ taskId: r.taskId, err }, 'could not schedule the submission; the re-scan will retry');
      }
    }
    if (res.kind === 'equivocation') {
      this.d.logger.warn({ taskId: r.taskId, operatorId: r.operatorId, outputHash }, 'operator signed a response that differs from its batch leaf for the task (recorded as evidence)');
      throw aggError(AggErrorCode.ConflictingResponse, `Operator ${r.operatorId} already signed a different output for task ${r.taskId} in a batch; the response is recorded`);
    }
    return { status: 202, body: { status: 'accepted', quorumReached: res.quorumReached } };
  }
}

/** True for errors the API reports as the operator's fault (4xx). */
export function isClientError(err: unknown): err is AioracleError {
  return err instanceof AioracleError && /^ERR_(BAD_REQUEST|OPERATOR_NOT_REGISTERED|TASK_UNKNOWN|CONFLICTING_RESPONSE|TASK_CLOSED|BODY_TOO_LARGE|SIGNATURE_INVALID)$/.test(err.code);
}
