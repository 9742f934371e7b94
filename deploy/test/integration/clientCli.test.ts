/**
 * @jest-environment ../jest.typedArraysEnvironment.mjs
 */
/**
 * The `aioracle` client CLI against a real anvil and the real contracts, with four operators
 * registered with real BLS keys. The tests play the operators and the aggregator themselves: they
 * read the task, compute the model's output with the sdk runtime (the pinned onnxruntime, as
 * operators do), BLS-sign it and submit respondToTask with the sdk's non-signer data. The CLI runs
 * in-process through runCli (jest shares onnxruntime's typed arrays through the docblock's
 * environment), and once as the built bin in a child process.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  ChainReader,
  batchDigest,
  batchLeaf,
  batchesOf,
  bindings,
  merkleRoot,
  blsSign,
  buildNonSignerData,
  loadModelDir,
  nonSignerDataToAbi,
  outputHash,
  responseDigest,
  runInference,
  taskAbiValue,
  writeDeploymentFile,
  type CreatedTask,
  type G1Point,
  type LoadedModel,
} from '@aioracle/sdk';
import { runCli } from '@aioracle/sdk/cli';
import { hexlify } from 'ethers';
import { createFeed } from '../../src/index.js';
import { buildWorld, type World } from './world.js';

const REPO = resolve(process.cwd(), '..');
const MODELS = join(REPO, 'config', 'models');
const INT_DIR = join(MODELS, 'liquidation-risk');
const F32_DIR = join(MODELS, 'liquidation-risk-f32');
const E18 = 10n ** 18n;

const readText = (path: string): string => readFileSync(path, 'utf8');

let w: World;
let reader: ChainReader;
let tmp: string;
let deploymentPath: string;
let env: Record<string, string | undefined>;
let intModel: LoadedModel;
let f32Model: LoadedModel;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  json: () => Record<string, unknown>;
}

async function cli(argv: string[], extraEnv: Record<string, string | undefined> = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env: { ...env, ...extraEnv } });
  return { code, stdout, stderr, json: () => JSON.parse(stdout) as Record<string, unknown> };
}

function sign(created: CreatedTask, output: Uint8Array, signers: number[]): Map<string, G1Point> {
  const digest = responseDigest({ chainId: w.anvil.chainId, oracle: w.deployment.avs.inferenceOracle, taskHash: created.taskHash, outputHash: outputHash(output) });
  return new Map(signers.map((i) => [w.operators[i]!.operatorId, blsSign(w.operators[i]!.blsKeyPair.secretKey, digest)]));
}

/** What an aggregator does once the signers' stake meets the quorum: one respondToTask. */
async function respond(created: CreatedTask, output: Uint8Array, signers: number[]): Promise<string> {
  const states = await reader.getQuorumStates(created.task.quorumNumbers, created.task.referenceBlock);
  const data = buildNonSignerData(states, sign(created, output, signers));
  const oracle = bindings.InferenceOracle__factory.connect(w.deployment.avs.inferenceOracle, w.operators[1]!.wallet);
  const receipt = await (await oracle.respondToTask(taskAbiValue(created.task) as never, output, nonSignerDataToAbi(data))).wait();
  return receipt!.hash;
}

/** Waits for TaskCreated of `taskId` (the CLI's request is in flight). */
async function createdTask(taskId: bigint): Promise<CreatedTask> {
  for (let i = 0; i < 400; i++) {
    const c = await reader.getCreatedTask(taskId, w.deployment.startBlock);
    if (c) return c;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`task ${taskId} was never created`);
}

