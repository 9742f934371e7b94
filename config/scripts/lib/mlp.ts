/**
 * A small ReLU multilayer perceptron trained in float64 with mini-batch Adam on softmax
 * cross-entropy. Everything is sequential and seeded (initial weights, shuffling), and uses only the
 * deterministic operations of detMath.ts, so training gives the same weights bit for bit on every run.
 */
import { Mulberry32, detExp } from './detMath.js';

/** A dense layer: `y = x · W + b`, W row-major [inputs][outputs] (the layout of ONNX MatMul's B). */
export interface DenseLayer {
  inputs: number;
  outputs: number;
  W: Float64Array;
  b: Float64Array;
}

/** An MLP: ReLU after every layer but the last; the last gives logits. */
export interface Mlp {
  layers: DenseLayer[];
}

/** Per-feature standardisation learned on the training set: `(x - mean) / std`. */
export interface Standardiser {
  mean: Float64Array;
  std: Float64Array;
}

/** Training hyper-parameters. */
export interface TrainOptions {
  /** Layer widths, input first, classes last (e.g. [22, 32, 16, 3]). */
  sizes: readonly number[];
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** L2 penalty on weights (not biases). */
  weightDecay: number;
  seed: number;
}

/** Fits a standardiser to rows of features. */
export function fitStandardiser(rows: readonly (readonly number[])[]): Standardiser {
  const d = rows[0]!.length;
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  for (const r of rows) for (let i = 0; i < d; i++) mean[i]! += r[i]!;
  for (let i = 0; i < d; i++) mean[i] = mean[i]! / rows.length;
  for (const r of rows) for (let i = 0; i < d; i++) std[i]! += (r[i]! - mean[i]!) * (r[i]! - mean[i]!);
  for (let i = 0; i < d; i++) std[i] = Math.sqrt(std[i]! / rows.length) || 1;
  return { mean, std };
}

/** Applies a standardiser to one row. */
export function standardise(s: Standardiser, row: readonly number[]): Float64Array {
  const out = new Float64Array(row.length);
  for (let i = 0; i < row.length; i++) out[i] = (row[i]! - s.mean[i]!) / s.std[i]!;
  return out;
}

/** Forward pass; returns the activations of every layer (input first, logits last). */
export function forward(mlp: Mlp, x: Float64Array): Float64Array[] {
  const acts = [x];
  let a = x;
  mlp.layers.forEach((L, l) => {
    const z = new Float64Array(L.outputs);
    for (let j = 0; j < L.outputs; j++) z[j] = L.b[j]!;
    for (let i = 0; i < L.inputs; i++) {
      const ai = a[i]!;
      if (ai === 0) continue;
      const row = i * L.outputs;
      for (let j = 0; j < L.outputs; j++) z[j]! += ai * L.W[row + j]!;
    }
    if (l < mlp.layers.length - 1) for (let j = 0; j < L.outputs; j++) if (z[j]! < 0) z[j] = 0;
    acts.push(z);
    a = z;
  });
  return acts;
}

/** Index of the largest value (first one on ties). */
export function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[best]!) best = i;
  return best;
}

/** Softmax with the deterministic exponential. */
export function softmax(z: ArrayLike<number>): Float64Array {
  let m = -Infinity;
  for (let i = 0; i < z.length; i++) if (z[i]! > m) m = z[i]!;
  const e = new Float64Array(z.length);
  let s = 0;
  for (let i = 0; i < z.length; i++) {
    e[i] = detExp(z[i]! - m);
    s += e[i]!;
  }
  for (let i = 0; i < z.length; i++) e[i] = e[i]! / s;
  return e;
}

/** Accuracy of argmax(logits) against labels. */
export function accuracy(mlp: Mlp, xs: readonly Float64Array[], ys: readonly number[]): number {
  let ok = 0;
  xs.forEach((x, n) => {
    if (argmax(forward(mlp, x).at(-1)!) === ys[n]) ok++;
  });
  return ok / xs.length;
}

/**
 * Trains an MLP with mini-batch Adam (β1 0.9, β2 0.999), a learning rate decayed linearly to 10%,
 * and He-initialised weights (approximately normal, from the seeded PRNG). The inner loops use
 * preallocated buffers: training must take seconds, because the reproducibility test re-runs it.
 */
