/**
 * The aggregation state machine against real Redis with a faked chain (tasks created straight in the
 * store): accept / duplicate / conflict / quorum transition / closed, exact uint96 stake sums under
 * concurrency, and the ingest pipeline's rejections (forged signature found inside a batch); the
 * block index of created tasks (batch boundaries), a batch record that keeps its task list, and the
 * send markers that keep a task out of two transactions in flight at once.
 */
import { BlsSecretKey, blsKeyPairFromSecretKey, blsSign, initBls, noopLogger, operatorIdFromPublicKey, responseDigest, taskHash, taskToJson, type Task } from '@aioracle/sdk';
import { Redis } from 'ioredis';
import { keccak256 } from 'ethers';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encryptKeystoreJsonSync, Wallet } from 'ethers';
import { BatchVerifier } from '../../src/aggregation/batchVerifier.js';
import { ResponseIngest } from '../../src/aggregation/responseIngest.js';
import { TaskContexts } from '../../src/state/taskContexts.js';
import { TaskStore, operatorSetId, requiredStake } from '../../src/state/taskStore.js';
import { BatchStore } from '../../src/state/batchStore.js';
import { loadSubmitterKey } from '../../src/submitterKey.js';
import { TaskActions } from '../../src/queue/taskActions.js';
import { AioracleError } from '@aioracle/sdk';
import { cleanRedis } from '../helpers/world.js';

const NS = `aggtest-state-${process.pid}`;
const ORACLE = '0x' + '12'.repeat(20);
let redis: Redis;
let store: TaskStore;

const E18 = 10n ** 18n;
let keys: ReturnType<typeof blsKeyPairFromSecretKey>[] = [];

function makeTask(id: number): Task {
  return {
    taskId: BigInt(id),
    modelId: ('0x' + '33'.repeat(32)) as Task['modelId'],
    requester: '0x' + '44'.repeat(20) as Task['requester'],
    inputHash: ('0x' + '55'.repeat(32)) as Task['inputHash'],
    referenceBlock: 10,
    deadlineBlock: 30,
    fee: 0n,
    callback: '0x0000000000000000000000000000000000000000' as Task['callback'],
    callbackGasLimit: 0,
    feedId: 0n,
    quorumNumbers: [0],
    quorumThresholdBps: [6667],
  };
}

async function createTask(id: number, stakes: bigint[]): Promise<{ task: Task; hash: string }> {
  const task = makeTask(id);
  const total = stakes.reduce((a, b) => a + b, 0n);
  const ops = keys.slice(0, stakes.length).map((k, i) => ({ id: operatorIdFromPublicKey(k.publicKeyG1).toLowerCase(), address: '0x' + String(i + 1).padStart(40, '0'), stakes: [stakes[i]!.toString()] }));
  await store.saveOperatorKeys(new Map(keys.slice(0, stakes.length).map((k, i) => [ops[i]!.id, { address: ops[i]!.address, g1: k.publicKeyG1.toHex(), g2: k.publicKeyG2.toHex() }])));
  const hash = taskHash(task);
  const set = { quorums: [0], totals: [total.toString()], operators: ops };
  await store.createTask(
    { id: String(id), task: JSON.stringify(taskToJson(task)), taskHash: hash, createdAtMs: Date.now(), blockNumber: 11 },
    { ...set, thresholdsBps: [6667], required: [requiredStake(total, 6667)], opset: operatorSetId(set).id },
  );
  return { task, hash };
}

function body(t: { task: Task; hash: string }, i: number, output: string, sk = keys[i]!.secretKey): Record<string, unknown> {
  const digest = responseDigest({ chainId: 31337n, oracle: ORACLE, taskHash: t.hash, outputHash: keccak256(output) });
  return {
    chainId: 31337,
    oracle: ORACLE,
    taskId: t.task.taskId.toString(),
    taskHash: t.hash,
    operatorId: operatorIdFromPublicKey(keys[i]!.publicKeyG1),
    output,
    signature: blsSign(sk, digest).toSolidityStrings(),
  };
}

beforeAll(async () => {
  await initBls();
  keys = Array.from({ length: 6 }, () => blsKeyPairFromSecretKey(BlsSecretKey.random()));
  redis = new Redis('redis://127.0.0.1:6379');
  store = new TaskStore({ namespace: NS }, { redis });
});
afterAll(async () => {
  await redis.quit();
  await cleanRedis(NS);
});

