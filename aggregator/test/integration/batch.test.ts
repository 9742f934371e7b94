/**
 * Batch attestation end to end on real Redis and a real anvil with the AVS deployed: operators (real
 * BLS keys) post signed batches over HTTP (POST /v1/batches); the aggregator groups them by root
 * and answers the batch with one respondToBatch transaction; a byzantine operator's batch leaf that
 * differs is slashed through slashBatchDissenter for exactly that task; an abstained task is left
 * pending; per-task responses to a task a batch answered are 410, and a per-task quorum on a task of
 * a pending batch does not make it answered twice. Batch boundaries: a registered operator that posts
 * first, under the canonical batch's id, a task list that is not a canonical batch (a task of another
 * run of the block) is refused (422 ERR_BATCH_NOT_CANONICAL) and the honest batch still lands with one
 * respondToBatch. Send guard: while a respondToBatch holding a task is in flight, no respondToTask for
 * it goes out (and the reverse); nothing is lost.
 *
 * Four operators of equal stake, one quorum, threshold 6667 bps: any three sign a quorum.
 */
import { jest } from '@jest/globals';
import { bindings, noopLogger, parseTaskCreatedLog, taskHash, waitForReceipt } from '@aioracle/sdk';
import { NonceManager, Wallet, hexlify, randomBytes } from 'ethers';
import { startAggregator, type Aggregator } from '../../src/index.js';
import { FEE, MODEL_ID, cleanRedis, equalStakeWorld, requestTasksInOneBlock, signedBatch, signedResponse, testConfig, waitFor, type World } from '../helpers/world.js';

jest.setTimeout(180_000);

const PREFIX = `aggtest-batch-${process.pid}`;
const out = (v: number): string => '0x0101000000' + v.toString(16).padStart(2, '0') + '000000';
let w: World;
let agg: Aggregator;
let base: string;
let submitter: string;

type T = Awaited<ReturnType<typeof requestTasksInOneBlock>>[number];

async function post(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  for (;;) {
    const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const json = (await res.json()) as Record<string, unknown>;
    if (res.status !== 404) return { status: res.status, json };
    await new Promise((r) => setTimeout(r, 50));
  }
}

const oracle = () => bindings.InferenceOracle__factory.connect(w.deployment.avs.inferenceOracle, w.provider);

async function responded(ts: T[]): Promise<Map<string, string[]>> {
  const logs = await oracle().queryFilter(oracle().filters.TaskResponded(), w.deployment.startBlock, 'latest');
  const m = new Map<string, string[]>();
  for (const t of ts) m.set(t.task.taskId.toString(), logs.filter((l) => l.args.taskId === t.task.taskId).map((l) => l.transactionHash));
  return m;
}

const finalised = (t: T) => waitFor(async () => (await agg.store.getStatus(t.task.taskId.toString())) === 'finalised', 30_000, `task ${t.task.taskId} finalised`);

beforeAll(async () => {
  w = await equalStakeWorld(4, { thresholdBps: 6667, responseWindowBlocks: 200 });
  agg = await startAggregator(testConfig(w, PREFIX), { logger: noopLogger, submitterKey: w.submitterKey });
  base = `http://127.0.0.1:${agg.port}`;
  submitter = w.anvil.accounts[2]!.address;
});

afterAll(async () => {
  await agg?.stop();
  await w?.close();
  await cleanRedis(PREFIX);
});

