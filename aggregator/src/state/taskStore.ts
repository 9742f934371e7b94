/**
 * The aggregation state in Redis, keyed by task (everything a restarted or a second aggregator needs
 * lives here, written before an operator hears 202):
 *
 *   <ns>:task:<id>          hash  task JSON, taskHash, status, createdAtMs, quorumOutput, quorumAtMs, quorumSignatureAtMs, txHash, …
 *   <ns>:task:<id>:ops      JSON  the task's thresholds, required stakes and the id of its operator set
 *   <ns>:opset:<hash>       JSON  an operator set: quorums, totals, members with stakes (shared by every
 *                                 task whose reference block sees the same registry state; hash = its sha256)
 *   <ns>:task:<id>:resp     hash  operatorId → "outputHash,sigX,sigY"
 *   <ns>:task:<id>:outputs  hash  outputHash → output hex
 *   <ns>:task:<id>:signed   hash  "outputHash:quorumIndex" → signed stake (decimal)
 *   <ns>:task:<id>:leaf     hash  operatorId → "outputHash,batchId" (batch signatures; batchStore.ts)
 *   <ns>:task:<id>:sending  string the owner of a transaction being sent for the task ('task' or
 *                                 'batch:<batchId>', with a lease), so the two paths do not send it at once
 *   <ns>:block:<n>          set   ids of the tasks created in block n (written with the task hash): the
 *                                 tasks of reference block n-1, from which the canonical batches come
 *   <ns>:opkeys             hash  operatorId → {address, g1, g2} (keys never change once registered)
 *   <ns>:open               set   ids of tasks not yet finalised/expired
 *   <ns>:tasks              zset  every task id (score = id), for the read API
 *   <ns>:cursor             last block scanned for TaskCreated
 *
 * Status: pending → quorum → (submitted) → finalised; pending | quorum → expired.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ACCEPT_SCRIPT, CLOSE_SCRIPT, CREATE_SCRIPT, QUORUM_SCRIPT, SEND_CLAIM_SCRIPT, SEND_RELEASE_SCRIPT } from './luaScripts.js';

/** A task's status in the aggregator. */
export type TaskStatus = 'pending' | 'quorum' | 'submitted' | 'finalised' | 'expired';

/** One operator of a task's snapshot: stakes per task quorum (decimal; "0" when not a member). */
export interface SnapshotOperator {
  id: string;
  address: string;
  stakes: string[];
}

/** The operator state of a task's quorums at its reference block. */
export interface OperatorSnapshot {
  quorums: number[];
  thresholdsBps: number[];
  totals: string[];
  /** Minimum signed stake per quorum: ceil(total·bps/10000); a huge value when total is 0. */
  required: string[];
  operators: SnapshotOperator[];
  /** Content id of (quorums, totals, operators), shared by the tasks that see the same state. */
  opset: string;
}

/** The part of a snapshot shared by tasks: what `<ns>:opset:<id>` holds. */
export interface OperatorSet {
  quorums: number[];
  totals: string[];
  operators: SnapshotOperator[];
}

/** The per-task part of a snapshot (`<ns>:task:<id>:ops`). */
interface TaskOps {
  thresholdsBps: number[];
  required: string[];
  opset: string;
}

/** The content id and JSON of an operator set. */
export function operatorSetId(set: OperatorSet): { id: string; json: string } {
  const json = JSON.stringify({ quorums: set.quorums, totals: set.totals, operators: set.operators });
  return { id: createHash('sha256').update(json).digest('hex').slice(0, 32), json };
}

/** Registered keys of an operator, as stored (hex). */
export interface StoredOperatorKeys {
  address: string;
  g1: string;
  g2: string;
}

/** A task hash's fields. */
export interface TaskRecord {
  id: string;
  task: string;
  taskHash: string;
  status: TaskStatus;
  createdAtMs: number;
  blockNumber: number;
  quorumOutput?: string;
  quorumAtMs?: number;
  /** When the response that completed the quorum reached the aggregator (absent after a re-scan). */
  quorumSignatureAtMs?: number;
  txHash?: string;
  finalOutput?: string;
  submittedAtMs?: number;
  finalisedAtMs?: number;
}

/** Outcome of {@link TaskStore.accept}. */
export type AcceptOutcome =
  | { kind: 'unknown' | 'closed' | 'duplicate' | 'conflict' }
  | { kind: 'accepted' | 'equivocation'; quorumReached: boolean; signed: bigint[] };

type ScriptRedis = Redis & {
  aggAccept(...args: (string | number)[]): Promise<string[]>;
  aggCreate(...args: (string | number)[]): Promise<number>;
  aggClose(...args: (string | number)[]): Promise<number>;
  aggQuorum(...args: (string | number)[]): Promise<number>;
  aggSendClaim(...args: (string | number)[]): Promise<string[]>;
  aggSendRelease(...args: (string | number)[]): Promise<number>;
};

