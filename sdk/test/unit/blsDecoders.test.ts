// Every decoder fed garbage answers with a typed error (never a raw exception, never a point).
import fc from 'fast-check';
import { bn254 } from '@noble/curves/bn254.js';
import {
  BlsSecretKey,
  FP_MODULUS,
  FR_MODULUS,
  blsSign,
  blsVerify,
  g1FromBytes,
  g1FromSolidity,
  g2FromBytes,
  g2FromSolidity,
  generateBlsKeyPair,
  hashToG1,
  aggregateSignatures,
  initBls,
} from '../../src/bls/index.js';
import { isAioracleError } from '../../src/errors.js';
import { jest } from '@jest/globals';

// The noble (pure JS) backend is slow, and these machines are shared: allow generous time per test.
jest.setTimeout(180_000);

const code = (c: string) => expect.objectContaining({ code: c });

/** An on-curve twist point outside the r-order subgroup (not multiplied by the cofactor). */
function nonSubgroupG2(): [[bigint, bigint], [bigint, bigint]] {
  const { Fp2 } = bn254.fields;
  const b = bn254.G2.Point.CURVE().b;
  for (let x = Fp2.fromBigTuple([1n, 0n]); ; x = Fp2.add(x, Fp2.ONE)) {
    const rhs = Fp2.add(Fp2.mul(Fp2.sqr(x), x), b);
    let y;
    try {
      y = Fp2.sqrt(rhs);
    } catch {
      continue;
    }
    const p = bn254.G2.Point.fromAffine({ x, y });
    if (p.isTorsionFree()) continue;
    return [
      [x.c1, x.c0],
      [y.c1, y.c0],
    ];
  }
}