function ingest(onQuorum: (id: string, h: string) => void = () => undefined): ResponseIngest {
  return new ResponseIngest(
    { chainId: 31337n, oracle: ORACLE },
    {
      store,
      contexts: new TaskContexts({ size: 16 }, { store }),
      verifier: new BatchVerifier({ windowMs: 5, maxBatch: 64 }, { metrics: null }),
      metrics: null,
      logger: noopLogger,
      onQuorum: async (ctx, h) => onQuorum(ctx.id, h),
    },
  );
}

const code = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return err instanceof AioracleError ? err.code : String(err);
  }
};

test('accept, duplicate, conflict, quorum exactly once, closed', async () => {
  const t = await createTask(1, [2n * E18, 1n * E18, 1n * E18, 2n * E18]); // total 6, needs 4.0002 → 5 tokens of signers... ceil
  const quorums: string[] = [];
  const ing = ingest((id) => quorums.push(id));
  expect((await ing.submit(body(t, 0, '0x01'))).status).toBe(202);
  expect((await ing.submit(body(t, 0, '0x01'))).body).toEqual({ status: 'duplicate' });
  expect(await code(ing.submit(body(t, 0, '0x02')))).toBe('ERR_CONFLICTING_RESPONSE');
  expect((await ing.submit(body(t, 1, '0x02'))).body).toEqual({ status: 'accepted', quorumReached: false });
  expect((await ing.submit(body(t, 3, '0x01'))).body).toEqual({ status: 'accepted', quorumReached: false }); // 4 of 6 < 66.67%
  expect((await ing.submit(body(t, 2, '0x01'))).body).toEqual({ status: 'accepted', quorumReached: true }); // 5 of 6
  expect(quorums).toEqual(['1']);
  expect((await store.getTask('1'))!.status).toBe('quorum');
  expect(await store.close('1', 'finalised', { txHash: '0xabc' })).toBe(true);
  expect(await store.close('1', 'finalised')).toBe(false);
  expect(await code(ing.submit(body(t, 1, '0x01')))).toBe('ERR_CONFLICTING_RESPONSE');
  expect(await store.openTaskIds()).not.toContain('1');
});

test('rejections: forged in a batch, unknown operator, unknown task, wrong hash, closed', async () => {
  const t = await createTask(2, [E18, E18, E18, E18, E18]);
  const ing = ingest();
  const results = await Promise.all([
    code(ing.submit(body(t, 0, '0x01'))),
    code(ing.submit(body(t, 1, '0x01', BlsSecretKey.random()))),
    code(ing.submit(body(t, 2, '0x01'))),
  ]);
  expect(results).toEqual(['ok', 'ERR_SIGNATURE_INVALID', 'ok']);
  expect(await code(ing.submit({ ...body(t, 0, '0x01'), operatorId: '0x' + '99'.repeat(32) }))).toBe('ERR_OPERATOR_NOT_REGISTERED');
  expect(await code(ing.submit({ ...body(t, 0, '0x01'), taskId: '777' }))).toBe('ERR_TASK_UNKNOWN');
  expect(await code(ing.submit({ ...body(t, 3, '0x01'), taskHash: '0x' + '00'.repeat(32) }))).toBe('ERR_SIGNATURE_INVALID');
  expect(await code(ing.submit({ ...body(t, 3, '0x01'), oracle: '0x' + '13'.repeat(20) }))).toBe('ERR_SIGNATURE_INVALID');
  expect(await code(ing.submit({ bogus: 1 }))).toBe('ERR_BAD_REQUEST');
  await store.close('2', 'expired');
  expect(await code(ing.submit(body(t, 3, '0x01')))).toBe('ERR_TASK_CLOSED');
});

test('concurrent accepts from two processes sum uint96 stakes exactly and move to quorum once', async () => {
  const stakes = [79228162514264337593543950335n / 8n, 123456789012345678901234567n, 5n, 999999999999999999999n, 1n, 2n ** 70n];
  await createTask(3, stakes);
  const other = new Redis('redis://127.0.0.1:6379');
  const store2 = new TaskStore({ namespace: NS }, { redis: other });
  const snap = (await store.getSnapshot('3'))!;
  const results = await Promise.all(
    snap.operators.flatMap((o, i) => {
      const p = { id: '3', operatorId: o.id, outputHash: '0x' + 'aa'.repeat(32), signature: ['1', '2'] as [string, string], outputHex: '0x01', stakes: o.stakes, required: snap.required, nowMs: Date.now() };
      return [(i % 2 ? store : store2).accept(p), (i % 2 ? store2 : store).accept(p)];
    }),
  );
  await other.quit();
  const accepted = results.filter((r) => r.kind === 'accepted');
  expect(accepted.length).toBe(stakes.length);
  expect(results.filter((r) => r.kind === 'duplicate').length).toBe(stakes.length);
  expect(accepted.filter((r) => r.kind === 'accepted' && r.quorumReached).length).toBe(1);
  const signed = await store.getSigned('3');
  expect(signed.get('0x' + 'aa'.repeat(32))).toEqual([stakes.reduce((a, b) => a + b, 0n).toString()]);
});

