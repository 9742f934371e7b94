/**
 * BN254 (alt_bn128, EIP-196/197) constants as EigenLayer's BN254.sol uses them. G2 coordinates
 * here are given as { re, im } pairs; Solidity order ([imaginary, real]) is applied only at the
 * encoding boundary (points.ts).
 */

/** Base field modulus p. */
export const FP_MODULUS = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
/** Scalar field modulus r (order of G1 and G2). */
export const FR_MODULUS = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
/** (p + 1) / 4: the square-root exponent of hashToG1 (p ≡ 3 mod 4). */
export const FP_SQRT_EXPONENT = (FP_MODULUS + 1n) / 4n;

/** An Fp2 element a + b·u as { re: a, im: b }. */
export interface Fp2Value {
  re: bigint;
  im: bigint;
}

/** G1 generator (1, 2). */
export const G1_GENERATOR = { x: 1n, y: 2n } as const;

/** G2 generator of EIP-197. */
export const G2_GENERATOR: { x: Fp2Value; y: Fp2Value } = {
  x: {
    re: 10857046999023057135944570762232829481370756359578518086990519993285655852781n,
    im: 11559732032986387107991004021392285783925812861821192530917403151452391805634n,
  },
  y: {
    re: 8495653923123431417604973247489272438418190587263600148770280649306958101930n,
    im: 4082367875863433681332203403145435568316851327593401208105741076214120093531n,
  },
};

/** The twist constant b' = 3 / (9 + u) of E'(Fp2): y² = x³ + b'. */
export const G2_B: Fp2Value = {
  re: 19485874751759354771024239261021720505790618469301721065564631296452457478373n,
  im: 266929791119991161246907387137283842545076965332900288569378510910307636690n,
};
