// POST /v1/batches validation with real BLS keys, in-memory task contexts and a faked batch store:
// every rejection path answers its documented code and records nothing; the root and the digest are
// recomputed from the body (a signature over another root, or by another key, is 422); abstain
// leaves; what the store reports (duplicate, conflicting root, equivocation, every task closed,
// quorum) becomes the documented answer, and the quorum is handed on once; a task list that is not
// exactly one canonical batch of its reference block (sdk batchesOf over every task of the block) is
// 422 ERR_BATCH_NOT_CANONICAL before anything else happens, and 404 while the block is not all loaded.
import { beforeAll, describe, expect, jest, test } from '@jest/globals';
import {
  BlsSecretKey,
  batchDigest,
  batchLeaf,
  blsKeyPairFromSecretKey,
  blsSign,
  initBls,
  merkleRoot,
  noopLogger,
  operatorIdFromPublicKey,
  taskHash,
  taskToJson,
  type AioracleError,
  type Task,
} from '@aioracle/sdk';
import { keccak256 } from 'ethers';
import { BatchIngest, type BatchQuorum } from '../../src/aggregation/batchIngest.js';
import { BatchVerifier } from '../../src/aggregation/batchVerifier.js';
import { CanonicalBatches } from '../../src/aggregation/canonicalBatches.js';
import type { BatchAcceptOutcome, BatchAcceptParams, BatchStore } from '../../src/state/batchStore.js';
import type { TaskContext, TaskContexts, TaskOperator } from '../../src/state/taskContexts.js';

const CHAIN = 31337n;
const ORACLE = '0x5fbdb2315678afecb367f032d93f642f64180aa3';
const REF = 100;
const OUT = ['0x0101000000' + '01000000', '0x0101000000' + '02000000', '0x0101000000' + '03000000'];

let keys: { sk: BlsSecretKey; op: TaskOperator }[];
let tasks: Task[];

function makeTask(id: number, over: Partial<Task> = {}): Task {
  return {
    taskId: BigInt(id),
    modelId: `0x${'11'.repeat(32)}`,
    requester: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
    inputHash: `0x${'22'.repeat(32)}`,
    referenceBlock: REF,
    deadlineBlock: REF + 20,
    fee: 1000n,
    callback: '0x0000000000000000000000000000000000000000',
    callbackGasLimit: 0,
    feedId: 0n,
    quorumNumbers: [0],
    quorumThresholdBps: [5000],
    ...over,
  } as Task;
}

function context(task: Task, closed = false): TaskContext {
  return {
    id: task.taskId.toString(),
    task,
    taskHash: taskHash(task),
    createdAtMs: 0,
    snapshot: { quorums: [0], thresholdsBps: task.quorumThresholdBps, totals: ['3'], required: ['2'], operators: keys.map((k) => ({ id: k.op.id, address: k.op.address, stakes: ['1'] })), opset: 'set' },
    operators: new Map(keys.map((k) => [k.op.id, k.op])),
    outputs: new Map(),
    leaves: new Map(),
    answered: new Map(),
    closed,
  };
}

interface Harness {
  ingest: BatchIngest;
  accepted: BatchAcceptParams[];
  quorums: BatchQuorum[];
  setOutcome(o: BatchAcceptOutcome): void;
  contexts: Map<string, TaskContext>;
}

/**
 * The real boundary check over the harness's tasks: every context is a task of the chain, the block
 * index holds them, and the watcher's cursor is at `cursor` (default: past every block).
 */
function canonicalOver(contexts: Map<string, TaskContext>, o: { cursor?: () => number | null; catchUp?: () => Promise<unknown> } = {}): CanonicalBatches {
  const of = (block: number): Task[] => [...contexts.values()].map((c) => c.task).filter((t) => t.referenceBlock + 1 === block);
  return new CanonicalBatches({
    store: {
      getCursor: async () => (o.cursor ? o.cursor() : 1_000_000),
      blockTaskIds: async (block: number) => of(block).map((t) => t.taskId.toString()),
      getTaskJsons: async (ids: readonly string[]) => ids.map((id) => JSON.stringify(taskToJson(contexts.get(id)!.task))),
    },
    startBlock: 0,
    ...(o.catchUp ? { catchUp: o.catchUp } : {}),
    createdInBlock: async (block: number) => of(block),
    logger: noopLogger,
  });
}

