import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { isAioracleError } from '../../src/errors.js';
import {
  DTYPES,
  DTYPE_INFO,
  decodeInput,
  encodeInput,
  inputByteLength,
  type Dtype,
} from '../../src/codec/index.js';
import { parseManifest, type Manifest } from '../../src/manifest/index.js';

const toArray = (d: ArrayLike<number | bigint> | undefined): (number | bigint)[] => Array.from(d ?? []);

const SHA = `0x${'ab'.repeat(32)}`;

/** An exact-wasm manifest (any dtype allowed) with the given inputs and one raw output. */
function manifestWith(inputs: Manifest['inputs'], maxBatch = 8): Manifest {
  const batched = inputs.some((t) => t.shape[0] === 'batch');
  return parseManifest({
    name: 'codec-test',
    version: '1',
    onnx: { file: 'm.onnx', sha256: SHA },
    runtime: { engine: 'onnxruntime-web', graphOptimizationLevel: 'disabled', intraOpNumThreads: 1 },
    inputs,
    outputs: [{ name: 'y', dtype: 'int32', shape: batched ? ['batch', 1] : [1], encoding: 'raw' }],
    profile: 'exact-wasm',
    tolerance: 0,
    fee: '0',
    maxBatch: batched ? maxBatch : 1,
  });
}

const expectCode = (fn: () => unknown, code: string, label = ''): void => {
  let got = 'nothing thrown';
  try {
    fn();
  } catch (err) {
    got = isAioracleError(err) ? err.code : `non-typed error: ${String(err)}`;
  }
  expect({ label, got }).toEqual({ label, got: code });
};

const elementArb = (dtype: Dtype): fc.Arbitrary<number | bigint> => {
  const info = DTYPE_INFO[dtype];
  if (info.big) return fc.bigInt({ min: info.min, max: info.max });
  if (info.integer) return fc.integer({ min: Number(info.min), max: Number(info.max) });
  if (dtype === 'float32') return fc.float({ noNaN: true, noDefaultInfinity: true }).filter(Number.isFinite).map((x) => Math.fround(x));
  return fc.double({ noNaN: true, noDefaultInfinity: true });
};

const sameValue = (a: number | bigint, b: number | bigint) => Object.is(a, b) || a === b;

describe('input encoding round trips', () => {
  it.each(DTYPES.map((d) => [d]))('encode → decode is the identity for random %s tensors (property)', (dtype) => {
    const arb = fc
      .record({
        dims: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 3 }),
        batched: fc.boolean(),
        batch: fc.integer({ min: 1, max: 4 }),
      })
      .chain(({ dims, batched, batch }) => {
        const b = batched ? batch : 1;
        const n = b * dims.reduce((x, y) => x * y, 1);
        return fc.record({
          dims: fc.constant(dims),
          batched: fc.constant(batched),
          batch: fc.constant(b),
          values: fc.array(elementArb(dtype), { minLength: n, maxLength: n }),
        });
      });
    fc.assert(
      fc.property(arb, ({ dims, batched, batch, values }) => {
        const m = manifestWith([{ name: 'x', dtype, shape: batched ? ['batch', ...dims] : dims }]);
        const bytes = encodeInput(m, { x: values });
        expect(bytes.length).toBe(inputByteLength(m, batch));
        expect(bytes[0]).toBe(1);
        const dec = decodeInput(m, bytes);
        expect(dec.batch).toBe(batch);
        const t = dec.byName.x;
        expect(t?.type).toBe(dtype);
        expect(t?.dims).toEqual(batched ? [batch, ...dims] : dims);
        const got = toArray(t?.data);
        expect(got.length).toBe(values.length);
        got.forEach((v, i) => expect({ i, ok: sameValue(v, values[i] as number | bigint) }).toEqual({ i, ok: true }));
        // The typed array the decoder returned encodes to the same bytes (canonical).
        expect(encodeInput(m, { x: { data: t?.data ?? [], dims: t?.dims ?? [], type: dtype } })).toEqual(bytes);
      }),
      { numRuns: 60 },
    );
  });

  it('accepts flat, nested, typed and {data, dims} forms with identical bytes', () => {
    const m = manifestWith([
      { name: 'a', dtype: 'int8', shape: ['batch', 2, 2] },
      { name: 'b', dtype: 'float32', shape: ['batch', 3] },
    ]);
    const nested = encodeInput(m, { a: [[[1, 2], [3, 4]], [[-1, -2], [-3, -4]]], b: [[0.5, 1, 2], [3, 4, 5]] });
    const flat = encodeInput(m, { a: [1, 2, 3, 4, -1, -2, -3, -4], b: Float32Array.from([0.5, 1, 2, 3, 4, 5]) });
    const tensors = encodeInput(m, {
      a: { data: Int8Array.from([1, 2, 3, 4, -1, -2, -3, -4]), dims: [2, 2, 2], type: 'int8' },
      b: { data: [0.5, 1, 2, 3, 4, 5], dims: [2, 3] },
    });
    expect(flat).toEqual(nested);
    expect(tensors).toEqual(nested);
    expect(Array.from(nested.subarray(0, 5))).toEqual([1, 2, 0, 0, 0]);
    expect(decodeInput(m, `0x${Buffer.from(nested).toString('hex')}`).batch).toBe(2);
  });

  it('encodes bigint and safe-number values alike for 64-bit types, and -0 as -0 for floats', () => {
    const m = manifestWith([
      { name: 'i', dtype: 'int64', shape: [2] },
      { name: 'f', dtype: 'float64', shape: [1] },
    ]);
    expect(encodeInput(m, { i: [-5, 7], f: [1] })).toEqual(encodeInput(m, { i: [-5n, 7n], f: [1] }));
    const dec = decodeInput(m, encodeInput(m, { i: [0, 0], f: [-0] }));
    expect(Object.is(dec.byName.f?.data[0], -0)).toBe(true);
    expect(dec.batch).toBe(1);
  });
});

