/** Pure helpers of sdk/src/contracts: non-signer data, registration data, deployments file, revert decoding. */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AbiCoder, Interface } from 'ethers';
import {
  BlsSecretKey,
  PUBKEY_REGISTRATION_PARAMS_ABI,
  aggregatePublicKeysG1,
  aggregatePublicKeysG2,
  aggregateSignatures,
  blsKeyPairFromSecretKey,
  blsSign,
  blsVerifyAggregate,
  buildNonSignerData,
  decodeRevert,
  deploymentFilePath,
  encodePubkeyRegistrationData,
  g1FromSolidity,
  g2FromSolidity,
  initBls,
  meetsThreshold,
  nonSignerDataToAbi,
  operatorIdFromPublicKey,
  parseDeployment,
  readDeploymentFile,
  subtractG1,
  verifyPubkeyRegistration,
  writeDeploymentFile,
  type BlsKeyPair,
  type QuorumOperatorState,
  type Deployment,
} from '../../src/index.js';

let keys: BlsKeyPair[];
beforeAll(async () => {
  await initBls();
  keys = [11n, 22n, 33n, 44n, 55n].map((k) => blsKeyPairFromSecretKey(BlsSecretKey.fromBigInt(k * 1_000_003n)));
});

const A = (i: number): string => `0x${(i + 1).toString(16).padStart(40, '0')}`;
function state(quorumNumber: number, members: number[], stake = (i: number) => BigInt(i + 1) * 10n): QuorumOperatorState {
  const operators = members.map((i) => ({ address: A(i), operatorId: operatorIdFromPublicKey(keys[i]!.publicKeyG1).toLowerCase(), pubkeyG1: keys[i]!.publicKeyG1, pubkeyG2: keys[i]!.publicKeyG2, stake: stake(i) }));
  return { quorumNumber, blockNumber: 7, operators, apk: null, totalStake: operators.reduce((a, o) => a + o.stake, 0n) };
}
const DIGEST = `0x${'ab'.repeat(32)}`;
const sigs = (ids: number[]) => new Map(ids.map((i) => [operatorIdFromPublicKey(keys[i]!.publicKeyG1), blsSign(keys[i]!.secretKey, DIGEST)]));

describe('buildNonSignerData', () => {
  test('non-signers sorted strictly ascending by operatorId, stakes summed, aggregate verifies', () => {
    const q = state(0, [0, 1, 2, 3, 4]);
    const data = buildNonSignerData([q], sigs([1, 3]));
    const expectedIds = [0, 2, 4].map((i) => operatorIdFromPublicKey(keys[i]!.publicKeyG1).toLowerCase()).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    expect(data.nonSignerIds).toEqual(expectedIds);
    for (let i = 1; i < data.nonSignerIds.length; i++) expect(BigInt(data.nonSignerIds[i]!) > BigInt(data.nonSignerIds[i - 1]!)).toBe(true);
    expect(data.signedStake).toEqual([20n + 40n]);
    expect(data.totalStake).toEqual([150n]);
    // apk as the contract computes it: Σ members − Σ non-signers.
    let signersApk = aggregatePublicKeysG1([0, 1, 2, 3, 4].map((i) => keys[i]!.publicKeyG1));
    for (const i of [0, 2, 4]) signersApk = subtractG1(signersApk, keys[i]!.publicKeyG1);
    expect(blsVerifyAggregate({ msgHash: DIGEST, apk: signersApk, apkG2: data.apkG2, sigma: data.sigma })).toBe(true);
  });

  test('a signer in two task quorums counts once per quorum; a non-signer is listed once', () => {
    const q0 = state(0, [0, 1, 2]);
    const q1 = state(1, [1, 2, 3]);
    const data = buildNonSignerData([q0, q1], sigs([1, 3]));
    expect(data.nonSignerIds).toHaveLength(2); // 0 and 2, each once although 2 is in both
    expect(data.apkG2.equals(aggregatePublicKeysG2([keys[1]!.publicKeyG2, keys[1]!.publicKeyG2, keys[3]!.publicKeyG2]))).toBe(true);
    const s = sigs([1, 3]);
    const s1 = s.get(operatorIdFromPublicKey(keys[1]!.publicKeyG1))!;
    const s3 = s.get(operatorIdFromPublicKey(keys[3]!.publicKeyG1))!;
    expect(data.sigma.equals(aggregateSignatures([s1, s1, s3]))).toBe(true);
    expect(data.signedStake).toEqual([20n, 20n + 40n]);
  });

  test('a signer outside the quorums is ERR_CHAIN_SIGNER_UNKNOWN; no signer is ERR_CHAIN_BAD_DATA', () => {
    expect(() => buildNonSignerData([state(0, [0, 1])], sigs([0, 4]))).toThrow(expect.objectContaining({ code: 'ERR_CHAIN_SIGNER_UNKNOWN' }));
    expect(() => buildNonSignerData([state(0, [0, 1])], new Map())).toThrow(expect.objectContaining({ code: 'ERR_CHAIN_BAD_DATA' }));
  });

  test('the ABI form keeps Solidity G2 order [imaginary, real] and round-trips through the decoders', () => {
    const data = buildNonSignerData([state(0, [0, 1, 2])], sigs([0]));
    const abi = nonSignerDataToAbi(data);
    expect(g2FromSolidity(abi.apkG2).equals(data.apkG2)).toBe(true);
    expect(g1FromSolidity(abi.sigma).equals(data.sigma)).toBe(true);
    expect(abi.nonSignerPubkeys.map((p) => g1FromSolidity(p).toHex())).toEqual(data.nonSignerPubkeys.map((p) => p.toHex()));
  });
});

