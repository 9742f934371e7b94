/**
 * Example manifests, one per profile: documentation that typechecks, starting points for real
 * models, and fixtures for tests. The ONNX hashes are placeholders (sha256 of an empty file).
 */
import type { Manifest } from './schema.js';

const EMPTY_SHA256 = '0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/**
 * exact-int: an int8 MLP (MatMulInteger, int32 Add/Relu), 16 features → 4 int32 logits, batched.
 * `session.x64quantprecision` keeps uint8 × int8 kernels bit-exact on AVX2 CPUs without VNNI.
 */
export const EXAMPLE_MANIFEST_EXACT_INT: Manifest = {
  name: 'mlp-int8',
  version: '1.0.0',
  description: 'Integer-only MLP: 16 int8 features -> 4 int32 logits',
  onnx: { file: 'mlp-int8.onnx', sha256: EMPTY_SHA256 },
  runtime: {
    engine: 'onnxruntime-node',
    graphOptimizationLevel: 'all',
    sessionConfig: { 'session.x64quantprecision': '1' },
  },
  inputs: [{ name: 'x', dtype: 'int8', shape: ['batch', 16] }],
  outputs: [{ name: 'logits', dtype: 'int32', shape: ['batch', 4], encoding: 'raw' }],
  profile: 'exact-int',
  tolerance: 0,
  fee: '1000000000000000',
  maxBatch: 64,
};

/** exact-wasm: a float32 regressor on onnxruntime-web, one thread, pinned optimisation level. */
export const EXAMPLE_MANIFEST_EXACT_WASM: Manifest = {
  name: 'price-regressor',
  version: '0.3.1',
  onnx: { file: 'price-regressor.onnx', sha256: EMPTY_SHA256 },
  runtime: { engine: 'onnxruntime-web', graphOptimizationLevel: 'basic', intraOpNumThreads: 1 },
  inputs: [{ name: 'features', dtype: 'float32', shape: ['batch', 8] }],
  outputs: [{ name: 'price', dtype: 'float32', shape: ['batch', 1], encoding: 'fixed:16' }],
  profile: 'exact-wasm',
  tolerance: 0,
  fee: '2000000000000000',
  maxBatch: 16,
};

/** tolerant: a float classifier on any provider; outputs are a fixed-point score and the top-3 classes. */
export const EXAMPLE_MANIFEST_TOLERANT: Manifest = {
  name: 'risk-classifier',
  version: '2.0.0',
  uri: 'ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi',
  onnx: { file: 'risk-classifier.onnx', sha256: EMPTY_SHA256 },
  runtime: { engine: 'onnxruntime-node', graphOptimizationLevel: 'extended', intraOpNumThreads: 4 },
  inputs: [
    { name: 'features', dtype: 'float32', shape: [32] },
    { name: 'bucket', dtype: 'int64', shape: [1] },
  ],
  outputs: [
    { name: 'score', dtype: 'float32', shape: [1], encoding: 'fixed:12' },
    { name: 'probs', dtype: 'float32', shape: [10], encoding: 'topk:3' },
  ],
  profile: 'tolerant',
  tolerance: 8,
  fee: '5000000000000000',
  maxBatch: 1,
};
