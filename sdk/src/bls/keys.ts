/**
 * BLS secret keys, key pairs and operator ids. A secret key is a uniform scalar in [1, r) kept in
 * a class that refuses to print itself (toString / toJSON / util.inspect all redact), so it cannot
 * leak into logs or job data by accident.
 */
import { randomBytes } from 'node:crypto';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { FR_MODULUS } from './constants.js';
import { BlsErrorCode, blsError } from './errors.js';
import { bytesToBigInt, bytesToHex, packWords } from './field.js';
import { backend } from './init.js';
import { type BytesLike, type G1Point, type G2Point, toBytesExact, wrapG1, wrapG2 } from './points.js';

const REDACTED = '[BlsSecretKey: redacted]';

/** A BN254 BLS secret key: a scalar in [1, r). Never printed, never serialised implicitly. */
export class BlsSecretKey {
  readonly #k: bigint;
  private constructor(k: bigint) {
    this.#k = k;
  }
  /** A fresh key, uniform in [1, r), from the OS CSPRNG (rejection sampling). */
  static random(): BlsSecretKey {
    for (;;) {
      const b = randomBytes(32);
      b[0] = (b[0] ?? 0) & 0x3f; // 254 bits; r > 2^253, so under half the draws are rejected
      const k = bytesToBigInt(b);
      b.fill(0);
      if (k > 0n && k < FR_MODULUS) return new BlsSecretKey(k);
    }
  }
  /** From a 32-byte big-endian scalar (bytes or hex); must be in [1, r). */
  static fromBytes(v: BytesLike): BlsSecretKey {
    let bytes: Uint8Array;
    try {
      bytes = toBytesExact(v, 32, 'secret key');
    } catch (cause) {
      throw blsError(BlsErrorCode.InvalidSecretKey, 'Invalid secret key: expected 32 bytes (big-endian)', {}, cause);
    }
    return BlsSecretKey.fromBigInt(bytesToBigInt(bytes));
  }
  /** From a scalar; must be in [1, r). */
  static fromBigInt(k: bigint): BlsSecretKey {
    if (typeof k !== 'bigint' || k <= 0n || k >= FR_MODULUS) {
      throw blsError(BlsErrorCode.InvalidSecretKey, 'Invalid secret key: the scalar must be in [1, r)');
    }
    return new BlsSecretKey(k);
  }
  /** The 32-byte big-endian scalar (the keystore plaintext). Handle with care. */
  toBytes(): Uint8Array {
    return packWords([this.#k]);
  }
  /** The scalar. Handle with care. */
  toBigInt(): bigint {
    return this.#k;
  }
  toString(): string {
    return REDACTED;
  }
  toJSON(): string {
    return REDACTED;
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return REDACTED;
  }
}

/** A secret key with both public keys. */
export interface BlsKeyPair {
  secretKey: BlsSecretKey;
  /** sk·G1 (registered on chain; used in apk sums and operatorId). */
  publicKeyG1: G1Point;
  /** sk·G2 (used in pairing checks). */
  publicKeyG2: G2Point;
}

/** Derives pkG1 = sk·G1 and pkG2 = sk·G2. */
export function blsKeyPairFromSecretKey(secretKey: BlsSecretKey): BlsKeyPair {
  const b = backend();
  const k = secretKey.toBigInt();
  return {
    secretKey,
    publicKeyG1: wrapG1(b, b.g1Mul(b.g1Generator(), k, true)),
    publicKeyG2: wrapG2(b, b.g2Mul(b.g2Generator(), k, true)),
  };
}

/** Generates a fresh key pair (sk uniform in [1, r) from the OS CSPRNG). */
export function generateBlsKeyPair(): BlsKeyPair {
  return blsKeyPairFromSecretKey(BlsSecretKey.random());
}

/** operatorId = keccak256(abi.encodePacked(pkG1.X, pkG1.Y)) as 0x-hex bytes32. */
export function operatorIdFromPublicKey(publicKeyG1: G1Point): string {
  return bytesToHex(keccak_256(publicKeyG1.toBytes()));
}
