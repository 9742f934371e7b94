/**
 * The liquidation-risk feature vector: what a requester computes from a price window and a
 * position's health factor, and how it is quantised to int8 for the `exact-int` model.
 *
 * Every feature has a power-of-two scale 2^-s, so quantisation is exact arithmetic:
 * `q = clamp(roundHalfAway(value · 2^s), -127, 127)`. The float model takes the unquantised values.
 * Prices are any positive unit (USD, ETH); only ratios are used.
 */
import { pow2, roundHalfAway } from './detMath.js';

/** Number of price returns in the window (the window holds WINDOW + 1 prices, oldest first). */
export const WINDOW = 32;
/** Number of most recent per-step returns passed one by one. */
export const RECENT_RETURNS = 16;

/** One entry of the feature vector. */
export interface FeatureSpec {
  /** Stable name (used in docs and `features.json`). */
  name: string;
  /** The int8 value is `value · 2^scaleLog2`, rounded half away from zero, clamped to ±127. */
  scaleLog2: number;
  /** What the value is, in words. */
  description: string;
}

/** The feature vector, in input order. */
export const FEATURES: readonly FeatureSpec[] = [
  ...Array.from({ length: RECENT_RETURNS }, (_, i): FeatureSpec => ({
    name: `ret_${RECENT_RETURNS - 1 - i}`,
    scaleLog2: 10,
    description: `simple return p[t-${RECENT_RETURNS - 1 - i}] / p[t-${RECENT_RETURNS - i}] - 1 (t = latest price)`,
  })),
  { name: 'vol_32', scaleLog2: 11, description: 'population standard deviation of the 32 simple returns in the window' },
  { name: 'vol_8', scaleLog2: 11, description: 'population standard deviation of the last 8 simple returns' },
  { name: 'max_drawdown', scaleLog2: 8, description: 'largest peak-to-trough fall over the 33 prices: max over t of 1 - p[t] / max(p[0..t])' },
  { name: 'ret_32', scaleLog2: 7, description: 'window return p[t] / p[t-32] - 1' },
  { name: 'ret_8', scaleLog2: 8, description: 'recent return p[t] / p[t-8] - 1' },
  { name: 'liq_buffer', scaleLog2: 8, description: 'fall in collateral price that triggers liquidation: 1 - 1 / healthFactor (0 when healthFactor <= 1)' },
];

/** Length of the feature vector. */
export const FEATURE_COUNT = FEATURES.length;

function stdev(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  const m = s / xs.length;
  let v = 0;
  for (const x of xs) v += (x - m) * (x - m);
  return Math.sqrt(v / xs.length);
}

/**
 * Computes the real-valued feature vector.
 * @param prices WINDOW + 1 = 33 positive prices, oldest first.
 * @param healthFactor the position's health factor (collateral · liquidation threshold / debt).
 */
export function computeFeatures(prices: readonly number[], healthFactor: number): number[] {
  if (prices.length !== WINDOW + 1) throw new RangeError(`expected ${WINDOW + 1} prices, got ${prices.length}`);
  if (prices.some((p) => !(p > 0) || !Number.isFinite(p))) throw new RangeError('prices must be finite and positive');
  if (!Number.isFinite(healthFactor) || healthFactor < 0) throw new RangeError('healthFactor must be finite and >= 0');
  const p = prices as number[];
  const returns: number[] = [];
  for (let t = 1; t <= WINDOW; t++) returns.push(p[t]! / p[t - 1]! - 1);
  let peak = p[0]!;
  let mdd = 0;
  for (const x of p) {
    if (x > peak) peak = x;
    const dd = 1 - x / peak;
    if (dd > mdd) mdd = dd;
  }
  const last = p[WINDOW]!;
  return [
    ...returns.slice(WINDOW - RECENT_RETURNS),
    stdev(returns),
    stdev(returns.slice(WINDOW - 8)),
    mdd,
    last / p[0]! - 1,
    last / p[WINDOW - 8]! - 1,
    healthFactor > 1 ? 1 - 1 / healthFactor : 0,
  ];
}

/** Quantises a real feature vector to the int8 input of the `exact-int` model. */
export function quantiseFeatures(features: readonly number[]): number[] {
  if (features.length !== FEATURE_COUNT) throw new RangeError(`expected ${FEATURE_COUNT} features, got ${features.length}`);
  return features.map((v, i) => {
    if (!Number.isFinite(v)) throw new RangeError(`feature ${FEATURES[i]!.name} is not finite`);
    const q = roundHalfAway(v * pow2(FEATURES[i]!.scaleLog2));
    return q > 127 ? 127 : q < -127 ? -127 : q;
  });
}
