// Batch verification on worker threads: the pool must give exactly the answers of the in-process
// check (valid batches, bad signatures named by index, keys sent once and reused), and fail
// clearly when it cannot work.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { keccak256, toUtf8Bytes } from 'ethers';
import { BlsVerifyPool, blsBatchVerifySameMessage, blsSign, generateBlsKeyPair, initBls, type BlsKeyPair } from '../../src/bls/index.js';

const DIGEST = keccak256(toUtf8Bytes('pool digest'));
const OTHER = keccak256(toUtf8Bytes('another digest'));
const WRONG = keccak256(toUtf8Bytes('what a bad signer signed'));
let keys: BlsKeyPair[];
let pool: BlsVerifyPool;

beforeAll(async () => {
  await initBls({ backend: 'mcl' });
  keys = Array.from({ length: 12 }, () => generateBlsKeyPair());
  pool = await BlsVerifyPool.create(2);
}, 60_000);
afterAll(async () => {
  await pool?.close();
});

const items = (digest: string, bad: number[] = []) =>
  keys.map((k, i) => ({ signature: blsSign(k.secretKey, bad.includes(i) ? WRONG : digest), publicKeyG2: k.publicKeyG2 }));

describe('BlsVerifyPool', () => {
  test('a valid batch has no bad index; bad signatures are named exactly, as in-process', async () => {
    expect(await pool.verify(DIGEST, items(DIGEST))).toEqual([]);
    for (const bad of [[0], [11], [3, 4, 9]]) {
      const batch = items(DIGEST, bad);
      expect(await pool.verify(DIGEST, batch)).toEqual(bad);
      expect(blsBatchVerifySameMessage(DIGEST, batch).bad).toEqual(bad);
    }
  });

  test('single signatures and concurrent batches on both workers (keys reach each worker once)', async () => {
    const results = await Promise.all([
      pool.verify(DIGEST, items(DIGEST).slice(0, 1)),
      pool.verify(DIGEST, items(DIGEST, [0]).slice(0, 1)),
      pool.verify(OTHER, items(OTHER, [5])),
      pool.verify(DIGEST, items(DIGEST, [2, 7])),
    ]);
    expect(results).toEqual([[], [0], [5], [2, 7]]);
    expect(pool.freeWorkers()).toBe(2);
  });

  test('a new key after the first batches is sent before it is used', async () => {
    const late = generateBlsKeyPair();
    expect(await pool.verify(DIGEST, [{ signature: blsSign(late.secretKey, DIGEST), publicKeyG2: late.publicKeyG2 }])).toEqual([]);
    expect(await pool.verify(DIGEST, [{ signature: blsSign(late.secretKey, OTHER), publicKeyG2: late.publicKeyG2 }])).toEqual([0]);
  });

  test('a worker that dies fails its batch with a clear error and is replaced; the pool keeps giving right answers', async () => {
    const p = await BlsVerifyPool.create(2);
    try {
      const first = (p as unknown as { slots: { worker: { terminate(): Promise<number> } }[] }).slots[0]!;
      void first.worker.terminate();
      // The batch goes to the first free worker, the one being terminated.
      await expect(p.verify(DIGEST, items(DIGEST, [1]))).rejects.toThrow(/exited/);
      const deadline = Date.now() + 20_000;
      while (p.alive() < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(p.alive()).toBe(2);
      // The replacement learns the keys again before it uses them.
      const again = await Promise.all([p.verify(DIGEST, items(DIGEST, [1])), p.verify(OTHER, items(OTHER, [0, 11]))]);
      expect(again).toEqual([[1], [0, 11]]);
    } finally {
      await p.close();
    }
  }, 30_000);

  test('bad arguments and a closed pool fail clearly', async () => {
    await expect(BlsVerifyPool.create(0)).rejects.toMatchObject({ code: 'ERR_BLS_INVALID_ARGUMENT' });
    const p = await BlsVerifyPool.create(1);
    await p.close();
    await expect(p.verify(DIGEST, items(DIGEST))).rejects.toThrow(/closed/);
  });
});
