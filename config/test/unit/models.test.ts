/**
 * The demo models under config/models/: the build is reproducible, the exact-int graph is integer
 * only, the manifests validate and pin the committed files, and the runtimes the profiles name give
 * byte-identical outputs (onnxruntime-node at several thread counts and optimisation levels, and
 * onnxruntime-web's wasm backend, all equal to the integer reference computed in TypeScript).
 *
 * One build (into a temporary directory) is shared by every test in this file: it is the slow part.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ortWeb from 'onnxruntime-web';
import { decodeInput, encodeOutput, manifestHash, modelRegistration, ortSessionOptions, parseManifest, type Manifest } from '@aioracle/sdk';
import { FLOAT_MODEL, INT_MODEL, buildModels, type BuildResult } from '../../scripts/lib/buildModels.js';
import { Mulberry32 } from '../../scripts/lib/detMath.js';
import { INTEGER_OPS } from '../../scripts/lib/exportOnnx.js';
import { FEATURE_COUNT, quantiseFeatures } from '../../scripts/lib/features.js';
import { argmax, forward } from '../../scripts/lib/mlp.js';
import { DataType, summariseModel } from '../../scripts/lib/onnxGraph.js';
import type { RunnerReply, RunnerRequest } from '../../scripts/lib/ortNodeRunner.js';
import { intForward } from '../../scripts/lib/quantize.js';

const MODELS_DIR = fileURLToPath(new URL('../../models/', import.meta.url));
const RUNNER = fileURLToPath(new URL('../../scripts/lib/ortNodeRunner.ts', import.meta.url));
const LEVELS = ['disabled', 'basic', 'extended', 'all'] as const;
const CLASSES = 3;

let tmp: string;
let build: BuildResult;

/** Every file under `dir`, as paths relative to it, sorted. */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

function readManifest(model: string): Manifest {
  return parseManifest(readFileSync(join(MODELS_DIR, model, 'manifest.json'), 'utf8'));
}

function onnxBytes(model: string): Uint8Array {
  return readFileSync(join(MODELS_DIR, model, 'model.onnx'));
}

/** 300 uniformly random int8 rows over the full range (overflow stress) + 200 real test rows. */
function intInputs(): { flat: Int8Array; rows: number[][] } {
  const rng = new Mulberry32(0xc0ffee);
  const rows: number[][] = [];
  for (let n = 0; n < 300; n++) rows.push(Array.from({ length: FEATURE_COUNT }, () => Math.floor(rng.next() * 256) - 128));
  for (const s of build.test.slice(0, 200)) rows.push(quantiseFeatures(s.features));
  return { flat: Int8Array.from(rows.flat()), rows };
}

/**
 * Runs a model on onnxruntime-node in a child process (see ortNodeRunner.ts for why) and returns,
 * per run and batch, the bytes of its (single) output.
 */
function runOrtNode(req: RunnerRequest): Buffer[][] {
  const res = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', RUNNER], { input: JSON.stringify(req), encoding: 'utf8', maxBuffer: 64 << 20 });
  if (res.status !== 0) throw new Error(`ortNodeRunner failed (${String(res.status)}): ${res.stderr}`);
  const reply = JSON.parse(res.stdout) as RunnerReply;
  return reply.results.map((perBatch) => perBatch.map((outs) => Buffer.from(outs.logits ?? outs.probs ?? '', 'base64')));
}

function int8Feed(rows: Int8Array, n: number): RunnerRequest['runs'][number]['batches'][number] {
  return { features: { type: 'int8', dims: [n, FEATURE_COUNT], base64: Buffer.from(rows.buffer, rows.byteOffset, rows.byteLength).toString('base64') } };
}

function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'aioracle-models-'));
  build = buildModels({ outDir: tmp });
  ortWeb.env.wasm.numThreads = 1;
}, 180_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('build-models', () => {
  it('rebuilds byte-identical files to the committed ones', () => {
    const built = listFiles(tmp);
    // text-direction is a third-party model with a build script of its own (textDirection.test.ts checks it).
    const committed = listFiles(MODELS_DIR).filter((f) => f !== 'README.md' && !f.startsWith('text-direction/'));
    expect(committed).toEqual(built);
    for (const f of built) {
      expect({ file: f, same: sameBytes(readFileSync(join(tmp, f)), readFileSync(join(MODELS_DIR, f))) }).toEqual({ file: f, same: true });
    }
  });

  it('trains a useful classifier and quantises it faithfully', () => {
    const m = build.metrics;
    expect(m.float.testAccuracy).toBeGreaterThan(0.8);
    expect(m.int.testAccuracy).toBeGreaterThan(0.8);
    expect(m.intFloatAgreement).toBeGreaterThan(0.97);
    // Every class is present in both sets (the thresholds did not degenerate).
    for (const c of [...m.classCounts.train, ...m.classCounts.test]) expect(c).toBeGreaterThan(100);
  });
});