describe('input encoding rejects bad values', () => {
  it.each(DTYPES.filter((d) => DTYPE_INFO[d].integer).map((d) => [d]))('%s: out of range, fractional, NaN and wrong types', (dtype) => {
    const info = DTYPE_INFO[dtype];
    const m = manifestWith([{ name: 'x', dtype, shape: [1] }]);
    expect(() => encodeInput(m, { x: [info.big ? info.max : Number(info.max)] })).not.toThrow();
    const bad: unknown[] = [info.min - 1n, info.max + 1n, 0.5, NaN, Infinity, '1', null];
    if (!info.big) bad.push(Number(info.min) - 1, Number(info.max) + 1);
    else bad.push(2 ** 60); // integral but beyond 2^53: must be a bigint
    for (const v of bad) expectCode(() => encodeInput(m, { x: [v as number] }), 'ERR_TENSOR_VALUE', `${dtype} ${String(v)}`);
  });

  it.each([['float32'], ['float64']] as const)('%s: NaN and Infinity are rejected', (dtype) => {
    const m = manifestWith([{ name: 'x', dtype, shape: [1] }]);
    for (const v of [NaN, Infinity, -Infinity, 1n]) expectCode(() => encodeInput(m, { x: [v as number] }), 'ERR_TENSOR_VALUE', `${dtype} ${String(v)}`);
    if (dtype === 'float32') expectCode(() => encodeInput(m, { x: [1e39] }), 'ERR_TENSOR_VALUE', 'float32 overflow');
    else expect(() => encodeInput(m, { x: [1e300] })).not.toThrow();
  });

  it('rejects missing, unknown, mis-shaped and inconsistent tensors', () => {
    const m = manifestWith([
      { name: 'a', dtype: 'int8', shape: ['batch', 2] },
      { name: 'b', dtype: 'uint8', shape: ['batch', 1] },
    ], 3);
    const ok = { a: [[1, 2]], b: [[3]] };
    expect(() => encodeInput(m, ok)).not.toThrow();
    expectCode(() => encodeInput(m, { a: [[1, 2]] }), 'ERR_TENSOR_MISSING', 'missing b');
    expectCode(() => encodeInput(m, { ...ok, c: [1] }), 'ERR_TENSOR_UNKNOWN', 'unknown c');
    expectCode(() => encodeInput(m, { a: [1, 2, 3], b: [1] }), 'ERR_TENSOR_SHAPE', 'flat not a multiple');
    expectCode(() => encodeInput(m, { a: [], b: [] }), 'ERR_TENSOR_SHAPE', 'empty');
    expectCode(() => encodeInput(m, { a: [[1, 2], [3]], b: [[1], [2]] }), 'ERR_TENSOR_SHAPE', 'ragged');
    expectCode(() => encodeInput(m, { a: [[1, 2, 3]], b: [[1]] }), 'ERR_TENSOR_SHAPE', 'wrong inner dim');
    expectCode(() => encodeInput(m, { a: [[[1, 2]]], b: [[1]] }), 'ERR_TENSOR_SHAPE', 'extra rank');
    expectCode(() => encodeInput(m, { a: { data: [1, 2], dims: [2] }, b: [[1]] }), 'ERR_TENSOR_SHAPE', 'dims rank');
    expectCode(() => encodeInput(m, { a: { data: [1, 2, 3], dims: [1, 2] }, b: [[1]] }), 'ERR_TENSOR_SHAPE', 'dims vs data');
    expectCode(() => encodeInput(m, { a: { data: [1, 2], dims: [1, 2], type: 'int16' }, b: [[1]] }), 'ERR_TENSOR_DTYPE', 'ort type');
    expectCode(() => encodeInput(m, { a: [[1, 2], [3, 4]], b: [[1]] }), 'ERR_TENSOR_BATCH', 'batch mismatch');
    expectCode(() => encodeInput(m, ok, { batch: 2 }), 'ERR_TENSOR_BATCH', 'expected batch');
    expectCode(() => encodeInput(m, { a: [1, 2, 1, 2, 1, 2, 1, 2], b: [1, 1, 1, 1] }), 'ERR_TENSOR_BATCH', 'over maxBatch');
    expectCode(() => encodeInput(m, { a: 'ab' as unknown as number[], b: [1] }), 'ERR_TENSOR_MALFORMED', 'string values');
    const unbatched = manifestWith([{ name: 'x', dtype: 'int32', shape: [2] }]);
    expectCode(() => encodeInput(unbatched, { x: [1, 2, 3, 4] }), 'ERR_TENSOR_SHAPE', 'unbatched with two rows');
    expectCode(() => encodeInput(unbatched, { x: [1, 2] }, { batch: 2 }), 'ERR_TENSOR_BATCH', 'unbatched batch 2');
  });
});

