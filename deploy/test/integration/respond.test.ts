/**
 * Request → sign → respond round trips from TypeScript against the real contracts: tasks read from
 * TaskCreated logs, digests and BLS signatures from the sdk (several operators, two quorums with
 * different multipliers), non-signer data from the sdk, and respondToTask accepted on chain; with
 * all signing, with a non-signer, and the failures (below threshold, a wrong signature).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  ChainReader,
  EXAMPLE_MANIFEST_EXACT_INT,
  bindings,
  blsSign,
  decodeRevert,
  buildNonSignerData,
  nonSignerDataToAbi,
  outputHash,
  responseDigest,
  taskAbiValue,
  taskHash,
  type CreatedTask,
  type G1Point,
  waitForReceipt,
} from '@aioracle/sdk';
import { getBytes, hexlify, keccak256, solidityPackedKeccak256 } from 'ethers';
import { registerModel } from '../../src/index.js';
import { buildWorld, type World } from './world.js';

const E18 = 10n ** 18n;
// Quorum 0 counts the devnet strategy 1:1, quorum 1 counts it 2:1; operators put half their
// magnitude in each, so stake(q0) = deposit/2 and stake(q1) = deposit.
const STAKES = [100n * E18, 100n * E18, 100n * E18, 100n * E18];
let w: World;
let reader: ChainReader;
let modelId: string;
let fee: bigint;

beforeAll(async () => {
  w = await buildWorld(STAKES, { quorums: [{ quorumNumber: 0 }, { quorumNumber: 1, devnetMultiplier: 2n * E18 }] });
  reader = new ChainReader(w.provider, w.deployment.avs);
  const m = await registerModel({ rpcUrl: w.anvil.rpcUrl, ownerKey: w.anvil.accounts[0]!.privateKey, deployment: w.deployment, manifest: EXAMPLE_MANIFEST_EXACT_INT });
  modelId = m.modelId;
  fee = BigInt(EXAMPLE_MANIFEST_EXACT_INT.fee);
}, 300_000);
afterAll(async () => {
  await w?.stop();
});

async function request(input: Uint8Array): Promise<CreatedTask> {
  const requester = w.operators[0]!.wallet; // any funded account
  const oracle = bindings.InferenceOracle__factory.connect(w.deployment.avs.inferenceOracle, requester);
  const receipt = await waitForReceipt(await oracle.requestInference(modelId, input, '0x0000000000000000000000000000000000000000', 0, { value: fee }));
  const log = receipt!.logs.find((l) => { try { return oracle.interface.parseLog(l)?.name === 'TaskCreated'; } catch { return false; } });
  return reader.parseTaskCreated(log!);
}

function sign(created: CreatedTask, output: Uint8Array, signers: number[]): Map<string, G1Point> {
  const digest = responseDigest({ chainId: w.anvil.chainId, oracle: w.deployment.avs.inferenceOracle, taskHash: created.taskHash, outputHash: outputHash(output) });
  return new Map(signers.map((i) => [w.operators[i]!.operatorId, blsSign(w.operators[i]!.blsKeyPair.secretKey, digest)]));
}

async function respond(created: CreatedTask, output: Uint8Array, sigs: Map<string, G1Point>) {
  const states = await reader.getQuorumStates(created.task.quorumNumbers, created.task.referenceBlock);
  const data = buildNonSignerData(states, sigs);
  const submitter = w.operators[1]!.wallet; // permissionless: any account submits
  const oracle = bindings.InferenceOracle__factory.connect(w.deployment.avs.inferenceOracle, submitter);
  const receipt = await waitForReceipt(await oracle.respondToTask(taskAbiValue(created.task) as never, output, nonSignerDataToAbi(data)));
  return { data, receipt: receipt! };
}

const OUTPUT = Uint8Array.from([1, 1, 0, 0, 0, 7, 0, 0, 0, 9, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff, 3, 0, 0, 0]);

describe('respondToTask from TypeScript', () => {
  test('the task from TaskCreated hashes as the contract does, and the sdk digest equals the contract digest', async () => {
    const created = await request(Uint8Array.from([1, 1, 0, 0, 0, ...new Array(16).fill(3)]));
    expect(created.task.modelId).toBe(modelId.toLowerCase());
    expect(created.task.fee).toBe(fee);
    expect(taskHash(created.task)).toBe(created.taskHash);
    const oracle = bindings.InferenceOracle__factory.connect(w.deployment.avs.inferenceOracle, w.provider);
    const onChain = await oracle.responseDigest(created.taskHash, keccak256(OUTPUT));
    expect(onChain).toBe(responseDigest({ chainId: w.anvil.chainId, oracle: w.deployment.avs.inferenceOracle, taskHash: created.taskHash, outputHash: outputHash(OUTPUT) }));
  });

  test('all operators sign: accepted, result readable through the chain reader', async () => {
    const created = await request(Uint8Array.from([1, 1, 0, 0, 0, ...new Array(16).fill(1)]));
    const { data, receipt } = await respond(created, OUTPUT, sign(created, OUTPUT, [0, 1, 2, 3]));
    expect(receipt.status).toBe(1);
    expect(data.nonSignerIds).toEqual([]);
    const result = await reader.getTaskResult(created.task.taskId);
    expect(result).not.toBeNull();
    expect(result!.outputHash).toBe(outputHash(OUTPUT));
    expect(hexlify(result!.output)).toBe(hexlify(OUTPUT));
    expect(result!.signatoryRecordHash).toBe(solidityPackedKeccak256(['uint32', 'bytes32[]'], [created.task.referenceBlock, []]));
    expect(result!.signedStake).toEqual(result!.totalStake);
    expect(result!.totalStake).toEqual(data.totalStake);
    expect((await reader.getTaskStatus(created.task.taskId)).status).toBe('responded');
  });

  test('one non-signer: accepted, its id recorded, signed stake = total − its stake', async () => {
    const created = await request(Uint8Array.from([1, 1, 0, 0, 0, ...new Array(16).fill(2)]));
    const { data } = await respond(created, OUTPUT, sign(created, OUTPUT, [0, 1, 3]));
    const missing = w.operators[2]!;
    expect(data.nonSignerIds).toEqual([missing.operatorId.toLowerCase()]);
    const result = await reader.getTaskResult(created.task.taskId);
    expect(result!.signatoryRecordHash).toBe(solidityPackedKeccak256(['uint32', 'bytes32[]'], [created.task.referenceBlock, [missing.operatorId]]));
    const states = await reader.getQuorumStates(created.task.quorumNumbers, created.task.referenceBlock);
    for (const [i, s] of states.entries()) {
      const stake = s.operators.find((o) => o.operatorId === missing.operatorId.toLowerCase())!.stake;
      expect({ quorum: s.quorumNumber, signed: result!.signedStake[i] }).toEqual({ quorum: s.quorumNumber, signed: s.totalStake - stake });
    }
  });

  test('two non-signers of four are below a two-thirds threshold: ThresholdNotMet', async () => {
    const created = await request(Uint8Array.from([1, 1, 0, 0, 0, ...new Array(16).fill(4)]));
    const err = await respond(created, OUTPUT, sign(created, OUTPUT, [0, 1])).catch((e: unknown) => e);
    expect(decodeRevert(err)?.name).toBe('ThresholdNotMet');
    expect((await reader.getTaskStatus(created.task.taskId)).status).toBe('pending');
  });

  test('a signature over another output does not verify: InvalidSignature', async () => {
    const created = await request(Uint8Array.from([1, 1, 0, 0, 0, ...new Array(16).fill(5)]));
    const other = Uint8Array.from(getBytes(hexlify(OUTPUT)));
    other[5] = 8;
    const sigs = sign(created, OUTPUT, [0, 1, 2]);
    const bad = sign(created, other, [3]);
    for (const [k, v] of bad) sigs.set(k, v);
    const err = await respond(created, OUTPUT, sigs).catch((e: unknown) => e);
    expect(decodeRevert(err)?.name).toBe('InvalidSignature');
  });
});