/** Typed access to the aggregation state. */
export class TaskStore {
  readonly ns: string;
  private readonly redis: ScriptRedis;
  /** Operator keys and operator sets this process has written (both are immutable once written). */
  private readonly writtenKeys = new Set<string>();
  private readonly writtenSets = new Set<string>();

  constructor(opts: { namespace: string }, deps: { redis: Redis }) {
    this.ns = opts.namespace;
    const r = deps.redis as ScriptRedis;
    if (typeof r.aggAccept !== 'function') {
      r.defineCommand('aggAccept', { numberOfKeys: 5, lua: ACCEPT_SCRIPT });
      r.defineCommand('aggCreate', { numberOfKeys: 4, lua: CREATE_SCRIPT });
      r.defineCommand('aggClose', { numberOfKeys: 2, lua: CLOSE_SCRIPT });
      r.defineCommand('aggQuorum', { numberOfKeys: 1, lua: QUORUM_SCRIPT });
    }
    if (typeof r.aggSendClaim !== 'function') {
      r.defineCommand('aggSendClaim', { lua: SEND_CLAIM_SCRIPT });
      r.defineCommand('aggSendRelease', { lua: SEND_RELEASE_SCRIPT });
    }
    this.redis = r;
  }

  key(id: string, part?: 'ops' | 'resp' | 'outputs' | 'signed' | 'leaf' | 'sending'): string {
    return part ? `${this.ns}:task:${id}:${part}` : `${this.ns}:task:${id}`;
  }

  /** The set of the ids of the tasks created in `block`. */
  blockKey(block: number): string {
    return `${this.ns}:block:${block}`;
  }

  /** Stores operator keys (idempotent). */
  async saveOperatorKeys(keys: ReadonlyMap<string, StoredOperatorKeys>): Promise<void> {
    const args: string[] = [];
    for (const [id, k] of keys) if (!this.writtenKeys.has(id)) args.push(id, JSON.stringify(k));
    if (args.length === 0) return;
    await this.redis.hset(`${this.ns}:opkeys`, ...args);
    for (let i = 0; i < args.length; i += 2) this.writtenKeys.add(args[i]!);
  }

  /** Keys of the given operators (null where unknown). */
  async getOperatorKeys(ids: readonly string[]): Promise<(StoredOperatorKeys | null)[]> {
    if (ids.length === 0) return [];
    const raw = await this.redis.hmget(`${this.ns}:opkeys`, ...ids);
    return raw.map((r) => (r ? (JSON.parse(r) as StoredOperatorKeys) : null));
  }

  /** Every stored operator's keys (operatorId → keys). */
  async allOperatorKeys(): Promise<Map<string, StoredOperatorKeys>> {
    const h = await this.redis.hgetall(`${this.ns}:opkeys`);
    return new Map(Object.entries(h).map(([id, v]) => [id, JSON.parse(v) as StoredOperatorKeys]));
  }

  /**
   * Creates a task with its snapshot unless it exists; true when created. The operator set is
   * written once (SET NX) and shared with every task that sees the same state.
   */
  async createTask(rec: Omit<TaskRecord, 'status'>, snapshot: OperatorSnapshot, opsetJson?: string): Promise<boolean> {
    if (!this.writtenSets.has(snapshot.opset)) {
      const json = opsetJson ?? operatorSetId(snapshot).json;
      await this.redis.set(`${this.ns}:opset:${snapshot.opset}`, json, 'NX');
      if (this.writtenSets.size >= 4096) this.writtenSets.clear();
      this.writtenSets.add(snapshot.opset);
    }
    const ops: TaskOps = { thresholdsBps: snapshot.thresholdsBps, required: snapshot.required, opset: snapshot.opset };
    await this.redis.set(this.key(rec.id, 'ops'), JSON.stringify(ops));
    const fields = ['task', rec.task, 'taskHash', rec.taskHash, 'status', 'pending', 'createdAtMs', String(rec.createdAtMs), 'blockNumber', String(rec.blockNumber)];
    const n = await this.redis.aggCreate(this.key(rec.id), `${this.ns}:open`, `${this.ns}:tasks`, this.blockKey(rec.blockNumber), rec.id, ...fields);
    return n === 1;
  }

  /** Adds a known task to the index of its creation block (idempotent; createTask does it for new tasks). */
  async indexTask(id: string, block: number): Promise<void> {
    await this.redis.sadd(this.blockKey(block), id);
  }