test('a batch signed by every honest operator finalises every task with one respondToBatch transaction', async () => {
  const ts = await requestTasksInOneBlock(w, 5);
  const outputs = ts.map((_, i) => out(i + 1));
  const nonceBefore = await w.provider.getTransactionCount(submitter);
  const batchId = `${ts[0]!.task.referenceBlock}-${ts[0]!.task.taskId}-${ts.length}`;
  // GET /v1/batches/:id (what operators ask before signing a late batch's tasks alone): unknown, then collecting.
  expect((await fetch(`${base}/v1/batches/${batchId}`)).status).toBe(404);
  expect((await fetch(`${base}/v1/batches/not-a-batch`)).status).toBe(400);
  const answers = [];
  for (const op of w.operators) {
    answers.push((await post('/v1/batches', signedBatch(w, op, ts, outputs))).json);
    if (answers.length === 1) expect(await (await fetch(`${base}/v1/batches/${batchId}`)).json()).toMatchObject({ batchId, status: 'collecting', quorumRoot: null, tasks: 5 });
  }
  // The third signature completes the quorum; the fourth still counts (202, no new quorum).
  expect(answers).toEqual([
    { status: 'accepted', quorumReached: false },
    { status: 'accepted', quorumReached: false },
    { status: 'accepted', quorumReached: true },
    { status: 'accepted', quorumReached: false },
  ]);
  // A retry is a duplicate.
  expect((await post('/v1/batches', signedBatch(w, w.operators[0]!, ts, outputs))).json).toEqual({ status: 'duplicate' });
  for (const t of ts) await finalised(t);
  const r = await responded(ts);
  const txs = new Set([...r.values()].flat());
  expect([...r.values()].map((v) => v.length)).toEqual(ts.map(() => 1));
  expect(txs.size).toBe(1);
  expect(await w.provider.getTransactionCount(submitter)).toBe(nonceBefore + 1);
  const tx = [...txs][0]!;
  await waitFor(async () => ((await (await fetch(`${base}/v1/batches/${batchId}`)).json()) as { status: string }).status === 'done', 10_000, 'batch view done');
  expect(await (await fetch(`${base}/v1/batches/${batchId}`)).json()).toMatchObject({ batchId, status: 'done', txHash: tx, quorumRoot: expect.stringMatching(/^0x[0-9a-f]{64}$/) });
  const batchLogs = await oracle().queryFilter(oracle().filters.BatchResponded(), w.deployment.startBlock, 'latest');
  expect(batchLogs.filter((l) => l.transactionHash === tx).map((l) => Number(l.args.answered))).toEqual([5]);
  for (const [i, t] of ts.entries()) {
    const view = (await (await fetch(`${base}/v1/tasks/${t.task.taskId}`)).json()) as { status: string; txHash: string };
    expect({ i, status: view.status, txHash: view.txHash }).toEqual({ i, status: 'finalised', txHash: tx });
  }
  // Late per-task responses and batches for closed tasks: 410.
  expect((await post('/v1/responses', signedResponse(w, w.operators[0]!, ts[0]!, outputs[0]!))).status).toBe(410);
  const metrics = await (await fetch(`${base}/metrics`)).text();
  expect(metrics).toMatch(/aioracle_aggregator_batches_received_total\{outcome="accepted"\} [4-9]/);
  expect(metrics).toMatch(/aioracle_aggregator_batches_submitted_total\{outcome="sent"\} [1-9]/);
  expect(metrics).toMatch(/aioracle_aggregator_batch_answered_tasks_count [1-9]/);
  expect(metrics).toMatch(/aioracle_aggregator_batch_quorum_to_submission_seconds_count [1-9]/);
});

test('a byzantine operator with another output on one task: the honest root lands, the byzantine operator is slashed for exactly that task', async () => {
  const ts = await requestTasksInOneBlock(w, 4);
  const honest = ts.map((_, i) => out(0x10 + i));
  const lie = honest.map((o, i) => (i === 2 ? out(0x7f) : o));
  const [A, B, C, D] = w.operators as [World['operators'][number], World['operators'][number], World['operators'][number], World['operators'][number]];
  // The byzantine operator first: its root differs, so it counts for nothing.
  expect((await post('/v1/batches', signedBatch(w, D, ts, lie))).json).toEqual({ status: 'accepted', quorumReached: false });
  // It cannot sign a second root for the same batch.
  expect((await post('/v1/batches', signedBatch(w, D, ts, honest))).status).toBe(409);
  for (const op of [A, B]) expect((await post('/v1/batches', signedBatch(w, op, ts, honest))).status).toBe(202);
  expect((await post('/v1/batches', signedBatch(w, C, ts, honest))).json).toEqual({ status: 'accepted', quorumReached: true });
  for (const t of ts) await finalised(t);
  const o = oracle();
  await waitFor(() => o.isSlashed(ts[2]!.task.taskId, D.address), 30_000, 'D slashed for task 3 of the batch');
  // the log query can trail the state read by a moment on anvil (seen once): wait for the event itself too
  const mine = await waitFor(async () => {
    const logs = await o.queryFilter(o.filters.DissenterSlashed(), w.deployment.startBlock, 'latest');
    const ours = logs.filter((l) => ts.some((t) => t.task.taskId === l.args.taskId));
    return ours.length > 0 ? ours : null;
  }, 10_000, 'the DissenterSlashed event of the batch');
  expect(mine.map((l) => [l.args.taskId, l.args.operator])).toEqual([[ts[2]!.task.taskId, D.address]]);
  for (const t of ts) for (const op of [A, B, C]) expect({ task: t.task.taskId, op: op.address, slashed: await o.isSlashed(t.task.taskId, op.address) }).toEqual({ task: t.task.taskId, op: op.address, slashed: false });
  const r = await responded(ts);
  for (const [i, t] of ts.entries()) {
    const res = await o.queryFilter(o.filters.TaskResponded(t.task.taskId), w.deployment.startBlock, 'latest');
    expect({ i, n: res.length, output: res[0]?.args.output }).toEqual({ i, n: 1, output: honest[i] });
  }
  expect(new Set([...r.values()].flat()).size).toBe(1);
});

