/**
 * The `aioracle` CLI without a chain: argument and input validation (exit 2, one stderr line,
 * nothing connected), key loading, input/output JSON shapes, and the audit's checks on a fake
 * chain reader holding a real BLS attestation (and the same attestation tampered with).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Wallet, ZeroAddress, encryptKeystoreJsonSync, getBytes, hexlify, keccak256, solidityPackedKeccak256 } from 'ethers';
import {
  AioracleError,
  BlsSecretKey,
  aggregatePublicKeysG1,
  aggregatePublicKeysG2,
  aggregateSignatures,
  auditTask,
  blsKeyPairFromSecretKey,
  blsSign,
  compareRerun,
  initBls,
  manifestHash,
  operatorIdFromPublicKey,
  outputHash,
  parseManifest,
  responseDigest,
  batchDigest,
  batchLeaf,
  merkleRoot,
  taskHash,
  type AttestationSource,
  type BlsKeyPair,
  type CreatedTask,
  type Deployment,
  type Manifest,
  type ModelInfo,
  type QuorumOperatorState,
  type RespondCall,
  type Task,
  type TaskResult,
} from '../../src/index.js';
import { decodedOutputJson, encodeInputJson, findLocalModel, loadSigner, runCli, type ChainContext, type Connect } from '../../src/cli/index.js';

const MODELS = resolve(process.cwd(), '..', 'config', 'models');
const INT = JSON.parse(readFileSync(join(MODELS, 'liquidation-risk', 'manifest.json'), 'utf8')) as unknown;
const SAMPLE = JSON.parse(readFileSync(join(MODELS, 'liquidation-risk', 'sample-input.json'), 'utf8')) as { inputs: Record<string, number[][]>; inputBytes: string; expected: { outputBytes: string } };
const ORACLE = '0x00000000000000000000000000000000000000a1';
const CHAIN_ID = 31337n;
const KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';

let tmp: string;
let manifest: Manifest;

const deployment = (): Deployment => ({
  version: 1,
  chainId: Number(CHAIN_ID),
  deployer: '0x00000000000000000000000000000000000000d0',
  startBlock: 1,
  deployedAt: '2026-01-01T00:00:00.000Z',
  core: { delegationManager: '0x00000000000000000000000000000000000000c1', strategyManager: '0x00000000000000000000000000000000000000c2', allocationManager: '0x00000000000000000000000000000000000000c3', permissionController: '0x00000000000000000000000000000000000000c4', deployedByUs: true },
  devnet: null,
  avs: { inferenceOracle: ORACLE, operatorRegistry: '0x00000000000000000000000000000000000000a2', modelRegistry: '0x00000000000000000000000000000000000000a3', inferenceFeeds: '0x00000000000000000000000000000000000000a4' },
  quorums: [],
  responseWindowBlocks: 20,
  thresholdBps: 6667,
  models: [],
  feeds: [],
});

interface Out {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(argv: string[], env: Record<string, string | undefined> = {}, connect?: Connect): Promise<Out & { connected: number }> {
  let stdout = '';
  let stderr = '';
  let connected = 0;
  const refuse: Connect = () => {
    connected++;
    throw new AioracleError('ERR_RPC', 'no chain in unit tests');
  };
  const counting: Connect | undefined = connect
    ? (url, d) => {
        connected++;
        return connect(url, d);
      }
    : undefined;
  const code = await runCli(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env: { AIORACLE_MODELS_DIR: MODELS, ...env } }, { connect: counting ?? refuse });
  return { code, stdout, stderr, connected };
}

beforeAll(async () => {
  await initBls();
  tmp = mkdtempSync(join(tmpdir(), 'aioracle-cli-unit-'));
  manifest = parseManifest(INT);
  writeFileSync(join(tmp, 'deployment.json'), JSON.stringify(deployment()));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('usage errors: exit 2, one `error CODE: message` line, nothing connected', () => {
  const cases: [string, string[], RegExp][] = [
    ['unknown command', ['frobnicate'], /^error ERR_USAGE: unknown command 'frobnicate'/],
    ['missing --model', ['request', '--input', 'x.json'], /^error ERR_USAGE: required option '--model <id>' not specified/],
    ['bad task id', ['task', 'show', 'abc'], /^error ERR_USAGE: Task id "abc" must be a decimal integer/],
    ['task id 0', ['audit', '0'], /^error ERR_USAGE: /],
    ['bad --timeout', ['request', '--model', 'm', '--input', 'i', '--timeout', '-1'], /^error ERR_USAGE: option '--timeout <seconds>' argument '-1' is invalid/],
    ['no deployments file', ['task', 'show', '1'], /^error ERR_DEPLOYMENT_MISSING: No deployments file: pass --deployment FILE or set AIORACLE_DEPLOYMENT/],
    ['unknown model', ['request', '--model', 'no-such-model', '--input', 'x.json'], /^error ERR_MODEL_NOT_FOUND: Model "no-such-model" is not in the models directory .*liquidation-risk@1\.0\.0/],
  ];
  test.each(cases)('%s', async (_name, argv, re) => {
    const r = await cli(argv);
    expect({ code: r.code, connected: r.connected, stdout: r.stdout }).toEqual({ code: 2, connected: 0, stdout: '' });
    expect(r.stderr).toMatch(re);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  test('--help exits 0 and shows the examples and exit codes', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/aioracle request --model liquidation-risk/);
    expect(r.stdout).toMatch(/Exit codes: 0 ok, 1 failure/);
  });
});

describe('request validates the input before connecting', () => {
  const write = (name: string, value: unknown): string => {
    const p = join(tmp, name);
    writeFileSync(p, typeof value === 'string' ? value : JSON.stringify(value));
    return p;
  };
  const cases: [string, unknown, string][] = [
    ['int8 out of range', { inputs: { features: [[128, ...new Array(21).fill(0)]] } }, 'ERR_TENSOR_VALUE'],
    ['a fraction in an int8 tensor', { features: [[0.5, ...new Array(21).fill(0)]] }, 'ERR_TENSOR_VALUE'],
    ['wrong row length', { inputs: { features: [[1, 2, 3]] } }, 'ERR_TENSOR_SHAPE'],
    ['a tensor the model does not have', { inputs: { features: [new Array(22).fill(0)], extra: [1] } }, 'ERR_TENSOR_UNKNOWN'],
    ['no tensor at all', { inputs: {} }, 'ERR_TENSOR_MISSING'],
    ['batch over maxBatch', { inputs: { features: new Array(65).fill(new Array(22).fill(0)) } }, 'ERR_TENSOR_BATCH'],
    ['truncated canonical bytes', { inputBytes: '0x0101000000' }, 'ERR_TENSOR_TRUNCATED'],
    ['not JSON', '{ "inputs": ', 'ERR_INPUT_INVALID'],
    ['a JSON array', [1, 2], 'ERR_INPUT_INVALID'],
  ];
  test.each(cases)('%s → exit 2 with the codec or input error code', async (name, value, code) => {
    const r = await cli(['request', '--model', 'liquidation-risk', '--input', write(`${name.replace(/\W+/g, '-')}.json`, value)], { AIORACLE_PRIVATE_KEY: KEY, AIORACLE_DEPLOYMENT: join(tmp, 'deployment.json') });
    expect({ code: r.code, connected: r.connected, stdout: r.stdout }).toEqual({ code: 2, connected: 0, stdout: '' });
    expect(r.stderr).toMatch(new RegExp(`^error ${code}: \\S.*\\n$`));
  });

  test('a missing input file → ERR_INPUT_INVALID', async () => {
    const r = await cli(['request', '--model', 'liquidation-risk', '--input', join(tmp, 'nope.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error ERR_INPUT_INVALID: Cannot read the input file/);
  });

  test('a valid input but no key → ERR_KEY_MISSING before connecting', async () => {
    const r = await cli(['request', '--model', 'liquidation-risk', '--input', join(MODELS, 'liquidation-risk', 'sample-input.json')], { AIORACLE_DEPLOYMENT: join(tmp, 'deployment.json') });
    expect({ code: r.code, connected: r.connected }).toEqual({ code: 2, connected: 0 });
    expect(r.stderr).toMatch(/^error ERR_KEY_MISSING: This command sends a transaction: set AIORACLE_PRIVATE_KEY/);
  });
});

describe('input and output JSON', () => {
  test('sample-input.json, a bare tensor object and canonical bytes encode to the same bytes', () => {
    expect(hexlify(encodeInputJson(SAMPLE, manifest))).toBe(SAMPLE.inputBytes);
    expect(hexlify(encodeInputJson(SAMPLE.inputs, manifest))).toBe(SAMPLE.inputBytes);
    expect(hexlify(encodeInputJson({ inputBytes: SAMPLE.inputBytes }, manifest))).toBe(SAMPLE.inputBytes);
  });

  test('models resolve by name, name@version and id; outputs decode per encoding', () => {
    const byName = findLocalModel(MODELS, 'liquidation-risk');
    expect(findLocalModel(MODELS, 'liquidation-risk@1.0.0').modelId).toBe(byName.modelId);
    expect(findLocalModel(MODELS, byName.modelId.toUpperCase().replace('0X', '0x')).dir).toBe(byName.dir);
    expect(decodedOutputJson(manifest, getBytes(SAMPLE.expected.outputBytes))).toEqual({ logits: [0, 1, 2] });
    const f32 = findLocalModel(MODELS, 'liquidation-risk-f32').manifest;
    // fixed:16 → real values: 65536 → 1, 32768 → 0.5, 0 → 0
    const out = Uint8Array.from([1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0x80, 0, 0, 0, 0, 0, 0]);
    expect(decodedOutputJson(f32, out)).toEqual({ probs: [[1, 0.5, 0]] });
  });

  test('compareRerun: exact profiles need identical bytes, tolerant the tolerance', () => {
    const a = Uint8Array.from([1, 1, 0, 0, 0, 100, 0, 0, 0]);
    const b = Uint8Array.from([1, 1, 0, 0, 0, 103, 0, 0, 0]);
    expect(compareRerun('exact-int', 0, a, a).ok).toBe(true);
    expect(compareRerun('exact-wasm', 0, a, b).ok).toBe(false);
    expect(compareRerun('tolerant', 3, a, b).ok).toBe(true);
    expect(compareRerun('tolerant', 2, a, b).ok).toBe(false);
  });
});

describe('keys', () => {
  test('AIORACLE_PRIVATE_KEY; a bad one is refused without echoing it', () => {
    expect(loadSigner({ AIORACLE_PRIVATE_KEY: KEY }, {}).privateKey).toBe(KEY);
    const bad = `${KEY.slice(0, -2)}zz`;
    let err: unknown;
    try {
      loadSigner({ AIORACLE_PRIVATE_KEY: bad }, {});
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'ERR_KEY_INVALID' });
    expect(String((err as Error).message)).not.toContain(bad.slice(2, 20));
  });

  test('an encrypted keystore with its password from a file or the env; wrong or missing password', () => {
    const w = new Wallet(KEY);
    const file = join(tmp, 'key.json');
    writeFileSync(file, encryptKeystoreJsonSync({ address: w.address, privateKey: KEY }, 'pw-1', { scrypt: { N: 1024 } }));
    const pwFile = join(tmp, 'pw.txt');
    writeFileSync(pwFile, 'pw-1\n');
    expect(loadSigner({}, { keyFile: file, passwordFile: pwFile }).address).toBe(w.address);
    expect(loadSigner({ AIORACLE_KEY_PASSWORD: 'pw-1' }, { keyFile: file }).address).toBe(w.address);
    expect(() => loadSigner({ AIORACLE_KEY_PASSWORD: 'wrong' }, { keyFile: file })).toThrow(expect.objectContaining({ code: 'ERR_KEY_INVALID' }) as unknown as Error);
    expect(() => loadSigner({}, { keyFile: file })).toThrow(expect.objectContaining({ code: 'ERR_KEY_MISSING' }) as unknown as Error);
  });
});

/** A real attestation of one task by 3 operators on 2 quorums, served by a fake chain reader. */
function attestationWorld(opts: { signers: number[]; tamper?: 'sigma' | 'record' | 'stake' | 'output' | 'batch-neighbour'; batch?: boolean }) {
  const keys: BlsKeyPair[] = [1n, 2n, 3n].map((k) => blsKeyPairFromSecretKey(BlsSecretKey.fromBigInt(1_000_003n * k + 11n)));
  const ops = keys.map((k, i) => ({ address: `0x${(0xb0 + i).toString(16).padStart(40, '0')}`, operatorId: operatorIdFromPublicKey(k.publicKeyG1).toLowerCase(), pubkeyG1: k.publicKeyG1, pubkeyG2: k.publicKeyG2, stake: BigInt(i + 1) * 10n ** 18n }));
  // quorum 0: all three; quorum 1: operators 0 and 2 (a signer counts once per quorum it is in)
  const members = [[0, 1, 2], [0, 2]];
  const states: QuorumOperatorState[] = members.map((m, q) => ({
    quorumNumber: q,
    blockNumber: 10,
    operators: m.map((i) => ops[i]!),
    apk: aggregatePublicKeysG1(m.map((i) => ops[i]!.pubkeyG1)),
    totalStake: m.reduce((a, i) => a + ops[i]!.stake, 0n),
  }));
  const input = getBytes(SAMPLE.inputBytes);
  const task: Task = {
    taskId: 5n,
    modelId: findLocalModel(MODELS, 'liquidation-risk').modelId as `0x${string}`,
    requester: '0x00000000000000000000000000000000000000E1',
    inputHash: keccak256(input) as `0x${string}`,
    referenceBlock: 10,
    deadlineBlock: 30,
    fee: 10n ** 15n,
    callback: ZeroAddress as `0x${string}`,
    callbackGasLimit: 0,
    feedId: 0n,
    quorumNumbers: [0, 1],
    quorumThresholdBps: [5000, 5000],
  };
  const th = taskHash(task);
  const output = getBytes(SAMPLE.expected.outputBytes);
  // Batch variant: task 5 sits between task 4 (answered) and task 6 (abstained) of one reference block.
  const neighbour = (taskId: bigint): Task => ({ ...task, taskId, inputHash: keccak256(Uint8Array.of(Number(taskId))) as `0x${string}` });
  const batchTasks = [neighbour(4n), task, neighbour(6n)];
  const batchOutputs = [Uint8Array.of(1, 1, 0, 0, 0, 9, 0, 0, 0), output, new Uint8Array(0)];
  const leaves = batchTasks.map((t, i) => batchLeaf(taskHash(t), batchOutputs[i]!.length ? outputHash(batchOutputs[i]!) : null));
  const digest = opts.batch
    ? batchDigest({ chainId: CHAIN_ID, oracle: ORACLE, referenceBlock: 10, batchRoot: merkleRoot(leaves), leafCount: 3 })
    : responseDigest({ chainId: CHAIN_ID, oracle: ORACLE, taskHash: th, outputHash: outputHash(output) });
  const g2 = [];
  const sigs = [];
  for (const s of states) {
    for (const o of s.operators) {
      const i = ops.indexOf(o);
      if (!opts.signers.includes(i)) continue;
      g2.push(o.pubkeyG2);
      sigs.push(blsSign(keys[i]!.secretKey, digest));
    }
  }
  const nonSigners = ops
    .map((o, i) => ({ o, i }))
    .filter(({ i }) => !opts.signers.includes(i))
    .sort((a, b) => (BigInt(a.o.operatorId) < BigInt(b.o.operatorId) ? -1 : 1));
  const signed = states.map((s) => s.operators.filter((o) => opts.signers.includes(ops.indexOf(o))).reduce((a, o) => a + o.stake, 0n));
  let sigma = aggregateSignatures(sigs);
  if (opts.tamper === 'sigma') sigma = aggregateSignatures([sigma, blsSign(keys[0]!.secretKey, digest)]);
  const created: CreatedTask = { task, taskHash: th, input, blockNumber: 11, transactionHash: `0x${'11'.repeat(32)}`, logIndex: 0 };
  const result: TaskResult = {
    taskId: 5n,
    taskHash: th,
    outputHash: outputHash(output),
    output,
    signedStake: opts.tamper === 'stake' ? signed.map((s) => s + 1n) : signed,
    totalStake: states.map((s) => s.totalStake),
    signatoryRecordHash: solidityPackedKeccak256(['uint32', 'bytes32[]'], [10, opts.tamper === 'record' ? [ops[0]!.operatorId] : nonSigners.map((n) => n.o.operatorId)]).toLowerCase(),
    blockNumber: 12,
    transactionHash: `0x${'22'.repeat(32)}`,
  };
  const callOutput = opts.tamper === 'output' ? Uint8Array.from(output.map((b, i) => (i === 5 ? 1 : b))) : output;
  const shownOutputs = opts.tamper === 'batch-neighbour' ? [Uint8Array.of(1, 1, 0, 0, 0, 8, 0, 0, 0), callOutput, batchOutputs[2]!] : [batchOutputs[0]!, callOutput, batchOutputs[2]!];
  const batch = opts.batch ? { batch: { tasks: batchTasks, outputs: shownOutputs, index: 1 } } : {};
  const call: RespondCall = { from: '0x00000000000000000000000000000000000000F1', task, output: callOutput, ...batch, nonSignerPubkeys: nonSigners.map((n) => n.o.pubkeyG1), apkG2: aggregatePublicKeysG2(g2), sigma };
  const info: ModelInfo = { modelId: task.modelId, manifestHash: manifestHash(manifest).toLowerCase(), onnxHash: manifest.onnx.sha256, uri: 'model.onnx', profile: 'exact-int', tolerance: 0, fee: 10n ** 15n, slashWad: 10n ** 16n, active: true };
  const reader: AttestationSource & { getModel: (id: string) => Promise<ModelInfo>; getModelIds: () => Promise<string[]> } = {
    addresses: { inferenceOracle: ORACLE },
    getCreatedTask: async (id) => (id === 5n || id === 5 ? created : null),
    getTaskStatus: async (id) => ({ status: id === 5n || id === 5 ? 'responded' : 'none', respondedBlock: 12 }),
    getTaskResult: async () => result,
    getRespondCall: async () => call,
    getQuorumStates: async () => states,
    getModel: async () => info,
    getModelIds: async () => [task.modelId],
  };
  const connect: Connect = async (_url, d) => ({ deployment: d, provider: {} as ChainContext['provider'], reader: reader as unknown as ChainContext['reader'], chainId: CHAIN_ID, close: async () => undefined });
  return { reader, connect, ops, nonSigners };
}

