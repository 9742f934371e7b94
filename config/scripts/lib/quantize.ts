/**
 * Post-training quantisation of the float MLP to an integer-only network, and the exact integer
 * reference of that network (what every runtime must reproduce bit for bit).
 *
 * Scheme (all integer at inference):
 * - Input: int8 features q (features.ts); the standardisation and the per-feature scales are folded
 *   into the first layer's weights.
 * - Each layer: acc = q_in · Wq + bq in int32 (int8 × int8 `MatMulInteger`, int32 `Add`), with int8
 *   symmetric weights (zero point 0). Hidden layers use one weight scale per output column.
 * - Requantisation of a hidden layer, per channel j, with one shift k per layer:
 *   q_out = min(127, (relu(acc) · M[j] + 2^(k-1)) / 2^k). Numerator ≥ 0, so integer division is
 *   floor and the whole thing is round-half-up of relu(acc) · M[j] / 2^k. Activation scales are per
 *   channel (max over the calibration set / 127) and folded into the next layer's weights.
 * - Last layer: one weight scale for all classes, so the int32 logits are comparable for argmax.
 * - Overflow: the build proves, from the weights and the int8 input range, that no int32 value in the
 *   graph can overflow for ANY input, so every runtime computes exactly the reference.
 */
import { pow2 } from './detMath.js';
import { forward, type Mlp, type Standardiser } from './mlp.js';

/** One quantised layer. */
export interface IntLayer {
  inputs: number;
  outputs: number;
  /** int8 weights, row-major [inputs][outputs]. */
  Wq: Int8Array;
  /** int32 bias, in accumulator units. */
  bq: Int32Array;
  /** Requantisation multipliers per output (hidden layers only). */
  M?: Int32Array;
  /** Requantisation shift (hidden layers only): divide by 2^shift. */
  shift?: number;
  /** Real value of one accumulator unit, per output (for reports). */
  accScale: Float64Array;
}

/** The quantised network. */
export interface IntMlp {
  layers: IntLayer[];
  /** Real logit = int32 logit · logitScale. */
  logitScale: number;
}

const INT32_MAX = 0x7fffffff;

/**
 * Folds the standardiser and the feature scales (2^-scaleLog2) into the first layer, giving weights
 * A and bias c such that the first layer's pre-activation is `q · A + c` for int8 input q.
 */
function foldInput(mlp: Mlp, st: Standardiser, scaleLog2: readonly number[]): { A: Float64Array; c: Float64Array } {
  const L = mlp.layers[0]!;
  const A = new Float64Array(L.W.length);
  const c = Float64Array.from(L.b);
  for (let i = 0; i < L.inputs; i++) {
    for (let j = 0; j < L.outputs; j++) {
      const w = L.W[i * L.outputs + j]! / st.std[i]!;
      A[i * L.outputs + j] = w * pow2(-scaleLog2[i]!);
      c[j] = c[j]! - st.mean[i]! * w;
    }
  }
  return { A, c };
}

/**
 * Folds the standardiser into the first layer for the float model, whose input is the raw feature
 * vector: returns an MLP with the same function on unstandardised features.
 */
export function foldStandardiser(mlp: Mlp, st: Standardiser): Mlp {
  const L = mlp.layers[0]!;
  const W = new Float64Array(L.W.length);
  const b = Float64Array.from(L.b);
  for (let i = 0; i < L.inputs; i++) {
    for (let j = 0; j < L.outputs; j++) {
      const w = L.W[i * L.outputs + j]! / st.std[i]!;
      W[i * L.outputs + j] = w;
      b[j] = b[j]! - st.mean[i]! * w;
    }
  }
  return { layers: [{ ...L, W, b }, ...mlp.layers.slice(1)] };
}

function roundHalfAway(x: number): number {
  return x >= 0 ? Math.floor(x + 0.5) : -Math.floor(-x + 0.5);
}

/**
 * Quantises a trained MLP.
 * @param mlp the trained network (on standardised features).
 * @param st the standardiser it was trained with.
 * @param scaleLog2 per-feature quantisation exponents (features.ts).
 * @param calibration standardised training rows, for the activation ranges.
 */
