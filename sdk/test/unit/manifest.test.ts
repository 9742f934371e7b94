import { describe, expect, it } from '@jest/globals';
import { keccak256, toUtf8Bytes } from 'ethers';
import fc from 'fast-check';
import { isAioracleError } from '../../src/errors.js';
import {
  EXAMPLE_MANIFEST_EXACT_INT,
  EXAMPLE_MANIFEST_EXACT_WASM,
  EXAMPLE_MANIFEST_TOLERANT,
  canonicalJson,
  canonicalManifestJson,
  isValidManifest,
  manifestJsonSchema,
  manifestHash,
  manifestModelId,
  modelRegistration,
  ortSessionOptions,
  parseManifest,
  type Manifest,
} from '../../src/manifest/index.js';
import { modelIdFor } from '../../src/protocol/hashes.js';
import { ENCODING_HEADER_BYTES, MAX_INPUT_BYTES, MAX_REF_INPUT_BYTES } from '../../src/protocol/constants.js';
import { inputCapOf } from '../../src/codec/input.js';

const M = EXAMPLE_MANIFEST_EXACT_INT;
const GOLDEN_CANONICAL =
  '{"description":"Integer-only MLP: 16 int8 features -> 4 int32 logits","fee":"1000000000000000","inputs":[{"dtype":"int8","name":"x","shape":["batch",16]}],"maxBatch":64,"name":"mlp-int8","onnx":{"file":"mlp-int8.onnx","sha256":"0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},"outputs":[{"dtype":"int32","encoding":"raw","name":"logits","shape":["batch",4]}],"profile":"exact-int","runtime":{"engine":"onnxruntime-node","graphOptimizationLevel":"all","sessionConfig":{"session.x64quantprecision":"1"}},"tolerance":0,"version":"1.0.0"}';
const GOLDEN_HASH = '0x9fdc52f436446399d851299f2c4653222ff4d10bb08dca5cae910e765753090b';

/** Parses and expects ERR_MANIFEST_INVALID; returns the message. */
const invalid = (value: unknown): string => {
  try {
    parseManifest(value);
  } catch (err) {
    expect(isAioracleError(err, 'ERR_MANIFEST_INVALID') ? 'ERR_MANIFEST_INVALID' : err).toBe('ERR_MANIFEST_INVALID');
    return (err as Error).message;
  }
  throw new Error(`expected ERR_MANIFEST_INVALID for ${JSON.stringify(value)}`);
};

const with_ = (patch: Record<string, unknown>): unknown => ({ ...M, ...patch });

describe('example manifests', () => {
  it.each([
    ['exact-int', EXAMPLE_MANIFEST_EXACT_INT],
    ['exact-wasm', EXAMPLE_MANIFEST_EXACT_WASM],
    ['tolerant', EXAMPLE_MANIFEST_TOLERANT],
  ])('%s example is valid and parses from JSON text unchanged', (_p, m) => {
    expect(parseManifest(JSON.stringify(m, null, 2))).toEqual(m);
    expect(isValidManifest(m)).toBe(true);
  });

  it('has the golden canonical form and hash (docs/manifest.md)', () => {
    expect(canonicalManifestJson(parseManifest(M))).toBe(GOLDEN_CANONICAL);
    expect(manifestHash(parseManifest(M))).toBe(GOLDEN_HASH);
    expect(manifestHash(M)).toBe(keccak256(toUtf8Bytes(GOLDEN_CANONICAL)));
  });

  it('derives the registration fields', () => {
    const reg = modelRegistration(M);
    expect(reg).toEqual({
      modelId: modelIdFor('mlp-int8', '1.0.0'),
      manifestHash: GOLDEN_HASH,
      onnxHash: M.onnx.sha256,
      profile: 0,
      tolerance: 0,
      fee: 10n ** 15n,
    });
    expect(manifestModelId(M)).toBe(keccak256(toUtf8Bytes('mlp-int8@1.0.0')));
    expect(modelRegistration(EXAMPLE_MANIFEST_TOLERANT).profile).toBe(2);
  });

  it('exports a JSON Schema of the field types for editors', () => {
    const schema = manifestJsonSchema() as { type: string; required: string[]; additionalProperties: boolean };
    expect(schema.type).toBe('object');
    expect([...schema.required].sort()).toEqual(['fee', 'inputs', 'maxBatch', 'name', 'onnx', 'outputs', 'profile', 'runtime', 'tolerance', 'version']);
    expect(schema.additionalProperties).toBe(false);
  });

  it('builds pinned onnxruntime session options', () => {
    expect(ortSessionOptions(M)).toEqual({ graphOptimizationLevel: 'all', executionMode: 'sequential', extra: { session: { x64quantprecision: '1' } } });
    expect(ortSessionOptions(EXAMPLE_MANIFEST_EXACT_WASM)).toEqual({ graphOptimizationLevel: 'basic', executionMode: 'sequential', intraOpNumThreads: 1 });
  });
});

