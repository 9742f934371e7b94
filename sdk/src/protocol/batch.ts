/**
 * Batch attestation (protocol.md "Batch attestation"): which tasks form a batch, the leaf of a
 * (task, output) pair, the positional Merkle tree over the leaves, proofs, and the batch digest that
 * operators BLS-sign. The contract (InferenceOracle.respondToBatch / slashBatchDissenter) computes
 * exactly the same values; golden vectors in the forge tests pin them.
 */
import { ZeroHash } from 'ethers';
import { bytesToHex, hexToBytes, keccak256Bytes } from '../util/keccak.js';
import { AioracleError } from '../errors.js';
import { BATCH_TYPEHASH, MAX_BATCH_LEAVES, MAX_BATCH_LEAVES_ONCHAIN } from './constants.js';
import { addressBytes, chainIdOf, ERR_DIGEST_INPUT_INVALID, putUint } from './digest.js';
import type { Bytes32 } from './hex.js';
import type { Task } from './task.js';
import { taskHash as hashTask } from './task.js';

/** Error code for a Merkle proof or batch that does not fit the protocol's shape. */
export const ERR_BATCH_INVALID = 'ERR_BATCH_INVALID';

/** The outputHash of an abstain leaf: the operator refuses the task (no output is signed). */
export const ABSTAIN_OUTPUT_HASH: Bytes32 = ZeroHash as Bytes32;

const HEX32 = /^0x[0-9a-fA-F]{64}$/;
const LEAF_PREFIX = Uint8Array.of(0);

function bad(field: string, rule: string): never {
  throw new AioracleError(ERR_BATCH_INVALID, `Validation failed: ${field} ${rule}`, { details: { field } });
}

function check32(field: string, v: string): void {
  if (typeof v !== 'string' || !HEX32.test(v)) bad(field, 'must be a 0x-prefixed 32-byte hex string');
}

/**
 * keccak256(abi.encodePacked(uint8(0), taskHash, outputHash)); `outputHash` null or
 * ABSTAIN_OUTPUT_HASH gives the abstain leaf.
 * @example batchLeaf(taskHash(task), outputHash(outputBytes))
 */
export function batchLeaf(taskHash: string, outputHash: string | null): Bytes32 {
  check32('taskHash', taskHash);
  const out = outputHash ?? ABSTAIN_OUTPUT_HASH;
  check32('outputHash', out);
  const buf = new Uint8Array(65);
  buf[0] = LEAF_PREFIX[0]!;
  buf.set(hexToBytes(taskHash), 1);
  buf.set(hexToBytes(out), 33);
  return bytesToHex(keccak256Bytes(buf)) as Bytes32;
}

/** Tree depth for `leafCount` leaves: ceil(log2(leafCount)), 0 for one leaf. */
export function merkleDepth(leafCount: number): number {
  if (!Number.isSafeInteger(leafCount) || leafCount < 1) bad('leafCount', 'must be an integer >= 1');
  let d = 0;
  while (1 << d < leafCount) d++;
  return d;
}

function hashPair(a: Uint8Array, b: Uint8Array): Uint8Array {
  const buf = new Uint8Array(64);
  buf.set(a, 0);
  buf.set(b, 32);
  return keccak256Bytes(buf);
}

/** Every level of the tree, leaves (padded with zero hashes to 2^depth) first, root last. */
function levels(leaves: readonly string[]): Uint8Array[][] {
  const depth = merkleDepth(leaves.length);
  const zero = new Uint8Array(32);
  let level = Array.from({ length: 1 << depth }, (_, i) => {
    const l = leaves[i];
    if (l === undefined) return zero;
    check32(`leaves[${i}]`, l);
    return hexToBytes(l);
  });
  const out = [level];
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(hashPair(level[i]!, level[i + 1]!));
    out.push(next);
    level = next;
  }
  return out;
}

const toHex = (b: Uint8Array): Bytes32 => `0x${Buffer.from(b).toString('hex')}` as Bytes32;

/** The root of the batch tree over `leaves` (in batch order). */
export function merkleRoot(leaves: readonly string[]): Bytes32 {
  const ls = levels(leaves);
  return toHex(ls[ls.length - 1]![0]!);
}

/** The sibling hashes (bottom-up) proving `leaves[index]` under merkleRoot(leaves). */
export function merkleProof(leaves: readonly string[], index: number): Bytes32[] {
  if (!Number.isSafeInteger(index) || index < 0 || index >= leaves.length) bad('leafIndex', `must be in [0, ${leaves.length})`);
  const ls = levels(leaves);
  const proof: Bytes32[] = [];
  let i = index;
  for (let k = 0; k < ls.length - 1; k++) {
    proof.push(toHex(ls[k]![i ^ 1]!));
    i >>= 1;
  }
  return proof;
}

