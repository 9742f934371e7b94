// The aggregator's micro-batching verifier: same-digest signatures are checked together and each
// caller gets its own answer; a verification thread that dies mid-batch must not turn valid
// signatures into errors (the batch is checked again on the event loop).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { keccak256, toUtf8Bytes } from 'ethers';
import { BlsVerifyPool, blsSign, generateBlsKeyPair, initBls, recordingLogger, type BlsKeyPair } from '@aioracle/sdk';
import { BatchVerifier } from '../../src/aggregation/batchVerifier.js';

const DIGEST = keccak256(toUtf8Bytes('task 1 output A'));
const OTHER = keccak256(toUtf8Bytes('task 1 output B'));
const THIRD = keccak256(toUtf8Bytes('task 2 output A'));
let keys: BlsKeyPair[];
const logger = recordingLogger();
const warnings = () => logger.lines.filter((l) => l.level === 'warn');

beforeAll(async () => {
  await initBls({ backend: 'mcl' });
  keys = Array.from({ length: 8 }, () => generateBlsKeyPair());
}, 60_000);

/** Every key signs `digest`, except the ones in `wrong`, which sign OTHER; answers in key order. */
function check(v: BatchVerifier, digest: string, wrong: number[]): Promise<boolean[]> {
  return Promise.all(keys.map((k, i) => v.verify(digest, blsSign(k.secretKey, wrong.includes(i) ? OTHER : digest).toBytes(), k.publicKeyG2)));
}
const expected = (wrong: number[]) => keys.map((_, i) => !wrong.includes(i));

describe('BatchVerifier', () => {
  test('without a pool: one batch per digest, each caller told whether its own signature is valid', async () => {
    const v = new BatchVerifier({ windowMs: 5, maxBatch: 64 }, { metrics: null });
    expect(await check(v, DIGEST, [])).toEqual(expected([]));
    expect(await check(v, DIGEST, [2, 5])).toEqual(expected([2, 5]));
  });

  describe('with a pool', () => {
    let pool: BlsVerifyPool;
    beforeAll(async () => {
      pool = await BlsVerifyPool.create(1);
    }, 30_000);
    afterAll(async () => {
      await pool?.close();
    });

    test('answers as the event loop would', async () => {
      const v = new BatchVerifier({ windowMs: 2, maxBatch: 64 }, { metrics: null, pool, logger });
      expect(await check(v, DIGEST, [0, 7])).toEqual(expected([0, 7]));
    });

    test('a thread that dies mid-batch: the batch is checked on the event loop, answers unchanged, a warning logged', async () => {
      const v = new BatchVerifier({ windowMs: 2, maxBatch: 64 }, { metrics: null, pool, logger });
      logger.lines.length = 0;
      const worker = (pool as unknown as { slots: { worker: { terminate(): Promise<number> } }[] }).slots[0]!.worker;
      void worker.terminate();
      expect(await check(v, DIGEST, [3])).toEqual(expected([3]));
      expect(warnings()).toHaveLength(1);
      expect(warnings()[0]!.obj).toMatchObject({ batch: keys.length });
      // The pool replaced its worker; later batches go to it again.
      const deadline = Date.now() + 20_000;
      while (pool.alive() < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(pool.alive()).toBe(1);
      logger.lines.length = 0;
      expect(await check(v, THIRD, [1])).toEqual(expected([1]));
      expect(warnings()).toHaveLength(0);
    }, 30_000);
  });
});