test('equivocation between a batch leaf and a response, either order: 409, recorded, counted, and slashed for exactly those tasks', async () => {
  const ts = await requestTasksInOneBlock(w, 3);
  const honest = ts.map((_, i) => out(0x50 + i));
  const [A, B, C, D] = w.operators as [World['operators'][number], World['operators'][number], World['operators'][number], World['operators'][number]];
  // A lie alone first, then an honest batch leaf for the same task: the batch signature is 409 but counts.
  expect((await post('/v1/responses', signedResponse(w, D, ts[1]!, out(0x6f)))).status).toBe(202);
  const b = await post('/v1/batches', signedBatch(w, D, ts, honest));
  expect([b.status, b.json.code]).toEqual([409, 'ERR_CONFLICTING_RESPONSE']);
  // An honest leaf first, then a lie alone: 409, recorded.
  const r = await post('/v1/responses', signedResponse(w, D, ts[0]!, out(0x6e)));
  expect([r.status, r.json.code]).toEqual([409, 'ERR_CONFLICTING_RESPONSE']);
  expect((await post('/v1/batches', signedBatch(w, A, ts, honest))).json).toEqual({ status: 'accepted', quorumReached: false });
  // D's batch signature counted: A, B and D are the quorum.
  expect((await post('/v1/batches', signedBatch(w, B, ts, honest))).json).toEqual({ status: 'accepted', quorumReached: true });
  for (const t of ts) await finalised(t);
  const o = oracle();
  await waitFor(async () => (await o.isSlashed(ts[0]!.task.taskId, D.address)) && (await o.isSlashed(ts[1]!.task.taskId, D.address)), 30_000, 'D slashed for tasks 1 and 2');
  expect(await o.isSlashed(ts[2]!.task.taskId, D.address)).toBe(false);
  for (const t of ts) for (const op of [A, B, C]) expect({ task: t.task.taskId, op: op.address, slashed: await o.isSlashed(t.task.taskId, op.address) }).toEqual({ task: t.task.taskId, op: op.address, slashed: false });
  for (const [i, t] of ts.entries()) {
    const res = await o.queryFilter(o.filters.TaskResponded(t.task.taskId), w.deployment.startBlock, 'latest');
    expect({ i, n: res.length, output: res[0]?.args.output }).toEqual({ i, n: 1, output: honest[i] });
  }
});

test('an abstained (refused) task: the batch finalises the others and leaves that one pending', async () => {
  const ts = await requestTasksInOneBlock(w, 3);
  const outputs = [out(0x21), null, out(0x23)];
  for (const op of w.operators.slice(0, 3)) expect((await post('/v1/batches', signedBatch(w, op, ts, outputs))).status).toBe(202);
  await finalised(ts[0]!);
  await finalised(ts[2]!);
  const [status] = await oracle().taskStatus(ts[1]!.task.taskId);
  expect(Number(status)).toBe(1); // TaskStatus.Pending
  expect(await agg.store.getStatus(ts[1]!.task.taskId.toString())).toBe('pending');
  // The abstained task can still be answered by the per-task path.
  for (const op of w.operators.slice(0, 3)) expect((await post('/v1/responses', signedResponse(w, op, ts[1]!, out(0x22)))).status).toBe(202);
  await finalised(ts[1]!);
  const r = await responded(ts);
  expect([...r.values()].map((v) => v.length)).toEqual([1, 1, 1]);
  expect(r.get(ts[1]!.task.taskId.toString())![0]).not.toBe(r.get(ts[0]!.task.taskId.toString())![0]);
});

