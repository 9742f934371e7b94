// Aggregation over random signer subsets, and same-message batch verification that must name
// exactly the bad signatures wherever they hide.
import fc from 'fast-check';
import { keccak256, toUtf8Bytes } from 'ethers';
import {
  type BlsKeyPair,
  type G1Point,
  aggregatePublicKeysG1,
  aggregatePublicKeysG2,
  aggregateSignatures,
  blsBatchVerifySameMessage,
  blsSign,
  blsVerify,
  blsVerifyAggregate,
  generateBlsKeyPair,
  hashToG1,
  initBls,
  subtractG1,
} from '../../src/bls/index.js';
import { jest } from '@jest/globals';

// The noble (pure JS) backend is slow, and these machines are shared: allow generous time per test.
jest.setTimeout(180_000);

const DIGEST = keccak256(toUtf8Bytes('task 42 output'));
const OTHER = keccak256(toUtf8Bytes('task 42 other output'));

describe.each(['mcl', 'noble'] as const)('aggregation and batch verification on %s', (backendName) => {
  const fast = backendName === 'mcl';
  let keys: BlsKeyPair[];
  let sigs: G1Point[];
  beforeAll(async () => {
    await initBls({ backend: backendName });
    keys = Array.from({ length: fast ? 24 : 6 }, () => generateBlsKeyPair());
    sigs = keys.map((k) => blsSign(k.secretKey, DIGEST));
  });

  it('an aggregate over a random subset verifies with the aggregate key; γ-check passes; a wrong key fails', () => {
    fc.assert(
      fc.property(fc.subarray([...Array(keys.length).keys()], { minLength: 1 }), fc.nat(), (subset, pick) => {
        const signers = subset.map((i) => keys[i]!);
        const sigma = aggregateSignatures(subset.map((i) => sigs[i]!));
        const apkG2 = aggregatePublicKeysG2(signers.map((k) => k.publicKeyG2));
        const apk = aggregatePublicKeysG1(signers.map((k) => k.publicKeyG1));
        expect(blsVerify(sigma, apkG2, DIGEST)).toBe(true);
        expect(blsVerifyAggregate({ msgHash: DIGEST, apk, apkG2, sigma })).toBe(true);
        // apk = Σ all − Σ non-signers, as the contract builds it
        const nonSigners = keys.filter((_, i) => !subset.includes(i));
        const total = aggregatePublicKeysG1(keys.map((k) => k.publicKeyG1));
        const viaNonSigners = nonSigners.reduce((acc, k) => subtractG1(acc, k.publicKeyG1), total);
        expect(viaNonSigners.equals(apk)).toBe(true);
        // mix in a wrong key: swap one signer's key for a non-signer's (or a fresh one)
        const wrong = nonSigners[pick % Math.max(1, nonSigners.length)] ?? generateBlsKeyPair();
        const j = pick % signers.length;
        const mixed = signers.map((k, i) => (i === j ? wrong : k));
        const badG2 = aggregatePublicKeysG2(mixed.map((k) => k.publicKeyG2));
        const badG1 = aggregatePublicKeysG1(mixed.map((k) => k.publicKeyG1));
        expect(blsVerify(sigma, badG2, DIGEST)).toBe(false);
        expect(blsVerifyAggregate({ msgHash: DIGEST, apk: badG1, apkG2: badG2, sigma })).toBe(false);
        expect(blsVerifyAggregate({ msgHash: DIGEST, apk: badG1, apkG2, sigma })).toBe(false);
      }),
      { numRuns: fast ? 20 : 3 },
    );
  });

  it('all valid → ok with no bad index; empty batch → ok', () => {
    const items = keys.map((k, i) => ({ signature: sigs[i]!, publicKeyG2: k.publicKeyG2 }));
    expect(blsBatchVerifySameMessage(DIGEST, items)).toEqual({ ok: true, bad: [] });
    expect(blsBatchVerifySameMessage(DIGEST, [])).toEqual({ ok: true, bad: [] });
    // the same batch checked against another digest fails everywhere
    expect(blsBatchVerifySameMessage(OTHER, items.slice(0, 5))).toEqual({ ok: false, bad: [0, 1, 2, 3, 4] });
  });

  it('names exactly the bad signatures hidden at random positions', () => {
    const kinds = (k: BlsKeyPair, kind: number, i: number): G1Point => {
      switch (kind) {
        case 0:
          return blsSign(k.secretKey, OTHER); // signed another output
        case 1:
          return sigs[(i + 1) % sigs.length]!; // someone else's signature
        case 2:
          return hashToG1(OTHER); // a random-looking curve point
        default:
          return subtractG1(sigs[i]!, sigs[i]!); // infinity
      }
    };
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: keys.length }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 3 })), { maxLength: fast ? 6 : 2 }),
        (n, badSpec) => {
          const badAt = new Map(badSpec.map(([pos, kind]) => [pos % n, kind]));
          const items = keys.slice(0, n).map((k, i) => ({
            signature: badAt.has(i) ? kinds(k, badAt.get(i)!, i) : sigs[i]!,
            publicKeyG2: k.publicKeyG2,
          }));
          const expected = [...badAt.keys()].sort((a, b) => a - b);
          expect({ n, badSpec, result: blsBatchVerifySameMessage(DIGEST, items) }).toEqual({ n, badSpec, result: { ok: expected.length === 0, bad: expected } });
        },
      ),
      { numRuns: fast ? 40 : 3 },
    );
  });

  it('one bad at every position is named (single-bad probe), and so are pairs (bisection)', () => {
    const n = fast ? 12 : 4;
    const base = keys.slice(0, n).map((k, i) => ({ signature: sigs[i]!, publicKeyG2: k.publicKeyG2 }));
    const wrongSig = blsSign(keys[0]!.secretKey, OTHER);
    for (let j = 0; j < n; j++) {
      const items = base.map((it, i) => (i === j ? { ...it, signature: wrongSig } : it));
      expect({ j, result: blsBatchVerifySameMessage(DIGEST, items) }).toEqual({ j, result: { ok: false, bad: [j] } });
    }
    for (const [a, c] of [[0, n - 1], [1, 2], [n - 2, n - 1]] as const) {
      const items = base.map((it, i) => (i === a || i === c ? { ...it, signature: wrongSig } : it));
      expect({ a, c, result: blsBatchVerifySameMessage(DIGEST, items) }).toEqual({ a, c, result: { ok: false, bad: [a, c] } });
    }
  });

  it('two signatures whose errors cancel in an unweighted sum are still caught (randomisation)', () => {
    // σ0' = σ0 + Δ, σ1' = σ1 − Δ: Σσ is unchanged, so an unrandomised batch would pass.
    const delta = hashToG1(OTHER);
    const s0 = aggregateSignatures([sigs[0]!, delta]);
    const s1 = subtractG1(sigs[1]!, delta);
    expect(blsVerify(aggregateSignatures([s0, s1]), aggregatePublicKeysG2([keys[0]!.publicKeyG2, keys[1]!.publicKeyG2]), DIGEST)).toBe(true);
    const items = [
      { signature: s0, publicKeyG2: keys[0]!.publicKeyG2 },
      { signature: s1, publicKeyG2: keys[1]!.publicKeyG2 },
      { signature: sigs[2]!, publicKeyG2: keys[2]!.publicKeyG2 },
    ];
    expect(blsBatchVerifySameMessage(DIGEST, items)).toEqual({ ok: false, bad: [0, 1] });
  });
});
