/**
 * Golden vectors from the TypeScript sdk for the Solidity tests (test/avs/SdkVectors.t.sol): fixed BLS secret keys,
 * their G1/G2 public keys (Solidity order) and operatorIds, proofs of possession for the operators and
 * OperatorRegistry address of the AVS test world (AvsFixture), single and aggregate signatures over fixed
 * digests, and hashToG1 of those digests; and a batch (docs/protocol.md "Batch attestation"): five tasks with
 * outputs (one abstain), their leaves, the Merkle root, a proof per leaf and the batch digest for the oracle of
 * the AvsFixture world. Deterministic: run it again and the file must not change.
 *
 *   cd sdk && node --conditions=source --import tsx ../avs-contracts/script/gen-vectors.ts
 *
 * Writes avs-contracts/test/vectors/SdkVectors.sol.
 */
import { writeFileSync } from 'node:fs';
import { getCreateAddress, keccak256, toUtf8Bytes, getAddress } from 'ethers';
import {
  initBls,
  BlsSecretKey,
  blsKeyPairFromSecretKey,
  operatorIdFromPublicKey,
  signPubkeyRegistration,
  blsSign,
  hashToG1,
  aggregateSignatures,
  aggregatePublicKeysG2,
  aggregatePublicKeysG1,
  blsVerifyAggregate,
  batchDigest,
  batchLeaf,
  merkleProof,
  merkleRoot,
  rootFromProof,
  outputHash,
  taskHash,
  type Task,
  type G1Point,
  type G2Point,
} from '../../sdk/src/index.js';

/** forge's default test contract address, and the CREATE nonce at which AvsFixture._deployAvs deploys the
 * OperatorRegistry (after PermissionController, DelegationManager, AllocationManager, StrategyManager, token,
 * strategy and ModelRegistry). SdkVectorsTest asserts the address, so a fixture change shows up at once. */
const FORGE_TEST_CONTRACT = '0x7FA9385bE102ac3EAc297483Dd6233D62b3e1496';
const REGISTRY_NONCE = 8;
/** The InferenceOracle is deployed right after the OperatorRegistry. */
const ORACLE_NONCE = 9;
const CHAIN_ID = 31337n;
const COUNT = 4;

await initBls();

const registry = getCreateAddress({ from: FORGE_TEST_CONTRACT, nonce: REGISTRY_NONCE });
// secret keys: keccak256("aioracle-sdk-vector-<i>") mod (r - 1) + 1
const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const keys = Array.from({ length: COUNT }, (_, i) => {
  const k = (BigInt(keccak256(toUtf8Bytes(`aioracle-sdk-vector-${i}`))) % (R - 1n)) + 1n;
  return blsKeyPairFromSecretKey(BlsSecretKey.fromBigInt(k));
});
// AvsFixture operator i is address(uint160(0x10000 + i))
const operators = keys.map((_, i) => getAddress('0x' + (0x10000 + i).toString(16).padStart(40, '0')));
const pops = keys.map((kp, i) =>
  signPubkeyRegistration(kp.secretKey, { operator: operators[i]!, chainId: CHAIN_ID, verifyingContract: registry }),
);
const digests = [keccak256(toUtf8Bytes('aioracle-vector-digest-0')), keccak256(toUtf8Bytes('hello world'))];
const sigs = digests.map((d) => keys.map((kp) => blsSign(kp.secretKey, d)));
const aggSigma = aggregateSignatures(sigs[0]!);
const aggG2 = aggregatePublicKeysG2(keys.map((k) => k.publicKeyG2));
const aggG1 = aggregatePublicKeysG1(keys.map((k) => k.publicKeyG1));
if (!blsVerifyAggregate({ msgHash: digests[0]!, apk: aggG1, apkG2: aggG2, sigma: aggSigma })) {
  throw new Error('sdk aggregate does not verify: not writing vectors');
}