describe('input decoding rejects malformed bytes', () => {
  const m = manifestWith([
    { name: 'a', dtype: 'int16', shape: ['batch', 2] },
    { name: 'f', dtype: 'float32', shape: ['batch', 1] },
  ], 4);
  const good = encodeInput(m, { a: [[1, -1], [2, -2]], f: [[0.25], [8]] });

  it('every truncation and every extension is typed', () => {
    for (let len = 0; len < good.length; len++) {
      // A prefix of >= 5 bytes still says batch 2, so it is always too short.
      expectCode(() => decodeInput(m, good.subarray(0, len)), 'ERR_TENSOR_TRUNCATED', `prefix ${len}`);
    }
    for (const extra of [1, 3, 6, 100]) {
      expectCode(() => decodeInput(m, Uint8Array.from([...good, ...new Uint8Array(extra)])), 'ERR_TENSOR_TRAILING', `extra ${extra}`);
    }
  });

  it('checks version, batch, size, floats and hex', () => {
    const with0 = (i: number, v: number) => {
      const b = Uint8Array.from(good);
      b[i] = v;
      return b;
    };
    for (const v of [0, 2, 0xff]) expectCode(() => decodeInput(m, with0(0, v)), 'ERR_TENSOR_VERSION', `version ${v}`);
    expectCode(() => decodeInput(m, with0(1, 0)), 'ERR_TENSOR_BATCH', 'batch 0');
    expectCode(() => decodeInput(m, with0(1, 5)), 'ERR_TENSOR_BATCH', 'batch 5 > maxBatch 4');
    expectCode(() => decodeInput(m, with0(4, 1)), 'ERR_TENSOR_BATCH', 'batch 2^24+2');
    // float32 NaN and Infinity bit patterns in f[0] (offset 5 + 2*2*2 = 13).
    for (const bits of [0x7fc00000, 0x7f800000, 0xff800000, 0x7f800001]) {
      const b = Uint8Array.from(good);
      new DataView(b.buffer).setUint32(13, bits, true);
      expectCode(() => decodeInput(m, b), 'ERR_TENSOR_VALUE', `float bits ${bits.toString(16)}`);
    }
    expectCode(() => decodeInput(m, new Uint8Array(65_537)), 'ERR_TENSOR_TOO_LARGE', 'oversize');
    for (const hex of ['0x0', '0xzz', '01', 42 as unknown as string]) expectCode(() => decodeInput(m, hex), 'ERR_TENSOR_MALFORMED', `hex ${String(hex)}`);
    const unbatched = manifestWith([{ name: 'x', dtype: 'uint8', shape: [1] }]);
    expectCode(() => decodeInput(unbatched, Uint8Array.from([1, 2, 0, 0, 0, 7, 7])), 'ERR_TENSOR_BATCH', 'unbatched batch 2');
    expect(decodeInput(unbatched, Uint8Array.from([1, 1, 0, 0, 0, 7])).byName.x?.data).toEqual(Uint8Array.from([7]));
  });

  it('garbage never crashes and never yields a value other than what re-encodes to the same bytes (property)', () => {
    const header = fc.tuple(fc.constantFrom(0, 1, 1, 1, 2), fc.integer({ min: 0, max: 6 })).map(([v, b]) => [v, b, 0, 0, 0]);
    const garbage = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      fc.tuple(header, fc.uint8Array({ maxLength: 48 })).map(([h, body]) => Uint8Array.from([...h, ...body])),
    );
    fc.assert(
      fc.property(garbage, (bytes) => {
        let decoded;
        try {
          decoded = decodeInput(m, bytes);
        } catch (err) {
          expect(isAioracleError(err) && err.code.startsWith('ERR_TENSOR_')).toBe(true);
          return;
        }
        const again = encodeInput(m, Object.fromEntries(decoded.tensors.map((t) => [t.name, { data: t.data, dims: t.dims }])));
        expect(again).toEqual(bytes);
      }),
      { numRuns: 500 },
    );
  });
});
