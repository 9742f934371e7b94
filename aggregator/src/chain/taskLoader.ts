/**
 * Turns a TaskCreated log into aggregation state: reads the operator state of the task's quorums at
 * its reference block (sdk ChainReader: members, ids, keys validated at the boundary, stakes,
 * totals), stores the snapshot and the task in Redis (idempotently), and schedules the expiry job.
 */
import type { ChainReader, CreatedTask, Logger, QuorumOperatorState } from '@aioracle/sdk';
import { taskToJson } from '@aioracle/sdk';
import type { Provider } from 'ethers';
import type { AggregatorMetrics } from '../metrics.js';
import { rememberOperatorKeys } from '../state/taskContexts.js';
import { operatorSetId, requiredStake, type OperatorSet, type OperatorSnapshot, type StoredOperatorKeys, type TaskStore } from '../state/taskStore.js';

interface BuiltSet {
  set: OperatorSet;
  id: string;
  json: string;
  keys: Map<string, StoredOperatorKeys>;
}

/** Collaborators of {@link TaskLoader}. */
export interface TaskLoaderDeps {
  reader: ChainReader;
  provider: Provider;
  store: TaskStore;
  metrics: AggregatorMetrics | null;
  logger: Logger;
  /** Called for each newly stored task (schedules its expiry). */
  /** `head`: the chain head the caller just read, when it has one (saves an RPC per task). */
  onLoaded: (created: CreatedTask, head?: number, snapshot?: OperatorSnapshot, createdAtMs?: number) => Promise<void>;
}

/** Loads tasks from their TaskCreated logs into Redis. */
export class TaskLoader {
  private readonly d: TaskLoaderDeps;
  private readonly blockTimes = new Map<number, number>();
  private readonly sets = new Map<string, BuiltSet>();
  private readonly ids = new WeakMap<object, number>();
  private nextId = 0;

  constructor(deps: TaskLoaderDeps) {
    this.d = deps;
  }

  /** Stores `created` unless it is already known; true when it was new. */
  async load(created: CreatedTask, head?: number): Promise<boolean> {
    const { task } = created;
    const id = task.taskId.toString();
    if (await this.d.store.getStatus(id)) {
      // Stored before (a re-read range, a second aggregator): make sure its block's index holds it
      // (state written by an older aggregator had no index).
      await this.d.store.indexTask(id, created.blockNumber);
      return false;
    }
    const states = await this.d.reader.getQuorumStates(task.quorumNumbers, task.referenceBlock);
    const set = this.operatorSet(states);
    const snapshot: OperatorSnapshot = {
      quorums: set.set.quorums,
      totals: set.set.totals,
      operators: set.set.operators,
      opset: set.id,
      thresholdsBps: [...task.quorumThresholdBps],
      required: states.map((s, i) => requiredStake(s.totalStake, task.quorumThresholdBps[i] ?? 10_000)),
    };
    await this.d.store.saveOperatorKeys(set.keys);
    const createdAtMs = await this.blockTimeMs(created.blockNumber);
    const isNew = await this.d.store.createTask(
      { id, task: JSON.stringify(taskToJson(task)), taskHash: created.taskHash.toLowerCase(), createdAtMs, blockNumber: created.blockNumber },
      snapshot,
      set.json,
    );
    if (isNew) {
      this.d.metrics?.tasksLoaded.inc();
      this.d.logger.debug({ taskId: id, modelId: task.modelId, quorums: task.quorumNumbers, operators: snapshot.operators.length, opset: set.id }, 'task loaded');
      await this.d.onLoaded(created, head, snapshot, createdAtMs);
    }
    return isNew;
  }

  /**
   * The operator set of `states` (members with per-quorum stakes, totals), its content id and JSON.
   * The reader hands out the same member arrays for every block that sees one registry state, so the
   * set is built once per state, not once per task.
   */
  private operatorSet(states: readonly QuorumOperatorState[]): BuiltSet {
    const memoKey = states.map((s) => `${s.quorumNumber}:${this.identity(s.operators)}`).join(',');
    const hit = this.sets.get(memoKey);
    if (hit) return hit;
    const byId = new Map<string, { address: string; stakes: string[] }>();
    const keys = new Map<string, StoredOperatorKeys>();
    states.forEach((s, qi) => {
      for (const op of s.operators) {
        let e = byId.get(op.operatorId);
        if (!e) {
          e = { address: op.address, stakes: states.map(() => '') };
          byId.set(op.operatorId, e);
          keys.set(op.operatorId, { address: op.address, g1: op.pubkeyG1.toHex(), g2: op.pubkeyG2.toHex() });
          rememberOperatorKeys(op.operatorId, op.pubkeyG1, op.pubkeyG2);
        }
        e.stakes[qi] = op.stake.toString();
      }
    });
    const set: OperatorSet = {
      quorums: states.map((s) => s.quorumNumber),
      totals: states.map((s) => s.totalStake.toString()),
      operators: [...byId.entries()].map(([opId, e]) => ({ id: opId, address: e.address, stakes: e.stakes })),
    };
    const { id, json } = operatorSetId(set);
    const built = { set, id, json, keys };
    if (this.sets.size >= 32) this.sets.delete(this.sets.keys().next().value!);
    this.sets.set(memoKey, built);
    return built;
  }