/** With automine off: waits until `n` transactions of the requester (account 0) wait in the pool. */
async function inPool(n: number): Promise<void> {
  const requester = w.anvil.accounts[0]!.address;
  for (let i = 0; i < 400; i++) {
    const pending = Number(await w.provider.send('eth_getTransactionCount', [requester, 'pending']));
    const mined = Number(await w.provider.send('eth_getTransactionCount', [requester, 'latest']));
    if (pending - mined >= n) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${n} requests never reached the pool`);
}

async function nextTaskId(): Promise<bigint> {
  const oracle = bindings.InferenceOracle__factory.connect(w.deployment.avs.inferenceOracle, w.provider);
  return (await oracle.taskCount()) + 1n;
}

/** `request` without --wait, then the operators answer with `output` (default: the model's real output). */
async function requestAndAnswer(dir: string, model: LoadedModel, opts: { signers?: number[]; output?: (real: Uint8Array) => Uint8Array } = {}): Promise<{ taskId: string; real: Uint8Array; output: Uint8Array }> {
  const r = await cli(['request', '--model', dir === INT_DIR ? 'liquidation-risk' : 'liquidation-risk-f32', '--input', join(dir, 'sample-input.json'), '--json']);
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  const taskId = r.json().taskId as string;
  const created = await createdTask(BigInt(taskId));
  const real = await runInference(model, created.input);
  const output = opts.output ? opts.output(real) : real;
  await respond(created, output, opts.signers ?? [0, 1, 2, 3]);
  return { taskId, real, output };
}

beforeAll(async () => {
  w = await buildWorld([100n * E18, 100n * E18, 100n * E18, 100n * E18]);
  reader = new ChainReader(w.provider, w.deployment.avs);
  tmp = mkdtempSync(join(tmpdir(), 'aioracle-cli-'));
  deploymentPath = join(tmp, `${w.anvil.chainId}.json`);
  writeDeploymentFile(deploymentPath, w.deployment);
  env = {
    AIORACLE_RPC_URL: w.anvil.rpcUrl,
    AIORACLE_DEPLOYMENT: deploymentPath,
    AIORACLE_MODELS_DIR: MODELS,
    AIORACLE_PRIVATE_KEY: w.anvil.accounts[0]!.privateKey, // the deployer owns the ModelRegistry
  };
  intModel = await loadModelDir(INT_DIR);
  f32Model = await loadModelDir(F32_DIR);
}, 300_000);

afterAll(async () => {
  await intModel?.session.release?.();
  await f32Model?.session.release?.();
  await w?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('aioracle model', () => {
  test('register: both demo models, idempotent, and recorded in the deployments file', async () => {
    for (const dir of [INT_DIR, F32_DIR]) {
      const first = await cli(['model', 'register', '--manifest', join(dir, 'manifest.json'), '--onnx', join(dir, 'model.onnx'), '--json']);
      expect({ dir, code: first.code, stderr: first.stderr }).toEqual({ dir, code: 0, stderr: '' });
      expect(first.json()).toMatchObject({ created: true });
      const again = await cli(['model', 'register', '--manifest', join(dir, 'manifest.json'), '--onnx', join(dir, 'model.onnx'), '--json']);
      expect({ dir, code: again.code }).toEqual({ dir, code: 0 });
      expect(again.json()).toMatchObject({ created: false, txHash: null, modelId: first.json().modelId });
    }
    const index = JSON.parse(readText(join(MODELS, 'index.json'))) as { modelId: string; manifestHash: string }[];
    const file = JSON.parse(readText(deploymentPath)) as { models: { modelId: string; manifestHash: string }[] };
    expect(file.models.map((m) => m.modelId).sort()).toEqual(index.map((m) => m.modelId).sort());
  });

  test('register refuses an ONNX file that does not match the manifest (exit 2, nothing sent)', async () => {
    const r = await cli(['model', 'register', '--manifest', join(INT_DIR, 'manifest.json'), '--onnx', join(F32_DIR, 'model.onnx')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error ERR_MODEL_ONNX_MISMATCH: /);
  });

  test('list: the registered models with their names and local manifests', async () => {
    const r = await cli(['model', 'list', '--json']);
    expect(r.code).toBe(0);
    const models = r.json().models as { name: string; profile: string; active: boolean; fee: string; local: { matches: boolean } | null }[];
    expect(models.map((m) => [m.name, m.profile, m.active, m.fee, m.local?.matches])).toEqual([
      ['liquidation-risk', 'exact-int', true, '1000000000000000', true],
      ['liquidation-risk-f32', 'exact-wasm', true, '1000000000000000', true],
    ]);
  });
});

describe('aioracle request', () => {
  test('--wait --json: prints the attested output, signers and signed stake once the quorum answers', async () => {
    const taskId = await nextTaskId();
    const pending = cli(['request', '--model', 'liquidation-risk', '--input', join(INT_DIR, 'sample-input.json'), '--wait', '--timeout', '60', '--json']);
    const created = await createdTask(taskId);
    const real = await runInference(intModel, created.input);
    const sample = JSON.parse(readText(join(INT_DIR, 'sample-input.json'))) as { inputBytes: string; expected: { outputBytes: string } };
    expect(hexlify(created.input)).toBe(sample.inputBytes);
    expect(hexlify(real)).toBe(sample.expected.outputBytes);
    await respond(created, real, [0, 1, 2]);
    const r = await pending;
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const j = r.json();
    const ids = w.operators.map((o) => o.operatorId.toLowerCase());
    expect(j).toMatchObject({
      taskId: taskId.toString(),
      modelId: intModel.modelId,
      status: 'responded',
      output: sample.expected.outputBytes,
      decoded: { logits: [0, 1, 2] },
      nonSigners: [ids[3]],
    });
    expect(j.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect([...(j.signers as string[])].sort()).toEqual(ids.slice(0, 3).sort());
    const stake = j.signedStake as { quorum: number; signed: string; total: string; thresholdBps: number }[];
    expect(stake).toHaveLength(w.deployment.quorums.length);
    for (const s of stake) {
      expect({ quorum: s.quorum, ratio: (BigInt(s.signed) * 4n) / BigInt(s.total), threshold: s.thresholdBps }).toEqual({ quorum: s.quorum, ratio: 3n, threshold: w.deployment.thresholdBps });
    }
  }, 120_000);

  test('a malformed input is refused with exit 2 and one error line, before any transaction', async () => {
    const requester = w.anvil.accounts[0]!.address;
    const nonce = await w.provider.getTransactionCount(requester);
    const balance = await w.provider.getBalance(requester);
    const bad = join(tmp, 'bad-input.json');
    writeFileSync(bad, JSON.stringify({ inputs: { features: [[300, ...new Array(21).fill(0)]] } }));
    const r = await cli(['request', '--model', 'liquidation-risk', '--input', bad]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error ERR_TENSOR_VALUE: .+\n$/);
    expect(r.stderr.split('\n')).toHaveLength(2);
    const shape = join(tmp, 'bad-shape.json');
    writeFileSync(shape, JSON.stringify({ inputs: { features: [[1, 2, 3]] } }));
    expect((await cli(['request', '--model', 'liquidation-risk', '--input', shape])).code).toBe(2);
    const notJson = join(tmp, 'not-json.json');
    writeFileSync(notJson, '{ features: ');
    const r3 = await cli(['request', '--model', 'liquidation-risk', '--input', notJson]);
    expect(r3.code).toBe(2);
    expect(r3.stderr).toMatch(/^error ERR_INPUT_INVALID: /);
    expect(await w.provider.getTransactionCount(requester)).toBe(nonce);
    expect(await w.provider.getBalance(requester)).toBe(balance);
  });
});

describe('aioracle task show and audit', () => {
  test('an honest answer: task show, audit and audit --rerun pass (exact-int)', async () => {
    const { taskId, real } = await requestAndAnswer(INT_DIR, intModel);
    const show = await cli(['task', 'show', taskId, '--json']);
    expect(show.code).toBe(0);
    expect(show.json()).toMatchObject({ taskId, status: 'responded', output: hexlify(real), decoded: { logits: [0, 1, 2] }, nonSigners: [] });
    expect(show.json().signers).toHaveLength(4);
    const audit = await cli(['audit', taskId, '--json']);
    expect({ code: audit.code, stderr: audit.stderr }).toEqual({ code: 0, stderr: '' });
    const a = audit.json() as { ok: boolean; checks: { name: string; ok: boolean }[]; rerun: unknown };
    expect(a.ok).toBe(true);
    expect(a.rerun).toBeNull();
    expect(a.checks.map((c) => [c.name, c.ok])).toEqual(
      ['task', 'input', 'status', 'response', 'calldata', 'calldata-match', 'non-signers', 'signature', 'stake'].map((n) => [n, true]),
    );
    const rerun = await cli(['audit', taskId, '--rerun', '--json']);
    expect(rerun.code).toBe(0);
    expect(rerun.json()).toMatchObject({ ok: true, rerun: { ok: true, localOutput: hexlify(real), attestedOutput: hexlify(real) } });
    const human = await cli(['audit', taskId, '--rerun']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/every check passed/);
  }, 120_000);

  test('tasks answered in one batch (respondToBatch): audit checks the Merkle path and the batch signature, audit --rerun passes', async () => {
    // Two requests mined in one block form one batch (protocol.md "Batch attestation").
    const first = await nextTaskId();
    await w.provider.send('evm_setAutomine', [false]);
    let requests: Run[];
    try {
      const request = (): Promise<Run> => cli(['request', '--model', 'liquidation-risk', '--input', join(INT_DIR, 'sample-input.json'), '--json']);
      // one after the other into the pool (each CLI run reads its own nonce), then one block for both
      const a = request();
      await inPool(1);
      const b = request();
      await inPool(2);
      await w.provider.send('evm_mine', []);
      requests = await Promise.all([a, b]);
    } finally {
      await w.provider.send('evm_setAutomine', [true]);
    }
    for (const r of requests) expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const created = await Promise.all([first, first + 1n].map((id) => createdTask(id)));
    expect(created[0]!.task.referenceBlock).toBe(created[1]!.task.referenceBlock);
    const [batch] = batchesOf(created.map((c) => c.task));
    expect(batch!.tasks).toHaveLength(2);
    const outputs = await Promise.all(created.map((c) => runInference(intModel, c.input)));
    const leaves = created.map((c, i) => batchLeaf(c.taskHash, outputHash(outputs[i]!)));
    const digest = batchDigest({ chainId: w.anvil.chainId, oracle: w.deployment.avs.inferenceOracle, referenceBlock: batch!.referenceBlock, batchRoot: merkleRoot(leaves), leafCount: 2 });
    const sigs = new Map(w.operators.map((o) => [o.operatorId, blsSign(o.blsKeyPair.secretKey, digest)]));
    const states = await reader.getQuorumStates(batch!.tasks[0]!.quorumNumbers, batch!.referenceBlock);
    const oracle = bindings.InferenceOracle__factory.connect(w.deployment.avs.inferenceOracle, w.operators[1]!.wallet);
    await (await oracle.respondToBatch(created.map((c) => taskAbiValue(c.task)) as never, outputs, nonSignerDataToAbi(buildNonSignerData(states, sigs)))).wait();
    for (const c of created) {
      const id = c.task.taskId.toString();
      const r = await cli(['audit', id, '--rerun', '--json']);
      expect({ id, code: r.code, stderr: r.stderr }).toEqual({ id, code: 0, stderr: '' });
      const j = r.json() as { ok: boolean; checks: { name: string; ok: boolean; detail: string }[]; rerun: { ok: boolean } };
      expect({ id, ok: j.ok, rerun: j.rerun.ok }).toEqual({ id, ok: true, rerun: true });
      expect(j.checks.find((x) => x.name === 'batch')).toMatchObject({ ok: true, detail: expect.stringMatching(/batch of 2 task/) });
    }
  }, 120_000);

  test('exact-wasm model: one non-signer, audit --rerun passes with onnxruntime-web', async () => {
    const { taskId } = await requestAndAnswer(F32_DIR, f32Model, { signers: [0, 2, 3] });
    const r = await cli(['audit', taskId, '--rerun', '--json']);
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ ok: true, rerun: { ok: true } });
    const show = (await cli(['task', 'show', taskId, '--json'])).json();
    expect(show.nonSigners).toEqual([w.operators[1]!.operatorId.toLowerCase()]);
    const probs = (show.decoded as { probs: number[][] }).probs;
    expect(probs.map((row) => row.indexOf(Math.max(...row)))).toEqual([0, 1, 2]);
  }, 120_000);

  test('every operator signs a wrong output: the signature audit passes, audit --rerun fails with exit 1', async () => {
    const { taskId, output } = await requestAndAnswer(INT_DIR, intModel, { output: () => Uint8Array.from([1, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0]) });
    const plain = await cli(['audit', taskId, '--json']);
    expect(plain.code).toBe(0);
    const r = await cli(['audit', taskId, '--rerun', '--json']);
    expect(r.code).toBe(1);
    const j = r.json() as { ok: boolean; checks: { ok: boolean }[]; rerun: { ok: boolean; localOutput: string; attestedOutput: string } };
    expect(j.ok).toBe(false);
    expect(j.checks.every((c) => c.ok)).toBe(true);
    expect(j.rerun.ok).toBe(false);
    expect(j.rerun.attestedOutput).toBe(hexlify(output));
    expect(j.rerun.localOutput).not.toBe(hexlify(output));
    expect(r.stderr).toMatch(/^error ERR_AUDIT_FAILED: .*rerun/);
  }, 120_000);

  test('unknown and pending tasks', async () => {
    const missing = await cli(['task', 'show', '999999']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error ERR_TASK_NOT_FOUND: /);
    const r = await cli(['request', '--model', 'liquidation-risk', '--input', join(INT_DIR, 'sample-input.json'), '--json']);
    const taskId = r.json().taskId as string;
    expect((await cli(['task', 'show', taskId, '--json'])).json()).toMatchObject({ status: 'pending', output: null });
    const audit = await cli(['audit', taskId, '--json']);
    expect(audit.code).toBe(1);
    expect((audit.json().checks as { name: string; ok: boolean }[]).find((c) => c.name === 'status')).toMatchObject({ ok: false });
  });
});

describe('aioracle feed', () => {
  test('latest: the round a feed task produced, through InferenceFeeds and its adapter', async () => {
    const sample = JSON.parse(readText(join(INT_DIR, 'sample-input.json'))) as { inputBytes: string };
    const feed = await createFeed({
      rpcUrl: w.anvil.rpcUrl,
      ownerKey: w.anvil.accounts[0]!.privateKey,
      deployment: w.deployment,
      modelId: intModel.modelId,
      input: sample.inputBytes,
      decimals: 0,
      answerIndex: 2,
      heartbeat: 60,
      description: 'risk class of position 3',
    });
    writeDeploymentFile(deploymentPath, { ...(JSON.parse(readText(deploymentPath)) as typeof w.deployment), feeds: [feed] });
    const before = await cli(['feed', 'latest', feed.feedId]);
    expect(before.code).toBe(1);
    expect(before.stderr).toMatch(/^error ERR_FEED: .*no answered round/);
    const feeds = bindings.InferenceFeeds__factory.connect(w.deployment.avs.inferenceFeeds, w.operators[2]!.wallet);
    const taskId = await nextTaskId();
    await (await feeds.requestFeedRound(BigInt(feed.feedId), { value: 10n ** 15n })).wait();
    const created = await createdTask(taskId);
    await respond(created, await runInference(intModel, created.input), [0, 1, 2, 3]);
    for (const ref of [feed.feedId, 'risk class of position 3']) {
      const r = await cli(['feed', 'latest', ref, '--json']);
      expect({ ref, code: r.code, stderr: r.stderr }).toEqual({ ref, code: 0, stderr: '' });
      expect(r.json()).toMatchObject({ feedId: feed.feedId, value: '2', answer: '2', decimals: 0, roundId: '1', taskId: taskId.toString(), adapter: feed.adapter, adapterAgrees: true });
      expect(typeof r.json().age).toBe('number');
    }
  }, 120_000);
});

describe('the built bin', () => {
  const bin = join(REPO, 'sdk', 'dist', 'bin', 'aioracle.js');
  const run = promisify(execFile);

  (existsSync(bin) ? test : test.skip)('node sdk/dist/bin/aioracle.js: --help, task show --json, and a bad input exits 2', async () => {
    const childEnv = { ...process.env, ...env } as NodeJS.ProcessEnv;
    const help = await run(process.execPath, [bin, '--help'], { env: childEnv });
    expect(help.stdout).toMatch(/Usage: aioracle/);
    const { taskId } = await requestAndAnswer(INT_DIR, intModel);
    const show = await run(process.execPath, [bin, 'task', 'show', taskId, '--json'], { env: childEnv });
    expect(JSON.parse(show.stdout)).toMatchObject({ taskId, status: 'responded', decoded: { logits: [0, 1, 2] } });
    const audit = await run(process.execPath, [bin, 'audit', taskId, '--rerun', '--json'], { env: childEnv });
    expect(JSON.parse(audit.stdout)).toMatchObject({ ok: true, rerun: { ok: true } });
    const bad = join(tmp, 'bad-bin.json');
    writeFileSync(bad, JSON.stringify({ inputs: { features: [[0.5, ...new Array(21).fill(0)]] } }));
    const err = await run(process.execPath, [bin, 'request', '--model', 'liquidation-risk', '--input', bad], { env: childEnv }).catch((e: unknown) => e as { code: number; stderr: string; stdout: string });
    expect(err).toMatchObject({ code: 2, stdout: '' });
    expect((err as { stderr: string }).stderr).toMatch(/^error ERR_TENSOR_VALUE: /);
  }, 120_000);
});
