/**
 * Parsed, in-memory views of tasks (the task, its hash, the operator snapshot with validated BLS
 * keys), kept in a small LRU in front of Redis so the hot path of POST /v1/responses does no
 * parsing and no point validation. Any aggregator process can rebuild a context from Redis alone.
 */
import { g1FromBytes, g2FromBytes, taskFromJson, type G1Point, type G2Point, type QuorumOperatorState, type Task } from '@aioracle/sdk';
import type { OperatorSet, OperatorSnapshot, TaskStore } from './taskStore.js';

/** One operator of a task with its validated keys and per-quorum stakes (null = not a member). */
export interface TaskOperator {
  id: string;
  address: string;
  stakes: (string | null)[];
  /** Stakes with "0" for quorums the operator is not in (what the accept script adds). */
  addStakes: string[];
  pkG1: G1Point;
  pkG2: G2Point;
}

/** Everything the aggregator needs about one task. */
export interface TaskContext {
  id: string;
  task: Task;
  taskHash: string;
  createdAtMs: number;
  snapshot: OperatorSnapshot;
  operators: Map<string, TaskOperator>;
  /** Output hex (as received, lower case) → its keccak256 and response digest, filled on first use. */
  outputs: Map<string, { hash: string; digest: string }>;
  /** Output hex (or '' for abstain) → its keccak256 (null for abstain) and batch leaf, filled on first use by batches. */
  leaves: Map<string, { hash: string | null; leaf: string }>;
  /**
   * operatorId → output hash of the responses this process saw stored (accepted or duplicate), so
   * an operator's retry is answered without Redis or a pairing. Redis stays the authority: the
   * accept script re-checks everything atomically.
   */
  answered: Map<string, string>;
  /** True once this process knows the task is finalised or expired. */
  closed: boolean;
}

/** Parsed-key cache shared by every task (an operatorId fixes its keys forever). */
const keyCache = new Map<string, { g1: G1Point; g2: G2Point }>();

/** LRU of task contexts backed by the TaskStore. */
export class TaskContexts {
  private readonly size: number;
  private readonly store: TaskStore;
  private readonly cache = new Map<string, TaskContext>();
  private readonly loading = new Map<string, Promise<TaskContext | null>>();
  /** Operator sets in memory (opset id → the set and its parsed members), shared by tasks. */
  private readonly sets = new Map<string, { set: OperatorSet; operators: Map<string, TaskOperator> }>();
  private readonly snapshotSets = { get: (opset: string): OperatorSet | undefined => this.sets.get(opset)?.set };

  constructor(opts: { size: number }, deps: { store: TaskStore }) {
    this.size = opts.size;
    this.store = deps.store;
  }

  /** The context of task `id`, or null when Redis does not know the task. */
  async get(id: string): Promise<TaskContext | null> {
    const hit = this.cache.get(id);
    if (hit) {
      this.cache.delete(id);
      this.cache.set(id, hit);
      return hit;
    }
    let p = this.loading.get(id);
    if (!p) {
      p = this.load(id).finally(() => this.loading.delete(id));
      this.loading.set(id, p);
    }
    return p;
  }

  /**
   * Parses every operator key stored in Redis now (validating a G2 key costs milliseconds), so a
   * process that starts with tasks waiting does not pay for it on its first submissions.
   */
  async warmKeys(): Promise<number> {
    let n = 0;
    for (const [id, k] of await this.store.allOperatorKeys()) {
      if (keyCache.has(id)) continue;
      keyCache.set(id, { g1: g1FromBytes(k.g1), g2: g2FromBytes(k.g2) });
      n++;
    }
    return n;
  }

  /**
   * Puts the context of a task just stored by the loader in memory (it has everything: the task,
   * its hash and snapshot), so the operators' batch for it does not read it back from Redis.
   */
  async prime(rec: { id: string; task: Task; taskHash: string; createdAtMs: number }, snapshot: OperatorSnapshot): Promise<void> {
    if (this.cache.has(rec.id)) return;
    const ctx = await this.build(rec, snapshot, false);
    if (!this.cache.has(rec.id)) this.insert(ctx);
  }

