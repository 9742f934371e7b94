/**
 * The digest operators BLS-sign for a response (protocol.md "Signed response digest"). It binds the
 * chain, the oracle contract, the task and the output, so a signature is never valid elsewhere.
 */
import { bytesToHex, checksumLowerAddress, hexToBytes, keccak256Bytes } from '../util/keccak.js';
import { AioracleError } from '../errors.js';
import { RESPONSE_TYPEHASH } from './constants.js';
import type { Bytes32 } from './hex.js';

/** Error code for digest inputs of the wrong shape. */
export const ERR_DIGEST_INPUT_INVALID = 'ERR_DIGEST_INPUT_INVALID';

/** What a response digest binds. */
export interface ResponseDigestParams {
  /** The chain id (block.chainid). */
  chainId: bigint | number;
  /** The InferenceOracle address. */
  oracle: string;
  /** keccak256(abi.encode(task)). */
  taskHash: string;
  /** keccak256(outputBytes). */
  outputHash: string;
}

/**
 * keccak256(abi.encode(RESPONSE_TYPEHASH, chainId, oracle, taskHash, outputHash)).
 * Throws ERR_DIGEST_INPUT_INVALID for a negative/non-integer chain id, a bad address or hash.
 * @example responseDigest({ chainId: 31337n, oracle, taskHash: taskHash(task), outputHash: outputHash(bytes) })
 */
export function responseDigest(params: ResponseDigestParams): Bytes32 {
  const { chainId, oracle, taskHash, outputHash } = params;
  const bad = (field: string, rule: string): never => {
    throw new AioracleError(ERR_DIGEST_INPUT_INVALID, `Validation failed: ${field} ${rule}`, { details: { field } });
  };
  const id = chainIdOf(chainId);
  const oracleBytes = addressBytes(oracle);
  for (const [field, v] of [['taskHash', taskHash], ['outputHash', outputHash]] as const) {
    if (typeof v !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(v)) bad(field, 'must be a 0x-prefixed 32-byte hex string');
  }
  const buf = new Uint8Array(5 * 32);
  buf.set(hexToBytes(RESPONSE_TYPEHASH), 0);
  putUint(buf, 32, id);
  buf.set(oracleBytes, 64 + 12);
  buf.set(hexToBytes(taskHash), 96);
  buf.set(hexToBytes(outputHash), 128);
  return bytesToHex(keccak256Bytes(buf)) as Bytes32;
}

/** A uint256 chain id; ERR_DIGEST_INPUT_INVALID when negative or not an integer. */
export function chainIdOf(chainId: bigint | number): bigint {
  const ok = typeof chainId === 'number' ? Number.isSafeInteger(chainId) && chainId >= 0 : typeof chainId === 'bigint' && chainId >= 0n && chainId < 1n << 256n;
  if (!ok) throw new AioracleError(ERR_DIGEST_INPUT_INVALID, 'Validation failed: chainId must be a non-negative integer', { details: { field: 'chainId' } });
  return BigInt(chainId);
}

/** The 20 bytes of an address (any case; a mixed-case one must carry a valid EIP-55 checksum); ERR_DIGEST_INPUT_INVALID otherwise. */
export function addressBytes(address: string): Uint8Array {
  const ok = typeof address === 'string' && /^0x[0-9a-fA-F]{40}$/.test(address);
  const lower = ok ? address.toLowerCase() : '';
  const body = ok ? address.slice(2) : '';
  const mixed = /[a-f]/.test(body) && /[A-F]/.test(body);
  if (!ok || (mixed && checksumLowerAddress(lower) !== address)) {
    throw new AioracleError(ERR_DIGEST_INPUT_INVALID, 'Validation failed: oracle must be a valid address', { details: { field: 'oracle' } });
  }
  return hexToBytes(lower);
}

/** Writes the non-negative `v` (< 2^256) big-endian into the word at `offset`. */
export function putUint(out: Uint8Array, offset: number, v: bigint): void {
  for (let i = 31; i >= 0 && v > 0n; i--) {
    out[offset + i] = Number(v & 0xffn);
    v >>= 8n;
  }
}
