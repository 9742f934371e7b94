/** fast-check arbitraries shared by the sdk's property tests. */
import fc from 'fast-check';
import { parseTaskWithSchema, type Task } from '../../src/protocol/index.js';

/** 0x-hex of exactly `n` random bytes. */
export const hex = (n: number): fc.Arbitrary<`0x${string}`> => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => `0x${Buffer.from(b).toString('hex')}` as `0x${string}`);

/** Any valid task: every field over its whole range, up to 40 quorums (the bytes value then spans two words). */
export const arbTask: fc.Arbitrary<Task> = fc
  .record({
    taskId: fc.bigInt({ min: 1n, max: 2n ** 64n - 1n }),
    modelId: hex(32),
    requester: hex(20),
    inputHash: hex(32),
    referenceBlock: fc.integer({ min: 0, max: 2 ** 32 - 2 }),
    span: fc.integer({ min: 1, max: 1000 }),
    fee: fc.bigInt({ min: 0n, max: 2n ** 96n - 1n }),
    callback: hex(20),
    callbackGasLimit: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    feedId: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    quorums: fc.uniqueArray(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 40 }),
  })
  .map(({ span, quorums, ...r }) => {
    const quorumNumbers = [...quorums].sort((a, b) => a - b);
    return parseTaskWithSchema({ ...r, deadlineBlock: Math.min(r.referenceBlock + span, 2 ** 32 - 1), quorumNumbers, quorumThresholdBps: quorumNumbers.map((q) => 1 + ((q * 37) % 10000)) });
  });
