/**
 * End to end against real Redis and a real anvil with the AVS deployed: operators (real BLS keys,
 * registered through the EigenLayer flow) post signed responses over HTTP; the aggregator reaches
 * quorum, submits respondToTask, slashes dissent, expires tasks without quorum, and rejects bad
 * input with the documented status codes while it keeps working.
 *
 * Stakes per quorum (tokens): A=3 {0,1}, B=4 {0,1}, C=2 {0,1}, D=1 {1}; thresholds 6667 bps in both quorums.
 * Quorum 0 total 9 (needs ≥ 4.5), quorum 1 total 10 (needs ≥ 5).
 */
import { jest } from '@jest/globals';
import { BlsSecretKey, bindings } from '@aioracle/sdk';
import { startAggregator, type Aggregator } from '../../src/index.js';
import { noopLogger } from '@aioracle/sdk';
import { FEE, cleanRedis, createWorld, requestTask, signedResponse, testConfig, waitFor, type World } from '../helpers/world.js';

jest.setTimeout(180_000);

const PREFIX = `aggtest-int-${process.pid}`;
let w: World;
let agg: Aggregator;
let base: string;

const OUT_X = '0x0101000000' + '07000000';
const OUT_Y = '0x0101000000' + '08000000';

async function post(body: unknown, raw?: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${base}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw ?? JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function known(taskId: bigint): Promise<void> {
  await waitFor(() => agg.store.getStatus(taskId.toString()), 15_000, `task ${taskId} loaded`);
}

async function respondedCount(taskId: bigint): Promise<number> {
  const oracle = bindings.InferenceOracle__factory.connect(w.deployment.avs.inferenceOracle, w.provider);
  return (await oracle.queryFilter(oracle.filters.TaskResponded(taskId), 0, 'latest')).length;
}

beforeAll(async () => {
  w = await createWorld([
    // registration splits an operator's magnitude evenly over its quorums: 6 over two quorums = 3 each
    // per quorum: A 3, B 4, C 2 in both; D 1 in quorum 1 only. Totals: quorum 0 9, quorum 1 10; threshold 66.67%.
    { stake: 6n, quorums: [0, 1] },
    { stake: 8n, quorums: [0, 1] },
    { stake: 4n, quorums: [0, 1] },
    { stake: 1n, quorums: [1] },
  ]);
  agg = await startAggregator(testConfig(w, PREFIX), { logger: noopLogger, submitterKey: w.submitterKey });
  base = `http://127.0.0.1:${agg.port}`;
});

afterAll(async () => {
  await agg?.stop();
  await w?.close();
  await cleanRedis(PREFIX);
});

test('the threshold stake in every quorum finalises on chain', async () => {
  const [A, B] = w.operators;
  const t = await requestTask(w);
  await known(t.task.taskId);
  expect((await post(signedResponse(w, A!, t, OUT_X))).json).toEqual({ status: 'accepted', quorumReached: false });
  expect((await post(signedResponse(w, B!, t, OUT_X))).json).toEqual({ status: 'accepted', quorumReached: true }); // q0 7/9, q1 7/10
  await waitFor(async () => (await agg.store.getStatus(t.task.taskId.toString())) === 'finalised', 20_000, 'finalised');
  expect(await respondedCount(t.task.taskId)).toBe(1);
  // A late response to a finalised task is 410.
  expect((await post(signedResponse(w, w.operators[2]!, t, OUT_X))).status).toBe(410);
});

test('two quorums: meeting one quorum is not enough; just below the threshold does not finalise', async () => {
  const [A, B, C, D] = w.operators;
  const t = await requestTask(w);
  await known(t.task.taskId);
  // B+C+D: quorum 1 has 7/10 (met) but quorum 0 has 6/9 = 66.66% < 66.67%.
  expect((await post(signedResponse(w, C!, t, OUT_X))).status).toBe(202);
  expect((await post(signedResponse(w, D!, t, OUT_X))).status).toBe(202);
  const r = await post(signedResponse(w, B!, t, OUT_X));
  expect(r.json).toEqual({ status: 'accepted', quorumReached: false });
  await new Promise((res) => setTimeout(res, 500));
  expect(await agg.store.getStatus(t.task.taskId.toString())).toBe('pending');
  expect(await respondedCount(t.task.taskId)).toBe(0);
  // A brings quorum 0 to 9/9.
  expect((await post(signedResponse(w, A!, t, OUT_X))).json).toEqual({ status: 'accepted', quorumReached: true });
  await waitFor(async () => (await agg.store.getStatus(t.task.taskId.toString())) === 'finalised', 20_000, 'finalised');
  expect(await respondedCount(t.task.taskId)).toBe(1);
});

test('bad requests get the documented 4xx, are counted, and the service keeps working', async () => {
  const [A, B, C] = w.operators;
  const t1 = await requestTask(w);
  const t2 = await requestTask(w);
  await known(t2.task.taskId);
  await known(t1.task.taskId);
  const forged = signedResponse(w, A!, t1, OUT_X, BlsSecretKey.random());
  expect((await post(forged)).status).toBe(422);
  const otherTask = { ...signedResponse(w, A!, t2, OUT_X), taskId: t1.task.taskId.toString(), taskHash: t1.taskHash };
  expect((await post(otherTask)).status).toBe(422);
  const unregistered = { ...signedResponse(w, A!, t1, OUT_X), operatorId: `0x${'ab'.repeat(32)}` };
  const u = await post(unregistered);
  expect(u.status).toBe(403);
  expect(u.json.code).toBe('ERR_OPERATOR_NOT_REGISTERED');
  const big = await post(null, JSON.stringify({ pad: 'x'.repeat(70_000) }));
  expect(big.status).toBe(413);
  expect(big.json.code).toBe('ERR_BODY_TOO_LARGE');
  expect((await post(null, '{"chainId": 1,')).status).toBe(400);
  const badSchema = await post({ ...signedResponse(w, A!, t1, OUT_X), taskId: 'x' });
  expect(badSchema.status).toBe(400);
  expect(String(badSchema.json.message)).toContain('taskId');
  expect((await post({ ...signedResponse(w, A!, t1, OUT_X), taskId: '999999', taskHash: t1.taskHash })).status).toBe(404);
  expect((await post({ ...signedResponse(w, A!, t1, OUT_X), chainId: 1 })).status).toBe(422);
  // Still works: accepted, duplicate, conflict, then quorum.
  expect((await post(signedResponse(w, A!, t1, OUT_X))).status).toBe(202);
  expect((await post(signedResponse(w, A!, t1, OUT_X))).json).toEqual({ status: 'duplicate' });
  const conflict = await post(signedResponse(w, A!, t1, OUT_Y));
  expect(conflict.status).toBe(409);
  expect((await post(signedResponse(w, C!, t1, OUT_X))).json).toEqual({ status: 'accepted', quorumReached: false }); // q0 5/9
  expect((await post(signedResponse(w, B!, t1, OUT_X))).json).toEqual({ status: 'accepted', quorumReached: true });
  await waitFor(async () => (await agg.store.getStatus(t1.task.taskId.toString())) === 'finalised', 20_000, 'finalised');
  const metrics = await (await fetch(`${base}/metrics`)).text();
  for (const code of ['ERR_SIGNATURE_INVALID', 'ERR_OPERATOR_NOT_REGISTERED', 'ERR_BODY_TOO_LARGE', 'ERR_BAD_REQUEST', 'ERR_TASK_UNKNOWN', 'ERR_CONFLICTING_RESPONSE']) {
    expect(metrics).toMatch(new RegExp(`aioracle_aggregator_responses_rejected_total\\{reason="${code}"\\} [1-9]`));
  }
  // Counted on the chain-writer thread, relayed to this process's one registry.
  expect(metrics).toMatch(/aioracle_aggregator_submissions_total\{outcome="sent"\} [1-9]/);
  expect(metrics).toMatch(/aioracle_aggregator_tasks_finalised_total [1-9]/);
  const view = (await (await fetch(`${base}/v1/tasks/${t1.task.taskId}`)).json()) as { status: string; txHash: string };
  expect(view.status).toBe('finalised');
  expect(view.txHash).toMatch(/^0x[0-9a-f]{64}$/);
  expect((await fetch(`${base}/healthz`)).status).toBe(200);
});

test('a dissenting operator is slashed on chain and an honest one is not', async () => {
  const [A, B, C] = w.operators;
  const t = await requestTask(w);
  await known(t.task.taskId);
  expect((await post(signedResponse(w, C!, t, OUT_Y))).status).toBe(202); // dissent, before quorum
  expect((await post(signedResponse(w, A!, t, OUT_X))).status).toBe(202);
  expect((await post(signedResponse(w, B!, t, OUT_X))).json).toEqual({ status: 'accepted', quorumReached: true });
  const oracle = bindings.InferenceOracle__factory.connect(w.deployment.avs.inferenceOracle, w.provider);
  await waitFor(() => oracle.isSlashed(t.task.taskId, C!.address), 30_000, 'C slashed');
  expect(await oracle.isSlashed(t.task.taskId, A!.address)).toBe(false);
  expect(await oracle.isSlashed(t.task.taskId, B!.address)).toBe(false);
  const logs = await oracle.queryFilter(oracle.filters.DissenterSlashed(t.task.taskId), 0, 'latest');
  expect(logs.length).toBe(1);
});

test('a task without quorum expires after its deadline and the requester is refunded', async () => {
  const [A] = w.operators;
  const t = await requestTask(w);
  await known(t.task.taskId);
  expect((await post(signedResponse(w, A!, t, OUT_X))).json).toEqual({ status: 'accepted', quorumReached: false });
  const oracle = bindings.InferenceOracle__factory.connect(w.deployment.avs.inferenceOracle, w.provider);
  await w.provider.send('anvil_mine', ['0x20']);
  await waitFor(async () => (await agg.store.getStatus(t.task.taskId.toString())) === 'expired', 30_000, 'expired');
  const logs = await oracle.queryFilter(oracle.filters.TaskExpired(t.task.taskId), 0, 'latest');
  expect(logs.length).toBe(1);
  expect(logs[0]!.args.refund).toBe(FEE);
  expect(logs[0]!.args.requester).toBe(w.requesterAddress);
  expect((await post(signedResponse(w, w.operators[1]!, t, OUT_X))).status).toBe(410);
});