describe('canonical JSON', () => {
  it('sorts keys at every level, drops whitespace and undefined members', () => {
    expect(canonicalJson({ b: 1, a: [{ z: true, y: null }, 'x'], c: undefined })).toBe('{"a":[{"y":null,"z":true},"x"],"b":1}');
    expect(canonicalJson({ '\u00e9': 1, e: 2, E: 3, aa: 4, a: 5 })).toBe('{"E":3,"a":5,"aa":4,"e":2,"\u00e9":1}');
    expect(canonicalJson('line\n"q"\u0001é')).toBe('"line\\n\\"q\\"\\u0001é"');
    expect(canonicalJson(-0)).toBe('0');
    expect(canonicalJson(1e21)).toBe('1e+21');
    expect(canonicalJson(10n ** 30n)).toBe('"1000000000000000000000000000000"');
  });

  it('sorts by UTF-16 code units (RFC 8785 ordering)', () => {
    // U+1F600 (surrogates D83D DE00) sorts before U+FB01 by code units though its code point is larger.
    expect(canonicalJson({ '\uFB01': 1, '\u{1F600}': 2 })).toBe('{"\u{1F600}":2,"\uFB01":1}');
  });

  it('rejects what JSON cannot carry faithfully', () => {
    const cyc: Record<string, unknown> = {};
    cyc.self = cyc;
    for (const bad of [NaN, Infinity, -Infinity, { a: NaN }, [undefined], () => 1, Symbol('s'), new Date(0), cyc, 'x\uD800y', { '\uDC00': 1 }]) {
      let code = 'none';
      try {
        canonicalJson(bad);
      } catch (err) {
        code = isAioracleError(err) ? err.code : 'other';
      }
      expect({ bad: String(typeof bad === 'symbol' ? 'symbol' : bad), code }).toEqual({ bad: String(typeof bad === 'symbol' ? 'symbol' : bad), code: 'ERR_CANONICAL_JSON' });
    }
  });

  it('is independent of key insertion order (property)', () => {
    const shuffleKeys = (v: unknown, seed: number): unknown => {
      if (Array.isArray(v)) return v.map((x, i) => shuffleKeys(x, seed + i));
      if (v === null || typeof v !== 'object') return v;
      const entries = Object.entries(v as Record<string, unknown>);
      const rotated = entries.map((_, i) => entries[(i + seed) % entries.length] as [string, unknown]).reverse();
      return Object.fromEntries(rotated.map(([k, x]) => [k, shuffleKeys(x, seed + 1)]));
    };
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(50), (v, seed) => {
        expect(canonicalJson(shuffleKeys(v, seed))).toBe(canonicalJson(v));
        // Canonical JSON is valid JSON that parses back to an equal value.
        expect(JSON.parse(canonicalJson(v))).toEqual(JSON.parse(JSON.stringify(v)));
      }),
      { numRuns: 200 },
    );
  });

  it('gives every example manifest the same hash whatever the key order and formatting', () => {
    for (const m of [EXAMPLE_MANIFEST_EXACT_INT, EXAMPLE_MANIFEST_EXACT_WASM, EXAMPLE_MANIFEST_TOLERANT]) {
      const reversed = JSON.parse(JSON.stringify(m), function (this: unknown, _k, v: unknown) {
        return v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v;
      }) as unknown;
      expect(Object.keys(reversed as object)[0]).not.toBe(Object.keys(m)[0]);
      expect(manifestHash(parseManifest(JSON.stringify(reversed, null, 4)))).toBe(manifestHash(m));
    }
  });

  it('changes the hash when any field changes', () => {
    const variants: Manifest[] = [
      { ...M, version: '1.0.1' },
      { ...M, fee: '1000000000000001' },
      { ...M, maxBatch: 63 },
      { ...M, description: undefined },
      { ...M, runtime: { ...M.runtime, graphOptimizationLevel: 'basic' } },
      { ...M, inputs: [{ name: 'x', dtype: 'uint8', shape: ['batch', 16] }] },
      { ...M, outputs: [{ name: 'logits', dtype: 'int32', shape: ['batch', 4], encoding: 'argmax' }] },
    ];
    const hashes = variants.map((v) => manifestHash(parseManifest(v)));
    expect(new Set([...hashes, GOLDEN_HASH]).size).toBe(variants.length + 1);
  });
});

