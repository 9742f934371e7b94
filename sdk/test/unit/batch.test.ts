import { describe, expect, it } from '@jest/globals';
import { AbiCoder, concat, keccak256, ZeroAddress, ZeroHash } from 'ethers';
import fc from 'fast-check';
import { isAioracleError } from '../../src/errors.js';
import {
  ABSTAIN_OUTPUT_HASH,
  BATCH_TYPEHASH,
  MAX_BATCH_LEAVES,
  batchDigest,
  batchLeaf,
  batchLeaves,
  batchesOf,
  computeBatchTypehash,
  merkleDepth,
  merkleProof,
  merkleRoot,
  modelIdFor,
  rootFromProof,
  taskHash,
  type Task,
} from '../../src/protocol/index.js';

const h = (i: number): string => keccak256(Uint8Array.of(i & 0xff, i >> 8));
const node = (a: string, b: string): string => keccak256(concat([a, b]));

const task = (taskId: number, referenceBlock: number, quorums: number[] = [0], bps: number[] = [6667]): Task => ({
  taskId: BigInt(taskId),
  modelId: modelIdFor('m', '1'),
  requester: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
  inputHash: h(taskId) as `0x${string}`,
  referenceBlock,
  deadlineBlock: referenceBlock + 11,
  fee: 1n,
  callback: ZeroAddress as `0x${string}`,
  callbackGasLimit: 0,
  feedId: 0n,
  quorumNumbers: quorums,
  quorumThresholdBps: bps,
});

describe('batch leaves and digest', () => {
  it('typehash matches its type string', () => {
    expect(computeBatchTypehash()).toBe(BATCH_TYPEHASH);
  });

  it('leaf is keccak256(0x00 ‖ taskHash ‖ outputHash); abstain uses the zero hash', () => {
    expect(batchLeaf(h(1), h(2))).toBe(keccak256(concat(['0x00', h(1), h(2)])));
    expect(batchLeaf(h(1), null)).toBe(keccak256(concat(['0x00', h(1), ZeroHash])));
    expect(batchLeaf(h(1), ABSTAIN_OUTPUT_HASH)).toBe(batchLeaf(h(1), null));
  });

  it('batch digest is abi.encode of the typehash and the bound fields', () => {
    const oracle = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
    const expected = keccak256(
      AbiCoder.defaultAbiCoder().encode(['bytes32', 'uint256', 'address', 'uint32', 'bytes32', 'uint32'], [BATCH_TYPEHASH, 31337, oracle, 9, h(3), 5]),
    );
    expect(batchDigest({ chainId: 31337, oracle, referenceBlock: 9, batchRoot: h(3), leafCount: 5 })).toBe(expected);
    expect(batchDigest({ chainId: 31337, oracle, referenceBlock: 9, batchRoot: h(3), leafCount: 6 })).not.toBe(expected);
  });

  it('rejects malformed digest and leaf inputs with a typed error', () => {
    const oracle = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
    for (const bad of [
      () => batchDigest({ chainId: 1, oracle, referenceBlock: -1, batchRoot: h(1), leafCount: 1 }),
      () => batchDigest({ chainId: 1, oracle, referenceBlock: 1, batchRoot: h(1), leafCount: 0 }),
      () => batchDigest({ chainId: 1, oracle, referenceBlock: 1, batchRoot: '0x12', leafCount: 1 }),
      () => batchLeaf('0x12', h(1)),
    ]) {
      expect(bad).toThrow();
      try {
        bad();
      } catch (e) {
        expect(isAioracleError(e)).toBe(true);
      }
    }
  });
});

describe('batch Merkle tree', () => {
  it('has the documented shape for 1, 2 and 3 leaves', () => {
    expect(merkleRoot([h(1)])).toBe(h(1));
    expect(merkleRoot([h(1), h(2)])).toBe(node(h(1), h(2)));
    expect(merkleRoot([h(1), h(2), h(3)])).toBe(node(node(h(1), h(2)), node(h(3), ZeroHash)));
    expect(merkleDepth(1)).toBe(0);
    expect(merkleDepth(2)).toBe(1);
    expect(merkleDepth(3)).toBe(2);
    expect(merkleDepth(128)).toBe(7);
    expect(merkleDepth(129)).toBe(8);
  });

  it('every proof leads back to the root, and only for its own leaf and index', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 70 }), fc.nat(), (n, pick) => {
        const leaves = Array.from({ length: n }, (_, i) => h(i + 1000));
        const root = merkleRoot(leaves);
        const i = pick % n;
        const proof = merkleProof(leaves, i);
        expect(proof.length).toBe(merkleDepth(n));
        expect(rootFromProof(leaves[i]!, i, n, proof)).toBe(root);
        if (n > 1) {
          const j = (i + 1) % n;
          expect(rootFromProof(leaves[i]!, j, n, proof)).not.toBe(root);
          expect(rootFromProof(h(5), i, n, proof)).not.toBe(root);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('refuses a proof of the wrong length or an index out of range', () => {
    const leaves = [h(1), h(2), h(3)];
    const proof = merkleProof(leaves, 1);
    expect(() => rootFromProof(leaves[1]!, 1, 3, proof.slice(1))).toThrow(/siblings/);
    expect(() => rootFromProof(leaves[1]!, 3, 3, proof)).toThrow(/leafIndex/);
    expect(() => merkleProof(leaves, 3)).toThrow(/leafIndex/);
    expect(() => merkleRoot([])).toThrow(/leafCount/);
  });
});

describe('batchesOf', () => {
  it('groups by reference block in taskId order, splits on quorum config and chunks at the cap', () => {
    const tasks = [task(5, 10), task(3, 10), task(4, 10, [0], [7000]), task(6, 11), task(7, 11)];
    const batches = batchesOf(tasks);
    expect(batches.map((b) => b.tasks.map((t) => Number(t.taskId)))).toEqual([[3], [4], [5], [6, 7]]);
    expect(batches.map((b) => b.batchId)).toEqual(['10-3-1', '10-4-1', '10-5-1', '11-6-2']);
    const many = Array.from({ length: MAX_BATCH_LEAVES * 2 + 3 }, (_, i) => task(i + 1, 20));
    expect(batchesOf(many).map((b) => b.tasks.length)).toEqual([MAX_BATCH_LEAVES, MAX_BATCH_LEAVES, 3]);
  });

  it('is independent of the order tasks arrive in', () => {
    const tasks = Array.from({ length: 40 }, (_, i) => task(i + 1, 30 + (i % 3)));
    const shuffled = [...tasks].reverse();
    expect(batchesOf(shuffled, 8).map((b) => b.batchId)).toEqual(batchesOf(tasks, 8).map((b) => b.batchId));
  });

  it('refuses duplicate task ids', () => {
    expect(() => batchesOf([task(1, 1), task(1, 1)])).toThrow(/twice/);
  });

  it('batchLeaves uses each task hash and abstains where asked, and names a missing task', () => {
    const [b] = batchesOf([task(1, 5), task(2, 5)]);
    const leaves = batchLeaves(b!, new Map([[1n, h(9)], [2n, null]]));
    expect(leaves).toEqual([batchLeaf(taskHash(b!.tasks[0]!), h(9)), batchLeaf(taskHash(b!.tasks[1]!), null)]);
    expect(() => batchLeaves(b!, new Map([[1n, h(9)]]))).toThrow(/task 2/);
  });
});