function harness(ctxs: TaskContext[] = tasks.map((t) => context(t)), canonical?: (contexts: Map<string, TaskContext>) => CanonicalBatches): Harness {
  const contexts = new Map(ctxs.map((c) => [c.id, c]));
  const verifier = new BatchVerifier({ windowMs: 0, maxBatch: 16 }, { metrics: null });
  const accepted: BatchAcceptParams[] = [];
  const quorums: BatchQuorum[] = [];
  let outcome: BatchAcceptOutcome = { kind: 'accepted', quorumReached: false, equivocating: [] };
  const batches = { accept: async (p: BatchAcceptParams) => (accepted.push(p), outcome) } as unknown as BatchStore;
  const ingest = new BatchIngest(
    { chainId: CHAIN, oracle: ORACLE },
    {
      batches,
      contexts: { get: async (id: string) => contexts.get(id) ?? null } as unknown as TaskContexts,
      verifier,
      canonical: canonical ? canonical(contexts) : canonicalOver(contexts),
      metrics: null,
      logger: noopLogger,
      onQuorum: async (q) => void quorums.push(q),
      loadUnknown: async () => false,
    },
  );
  return { ingest, accepted, quorums, contexts, setOutcome: (o) => (outcome = o) };
}

/** A batch body signed by `signer` over the leaves of `outputs` (null = abstain). */
function body(opIndex: number, outputs: (string | null)[] = OUT, o: { ts?: Task[]; signWith?: BlsSecretKey; signOutputs?: (string | null)[]; referenceBlock?: number } = {}): Record<string, unknown> {
  const ts = o.ts ?? tasks;
  const signed = o.signOutputs ?? outputs;
  const leaves = ts.map((t, i) => batchLeaf(taskHash(t), signed[i] === null || signed[i] === undefined ? null : keccak256(signed[i]!)));
  const root = merkleRoot(leaves);
  const referenceBlock = o.referenceBlock ?? REF;
  const digest = batchDigest({ chainId: CHAIN, oracle: ORACLE, referenceBlock, batchRoot: root, leafCount: ts.length });
  const k = keys[opIndex]!;
  return {
    chainId: Number(CHAIN),
    oracle: ORACLE,
    operatorId: k.op.id,
    referenceBlock,
    tasks: ts.map((t, i) => ({ taskId: t.taskId.toString(), taskHash: taskHash(t), output: outputs[i] ?? null })),
    signature: blsSign(o.signWith ?? k.sk, digest).toSolidityStrings(),
  };
}

async function rejection(h: Harness, b: unknown): Promise<{ code: string; message: string }> {
  try {
    await h.ingest.submit(b);
  } catch (err) {
    const e = err as AioracleError;
    return { code: e.code, message: e.message };
  }
  throw new Error('expected a rejection');
}

beforeAll(async () => {
  await initBls();
  keys = [0, 1, 2].map((i) => {
    const sk = BlsSecretKey.random();
    const kp = blsKeyPairFromSecretKey(sk);
    const id = operatorIdFromPublicKey(kp.publicKeyG1).toLowerCase();
    return { sk, op: { id, address: `0x${String(i + 1).padStart(40, '0')}`, stakes: ['1'], addStakes: ['1'], pkG1: kp.publicKeyG1, pkG2: kp.publicKeyG2 } };
  });
  tasks = [1, 2, 3].map((id) => makeTask(id));
});

