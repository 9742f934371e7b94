/**
 * Small bigint helpers shared by both backends and the codecs: field arithmetic for on-curve
 * checks and the reference hashToG1, and big-endian byte/hex conversions. Inputs here are public
 * (points, digests); nothing in this file needs to be constant-time.
 */
import { FP_MODULUS as P, G2_B, type Fp2Value } from './constants.js';

/** a mod m in [0, m). */
export function mod(a: bigint, m: bigint = P): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

/** base^exp mod m by square-and-multiply. */
export function modPow(base: bigint, exp: bigint, m: bigint = P): bigint {
  let result = 1n;
  let b = mod(base, m);
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return result;
}

/** True when (x, y) satisfies y² = x³ + 3 over Fp (coordinates must already be < p). */
export function isOnCurveG1(x: bigint, y: bigint): boolean {
  return (y * y) % P === (((x * x) % P) * x + 3n) % P;
}

function fp2Mul(a: Fp2Value, b: Fp2Value): Fp2Value {
  return { re: mod(a.re * b.re - a.im * b.im), im: mod(a.re * b.im + a.im * b.re) };
}

/** True when (x, y) satisfies y² = x³ + 3/(9+u) over Fp2 (on the twist; not a subgroup check). */
export function isOnCurveG2(x: Fp2Value, y: Fp2Value): boolean {
  const y2 = fp2Mul(y, y);
  const x3 = fp2Mul(fp2Mul(x, x), x);
  return y2.re === mod(x3.re + G2_B.re) && y2.im === mod(x3.im + G2_B.im);
}

/** Big-endian unsigned integer from bytes. */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return hex.length === 0 ? 0n : BigInt(`0x${hex}`);
}

/** Writes v as a 32-byte big-endian word into out at offset (v must be < 2^256). */
export function writeWord(out: Uint8Array, offset: number, v: bigint): void {
  let x = v;
  for (let i = 31; i >= 0; i--) {
    out[offset + i] = Number(x & 0xffn);
    x >>= 8n;
  }
}

/** Concatenates 32-byte big-endian words (abi.encodePacked of uint256 values). */
export function packWords(words: readonly bigint[]): Uint8Array {
  const out = new Uint8Array(32 * words.length);
  words.forEach((w, i) => writeWord(out, 32 * i, w));
  return out;
}

/** Lower-case hex with 0x prefix. */
export function bytesToHex(bytes: Uint8Array): string {
  let hex = '0x';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return hex;
}

/** Parses hex (with or without 0x, even length) or returns null when it is not hex. */
export function hexToBytesOrNull(hex: string): Uint8Array | null {
  const h = hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex;
  if (h.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(h)) return null;
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}