  private async build(rec: { id: string; task: Task; taskHash: string; createdAtMs: number }, snapshot: OperatorSnapshot, closed: boolean): Promise<TaskContext> {
    return {
      id: rec.id,
      task: rec.task,
      taskHash: rec.taskHash,
      createdAtMs: rec.createdAtMs,
      snapshot,
      operators: await this.operatorsOf(snapshot),
      outputs: new Map(),
      leaves: new Map(),
      answered: new Map(),
      closed,
    };
  }

  private insert(ctx: TaskContext): void {
    this.cache.set(ctx.id, ctx);
    while (this.cache.size > this.size) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
  }

  /** Drops a task from memory (finalised or expired). */
  forget(id: string): void {
    const ctx = this.cache.get(id);
    if (ctx) ctx.closed = true; // for requests still holding it
    this.cache.delete(id);
  }

  private async load(id: string): Promise<TaskContext | null> {
    const [rec, snapshot] = await Promise.all([this.store.getTask(id), this.store.getSnapshot(id, this.snapshotSets)]);
    if (!rec || !snapshot) return null;
    const ctx = await this.build({ id, task: taskFromJson(rec.task), taskHash: rec.taskHash, createdAtMs: rec.createdAtMs }, snapshot, rec.status === 'finalised' || rec.status === 'expired');
    this.insert(ctx);
    return ctx;
  }

  /** The members of a snapshot with parsed keys, built once per operator set and shared by its tasks. */
  private async operatorsOf(snapshot: OperatorSnapshot): Promise<Map<string, TaskOperator>> {
    const hit = this.sets.get(snapshot.opset);
    if (hit) return hit.operators;
    const missing = snapshot.operators.filter((o) => !keyCache.has(o.id)).map((o) => o.id);
    const stored = await this.store.getOperatorKeys(missing);
    missing.forEach((opId, i) => {
      const k = stored[i];
      if (k) keyCache.set(opId, { g1: g1FromBytes(k.g1), g2: g2FromBytes(k.g2) });
    });
    const operators = new Map<string, TaskOperator>();
    for (const o of snapshot.operators) {
      const k = keyCache.get(o.id);
      if (!k) continue;
      const stakes = o.stakes.map((s) => (s === '' ? null : s));
      operators.set(o.id, { id: o.id, address: o.address, stakes, addStakes: stakes.map((s) => s ?? '0'), pkG1: k.g1, pkG2: k.g2 });
    }
    if (this.sets.size >= 64) this.sets.delete(this.sets.keys().next().value!);
    this.sets.set(snapshot.opset, { set: { quorums: snapshot.quorums, totals: snapshot.totals, operators: snapshot.operators }, operators });
    return operators;
  }
}

/** Remembers keys parsed elsewhere (the loader), so contexts never re-validate them. */
export function rememberOperatorKeys(id: string, g1: G1Point, g2: G2Point): void {
  keyCache.set(id, { g1, g2 });
}

/** The sdk's QuorumOperatorState per task quorum, for buildNonSignerData. */
export function quorumStatesOf(ctx: TaskContext): QuorumOperatorState[] {
  return ctx.snapshot.quorums.map((q, i) => {
    const ops = [...ctx.operators.values()].filter((o) => o.stakes[i] !== null && o.stakes[i] !== undefined);
    return {
      quorumNumber: q,
      blockNumber: ctx.task.referenceBlock,
      operators: ops.map((o) => ({ address: o.address, operatorId: o.id, pubkeyG1: o.pkG1, pubkeyG2: o.pkG2, stake: BigInt(o.stakes[i]!) })),
      apk: null,
      totalStake: BigInt(ctx.snapshot.totals[i] ?? '0'),
    };
  });
}