describe('POST /v1/batches validation (nothing recorded on rejection)', () => {
  test('400 ERR_BAD_REQUEST: schema failures name the field', async () => {
    const h = harness();
    const good = body(0);
    const cases: [string, unknown, string][] = [
      ['no tasks', { ...good, tasks: [] }, 'tasks'],
      ['tasks not an array', { ...good, tasks: 'x' }, 'tasks'],
      ['not ascending', { ...good, tasks: [...(good.tasks as unknown[])].reverse() }, 'tasks.1.taskId'],
      ['repeated task', { ...good, tasks: [(good.tasks as unknown[])[0], (good.tasks as unknown[])[0]] }, 'tasks.1.taskId'],
      ['over 128 tasks', { ...good, tasks: Array.from({ length: 129 }, (_, i) => ({ taskId: String(i + 1), taskHash: `0x${'00'.repeat(32)}`, output: null })) }, 'tasks'],
      ['odd output hex', { ...good, tasks: [{ ...(good.tasks as Record<string, unknown>[])[0], output: '0x123' }] }, 'tasks.0.output'],
      ['referenceBlock not uint32', { ...good, referenceBlock: 2 ** 32 }, 'referenceBlock'],
      ['referenceBlock missing', { ...good, referenceBlock: undefined }, 'referenceBlock'],
      ['bad operatorId', { ...good, operatorId: '0x12' }, 'operatorId'],
      ['bad signature', { ...good, signature: ['1'] }, 'signature'],
      ['not an object', 'x', '(body)'],
    ];
    for (const [name, b, field] of cases) {
      const r = await rejection(h, b);
      expect({ name, code: r.code }).toEqual({ name, code: 'ERR_BAD_REQUEST' });
      expect({ name, names: r.message.includes(field) }).toEqual({ name, names: true });
    }
    expect(h.accepted).toHaveLength(0);
  });

  test('400 ERR_BAD_REQUEST: tasks not one batch (another reference block, another quorum configuration)', async () => {
    const other = makeTask(4, { referenceBlock: REF + 1 });
    const q = makeTask(5, { quorumThresholdBps: [6000] });
    const h = harness([...tasks, other, q].map((t) => context(t)));
    const r1 = await rejection(h, body(0, [OUT[0]!, OUT[1]!], { ts: [tasks[0]!, other] }));
    expect([r1.code, r1.message]).toEqual(['ERR_BAD_REQUEST', expect.stringContaining('reference block')]);
    const r2 = await rejection(h, body(0, [OUT[0]!, OUT[1]!], { ts: [tasks[0]!, q] }));
    expect([r2.code, r2.message]).toEqual(['ERR_BAD_REQUEST', expect.stringContaining('quorum configuration')]);
    expect(h.accepted).toHaveLength(0);
  });

  test('422 ERR_SIGNATURE_INVALID: wrong chain, oracle, taskHash, another key, another root, not a point', async () => {
    const h = harness();
    const good = body(0);
    const wrongHash = { ...good, tasks: (good.tasks as Record<string, unknown>[]).map((t, i) => (i === 1 ? { ...t, taskHash: `0x${'33'.repeat(32)}` } : t)) };
    const cases: [string, unknown][] = [
      ['chain', { ...good, chainId: 1 }],
      ['oracle', { ...good, oracle: `0x${'44'.repeat(20)}` }],
      ['taskHash', wrongHash],
      ['another key', body(0, OUT, { signWith: BlsSecretKey.random() })],
      // Signed over other outputs than those sent: the recomputed root differs.
      ['another root', body(0, OUT, { signOutputs: [OUT[0]!, OUT[0]!, OUT[2]!] })],
      // The digest binds the reference block: a body for REF whose signature has REF+1 in the digest.
      ['another reference block in the digest', { ...good, signature: body(0, OUT, { referenceBlock: REF + 1 }).signature }],
      ['not a point', { ...good, signature: ['1', '1'] }],
    ];
    for (const [name, b] of cases) {
      const r = await rejection(h, b);
      expect({ name, code: r.code }).toEqual({ name, code: 'ERR_SIGNATURE_INVALID' });
    }
    expect(h.accepted).toHaveLength(0);
  });

  test('403 ERR_OPERATOR_NOT_REGISTERED: the operator is not in the quorums at the reference block', async () => {
    const h = harness();
    const r = await rejection(h, { ...body(0), operatorId: `0x${'ab'.repeat(32)}` });
    expect(r.code).toBe('ERR_OPERATOR_NOT_REGISTERED');
    expect(h.accepted).toHaveLength(0);
  });

  test('404 ERR_TASK_UNKNOWN: a task not loaded yet (the operator retries)', async () => {
    const h = harness(tasks.slice(0, 2).map((t) => context(t)));
    const r = await rejection(h, body(0));
    expect([r.code, r.message]).toEqual(['ERR_TASK_UNKNOWN', expect.stringContaining('Task 3')]);
    expect(h.accepted).toHaveLength(0);
  });

  test('410 ERR_TASK_CLOSED: every task closed (in memory, or as the store reports); one open task is enough to count', async () => {
    const h = harness(tasks.map((t) => context(t, true)));
    expect((await rejection(h, body(0))).code).toBe('ERR_TASK_CLOSED');
    expect(h.accepted).toHaveLength(0);
    const h2 = harness(tasks.map((t, i) => context(t, i !== 1)));
    expect((await h2.ingest.submit(body(0))).status).toBe(202);
    h2.setOutcome({ kind: 'closed' });
    expect((await rejection(h2, body(1))).code).toBe('ERR_TASK_CLOSED');
  });
});