test('meetsThreshold is signed·10000 ≥ total·bps, exactly at the boundary', () => {
  expect(meetsThreshold(6667n, 10_000n, 6667)).toBe(true);
  expect(meetsThreshold(6666n, 10_000n, 6667)).toBe(false);
  expect(meetsThreshold(0n, 0n, 1)).toBe(true);
});

test('encodePubkeyRegistrationData: abi.encode(PubkeyRegistrationParams) whose proof of possession verifies', () => {
  const registry = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
  const operator = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
  const data = encodePubkeyRegistrationData(keys[0]!, operator, registry, 31337);
  const [p] = AbiCoder.defaultAbiCoder().decode([PUBKEY_REGISTRATION_PARAMS_ABI], data);
  const sig = g1FromSolidity({ X: p.pubkeyRegistrationSignature.X, Y: p.pubkeyRegistrationSignature.Y });
  const g1 = g1FromSolidity({ X: p.pubkeyG1.X, Y: p.pubkeyG1.Y });
  const g2 = g2FromSolidity({ X: [p.pubkeyG2.X[0], p.pubkeyG2.X[1]], Y: [p.pubkeyG2.Y[0], p.pubkeyG2.Y[1]] });
  expect(g1.equals(keys[0]!.publicKeyG1)).toBe(true);
  expect(g2.equals(keys[0]!.publicKeyG2)).toBe(true);
  expect(verifyPubkeyRegistration(sig, g1, g2, { operator, chainId: 31337, verifyingContract: registry })).toBe(true);
  // Bound to the operator: another address does not verify.
  expect(verifyPubkeyRegistration(sig, g1, g2, { operator: registry, chainId: 31337, verifyingContract: registry })).toBe(false);
});

describe('deployments file', () => {
  const a = (n: number) => `0x${n.toString(16).padStart(40, '0')}`;
  const sample: Deployment = {
    version: 1, chainId: 31337, deployer: a(1), startBlock: 0, deployedAt: '2026-01-01T00:00:00.000Z',
    core: { delegationManager: a(2), strategyManager: a(3), allocationManager: a(4), permissionController: a(5), deployedByUs: true },
    devnet: { token: a(6), strategy: a(7) },
    avs: { inferenceOracle: a(8), operatorRegistry: a(9), modelRegistry: a(10), inferenceFeeds: a(11) },
    quorums: [{ quorumNumber: 0, strategies: [{ strategy: a(7), multiplier: '1000000000000000000' }], minimumStake: '1', maxOperators: 10 }],
    responseWindowBlocks: 20, thresholdBps: 6667, models: [], feeds: [],
  };
  test('round-trips through <dir>/<chainId>.json', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deployments-'));
    const path = deploymentFilePath(dir, 31337);
    writeDeploymentFile(path, sample);
    expect(path.endsWith('31337.json')).toBe(true);
    expect(readDeploymentFile(path)).toEqual(sample);
    expect(JSON.parse(readFileSync(path, 'utf8')).version).toBe(1);
  });
  test('bad data names the field', () => {
    expect(() => parseDeployment({ ...sample, avs: { ...sample.avs, inferenceOracle: '0x12' } })).toThrow(/avs\.inferenceOracle/);
    expect(() => readDeploymentFile('/nonexistent/31337.json')).toThrow(expect.objectContaining({ code: 'ERR_DEPLOYMENT_FILE' }));
  });
});

test('decodeRevert names errors of any AVS contract, also nested in an ethers error', () => {
  const iface = new Interface(['error ThresholdNotMet(uint8 quorum, uint96 signedStake, uint96 totalStake, uint16 thresholdBps)', 'error InvalidSignature()']);
  const data = iface.encodeErrorResult('ThresholdNotMet', [0, 5n, 10n, 6667]);
  expect(decodeRevert(data)).toMatchObject({ name: 'ThresholdNotMet', args: [0n, 5n, 10n, 6667n] });
  expect(decodeRevert({ code: 'CALL_EXCEPTION', info: { error: { data: iface.encodeErrorResult('InvalidSignature', []) } } })?.name).toBe('InvalidSignature');
  expect(decodeRevert({ cause: { data: '0xdeadbeef' } })).toBeNull();
  expect(decodeRevert(new Error('no data'))).toBeNull();
});
