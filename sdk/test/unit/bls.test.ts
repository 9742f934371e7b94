import { AbiCoder, keccak256, toUtf8Bytes, solidityPackedKeccak256 } from 'ethers';
import { inspect } from 'node:util';
import {
  BlsSecretKey,
  FR_MODULUS,
  aggregateGamma,
  blsKeyPairFromSecretKey,
  blsSign,
  blsVerify,
  blsVerifyAggregate,
  g1FromSolidity,
  g2FromSolidity,
  g1FromBytes,
  g2FromBytes,
  generateBlsKeyPair,
  hashToG1,
  initBls,
  operatorIdFromPublicKey,
  pubkeyRegistrationDigest,
  pubkeyRegistrationGamma,
  pubkeyRegistrationMessageHash,
  signPubkeyRegistration,
  verifyPubkeyRegistration,
} from '../../src/bls/index.js';
import { FP_MODULUS, FP_SQRT_EXPONENT } from '../../src/bls/constants.js';
import { modPow } from '../../src/bls/field.js';
import { jest } from '@jest/globals';

// The noble (pure JS) backend is slow, and these machines are shared: allow generous time per test.
jest.setTimeout(180_000);

const HELLO = keccak256(toUtf8Bytes('hello world'));
// EigenLayer's own test vector: 69·G2, X[0] (imaginary part, Solidity order).
const SK69_G2_X_IMAG = 5334410886741819556325359147377682006012228123419628681352847439302316235957n;