test('a task of a pending batch that reaches a per-task quorum first is answered once: the batch answers the rest', async () => {
  const ts = await requestTasksInOneBlock(w, 3);
  const outputs = ts.map((_, i) => out(0x31 + i));
  // Per-task quorum on the first task before any batch signature.
  for (const op of w.operators.slice(0, 3)) expect((await post('/v1/responses', signedResponse(w, op, ts[0]!, outputs[0]!))).status).toBe(202);
  await finalised(ts[0]!);
  // The batch still carries it (the root is over every task); the contract skips it.
  for (const op of w.operators.slice(0, 3)) expect((await post('/v1/batches', signedBatch(w, op, ts, outputs))).status).toBe(202);
  await finalised(ts[1]!);
  await finalised(ts[2]!);
  const r = await responded(ts);
  expect([...r.values()].map((v) => v.length)).toEqual([1, 1, 1]);
  const batchLogs = await oracle().queryFilter(oracle().filters.BatchResponded(), w.deployment.startBlock, 'latest');
  const tx = r.get(ts[1]!.task.taskId.toString())![0]!;
  expect(batchLogs.filter((l) => l.transactionHash === tx).map((l) => Number(l.args.answered))).toEqual([2]);

  // A batch whose every task is already answered: NothingAnswered is success, no transaction mined.
  const ts2 = await requestTasksInOneBlock(w, 2);
  const outs2 = [out(0x41), out(0x42)];
  for (const t of ts2) for (const op of w.operators.slice(0, 3)) await post('/v1/responses', signedResponse(w, op, t, outs2[ts2.indexOf(t)]!));
  for (const t of ts2) await finalised(t);
  const nonce = await w.provider.getTransactionCount(submitter);
  const answers = [];
  for (const op of w.operators.slice(0, 3)) answers.push((await post('/v1/batches', signedBatch(w, op, ts2, outs2))).status);
  expect(answers).toEqual([410, 410, 410]);
  expect(await w.provider.getTransactionCount(submitter)).toBe(nonce);
});

/**
 * Four tasks in one block with the quorum configuration changed twice inside it by the owner:
 * t1, t2 at 6667 bps, t3 at 7500, t4 at 6667 again. The protocol's batches of the block are
 * [t1, t2], [t3] and [t4]; [t1, t4] shares one reference block and one configuration and has the
 * batch id of [t1, t2] (first task, two leaves). One sender (the owner) in nonce order fixes the order.
 */
async function requestTasksAcrossConfigChanges(): Promise<T[]> {
  const owner = new NonceManager(new Wallet(w.anvil.accounts[0]!.privateKey, w.provider));
  const o = bindings.InferenceOracle__factory.connect(w.deployment.avs.inferenceOracle, owner);
  const request = () => o.requestInference(MODEL_ID, hexlify(Uint8Array.from([1, 1, 0, 0, 0, ...randomBytes(8)])), '0x0000000000000000000000000000000000000000', 0, { value: FEE, gasLimit: 1_000_000n });
  await w.provider.send('evm_setAutomine', [false]);
  const sent = [];
  try {
    sent.push(await request(), await request());
    await o.setQuorumConfig('0x00', [7500], { gasLimit: 500_000n });
    sent.push(await request());
    await o.setQuorumConfig('0x00', [6667], { gasLimit: 500_000n });
    sent.push(await request());
    await w.provider.send('evm_mine', []);
  } finally {
    await w.provider.send('evm_setAutomine', [true]);
  }
  const topic = o.interface.getEvent('TaskCreated').topicHash;
  const ts: T[] = [];
  for (const tx of sent) {
    const receipt = await waitForReceipt(tx);
    const log = receipt!.logs.find((l) => l.address.toLowerCase() === w.deployment.avs.inferenceOracle.toLowerCase() && l.topics[0] === topic)!;
    const c = parseTaskCreatedLog(log, w.deployment.avs.inferenceOracle);
    ts.push({ task: c.task, taskHash: taskHash(c.task) });
  }
  return ts;
}