/** The root that `leaf` at `leafIndex` of a `leafCount`-leaf tree and `siblings` lead to; ERR_BATCH_INVALID on a malformed proof. */
export function rootFromProof(leaf: string, leafIndex: number, leafCount: number, siblings: readonly string[]): Bytes32 {
  check32('leaf', leaf);
  const depth = merkleDepth(leafCount);
  if (!Number.isSafeInteger(leafIndex) || leafIndex < 0 || leafIndex >= leafCount) bad('leafIndex', `must be in [0, ${leafCount})`);
  if (siblings.length !== depth) bad('siblings', `must hold ${depth} hashes for ${leafCount} leaves`);
  let h = hexToBytes(leaf);
  for (let k = 0; k < depth; k++) {
    check32(`siblings[${k}]`, siblings[k]!);
    const s = hexToBytes(siblings[k]!);
    h = (leafIndex >> k) & 1 ? hashPair(s, h) : hashPair(h, s);
  }
  return toHex(h);
}

/** What a batch digest binds. */
export interface BatchDigestParams {
  chainId: bigint | number;
  oracle: string;
  /** The tasks' common reference block. */
  referenceBlock: number;
  batchRoot: string;
  leafCount: number;
}

/**
 * keccak256(abi.encode(BATCH_TYPEHASH, chainId, oracle, referenceBlock, batchRoot, leafCount)):
 * the digest an operator signs for a batch.
 */
export function batchDigest(params: BatchDigestParams): Bytes32 {
  const { chainId, oracle, referenceBlock, batchRoot, leafCount } = params;
  if (!Number.isSafeInteger(referenceBlock) || referenceBlock < 0 || referenceBlock >= 2 ** 32) {
    throw new AioracleError(ERR_DIGEST_INPUT_INVALID, 'Validation failed: referenceBlock must be a uint32', { details: { field: 'referenceBlock' } });
  }
  if (!Number.isSafeInteger(leafCount) || leafCount < 1 || leafCount > MAX_BATCH_LEAVES_ONCHAIN) {
    throw new AioracleError(ERR_DIGEST_INPUT_INVALID, `Validation failed: leafCount must be in [1, ${MAX_BATCH_LEAVES_ONCHAIN}]`, { details: { field: 'leafCount' } });
  }
  check32('batchRoot', batchRoot);
  const buf = new Uint8Array(6 * 32);
  buf.set(hexToBytes(BATCH_TYPEHASH), 0);
  putUint(buf, 32, chainIdOf(chainId));
  buf.set(addressBytes(oracle), 64 + 12);
  putUint(buf, 96, BigInt(referenceBlock));
  buf.set(hexToBytes(batchRoot), 128);
  putUint(buf, 160, BigInt(leafCount));
  return bytesToHex(keccak256Bytes(buf)) as Bytes32;
}

/** One batch: tasks in leaf order, all with the same referenceBlock and quorum configuration. */
export interface TaskBatch {
  referenceBlock: number;
  /** Stable id of the batch: `${referenceBlock}-${firstTaskId}-${leafCount}` (no ':' so it can be a BullMQ job id). */
  batchId: string;
  tasks: Task[];
}

const quorumKey = (t: Task): string => `${t.quorumNumbers.join(',')}/${t.quorumThresholdBps.join(',')}`;

/**
 * Splits tasks into the protocol's batches: by referenceBlock, taskId ascending, runs of equal
 * quorum configuration, chunks of at most `maxLeaves`. The caller passes every task of each
 * reference block it covers (a missing task changes the batches, and no honest peer would agree).
 * Duplicate task ids are an error.
 */
export function batchesOf(tasks: readonly Task[], maxLeaves: number = MAX_BATCH_LEAVES): TaskBatch[] {
  const seen = new Set<bigint>();
  for (const t of tasks) {
    if (seen.has(t.taskId)) bad('tasks', `hold task ${t.taskId} twice`);
    seen.add(t.taskId);
  }
  const sorted = [...tasks].sort((a, b) => a.referenceBlock - b.referenceBlock || (a.taskId < b.taskId ? -1 : a.taskId > b.taskId ? 1 : 0));
  const out: TaskBatch[] = [];
  let current: Task[] = [];
  const flush = (): void => {
    if (current.length === 0) return;
    const first = current[0]!;
    out.push({ referenceBlock: first.referenceBlock, batchId: `${first.referenceBlock}-${first.taskId}-${current.length}`, tasks: current });
    current = [];
  };
  for (const t of sorted) {
    const prev = current[current.length - 1];
    if (prev && (prev.referenceBlock !== t.referenceBlock || quorumKey(prev) !== quorumKey(t) || current.length >= maxLeaves)) flush();
    current.push(t);
  }
  flush();
  return out;
}

/** The leaves of `batch` for per-task output hashes (null = abstain), in batch order. */
export function batchLeaves(batch: TaskBatch, outputHashes: ReadonlyMap<bigint, string | null>): Bytes32[] {
  return batch.tasks.map((t) => {
    if (!outputHashes.has(t.taskId)) bad('outputHashes', `lack task ${t.taskId}`);
    return batchLeaf(hashTask(t), outputHashes.get(t.taskId) ?? null);
  });
}
