/**
 * Batch boundaries (protocol.md "Batch attestation"): the batches of a reference block are the sdk's
 * `batchesOf` over EVERY task of that block, a fact of chain data alone. POST /v1/batches admits a
 * body only when its task list is exactly one of them; anything else (a subset, a superset from the
 * same block, another cut of a run) is refused before its signature is checked or anything is
 * recorded, so an operator cannot claim a batch id with a task list no honest operator signs.
 *
 * The tasks of reference block R are the TaskCreated logs of block R + 1. The loader writes each task
 * id into `<ns>:block:<R+1>` with the task itself (one Lua step), and the watcher's cursor passes R + 1
 * only after every task of the block is stored; so the index is complete once the cursor is at or
 * past R + 1. Before that this answers 'not-ready' (after one watcher catch-up): the operator gets
 * 404 ERR_TASK_UNKNOWN and retries, never a refusal on a partial view.
 *
 * The split is computed once per reference block per process and cached (a map lookup and an array
 * comparison per POST afterwards); concurrent first requests share one computation. A refusal is
 * never decided on the Redis index alone: the block's TaskCreated logs are read from the chain once
 * (cached too) and the verdict is taken again over them, so an index missing a task (state written by
 * an older aggregator) costs one eth_getLogs per block, not a wrong refusal. The chain read is also the
 * fallback when a posted task is missing from the index; when the logs do not hold every posted task
 * (a lagging node), the answer is 'not-ready'.
 */
import { batchesOf, taskFromJson, type Logger, type Task } from '@aioracle/sdk';
import type { TaskStore } from '../state/taskStore.js';

/** Collaborators of {@link CanonicalBatches}. */
export interface CanonicalBatchesDeps {
  store: Pick<TaskStore, 'getCursor' | 'blockTaskIds' | 'getTaskJsons'>;
  /** The watcher's first block: the cursor is startBlock - 1 until the watcher stores one. */
  startBlock: number;
  /** One watcher poll (TaskWatcher.poll: loads every confirmed block after the cursor). */
  catchUp?: () => Promise<unknown>;
  /** The tasks of the TaskCreated logs of one block, from the chain. */
  createdInBlock: (block: number) => Promise<Task[]>;
  logger: Logger;
}

/** The verdict on a posted task list. */
export type CanonicalVerdict =
  | { kind: 'canonical' }
  /** `batchIds`: the canonical batches that hold the posted tasks. */
  | { kind: 'not-canonical'; batchIds: string[] }
  /** The tasks of the block are not all loaded (yet): retry later. */
  | { kind: 'not-ready'; reason: string };

/** The canonical batches of one reference block. */
interface Split {
  source: 'index' | 'chain';
  /** First task id → the batch's task ids in leaf order. */
  byFirst: Map<string, readonly string[]>;
  /** Task id → its batch id. */
  batchOf: Map<string, string>;
}

const MAX_CACHED_BLOCKS = 512;

function splitOf(tasks: readonly Task[], referenceBlock: number, source: Split['source']): Split {
  const byFirst = new Map<string, readonly string[]>();
  const batchOf = new Map<string, string>();
  for (const b of batchesOf(tasks.filter((t) => t.referenceBlock === referenceBlock))) {
    const ids = b.tasks.map((t) => t.taskId.toString());
    byFirst.set(ids[0]!, ids);
    for (const id of ids) batchOf.set(id, b.batchId);
  }
  return { source, byFirst, batchOf };
}

/** True when every posted task is in the split (a split missing one was made from an incomplete view). */
const covers = (split: Split, ids: readonly string[]): boolean => ids.every((id) => split.batchOf.has(id));

function judge(split: Split, ids: readonly string[]): CanonicalVerdict {
  const b = split.byFirst.get(ids[0]!);
  if (b && b.length === ids.length && b.every((id, i) => id === ids[i])) return { kind: 'canonical' };
  return { kind: 'not-canonical', batchIds: [...new Set(ids.map((id) => split.batchOf.get(id)!))] };
}

/** The canonical batch split per reference block, cached. */
export class CanonicalBatches {
  private readonly d: CanonicalBatchesDeps;
  private readonly cache = new Map<number, Split>();
  private readonly building = new Map<string, Promise<Split | string>>();

  constructor(deps: CanonicalBatchesDeps) {
    this.d = deps;
  }

