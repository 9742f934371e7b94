/**
 * The reproducible build of the demo models under config/models/: generate synthetic data, train the
 * liquidation-risk MLP, quantise it, export the integer-only and the float32 ONNX graphs, and write
 * manifests (validated by the sdk schema), model cards and sample inputs.
 *
 * Everything is a pure function of the constants below: no clock, no Math.random, no network, and
 * only correctly rounded float operations (detMath.ts), so every run on every machine writes the same
 * bytes. The reproducibility test rebuilds into a temporary directory and compares.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { encodeInput, encodeOutput, inputHash, modelRegistration, outputHash, parseManifest, type Manifest } from '@aioracle/sdk';
import { CLASS_NAMES, HORIZON, generateDataset, type Sample } from './dataset.js';
import { FEATURES, FEATURE_COUNT, WINDOW, computeFeatures, quantiseFeatures } from './features.js';
import { accuracy, argmax, fitStandardiser, forward, softmax, standardise, trainMlp, type Mlp, type TrainOptions } from './mlp.js';
import { foldStandardiser, intForward, quantiseMlp, type IntMlp } from './quantize.js';
import { IR_VERSION, OPSET, floatGraph, intGraph } from './exportOnnx.js';
import { encodeModel } from './onnxGraph.js';

/** Version written into manifests and ONNX `producer_version`; bump when the model changes. */
export const MODEL_VERSION = '1.0.0';
/** Name (and folder) of the integer-only model. */
export const INT_MODEL = 'liquidation-risk';
/** Name (and folder) of the float32 model. */
export const FLOAT_MODEL = 'liquidation-risk-f32';

/** Seeds and sizes of the synthetic data and the training run. */
export const BUILD_CONFIG = {
  trainSeed: 0x5eed0001,
  testSeed: 0x5eed0002,
  sampleSeed: 0x5eed0004,
  trainSize: 6000,
  testSize: 2000,
  train: { sizes: [FEATURE_COUNT, 32, 16, 3], epochs: 10, batchSize: 64, learningRate: 0.01, weightDecay: 1e-4, seed: 0x5eed0003 } satisfies TrainOptions,
  fee: '1000000000000000',
  maxBatch: 64,
} as const;

/** Accuracy figures of one build. */
export interface BuildMetrics {
  classCounts: { train: number[]; test: number[] };
  float: { trainAccuracy: number; testAccuracy: number };
  int: { trainAccuracy: number; testAccuracy: number; testConfusion: number[][] };
  /** Share of test rows where the int model's argmax equals the float model's. */
  intFloatAgreement: number;
}

/** Everything a build produces, in memory. */
export interface BuildResult {
  /** Files by path relative to the output directory, in write order. */
  files: Map<string, Uint8Array>;
  metrics: BuildMetrics;
  manifests: { int: Manifest; float: Manifest };
  /** The trained float network on raw (unstandardised) features. */
  floatNet: Mlp;
  /** The quantised network. */
  intNet: IntMlp;
  /** The held-out test set. */
  test: Sample[];
}

const round6 = (x: number): number => Number(x.toFixed(6));

const hex = (bytes: Uint8Array): string => `0x${Buffer.from(bytes).toString('hex')}`;

