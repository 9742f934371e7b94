/**
 * Proof of possession at registration (rogue-key defence), as EigenLayer's BLSApkRegistry does it:
 * the operator signs hashToG1 of the EIP-712 digest of `BN254PubkeyRegistration(address operator)`
 * under the domain { name: "AIOracleAVS", version: "1", chainId, verifyingContract }, and the
 * registry checks it with γ = keccak256(σ, pkG1, pkG2, H) mod r:
 *   e(σ + γ·pkG1, −G2)·e(H + γ·G1, pkG2) = 1.
 */
import { TypedDataEncoder, getAddress } from 'ethers';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { FR_MODULUS } from './constants.js';
import { BlsErrorCode, blsError } from './errors.js';
import { bytesToBigInt, packWords } from './field.js';
import { type BlsSecretKey } from './keys.js';
import type { G1Point, G2Point } from './points.js';
import { blsSign, gammaCheck, hashToG1 } from './signature.js';

/** EIP-712 domain name of the registry. */
export const PUBKEY_REGISTRATION_DOMAIN_NAME = 'AIOracleAVS';
/** EIP-712 domain version of the registry. */
export const PUBKEY_REGISTRATION_DOMAIN_VERSION = '1';

/** Who registers, and where. */
export interface PubkeyRegistrationParams {
  /** The operator's Ethereum address. */
  operator: string;
  /** Chain id of the registry. */
  chainId: bigint | number;
  /** The OperatorRegistry contract address (EIP-712 verifyingContract). */
  verifyingContract: string;
}

function address(v: string, field: string): string {
  try {
    return getAddress(v);
  } catch (cause) {
    throw blsError(BlsErrorCode.InvalidArgument, `Invalid ${field}: expected a 20-byte hex address`, { field }, cause);
  }
}

/** The 32-byte EIP-712 digest of BN254PubkeyRegistration(address operator), 0x-hex. */
export function pubkeyRegistrationDigest(params: PubkeyRegistrationParams): string {
  const domain = {
    name: PUBKEY_REGISTRATION_DOMAIN_NAME,
    version: PUBKEY_REGISTRATION_DOMAIN_VERSION,
    chainId: params.chainId,
    verifyingContract: address(params.verifyingContract, 'verifyingContract'),
  };
  const types = { BN254PubkeyRegistration: [{ name: 'operator', type: 'address' }] };
  return TypedDataEncoder.hash(domain, types, { operator: address(params.operator, 'operator') });
}

/** hashToG1(pubkeyRegistrationDigest(params)): the point the registry expects signed. */
export function pubkeyRegistrationMessageHash(params: PubkeyRegistrationParams): G1Point {
  return hashToG1(pubkeyRegistrationDigest(params));
}

/** The proof of possession: sk·hashToG1(EIP-712 digest). */
export function signPubkeyRegistration(secretKey: BlsSecretKey, params: PubkeyRegistrationParams): G1Point {
  return blsSign(secretKey, pubkeyRegistrationDigest(params));
}

/** γ of BLSApkRegistry: keccak256(abi.encodePacked(σ.X, σ.Y, pkG1.X, pkG1.Y, pkG2.X, pkG2.Y, H.X, H.Y)) mod r. */
export function pubkeyRegistrationGamma(signature: G1Point, publicKeyG1: G1Point, publicKeyG2: G2Point, messageHash: G1Point): bigint {
  const [[x0, x1], [y0, y1]] = publicKeyG2.toSolidity();
  const words = [...signature.toSolidity(), ...publicKeyG1.toSolidity(), x0, x1, y0, y1, ...messageHash.toSolidity()];
  return bytesToBigInt(keccak_256(packWords(words))) % FR_MODULUS;
}

/** The registry's check: the PoP is valid and pkG1, pkG2 share one secret key. Infinity pkG1 is refused. */
export function verifyPubkeyRegistration(
  signature: G1Point,
  publicKeyG1: G1Point,
  publicKeyG2: G2Point,
  params: PubkeyRegistrationParams,
): boolean {
  if (publicKeyG1.isInfinity() || publicKeyG2.isInfinity()) return false;
  const h = pubkeyRegistrationMessageHash(params);
  const gamma = pubkeyRegistrationGamma(signature, publicKeyG1, publicKeyG2, h);
  return gammaCheck(signature, publicKeyG1, publicKeyG2, h, gamma);
}

