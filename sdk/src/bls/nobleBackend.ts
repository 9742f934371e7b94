/**
 * Reference backend on @noble/curves (pure JS, audited, slow). Used to cross-check the mcl
 * backend byte for byte, and where WebAssembly is unavailable.
 */
import { bn254 } from '@noble/curves/bn254.js';
import { pippenger } from '@noble/curves/abstract/curve.js';
import type { BlsBackend, G1Handle, G2Handle, GtHandle, ScalarsHandle, G2AffineValue } from './backend.js';
import { hashToG1Affine } from './hashToG1Reference.js';

type G1P = InstanceType<typeof bn254.G1.Point>;
type G2P = InstanceType<typeof bn254.G2.Point>;
type Gt = ReturnType<typeof bn254.pairing>;

const G1 = bn254.G1.Point;
const G2 = bn254.G2.Point;
const { Fp2, Fp12 } = bn254.fields;

const g1 = (h: G1Handle): G1P => h as unknown as G1P;
const g2 = (h: G2Handle): G2P => h as unknown as G2P;
const gt = (h: GtHandle): Gt => h as unknown as Gt;
const h1 = (p: G1P): G1Handle => p as unknown as G1Handle;
const h2 = (p: G2P): G2Handle => p as unknown as G2Handle;
const ht = (x: Gt): GtHandle => x as unknown as GtHandle;

/** Creates the noble backend (no async set-up needed). */
export function createNobleBackend(): BlsBackend {
  const negG2 = G2.BASE.negate();
  const mulAny = <T extends G1P | G2P>(p: T, k: bigint, secret: boolean): T => {
    if (k === 0n) return p.multiplyUnsafe(0n) as T;
    return (secret ? p.multiply(k) : p.multiplyUnsafe(k)) as T;
  };
  return {
    name: 'noble',
    g1Generator: () => h1(G1.BASE),
    g1Zero: () => h1(G1.ZERO),
    g1FromAffine: (x, y) => h1(G1.fromAffine({ x, y })),
    g1ToAffine: (p) => (g1(p).is0() ? null : g1(p).toAffine()),
    g1Add: (a, b) => h1(g1(a).add(g1(b))),
    g1Neg: (a) => h1(g1(a).negate()),
    g1Mul: (a, k, secret = false) => h1(mulAny(g1(a), k, secret)),
    g1Equal: (a, b) => g1(a).equals(g1(b)),
    g1IsZero: (a) => g1(a).is0(),

    g2Generator: () => h2(G2.BASE),
    g2Zero: () => h2(G2.ZERO),
    g2FromAffine: (p: G2AffineValue) =>
      h2(G2.fromAffine({ x: Fp2.fromBigTuple([p.x.re, p.x.im]), y: Fp2.fromBigTuple([p.y.re, p.y.im]) })),
    g2ToAffine: (p) => {
      if (g2(p).is0()) return null;
      const a = g2(p).toAffine();
      return { x: { re: a.x.c0, im: a.x.c1 }, y: { re: a.y.c0, im: a.y.c1 } };
    },
    g2InSubgroup: (p) => g2(p).isTorsionFree(),
    g2Add: (a, b) => h2(g2(a).add(g2(b))),
    g2Neg: (a) => h2(g2(a).negate()),
    g2Mul: (a, k, secret = false) => h2(mulAny(g2(a), k, secret)),
    g2Equal: (a, b) => g2(a).equals(g2(b)),
    g2IsZero: (a) => g2(a).is0(),

    prepareScalars: (ks) => [...ks] as unknown as ScalarsHandle,
    g1Msm: (points, ks, from, to) =>
      h1(to <= from ? G1.ZERO : pippenger(G1, points.slice(from, to).map(g1), (ks as unknown as bigint[]).slice(from, to))),
    g2Msm: (points, ks, from, to) =>
      h2(to <= from ? G2.ZERO : pippenger(G2, points.slice(from, to).map(g2), (ks as unknown as bigint[]).slice(from, to))),

    hashToG1: (digest) => {
      const { x, y } = hashToG1Affine(digest);
      return h1(G1.fromAffine({ x, y }));
    },

    pairNegG2: (a, b, q) => {
      // noble rejects infinity in pairings; e(O, Q) = 1, so such terms are simply dropped.
      const pairs: { g1: G1P; g2: G2P }[] = [];
      if (!g1(a).is0()) pairs.push({ g1: g1(a), g2: negG2 });
      if (!g1(b).is0() && !g2(q).is0()) pairs.push({ g1: g1(b), g2: g2(q) });
      return ht(bn254.pairingBatch(pairs));
    },
    gtIsOne: (x) => Fp12.eql(gt(x), Fp12.ONE),
    gtMul: (a, b) => ht(Fp12.mul(gt(a), gt(b))),
    gtDiv: (a, b) => ht(Fp12.div(gt(a), gt(b))),
  };
}