describe('manifest validation', () => {
  it('names the field and the allowed values', () => {
    expect(invalid(with_({ outputs: [{ name: 'logits', dtype: 'int32', shape: ['batch', 4], encoding: 'softmax' }] }))).toBe(
      'Validation failed: outputs[0].encoding must be one of "raw", "fixed:<bits 0-31>", "argmax", "topk:<k>"',
    );
    expect(invalid(with_({ profile: 'fast' }))).toBe('Validation failed: profile must be one of "exact-int", "exact-wasm", "tolerant"');
    expect(invalid(with_({ inputs: [{ name: 'x', dtype: 'float16', shape: [1] }] }))).toContain('inputs[0].dtype must be one of "int8", "uint8"');
    expect(invalid(with_({ runtime: { ...M.runtime, engine: 'tfjs' } }))).toContain('runtime.engine must be one of "onnxruntime-node", "onnxruntime-web"');
    expect(invalid(with_({ surprise: 1 }))).toContain('(root) has unknown key(s) "surprise"');
    expect(invalid(with_({ onnx: { ...M.onnx, extra: 1 } }))).toContain('onnx has unknown key(s) "extra"');
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['name with @', { name: 'a@b' }, 'name must be 1-64 characters'],
    ['empty version', { version: '' }, 'version must be'],
    ['uppercase sha256', { onnx: { file: 'm.onnx', sha256: `0x${'A'.repeat(64)}` } }, 'onnx.sha256 must be "0x" + 64 lowercase hex'],
    ['file escaping its folder', { onnx: { file: '../m.onnx', sha256: M.onnx.sha256 } }, 'onnx.file must not contain'],
    ['absolute file', { onnx: { file: '/etc/passwd', sha256: M.onnx.sha256 } }, 'onnx.file must be a relative path'],
    ['numeric fee', { fee: 1000 }, 'fee must be a decimal string'],
    ['fee with leading zero', { fee: '01' }, 'fee must be a decimal string of wei without sign'],
    ['fee over uint96', { fee: (2n ** 96n).toString() }, 'fee must fit in uint96'],
    ['maxBatch 0', { maxBatch: 0 }, 'maxBatch must be an integer from 1 to 65535'],
    ['fractional tolerance', { tolerance: 0.5 }, 'tolerance must be an integer'],
    ['no inputs', { inputs: [] }, 'inputs must declare at least one input'],
    ['no outputs', { outputs: [] }, 'outputs must declare at least one output'],
    ['duplicate input name', { inputs: [{ name: 'x', dtype: 'int8', shape: ['batch', 1] }, { name: 'x', dtype: 'int8', shape: ['batch', 1] }] }, 'inputs[1].name must be unique'],
    ['batch not first', { inputs: [{ name: 'x', dtype: 'int8', shape: [16, 'batch'] }] }, 'inputs[0].shape[1] may be "batch" only as the first dimension'],
    ['zero dim', { inputs: [{ name: 'x', dtype: 'int8', shape: ['batch', 0] }] }, 'inputs[0].shape[1] must be a positive integer or "batch"'],
    ['-1 as batch', { inputs: [{ name: 'x', dtype: 'int8', shape: [-1, 16] }] }, 'inputs[0].shape[0] must be a positive integer or "batch"'],
    ['output without batch in a batched model', { outputs: [{ name: 'logits', dtype: 'int32', shape: [4], encoding: 'raw' }] }, 'outputs[0].shape must start with "batch"'],
    ['unbatched model with maxBatch > 1', { inputs: [{ name: 'x', dtype: 'int8', shape: [16] }], outputs: [{ name: 'l', dtype: 'int32', shape: [4], encoding: 'raw' }] }, 'maxBatch must be 1'],
    ['topk over the last dim', { outputs: [{ name: 'l', dtype: 'int32', shape: ['batch', 4], encoding: 'topk:5' }] }, 'topk:5 exceeds the last dimension (4)'],
    ['argmax with no axis', { outputs: [{ name: 'l', dtype: 'int32', shape: ['batch'], encoding: 'argmax' }] }, 'outputs[0].shape must have a fixed last dimension'],
    ['fixed with leading zero', { outputs: [{ name: 'l', dtype: 'int32', shape: ['batch', 4], encoding: 'fixed:08' }] }, 'outputs[0].encoding must be one of'],
    ['fixed:32', { outputs: [{ name: 'l', dtype: 'int32', shape: ['batch', 4], encoding: 'fixed:32' }] }, 'outputs[0].encoding must be one of'],
    ['fixed on an integer output', { outputs: [{ name: 'l', dtype: 'int32', shape: ['batch', 4], encoding: 'fixed:8' }] }, '"fixed:<bits>" needs a float dtype'],
    ['input over the size cap', { maxBatch: 5000 }, 'maxBatch makes the largest input 80005 bytes; the protocol cap is 65536'],
    ['exact-int on onnxruntime-web', { runtime: { engine: 'onnxruntime-web', graphOptimizationLevel: 'all' } }, 'runtime.engine must be "onnxruntime-node" for profile "exact-int"'],
    ['exact-int with a float input', { inputs: [{ name: 'x', dtype: 'float32', shape: ['batch', 16] }] }, 'inputs[0].dtype must be an integer dtype for profile "exact-int"'],
    ['exact-int with a float output', { outputs: [{ name: 'l', dtype: 'float32', shape: ['batch', 4], encoding: 'argmax' }] }, 'outputs[0].dtype must be an integer dtype'],
    ['exact-int with tolerance', { tolerance: 3 }, 'tolerance must be 0 for profile "exact-int"'],
    ['missing optimisation level', { runtime: { engine: 'onnxruntime-node' } }, 'runtime.graphOptimizationLevel must be one of'],
    ['bad session config key', { runtime: { ...M.runtime, sessionConfig: { x64quantprecision: '1' } } }, 'runtime.sessionConfig'],
    ['numeric session config value', { runtime: { ...M.runtime, sessionConfig: { 'session.x': 1 } } }, 'runtime.sessionConfig'],
  ])('rejects %s', (_what, patch, message) => {
    expect(invalid(with_(patch))).toContain(message);
  });

  it('bounds maxInputBytes to 65,537 .. 16 MiB (integers), the cap it sets for the inputs', () => {
    expect([MAX_INPUT_BYTES, MAX_REF_INPUT_BYTES]).toEqual([65_536, 16 * 1024 * 1024]);
    const range = `maxInputBytes must be an integer from 65537 to 16777216`;
    // the two bounds are accepted, and become the model's input cap; absent = the calldata cap
    for (const n of [MAX_INPUT_BYTES + 1, MAX_REF_INPUT_BYTES]) {
      const m = parseManifest(with_({ maxInputBytes: n }));
      expect({ n, parsed: m.maxInputBytes, cap: inputCapOf(m) }).toEqual({ n, parsed: n, cap: n });
    }
    expect(inputCapOf(parseManifest(M))).toBe(MAX_INPUT_BYTES);
    // one past either bound is refused, naming the field and the range
    expect(invalid(with_({ maxInputBytes: MAX_INPUT_BYTES }))).toBe(`Validation failed: ${range} (leave it out for the calldata cap 65536)`);
    expect(invalid(with_({ maxInputBytes: MAX_REF_INPUT_BYTES + 1 }))).toBe(`Validation failed: ${range}`);
    for (const bad of [0, -1, 65_537.5, '100000', null, Number.MAX_SAFE_INTEGER, Infinity]) {
      expect({ bad, msg: invalid(with_({ maxInputBytes: bad })) }).toEqual({ bad, msg: expect.stringContaining(range) });
    }
    // it is part of the manifest hash (a different cap is a different model)
    expect(manifestHash(parseManifest(with_({ maxInputBytes: 100_000 })))).not.toBe(manifestHash(parseManifest(with_({ maxInputBytes: 100_001 }))));
    // the batch size rule checks against it: 5 + maxBatch x 64 bytes (64 int8 features per row)
    const wide = { inputs: [{ name: 'x', dtype: 'int8', shape: ['batch', 64] }], maxBatch: 2048 };
    const need = ENCODING_HEADER_BYTES + 2048 * 64; // 131,077
    expect(parseManifest(with_({ ...wide, maxInputBytes: need })).maxInputBytes).toBe(need);
    expect(invalid(with_({ ...wide, maxInputBytes: need - 1 }))).toBe(`Validation failed: maxBatch makes the largest input ${need} bytes; the manifest's maxInputBytes is ${need - 1}`);
    expect(invalid(with_({ maxBatch: 5000 }))).toContain('set maxInputBytes, up to 16777216, for inputs sent by reference');
  });

  it('enforces the exact-wasm rules', () => {
    const W = EXAMPLE_MANIFEST_EXACT_WASM;
    expect(invalid({ ...W, runtime: { ...W.runtime, engine: 'onnxruntime-node' } })).toContain('runtime.engine must be "onnxruntime-web" for profile "exact-wasm"');
    expect(invalid({ ...W, runtime: { ...W.runtime, intraOpNumThreads: 2 } })).toContain('runtime.intraOpNumThreads must be 1 for profile "exact-wasm"');
    expect(invalid({ ...W, runtime: { engine: 'onnxruntime-web', graphOptimizationLevel: 'basic' } })).toContain('runtime.intraOpNumThreads must be 1');
  });

  it('enforces the tolerant rules', () => {
    const T = EXAMPLE_MANIFEST_TOLERANT;
    expect(invalid({ ...T, tolerance: 0 })).toContain('tolerance must be >= 1 for profile "tolerant"');
    expect(invalid({ ...T, outputs: [{ name: 'score', dtype: 'float32', shape: [1], encoding: 'raw' }] })).toContain(
      'outputs[0].encoding must be one of "fixed:<bits>", "argmax", "topk:<k>" for profile "tolerant"',
    );
    // Any engine, float inputs, GPU-friendly settings are fine for tolerant.
    expect(parseManifest({ ...T, runtime: { engine: 'onnxruntime-web', graphOptimizationLevel: 'all' } }).profile).toBe('tolerant');
  });

  it('reports every problem at once', () => {
    const msg = invalid(with_({ fee: 'x', tolerance: -1, maxBatch: 0 }));
    expect(msg).toContain('fee ');
    expect(msg).toContain('tolerance ');
    expect(msg).toContain('maxBatch ');
  });

  it('rejects text that is not JSON, and non-objects', () => {
    expect(invalid('{"name":')).toContain('Manifest is not valid JSON');
    for (const v of [null, 1, [], true]) expect(invalid(v)).toContain('Validation failed: (root)');
    expect(parseManifest(new TextEncoder().encode(JSON.stringify(M)))).toEqual(M);
  });

  it('never crashes on arbitrary JSON, nor on mutations of a valid manifest (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        invalid(v);
      }),
      { numRuns: 200 },
    );
    const keys = Object.keys(M);
    fc.assert(
      fc.property(fc.constantFrom(...keys), fc.jsonValue(), (key, value) => {
        const mutated = { ...M, [key]: value };
        try {
          const m = parseManifest(mutated);
          expect(manifestHash(m)).toMatch(/^0x[0-9a-f]{64}$/);
        } catch (err) {
          expect(isAioracleError(err, 'ERR_MANIFEST_INVALID')).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
