/**
 * The batch aggregation state in Redis (POST /v1/batches, protocol.md "Batch attestation"), next to
 * the per-task state of TaskStore and written before an operator hears 202, so a restarted or second
 * aggregator on the same Redis loses nothing:
 *
 *   <ns>:batch:<batchId>          hash  status, referenceBlock, taskIds, taskHashes (comma-joined, leaf
 *                                       order), createdAtMs, quorumRoot, quorumAtMs, quorumSignatureAtMs,
 *                                       txHash, finishedAtMs, reason
 *   <ns>:batch:<batchId>:sig      hash  operatorId → "root,sigX,sigY" (one root per operator per batch)
 *   <ns>:batch:<batchId>:roots    hash  root → the root's output hashes, comma-joined ('-' = abstain)
 *   <ns>:batch:<batchId>:signed   hash  "root:quorumIndex" → signed stake (decimal)
 *   <ns>:batches:quorum           set   batch ids at quorum whose submission has not ended
 *   <ns>:task:<id>:leaf           hash  operatorId → "outputHash,batchId": the operator's (non-abstain)
 *                                       leaf for the task, the dissent evidence of a batch signature
 *
 * batchId is the sdk's `${referenceBlock}-${firstTaskId}-${leafCount}`. Batch keys expire after
 * `ttlSeconds` (the challenge window is far shorter); the per-task outputs of a leaf go into the
 * task's `:outputs` hash so that either path finds the bytes of any signed output.
 *
 * Status: collecting → quorum → done | failed (failed: the batch did not land; its tasks are left to
 * the per-task fallback).
 */
import type { Redis } from 'ioredis';
import { BATCH_ACCEPT_SCRIPT, BATCH_FINISH_SCRIPT } from './luaScripts.js';
import type { TaskStore } from './taskStore.js';

/** A batch's status in the aggregator. */
export type BatchStatus = 'collecting' | 'quorum' | 'done' | 'failed';

/** Marks an abstain leaf in stored output hash lists. */
export const ABSTAIN_MARK = '-';

/** The fields of a batch's meta hash. */
export interface BatchRecord {
  batchId: string;
  status: BatchStatus;
  referenceBlock: number;
  taskIds: string[];
  taskHashes: string[];
  createdAtMs: number;
  quorumRoot?: string;
  quorumAtMs?: number;
  quorumSignatureAtMs?: number;
  txHash?: string;
}

/** Outcome of {@link BatchStore.accept}. */
export type BatchAcceptOutcome =
  | { kind: 'closed' | 'duplicate' | 'conflict' | 'mismatch' }
  | { kind: 'unknown'; index: number }
  | { kind: 'accepted' | 'equivocation'; quorumReached: boolean; equivocating: number[] };

/** What one accepted batch signature carries. */
export interface BatchAcceptParams {
  batchId: string;
  referenceBlock: number;
  operatorId: string;
  root: string;
  signature: [string, string];
  taskIds: readonly string[];
  taskHashes: readonly string[];
  /** Per task: output hash and hex, or null for an abstain leaf. */
  outputs: readonly ({ hash: string; hex: string } | null)[];
  /** The operator's stake per quorum ("0" when not a member), and the minimum per quorum. */
  stakes: readonly string[];
  required: readonly string[];
  nowMs: number;
  receivedAtMs: number;
}

type ScriptRedis = Redis & {
  aggBatchAccept(...args: (string | number)[]): Promise<string[]>;
  aggBatchFinish(...args: (string | number)[]): Promise<number>;
};

/** Typed access to the batch state. */
export class BatchStore {
  readonly ns: string;
  private readonly redis: ScriptRedis;
  private readonly tasks: TaskStore;
  private readonly ttlSeconds: number;

  constructor(opts: { namespace: string; ttlSeconds?: number }, deps: { redis: Redis; tasks: TaskStore }) {
    this.ns = opts.namespace;
    this.ttlSeconds = opts.ttlSeconds ?? 7 * 24 * 3600;
    this.tasks = deps.tasks;
    const r = deps.redis as ScriptRedis;
    if (typeof r.aggBatchAccept !== 'function') {
      r.defineCommand('aggBatchAccept', { lua: BATCH_ACCEPT_SCRIPT });
      r.defineCommand('aggBatchFinish', { numberOfKeys: 2, lua: BATCH_FINISH_SCRIPT });
    }
    this.redis = r;
  }

  key(batchId: string, part?: 'sig' | 'roots' | 'signed'): string {
    return part ? `${this.ns}:batch:${batchId}:${part}` : `${this.ns}:batch:${batchId}`;
  }

  private get quorumSet(): string {
    return `${this.ns}:batches:quorum`;
  }

