/**
 * Protocol constants that every side (contracts, sdk, operator, aggregator, auditors) must agree on.
 * A change here is a protocol change (docs/protocol.md): bump the version byte and the golden vectors.
 */
import { keccak256, toUtf8Bytes } from 'ethers';
import type { Bytes32 } from './hex.js';

/** The EIP-712-style type string of a signed response (protocol.md "Signed response digest"). */
export const RESPONSE_TYPE = 'AIOracleResponse(uint256 chainId,address oracle,bytes32 taskHash,bytes32 outputHash)';

/** keccak256(RESPONSE_TYPE), precomputed so importing has no work to do. Checked by a unit test. */
export const RESPONSE_TYPEHASH: Bytes32 = '0x73bb569862d8cfec0b4daf93ad340126c81f3f441fd9c70ceb0c2beca4671c1a';

/** The type string of a signed batch (protocol.md "Signed batch digest"). */
export const BATCH_TYPE = 'AIOracleBatch(uint256 chainId,address oracle,uint32 referenceBlock,bytes32 batchRoot,uint32 leafCount)';

/** keccak256(BATCH_TYPE). Checked by a unit test. */
export const BATCH_TYPEHASH: Bytes32 = '0xad87641723b51d25390de01326e501870c753a168c266d59b06ac6de6d411e0c';

/** Most tasks an operator puts in one batch (protocol.md "Which tasks form a batch"). */
export const MAX_BATCH_LEAVES = 128;

/** Most leaves the contract accepts in one respondToBatch. */
export const MAX_BATCH_LEAVES_ONCHAIN = 256;

/** Version byte of the canonical input encoding (encoding.md). */
export const INPUT_ENCODING_VERSION = 0x01;

/** Version byte of the canonical output encoding (encoding.md). */
export const OUTPUT_ENCODING_VERSION = 0x01;

/** Bytes before the first tensor in input and output bytes: version (1) + uint32 LE batch (4). */
export const ENCODING_HEADER_BYTES = 5;

/**
 * Largest canonical input in calldata, in bytes, header included: the oracle contract rejects larger
 * inputs in `requestInference`, and it is the cap of every manifest without `maxInputBytes`.
 */
export const MAX_INPUT_BYTES = 65_536;

/**
 * Largest `maxInputBytes` a manifest may declare (16 MiB): the cap for inputs sent by reference
 * (protocol.md "Inputs by reference"). Inputs over MAX_INPUT_BYTES cannot go in calldata.
 */
export const MAX_REF_INPUT_BYTES = 16 * 1024 * 1024;

/** Most blobs one (cancun) transaction carries. */
export const MAX_BLOBS_PER_TX = 6;

/** Largest canonical output, in bytes, header included (manifests are checked against it). */
export const MAX_OUTPUT_BYTES = 65_536;

/** Largest `maxBatch` a manifest may declare. */
export const MAX_BATCH = 65_535;

/** Helper for tests and docs: the typehash computed from RESPONSE_TYPE. */
export function computeResponseTypehash(): Bytes32 {
  return keccak256(toUtf8Bytes(RESPONSE_TYPE)) as Bytes32;
}

/** Helper for tests and docs: the batch typehash computed from BATCH_TYPE. */
export function computeBatchTypehash(): Bytes32 {
  return keccak256(toUtf8Bytes(BATCH_TYPE)) as Bytes32;
}