// ---- batch ----
const oracle = getCreateAddress({ from: FORGE_TEST_CONTRACT, nonce: ORACLE_NONCE });
const BATCH_REFERENCE_BLOCK = 1234;
const batchTasks: Task[] = Array.from({ length: 5 }, (_, i) => ({
  taskId: BigInt(100 + i),
  modelId: keccak256(toUtf8Bytes('vector-model@1')) as Task['modelId'],
  requester: getAddress('0x' + (0xbeef + i).toString(16).padStart(40, '0')) as Task['requester'],
  inputHash: keccak256(toUtf8Bytes(`vector-input-${i}`)) as Task['inputHash'],
  referenceBlock: BATCH_REFERENCE_BLOCK,
  deadlineBlock: BATCH_REFERENCE_BLOCK + 21,
  fee: 10n ** 16n + BigInt(i),
  callback: (i === 1 ? getAddress('0x' + 'c0ffee'.padStart(40, '0')) : '0x0000000000000000000000000000000000000000') as Task['callback'],
  callbackGasLimit: i === 1 ? 100_000 : 0,
  feedId: i === 3 ? 7n : 0n,
  quorumNumbers: [0, 1],
  quorumThresholdBps: [6000, 5000],
}));
// outputs: header 0x01, batch 1 (LE) + int32 LE values; task 2 abstains
const outputOf = (i: number): Uint8Array | null =>
  i === 2 ? null : Uint8Array.from([1, 1, 0, 0, 0, i, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 7 * i, 0, 0, 0]);
const batchOutputs = batchTasks.map((_, i) => outputOf(i));
const batchLeaves = batchTasks.map((t, i) => {
  const o = batchOutputs[i];
  return batchLeaf(taskHash(t), o ? outputHash(o) : null);
});
const batchRoot = merkleRoot(batchLeaves);
const batchProofs = batchLeaves.map((_, i) => merkleProof(batchLeaves, i));
batchLeaves.forEach((l, i) => {
  if (rootFromProof(l, i, batchLeaves.length, batchProofs[i]!) !== batchRoot) throw new Error(`sdk proof ${i} does not verify`);
});
const batchDigestValue = batchDigest({ chainId: CHAIN_ID, oracle, referenceBlock: BATCH_REFERENCE_BLOCK, batchRoot, leafCount: batchLeaves.length });
const hex = (b: Uint8Array): string => '0x' + Buffer.from(b).toString('hex');
const addrLit = (a: string): string => (BigInt(a) === 0n ? 'address(0)' : a);
const taskLit = (t: Task): string =>
  `Task(${t.taskId}, ${t.modelId}, ${t.requester}, ${t.inputHash}, ${t.referenceBlock}, ${t.deadlineBlock}, ${t.fee}, ${addrLit(t.callback)}, ${t.callbackGasLimit}, ${t.feedId}, hex"${t.quorumNumbers.map((q) => q.toString(16).padStart(2, '0')).join('')}", _bps(${t.quorumThresholdBps.join(', ')}))`;

const g1 = (p: G1Point): string => {
  const [x, y] = p.toSolidity();
  return `BN254.G1Point(${x}, ${y})`;
};
const g2 = (p: G2Point): string => {
  const [[x0, x1], [y0, y1]] = p.toSolidity();
  return `BN254.G2Point([uint256(${x0}), ${x1}], [uint256(${y0}), ${y1}])`;
};
const pick = (name: string, ret: string, items: string[]): string =>
  [
    `    function ${name}(uint256 i) internal pure returns (${ret}) {`,
    ...items.map((v, i) => `        if (i == ${i}) return ${v};`),
    `        revert("SdkVectors: index");`,
    `    }`,
  ].join('\n');