function sha256Hex(bytes: Uint8Array): string {
  return `0x${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * Pretty JSON with 2-space indents, except that arrays of numbers and strings stay on one line
 * (tensors and shapes read as rows). Deterministic: key order is insertion order.
 */
export function prettyJson(value: unknown, indent = ''): string {
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'number' || typeof v === 'string')) return `[${value.map((v) => JSON.stringify(v)).join(', ')}]`;
    return `[\n${value.map((v) => inner + prettyJson(v, inner)).join(',\n')}\n${indent}]`;
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return '{}';
    return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${prettyJson(v, inner)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}

function jsonBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(`${prettyJson(value)}\n`);
}

function confusion(pred: readonly number[], truth: readonly number[]): number[][] {
  const m = CLASS_NAMES.map(() => CLASS_NAMES.map(() => 0));
  pred.forEach((p, i) => m[truth[i]!]![p]!++);
  return m;
}

/**
 * Picks one position per class from a pool with its own seed, with prices rounded to cents of a
 * $2000 asset and the health factor to 4 decimals: the first of each class that both models classify
 * correctly after rounding (a sample is documentation, not an edge case).
 */
function samplePositions(floatNet: Mlp, intNet: IntMlp): { prices: number[]; healthFactor: number }[] {
  const pool = generateDataset(BUILD_CONFIG.sampleSeed, 500);
  return CLASS_NAMES.map((_, cls) => {
    for (const s of pool) {
      if (s.label !== cls) continue;
      const prices = s.prices.map((p) => Number((2000 * p).toFixed(2)));
      const healthFactor = Number(s.healthFactor.toFixed(4));
      const f = computeFeatures(prices, healthFactor);
      const byInt = argmax(intForward(intNet, quantiseFeatures(f)));
      const byFloat = argmax(forward(floatNet, Float64Array.from(f, Math.fround)).at(-1)!);
      if (byInt === cls && byFloat === cls) return { prices, healthFactor };
    }
    throw new Error(`no sample of class ${cls} that both models classify correctly`);
  });
}

function featureCard(quantised: boolean): unknown {
  return {
    window: { prices: WINDOW + 1, order: 'oldest first', horizonSteps: HORIZON },
    features: FEATURES.map((f, index) =>
      quantised ? { index, name: f.name, scale: `2^-${f.scaleLog2}`, scaleLog2: f.scaleLog2, description: f.description } : { index, name: f.name, description: f.description },
    ),
    ...(quantised
      ? { quantisation: 'q = clamp(roundHalfAwayFromZero(value * 2^scaleLog2), -127, 127), as int8; roundHalfAwayFromZero(x) = x >= 0 ? floor(x + 0.5) : -floor(-x + 0.5)' }
      : { input: 'the real feature values as float32 (no quantisation)' }),
    classes: CLASS_NAMES.map((name, index) => ({ index, name })),
  };
}

/** Trains, quantises and exports; returns the files in memory (no I/O). */
export function buildArtifacts(): BuildResult {
  const cfg = BUILD_CONFIG;
  const train = generateDataset(cfg.trainSeed, cfg.trainSize);
  const test = generateDataset(cfg.testSeed, cfg.testSize);
  const st = fitStandardiser(train.map((s) => s.features));
  const xs = train.map((s) => standardise(st, s.features));
  const xt = test.map((s) => standardise(st, s.features));
  const ys = train.map((s) => s.label);
  const yt = test.map((s) => s.label);
  const mlp = trainMlp(xs, ys, cfg.train);
  const floatNet = foldStandardiser(mlp, st);
  const scaleLog2 = FEATURES.map((f) => f.scaleLog2);
  const intNet = quantiseMlp(mlp, st, scaleLog2, xs);

  const intPred = (set: Sample[]) => set.map((s) => argmax(intForward(intNet, quantiseFeatures(s.features))));
  const intTest = intPred(test);
  const intTrain = intPred(train);
  const floatTest = xt.map((x) => argmax(forward(mlp, x).at(-1)!));
  const acc = (pred: number[], ys2: number[]) => pred.filter((p, i) => p === ys2[i]).length / pred.length;
  const counts = (set: Sample[]) => CLASS_NAMES.map((_, c) => set.filter((s) => s.label === c).length);
  const metrics: BuildMetrics = {
    classCounts: { train: counts(train), test: counts(test) },
    float: { trainAccuracy: round6(accuracy(mlp, xs, ys)), testAccuracy: round6(accuracy(mlp, xt, yt)) },
    int: { trainAccuracy: round6(acc(intTrain, ys)), testAccuracy: round6(acc(intTest, yt)), testConfusion: confusion(intTest, yt) },
    intFloatAgreement: round6(intTest.filter((p, i) => p === floatTest[i]).length / intTest.length),
  };

  const provenance: [string, string][] = [
    ['source', 'config/scripts/build-models.ts (npm run build:models -w config)'],
    ['training', `synthetic data, seeds ${cfg.trainSeed}/${cfg.testSeed}, ${cfg.trainSize}/${cfg.testSize} rows; MLP ${cfg.train.sizes.join('-')}`],
  ];
  const intOnnx = encodeModel(
    intGraph(intNet, {
      graphName: INT_MODEL,
      docString: 'Liquidation risk (0 low, 1 medium, 2 high). Integer-only: int8 features -> int32 logits. See config/models/README.md.',
      producerVersion: MODEL_VERSION,
      inputName: 'features',
      outputName: 'logits',
      metadata: provenance,
    }),
  );
  const floatOnnx = encodeModel(
    floatGraph(floatNet, {
      graphName: FLOAT_MODEL,
      docString: 'Liquidation risk (0 low, 1 medium, 2 high). float32 features -> class probabilities. See config/models/README.md.',
      producerVersion: MODEL_VERSION,
      inputName: 'features',
      outputName: 'probs',
      metadata: provenance,
    }),
  );

  const classes = CLASS_NAMES.map((n, i) => `${i} ${n}`).join(', ');
  const intManifest = parseManifest({
    name: INT_MODEL,
    version: MODEL_VERSION,
    description: `Liquidation risk of a lending position (${classes}) from 33 collateral prices and the health factor. Integer-only MLP ${cfg.train.sizes.join('-')}; int8 features quantised as in model-card.json; output = argmax of int32 logits.`,
    onnx: { file: 'model.onnx', sha256: sha256Hex(intOnnx) },
    runtime: { engine: 'onnxruntime-node', graphOptimizationLevel: 'all' },
    inputs: [{ name: 'features', dtype: 'int8', shape: ['batch', FEATURE_COUNT] }],
    outputs: [{ name: 'logits', dtype: 'int32', shape: ['batch', CLASS_NAMES.length], encoding: 'argmax' }],
    profile: 'exact-int',
    tolerance: 0,
    fee: cfg.fee,
    maxBatch: cfg.maxBatch,
  });
  const floatManifest = parseManifest({
    name: FLOAT_MODEL,
    version: MODEL_VERSION,
    description: `Liquidation risk of a lending position: probabilities of (${classes}) from 33 collateral prices and the health factor. float32 MLP ${cfg.train.sizes.join('-')} + softmax on onnxruntime-web (wasm, 1 thread); output = probabilities in fixed point (2^-16).`,
    onnx: { file: 'model.onnx', sha256: sha256Hex(floatOnnx) },
    runtime: { engine: 'onnxruntime-web', graphOptimizationLevel: 'disabled', intraOpNumThreads: 1 },
    inputs: [{ name: 'features', dtype: 'float32', shape: ['batch', FEATURE_COUNT] }],
    outputs: [{ name: 'probs', dtype: 'float32', shape: ['batch', CLASS_NAMES.length], encoding: 'fixed:16' }],
    profile: 'exact-wasm',
    tolerance: 0,
    fee: cfg.fee,
    maxBatch: cfg.maxBatch,
  });

  const positions = samplePositions(floatNet, intNet);
  const rawFeatures = positions.map((p) => computeFeatures(p.prices, p.healthFactor));
  const qFeatures = rawFeatures.map(quantiseFeatures);
  const fFeatures = rawFeatures.map((f) => f.map(Math.fround));
  const logits = qFeatures.map((q) => intForward(intNet, q));
  const probs = fFeatures.map((f) => Array.from(softmax(forward(floatNet, Float64Array.from(f)).at(-1)!)));
  const sampleNote = 'Three positions: low, medium and high risk. Prices are a $2000 asset, oldest first; features per model-card.json.';

  const card = (quantised: boolean, extra: Record<string, unknown>) => ({
    name: quantised ? INT_MODEL : FLOAT_MODEL,
    version: MODEL_VERSION,
    architecture: quantised
      ? `int8 MLP ${cfg.train.sizes.join('-')}: per layer MatMulInteger(int8 x int8) + int32 bias, Relu, requantise (Mul, +half, Div 2^k, Clip 0..127, Cast int8); int32 logits`
      : `float32 MLP ${cfg.train.sizes.join('-')}: per layer MatMul + Add, Relu; Softmax`,
    onnx: { opset: OPSET, irVersion: IR_VERSION },
    training: { ...cfg.train, trainSize: cfg.trainSize, testSize: cfg.testSize, trainSeed: cfg.trainSeed, testSeed: cfg.testSeed, optimiser: 'Adam, softmax cross-entropy, float64' },
    metrics,
    ...featureCard(quantised) as Record<string, unknown>,
    ...extra,
  });

  const files = new Map<string, Uint8Array>();
  files.set(`${INT_MODEL}/model.onnx`, intOnnx);
  files.set(`${INT_MODEL}/manifest.json`, jsonBytes(intManifest));
  files.set(`${INT_MODEL}/model-card.json`, jsonBytes(card(true, { logitScale: intNet.logitScale })));
  files.set(
    `${INT_MODEL}/sample-input.json`,
    jsonBytes({
      model: `${INT_MODEL}@${MODEL_VERSION}`,
      note: sampleNote,
      positions,
      inputs: { features: qFeatures },
      inputBytes: hex(encodeInput(intManifest, { features: qFeatures })),
      inputHash: inputHash(encodeInput(intManifest, { features: qFeatures })),
      expected: {
        logits,
        argmax: logits.map(argmax),
        outputBytes: hex(encodeOutput(intManifest, { logits })),
        outputHash: outputHash(encodeOutput(intManifest, { logits })),
      },
    }),
  );
  files.set(`${FLOAT_MODEL}/model.onnx`, floatOnnx);
  files.set(`${FLOAT_MODEL}/manifest.json`, jsonBytes(floatManifest));
  files.set(`${FLOAT_MODEL}/model-card.json`, jsonBytes(card(false, {})));
  files.set(
    `${FLOAT_MODEL}/sample-input.json`,
    jsonBytes({
      model: `${FLOAT_MODEL}@${MODEL_VERSION}`,
      note: `${sampleNote} Features are float32 values. expected.probs is the float64 reference rounded to 6 decimals (the runtime's float32 result differs in the last bits).`,
      positions,
      inputs: { features: fFeatures },
      inputBytes: hex(encodeInput(floatManifest, { features: fFeatures })),
      inputHash: inputHash(encodeInput(floatManifest, { features: fFeatures })),
      expected: { argmax: probs.map(argmax), probs: probs.map((p) => p.map(round6)) },
    }),
  );
  files.set(
    'index.json',
    jsonBytes(
      [intManifest, floatManifest].map((m) => {
        const reg = modelRegistration(m);
        return {
          name: m.name,
          version: m.version,
          manifest: `${m.name}/manifest.json`,
          modelId: reg.modelId,
          manifestHash: reg.manifestHash,
          onnxHash: reg.onnxHash,
          profile: m.profile,
          profileId: reg.profile,
          tolerance: reg.tolerance,
          fee: m.fee,
        };
      }),
    ),
  );
  return { files, metrics, manifests: { int: intManifest, float: floatManifest }, floatNet, intNet, test };
}

/** Options of {@link buildModels}. */
export interface BuildModelsOptions {
  /** Directory that receives `<model>/...` and `index.json` (created if missing). */
  outDir: string;
}

/**
 * Builds every demo model and writes the files under `outDir`.
 * @example buildModels({ outDir: 'config/models' })
 */
export function buildModels(opts: BuildModelsOptions): BuildResult {
  const result = buildArtifacts();
  for (const [rel, bytes] of result.files) {
    const path = join(opts.outDir, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
  }
  return result;
}