describe.each(['mcl', 'noble'] as const)('decoders on %s', (backendName) => {
  beforeAll(async () => {
    await initBls({ backend: backendName });
  });

  it('rejects a G2 point on the twist but outside the subgroup', () => {
    const bad = nonSubgroupG2();
    expect(() => g2FromSolidity(bad)).toThrow(code('ERR_BLS_INVALID_POINT'));
    try {
      g2FromSolidity(bad);
    } catch (e) {
      expect((e as { details: unknown }).details).toEqual({ reason: 'not-in-subgroup' });
    }
    const bytes = Buffer.concat(bad.flat().map((v) => Buffer.from(v.toString(16).padStart(64, '0'), 'hex')));
    expect(() => g2FromBytes(bytes)).toThrow(code('ERR_BLS_INVALID_POINT'));
  });

  it('rejects off-curve, infinity and coordinates ≥ p', () => {
    expect(() => g1FromSolidity([1n, 3n])).toThrow(code('ERR_BLS_INVALID_POINT'));
    expect(() => g1FromSolidity([0n, 0n])).toThrow(code('ERR_BLS_INVALID_POINT'));
    expect(() => g1FromSolidity([1n + FP_MODULUS, 2n])).toThrow(code('ERR_BLS_INVALID_POINT'));
    expect(() => g1FromSolidity([1n, 2n + FP_MODULUS])).toThrow(code('ERR_BLS_INVALID_POINT'));
    expect(() => g1FromBytes(new Uint8Array(64))).toThrow(code('ERR_BLS_INVALID_POINT'));
    expect(() => g1FromBytes(new Uint8Array(64).fill(0xff))).toThrow(code('ERR_BLS_INVALID_POINT'));
    const g2 = generateBlsKeyPair().publicKeyG2.toSolidity();
    expect(() => g2FromSolidity([[g2[0][0], g2[0][1]], [g2[1][0], g2[1][1] + 1n]])).toThrow(code('ERR_BLS_INVALID_POINT'));
    expect(() => g2FromSolidity([[0n, 0n], [0n, 0n]])).toThrow(code('ERR_BLS_INVALID_POINT'));
    expect(() => g2FromSolidity([[g2[0][0] + FP_MODULUS, g2[0][1]], g2[1]])).toThrow(code('ERR_BLS_INVALID_POINT'));
    expect(() => g2FromBytes(new Uint8Array(128))).toThrow(code('ERR_BLS_INVALID_POINT'));
  });

  it('rejects wrong lengths, non-hex, wrong shapes and non-integers', () => {
    const g1 = generateBlsKeyPair().publicKeyG1;
    const cases: [string, () => unknown][] = [
      ['g1 63 bytes', () => g1FromBytes(g1.toBytes().subarray(0, 63))],
      ['g1 65 bytes', () => g1FromBytes(new Uint8Array(65))],
      ['g1 non-hex', () => g1FromBytes(`0x${'zz'.repeat(64)}`)],
      ['g1 odd hex', () => g1FromBytes(`0x${'0'.repeat(127)}`)],
      ['g2 127 bytes', () => g2FromBytes(new Uint8Array(127))],
      ['g2 empty', () => g2FromBytes('')],
      ['g1 not array', () => g1FromSolidity('E([1,2])' as never)],
      ['g1 3 coords', () => g1FromSolidity([1n, 2n, 3n] as never)],
      ['g1 negative', () => g1FromSolidity([-1n, 2n])],
      ['g1 float', () => g1FromSolidity([1.5, 2])],
      ['g1 decimal garbage', () => g1FromSolidity(['1e3', '2'])],
      ['g1 null', () => g1FromSolidity(null as never)],
      ['g2 flat', () => g2FromSolidity([1n, 2n, 3n, 4n] as never)],
      ['g2 short inner', () => g2FromSolidity([[1n], [2n, 3n]] as never)],
      ['g2 hex garbage', () => g2FromSolidity([['0xgg', '1'], ['1', '1']])],
      ['digest 31 bytes', () => hashToG1(new Uint8Array(31))],
      ['digest non-hex', () => hashToG1(`0x${'qq'.repeat(32)}`)],
    ];
    for (const [name, f] of cases) {
      let err: unknown;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect({ name, code: isAioracleError(err) ? err.code : String(err) }).toEqual({ name, code: 'ERR_BLS_INVALID_ENCODING' });
    }
    expect(() => BlsSecretKey.fromBigInt(0n)).toThrow(code('ERR_BLS_INVALID_SECRET_KEY'));
    expect(() => BlsSecretKey.fromBigInt(FR_MODULUS)).toThrow(code('ERR_BLS_INVALID_SECRET_KEY'));
    expect(() => BlsSecretKey.fromBytes(new Uint8Array(31))).toThrow(code('ERR_BLS_INVALID_SECRET_KEY'));
    expect(() => aggregateSignatures([])).toThrow(code('ERR_BLS_INVALID_ARGUMENT'));
    expect(() => blsSign(BlsSecretKey.fromBigInt(5n), new Uint8Array(33))).toThrow(code('ERR_BLS_INVALID_ENCODING'));
  });

  it('random bytes decode to a valid point or a typed error, nothing else', () => {
    const allowed = new Set(['ERR_BLS_INVALID_POINT', 'ERR_BLS_INVALID_ENCODING']);
    const check = (f: () => unknown): boolean => {
      try {
        f();
        return true;
      } catch (e) {
        return isAioracleError(e) && allowed.has(e.code);
      }
    };
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 140 }), (b) => check(() => g1FromBytes(b)) && check(() => g2FromBytes(b))),
      { numRuns: 200 },
    );
    // valid x with a random y: almost always off-curve
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: FP_MODULUS - 1n }), (y) => check(() => g1FromSolidity([1n, y]))),
      { numRuns: 100 },
    );
  });

  it('a signature decoded from garbage never verifies', () => {
    const kp = generateBlsKeyPair();
    const d = new Uint8Array(32).fill(1);
    const sig = blsSign(kp.secretKey, d);
    const [x, y] = sig.toSolidity();
    expect(blsVerify(g1FromSolidity([x, FP_MODULUS - y]), kp.publicKeyG2, d)).toBe(false);
  });
});