describe('exact-int graph audit', () => {
  const INT_TYPES = new Set<number>([DataType.INT8, DataType.INT32]);

  it('uses only integer ops and integer tensors, every tensor typed', () => {
    const g = summariseModel(onnxBytes(INT_MODEL));
    expect(g.opsets).toEqual([{ domain: '', version: 17 }]);
    const typed = new Map<string, number>();
    for (const v of g.values) typed.set(v.name, v.elemType);
    for (const t of g.initializers) typed.set(t.name, t.dataType);
    for (const [name, type] of typed) expect({ name, integer: INT_TYPES.has(type) }).toEqual({ name, integer: true });
    for (const t of g.initializers) expect({ name: t.name, raw: t.rawBytes > 0, typedFields: t.typedFields }).toEqual({ name: t.name, raw: true, typedFields: false });
    expect(g.nodes.length).toBeGreaterThan(0);
    for (const node of g.nodes) {
      expect({ node: node.name, allowed: (INTEGER_OPS as readonly string[]).includes(node.opType) }).toEqual({ node: node.name, allowed: true });
      for (const out of node.outputs) expect({ node: node.name, out, typed: typed.has(out) }).toEqual({ node: node.name, out, typed: true });
      if (node.opType === 'MatMulInteger') expect(node.inputs).toHaveLength(2); // zero points omitted (0)
      if (node.opType === 'Cast') expect(node.intAttributes).toEqual({ to: DataType.INT8 });
    }
  });
});

describe('manifests', () => {
  it.each([INT_MODEL, FLOAT_MODEL])('%s: validates, pins the ONNX sha256, and matches index.json', (model) => {
    const manifest = readManifest(model);
    const sha = `0x${createHash('sha256').update(onnxBytes(model)).digest('hex')}`;
    expect(manifest.onnx.file).toBe('model.onnx');
    expect(manifest.onnx.sha256).toBe(sha);
    const index = JSON.parse(readFileSync(join(MODELS_DIR, 'index.json'), 'utf8')) as { name: string; manifestHash: string; onnxHash: string; modelId: string }[];
    const entry = index.find((e) => e.name === model);
    const reg = modelRegistration(manifest);
    expect(entry).toMatchObject({ manifestHash: manifestHash(manifest), onnxHash: sha, modelId: reg.modelId });
  });

  it('declares the profiles the models were built for', () => {
    expect(readManifest(INT_MODEL)).toMatchObject({ profile: 'exact-int', runtime: { engine: 'onnxruntime-node' } });
    expect(readManifest(FLOAT_MODEL)).toMatchObject({ profile: 'exact-wasm', runtime: { engine: 'onnxruntime-web', intraOpNumThreads: 1 } });
  });

  it('sample inputs decode to their tensors and the int sample matches the reference', () => {
    for (const model of [INT_MODEL, FLOAT_MODEL]) {
      const sample = JSON.parse(readFileSync(join(MODELS_DIR, model, 'sample-input.json'), 'utf8')) as { inputs: { features: number[][] }; inputBytes: string };
      const decoded = decodeInput(readManifest(model), sample.inputBytes);
      expect(Array.from(decoded.byName.features!.data as ArrayLike<number>)).toEqual(sample.inputs.features.flat());
    }
    const sample = JSON.parse(readFileSync(join(MODELS_DIR, INT_MODEL, 'sample-input.json'), 'utf8')) as { inputs: { features: number[][] }; expected: { logits: number[][] } };
    expect(sample.inputs.features.map((q) => intForward(build.intNet, q))).toEqual(sample.expected.logits);
  });
});

