import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { isAioracleError } from '../../src/errors.js';
import {
  argmaxOf,
  decodeOutput,
  encodeOutput,
  fromFixedPoint,
  outputByteLength,
  outputElementInt32,
  outputElementsInt32,
  toFixedPoint,
  topkOf,
} from '../../src/codec/index.js';
import { parseManifest, type Manifest } from '../../src/manifest/index.js';

const toArray = (d: ArrayLike<number | bigint> | undefined): (number | bigint)[] => Array.from(d ?? []);

const expectCode = (fn: () => unknown, code: string, label = ''): void => {
  let got = 'nothing thrown';
  try {
    fn();
  } catch (err) {
    got = isAioracleError(err) ? err.code : `non-typed error: ${String(err)}`;
  }
  expect({ label, got }).toEqual({ label, got: code });
};

function manifestWith(outputs: Manifest['outputs'], maxBatch = 4): Manifest {
  const batched = outputs.some((o) => o.shape[0] === 'batch');
  return parseManifest({
    name: 'out-test',
    version: '1',
    onnx: { file: 'm.onnx', sha256: `0x${'cd'.repeat(32)}` },
    runtime: { engine: 'onnxruntime-web', graphOptimizationLevel: 'all', intraOpNumThreads: 1 },
    inputs: [{ name: 'x', dtype: 'float32', shape: batched ? ['batch', 1] : [1] }],
    outputs,
    profile: 'exact-wasm',
    tolerance: 0,
    fee: '0',
    maxBatch: batched ? maxBatch : 1,
  });
}

describe('fixed-point rounding', () => {
  it.each<[number, number, number]>([
    [0.5, 0, 0], [1.5, 0, 2], [2.5, 0, 2], [3.5, 0, 4], [-0.5, 0, 0], [-1.5, 0, -2], [-2.5, 0, -2],
    [0.49999999999999994, 0, 0], [0.5000000000000001, 0, 1], [-0.5000000000000001, 0, -1],
    [1 / 512, 8, 0], [3 / 512, 8, 2], [5 / 512, 8, 2], [-3 / 512, 8, -2], [0.1, 16, 6554], [-0.1, 16, -6554],
    [1, 31, 2147483647], [-1, 31, -2147483648], [2147483646.5, 0, 2147483646], [2147483647.5, 0, 2147483647],
    [-2147483648.5, 0, -2147483648], [-2147483647.5, 0, -2147483648], [1e30, 8, 2147483647], [-1e30, 8, -2147483648],
    [Infinity, 4, 2147483647], [-Infinity, 4, -2147483648], [5e-324, 31, 0], [Math.fround(0.3), 24, 5033165],
  ])('toFixedPoint(%p, %p) = %p', (x, bits, want) => {
    expect(toFixedPoint(x, bits)).toBe(want);
  });

  it('maps -0 and tiny negatives to +0, never -0', () => {
    expect(Object.is(toFixedPoint(-0, 8), 0)).toBe(true);
    expect(Object.is(toFixedPoint(-1e-10, 8), 0)).toBe(true);
    expect(Object.is(toFixedPoint(-0.5, 0), 0)).toBe(true);
  });

  it('rejects NaN with ERR_TENSOR_VALUE', () => {
    expectCode(() => toFixedPoint(NaN, 8), 'ERR_TENSOR_VALUE');
  });

  it('is the nearest integer, ties to even, within the int32 range (property)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, min: -1e10, max: 1e10 }), fc.integer({ min: 0, max: 31 }), (x, bits) => {
        const r = toFixedPoint(x, bits);
        const y = x * 2 ** bits;
        expect(Number.isInteger(r)).toBe(true);
        if (y >= 2147483647) return expect(r).toBe(2147483647);
        if (y <= -2147483648) return expect(r).toBe(-2147483648);
        const d = Math.abs(y - r);
        expect(d <= 0.5).toBe(true);
        if (d === 0.5) expect(r % 2 === 0).toBe(true);
        expect(fromFixedPoint(r, bits)).toBe(r / 2 ** bits);
      }),
      { numRuns: 500 },
    );
  });
});

