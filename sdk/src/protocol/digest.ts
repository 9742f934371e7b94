/**
 * The digest operators BLS-sign for a response (protocol.md "Signed response digest"). It binds the
 * chain, the oracle contract, the task and the output, so a signature is never valid elsewhere.
 */
import { AbiCoder, isAddress, keccak256 } from 'ethers';
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
  if (typeof chainId === 'number' ? !Number.isSafeInteger(chainId) || chainId < 0 : chainId < 0n || chainId >= 1n << 256n) {
    bad('chainId', 'must be a non-negative integer');
  }
  if (typeof oracle !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(oracle) || !isAddress(oracle)) bad('oracle', 'must be a valid address');
  for (const [field, v] of [['taskHash', taskHash], ['outputHash', outputHash]] as const) {
    if (typeof v !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(v)) bad(field, 'must be a 0x-prefixed 32-byte hex string');
  }
  const encoded = AbiCoder.defaultAbiCoder().encode(
    ['bytes32', 'uint256', 'address', 'bytes32', 'bytes32'],
    [RESPONSE_TYPEHASH, chainId, oracle, taskHash, outputHash],
  );
  return keccak256(encoded) as Bytes32;
}