describe('audit on a fake chain holding a real attestation', () => {
  test('all three sign: every check passes', async () => {
    const { reader } = attestationWorld({ signers: [0, 1, 2] });
    const r = await auditTask(reader, { chainId: CHAIN_ID, taskId: 5n });
    expect(r.checks.filter((c) => !c.ok)).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.attestation.nonSignerIds).toEqual([]);
  });

  test('operator 1 (in quorum 0 only) does not sign: non-signer subtracted once, stakes per quorum', async () => {
    const { reader, ops } = attestationWorld({ signers: [0, 2] });
    const r = await auditTask(reader, { chainId: CHAIN_ID, taskId: 5n });
    expect(r.ok).toBe(true);
    expect(r.attestation.nonSignerIds).toEqual([ops[1]!.operatorId]);
    expect(r.attestation.stakes).toEqual([
      { quorum: 0, signed: 4n * 10n ** 18n, total: 6n * 10n ** 18n, thresholdBps: 5000 },
      { quorum: 1, signed: 4n * 10n ** 18n, total: 4n * 10n ** 18n, thresholdBps: 5000 },
    ]);
  });

  test('operator 2 (in both quorums) does not sign: subtracted twice; quorum 1 below 50% fails the stake check', async () => {
    const { reader } = attestationWorld({ signers: [0, 1] });
    const r = await auditTask(reader, { chainId: CHAIN_ID, taskId: 5n });
    const byName = Object.fromEntries(r.checks.map((c) => [c.name, c.ok]));
    expect(byName).toMatchObject({ signature: true, 'non-signers': true, stake: false });
    expect(r.ok).toBe(false);
  });

  test.each([
    ['sigma', 'signature'],
    ['record', 'non-signers'],
    ['stake', 'stake'],
    ['output', 'calldata-match'],
  ] as const)('tampered %s → the %s check fails', async (tamper, check) => {
    const { reader } = attestationWorld({ signers: [0, 1, 2], tamper });
    const r = await auditTask(reader, { chainId: CHAIN_ID, taskId: 5n });
    expect(r.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual([check]);
    expect(r.ok).toBe(false);
  });

  test('a task answered in a batch: Merkle path and the aggregate over the batch digest check out', async () => {
    const { reader } = attestationWorld({ signers: [0, 2], batch: true });
    const r = await auditTask(reader, { chainId: CHAIN_ID, taskId: 5n });
    expect(r.checks.filter((c) => !c.ok)).toEqual([]);
    expect(r.checks.find((c) => c.name === 'batch')?.detail).toMatch(/batch of 3 task\(s\).*leaf 1/);
    expect(r.ok).toBe(true);
  });

  test('a batch whose other outputs were changed no longer matches the signed root: the signature check fails', async () => {
    const { reader } = attestationWorld({ signers: [0, 1, 2], batch: true, tamper: 'batch-neighbour' });
    const r = await auditTask(reader, { chainId: CHAIN_ID, taskId: 5n });
    expect(r.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['signature']);
    expect(r.ok).toBe(false);
  });

  test('audit --json and task show --json through runCli', async () => {
    const { connect, ops } = attestationWorld({ signers: [0, 2] });
    const env = { AIORACLE_DEPLOYMENT: join(tmp, 'deployment.json') };
    const a = await cli(['audit', '5', '--json'], env, connect);
    expect({ code: a.code, stderr: a.stderr }).toEqual({ code: 0, stderr: '' });
    const aj = JSON.parse(a.stdout) as { taskId: string; ok: boolean; checks: { name: string; ok: boolean; detail: string }[]; rerun: null };
    expect(aj).toMatchObject({ taskId: '5', ok: true, rerun: null });
    expect(aj.checks.every((c) => typeof c.detail === 'string' && c.ok)).toBe(true);
    const s = await cli(['task', 'show', '5', '--json'], env, connect);
    expect(s.code).toBe(0);
    expect(JSON.parse(s.stdout)).toMatchObject({
      taskId: '5',
      status: 'responded',
      output: SAMPLE.expected.outputBytes,
      decoded: { logits: [0, 1, 2] },
      nonSigners: [ops[1]!.operatorId],
      signers: [ops[0]!.operatorId, ops[2]!.operatorId].sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1)),
      signedStake: [
        { quorum: 0, signed: '4000000000000000000', total: '6000000000000000000', thresholdBps: 5000 },
        { quorum: 1, signed: '4000000000000000000', total: '4000000000000000000', thresholdBps: 5000 },
      ],
    });
    const missing = await cli(['task', 'show', '6'], env, connect);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error ERR_TASK_NOT_FOUND: /);
  });

  test('a failing audit exits 1 and names the failed checks', async () => {
    const { connect } = attestationWorld({ signers: [0, 1, 2], tamper: 'sigma' });
    const r = await cli(['audit', '5'], { AIORACLE_DEPLOYMENT: join(tmp, 'deployment.json') }, connect);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL signature/);
    expect(r.stderr).toMatch(/^error ERR_AUDIT_FAILED: Task 5: failed check\(s\): signature\n$/);
  });
});
