/**
 * BatchProcessor with the real demo model and signing log, a local stub standing in as the
 * aggregator (POST /v1/batches), and a recording fallback scheduler: the body sent, the signature
 * over the batch digest of the root recomputed from that body, abstain leaves for refused tasks,
 * equivocation refusal across batch and per-task signing, job validation, byzantine mode.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getAddress } from 'ethers';
import { Registry } from 'prom-client';
import {
  batchDigest,
  batchesOf,
  batchLeaf,
  blsVerify,
  g1FromSolidity,
  generateBlsKeyPair,
  initBls,
  merkleRoot,
  outputHash,
  responseDigest,
  taskFromJson,
} from '@aioracle/sdk';
import {
  AggregatorClient,
  BatchProcessor,
  getMetrics,
  ModelStore,
  SigningLog,
  TaskProcessor,
  type BatchJobData,
  type FallbackScheduler,
  type ModelChainSource,
  type SignedBatch,
  type TaskJobData,
} from '../../src/index.js';
import { startStubAggregator, type StubAggregator } from '../helpers/stubAggregator.js';
import { MODELS_DIR, makeJob, sample } from '../helpers/tasks.js';

const ORACLE = '0x00000000000000000000000000000000000000aa';
const CHAIN = 31337;

/** The batch job the watcher would build for these task jobs. */
function batchJob(jobs: TaskJobData[]): BatchJobData {
  const batches = batchesOf(jobs.map((j) => taskFromJson(j.task)));
  expect(batches).toHaveLength(1);
  const b = batches[0]!;
  const byId = new Map(jobs.map((j) => [j.task.taskId, j]));
  return { batchId: b.batchId, referenceBlock: b.referenceBlock, tasks: b.tasks.map((t) => byId.get(t.taskId.toString())!), seenAt: Date.now() };
}

/** Recomputes leaves, root and digest from a POSTed body, as the aggregator does. */
function digestOfBody(body: SignedBatch): string {
  const leaves = body.tasks.map((t) => batchLeaf(t.taskHash, t.output === null ? null : outputHash(Buffer.from(t.output.slice(2), 'hex'))));
  return batchDigest({ chainId: body.chainId, oracle: body.oracle, referenceBlock: body.referenceBlock, batchRoot: merkleRoot(leaves), leafCount: leaves.length });
}

