// Batch boundaries (canonicalBatches.ts): a posted task list is admitted only when it is exactly one of
// the sdk's batchesOf over every task of its reference block (runs of one quorum configuration, chunks
// of MAX_BATCH_LEAVES); the split is computed once per block from the Redis block index, only once the
// watcher's cursor is past the creation block (one catch-up first; 'not-ready' otherwise); a refusal
// is confirmed against the chain's logs of the block (read once), and the chain is also the fallback
// for an index that misses a posted task.
import { describe, expect, test } from '@jest/globals';
import { MAX_BATCH_LEAVES, batchesOf, noopLogger, taskToJson, type Task } from '@aioracle/sdk';
import { CanonicalBatches, type CanonicalVerdict } from '../../src/aggregation/canonicalBatches.js';

const REF = 500;

function task(id: number, o: { ref?: number; bps?: number } = {}): Task {
  return {
    taskId: BigInt(id),
    modelId: `0x${'11'.repeat(32)}`,
    requester: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
    inputHash: `0x${'22'.repeat(32)}`,
    referenceBlock: o.ref ?? REF,
    deadlineBlock: (o.ref ?? REF) + 21,
    fee: 1000n,
    callback: '0x0000000000000000000000000000000000000000',
    callbackGasLimit: 0,
    feedId: 0n,
    quorumNumbers: [0],
    quorumThresholdBps: [o.bps ?? 6667],
  } as Task;
}

const ids = (...n: number[]): string[] => n.map(String);
const range = (from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, i) => String(from + i));

interface World {
  c: CanonicalBatches;
  calls: { cursor: number; index: number; jsons: number; chain: number; catchUp: number };
  set(o: { cursor?: number | null; index?: Task[]; chain?: Task[] | Error }): void;
}

/** `index`: the tasks the Redis block index holds; `chain`: the TaskCreated logs (default: the same). */
function world(tasks: Task[], o: { cursor?: number | null; index?: Task[]; chain?: Task[] | Error; catchUp?: () => void } = {}): World {
  let cursor = o.cursor === undefined ? REF + 10 : o.cursor;
  let index = o.index ?? tasks;
  let chain: Task[] | Error = o.chain ?? tasks;
  const calls = { cursor: 0, index: 0, jsons: 0, chain: 0, catchUp: 0 };
  const inBlock = (ts: Task[], block: number): Task[] => ts.filter((t) => t.referenceBlock + 1 === block);
  const c = new CanonicalBatches({
    store: {
      getCursor: async () => (calls.cursor++, cursor),
      blockTaskIds: async (block: number) => (calls.index++, inBlock(index, block).map((t) => t.taskId.toString())),
      getTaskJsons: async (list: readonly string[]) => (calls.jsons++, list.map((id) => JSON.stringify(taskToJson(index.find((t) => t.taskId.toString() === id)!)))),
    },
    startBlock: 100,
    catchUp: async () => {
      calls.catchUp++;
      o.catchUp?.();
    },
    createdInBlock: async (block: number) => {
      calls.chain++;
      if (chain instanceof Error) throw chain;
      return inBlock(chain, block);
    },
    logger: noopLogger,
  });
  return {
    c,
    calls,
    set(n) {
      if (n.cursor !== undefined) cursor = n.cursor;
      if (n.index) index = n.index;
      if (n.chain) chain = n.chain;
    },
  };
}

const kinds = async (c: CanonicalBatches, lists: string[][]): Promise<string[]> => Promise.all(lists.map(async (l) => (await c.check(REF, l)).kind));

