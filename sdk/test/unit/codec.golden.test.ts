// Golden vectors shared with docs/encoding.md and the Solidity tests: change them only together.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { isAioracleError } from '../../src/errors.js';
import { decodeInput, decodeOutput, encodeInput, encodeOutput, isSlashableDissent, outputElementsInt32, outputsEqual, withinTolerance } from '../../src/codec/index.js';
import { canonicalManifestJson, manifestHash, parseManifest } from '../../src/manifest/index.js';
import { inputHash, outputHash } from '../../src/protocol/hashes.js';

const toArray = (d: ArrayLike<number | bigint> | undefined): (number | bigint)[] => Array.from(d ?? []);

const GOLDEN_MANIFEST_JSON =
  '{"fee":"0","inputs":[{"dtype":"int8","name":"a","shape":["batch",3]},{"dtype":"float32","name":"b","shape":["batch",2]},{"dtype":"int64","name":"c","shape":["batch",1]}],"maxBatch":4,"name":"golden","onnx":{"file":"golden.onnx","sha256":"0x1111111111111111111111111111111111111111111111111111111111111111"},"outputs":[{"dtype":"int32","encoding":"raw","name":"raw","shape":["batch",2]},{"dtype":"float32","encoding":"fixed:8","name":"score","shape":["batch",1]},{"dtype":"float32","encoding":"argmax","name":"cls","shape":["batch",4]},{"dtype":"float32","encoding":"topk:2","name":"top","shape":["batch",4]}],"profile":"exact-wasm","runtime":{"engine":"onnxruntime-web","graphOptimizationLevel":"disabled","intraOpNumThreads":1},"tolerance":0,"version":"1"}';
const GOLDEN_MANIFEST_HASH = '0x1f68fbfb4886d725ad94ae063c33a1efaf7ba683f84ac03253b763d26634c952';
const GOLDEN_INPUT = '010200000001fe7f8000050000c03f000080be0000000000004040ffffffffffffffff0000000000010000';
const GOLDEN_INPUT_HASH = '0x6fd8ee95802d4011a64792972d2f4f53e6dc2a718ae06c80b1e70a77484bde5c';
const GOLDEN_OUTPUT = '010200000007000000f9ffffff00000100000000800000000080feffff010000000300000001000000020000000000000001000000';
const GOLDEN_OUTPUT_HASH = '0xb724dc3976cf155e038e33d9366dca5037b44ea818d135310738566b818819b5';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const fromHex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const manifest = parseManifest(GOLDEN_MANIFEST_JSON);

describe('golden vectors (docs/encoding.md)', () => {
  it('manifest canonical form and hash', () => {
    expect(canonicalManifestJson(manifest)).toBe(GOLDEN_MANIFEST_JSON);
    expect(manifestHash(manifest)).toBe(GOLDEN_MANIFEST_HASH);
  });

  it('input bytes', () => {
    const bytes = encodeInput(manifest, { a: [[1, -2, 127], [-128, 0, 5]], b: [[1.5, -0.25], [0, 3]], c: [[-1n], [1n << 40n]] });
    expect(hex(bytes)).toBe(GOLDEN_INPUT);
    expect(inputHash(bytes)).toBe(GOLDEN_INPUT_HASH);
    const d = decodeInput(manifest, `0x${GOLDEN_INPUT}`);
    expect(toArray(d.byName.a?.data)).toEqual([1, -2, 127, -128, 0, 5]);
    expect(toArray(d.byName.b?.data)).toEqual([1.5, -0.25, 0, 3]);
    expect(toArray(d.byName.c?.data)).toEqual([-1n, 1n << 40n]);
    expect(d.byName.c?.dims).toEqual([2, 1]);
  });

  it('output bytes and the int32 view', () => {
    const bytes = encodeOutput(manifest, {
      raw: { data: Int32Array.from([7, -7, 65536, -2147483648]), dims: [2, 2], type: 'int32' },
      score: { data: Float32Array.from([2 ** -9, -1.5]), dims: [2, 1], type: 'float32' },
      cls: { data: Float32Array.from([0.1, 0.7, 0.7, 0.2, -1, -2, -3, -0.5]), dims: [2, 4], type: 'float32' },
      top: { data: Float32Array.from([0.1, 0.7, 0.7, 0.2, 5, 5, 5, 5]), dims: [2, 4], type: 'float32' },
    }, { batch: 2 });
    expect(hex(bytes)).toBe(GOLDEN_OUTPUT);
    expect(outputHash(bytes)).toBe(GOLDEN_OUTPUT_HASH);
    expect(Array.from(outputElementsInt32(bytes))).toEqual([7, -7, 65536, -2147483648, 0, -384, 1, 3, 1, 2, 0, 1]);
    const d = decodeOutput(manifest, bytes);
    expect(toArray(d.byName.top?.data)).toEqual([1, 2, 0, 1]);
    expect(toArray(d.byName.score?.values)).toEqual([0, -1.5]);
  });
});