describe('BatchProcessor', () => {
  let dir: string;
  let stub: StubAggregator;
  let log: SigningLog;
  let register: Registry;
  let models: ModelStore;
  let kp: ReturnType<typeof generateBlsKeyPair>;
  const scheduled: { batchId: string; tasks: TaskJobData[]; dueBlock: number }[] = [];
  const fallback: FallbackScheduler = { schedule: async (batchId, tasks, dueBlock) => void scheduled.push({ batchId, tasks, dueBlock }) };
  let active = true;

  function processor(over: { byzantine?: boolean; urls?: string[] } = {}): BatchProcessor {
    return new BatchProcessor(
      { chainId: CHAIN, oracle: ORACLE, fallbackBlocks: 2, byzantine: over.byzantine ?? false },
      { keyPair: kp, models, signingLog: log, aggregators: new AggregatorClient({ urls: over.urls ?? [stub.url], attempts: 1 }), headBlock: () => 100, fallback, metrics: getMetrics((register = new Registry())) },
    );
  }

  beforeAll(async () => {
    await initBls();
    kp = generateBlsKeyPair();
    dir = mkdtempSync(join(tmpdir(), 'batch-'));
    stub = await startStubAggregator();
    log = await SigningLog.open({ path: join(dir, 'signing.log') });
    const idx = JSON.parse(readFileSync(`${MODELS_DIR}/index.json`, 'utf8')) as { modelId: string; manifestHash: string; onnxHash: string; profile: string }[];
    const chain: ModelChainSource = {
      getModel: async (id) => {
        const m = idx.find((x) => x.modelId === id);
        if (!m) throw Object.assign(new Error('unknown'), { code: 'ERR_CHAIN_MODEL_UNKNOWN' });
        return { modelId: id, manifestHash: m.manifestHash, onnxHash: m.onnxHash, uri: '', profile: m.profile as 'exact-int', tolerance: 0, fee: 0n, slashWad: 0n, active };
      },
    };
    models = new ModelStore({ dir: MODELS_DIR, chainCacheMs: 0 }, { chain });
  });
  afterAll(async () => {
    await log.close();
    await models.close();
    await stub.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    scheduled.length = 0;
    stub.batches.length = 0;
    stub.received.length = 0;
  });

  it('signs a batch once, POSTs the documented body once, and the signature verifies over the root recomputed from it', async () => {
    const bad = { ...makeJob(2), input: '0x010100000000' }; // input does not hash to task.inputHash
    const job = batchJob([makeJob(1), bad, makeJob(3)]);
    expect(job.batchId).toBe('10-1-3');
    const out = await processor().process(job);
    expect(stub.batches).toHaveLength(1);
    expect(stub.received).toHaveLength(0);
    const body = stub.batches[0]!;
    expect(Object.keys(body).sort()).toEqual(['chainId', 'operatorId', 'oracle', 'referenceBlock', 'signature', 'tasks']);
    expect(body).toMatchObject({ chainId: CHAIN, oracle: getAddress(ORACLE), operatorId: expect.stringMatching(/^0x[0-9a-f]{64}$/), referenceBlock: 10 });
    expect(body.tasks).toEqual([
      { taskId: '1', taskHash: job.tasks[0]!.taskHash, output: sample.expected.outputBytes },
      { taskId: '2', taskHash: job.tasks[1]!.taskHash, output: null },
      { taskId: '3', taskHash: job.tasks[2]!.taskHash, output: sample.expected.outputBytes },
    ]);
    expect(body.signature).toEqual(out.signature);
    expect(blsVerify(g1FromSolidity(body.signature), kp.publicKeyG2, digestOfBody(body))).toBe(true);
    expect(out.outputHashes).toEqual([sample.expected.outputHash, null, sample.expected.outputHash]);
    expect(out.abstained).toBe(1);
    // The abstain leaf is the zero-hash leaf; the root is the tree over the three leaves.
    expect(out.root).toBe(merkleRoot([batchLeaf(job.tasks[0]!.taskHash, sample.expected.outputHash), batchLeaf(job.tasks[1]!.taskHash, null), batchLeaf(job.tasks[2]!.taskHash, sample.expected.outputHash)]));
    // Every task recorded (the abstention as bytes32(0)) and the root.
    expect(log.get(SigningLog.key(ORACLE, 2n))).toBe(`0x${'00'.repeat(32)}`);
    expect(log.get(SigningLog.key(ORACLE, 1n))).toBe(sample.expected.outputHash);
    expect(log.getBatch(SigningLog.batchKey(ORACLE, '10-1-3'))).toBe(out.root);
    // Fallback scheduled for the answered tasks only, fallback_blocks after the head.
    expect(scheduled).toEqual([{ batchId: '10-1-3', dueBlock: 102, tasks: [expect.objectContaining({ taskHash: job.tasks[0]!.taskHash, fallback: { batchId: '10-1-3', corrupt: false } }), expect.objectContaining({ taskHash: job.tasks[2]!.taskHash })] }]);
    const text = await register.metrics();
    expect(text).toMatch(/aioracle_operator_batches_signed_total 1/);
    expect(text).toMatch(/aioracle_operator_abstentions_total\{reason="bad_input"\} 1/);
    expect(text).toMatch(/aioracle_operator_batch_size_tasks_bucket\{le="2"\} 0/);
    expect(text).toMatch(/aioracle_operator_batch_size_tasks_bucket\{le="4"\} 1/);
    expect(text).toMatch(/aioracle_operator_tasks_signed_total\{model="liquidation-risk@1.0.0"\} 2/);
  });

  it.each([
    ['truncated input', 20, () => makeJob(21, sample.inputBytes.slice(0, -4)), 'bad_input'],
    ['unknown model', 22, () => makeJob(23, sample.inputBytes, { modelId: `0x${'ab'.repeat(32)}` }), 'model_unknown'],
  ] as const)('%s → abstain leaf, counted by reason', async (_name, first, refused, reason) => {
    const r = refused();
    const job = batchJob([makeJob(first), r]);
    const out = await processor().process(job);
    expect(out.outputHashes).toEqual([sample.expected.outputHash, null]);
    expect(stub.batches[0]!.tasks[1]!.output).toBeNull();
    expect(await register.getSingleMetricAsString('aioracle_operator_abstentions_total')).toContain(`reason="${reason}"} 1`);
    await log.close();
    log = await SigningLog.open({ path: join(dir, 'signing.log') }); // crash-safe: the abstention survives a reopen
    expect(log.get(SigningLog.key(ORACLE, r.task.taskId))).toBe(`0x${'00'.repeat(32)}`);
  });

  it('abstains on an inactive model', async () => {
    active = false;
    try {
      const out = await processor().process(batchJob([makeJob(25)]));
      expect(out.outputHashes).toEqual([null]);
      expect(await register.getSingleMetricAsString('aioracle_operator_abstentions_total')).toContain('reason="model_inactive"} 1');
    } finally {
      active = true;
    }
  });

  it('refuses (signs and sends nothing, writes nothing) a batch holding a task signed alone with another output', async () => {
    const jobs = [makeJob(30), makeJob(31)];
    await log.record(SigningLog.key(ORACLE, 31n), jobs[1]!.taskHash, outputHash(Uint8Array.from([1, 2, 3])));
    const size = log.size;
    await expect(processor().process(batchJob(jobs))).rejects.toMatchObject({ code: 'ERR_OPERATOR_EQUIVOCATION', retryable: false });
    expect(stub.batches).toHaveLength(0);
    expect(log.size).toBe(size);
    expect(log.get(SigningLog.key(ORACLE, 30n))).toBeUndefined();
    expect(await register.getSingleMetricAsString('aioracle_operator_tasks_rejected_total')).toContain('reason="equivocation"} 2');
  });

  it('a task of a signed batch falls back to the same output alone; one it abstained on is never signed alone', async () => {
    const jobs = [makeJob(40), makeJob(41)];
    await processor().process(batchJob(jobs));
    const perTask = new TaskProcessor({ chainId: CHAIN, oracle: ORACLE }, { keyPair: kp, models, signingLog: log, aggregators: new AggregatorClient({ urls: [stub.url], attempts: 1 }), headBlock: () => 100 });
    const alone = await perTask.process(scheduled[0]!.tasks[1]!);
    expect(alone.outputHash).toBe(sample.expected.outputHash);
    expect(blsVerify(g1FromSolidity(alone.signature), kp.publicKeyG2, responseDigest({ chainId: CHAIN, oracle: getAddress(ORACLE), taskHash: jobs[1]!.taskHash, outputHash: alone.outputHash }))).toBe(true);
    expect(stub.received.at(-1)).toMatchObject({ taskId: '41' });
    // Task 21 was abstained on above (a model that is now served): signing it alone is refused.
    await expect(log.record(SigningLog.key(ORACLE, 21n), makeJob(21).taskHash, sample.expected.outputHash)).rejects.toMatchObject({ code: 'ERR_OPERATOR_EQUIVOCATION' });
  });

  it.each([
    ['a batch id that is not the tasks\' batch', (j: BatchJobData) => ({ ...j, batchId: '10-50-3' })],
    ['tasks out of leaf order', (j: BatchJobData) => ({ ...j, tasks: [j.tasks[1]!, j.tasks[0]!] })],
    ['a tampered task hash', (j: BatchJobData) => ({ ...j, tasks: [{ ...j.tasks[0]!, taskHash: `0x${'00'.repeat(32)}` }, j.tasks[1]!] })],
    ['no tasks', (j: BatchJobData) => ({ ...j, tasks: [] })],
  ])('bad job: %s → ERR_OPERATOR_BAD_JOB, nothing signed', async (_name, mutate) => {
    const job = mutate(batchJob([makeJob(50), makeJob(51)]));
    await expect(processor().process(job)).rejects.toMatchObject({ code: 'ERR_OPERATOR_BAD_JOB', retryable: false });
    expect(stub.batches).toHaveLength(0);
    expect(log.get(SigningLog.key(ORACLE, 50n))).toBeUndefined();
  });

  it('an expired batch is refused', async () => {
    const job = batchJob([makeJob(55, sample.inputBytes, { deadlineBlock: 50 })]);
    await expect(processor().process(job)).rejects.toMatchObject({ code: 'ERR_OPERATOR_TASK_EXPIRED' });
  });

  it('devnet byzantine: only the first task of the batch is corrupted, and its fallback repeats the corruption', async () => {
    const out = await processor({ byzantine: true }).process(batchJob([makeJob(60), makeJob(61), makeJob(62)]));
    expect(out.outputHashes[0]).not.toBe(sample.expected.outputHash);
    expect(out.outputHashes.slice(1)).toEqual([sample.expected.outputHash, sample.expected.outputHash]);
    expect(scheduled[0]!.tasks.map((t) => t.fallback?.corrupt)).toEqual([true, false, false]);
    const perTask = new TaskProcessor({ chainId: CHAIN, oracle: ORACLE, byzantine: true }, { keyPair: kp, models, signingLog: log, aggregators: new AggregatorClient({ urls: [stub.url], attempts: 1 }), headBlock: () => 100 });
    expect((await perTask.process(scheduled[0]!.tasks[0]!)).outputHash).toBe(out.outputHashes[0]);
    expect((await perTask.process(scheduled[0]!.tasks[1]!)).outputHash).toBe(sample.expected.outputHash);
  });

  it('no aggregator took it (503) → retryable; the retry re-signs the same batch', async () => {
    stub.script.push(503);
    const job = batchJob([makeJob(70), makeJob(71)]);
    await expect(processor().process(job)).rejects.toMatchObject({ code: 'ERR_OPERATOR_DELIVERY', retryable: true });
    const again = await processor().process(job);
    expect(stub.batches).toHaveLength(2);
    expect(stub.batches[1]).toEqual(stub.batches[0]);
    expect(again.signature).toEqual(stub.batches[0]!.signature);
  });
});