const sol = `// SPDX-License-Identifier: MIT
// GENERATED by avs-contracts/script/gen-vectors.ts from the TypeScript sdk. Do not edit; regenerate with
//   cd sdk && node --conditions=source --import tsx ../avs-contracts/script/gen-vectors.ts
pragma solidity ^0.8.27;

import {BN254} from "../../src/avs/libraries/BN254.sol";
import {IInferenceOracleTypes} from "../../src/interfaces/IInferenceOracle.sol";

/// @notice Golden BLS vectors made by the sdk (keys, proofs of possession, signatures, hashToG1).
library SdkVectors {
    uint256 internal constant COUNT = ${COUNT};
    uint256 internal constant CHAIN_ID = ${CHAIN_ID};
    /// @dev The OperatorRegistry address of AvsFixture in a fresh forge test (EIP-712 verifyingContract of the PoPs).
    address internal constant REGISTRY = ${registry};
    bytes32 internal constant DIGEST_0 = ${digests[0]};
    bytes32 internal constant DIGEST_HELLO = ${digests[1]};

${pick('secretKey', 'uint256', keys.map((k) => k.secretKey.toBigInt().toString()))}

${pick('operator', 'address', operators)}

${pick('pubkeyG1', 'BN254.G1Point memory', keys.map((k) => g1(k.publicKeyG1)))}

${pick('pubkeyG2', 'BN254.G2Point memory', keys.map((k) => g2(k.publicKeyG2)))}

${pick('operatorId', 'bytes32', keys.map((k) => operatorIdFromPublicKey(k.publicKeyG1)))}

${pick('popSignature', 'BN254.G1Point memory', pops.map(g1))}

${pick('signatureDigest0', 'BN254.G1Point memory', sigs[0]!.map(g1))}

${pick('signatureHello', 'BN254.G1Point memory', sigs[1]!.map(g1))}

    function hashDigest0() internal pure returns (BN254.G1Point memory) {
        return ${g1(hashToG1(digests[0]!))};
    }

    function hashHello() internal pure returns (BN254.G1Point memory) {
        return ${g1(hashToG1(digests[1]!))};
    }

    /// @dev Sum of all COUNT signatures over DIGEST_0, and of all pkG2 / pkG1.
    function aggregateSigmaDigest0() internal pure returns (BN254.G1Point memory) {
        return ${g1(aggSigma)};
    }

    function aggregatePubkeyG2() internal pure returns (BN254.G2Point memory) {
        return ${g2(aggG2)};
    }

    function aggregatePubkeyG1() internal pure returns (BN254.G1Point memory) {
        return ${g1(aggG1)};
    }
}

/// @notice A batch made by the sdk (protocol.md "Batch attestation"): tasks, outputs (empty = abstain), leaves,
/// root, proofs and the batch digest for ORACLE (the InferenceOracle of AvsFixture in a fresh forge test).
library SdkBatchVectors {
    uint256 internal constant COUNT = ${batchTasks.length};
    uint256 internal constant CHAIN_ID = ${CHAIN_ID};
    address internal constant ORACLE = ${oracle};
    uint32 internal constant REFERENCE_BLOCK = ${BATCH_REFERENCE_BLOCK};
    bytes32 internal constant ROOT = ${batchRoot};
    bytes32 internal constant DIGEST = ${batchDigestValue};

    function _bps(uint16 a, uint16 b) private pure returns (uint16[] memory r) {
        r = new uint16[](2);
        r[0] = a;
        r[1] = b;
    }

${pick('task', 'IInferenceOracleTypes.Task memory', batchTasks.map((t) => 'IInferenceOracleTypes.' + taskLit(t)))}

${pick('taskHash', 'bytes32', batchTasks.map((t) => taskHash(t)))}

${pick('output', 'bytes memory', batchOutputs.map((o) => (o ? `hex"${hex(o).slice(2)}"` : '""')))}

${pick('leaf', 'bytes32', batchLeaves)}

${pick('proof', 'bytes32[] memory', batchProofs.map((pr) => `_list(${pr.join(', ')})`))}

    function _list(bytes32 a, bytes32 b, bytes32 c) private pure returns (bytes32[] memory r) {
        r = new bytes32[](3);
        r[0] = a;
        r[1] = b;
        r[2] = c;
    }
}
`;

const out = new URL('../test/vectors/SdkVectors.sol', import.meta.url);
writeFileSync(out, sol);
console.log(`wrote ${out.pathname} (${COUNT} keys, registry ${registry}; batch of ${batchTasks.length}, oracle ${oracle}, root ${batchRoot})`);