test('tasks that see the same operator state share one stored operator set; a changed state gets its own', async () => {
  await createTask(4, [E18, 2n * E18, 3n * E18]);
  await createTask(5, [E18, 2n * E18, 3n * E18]);
  await createTask(6, [E18, 2n * E18, 4n * E18]);
  const sets = await redis.keys(`${NS}:opset:*`);
  const [s4, s5, s6] = await Promise.all(['4', '5', '6'].map((id) => store.getSnapshot(id)));
  expect(s4!.opset).toBe(s5!.opset);
  expect(s6!.opset).not.toBe(s4!.opset);
  expect(sets.sort()).toEqual(expect.arrayContaining([`${NS}:opset:${s4!.opset}`, `${NS}:opset:${s6!.opset}`]));
  expect(s5).toMatchObject({ quorums: [0], thresholdsBps: [6667], totals: [(6n * E18).toString()] });
  expect(s5!.operators.map((o) => o.stakes[0])).toEqual([E18, 2n * E18, 3n * E18].map(String));
  expect(s6!.operators.map((o) => o.stakes[0])).toEqual([E18, 2n * E18, 4n * E18].map(String));
  // A task whose operator set is missing from Redis has no snapshot (never a half one).
  await redis.del(`${NS}:opset:${s6!.opset}`);
  expect(await new TaskStore({ namespace: NS }, { redis }).getSnapshot('6')).toBeNull();
});

test('a task answered on chain is finalised with the answering transaction, never without it', async () => {
  await createTask(5, [E18, E18, E18]);
  const contexts = new TaskContexts({ size: 16 }, { store });
  // The chain as a node mining a block may show it: status 'responded', then the result not readable yet.
  let result: { transactionHash: string; outputHash: string } | null = null;
  const reader = {
    getTaskStatus: async () => ({ status: 'responded', respondedBlock: 12 }),
    getTaskResult: async () => result,
  };
  const actions = new TaskActions(
    { oracle: ORACLE, slashing: false, blockTimeMs: 1000, maxRecheckMs: 1000, attempts: 1, backoffMs: 100 },
    // Only the chain reader and the store are used by syncClosed.
    { store, contexts, reader: reader as never, provider: null as never, txSender: null as never, queues: { expire: { remove: async () => 0 } } as never, metrics: null, logger: noopLogger },
  );
  const ctx = (await contexts.get('5'))!;
  expect(await actions.syncClosed(ctx)).toBe(false);
  expect(await store.getStatus('5')).toBe('pending');
  result = { transactionHash: '0x' + 'ab'.repeat(32), outputHash: '0x' + 'cd'.repeat(32) };
  expect(await actions.syncClosed(ctx)).toBe(true);
  const rec = await store.getTask('5');
  expect({ status: rec?.status, txHash: rec?.txHash, finalOutput: (await redis.hget(store.key('5'), 'finalOutput')) }).toEqual({ status: 'finalised', txHash: result.transactionHash, finalOutput: result.outputHash });
});

test('submitter keystore: decrypts with the password from a file or env, and names no secret on failure', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'aggks-'));
  const w = Wallet.createRandom();
  const ks = encryptKeystoreJsonSync({ address: w.address, privateKey: w.privateKey }, 'pw', { scrypt: { N: 1024 } });
  writeFileSync(join(dir, 'ks.json'), ks);
  writeFileSync(join(dir, 'pw.txt'), 'pw\n');
  expect(await loadSubmitterKey({ keystoreFile: join(dir, 'ks.json'), passwordFile: join(dir, 'pw.txt'), passwordEnv: 'X' })).toBe(w.privateKey);
  expect(await loadSubmitterKey({ keystoreFile: join(dir, 'ks.json'), passwordEnv: 'PW' }, { PW: 'pw' })).toBe(w.privateKey);
  const err = await loadSubmitterKey({ keystoreFile: join(dir, 'ks.json'), passwordEnv: 'PW' }, { PW: 'hunter2-bad' }).then(() => null, (e: unknown) => e as AioracleError);
  if (!err) throw new Error('expected a keystore error');
  expect(err.code).toBe('ERR_SUBMITTER_KEYSTORE');
  expect(err.message).not.toContain('hunter2');
  expect(err.message).not.toContain(w.privateKey.slice(2, 10));
});