describe('tolerance', () => {
  const out = (...ints: number[]) => {
    const b = new Uint8Array(5 + 4 * ints.length);
    const v = new DataView(b.buffer);
    v.setUint8(0, 1);
    v.setUint32(1, 1, true);
    ints.forEach((x, i) => v.setInt32(5 + 4 * i, x, true));
    return b;
  };

  it.each<[number[], number[], number, boolean]>([
    [[100, -100], [103, -97], 3, true],
    [[100, -100], [104, -100], 3, false],
    [[2147483647], [-2147483648], 4294967295, true],
    [[2147483647], [-2147483648], 4294967294, false],
    [[1, 2], [1, 2, 3], 100, false],
    [[5], [5], 0, true],
    [[5], [6], 0, false],
  ])('withinTolerance(%j, %j, %p) = %p (docs/encoding.md table)', (a, b, tol, want) => {
    expect(withinTolerance(out(...a), out(...b), tol)).toBe(want);
    expect(withinTolerance(out(...b), out(...a), BigInt(tol))).toBe(want);
  });

  it('requires equal headers and whole int32 bodies', () => {
    const a = out(1, 2);
    const otherBatch = Uint8Array.from(a);
    otherBatch[1] = 2;
    expect(withinTolerance(a, otherBatch, 1000)).toBe(false);
    const otherVersion = Uint8Array.from(a);
    otherVersion[0] = 2;
    expect(withinTolerance(a, otherVersion, 1000)).toBe(false);
    expect(withinTolerance(a.subarray(0, 12), a.subarray(0, 12), 1000)).toBe(false);
    expect(withinTolerance(a.subarray(0, 4), a.subarray(0, 4), 1000)).toBe(false);
    expect(withinTolerance(`0x${hex(a)}`, a, 0)).toBe(true);
    expect(() => withinTolerance(a, a, -1)).toThrow(RangeError);
    let code = '';
    try {
      withinTolerance('0xz', a, 0);
    } catch (err) {
      code = isAioracleError(err) ? err.code : 'other';
    }
    expect(code).toBe('ERR_TENSOR_MALFORMED');
  });

  it('is exactly "max |a_i - b_i| <= tolerance" (property)', () => {
    const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    fc.assert(
      fc.property(fc.array(fc.tuple(int32, fc.integer({ min: -20, max: 20 })), { minLength: 1, maxLength: 8 }), fc.nat(25), (pairs, tol) => {
        const a = pairs.map(([x]) => x);
        const b = pairs.map(([x, d]) => Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, x + d)));
        const maxDiff = Math.max(...a.map((x, i) => Math.abs(x - (b[i] as number))));
        expect(withinTolerance(out(...a), out(...b), tol)).toBe(maxDiff <= tol);
        expect(withinTolerance(out(...a), out(...a), 0)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('isSlashableDissent follows protocol.md per profile', () => {
    const a = out(100, 200);
    expect(isSlashableDissent('exact-int', a, out(100, 201), 0)).toBe(true);
    expect(isSlashableDissent('exact-wasm', a, out(100, 200), 0)).toBe(false);
    expect(isSlashableDissent('exact-int', a, out(100), 0)).toBe(true);
    expect(isSlashableDissent('tolerant', a, out(100, 203), 3)).toBe(false);
    expect(isSlashableDissent('tolerant', a, out(100, 204), 3)).toBe(true);
    // protocol.md: for tolerant, another length or header is slashable (an honest output has the accepted shape).
    expect(isSlashableDissent('tolerant', a, out(100, 900, 1), 3)).toBe(true);
    const otherHeader = Uint8Array.from(a);
    otherHeader[1] = (otherHeader[1]! + 1) & 0xff;
    expect(isSlashableDissent('tolerant', a, otherHeader, 3)).toBe(true);
    expect(isSlashableDissent('tolerant', a, Uint8Array.from(a), 3)).toBe(false);
    expect(outputsEqual(a, `0x${hex(a)}`)).toBe(true);
    expect(outputsEqual(a, out(100))).toBe(false);
  });

  it('golden output decodes byte-identically from hex and bytes', () => {
    expect(decodeOutput(manifest, fromHex(GOLDEN_OUTPUT))).toEqual(decodeOutput(manifest, `0x${GOLDEN_OUTPUT}`));
  });
});