describe('POST /v1/batches batch boundaries (sdk batchesOf over every task of the reference block)', () => {
  // Reference block REF holds tasks 1-3 (threshold 5000), 4 (6000: the owner changed the quorum
  // configuration inside the block) and 5 (5000 again): the canonical batches are [1,2,3], [4], [5].
  const split = (): { h: Harness; t4: Task; t5: Task } => {
    const t4 = makeTask(4, { quorumThresholdBps: [6000] });
    const t5 = makeTask(5);
    return { h: harness([...tasks, t4, t5].map((t) => context(t))), t4, t5 };
  };

  test('422 ERR_BATCH_NOT_CANONICAL: a subset, a superset, a shifted cut, and a same-id list with a task of another run; nothing verified or recorded', async () => {
    const { h, t5 } = split();
    const verify = jest.spyOn(BatchVerifier.prototype, 'verify');
    const cases: [string, Task[]][] = [
      ['subset (prefix)', [tasks[0]!, tasks[1]!]],
      ['subset (suffix)', [tasks[1]!, tasks[2]!]],
      ['subset (gap)', [tasks[0]!, tasks[2]!]],
      ['single task of a batch', [tasks[1]!]],
      ['superset from the same block', [...tasks, t5]],
      // Same batch id as the canonical [1,2,3] (first task 1, three leaves): the griefing case.
      ['same id, another task list', [tasks[0]!, tasks[1]!, t5]],
    ];
    for (const [name, ts] of cases) {
      const r = await rejection(h, body(0, OUT.slice(0, ts.length).concat(ts.length > 3 ? [OUT[0]!] : []), { ts }));
      expect({ name, code: r.code }).toEqual({ name, code: 'ERR_BATCH_NOT_CANONICAL' });
      expect({ name, names: r.message.includes(`${REF}-1-3`) }).toEqual({ name, names: true });
    }
    expect(h.accepted).toHaveLength(0);
    expect(verify).not.toHaveBeenCalled();
    verify.mockRestore();
  });

  test('every canonical batch is admitted, a batch of one task included', async () => {
    const { h, t4, t5 } = split();
    expect((await h.ingest.submit(body(0))).status).toBe(202);
    expect((await h.ingest.submit(body(0, [OUT[0]!], { ts: [t4] }))).status).toBe(202);
    expect((await h.ingest.submit(body(0, [OUT[1]!], { ts: [t5] }))).status).toBe(202);
    expect(h.accepted.map((p) => p.batchId)).toEqual([`${REF}-1-3`, `${REF}-4-1`, `${REF}-5-1`]);
  });

  test('404 ERR_TASK_UNKNOWN (retryable) while the block is not all loaded: one catch-up, then the operator retries and is judged', async () => {
    let cursor: number | null = REF; // the creation block REF+1 is not loaded yet
    let catchUps = 0;
    const h = harness(
      tasks.map((t) => context(t)),
      (contexts) => canonicalOver(contexts, { cursor: () => cursor, catchUp: async () => void catchUps++ }),
    );
    const r = await rejection(h, body(0));
    expect([r.code, r.message]).toEqual(['ERR_TASK_UNKNOWN', expect.stringContaining(`reference block ${REF}`)]);
    expect(catchUps).toBe(1);
    expect(h.accepted).toHaveLength(0);
    cursor = null; // no cursor yet: startBlock - 1
    expect((await rejection(h, body(0))).code).toBe('ERR_TASK_UNKNOWN');
    cursor = REF + 1;
    expect((await h.ingest.submit(body(0))).status).toBe(202);
  });
});

