/**
 * The deterministic reductions that turn model outputs into int32 elements: fixed-point rounding,
 * argmax and top-k. Each is exact arithmetic on the float64 value of the input, so every operator
 * that got the same floats gets the same int32s.
 */
import { TensorErrorCode, tensorError } from './errors.js';

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/**
 * round-half-to-even(x · 2^bits), saturated to [-2^31, 2^31 − 1]. ±Infinity saturates; −0 gives 0;
 * NaN throws ERR_TENSOR_VALUE. Scaling by a power of two is exact in float64, so the only rounding
 * is the one specified.
 * @example toFixedPoint(0.5, 0) // 0 (tie to even); toFixedPoint(1.5, 0) // 2
 */
export function toFixedPoint(x: number, bits: number): number {
  if (Number.isNaN(x)) return tensorError(TensorErrorCode.Value, 'Cannot encode NaN as fixed-point', {});
  const y = x * 2 ** bits;
  if (y >= INT32_MAX) return INT32_MAX;
  if (y <= INT32_MIN) return INT32_MIN;
  const f = Math.floor(y);
  const diff = y - f; // exact: |y| < 2^31
  let r: number;
  if (diff > 0.5) r = f + 1;
  else if (diff < 0.5) r = f;
  else r = f % 2 === 0 ? f : f + 1;
  return r === 0 ? 0 : r; // no -0
}

/** Fixed-point back to a float: v / 2^bits (exact in float64). */
export function fromFixedPoint(v: number, bits: number): number {
  return v / 2 ** bits;
}

function score(values: ArrayLike<number | bigint>, i: number, label: string): number | bigint {
  const v = values[i] as number | bigint;
  if (typeof v === 'number' && Number.isNaN(v)) {
    return tensorError(TensorErrorCode.Value, `${label}[${i}] is NaN; argmax/topk cannot rank NaN`, { index: i });
  }
  return v;
}

/**
 * Index of the largest of `length` values starting at `offset`; ties go to the lowest index.
 * NaN throws ERR_TENSOR_VALUE; −0 and +0 tie.
 */
export function argmaxOf(values: ArrayLike<number | bigint>, offset: number, length: number, label = 'scores'): number {
  let best = 0;
  let bestV = score(values, offset, label);
  for (let i = 1; i < length; i++) {
    const v = score(values, offset + i, label);
    if (v > bestV) {
      best = i;
      bestV = v;
    }
  }
  return best;
}

/**
 * Indices of the k largest of `length` values starting at `offset`, by value descending, ties by
 * lower index first. NaN throws ERR_TENSOR_VALUE.
 */
export function topkOf(values: ArrayLike<number | bigint>, offset: number, length: number, k: number, label = 'scores'): number[] {
  const idx = Array.from({ length }, (_, i) => i);
  const vals = idx.map((i) => score(values, offset + i, label));
  idx.sort((a, b) => {
    const va = vals[a] as number | bigint;
    const vb = vals[b] as number | bigint;
    if (va > vb) return -1;
    if (va < vb) return 1;
    return a - b;
  });
  return idx.slice(0, k);
}
