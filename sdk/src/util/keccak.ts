/**
 * keccak256 for the hot paths (task, input, output and leaf hashes, Merkle trees, digests, address
 * checksums). hash-wasm's WebAssembly keccak is about 20x faster than ethers' JavaScript one on
 * task-sized inputs (4 µs vs 80 µs for 640 bytes on the dev machine), and every operator hashes
 * every task several times. WebAssembly instantiation is asynchronous, so until it is ready (the
 * first milliseconds of a process) the same function runs @noble/hashes' keccak; both compute the
 * same Keccak-256 (tests compare them with ethers on random inputs).
 */
import { keccak_256 } from '@noble/hashes/sha3.js';
import { createKeccak, type IHasher } from 'hash-wasm';

let wasm: IHasher | null = null;
/** Resolves once the WebAssembly hasher is in use (tests and benches await it; nothing else must). */
export const keccakReady: Promise<void> = createKeccak(256).then(
  (h) => {
    wasm = h;
  },
  () => undefined, // stay on the JavaScript implementation
);

/** keccak256 of `data` as 32 bytes. */
export function keccak256Bytes(data: Uint8Array): Uint8Array {
  const h = wasm;
  if (h === null) return keccak_256(data);
  h.init();
  h.update(data);
  return h.digest('binary');
}

/** keccak256 of `data` as lowercase 0x-hex (what ethers' keccak256 returns). */
export function keccak256Hex(data: Uint8Array): `0x${string}` {
  return `0x${bufferOf(keccak256Bytes(data)).toString('hex')}`;
}

/** A Buffer view of `b` (no copy). */
function bufferOf(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

const HEX = /^0x(?:[0-9a-fA-F]{2})*$/;

/** The bytes of 0x-prefixed, even-length hex (throws TypeError otherwise). Faster than ethers' getBytes. */
export function hexToBytes(hex: string): Uint8Array {
  if (typeof hex !== 'string' || !HEX.test(hex)) throw new TypeError('expected 0x-prefixed hex of whole bytes');
  const b = Buffer.from(hex.slice(2), 'hex');
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Lowercase 0x-hex of `b`. */
export function bytesToHex(b: Uint8Array): `0x${string}` {
  return `0x${bufferOf(b).toString('hex')}`;
}

const checksums = new Map<string, string>();
const ASCII = new TextEncoder();

/**
 * The EIP-55 checksummed form of a 20-byte address given in lowercase hex (0x + 40 chars), as
 * ethers' getAddress computes it; cached (requesters, oracles and callbacks repeat).
 */
export function checksumLowerAddress(lower: string): string {
  const hit = checksums.get(lower);
  if (hit !== undefined) return hit;
  const body = lower.slice(2);
  const h = keccak256Bytes(ASCII.encode(body));
  let out = '0x';
  for (let i = 0; i < 40; i++) {
    const c = body.charCodeAt(i);
    const nibble = i % 2 === 0 ? h[i >> 1]! >> 4 : h[i >> 1]! & 0x0f;
    out += c >= 97 && nibble >= 8 ? String.fromCharCode(c - 32) : body[i];
  }
  if (checksums.size >= 4096) checksums.delete(checksums.keys().next().value!);
  checksums.set(lower, out);
  return out;
}