describe('POST /v1/batches outcomes', () => {
  test('202: the store gets the recomputed root, output hashes, leaves in order, stakes and minimums; abstain leaves carry no output', async () => {
    const h = harness();
    const outs = [OUT[0]!, null, OUT[2]!];
    expect(await h.ingest.submit(body(0, outs))).toEqual({ status: 202, body: { status: 'accepted', quorumReached: false } });
    const p = h.accepted[0]!;
    const leaves = tasks.map((t, i) => batchLeaf(taskHash(t), outs[i] ? keccak256(outs[i]!) : null));
    expect(p.root).toBe(merkleRoot(leaves).toLowerCase());
    expect(p.batchId).toBe(`${REF}-1-3`);
    expect(p.taskIds).toEqual(['1', '2', '3']);
    expect(p.taskHashes).toEqual(tasks.map((t) => taskHash(t)));
    expect(p.outputs).toEqual([{ hash: keccak256(OUT[0]!), hex: OUT[0] }, null, { hash: keccak256(OUT[2]!), hex: OUT[2] }]);
    expect([p.stakes, p.required, p.operatorId]).toEqual([['1'], ['2'], keys[0]!.op.id]);
  });

  test('200 duplicate: from the store, then from memory without a store call; a different root then is 409', async () => {
    const h = harness();
    h.setOutcome({ kind: 'duplicate' });
    expect(await h.ingest.submit(body(0))).toEqual({ status: 200, body: { status: 'duplicate' } });
    expect(await h.ingest.submit(body(0))).toEqual({ status: 200, body: { status: 'duplicate' } });
    expect(h.accepted).toHaveLength(1);
    const r = await rejection(h, body(0, [OUT[1]!, OUT[1]!, OUT[2]!]));
    expect([r.code, r.message]).toEqual(['ERR_CONFLICTING_RESPONSE', expect.stringContaining('different root')]);
    expect(h.accepted).toHaveLength(1);
  });

  test('409 ERR_CONFLICTING_RESPONSE: another root for the batch (store), and equivocation (recorded, still 409)', async () => {
    const h = harness();
    h.setOutcome({ kind: 'conflict' });
    expect((await rejection(h, body(0))).code).toBe('ERR_CONFLICTING_RESPONSE');
    h.setOutcome({ kind: 'equivocation', quorumReached: false, equivocating: [1] });
    const r = await rejection(h, body(1));
    expect([r.code, r.message]).toEqual(['ERR_CONFLICTING_RESPONSE', expect.stringContaining('task(s) 2')]);
    // The equivocating batch signature went to the store: it is slashing evidence.
    expect(h.accepted.map((p) => p.operatorId)).toEqual([keys[0]!.op.id, keys[1]!.op.id]);
  });

  test('409 ERR_CONFLICTING_RESPONSE: the store holds the batch with another task list (state not written through the boundary check)', async () => {
    const h = harness();
    h.setOutcome({ kind: 'mismatch' });
    const m = await rejection(h, body(2));
    expect([m.code, m.message]).toEqual(['ERR_CONFLICTING_RESPONSE', expect.stringContaining('another task list')]);
  });

  test('quorum: handed on once with the batch id, the root and the tasks', async () => {
    const h = harness();
    h.setOutcome({ kind: 'accepted', quorumReached: true, equivocating: [] });
    expect(await h.ingest.submit(body(2))).toEqual({ status: 202, body: { status: 'accepted', quorumReached: true } });
    expect(h.quorums).toEqual([{ batchId: `${REF}-1-3`, root: h.accepted[0]!.root, referenceBlock: REF, taskIds: ['1', '2', '3'] }]);
  });

  test('the signature check runs through the verifier (operators of one batch share one digest)', async () => {
    const h = harness();
    const verify = jest.spyOn(BatchVerifier.prototype, 'verify');
    await Promise.all([h.ingest.submit(body(0)), h.ingest.submit(body(1)), h.ingest.submit(body(2))]);
    const digests = new Set(verify.mock.calls.map((c) => c[0]));
    expect([verify.mock.calls.length, digests.size]).toEqual([3, 1]);
    verify.mockRestore();
  });
});