test('batch boundaries: a non-canonical batch posted first under the canonical batch id is refused; the honest batch lands with one respondToBatch', async () => {
  const ts = await requestTasksAcrossConfigChanges();
  const [t1, t2, t3, t4] = ts as [T, T, T, T];
  expect(ts.map((t) => [t.task.referenceBlock, t.task.quorumThresholdBps[0]])).toEqual([6667, 6667, 7500, 6667].map((b) => [t1.task.referenceBlock, b]));
  const [A, B, C, D] = w.operators as [World['operators'][number], World['operators'][number], World['operators'][number], World['operators'][number]];
  const nonceBefore = await w.provider.getTransactionCount(submitter);
  // D, a registered operator, is first, with honest outputs, over [t1, t4]: the batch id of [t1, t2].
  const first = await post('/v1/batches', signedBatch(w, D, [t1, t4], [out(0x71), out(0x74)]));
  // Other lists that are not one of the block's batches: a superset from the block, a subset.
  const others = [];
  for (const list of [[t1, t2, t4], [t2], [t1]]) others.push((await post('/v1/batches', signedBatch(w, D, list, list.map((t) => out(0x70 + ts.indexOf(t) + 1))))).json.code);
  // The honest operators sign the canonical batch [t1, t2].
  const honest = [];
  for (const op of [A, B, C]) honest.push((await post('/v1/batches', signedBatch(w, op, [t1, t2], [out(0x71), out(0x72)]))).json);
  expect(honest).toEqual([
    { status: 'accepted', quorumReached: false },
    { status: 'accepted', quorumReached: false },
    { status: 'accepted', quorumReached: true },
  ]);
  await finalised(t1);
  await finalised(t2);
  const r = await responded([t1, t2]);
  expect([...r.values()].map((v) => v.length)).toEqual([1, 1]);
  const txs = new Set([...r.values()].flat());
  expect(txs.size).toBe(1);
  const batchLogs = await oracle().queryFilter(oracle().filters.BatchResponded(), w.deployment.startBlock, 'latest');
  expect(batchLogs.filter((l) => txs.has(l.transactionHash)).map((l) => Number(l.args.answered))).toEqual([2]);
  expect(await w.provider.getTransactionCount(submitter)).toBe(nonceBefore + 1);
  const batchId = `${t1.task.referenceBlock}-${t1.task.taskId}-2`;
  expect(await (await fetch(`${base}/v1/batches/${batchId}`)).json()).toMatchObject({ batchId, status: 'done', tasks: 2 });
  // D was refused, with the code that says why, and nothing of it was recorded.
  expect([first.status, first.json.code]).toEqual([422, 'ERR_BATCH_NOT_CANONICAL']);
  expect(String(first.json.message)).toContain(batchId);
  expect(others).toEqual(['ERR_BATCH_NOT_CANONICAL', 'ERR_BATCH_NOT_CANONICAL', 'ERR_BATCH_NOT_CANONICAL']);
  expect(await agg.batches.getSignature(batchId, D.operatorId)).toBeNull();
  expect(await agg.batches.getLeaf(t4.task.taskId.toString(), D.operatorId)).toBeNull();
  // The single tasks of the block are untouched (the per-task path answers them).
  for (const t of [t3, t4]) expect(await agg.store.getStatus(t.task.taskId.toString())).toBe('pending');
  const metrics = await (await fetch(`${base}/metrics`)).text();
  expect(metrics).toMatch(/aioracle_aggregator_batches_received_total\{outcome="ERR_BATCH_NOT_CANONICAL"\} 4\b/);
});

