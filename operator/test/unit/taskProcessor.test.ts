import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getAddress } from 'ethers';
import { Registry } from 'prom-client';
import { blsVerify, g1FromSolidity, generateBlsKeyPair, initBls, outputHash, responseDigest } from '@aioracle/sdk';
import { AggregatorClient, getMetrics, ModelStore, SigningLog, TaskProcessor, type ModelChainSource } from '../../src/index.js';
import { startStubAggregator, type StubAggregator } from '../helpers/stubAggregator.js';
import { DEMO_MODEL_ID, makeJob, MODELS_DIR, sample } from '../helpers/tasks.js';

const ORACLE = '0x00000000000000000000000000000000000000aa';

describe('TaskProcessor: sign good tasks, reject bad input without signing', () => {
  let dir: string;
  let stub: StubAggregator;
  let log: SigningLog;
  let processor: TaskProcessor;
  let register: Registry;
  let active = true;
  const kp = { current: null as ReturnType<typeof generateBlsKeyPair> | null };

  beforeAll(async () => {
    await initBls();
    kp.current = generateBlsKeyPair();
    dir = mkdtempSync(join(tmpdir(), 'proc-'));
    stub = await startStubAggregator();
    log = await SigningLog.open({ path: join(dir, 'signing.log') });
    register = new Registry();
    const metrics = getMetrics(register);
    const idx = (await import(`${MODELS_DIR}/index.json`, { with: { type: 'json' } })).default as { modelId: string; manifestHash: string; onnxHash: string; profile: string }[];
    const chain: ModelChainSource = {
      getModel: async (id) => {
        const m = idx.find((x) => x.modelId === id);
        if (!m) throw Object.assign(new Error('unknown'), { code: 'ERR_CHAIN_MODEL_UNKNOWN' });
        return { modelId: id, manifestHash: m.manifestHash, onnxHash: m.onnxHash, uri: '', profile: m.profile as 'exact-int', tolerance: 0, fee: 0n, slashWad: 0n, active };
      },
    };
    const models = new ModelStore({ dir: MODELS_DIR, chainCacheMs: 0 }, { chain, metrics });
    processor = new TaskProcessor(
      { chainId: 31337, oracle: ORACLE },
      { keyPair: kp.current, models, signingLog: log, aggregators: new AggregatorClient({ urls: [stub.url], attempts: 1 }), headBlock: () => 100, metrics },
    );
  });
  afterAll(async () => {
    await log.close();
    await stub.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the demo model, produces the expected canonical output and a verifying signature', async () => {
    const job = makeJob(1);
    const out = await processor.process(job);
    expect(out.output).toBe(sample.expected.outputBytes);
    expect(out.outputHash).toBe(sample.expected.outputHash);
    const digest = responseDigest({ chainId: 31337, oracle: getAddress(ORACLE), taskHash: job.taskHash, outputHash: out.outputHash });
    expect(blsVerify(g1FromSolidity(out.signature), kp.current!.publicKeyG2, digest)).toBe(true);
    expect(stub.received.at(-1)).toMatchObject({ taskId: '1', output: sample.expected.outputBytes, operatorId: processor.operatorId });
  });

  const bad: [string, () => ReturnType<typeof makeJob>, string, string][] = [
    ['truncated input', () => makeJob(10, sample.inputBytes.slice(0, -4)), 'ERR_TENSOR_TRUNCATED', 'bad_input'],
    ['trailing bytes', () => makeJob(11, `${sample.inputBytes}00`), 'ERR_TENSOR_TRAILING', 'bad_input'],
    ['batch over maxBatch', () => makeJob(12, '0x01ffff0000'), 'ERR_TENSOR_BATCH', 'bad_input'],
    ['unknown model', () => makeJob(13, sample.inputBytes, { modelId: `0x${'ab'.repeat(32)}` }), 'ERR_OPERATOR_MODEL_UNKNOWN', 'model_unknown'],
    ['expired task', () => makeJob(14, sample.inputBytes, { referenceBlock: 5, deadlineBlock: 50 }), 'ERR_OPERATOR_TASK_EXPIRED', 'expired'],
    ['input not matching inputHash', () => ({ ...makeJob(15), input: '0x010100000000' }), 'ERR_OPERATOR_BAD_INPUT', 'bad_input'],
    ['tampered taskHash', () => ({ ...makeJob(16), taskHash: `0x${'00'.repeat(32)}` }), 'ERR_OPERATOR_BAD_JOB', 'bad_task'],
    ['garbage job', () => ({ task: { taskId: 'x' }, taskHash: '', input: 'zz', seenAt: 0 }) as never, 'ERR_OPERATOR_BAD_JOB', 'bad_task'],
  ];
  it.each(bad)('%s → %s, not signed, counted as %s', async (_name, job, code, reason) => {
    const before = stub.received.length;
    const sizeBefore = log.size;
    await expect(processor.process(job())).rejects.toMatchObject({ code, retryable: false });
    expect(stub.received.length).toBe(before);
    expect(log.size).toBe(sizeBefore);
    expect(await register.getSingleMetricAsString('aioracle_operator_tasks_rejected_total')).toContain(`reason="${reason}"`);
  });

  it('refuses an inactive model', async () => {
    active = false;
    try {
      await expect(processor.process(makeJob(20))).rejects.toMatchObject({ code: 'ERR_OPERATOR_MODEL_INACTIVE' });
    } finally {
      active = true;
    }
  });

  it('refuses to sign a different output for a task already signed', async () => {
    const job = makeJob(30);
    // Simulate an earlier signature over another output for the same task.
    await log.record(SigningLog.key(ORACLE, 30n), job.taskHash, outputHash(Uint8Array.from([1, 2, 3])));
    await expect(processor.process(job)).rejects.toMatchObject({ code: 'ERR_OPERATOR_EQUIVOCATION' });
    expect(DEMO_MODEL_ID).toMatch(/^0x/);
  });
});