export function quantiseMlp(mlp: Mlp, st: Standardiser, scaleLog2: readonly number[], calibration: readonly Float64Array[]): IntMlp {
  const nl = mlp.layers.length;
  // Per-channel activation ranges of the hidden layers on the calibration set (float model).
  const actMax = mlp.layers.slice(0, -1).map((L) => new Float64Array(L.outputs));
  for (const x of calibration) {
    const acts = forward(mlp, x);
    for (let l = 0; l < nl - 1; l++) {
      const a = acts[l + 1]!;
      const m = actMax[l]!;
      for (let j = 0; j < a.length; j++) if (a[j]! > m[j]!) m[j] = a[j]!;
    }
  }
  const actScale = actMax.map((m) => Float64Array.from(m, (v) => (v > 0 ? v / 127 : 1)));

  const layers: IntLayer[] = [];
  let inMax = 128; // largest |input| of the layer: int8 features, then activations in [0, 127]
  let logitScale = 0;
  for (let l = 0; l < nl; l++) {
    const L = mlp.layers[l]!;
    const last = l === nl - 1;
    // Real weights acting on the integer input of this layer, and the bias.
    let A: Float64Array;
    let c: Float64Array;
    if (l === 0) ({ A, c } = foldInput(mlp, st, scaleLog2));
    else {
      const prevScale = actScale[l - 1]!;
      A = new Float64Array(L.W.length);
      for (let i = 0; i < L.inputs; i++) for (let j = 0; j < L.outputs; j++) A[i * L.outputs + j] = L.W[i * L.outputs + j]! * prevScale[i]!;
      c = Float64Array.from(L.b);
    }
    // Weight scales: per output column for hidden layers, one for the logits layer.
    const colMax = new Float64Array(L.outputs);
    for (let i = 0; i < L.inputs; i++) for (let j = 0; j < L.outputs; j++) colMax[j] = Math.max(colMax[j]!, Math.abs(A[i * L.outputs + j]!));
    let globalMax = 0;
    for (const v of colMax) globalMax = Math.max(globalMax, v);
    const wScale = Float64Array.from(colMax, (v) => ((last ? globalMax : v) > 0 ? (last ? globalMax : v) / 127 : 1));
    const Wq = new Int8Array(A.length);
    for (let i = 0; i < L.inputs; i++) {
      for (let j = 0; j < L.outputs; j++) {
        const q = roundHalfAway(A[i * L.outputs + j]! / wScale[j]!);
        Wq[i * L.outputs + j] = Math.max(-127, Math.min(127, q));
      }
    }
    const bq = Int32Array.from(c, (v, j) => roundHalfAway(v / wScale[j]!));
    // Worst-case |acc| per output over every possible input.
    const accMax = new Float64Array(L.outputs);
    for (let j = 0; j < L.outputs; j++) {
      let s = Math.abs(bq[j]!);
      for (let i = 0; i < L.inputs; i++) s += inMax * Math.abs(Wq[i * L.outputs + j]!);
      if (s > INT32_MAX) throw new Error(`layer ${l} output ${j}: accumulator may overflow int32 (${s})`);
      accMax[j] = s;
    }
    const layer: IntLayer = { inputs: L.inputs, outputs: L.outputs, Wq, bq, accScale: wScale };
    if (!last) {
      // Largest shift k ≤ 24 such that relu(acc)·M + 2^(k-1) fits in int32 for every channel.
      const ratio = Float64Array.from(wScale, (w, j) => w / actScale[l]![j]!);
      let shift = 24;
      const fits = (k: number) => ratio.every((r, j) => accMax[j]! * roundHalfAway(r * pow2(k)) + pow2(k - 1) <= INT32_MAX);
      while (shift > 1 && !fits(shift)) shift--;
      if (!fits(shift)) throw new Error(`layer ${l}: no requantisation shift avoids int32 overflow`);
      layer.M = Int32Array.from(ratio, (r) => roundHalfAway(r * pow2(shift)));
      layer.shift = shift;
      inMax = 127;
    } else {
      logitScale = wScale[0]!;
    }
    layers.push(layer);
  }
  return { layers, logitScale };
}

/**
 * The exact integer reference: int32 logits for an int8 feature row. All intermediate values are
 * integers below 2^31 in magnitude (proved at quantisation), so JavaScript numbers hold them exactly.
 */
export function intForward(net: IntMlp, q: readonly number[]): number[] {
  let a: number[] = [...q];
  for (const L of net.layers) {
    const acc: number[] = Array.from(L.bq);
    for (let i = 0; i < L.inputs; i++) {
      const ai = a[i]!;
      if (ai === 0) continue;
      for (let j = 0; j < L.outputs; j++) acc[j] = acc[j]! + ai * L.Wq[i * L.outputs + j]!;
    }
    if (L.M === undefined || L.shift === undefined) return acc;
    const div = pow2(L.shift);
    const half = pow2(L.shift - 1);
    a = acc.map((v, j) => Math.min(127, Math.floor(((v > 0 ? v : 0) * L.M![j]! + half) / div)));
  }
  throw new Error('network has no output layer');
}