describe('argmax and topk', () => {
  it('break ties toward the lower index and treat -0 and +0 as equal', () => {
    expect(argmaxOf([1, 3, 3, 2], 0, 4)).toBe(1);
    expect(argmaxOf([-0, 0], 0, 2)).toBe(0);
    expect(argmaxOf([0, -0], 0, 2)).toBe(0);
    expect(argmaxOf([-Infinity, -1e308], 0, 2)).toBe(1);
    expect(argmaxOf([5n, 9n, 9n], 0, 3)).toBe(1);
    expect(argmaxOf([9, 1, 2, 7, 7, 3], 3, 3)).toBe(0);
    expect(topkOf([1, 3, 3, 2], 0, 4, 3)).toEqual([1, 2, 3]);
    expect(topkOf([5, 5, 5, 5], 0, 4, 4)).toEqual([0, 1, 2, 3]);
    expect(topkOf([2n, -1n, 7n], 0, 3, 2)).toEqual([2, 0]);
  });

  it('reject NaN', () => {
    expectCode(() => argmaxOf([1, NaN], 0, 2), 'ERR_TENSOR_VALUE');
    expectCode(() => argmaxOf([NaN, 1], 0, 2), 'ERR_TENSOR_VALUE');
    expectCode(() => topkOf([1, 2, NaN], 0, 3, 1), 'ERR_TENSOR_VALUE');
  });

  it('agree with a naive reference (property)', () => {
    const scores = fc.array(fc.integer({ min: -3, max: 3 }).map((v) => v / 2), { minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(scores, fc.nat(), (s, kSeed) => {
        const k = 1 + (kSeed % s.length);
        const ref = s.map((v, i) => ({ v, i })).sort((a, b) => b.v - a.v || a.i - b.i).map((e) => e.i);
        expect(topkOf(s, 0, s.length, k)).toEqual(ref.slice(0, k));
        expect(argmaxOf(s, 0, s.length)).toBe(ref[0]);
        expect(s.indexOf(Math.max(...s))).toBe(ref[0]);
      }),
      { numRuns: 300 },
    );
  });
});

describe('output encoding', () => {
  const m = manifestWith([
    { name: 'r', dtype: 'float32', shape: ['batch', 2], encoding: 'raw' },
    { name: 'q', dtype: 'float64', shape: ['batch', 2], encoding: 'fixed:4' },
    { name: 'c', dtype: 'int64', shape: ['batch', 2, 3], encoding: 'argmax' },
    { name: 't', dtype: 'float32', shape: ['batch', 5], encoding: 'topk:2' },
  ]);
  const outputs = {
    r: { data: Float32Array.from([1.5, -0, 2, 3]), dims: [2, 2], type: 'float32' },
    q: { data: Float64Array.from([0.03125, -0.03125, 100.5, 2e9]), dims: [2, 2], type: 'float64' },
    c: { data: BigInt64Array.from([1n, 9n, 9n, -1n, -2n, -3n, 0n, 0n, 1n, 5n, 4n, 3n]), dims: [2, 2, 3], type: 'int64' },
    t: { data: Float32Array.from([0.1, 0.9, 0.5, 0.9, 0, 1, 2, 3, 4, 5]), dims: [2, 5], type: 'float32' },
    ignored_extra_graph_output: { data: [1], dims: [1] },
  };

  it('round-trips through decodeOutput with the right dims and values', () => {
    const bytes = encodeOutput(m, outputs, { batch: 2 });
    expect(bytes.length).toBe(outputByteLength(m, 2));
    expect(bytes.length).toBe(5 + 2 * (2 * 4 + 2 * 4 + 2 * 4 + 2 * 4));
    const d = decodeOutput(m, bytes);
    expect(d.batch).toBe(2);
    expect(d.byName.r?.dims).toEqual([2, 2]);
    expect(toArray(d.byName.r?.data)).toEqual([1.5, -0, 2, 3]);
    expect(toArray(d.byName.q?.data)).toEqual([0, 0, 1608, 2147483647]);
    expect(toArray(d.byName.q?.values)).toEqual([0, 0, 100.5, 2147483647 / 16]);
    expect(d.byName.c?.dims).toEqual([2, 2]);
    expect(toArray(d.byName.c?.data)).toEqual([1, 0, 2, 0]);
    expect(d.byName.t?.dims).toEqual([2, 2]);
    expect(toArray(d.byName.t?.data)).toEqual([1, 3, 4, 3]);
    expect(Array.from(outputElementsInt32(bytes)).length).toBe((bytes.length - 5) / 4);
    expect(outputElementInt32(bytes, 4)).toBe(0); // q[0]
    expect(outputElementInt32(bytes, 6)).toBe(1608); // q[2]
    expectCode(() => outputElementInt32(bytes, 16), 'ERR_TENSOR_VALUE', 'index past the end');
  });

  it('writes the canonical NaN for raw floats whatever the payload, and decoders reject other NaNs', () => {
    const one = manifestWith([{ name: 'r', dtype: 'float32', shape: [2], encoding: 'raw' }]);
    const data = new Float32Array(2);
    new DataView(data.buffer).setUint32(0, 0x7fc00123, true);
    data[1] = -Infinity;
    const bytes = encodeOutput(one, { r: { data, dims: [2] } });
    expect(Buffer.from(bytes).toString('hex')).toBe('01010000000000c07f000080ff');
    expect(Number.isNaN(decodeOutput(one, bytes).byName.r?.data[0])).toBe(true);
    const odd = Uint8Array.from(bytes);
    new DataView(odd.buffer).setUint32(5, 0x7fc00001, true);
    expectCode(() => decodeOutput(one, odd), 'ERR_TENSOR_VALUE', 'non-canonical NaN');
    const f64 = manifestWith([{ name: 'r', dtype: 'float64', shape: [1], encoding: 'raw' }]);
    expect(Buffer.from(encodeOutput(f64, { r: [NaN] })).toString('hex')).toBe('0101000000000000000000f87f');
  });

  it('rejects NaN under fixed/argmax/topk, wrong shapes, types and batches', () => {
    const bad = (patch: Record<string, unknown>) => ({ ...outputs, ...patch });
    expectCode(() => encodeOutput(m, bad({ q: { data: [NaN, 0, 0, 0], dims: [2, 2] } })), 'ERR_TENSOR_VALUE', 'fixed NaN');
    expectCode(() => encodeOutput(m, bad({ t: { data: [0, 0, NaN, 0, 0, 0, 0, 0, 0, 0], dims: [2, 5] } })), 'ERR_TENSOR_VALUE', 'topk NaN');
    expectCode(() => encodeOutput(m, bad({ q: { data: [1n, 0, 0, 0], dims: [2, 2] } })), 'ERR_TENSOR_VALUE', 'fixed bigint');
    expectCode(() => encodeOutput(m, bad({ r: { data: [1, 2, 3, 4], dims: [2, 2], type: 'float64' } })), 'ERR_TENSOR_DTYPE', 'ort type');
    expectCode(() => encodeOutput(m, bad({ r: { data: [1, 2], dims: [1, 2] } })), 'ERR_TENSOR_BATCH', 'batch differs between outputs');
    expectCode(() => encodeOutput(m, outputs, { batch: 3 }), 'ERR_TENSOR_BATCH', 'batch differs from input');
    expectCode(() => encodeOutput(m, bad({ t: { data: [1, 2, 3, 4], dims: [2, 2] } })), 'ERR_TENSOR_SHAPE', 'topk dims');
    const { r: _r, ...withoutR } = outputs;
    expectCode(() => encodeOutput(m, withoutR), 'ERR_TENSOR_MISSING', 'missing r');
    const ints = manifestWith([{ name: 'i', dtype: 'int8', shape: [1], encoding: 'raw' }]);
    expectCode(() => encodeOutput(ints, { i: [200] }), 'ERR_TENSOR_VALUE', 'int8 out of range');
  });
});

describe('output decoding rejects malformed bytes', () => {
  const m = manifestWith([
    { name: 'a', dtype: 'float32', shape: ['batch', 3], encoding: 'argmax' },
    { name: 't', dtype: 'float32', shape: ['batch', 3], encoding: 'topk:2' },
  ]);
  const good = encodeOutput(m, { a: [[0, 2, 1]], t: [[0, 2, 1]] });

  it('checks length, version, batch and indices', () => {
    expect(Array.from(outputElementsInt32(good))).toEqual([1, 1, 2]);
    for (let len = 0; len < good.length; len++) expectCode(() => decodeOutput(m, good.subarray(0, len)), 'ERR_TENSOR_TRUNCATED', `prefix ${len}`);
    expectCode(() => decodeOutput(m, Uint8Array.from([...good, 0])), 'ERR_TENSOR_TRAILING', 'trailing');
    const set = (off: number, v: number, width: 1 | 4 = 4) => {
      const b = Uint8Array.from(good);
      if (width === 1) b[off] = v;
      else new DataView(b.buffer).setInt32(off, v, true);
      return b;
    };
    expectCode(() => decodeOutput(m, set(0, 2, 1)), 'ERR_TENSOR_VERSION', 'version');
    expectCode(() => decodeOutput(m, set(1, 0, 1)), 'ERR_TENSOR_BATCH', 'batch 0');
    expectCode(() => decodeOutput(m, set(5, 3)), 'ERR_TENSOR_VALUE', 'argmax index = last dim');
    expectCode(() => decodeOutput(m, set(5, -1)), 'ERR_TENSOR_VALUE', 'argmax index negative');
    expectCode(() => decodeOutput(m, set(13, 1)), 'ERR_TENSOR_VALUE', 'topk repeats an index');
    expectCode(() => outputElementsInt32(good.subarray(0, good.length - 1)), 'ERR_TENSOR_TRUNCATED', 'partial int32');
    expectCode(() => outputElementsInt32(good.subarray(0, 3)), 'ERR_TENSOR_TRUNCATED', 'short header');
    expectCode(() => outputElementsInt32(set(0, 0, 1)), 'ERR_TENSOR_VERSION', 'int32 view version');
    expect(outputElementsInt32('0x0101000000').length).toBe(0);
  });

  it('garbage decodes to a typed error or to indices that are all in range (property)', () => {
    const garbage = fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      fc.tuple(fc.integer({ min: 1, max: 5 }), fc.array(fc.integer({ min: -1, max: 3 }), { maxLength: 12 })).map(([batch, ints]) => {
        const b = new Uint8Array(5 + 4 * ints.length);
        const v = new DataView(b.buffer);
        v.setUint8(0, 1);
        v.setUint32(1, batch, true);
        ints.forEach((x, i) => v.setInt32(5 + 4 * i, x, true));
        return b;
      }),
    );
    fc.assert(
      fc.property(garbage, (bytes) => {
        let d;
        try {
          d = decodeOutput(m, bytes);
        } catch (err) {
          expect(isAioracleError(err) && err.code.startsWith('ERR_TENSOR_')).toBe(true);
          return;
        }
        for (const o of d.outputs) for (const x of o.data) expect(Number(x) >= 0 && Number(x) < 3).toBe(true);
        for (let r = 0; r < d.batch; r++) expect(d.byName.t?.data[2 * r]).not.toBe(d.byName.t?.data[2 * r + 1]);
      }),
      { numRuns: 500 },
    );
  });
});
