/**
 * Deterministic numerics for the model build.
 *
 * The build must produce byte-identical model files on every machine and every JavaScript engine.
 * IEEE-754 guarantees correctly rounded `+ - * /` and `Math.sqrt`, but not `Math.exp`, `Math.log`,
 * `Math.sin` or `Math.pow` (engines are free to use different approximations). So the build uses
 * only the correctly rounded operations, `Math.imul`, `Math.round`/`Math.floor` and the helpers
 * here, which are built from those operations alone: a seeded PRNG, approximately normal noise and
 * an exponential for the softmax used in training.
 */

/**
 * mulberry32: a small 32-bit PRNG (Tommy Ettinger). Integer-only, so its sequence is the same on
 * every engine. Not cryptographic; used only to generate synthetic training data and initial weights.
 */
export class Mulberry32 {
  private state: number;

  /** @param seed any 32-bit integer; the same seed always gives the same sequence. */
  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Next uniform value in [0, 1), a multiple of 2^-32. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform value in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /**
   * Approximately standard normal value (Irwin–Hall: sum of 12 uniforms minus 6; mean 0, variance 1,
   * support [-6, 6]). Used instead of Box–Muller, which needs `Math.log` and `Math.cos`.
   */
  normal(): number {
    let s = 0;
    for (let i = 0; i < 12; i++) s += this.next();
    return s - 6;
  }
}

const LN2_HI = 0.6931471803691238; // high bits of ln 2 (Cody–Waite split, exact in 32 bits)
const LN2_LO = 1.9082149292705877e-10; // ln 2 − LN2_HI
const INV_LN2 = 1.4426950408889634;

/**
 * e^x from correctly rounded operations only: x = k·ln2 + r with |r| ≤ ln2/2 (Cody–Waite), e^r by
 * a degree-13 Taylor polynomial (error < 1e-16 relative), scaled by 2^k built by repeated
 * multiplication. Accurate to a few ulp, and bit-identical on every IEEE-754 engine.
 * Inputs are clamped to [-700, 700] (training never gets near).
 */
export function detExp(x: number): number {
  const xc = x > 700 ? 700 : x < -700 ? -700 : x;
  const k = Math.round(xc * INV_LN2);
  const r = xc - k * LN2_HI - k * LN2_LO;
  let p = 1;
  for (let i = 13; i >= 1; i--) p = 1 + (r * p) / i;
  let scale = 1;
  const base = k >= 0 ? 2 : 0.5;
  for (let i = Math.abs(k); i > 0; i--) scale *= base;
  return p * scale;
}

/** Round half away from zero (the rounding the feature quantisation documents). */
export function roundHalfAway(x: number): number {
  return x >= 0 ? Math.floor(x + 0.5) : -Math.floor(-x + 0.5);
}

/** 2^k for an integer k, by repeated exact multiplication (no `Math.pow`). */
export function pow2(k: number): number {
  if (!Number.isInteger(k) || Math.abs(k) > 1000) throw new RangeError(`pow2: bad exponent ${k}`);
  let r = 1;
  const base = k >= 0 ? 2 : 0.5;
  for (let i = Math.abs(k); i > 0; i--) r *= base;
  return r;
}