  /** Ids of the tasks stored as created in `block` (complete once the watcher's cursor is at or past it). */
  async blockTaskIds(block: number): Promise<string[]> {
    return this.redis.smembers(this.blockKey(block));
  }

  /** The stored task JSON of each id (null where unknown), in one round trip. */
  async getTaskJsons(ids: readonly string[]): Promise<(string | null)[]> {
    if (ids.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const id of ids) pipe.hget(this.key(id), 'task');
    const res = (await pipe.exec()) ?? [];
    return ids.map((_, i) => {
      const [err, v] = res[i] ?? [null, null];
      if (err) throw err;
      return (v as string | null) ?? null;
    });
  }

  /**
   * Claims the send markers of `ids` for `owner` ('task' or 'batch:<batchId>') for `leaseMs`, all
   * or nothing (SEND_CLAIM_SCRIPT). Returns null when claimed; else the first task held by another
   * owner and that owner, or, with `checkOpen`, the first task already closed here (holder null).
   */
  async claimSending(ids: readonly string[], owner: string, leaseMs: number, checkOpen = false): Promise<{ taskId: string; holder: string | null } | null> {
    if (ids.length === 0) return null;
    const keys = ids.map((id) => this.key(id, 'sending'));
    if (checkOpen) keys.push(...ids.map((id) => this.key(id)));
    const res = await this.redis.aggSendClaim(keys.length, ...keys, owner, String(Math.max(1, Math.floor(leaseMs))), checkOpen ? '1' : '0');
    if (!res || res.length === 0) return null;
    return { taskId: ids[Number(res[1])] ?? '?', holder: res[0] === 'held' ? (res[2] ?? '?') : null };
  }

  /** Releases the send markers of `ids` still held by `owner`. */
  async releaseSending(ids: readonly string[], owner: string): Promise<void> {
    if (ids.length === 0) return;
    await this.redis.aggSendRelease(ids.length, ...ids.map((id) => this.key(id, 'sending')), owner);
  }