describe('canonical batch boundaries', () => {
  test('runs of one quorum configuration: exactly the runs are admitted; a same-id list with a task of another run is not', async () => {
    // 1,2 at 6667; the owner sets 7500 inside the block (3); and 6667 again (4).
    const ts = [task(1), task(2), task(3, { bps: 7500 }), task(4)];
    const { c } = world(ts);
    expect(await kinds(c, [ids(1, 2), ids(3), ids(4)])).toEqual(['canonical', 'canonical', 'canonical']);
    // [1,4]: one reference block, one configuration, ascending, batch id `${REF}-1-2` like [1,2].
    const v = await c.check(REF, ids(1, 4));
    expect(v).toEqual({ kind: 'not-canonical', batchIds: [`${REF}-1-2`, `${REF}-4-1`] });
    expect(await kinds(c, [ids(1), ids(2), ids(1, 2, 4), ids(2, 4)])).toEqual(['not-canonical', 'not-canonical', 'not-canonical', 'not-canonical']);
  });

  test('chunks of MAX_BATCH_LEAVES: the chunks are admitted; a shifted window or a list with the next chunk\'s task is not', async () => {
    const ts = Array.from({ length: MAX_BATCH_LEAVES + 2 }, (_, i) => task(i + 1));
    const { c } = world(ts);
    const [first, second] = batchesOf(ts).map((b) => b.tasks.map((t) => t.taskId.toString()));
    expect([first!.length, second!.length]).toEqual([MAX_BATCH_LEAVES, 2]);
    expect(await kinds(c, [first!, second!])).toEqual(['canonical', 'canonical']);
    // Same id as the first chunk (first task 1, 128 leaves), last task from the second chunk.
    const sameId = [...range(1, MAX_BATCH_LEAVES - 1), String(MAX_BATCH_LEAVES + 1)];
    expect(await c.check(REF, sameId)).toEqual({ kind: 'not-canonical', batchIds: [`${REF}-1-${MAX_BATCH_LEAVES}`, `${REF}-${MAX_BATCH_LEAVES + 1}-2`] });
    expect(await kinds(c, [range(2, MAX_BATCH_LEAVES + 1), range(MAX_BATCH_LEAVES, MAX_BATCH_LEAVES + 2)])).toEqual(['not-canonical', 'not-canonical']);
  });

  test('tasks of other reference blocks do not enter the split', async () => {
    const ts = [task(1), task(2), task(3, { ref: REF + 1 }), task(4, { ref: REF + 1 })];
    const { c } = world(ts);
    expect(await kinds(c, [ids(1, 2)])).toEqual(['canonical']);
    expect((await c.check(REF + 1, ids(3, 4))).kind).toBe('canonical');
  });

  test('computed once per block: later and concurrent checks are answered from memory', async () => {
    const ts = [task(1), task(2), task(3), task(4, { bps: 7500 })];
    const w = world(ts);
    const all = await Promise.all([w.c.check(REF, ids(1, 2, 3)), w.c.check(REF, ids(1, 2, 3)), w.c.check(REF, ids(4))]);
    expect(all.map((v) => v.kind)).toEqual(['canonical', 'canonical', 'canonical']);
    for (let i = 0; i < 20; i++) await w.c.check(REF, ids(1, 2, 3));
    expect([w.calls.index, w.calls.jsons, w.calls.cursor, w.calls.chain]).toEqual([1, 1, 1, 0]);
  });

  test('not ready while the watcher has not loaded the creation block: one catch-up, no refusal, nothing cached', async () => {
    const ts = [task(1), task(2)];
    const w = world(ts, { cursor: REF }); // creation block REF + 1 not loaded
    const v = (await w.c.check(REF, ids(1))) as Extract<CanonicalVerdict, { kind: 'not-ready' }>;
    expect(v.kind).toBe('not-ready');
    expect(v.reason).toContain(`block ${REF + 1}`);
    expect([w.calls.catchUp, w.calls.index, w.calls.chain]).toEqual([1, 0, 0]);
    // No cursor at all: startBlock - 1.
    w.set({ cursor: null });
    expect((await w.c.check(REF, ids(1))).kind).toBe('not-ready');
    // The catch-up loads it.
    const w2 = world(ts, { cursor: REF, catchUp: () => w2.set({ cursor: REF + 1 }) });
    expect(await w2.c.check(REF, ids(1))).toEqual({ kind: 'not-canonical', batchIds: [`${REF}-1-2`] });
    expect((await w2.c.check(REF, ids(1, 2))).kind).toBe('canonical');
    expect(w2.calls.catchUp).toBe(1);
  });

  test('never refuses on the index alone: an index missing a task is corrected by the chain\'s logs (read once)', async () => {
    const ts = [task(1), task(2), task(3, { bps: 7500 }), task(4)];
    // The index lacks task 3 (written by an older aggregator): on it alone [1,2,4] would be one run.
    const w = world(ts, { index: [task(1), task(2), task(4)] });
    expect((await w.c.check(REF, ids(1, 2))).kind).toBe('canonical');
    expect(w.calls.chain).toBe(1);
    expect(await w.c.check(REF, ids(1, 2, 4))).toEqual({ kind: 'not-canonical', batchIds: [`${REF}-1-2`, `${REF}-4-1`] });
    expect((await w.c.check(REF, ids(4))).kind).toBe('canonical');
    expect(w.calls.chain).toBe(1);
  });

  test('a posted task missing from the index: the chain decides; logs without it (a lagging node) are not-ready, and are read again', async () => {
    const ts = [task(1), task(2), task(3)];
    const w = world(ts, { index: [], chain: [] });
    expect((await w.c.check(REF, ids(1, 2, 3))).kind).toBe('not-ready');
    expect((await w.c.check(REF, ids(1, 2, 3))).kind).toBe('not-ready');
    expect(w.calls.chain).toBe(2);
    w.set({ chain: ts });
    expect((await w.c.check(REF, ids(1, 2, 3))).kind).toBe('canonical');
    expect((await w.c.check(REF, ids(1, 2))).kind).toBe('not-canonical');
    expect(w.calls.chain).toBe(3);
    // An RPC failure is not-ready too.
    const w2 = world(ts, { index: [], chain: new Error('rpc down') });
    expect((await w2.c.check(REF, ids(1, 2, 3))).kind).toBe('not-ready');
  });
});