describe.each(['mcl', 'noble'] as const)('BLS on %s', (backendName) => {
  beforeAll(async () => {
    await initBls({ backend: backendName });
  });

  it('reproduces EigenLayer vector sk = 69: pkG2.X[0] (imaginary)', () => {
    const kp = blsKeyPairFromSecretKey(BlsSecretKey.fromBigInt(69n));
    const [[xIm, xRe]] = kp.publicKeyG2.toSolidity();
    expect(xIm).toBe(SK69_G2_X_IMAG);
    expect(xRe).not.toBe(SK69_G2_X_IMAG);
  });

  it('sk = 69 signs "hello world" and it verifies; wrong message, key or G2 order do not', () => {
    const kp = blsKeyPairFromSecretKey(BlsSecretKey.fromBigInt(69n));
    const sig = blsSign(kp.secretKey, HELLO);
    expect(blsVerify(sig, kp.publicKeyG2, HELLO)).toBe(true);
    expect(blsVerify(sig, kp.publicKeyG2, keccak256(toUtf8Bytes('hello world!')))).toBe(false);
    const other = blsKeyPairFromSecretKey(BlsSecretKey.fromBigInt(70n));
    expect(blsVerify(sig, other.publicKeyG2, HELLO)).toBe(false);
    // The same key with [real, imaginary] instead of [imaginary, real] is not even a curve point.
    const [[xi, xr], [yi, yr]] = kp.publicKeyG2.toSolidity();
    expect(() => g2FromSolidity([[xr, xi], [yr, yi]])).toThrow(expect.objectContaining({ code: 'ERR_BLS_INVALID_POINT' }));
  });

  it('hashToG1 is try-and-increment with exactly the root β^((p+1)/4)', () => {
    for (let i = 0; i < 20; i++) {
      const d = keccak256(toUtf8Bytes(`digest ${i}`));
      const [x, y] = hashToG1(d).toSolidity();
      const x0 = BigInt(d) % FP_MODULUS;
      expect({ i, ok: x >= x0 && x - x0 < 100n }).toEqual({ i, ok: true });
      // every candidate before x had no root
      for (let c = x0; c < x; c++) {
        const beta = (c * c * c + 3n) % FP_MODULUS;
        const r = modPow(beta, FP_SQRT_EXPONENT);
        expect({ i, c, isRoot: (r * r) % FP_MODULUS === beta }).toEqual({ i, c, isRoot: false });
      }
      expect({ i, y }).toEqual({ i, y: modPow((x * x * x + 3n) % FP_MODULUS, FP_SQRT_EXPONENT) });
    }
  });

  it('hashToG1 reduces a digest ≥ p modulo p', () => {
    const d = `0x${'ff'.repeat(32)}`;
    const [x] = hashToG1(d).toSolidity();
    expect(x - (BigInt(d) % FP_MODULUS)).toBeLessThan(100n);
  });

  it('operatorId = keccak256(abi.encodePacked(pkG1.X, pkG1.Y))', () => {
    const kp = generateBlsKeyPair();
    const [x, y] = kp.publicKeyG1.toSolidity();
    expect(operatorIdFromPublicKey(kp.publicKeyG1)).toBe(solidityPackedKeccak256(['uint256', 'uint256'], [x, y]));
  });

  it('γ-check (BLSSignatureChecker) passes for a matching apk/apkG2 and fails otherwise', () => {
    const kp = generateBlsKeyPair();
    const sigma = blsSign(kp.secretKey, HELLO);
    const input = { msgHash: HELLO, apk: kp.publicKeyG1, apkG2: kp.publicKeyG2, sigma };
    expect(blsVerifyAggregate(input)).toBe(true);
    const gamma = aggregateGamma(input);
    const [ax, ay] = kp.publicKeyG1.toSolidity();
    const [[x0, x1], [y0, y1]] = kp.publicKeyG2.toSolidity();
    const [sx, sy] = sigma.toSolidity();
    const expected =
      BigInt(solidityPackedKeccak256(['bytes32', 'uint256', 'uint256', 'uint256', 'uint256', 'uint256', 'uint256', 'uint256', 'uint256'], [HELLO, ax, ay, x0, x1, y0, y1, sx, sy])) % FR_MODULUS;
    expect(gamma).toBe(expected);
    const other = generateBlsKeyPair();
    expect(blsVerifyAggregate({ ...input, apk: other.publicKeyG1 })).toBe(false);
    expect(blsVerifyAggregate({ ...input, apkG2: other.publicKeyG2 })).toBe(false);
    expect(blsVerifyAggregate({ ...input, msgHash: keccak256('0x00') })).toBe(false);
  });

  it('proof of possession: EIP-712 digest, sign, verify; rejects other operator, other key, mismatched G1/G2', () => {
    const params = { operator: '0x1111111111111111111111111111111111111111', chainId: 31337, verifyingContract: '0x2222222222222222222222222222222222222222' };
    const digest = pubkeyRegistrationDigest(params);
    // Independent EIP-712 computation.
    const typeHash = keccak256(toUtf8Bytes('BN254PubkeyRegistration(address operator)'));
    const domainTypeHash = keccak256(toUtf8Bytes('EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)'));
    const abi = AbiCoder.defaultAbiCoder();
    const domainSep = keccak256(
      abi.encode(
        ['bytes32', 'bytes32', 'bytes32', 'uint256', 'address'],
        [domainTypeHash, keccak256(toUtf8Bytes('AIOracleAVS')), keccak256(toUtf8Bytes('1')), 31337, params.verifyingContract],
      ),
    );
    const structHash = keccak256(abi.encode(['bytes32', 'address'], [typeHash, params.operator]));
    expect(digest).toBe(keccak256(`0x1901${domainSep.slice(2)}${structHash.slice(2)}`));

    const kp = generateBlsKeyPair();
    const pop = signPubkeyRegistration(kp.secretKey, params);
    // γ as BLSApkRegistry computes it: keccak256(abi.encodePacked(σ, pkG1, pkG2.X, pkG2.Y, H)) mod r
    const hm = pubkeyRegistrationMessageHash(params);
    expect(hm.equals(hashToG1(digest))).toBe(true);
    const words = [...pop.toSolidity(), ...kp.publicKeyG1.toSolidity(), ...kp.publicKeyG2.toSolidity().flat(), ...hm.toSolidity()];
    expect(pubkeyRegistrationGamma(pop, kp.publicKeyG1, kp.publicKeyG2, hm)).toBe(BigInt(solidityPackedKeccak256(words.map(() => 'uint256'), words)) % FR_MODULUS);
    expect(verifyPubkeyRegistration(pop, kp.publicKeyG1, kp.publicKeyG2, params)).toBe(true);
    expect(verifyPubkeyRegistration(pop, kp.publicKeyG1, kp.publicKeyG2, { ...params, operator: '0x3333333333333333333333333333333333333333' })).toBe(false);
    expect(verifyPubkeyRegistration(pop, kp.publicKeyG1, kp.publicKeyG2, { ...params, chainId: 1 })).toBe(false);
    const other = generateBlsKeyPair();
    expect(verifyPubkeyRegistration(pop, other.publicKeyG1, kp.publicKeyG2, params)).toBe(false);
    expect(verifyPubkeyRegistration(pop, kp.publicKeyG1, other.publicKeyG2, params)).toBe(false);
    expect(() => pubkeyRegistrationDigest({ ...params, operator: 'nope' })).toThrow(expect.objectContaining({ code: 'ERR_BLS_INVALID_ARGUMENT' }));
  });

  it('encodings round-trip: Solidity arrays, decimal strings, structs, bytes, hex', () => {
    const kp = generateBlsKeyPair();
    const g1 = kp.publicKeyG1;
    const g2 = kp.publicKeyG2;
    expect(g1FromSolidity(g1.toSolidity()).equals(g1)).toBe(true);
    expect(g1FromSolidity(g1.toSolidityStrings()).equals(g1)).toBe(true);
    const [x, y] = g1.toSolidity();
    expect(g1FromSolidity({ X: x, Y: `0x${y.toString(16)}` }).equals(g1)).toBe(true);
    expect(g1FromBytes(g1.toBytes()).equals(g1)).toBe(true);
    expect(g1FromBytes(g1.toHex()).toHex()).toBe(g1.toHex());
    expect(g1.toBytes()).toHaveLength(64);
    expect(g2FromSolidity(g2.toSolidity()).equals(g2)).toBe(true);
    expect(g2FromSolidity(g2.toSolidityStrings()).equals(g2)).toBe(true);
    const [[a, b], [c, d]] = g2.toSolidity();
    expect(g2FromSolidity({ X: [a, b], Y: [c, d] }).equals(g2)).toBe(true);
    expect(g2FromBytes(g2.toBytes()).equals(g2)).toBe(true);
    expect(g2.toBytes()).toHaveLength(128);
    // bytes are in Solidity order: the first word is X imaginary
    expect(BigInt(`0x${g2.toHex().slice(2, 66)}`)).toBe(a);
    expect(JSON.parse(JSON.stringify({ g1, g2 }))).toEqual({ g1: g1.toSolidityStrings(), g2: g2.toSolidityStrings() });
  });

  it('secret keys never print themselves', () => {
    const sk = BlsSecretKey.fromBigInt(123456789n);
    expect(String(sk)).not.toContain('123456789');
    expect(JSON.stringify({ sk })).not.toContain('123456789');
    expect(inspect(sk)).not.toContain('123456789');
    expect(inspect({ nested: { sk } })).not.toContain('123456789');
    expect(sk.toBigInt()).toBe(123456789n);
    expect(BlsSecretKey.fromBytes(sk.toBytes()).toBigInt()).toBe(123456789n);
  });

  it('random keys are in [1, r) and distinct', () => {
    const seen = new Set<bigint>();
    for (let i = 0; i < 50; i++) {
      const k = BlsSecretKey.random().toBigInt();
      expect(k > 0n && k < FR_MODULUS).toBe(true);
      seen.add(k);
    }
    expect(seen.size).toBe(50);
  });
});