  /** The task hash (null when unknown). */
  async getTask(id: string): Promise<TaskRecord | null> {
    const h = await this.redis.hgetall(this.key(id));
    if (!h.status) return null;
    const num = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));
    const rec: TaskRecord = {
      id,
      task: h.task ?? '',
      taskHash: h.taskHash ?? '',
      status: h.status as TaskStatus,
      createdAtMs: Number(h.createdAtMs ?? 0),
      blockNumber: Number(h.blockNumber ?? 0),
    };
    if (h.quorumOutput) rec.quorumOutput = h.quorumOutput;
    if (h.quorumAtMs) rec.quorumAtMs = num(h.quorumAtMs)!;
    if (h.quorumSignatureAtMs) rec.quorumSignatureAtMs = num(h.quorumSignatureAtMs)!;
    if (h.txHash) rec.txHash = h.txHash;
    if (h.finalOutput) rec.finalOutput = h.finalOutput;
    if (h.submittedAtMs) rec.submittedAtMs = num(h.submittedAtMs)!;
    if (h.finalisedAtMs) rec.finalisedAtMs = num(h.finalisedAtMs)!;
    return rec;
  }

  /** Only the status (cheap). */
  async getStatus(id: string): Promise<TaskStatus | null> {
    return (await this.redis.hget(this.key(id), 'status')) as TaskStatus | null;
  }

  /** The task's snapshot; `sets` (operator set id → set) spares reading a set already in memory. */
  async getSnapshot(id: string, sets?: { get(opset: string): OperatorSet | undefined }): Promise<OperatorSnapshot | null> {
    const raw = await this.redis.get(this.key(id, 'ops'));
    if (!raw) return null;
    const ops = JSON.parse(raw) as TaskOps;
    const set = sets?.get(ops.opset) ?? (await this.getOperatorSet(ops.opset));
    if (!set) return null;
    return { quorums: set.quorums, totals: set.totals, operators: set.operators, thresholdsBps: ops.thresholdsBps, required: ops.required, opset: ops.opset };
  }

  /** An operator set by id (null when unknown). */
  async getOperatorSet(opset: string): Promise<OperatorSet | null> {
    const raw = await this.redis.get(`${this.ns}:opset:${opset}`);
    return raw ? (JSON.parse(raw) as OperatorSet) : null;
  }

  /** Operator's stored response entry, or null. */
  async getResponse(id: string, operatorId: string): Promise<{ outputHash: string; signature: [string, string] } | null> {
    const e = await this.redis.hget(this.key(id, 'resp'), operatorId);
    return e ? parseEntry(e) : null;
  }

  /** Every accepted response: operatorId → output hash and signature. */
  async getResponses(id: string): Promise<Map<string, { outputHash: string; signature: [string, string] }>> {
    const h = await this.redis.hgetall(this.key(id, 'resp'));
    return new Map(Object.entries(h).map(([k, v]) => [k, parseEntry(v)]));
  }

  /** Distinct outputs signed for a task: outputHash → hex. */
  async getOutputs(id: string): Promise<Map<string, string>> {
    return new Map(Object.entries(await this.redis.hgetall(this.key(id, 'outputs'))));
  }

  /** The bytes (hex) of output `outputHash` signed for a task, or null. */
  async getOutput(id: string, outputHash: string): Promise<string | null> {
    return this.redis.hget(this.key(id, 'outputs'), outputHash);
  }

  /** Signed stake per output hash per quorum index. */
  async getSigned(id: string): Promise<Map<string, string[]>> {
    const h = await this.redis.hgetall(this.key(id, 'signed'));
    const out = new Map<string, string[]>();
    for (const [f, v] of Object.entries(h)) {
      const [hash, idx] = f.split(':');
      if (hash === undefined || idx === undefined) continue;
      const arr = out.get(hash) ?? [];
      arr[Number(idx)] = v;
      out.set(hash, arr);
    }
    return out;
  }

  /** Atomically records a verified response and updates the signed stake (see ACCEPT_SCRIPT). */
  async accept(p: {
    id: string;
    operatorId: string;
    outputHash: string;
    signature: [string, string];
    outputHex: string;
    stakes: readonly string[];
    required: readonly string[];
    nowMs: number;
    /** When the response reached the aggregator (default nowMs). */
    receivedAtMs?: number;
  }): Promise<AcceptOutcome> {
    const entry = `${p.outputHash},${p.signature[0]},${p.signature[1]}`;
    const res = await this.redis.aggAccept(
      this.key(p.id),
      this.key(p.id, 'resp'),
      this.key(p.id, 'outputs'),
      this.key(p.id, 'signed'),
      this.key(p.id, 'leaf'),
      p.operatorId,
      p.outputHash,
      entry,
      p.outputHex,
      String(p.nowMs),
      String(p.stakes.length),
      ...p.stakes,
      ...p.required,
      String(p.receivedAtMs ?? p.nowMs),
    );
    const kind = res[0];
    if (kind === 'accepted' || kind === 'equivocation') return { kind, quorumReached: res[1] === '1', signed: res.slice(2).map((s) => BigInt(s)) };
    return { kind: kind as 'unknown' | 'closed' | 'duplicate' | 'conflict' };
  }

  /** Moves a pending task to 'quorum' for `outputHash`; true when it moved. */
  async markQuorum(id: string, outputHash: string, nowMs: number): Promise<boolean> {
    return (await this.redis.aggQuorum(this.key(id), outputHash, String(nowMs))) === 1;
  }

  /** Moves an open task to 'finalised' or 'expired'; true when it moved. */
  async close(id: string, status: 'finalised' | 'expired', fields: Record<string, string> = {}): Promise<boolean> {
    const args = Object.entries(fields).flat();
    return (await this.redis.aggClose(this.key(id), `${this.ns}:open`, id, status, ...args)) === 1;
  }

  /** Sets informational fields (txHash, submittedAtMs). */
  async setFields(id: string, fields: Record<string, string>): Promise<void> {
    await this.redis.hset(this.key(id), fields);
  }

  /** Ids of open tasks. */
  async openTaskIds(): Promise<string[]> {
    return this.redis.smembers(`${this.ns}:open`);
  }

  /** How many tasks are open (SCARD; for the tasks-open gauge). */
  async openTaskCount(): Promise<number> {
    return this.redis.scard(`${this.ns}:open`);
  }

  /** The most recent task ids, newest first. */
  async recentTaskIds(limit: number): Promise<string[]> {
    return this.redis.zrevrange(`${this.ns}:tasks`, 0, Math.max(0, limit - 1));
  }

  async getCursor(): Promise<number | null> {
    const v = await this.redis.get(`${this.ns}:cursor`);
    return v === null ? null : Number(v);
  }

  async setCursor(block: number): Promise<void> {
    await this.redis.set(`${this.ns}:cursor`, String(block));
  }
}

function parseEntry(e: string): { outputHash: string; signature: [string, string] } {
  const [outputHash, x, y] = e.split(',');
  return { outputHash: outputHash ?? '', signature: [x ?? '0', y ?? '0'] };
}

/** ceil(total·bps/10000) as a decimal string; an unreachable value for an empty quorum. */
export function requiredStake(total: bigint, bps: number): string {
  if (total === 0n) return `1${'0'.repeat(80)}`;
  const num = total * BigInt(bps);
  return ((num + 9_999n) / 10_000n).toString();
}
