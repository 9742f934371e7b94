// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {AvsFixture} from "./utils/AvsFixture.sol";
import {BN254G2} from "./utils/BN254G2.sol";
import {SdkVectors, SdkBatchVectors} from "../vectors/SdkVectors.sol";
import {BatchHarness} from "./utils/BatchHarness.sol";
import {BN254} from "../../src/avs/libraries/BN254.sol";
import {OperatorSet} from "../../src/interfaces/eigenlayer/OperatorSetLib.sol";

/// @notice Golden vectors across languages: keys, proofs of possession and signatures made by the TypeScript sdk
/// (script/gen-vectors.ts) are byte-identical to what Solidity computes, and the contracts accept them.
contract SdkVectorsTest is AvsFixture {
    function setUp() public {
        _deployAvs();
    }

    function test_worldMatchesTheVectors() public view {
        assertEq(address(registry), SdkVectors.REGISTRY, "registry address changed: rerun script/gen-vectors.ts");
        assertEq(block.chainid, SdkVectors.CHAIN_ID, "chain id");
    }

    function test_keysMatch() public view {
        for (uint256 i; i < SdkVectors.COUNT; ++i) {
            uint256 sk = SdkVectors.secretKey(i);
            BN254.G1Point memory p1 = _pkG1(sk);
            BN254.G2Point memory p2 = BN254G2.mulGenerator(sk);
            BN254.G1Point memory v1 = SdkVectors.pubkeyG1(i);
            BN254.G2Point memory v2 = SdkVectors.pubkeyG2(i);
            string memory at = string.concat("key ", vm.toString(i));
            assertEq(p1.X, v1.X, string.concat(at, ": pkG1.X"));
            assertEq(p1.Y, v1.Y, string.concat(at, ": pkG1.Y"));
            assertEq(p2.X[0], v2.X[0], string.concat(at, ": pkG2.X imag"));
            assertEq(p2.X[1], v2.X[1], string.concat(at, ": pkG2.X real"));
            assertEq(p2.Y[0], v2.Y[0], string.concat(at, ": pkG2.Y imag"));
            assertEq(p2.Y[1], v2.Y[1], string.concat(at, ": pkG2.Y real"));
            assertEq(BN254.hashG1(p1), SdkVectors.operatorId(i), string.concat(at, ": operatorId"));
        }
    }

    function test_hashToG1AndSignaturesMatch() public view {
        BN254.G1Point memory h0 = BN254.hashToG1(SdkVectors.DIGEST_0);
        BN254.G1Point memory hh = BN254.hashToG1(SdkVectors.DIGEST_HELLO);
        assertEq(h0.X, SdkVectors.hashDigest0().X, "H(digest0).X");
        assertEq(h0.Y, SdkVectors.hashDigest0().Y, "H(digest0).Y");
        assertEq(hh.X, SdkVectors.hashHello().X, "H(hello).X");
        assertEq(hh.Y, SdkVectors.hashHello().Y, "H(hello).Y");
        assertEq(SdkVectors.DIGEST_HELLO, keccak256("hello world"), "hello digest");
        for (uint256 i; i < SdkVectors.COUNT; ++i) {
            string memory at = string.concat("signer ", vm.toString(i));
            BN254.G1Point memory s = BN254.scalarMul(h0, SdkVectors.secretKey(i));
            assertEq(s.X, SdkVectors.signatureDigest0(i).X, string.concat(at, ": same signature bytes"));
            assertTrue(
                BN254.verifySingle(SdkVectors.DIGEST_0, SdkVectors.signatureDigest0(i), SdkVectors.pubkeyG2(i)),
                string.concat(at, ": sdk signature over digest0 verifies")
            );
            assertTrue(
                BN254.verifySingle(SdkVectors.DIGEST_HELLO, SdkVectors.signatureHello(i), SdkVectors.pubkeyG2(i)),
                string.concat(at, ": sdk signature over hello verifies")
            );
            assertFalse(
                BN254.verifySingle(SdkVectors.DIGEST_HELLO, SdkVectors.signatureDigest0(i), SdkVectors.pubkeyG2(i)),
                string.concat(at, ": not for another digest")
            );
        }
    }

    /// @dev The sdk's proofs of possession register through the AllocationManager, and the sdk's aggregate over
    /// DIGEST_0 passes the registry's signature check against the registered keys.
    function test_sdkProofsRegisterAndSdkAggregateVerifies() public {
        for (uint256 i; i < SdkVectors.COUNT; ++i) {
            address op = SdkVectors.operator(i);
            _registerOperator(op, 0, 10 ether);
            _allocate(op, OperatorSet(address(oracle), 0), strategy, 1e18);
            bytes memory data = abi.encode(
                PubkeyRegistrationParams(SdkVectors.popSignature(i), SdkVectors.pubkeyG1(i), SdkVectors.pubkeyG2(i))
            );
            _registerForSets(op, address(oracle), _ids(0), data);
            assertEq(registry.operatorIdOf(op), SdkVectors.operatorId(i), "registered with the sdk key");
        }
        (BN254.G1Point memory apk,) = registry.getQuorumApkAt(0, uint32(block.number));
        assertEq(apk.X, SdkVectors.aggregatePubkeyG1().X, "apk = sdk aggregate of pkG1");
        vm.roll(block.number + 1);
        NonSignerStakesAndSignature memory p;
        p.apkG2 = SdkVectors.aggregatePubkeyG2();
        p.sigma = SdkVectors.aggregateSigmaDigest0();
        SignatureCheckResult memory r =
            registry.checkSignatures(SdkVectors.DIGEST_0, hex"00", uint32(block.number - 1), p);
        assertEq(r.signedStake[0], 40 ether, "all four signed");
        assertEq(r.totalStake[0], 40 ether, "total");
    }

    /// @dev The sdk's batch (leaves, root, proofs, digest) equals what the oracle's own batch code computes.
    function test_batchVectorsMatch() public {
        assertEq(address(oracle), SdkBatchVectors.ORACLE, "oracle address changed: rerun script/gen-vectors.ts");
        assertEq(block.chainid, SdkBatchVectors.CHAIN_ID, "chain id");
        BatchHarness h = new BatchHarness();
        uint256 n = SdkBatchVectors.COUNT;
        Task[] memory tasks = new Task[](n);
        bytes[] memory outputs = new bytes[](n);
        for (uint256 i; i < n; ++i) {
            tasks[i] = SdkBatchVectors.task(i);
            outputs[i] = SdkBatchVectors.output(i);
            string memory at = string.concat("task ", vm.toString(i));
            assertEq(h.hashTask(tasks[i]), SdkBatchVectors.taskHash(i), string.concat(at, ": taskHash"));
            assertEq(_taskHash(tasks[i]), SdkBatchVectors.taskHash(i), string.concat(at, ": abi.encode"));
            bytes32 oh = outputs[i].length == 0 ? bytes32(0) : keccak256(outputs[i]);
            assertEq(h.leaf(SdkBatchVectors.taskHash(i), oh), SdkBatchVectors.leaf(i), string.concat(at, ": leaf"));
            bytes32[] memory siblings = SdkBatchVectors.proof(i);
            assertEq(
                h.rootFromProof(SdkBatchVectors.leaf(i), BatchProof(uint32(n), uint32(i), siblings)),
                SdkBatchVectors.ROOT,
                string.concat(at, ": proof leads to the root")
            );
        }
        assertEq(h.batchRoot(tasks, outputs), SdkBatchVectors.ROOT, "root (respondToBatch's tree)");
        assertEq(_root(_leaves(tasks, outputs)), SdkBatchVectors.ROOT, "root (test fixture's tree)");
        assertEq(
            oracle.batchDigest(SdkBatchVectors.REFERENCE_BLOCK, SdkBatchVectors.ROOT, uint32(n)),
            SdkBatchVectors.DIGEST,
            "batch digest"
        );
        assertEq(
            oracle.BATCH_TYPEHASH(),
            keccak256("AIOracleBatch(uint256 chainId,address oracle,uint32 referenceBlock,bytes32 batchRoot,uint32 leafCount)"),
            "type hash"
        );
    }
}
