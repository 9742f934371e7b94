/**
 * The one seam between the BLS logic and a curve library. Everything above this file works on
 * opaque handles; a backend owns their representation. Two implementations exist: mcl-wasm
 * (fast, default) and @noble/curves (pure JS reference). Backends never validate: callers pass
 * points whose coordinates are < p and on the curve (G2 ones also in the subgroup), except for
 * `g2InSubgroup`, which is the validation itself.
 */
import type { Fp2Value } from './constants.js';

/** Opaque G1 element of one backend. */
export type G1Handle = { readonly __g1: unique symbol };
/** Opaque G2 element of one backend. */
export type G2Handle = { readonly __g2: unique symbol };
/** Opaque GT element (after final exponentiation) of one backend. */
export type GtHandle = { readonly __gt: unique symbol };
/** Opaque scalar vector prepared for repeated multi-scalar multiplications. */
export type ScalarsHandle = { readonly __scalars: unique symbol };

/** Names of the available backends. */
export type BlsBackendName = 'mcl' | 'noble';

/** Affine G2 coordinates in { re, im } form. */
export interface G2AffineValue {
  x: Fp2Value;
  y: Fp2Value;
}

/** The curve operations the BLS module needs, nothing more. */
export interface BlsBackend {
  readonly name: BlsBackendName;

  g1Generator(): G1Handle;
  g1Zero(): G1Handle;
  /** From affine coordinates that are < p and on the curve. */
  g1FromAffine(x: bigint, y: bigint): G1Handle;
  /** Affine coordinates, or null for infinity. */
  g1ToAffine(p: G1Handle): { x: bigint; y: bigint } | null;
  g1Add(a: G1Handle, b: G1Handle): G1Handle;
  g1Neg(a: G1Handle): G1Handle;
  /** k·a for 0 ≤ k < r. `secret` asks for the backend's constant-time path where it has one. */
  g1Mul(a: G1Handle, k: bigint, secret?: boolean): G1Handle;
  g1Equal(a: G1Handle, b: G1Handle): boolean;
  g1IsZero(a: G1Handle): boolean;

  g2Generator(): G2Handle;
  g2Zero(): G2Handle;
  /** From affine coordinates that are < p and on the twist (subgroup not checked). */
  g2FromAffine(p: G2AffineValue): G2Handle;
  g2ToAffine(p: G2Handle): G2AffineValue | null;
  g2InSubgroup(p: G2Handle): boolean;
  g2Add(a: G2Handle, b: G2Handle): G2Handle;
  g2Neg(a: G2Handle): G2Handle;
  g2Mul(a: G2Handle, k: bigint, secret?: boolean): G2Handle;
  g2Equal(a: G2Handle, b: G2Handle): boolean;
  g2IsZero(a: G2Handle): boolean;

  /** Prepares scalars (each 0 ≤ k < r) once for several MSMs over sub-ranges. */
  prepareScalars(ks: readonly bigint[]): ScalarsHandle;
  /** Σ ks[i]·points[i] for i in [from, to). */
  g1Msm(points: readonly G1Handle[], ks: ScalarsHandle, from: number, to: number): G1Handle;
  g2Msm(points: readonly G2Handle[], ks: ScalarsHandle, from: number, to: number): G2Handle;

  /** EigenLayer's try-and-increment hashToG1 of a 32-byte digest (see docs/bls.md). */
  hashToG1(digest: Uint8Array): G1Handle;

  /** e(a, −G2) · e(b, q), final-exponentiated. The only pairing shape EigenLayer uses. */
  pairNegG2(a: G1Handle, b: G1Handle, q: G2Handle): GtHandle;
  gtIsOne(x: GtHandle): boolean;
  gtMul(a: GtHandle, b: GtHandle): GtHandle;
  gtDiv(a: GtHandle, b: GtHandle): GtHandle;
}
