/**
 * Synthetic training data for the liquidation-risk classifier, generated from a seed.
 *
 * Each sample is a lending position (health factor) and the last 33 prices of its collateral. The
 * price path is a random walk with a latent per-step volatility σ, a latent drift μ and rare
 * downward jumps. The label is the position's risk over the next HORIZON steps, from the latent
 * parameters (which the model never sees; it sees only estimates from the window):
 *
 *   distance = (liqBuffer + μ·HORIZON) / (σ·√HORIZON)      (liquidation distance in σ units)
 *   class    = 2 (high) if distance < 1.25, 1 (medium) if distance < 2.5, else 0 (low)
 *
 * This is the classic "distance to default" of a Merton-style model, measured in price-fall units.
 */
import { Mulberry32 } from './detMath.js';
import { WINDOW, computeFeatures } from './features.js';

/** Steps ahead over which the risk is judged. */
export const HORIZON = 24;
/** Class names, by class index. */
export const CLASS_NAMES = ['low', 'medium', 'high'] as const;

/** One generated position. */
export interface Sample {
  prices: number[];
  healthFactor: number;
  /** Real-valued features (see features.ts). */
  features: number[];
  /** 0 = low, 1 = medium, 2 = high risk. */
  label: number;
}

/** Generates one sample from the PRNG. */
export function generateSample(rng: Mulberry32): Sample {
  // Latent regime: mostly calm markets, sometimes stressed ones (σ from 0.3% to 4% per step).
  const u = rng.next();
  const sigma = 0.003 + 0.037 * u * u;
  const mu = rng.uniform(-0.003, 0.003);
  const jumpProb = 0.02;
  const prices = [1];
  for (let t = 1; t <= WINDOW; t++) {
    let r = mu + sigma * rng.normal();
    if (rng.next() < jumpProb) r -= sigma * rng.uniform(2, 5);
    if (r < -0.3) r = -0.3;
    if (r > 0.3) r = 0.3;
    prices.push(prices[t - 1]! * (1 + r));
  }
  // Liquidation buffer (price fall to liquidation) 0.5%..45%, i.e. health factor 1.005..1.82.
  const buffer = rng.uniform(0.005, 0.45);
  const healthFactor = 1 / (1 - buffer);
  const distance = (buffer + mu * HORIZON) / (sigma * Math.sqrt(HORIZON));
  const label = distance < 1.25 ? 2 : distance < 2.5 ? 1 : 0;
  return { prices, healthFactor, features: computeFeatures(prices, healthFactor), label };
}

/** Generates `n` samples from `seed`; the same arguments always give the same samples. */
export function generateDataset(seed: number, n: number): Sample[] {
  const rng = new Mulberry32(seed);
  return Array.from({ length: n }, () => generateSample(rng));
}