test('block index: every created task is in the set of its creation block, once; task JSONs read back in one round trip', async () => {
  const made = [];
  for (const id of [7, 8, 9]) made.push(await createTask(id, [E18, E18, E18]));
  await store.indexTask('8', 11); // the loader's path for a task it meets again
  const ids = await store.blockTaskIds(11);
  expect(ids.filter((id) => ['7', '8', '9'].includes(id)).sort()).toEqual(['7', '8', '9']);
  expect(new Set(ids).size).toBe(ids.length);
  expect(await store.blockTaskIds(12)).toEqual([]);
  const jsons = await store.getTaskJsons(['9', '999']);
  expect([JSON.parse(jsons[0]!).taskId, jsons[1]]).toEqual(['9', null]);
});

test('batch record: a signature over another task list under a recorded batch id is refused (mismatch) and records nothing', async () => {
  const h = async (id: string): Promise<string> => (await store.getTask(id))!.taskHash;
  const batches = new BatchStore({ namespace: NS }, { redis, tasks: store });
  const common = { batchId: '10-7-2', referenceBlock: 10, signature: ['1', '2'] as [string, string], outputs: [null, null], stakes: ['1'], required: ['3'], nowMs: 1, receivedAtMs: 1 };
  expect((await batches.accept({ ...common, operatorId: 'op-a', root: `0x${'aa'.repeat(32)}`, taskIds: ['7', '8'], taskHashes: [await h('7'), await h('8')] })).kind).toBe('accepted');
  expect(await batches.accept({ ...common, operatorId: 'op-b', root: `0x${'bb'.repeat(32)}`, taskIds: ['7', '9'], taskHashes: [await h('7'), await h('9')] })).toEqual({ kind: 'mismatch' });
  expect(await batches.getSignature('10-7-2', 'op-b')).toBeNull();
  expect(await batches.getRootOutputs('10-7-2', `0x${'bb'.repeat(32)}`)).toBeNull();
  expect((await batches.getBatch('10-7-2'))!.taskIds).toEqual(['7', '8']);
});

test('send markers: one owner per task at a time, all or nothing, released only by their owner, lapsing with the lease; a per-task claim on a closed task ends', async () => {
  await createTask(10, [E18]);
  await createTask(11, [E18]);
  const marker = (id: string) => redis.get(store.key(id, 'sending'));
  expect(await store.claimSending(['10', '11'], 'batch:b', 60_000)).toBeNull();
  expect(await store.claimSending(['10'], 'task', 60_000)).toEqual({ taskId: '10', holder: 'batch:b' });
  // The same owner claims again (a retried job, a second process sending the same batch).
  expect(await store.claimSending(['10', '11'], 'batch:b', 60_000)).toBeNull();
  await store.releaseSending(['10', '11'], 'task'); // not the owner: nothing released
  expect([await marker('10'), await marker('11')]).toEqual(['batch:b', 'batch:b']);
  await store.releaseSending(['10', '11'], 'batch:b');
  expect([await marker('10'), await marker('11')]).toEqual([null, null]);
  expect(await store.claimSending(['10'], 'task', 60_000, true)).toBeNull();
  // All or nothing: 11 is free, 10 is not, so the batch claims neither.
  expect(await store.claimSending(['11', '10'], 'batch:c', 60_000)).toEqual({ taskId: '10', holder: 'task' });
  expect(await marker('11')).toBeNull();
  await store.releaseSending(['10'], 'task');
  // A marker left by a process that died lapses with its lease.
  expect(await store.claimSending(['10'], 'batch:c', 100)).toBeNull();
  expect(await store.claimSending(['10'], 'task', 60_000)).toEqual({ taskId: '10', holder: 'batch:c' });
  await new Promise((r) => setTimeout(r, 250));
  expect(await store.claimSending(['10'], 'task', 60_000, true)).toBeNull();
  await store.releaseSending(['10'], 'task');
  // Answered meanwhile (by the other path): the per-task claim takes nothing and says so.
  await store.close('11', 'finalised');
  expect(await store.claimSending(['11'], 'task', 60_000, true)).toEqual({ taskId: '11', holder: null });
  expect(await marker('11')).toBeNull();
});
