/**
 * BN254 BLS, EigenLayer-compatible (docs/bls.md). Call `await initBls()` once before use.
 * Every export carries its doc comment at its definition.
 */
export { initBls, blsBackendName, type InitBlsOptions } from './init.js';
export type { BlsBackendName } from './backend.js';
export { BlsErrorCode } from './errors.js';
export { FP_MODULUS, FR_MODULUS, G1_GENERATOR, G2_GENERATOR } from './constants.js';
export {
  G1Point,
  G2Point,
  g1FromSolidity,
  g1CheckSolidity,
  g2FromSolidity,
  g1FromBytes,
  g2FromBytes,
  type G1Solidity,
  type G2Solidity,
  type UintLike,
  type BytesLike,
} from './points.js';
export { BlsSecretKey, generateBlsKeyPair, blsKeyPairFromSecretKey, operatorIdFromPublicKey, type BlsKeyPair } from './keys.js';
export {
  hashToG1,
  blsSign,
  blsVerify,
  aggregateSignatures,
  aggregatePublicKeysG1,
  aggregatePublicKeysG2,
  subtractG1,
  aggregateGamma,
  blsVerifyAggregate,
  type AggregateCheckInput,
} from './signature.js';
export {
  PUBKEY_REGISTRATION_DOMAIN_NAME,
  PUBKEY_REGISTRATION_DOMAIN_VERSION,
  pubkeyRegistrationDigest,
  pubkeyRegistrationMessageHash,
  signPubkeyRegistration,
  pubkeyRegistrationGamma,
  verifyPubkeyRegistration,
  type PubkeyRegistrationParams,
} from './pubkeyRegistration.js';
export { blsBatchVerifySameMessage, type BatchVerifyItem, type BatchVerifyOptions, type BatchVerifyResult } from './batchVerify.js';
export { BlsVerifyPool, type PoolVerifyItem } from './verifyPool.js';