export function trainMlp(xs: readonly Float64Array[], ys: readonly number[], opts: TrainOptions): Mlp {
  const rng = new Mulberry32(opts.seed);
  const layers: DenseLayer[] = [];
  for (let l = 0; l + 1 < opts.sizes.length; l++) {
    const inputs = opts.sizes[l]!;
    const outputs = opts.sizes[l + 1]!;
    const W = new Float64Array(inputs * outputs);
    const sd = Math.sqrt(2 / inputs);
    for (let k = 0; k < W.length; k++) W[k] = sd * rng.normal();
    layers.push({ inputs, outputs, W, b: new Float64Array(outputs) });
  }
  const mlp: Mlp = { layers };
  const params = layers.flatMap((L) => [L.W, L.b]);
  const grads = params.map((p) => new Float64Array(p.length));
  const m1 = params.map((p) => new Float64Array(p.length));
  const m2 = params.map((p) => new Float64Array(p.length));
  const acts = opts.sizes.map((n) => new Float64Array(n));
  const deltas = opts.sizes.map((n) => new Float64Array(n));
  const beta1 = 0.9;
  const beta2 = 0.999;
  let b1t = 1;
  let b2t = 1;
  const order = Array.from(xs, (_, i) => i);
  const steps = Math.ceil(xs.length / opts.batchSize) * opts.epochs;
  let step = 0;

  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
    for (let start = 0; start < order.length; start += opts.batchSize) {
      const end = Math.min(order.length, start + opts.batchSize);
      for (const g of grads) g.fill(0);
      for (let n = start; n < end; n++) backprop(layers, xs[order[n]!]!, ys[order[n]!]!, acts, deltas, grads);
      const lr = opts.learningRate * (1 - (0.9 * step) / steps);
      const inv = 1 / (end - start);
      b1t *= beta1;
      b2t *= beta2;
      for (let k = 0; k < params.length; k++) {
        const p = params[k]!;
        const g = grads[k]!;
        const a = m1[k]!;
        const v = m2[k]!;
        const wd = k % 2 === 0 ? opts.weightDecay : 0;
        for (let i = 0; i < p.length; i++) {
          const gi = g[i]! * inv + wd * p[i]!;
          a[i] = beta1 * a[i]! + (1 - beta1) * gi;
          v[i] = beta2 * v[i]! + (1 - beta2) * gi * gi;
          p[i] = p[i]! - (lr * (a[i]! / (1 - b1t))) / (Math.sqrt(v[i]! / (1 - b2t)) + 1e-8);
        }
      }
      step++;
    }
  }
  return mlp;
}

/** Adds the cross-entropy gradient of one sample to `grads` (laid out as [W0, b0, W1, b1, ...]). */
function backprop(
  layers: readonly DenseLayer[],
  x: Float64Array,
  y: number,
  acts: Float64Array[],
  deltas: Float64Array[],
  grads: Float64Array[],
): void {
  const nl = layers.length;
  acts[0]!.set(x);
  for (let l = 0; l < nl; l++) {
    const L = layers[l]!;
    const a = acts[l]!;
    const z = acts[l + 1]!;
    const W = L.W;
    const no = L.outputs;
    z.set(L.b);
    for (let i = 0; i < L.inputs; i++) {
      const ai = a[i]!;
      if (ai === 0) continue;
      const row = i * no;
      for (let j = 0; j < no; j++) z[j] = z[j]! + ai * W[row + j]!;
    }
    if (l < nl - 1) for (let j = 0; j < no; j++) if (z[j]! < 0) z[j] = 0;
  }
  const logits = acts[nl]!;
  const top = deltas[nl]!;
  let m = -Infinity;
  for (let j = 0; j < logits.length; j++) if (logits[j]! > m) m = logits[j]!;
  let s = 0;
  for (let j = 0; j < logits.length; j++) {
    top[j] = detExp(logits[j]! - m);
    s += top[j]!;
  }
  for (let j = 0; j < logits.length; j++) top[j] = top[j]! / s;
  top[y] = top[y]! - 1;
  for (let l = nl - 1; l >= 0; l--) {
    const L = layers[l]!;
    const a = acts[l]!;
    const delta = deltas[l + 1]!;
    const gW = grads[2 * l]!;
    const gb = grads[2 * l + 1]!;
    const W = L.W;
    const no = L.outputs;
    for (let j = 0; j < no; j++) gb[j] = gb[j]! + delta[j]!;
    const prev = deltas[l]!;
    for (let i = 0; i < L.inputs; i++) {
      const ai = a[i]!;
      if (ai === 0) {
        prev[i] = 0;
        continue;
      }
      const row = i * no;
      let sum = 0;
      for (let j = 0; j < no; j++) {
        gW[row + j] = gW[row + j]! + ai * delta[j]!;
        sum += W[row + j]! * delta[j]!;
      }
      prev[i] = l > 0 && ai > 0 ? sum : 0;
    }
  }
}