  private identity(o: object): number {
    let n = this.ids.get(o);
    if (n === undefined) {
      n = ++this.nextId;
      this.ids.set(o, n);
    }
    return n;
  }

  private async blockTimeMs(block: number): Promise<number> {
    const hit = this.blockTimes.get(block);
    if (hit !== undefined) return hit;
    const b = await this.d.provider.getBlock(block);
    const t = b ? b.timestamp * 1000 : Date.now();
    if (this.blockTimes.size > 1024) this.blockTimes.clear();
    this.blockTimes.set(block, t);
    return t;
  }
}

/** Collaborators of {@link onDemandLoader}. */
export interface OnDemandLoaderDeps {
  reader: ChainReader;
  provider: Provider;
  store: TaskStore;
  loader: TaskLoader;
  /** The watcher's first block (used while Redis has no cursor yet). */
  startBlock: number;
  confirmations: number;
  maxBlockRange: number;
  logger: Logger;
  /**
   * Runs one task-watcher poll (TaskWatcher.poll: loads every confirmed block after the cursor,
   * shared by concurrent callers). When given, a task beyond the cursor is looked up by catching the
   * watcher up, so the tasks of a whole batch load in one eth_getLogs; the per-task lookup (and its
   * cap of 8 at once) is the fallback without it.
   */
  catchUp?: () => Promise<unknown>;
}

/**
 * Loads a task the watcher has not reached yet, when an operator's response for it arrives first
 * (operators and aggregators poll independently; without this the operator gets 404 and backs
 * off). Only blocks after the watcher's cursor are searched (older tasks are loaded already or do
 * not exist), with the watcher's confirmation depth; concurrent calls for one task share one
 * lookup, misses are remembered for a second, and at most 8 lookups run at once, so a flood of
 * made-up task ids costs a bounded number of eth_getLogs calls.
 */
export function onDemandLoader(d: OnDemandLoaderDeps): (taskId: string) => Promise<boolean> {
  const inFlight = new Map<string, Promise<boolean>>();
  const missUntil = new Map<string, number>();
  const MAX_IN_FLIGHT = 8;
  const lookup = async (taskId: string): Promise<boolean> => {
    if (d.catchUp) {
      // One watcher poll loads every new block's tasks at once (shared by every caller).
      await d.catchUp();
      return (await d.store.getStatus(taskId)) !== null;
    }
    const head = await d.provider.getBlockNumber();
    const cursor = (await d.store.getCursor()) ?? d.startBlock - 1;
    const to = head - d.confirmations;
    const from = Math.max(cursor + 1, to - d.maxBlockRange + 1, 0);
    if (from > to) return false;
    const created = await d.reader.getCreatedTask(BigInt(taskId), from, to);
    if (!created) return false;
    await d.loader.load(created);
    return true;
  };
  return async (taskId: string): Promise<boolean> => {
    if (!/^[1-9][0-9]{0,19}$/.test(taskId)) return false;
    const shared = inFlight.get(taskId);
    if (shared) return shared;
    const now = Date.now();
    if ((missUntil.get(taskId) ?? 0) > now || (!d.catchUp && inFlight.size >= MAX_IN_FLIGHT)) return false;
    const p = lookup(taskId)
      .catch((err: unknown) => {
        d.logger.debug({ taskId, err }, 'on-demand task load failed');
        return false;
      })
      .then((ok) => {
        inFlight.delete(taskId);
        if (!ok) {
          if (missUntil.size > 10_000) missUntil.clear();
          missUntil.set(taskId, Date.now() + 1000);
        }
        return ok;
      });
    inFlight.set(taskId, p);
    return p;
  };
}
