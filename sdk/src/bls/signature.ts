/**
 * Signing, verification and aggregation, exactly as EigenLayer's BN254.sol and
 * BLSSignatureChecker compute them (docs/bls.md):
 *   σ = sk·H(m), H = hashToG1(msgHash);  valid ⇔ e(σ, −G2)·e(H(m), pkG2) = 1;
 *   γ = keccak256(msgHash, apk, apkG2 [Solidity order], σ) mod r;
 *   aggregate valid ⇔ e(σ + γ·apk, −G2)·e(H(m) + γ·G1, apkG2) = 1.
 */
import { keccak_256 } from '@noble/hashes/sha3.js';
import { FR_MODULUS } from './constants.js';
import { BlsErrorCode, blsError } from './errors.js';
import { bytesToBigInt, packWords } from './field.js';
import { backend } from './init.js';
import type { BlsSecretKey } from './keys.js';
import { type BytesLike, type G1Point, type G2Point, g1Handle, g2Handle, toBytesExact, wrapG1, wrapG2 } from './points.js';

/** A 32-byte digest from bytes or hex. (internal) */
export function digestBytes(digest: BytesLike): Uint8Array {
  return toBytesExact(digest, 32, 'digest');
}

/** EigenLayer's hashToG1 (try-and-increment, see docs/bls.md) of a 32-byte digest. */
export function hashToG1(digest: BytesLike): G1Point {
  const b = backend();
  return wrapG1(b, b.hashToG1(digestBytes(digest)));
}

/** σ = sk·hashToG1(digest). The digest is the 32-byte message hash, signed as is. */
export function blsSign(secretKey: BlsSecretKey, digest: BytesLike): G1Point {
  const b = backend();
  return wrapG1(b, b.g1Mul(b.hashToG1(digestBytes(digest)), secretKey.toBigInt(), true));
}

/**
 * Checks e(σ, −G2)·e(hashToG1(digest), pkG2) = 1. Also usable for an aggregate σ with an
 * aggregate pkG2 over one digest. Infinity σ or key is rejected (returns false).
 */
export function blsVerify(signature: G1Point, publicKeyG2: G2Point, digest: BytesLike): boolean {
  const b = backend();
  const h = b.hashToG1(digestBytes(digest));
  const s = g1Handle(signature, b);
  const q = g2Handle(publicKeyG2, b);
  if (b.g1IsZero(s) || b.g2IsZero(q)) return false;
  return b.gtIsOne(b.pairNegG2(s, h, q));
}

function nonEmpty(n: number, what: string): void {
  if (n === 0) throw blsError(BlsErrorCode.InvalidArgument, `Cannot aggregate an empty list of ${what}`, { what });
}

/** Σ σi (G1). Throws ERR_BLS_INVALID_ARGUMENT for an empty list. */
export function aggregateSignatures(signatures: readonly G1Point[]): G1Point {
  nonEmpty(signatures.length, 'signatures');
  return aggregatePublicKeysG1(signatures);
}

/** Σ pki in G1 (the apk of BLSApkRegistry). Throws for an empty list. */
export function aggregatePublicKeysG1(keys: readonly G1Point[]): G1Point {
  nonEmpty(keys.length, 'G1 points');
  const b = backend();
  let acc = b.g1Zero();
  for (const k of keys) acc = b.g1Add(acc, g1Handle(k, b));
  return wrapG1(b, acc);
}

/** Σ pki in G2. Throws for an empty list. */
export function aggregatePublicKeysG2(keys: readonly G2Point[]): G2Point {
  nonEmpty(keys.length, 'G2 points');
  const b = backend();
  let acc = b.g2Zero();
  for (const k of keys) acc = b.g2Add(acc, g2Handle(k, b));
  return wrapG2(b, acc);
}

/** a − b in G1 (e.g. quorum apk minus non-signer keys). */
export function subtractG1(a: G1Point, c: G1Point): G1Point {
  const b = backend();
  return wrapG1(b, b.g1Add(g1Handle(a, b), b.g1Neg(g1Handle(c, b))));
}

/** The inputs of BLSSignatureChecker's aggregate check. */
export interface AggregateCheckInput {
  /** The 32-byte message hash that was signed. */
  msgHash: BytesLike;
  /** Aggregate G1 key of the signers (quorum apks − non-signer keys). */
  apk: G1Point;
  /** Aggregate G2 key of the signers. */
  apkG2: G2Point;
  /** Aggregate signature. */
  sigma: G1Point;
}

/** γ = keccak256(abi.encodePacked(msgHash, apk.X, apk.Y, apkG2.X[0], apkG2.X[1], apkG2.Y[0], apkG2.Y[1], σ.X, σ.Y)) mod r. */
export function aggregateGamma(input: AggregateCheckInput): bigint {
  const m = digestBytes(input.msgHash);
  const [ax, ay] = input.apk.toSolidity();
  const [[x0, x1], [y0, y1]] = input.apkG2.toSolidity();
  const [sx, sy] = input.sigma.toSolidity();
  const packed = new Uint8Array(32 + 32 * 8);
  packed.set(m, 0);
  packed.set(packWords([ax, ay, x0, x1, y0, y1, sx, sy]), 32);
  return bytesToBigInt(keccak_256(packed)) % FR_MODULUS;
}

/** e(σ + γ·P1, −G2)·e(H + γ·G1, P2) = 1, the γ-randomised check. (internal) */
export function gammaCheck(sigma: G1Point, p1: G1Point, p2: G2Point, hHandleDigest: Uint8Array | G1Point, gamma: bigint): boolean {
  const b = backend();
  const h = hHandleDigest instanceof Uint8Array ? b.hashToG1(hHandleDigest) : g1Handle(hHandleDigest, b);
  const left = b.g1Add(g1Handle(sigma, b), b.g1Mul(g1Handle(p1, b), gamma));
  const right = b.g1Add(h, b.g1Mul(b.g1Generator(), gamma));
  return b.gtIsOne(b.pairNegG2(left, right, g2Handle(p2, b)));
}

/**
 * BLSSignatureChecker.trySignatureAndApkVerification: with γ from {@link aggregateGamma}, checks
 * e(σ + γ·apk, −G2)·e(H(m) + γ·G1, apkG2) = 1 — i.e. σ verifies under apkG2 AND apk matches apkG2.
 */
export function blsVerifyAggregate(input: AggregateCheckInput): boolean {
  return gammaCheck(input.sigma, input.apk, input.apkG2, digestBytes(input.msgHash), aggregateGamma(input));
}