  /**
   * Whether `taskIds` (ascending, every one a loaded task of `referenceBlock`) is exactly one
   * canonical batch of `referenceBlock`.
   */
  async check(referenceBlock: number, taskIds: readonly string[]): Promise<CanonicalVerdict> {
    if (taskIds.length === 0) return { kind: 'not-canonical', batchIds: [] };
    let split = this.cache.get(referenceBlock);
    if (!split || !covers(split, taskIds)) {
      let got = await this.shared(`i:${referenceBlock}`, () => this.fromIndex(referenceBlock, taskIds));
      // Shared with a request for other tasks of the block: a split that misses one of these is redone for them.
      if (typeof got !== 'string' && !covers(got, taskIds)) got = await this.fromIndex(referenceBlock, taskIds);
      if (typeof got === 'string') return { kind: 'not-ready', reason: got };
      split = got;
    }
    const v = judge(split, taskIds);
    if (v.kind === 'canonical' || split.source === 'chain') return v;
    // Never refuse on the index alone: the chain's logs of the block decide (read once per block).
    let chain = await this.shared(`c:${referenceBlock}`, () => this.fromChain(referenceBlock, taskIds));
    if (typeof chain !== 'string' && !covers(chain, taskIds)) chain = await this.fromChain(referenceBlock, taskIds);
    if (typeof chain === 'string') return { kind: 'not-ready', reason: chain };
    return judge(chain, taskIds);
  }

  /** Runs `fn` once for concurrent callers with the same key. */
  private shared(key: string, fn: () => Promise<Split | string>): Promise<Split | string> {
    let p = this.building.get(key);
    if (!p) {
      p = fn().finally(() => this.building.delete(key));
      this.building.set(key, p);
    }
    return p;
  }

  /** The split from the Redis index of block referenceBlock + 1, once the watcher has loaded it; a reason string when not yet. */
  private async fromIndex(referenceBlock: number, posted: readonly string[]): Promise<Split | string> {
    const hit = this.cache.get(referenceBlock);
    if (hit && covers(hit, posted)) return hit;
    const block = referenceBlock + 1;
    const cursor = async (): Promise<number> => (await this.d.store.getCursor()) ?? this.d.startBlock - 1;
    let at = await cursor();
    if (at < block && this.d.catchUp) {
      try {
        await this.d.catchUp();
      } catch (err) {
        this.d.logger.debug({ err, block }, 'watcher catch-up for batch boundaries failed');
      }
      at = await cursor();
    }
    if (at < block) return `the tasks of block ${block} (reference block ${referenceBlock}) are not all loaded yet (loaded up to block ${at})`;
    const ids = await this.d.store.blockTaskIds(block);
    const jsons = await this.d.store.getTaskJsons(ids);
    const tasks: Task[] = [];
    jsons.forEach((j) => {
      if (j !== null) tasks.push(taskFromJson(j));
    });
    const split = splitOf(tasks, referenceBlock, 'index');
    // A posted (loaded) task missing from the index: the index of this block is not complete (state
    // written by an older aggregator); the chain's logs decide.
    if (!covers(split, posted)) return this.fromChain(referenceBlock, posted);
    this.remember(referenceBlock, split);
    return split;
  }

  /** The split from the chain's TaskCreated logs of block referenceBlock + 1; a reason string when they lack a posted task. */
  private async fromChain(referenceBlock: number, posted: readonly string[]): Promise<Split | string> {
    const hit = this.cache.get(referenceBlock);
    if (hit?.source === 'chain' && covers(hit, posted)) return hit;
    const block = referenceBlock + 1;
    let tasks: Task[];
    try {
      tasks = await this.d.createdInBlock(block);
    } catch (err) {
      this.d.logger.debug({ err, block }, 'reading the TaskCreated logs of a block for batch boundaries failed');
      return `the TaskCreated logs of block ${block} could not be read`;
    }
    const split = splitOf(tasks, referenceBlock, 'chain');
    if (!covers(split, posted)) return `the node's logs of block ${block} do not hold every task of the batch yet`;
    this.remember(referenceBlock, split);
    return split;
  }

  private remember(referenceBlock: number, split: Split): void {
    this.cache.delete(referenceBlock);
    if (this.cache.size >= MAX_CACHED_BLOCKS) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(referenceBlock, split);
  }
}
