// The mcl backend (fast) against the noble backend (reference), byte for byte, over random keys,
// digests and subsets (fast-check). Points made under one backend are re-encoded through bytes
// before use under the other, so no hidden state is shared.
import fc from 'fast-check';
import {
  BlsSecretKey,
  FR_MODULUS,
  aggregateGamma,
  aggregatePublicKeysG1,
  aggregatePublicKeysG2,
  aggregateSignatures,
  blsBatchVerifySameMessage,
  blsKeyPairFromSecretKey,
  blsSign,
  blsVerify,
  blsVerifyAggregate,
  g1FromBytes,
  g2FromBytes,
  hashToG1,
  initBls,
} from '../../src/bls/index.js';
import { loadBackend } from '../../src/bls/init.js';
import { hashToG1Affine } from '../../src/bls/hashToG1Reference.js';
import { jest } from '@jest/globals';

// The noble (pure JS) backend is slow, and these machines are shared: allow generous time per test.
jest.setTimeout(180_000);

const skArb = fc.bigInt({ min: 1n, max: FR_MODULUS - 1n });
const digestArb = fc.uint8Array({ minLength: 32, maxLength: 32 });
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

async function on<T>(name: 'mcl' | 'noble', f: () => T): Promise<T> {
  await initBls({ backend: name });
  return f();
}

describe('mcl and noble agree byte for byte', () => {
  it('public keys, hashToG1, signatures and verification', async () => {
    await fc.assert(
      fc.asyncProperty(skArb, digestArb, async (k, d) => {
        const compute = () => {
          const kp = blsKeyPairFromSecretKey(BlsSecretKey.fromBigInt(k));
          const sig = blsSign(kp.secretKey, d);
          return {
            pk1: hex(kp.publicKeyG1.toBytes()),
            pk2: hex(kp.publicKeyG2.toBytes()),
            h: hex(hashToG1(d).toBytes()),
            sig: hex(sig.toBytes()),
            ok: blsVerify(sig, kp.publicKeyG2, d),
          };
        };
        const a = await on('mcl', compute);
        const b = await on('noble', compute);
        expect(a).toEqual(b);
        expect(a.ok).toBe(true);
        const ref = hashToG1Affine(d);
        expect(a.h).toBe(ref.x.toString(16).padStart(64, '0') + ref.y.toString(16).padStart(64, '0'));
      }),
      { numRuns: 15 },
    );
  });

  it('aggregates, γ and the γ-check over random signer subsets', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(skArb, { minLength: 1, maxLength: 6 }), digestArb, async (ks, d) => {
        const compute = () => {
          const kps = ks.map((k) => blsKeyPairFromSecretKey(BlsSecretKey.fromBigInt(k)));
          const sigma = aggregateSignatures(kps.map((kp) => blsSign(kp.secretKey, d)));
          const apk = aggregatePublicKeysG1(kps.map((kp) => kp.publicKeyG1));
          const apkG2 = aggregatePublicKeysG2(kps.map((kp) => kp.publicKeyG2));
          const input = { msgHash: d, apk, apkG2, sigma };
          return { sigma: hex(sigma.toBytes()), apk: hex(apk.toBytes()), apkG2: hex(apkG2.toBytes()), gamma: aggregateGamma(input), ok: blsVerifyAggregate(input) };
        };
        const a = await on('mcl', compute);
        const b = await on('noble', compute);
        expect(a).toEqual(b);
      }),
      { numRuns: 8 },
    );
  });

  it('points cross backends through bytes and still verify; batch results agree', async () => {
    const d = new Uint8Array(32).fill(7);
    const made = await on('noble', () => {
      const kps = [1n, 2n, 3n, 4n].map((k) => blsKeyPairFromSecretKey(BlsSecretKey.fromBigInt(k * 1234567n)));
      return kps.map((kp, i) => ({ sig: blsSign(kp.secretKey, i === 2 ? new Uint8Array(32) : d).toBytes(), pk: kp.publicKeyG2.toBytes() }));
    });
    const run = () => blsBatchVerifySameMessage(d, made.map((m) => ({ signature: g1FromBytes(m.sig), publicKeyG2: g2FromBytes(m.pk) })));
    expect(await on('mcl', run)).toEqual({ ok: false, bad: [2] });
    expect(await on('noble', run)).toEqual({ ok: false, bad: [2] });
  });

  it('backend MSM and pairing primitives agree', async () => {
    const mcl = await loadBackend('mcl');
    const noble = await loadBackend('noble');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(skArb, fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })), { minLength: 1, maxLength: 5 }), async (pairs) => {
        for (const b of [mcl, noble]) {
          const p1 = pairs.map(([k]) => b.g1Mul(b.g1Generator(), k));
          const p2 = pairs.map(([k]) => b.g2Mul(b.g2Generator(), k));
          const s = b.prepareScalars(pairs.map(([, r]) => r));
          const expected = pairs.reduce((acc, [k, r]) => (acc + k * r) % FR_MODULUS, 0n);
          const m1 = b.g1Msm(p1, s, 0, pairs.length);
          const m2 = b.g2Msm(p2, s, 0, pairs.length);
          expect({ backend: b.name, g1: b.g1ToAffine(m1) }).toEqual({ backend: b.name, g1: b.g1ToAffine(b.g1Mul(b.g1Generator(), expected)) });
          expect({ backend: b.name, g2: b.g2ToAffine(m2) }).toEqual({ backend: b.name, g2: b.g2ToAffine(b.g2Mul(b.g2Generator(), expected)) });
          // e(m1, −G2)·e(G1, m2) = 1 since both are expected·generator
          expect({ backend: b.name, one: b.gtIsOne(b.pairNegG2(m1, b.g1Generator(), m2)) }).toEqual({ backend: b.name, one: true });
        }
      }),
      { numRuns: 5 },
    );
  });
});
