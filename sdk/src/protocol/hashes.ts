/**
 * The protocol's content hashes: of canonical input and output bytes, and the conventional model id.
 * All keccak256, as the contracts compute them.
 */
import { keccak256, toUtf8Bytes } from 'ethers';
import { keccak256Hex } from '../util/keccak.js';
import type { Bytes32 } from './hex.js';

/** keccak256 of canonical input bytes (the task's `inputHash`). */
export function inputHash(inputBytes: Uint8Array): Bytes32 {
  return keccak256Hex(inputBytes) as Bytes32;
}

/** keccak256 of canonical output bytes (the signed `outputHash`). */
export function outputHash(outputBytes: Uint8Array): Bytes32 {
  return keccak256Hex(outputBytes) as Bytes32;
}

/**
 * The conventional model id, keccak256(utf8(name + "@" + version)). Manifest names and versions
 * cannot contain "@", so distinct (name, version) pairs never collide.
 * @example modelIdFor('mlp-int8', '1.0.0')
 */
export function modelIdFor(name: string, version: string): Bytes32 {
  return keccak256(toUtf8Bytes(`${name}@${version}`)) as Bytes32;
}