describe('exact-int runtimes agree bit for bit with the integer reference', () => {
  let reference: Int32Array;
  let inputs: ReturnType<typeof intInputs>;

  beforeAll(() => {
    inputs = intInputs();
    reference = Int32Array.from(inputs.rows.flatMap((q) => intForward(build.intNet, q)));
  });

  it('onnxruntime-node: threads 1/2/4 x every optimisation level, batched; manifest options row by row', () => {
    const n = inputs.rows.length;
    const options = [1, 2, 4].flatMap((intraOpNumThreads) => LEVELS.map((graphOptimizationLevel) => ({ intraOpNumThreads, graphOptimizationLevel })));
    // Last run: the manifest's own options (as an operator sets them), one row per session.run.
    const rows = 40;
    const runs: RunnerRequest['runs'] = [
      ...options.map((o) => ({ options: o, batches: [int8Feed(inputs.flat, n)] })),
      {
        options: ortSessionOptions(readManifest(INT_MODEL)),
        batches: Array.from({ length: rows }, (_, r) => int8Feed(inputs.flat.subarray(r * FEATURE_COUNT, (r + 1) * FEATURE_COUNT), 1)),
      },
    ];
    const results = runOrtNode({ model: join(MODELS_DIR, INT_MODEL, 'model.onnx'), runs });
    options.forEach((o, k) => {
      expect({ ...o, same: sameBytes(results[k]![0]!, reference) }).toEqual({ ...o, same: true });
    });
    const single = results[options.length]!;
    for (let r = 0; r < rows; r++) {
      expect({ row: r, same: sameBytes(single[r]!, reference.subarray(r * CLASSES, (r + 1) * CLASSES)) }).toEqual({ row: r, same: true });
    }
  }, 120_000);

  it('onnxruntime-web (wasm, 1 thread) at every optimisation level', async () => {
    const n = inputs.rows.length;
    for (const graphOptimizationLevel of LEVELS) {
      const session = await ortWeb.InferenceSession.create(onnxBytes(INT_MODEL), { executionProviders: ['wasm'], graphOptimizationLevel });
      const out = await session.run({ features: new ortWeb.Tensor('int8', inputs.flat, [n, FEATURE_COUNT]) });
      expect({ graphOptimizationLevel, same: sameBytes(out.logits!.data as Int32Array, reference) }).toEqual({ graphOptimizationLevel, same: true });
      await session.release();
    }
  }, 120_000);
});

describe('exact-wasm float model', () => {
  it('is stable across sessions on onnxruntime-web and agrees with the int model', async () => {
    const manifest = readManifest(FLOAT_MODEL);
    const rows = build.test.slice(0, 500);
    const flat = Float32Array.from(rows.flatMap((s) => s.features));
    const runOnce = async () => {
      const session = await ortWeb.InferenceSession.create(onnxBytes(FLOAT_MODEL), { executionProviders: ['wasm'], ...ortSessionOptions(manifest) });
      const out = await session.run({ features: new ortWeb.Tensor('float32', flat, [rows.length, FEATURE_COUNT]) });
      await session.release();
      return out.probs!;
    };
    const a = await runOnce();
    const b = await runOnce();
    expect(sameBytes(a.data as Float32Array, b.data as Float32Array)).toBe(true);
    // Canonical output bytes (fixed:16) of each request-sized chunk are identical too.
    const chunk = manifest.maxBatch;
    for (let start = 0; start < rows.length; start += chunk) {
      const count = Math.min(chunk, rows.length - start);
      const slice = (t: typeof a) => ({ data: (t.data as Float32Array).subarray(start * CLASSES, (start + count) * CLASSES), dims: [count, CLASSES] });
      expect({ start, same: sameBytes(encodeOutput(manifest, { probs: slice(a) }), encodeOutput(manifest, { probs: slice(b) })) }).toEqual({ start, same: true });
    }

    const probs = a.data as Float32Array;
    let agreeInt = 0;
    let agreeRef = 0;
    rows.forEach((s, i) => {
      const cls = argmax(probs.subarray(i * CLASSES, (i + 1) * CLASSES));
      if (cls === argmax(intForward(build.intNet, quantiseFeatures(s.features)))) agreeInt++;
      if (cls === argmax(forward(build.floatNet, Float64Array.from(s.features)).at(-1)!)) agreeRef++;
    });
    expect(agreeRef / rows.length).toBeGreaterThan(0.995);
    expect(agreeInt / rows.length).toBeGreaterThan(0.97);
  }, 120_000);
});

describe('committed files exist', () => {
  it('has a README next to the models', () => {
    expect(existsSync(join(MODELS_DIR, 'README.md'))).toBe(true);
  });
});