  /** Records a verified batch signature and its stake atomically (BATCH_ACCEPT_SCRIPT). */
  async accept(p: BatchAcceptParams): Promise<BatchAcceptOutcome> {
    const keys = [this.key(p.batchId), this.key(p.batchId, 'sig'), this.key(p.batchId, 'roots'), this.key(p.batchId, 'signed'), this.quorumSet];
    for (const id of p.taskIds) keys.push(this.tasks.key(id), this.tasks.key(id, 'resp'), this.tasks.key(id, 'leaf'), this.tasks.key(id, 'outputs'));
    const perTask: string[] = [];
    for (const o of p.outputs) perTask.push(o ? o.hash : ABSTAIN_MARK, o ? o.hex : '');
    const res = await this.redis.aggBatchAccept(
      keys.length,
      ...keys,
      p.operatorId,
      p.root,
      `${p.root},${p.signature[0]},${p.signature[1]}`,
      p.batchId,
      String(p.nowMs),
      String(p.receivedAtMs),
      String(this.ttlSeconds),
      String(p.referenceBlock),
      p.taskIds.join(','),
      p.taskHashes.join(','),
      p.outputs.map((o) => (o ? o.hash : ABSTAIN_MARK)).join(','),
      String(p.taskIds.length),
      String(p.stakes.length),
      ...p.stakes,
      ...p.required,
      ...perTask,
    );
    const kind = res[0];
    if (kind === 'accepted' || kind === 'equivocation') {
      return { kind, quorumReached: res[1] === '1', equivocating: res[2] ? res[2].split(',').map(Number) : [] };
    }
    if (kind === 'unknown') return { kind, index: Number(res[1] ?? 0) };
    return { kind: kind as 'closed' | 'duplicate' | 'conflict' | 'mismatch' };
  }

  /** The batch's meta hash (null when unknown or expired). */
  async getBatch(batchId: string): Promise<BatchRecord | null> {
    const h = await this.redis.hgetall(this.key(batchId));
    if (!h.status) return null;
    const rec: BatchRecord = {
      batchId,
      status: h.status as BatchStatus,
      referenceBlock: Number(h.referenceBlock ?? 0),
      taskIds: h.taskIds ? h.taskIds.split(',') : [],
      taskHashes: h.taskHashes ? h.taskHashes.split(',') : [],
      createdAtMs: Number(h.createdAtMs ?? 0),
    };
    if (h.quorumRoot) rec.quorumRoot = h.quorumRoot;
    if (h.quorumAtMs) rec.quorumAtMs = Number(h.quorumAtMs);
    if (h.quorumSignatureAtMs) rec.quorumSignatureAtMs = Number(h.quorumSignatureAtMs);
    if (h.txHash) rec.txHash = h.txHash;
    return rec;
  }

  /** The output hashes of `root`'s leaves, in leaf order (null = abstain); null when unknown. */
  async getRootOutputs(batchId: string, root: string): Promise<(string | null)[] | null> {
    const v = await this.redis.hget(this.key(batchId, 'roots'), root);
    return v === null ? null : v.split(',').map((h) => (h === ABSTAIN_MARK ? null : h));
  }

  /** Every stored batch signature: operatorId → root and signature. */
  async getSignatures(batchId: string): Promise<Map<string, { root: string; signature: [string, string] }>> {
    const h = await this.redis.hgetall(this.key(batchId, 'sig'));
    return new Map(
      Object.entries(h).map(([op, v]) => {
        const [root, x, y] = v.split(',');
        return [op, { root: root ?? '', signature: [x ?? '0', y ?? '0'] as [string, string] }];
      }),
    );
  }

  /** One operator's batch signature, or null. */
  async getSignature(batchId: string, operatorId: string): Promise<{ root: string; signature: [string, string] } | null> {
    const v = await this.redis.hget(this.key(batchId, 'sig'), operatorId);
    if (!v) return null;
    const [root, x, y] = v.split(',');
    return { root: root ?? '', signature: [x ?? '0', y ?? '0'] };
  }

  /** Signed stake per root per quorum index. */
  async getSigned(batchId: string): Promise<Map<string, string[]>> {
    const h = await this.redis.hgetall(this.key(batchId, 'signed'));
    const out = new Map<string, string[]>();
    for (const [f, v] of Object.entries(h)) {
      const [root, idx] = f.split(':');
      if (root === undefined || idx === undefined) continue;
      const arr = out.get(root) ?? [];
      arr[Number(idx)] = v;
      out.set(root, arr);
    }
    return out;
  }

  /** The non-abstain leaves of a task: operatorId → output hash and the batch it was signed in. */
  async getLeaves(taskId: string): Promise<Map<string, { outputHash: string; batchId: string }>> {
    const h = await this.redis.hgetall(this.tasks.key(taskId, 'leaf'));
    return new Map(
      Object.entries(h).map(([op, v]) => {
        const [outputHash, batchId] = v.split(',');
        return [op, { outputHash: outputHash ?? '', batchId: batchId ?? '' }];
      }),
    );
  }

  /** One operator's leaf for a task, or null. */
  async getLeaf(taskId: string, operatorId: string): Promise<{ outputHash: string; batchId: string } | null> {
    const v = await this.redis.hget(this.tasks.key(taskId, 'leaf'), operatorId);
    if (!v) return null;
    const [outputHash, batchId] = v.split(',');
    return { outputHash: outputHash ?? '', batchId: batchId ?? '' };
  }

  /** Ids of batches at quorum whose submission has not ended (for the re-scan). */
  async quorumBatchIds(): Promise<string[]> {
    return this.redis.smembers(this.quorumSet);
  }

  /** Ends a batch's submission ('done': landed or answered otherwise; 'failed': left to the fallback). */
  async finish(batchId: string, status: 'done' | 'failed', fields: Record<string, string> = {}): Promise<boolean> {
    return (await this.redis.aggBatchFinish(this.key(batchId), this.quorumSet, batchId, status, ...Object.entries(fields).flat())) === 1;
  }

  /** Sets informational fields. */
  async setFields(batchId: string, fields: Record<string, string>): Promise<void> {
    await this.redis.hset(this.key(batchId), fields);
  }
}
