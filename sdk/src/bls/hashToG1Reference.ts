/**
 * The reference (bigint) try-and-increment map of EigenLayer's BN254.hashToG1, used by the noble
 * backend and as the oracle in tests. x = uint256(d) mod p; β = x³ + 3; y = β^((p+1)/4);
 * return (x, y) when y² = β, else x = x + 1 mod p. Exactly this root: never −y.
 */
import { FP_MODULUS as P, FP_SQRT_EXPONENT } from './constants.js';
import { bytesToBigInt, modPow } from './field.js';

/** Affine (x, y) of hashToG1(digest) computed with plain bigints. */
export function hashToG1Affine(digest: Uint8Array): { x: bigint; y: bigint } {
  let x = bytesToBigInt(digest) % P;
  for (;;) {
    const beta = (((x * x) % P) * x + 3n) % P;
    const y = modPow(beta, FP_SQRT_EXPONENT, P);
    if ((y * y) % P === beta) return { x, y };
    x = (x + 1n) % P;
  }
}
