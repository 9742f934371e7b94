/**
 * Fast backend on mcl-wasm (curve BN_SNARK1 = alt_bn128). mcl keeps G2 coordinates real-first,
 * as noble does; the Solidity order is applied only in points.ts. hashToG1 is our own
 * try-and-increment on mcl's Fp (mcl's hashAndMapTo is a different map and is never used).
 * mcl objects live in JS typed arrays, so handles need no freeing; the one wasm-heap object is the
 * precomputed −G2 line table, created once per backend.
 */
import type * as MclModule from 'mcl-wasm';
import type { BlsBackend, G1Handle, G2Handle, GtHandle, ScalarsHandle, G2AffineValue } from './backend.js';
import { FP_SQRT_EXPONENT, G2_GENERATOR } from './constants.js';

type Mcl = typeof MclModule;
type McG1 = InstanceType<Mcl['G1']>;
type McG2 = InstanceType<Mcl['G2']>;
type McGT = InstanceType<Mcl['GT']>;
type McFr = InstanceType<Mcl['Fr']>;
type McFp = InstanceType<Mcl['Fp']>;

const g1 = (h: G1Handle): McG1 => h as unknown as McG1;
const g2 = (h: G2Handle): McG2 => h as unknown as McG2;
const gt = (h: GtHandle): McGT => h as unknown as McGT;
const h1 = (p: McG1): G1Handle => p as unknown as G1Handle;
const h2 = (p: McG2): G2Handle => p as unknown as G2Handle;
const ht = (x: McGT): GtHandle => x as unknown as GtHandle;

/** Loads and initialises mcl-wasm for BN_SNARK1, then returns the backend. */
export async function createMclBackend(): Promise<BlsBackend> {
  const mcl: Mcl = await import('mcl-wasm');
  await mcl.init(mcl.BN_SNARK1);

  const fp = (v: bigint): McFp => {
    const x = new mcl.Fp();
    x.setStr(v.toString(16), 16);
    return x;
  };
  const fpToBig = (x: McFp): bigint => BigInt(`0x${x.getStr(16)}`);
  const fr = (v: bigint): McFr => {
    const x = new mcl.Fr();
    x.setStr(v.toString(16), 16);
    return x;
  };
  const fp2 = (re: bigint, im: bigint) => {
    const x = new mcl.Fp2();
    x.set_a(fp(re));
    x.set_b(fp(im));
    return x;
  };
  const fpOne = fp(1n);
  const fpThree = fp(3n);
  const fp2One = fp2(1n, 0n);

  const g1FromAffine = (x: bigint, y: bigint): McG1 => {
    const p = new mcl.G1();
    p.setX(fp(x));
    p.setY(fp(y));
    p.setZ(fpOne);
    return p;
  };
  const g2FromAffine = (a: G2AffineValue): McG2 => {
    const p = new mcl.G2();
    p.setX(fp2(a.x.re, a.x.im));
    p.setY(fp2(a.y.re, a.y.im));
    p.setZ(fp2One);
    return p;
  };
  const G1gen = g1FromAffine(1n, 2n);
  const G2gen = g2FromAffine(G2_GENERATOR);
  const negG2Lines = new mcl.PrecomputedG2(mcl.neg(G2gen));

  return {
    name: 'mcl',
    g1Generator: () => h1(G1gen),
    g1Zero: () => h1(new mcl.G1()),
    g1FromAffine: (x, y) => h1(g1FromAffine(x, y)),
    g1ToAffine: (h) => {
      const p = g1(h);
      if (p.isZero()) return null;
      const n = mcl.normalize(p);
      return { x: fpToBig(n.getX()), y: fpToBig(n.getY()) };
    },
    g1Add: (a, b) => h1(mcl.add(g1(a), g1(b))),
    g1Neg: (a) => h1(mcl.neg(g1(a))),
    g1Mul: (a, k) => h1(mcl.mul(g1(a), fr(k))),
    g1Equal: (a, b) => g1(a).isEqual(g1(b)),
    g1IsZero: (a) => g1(a).isZero(),

    g2Generator: () => h2(G2gen),
    g2Zero: () => h2(new mcl.G2()),
    g2FromAffine: (a) => h2(g2FromAffine(a)),
    g2ToAffine: (h) => {
      const p = g2(h);
      if (p.isZero()) return null;
      const n = mcl.normalize(p);
      const x = n.getX();
      const y = n.getY();
      return {
        x: { re: fpToBig(x.get_a()), im: fpToBig(x.get_b()) },
        y: { re: fpToBig(y.get_a()), im: fpToBig(y.get_b()) },
      };
    },
    g2InSubgroup: (a) => g2(a).isValidOrder(),
    g2Add: (a, b) => h2(mcl.add(g2(a), g2(b))),
    g2Neg: (a) => h2(mcl.neg(g2(a))),
    g2Mul: (a, k) => h2(mcl.mul(g2(a), fr(k))),
    g2Equal: (a, b) => g2(a).isEqual(g2(b)),
    g2IsZero: (a) => g2(a).isZero(),

    prepareScalars: (ks) => ks.map(fr) as unknown as ScalarsHandle,
    g1Msm: (points, ks, from, to) =>
      h1(to <= from ? new mcl.G1() : mcl.mulVec(points.slice(from, to).map(g1), (ks as unknown as McFr[]).slice(from, to))),
    g2Msm: (points, ks, from, to) =>
      h2(to <= from ? new mcl.G2() : mcl.mulVec(points.slice(from, to).map(g2), (ks as unknown as McFr[]).slice(from, to))),

    hashToG1: (digest) => {
      const x = new mcl.Fp();
      x.setBigEndianMod(digest);
      let cur = x;
      for (;;) {
        const beta = mcl.add(mcl.mul(mcl.sqr(cur), cur), fpThree);
        const y = mcl.pow(beta, FP_SQRT_EXPONENT);
        if (mcl.sqr(y).isEqual(beta)) {
          const p = new mcl.G1();
          p.setX(cur);
          p.setY(y);
          p.setZ(fpOne);
          return h1(p);
        }
        cur = mcl.add(cur, fpOne);
      }
    },

    pairNegG2: (a, b, q) => ht(mcl.finalExp(mcl.precomputedMillerLoop2mixed(g1(b), g2(q), g1(a), negG2Lines))),
    gtIsOne: (x) => gt(x).isOne(),
    gtMul: (a, b) => ht(mcl.mul(gt(a), gt(b))),
    gtDiv: (a, b) => ht(mcl.div(gt(a), gt(b))),
  };
}