describe('send guard: a task is never in a respondToTask and a respondToBatch in flight at once', () => {
  /** Transactions of the submitter in the mempool (blocks are mined only when the test says so). */
  const inFlight = async (): Promise<number> => (await w.provider.getTransactionCount(submitter, 'pending')) - (await w.provider.getTransactionCount(submitter, 'latest'));
  const mineNow = async (): Promise<void> => {
    await w.provider.send('evm_setAutomine', [true]);
    await w.provider.send('evm_mine', []);
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  test('a batch in flight: the per-task quorum of one of its tasks sends nothing, and the batch answers it', async () => {
    const ts = await requestTasksInOneBlock(w, 3);
    const outputs = ts.map((_, i) => out(0x81 + i));
    const nonceBefore = await w.provider.getTransactionCount(submitter);
    await w.provider.send('evm_setAutomine', [false]);
    try {
      for (const op of w.operators.slice(0, 3)) expect((await post('/v1/batches', signedBatch(w, op, ts, outputs))).status).toBe(202);
      await waitFor(async () => (await inFlight()) === 1, 15_000, 'the respondToBatch in the mempool');
      // The operators' per-task fallback for the first task reaches its own quorum meanwhile.
      for (const op of w.operators.slice(0, 3)) expect((await post('/v1/responses', signedResponse(w, op, ts[0]!, outputs[0]!))).status).toBe(202);
      await waitFor(async () => (await agg.store.getStatus(ts[0]!.task.taskId.toString())) === 'quorum', 10_000, 'per-task quorum');
      await sleep(1_500); // the direct attempt and several job attempts
      expect(await inFlight()).toBe(1);
      await mineNow();
    } finally {
      await w.provider.send('evm_setAutomine', [true]);
    }
    for (const t of ts) await finalised(t);
    const r = await responded(ts);
    expect([...r.values()].map((v) => v.length)).toEqual([1, 1, 1]);
    expect(new Set([...r.values()].flat()).size).toBe(1);
    // The per-task job ends without a transaction: one transaction in all.
    await waitFor(async () => (await agg.queues.submit.getJobState(`submit-${ts[0]!.task.taskId}`)) === 'completed', 10_000, 'submit job completed');
    expect(await w.provider.getTransactionCount(submitter)).toBe(nonceBefore + 1);
  });

  test('a respondToTask in flight: the batch holding that task waits for it, then answers the rest', async () => {
    const ts = await requestTasksInOneBlock(w, 3);
    const outputs = ts.map((_, i) => out(0x91 + i));
    const nonceBefore = await w.provider.getTransactionCount(submitter);
    await w.provider.send('evm_setAutomine', [false]);
    try {
      for (const op of w.operators.slice(0, 3)) expect((await post('/v1/responses', signedResponse(w, op, ts[1]!, outputs[1]!))).status).toBe(202);
      await waitFor(async () => (await inFlight()) === 1, 15_000, 'the respondToTask in the mempool');
      for (const op of w.operators.slice(0, 3)) expect((await post('/v1/batches', signedBatch(w, op, ts, outputs))).status).toBe(202);
      const batchId = `${ts[0]!.task.referenceBlock}-${ts[0]!.task.taskId}-3`;
      await waitFor(async () => ((await (await fetch(`${base}/v1/batches/${batchId}`)).json()) as { status: string }).status === 'quorum', 10_000, 'batch quorum');
      await sleep(1_500);
      expect(await inFlight()).toBe(1);
      await mineNow();
    } finally {
      await w.provider.send('evm_setAutomine', [true]);
    }
    for (const t of ts) await finalised(t);
    const r = await responded(ts);
    expect([...r.values()].map((v) => v.length)).toEqual([1, 1, 1]);
    const taskTx = r.get(ts[1]!.task.taskId.toString())![0]!;
    const batchTx = r.get(ts[0]!.task.taskId.toString())![0]!;
    expect(r.get(ts[2]!.task.taskId.toString())![0]).toBe(batchTx);
    expect(batchTx).not.toBe(taskTx);
    const batchLogs = await oracle().queryFilter(oracle().filters.BatchResponded(), w.deployment.startBlock, 'latest');
    expect(batchLogs.filter((l) => l.transactionHash === batchTx).map((l) => Number(l.args.answered))).toEqual([2]);
    // Two transactions, neither reverted.
    expect(await w.provider.getTransactionCount(submitter)).toBe(nonceBefore + 2);
    for (const h of [taskTx, batchTx]) expect((await w.provider.getTransactionReceipt(h))!.status).toBe(1);
  });
});
