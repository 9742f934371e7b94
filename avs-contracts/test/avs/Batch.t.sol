// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {AvsFixture} from "./utils/AvsFixture.sol";
import {RecordingConsumer} from "./utils/Consumers.sol";
import {BN254} from "../../src/avs/libraries/BN254.sol";
import {IInferenceOracleEvents} from "../../src/interfaces/IInferenceOracle.sol";
import {IOperatorRegistry} from "../../src/interfaces/IOperatorRegistry.sol";
import {IInputSource} from "../../src/interfaces/IInputSource.sol";
import {OperatorSet} from "../../src/interfaces/eigenlayer/OperatorSetLib.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

/// @notice Helpers shared by the batch tests below.
abstract contract BatchFixture is AvsFixture {
    bytes internal constant INPUT = hex"0a0b0c";

    /// @dev `n` tasks created in one block (so they share the reference block), then one block later.
    function _tasks(uint256 n) internal returns (Task[] memory tasks) {
        tasks = new Task[](n);
        for (uint256 i; i < n; ++i) {
            tasks[i] = _request(MODEL_EXACT, abi.encodePacked(INPUT, uint8(i)), address(0), 0);
        }
        vm.roll(block.number + 1);
    }

    function _outputs(uint256 n) internal pure returns (bytes[] memory outs) {
        outs = new bytes[](n);
        for (uint256 i; i < n; ++i) {
            outs[i] = _output(_vals(int32(int256(i)), 2, 3));
        }
    }

    function _magnitude(address op) internal view returns (uint64) {
        return allocationManager.getAllocation(op, OperatorSet(address(oracle), 0), strategy).currentMagnitude;
    }
}

/// @notice respondToBatch and slashBatchDissenter (docs/protocol.md "Batch attestation"). Five operators with
/// equal stake in quorum 0, threshold 6667 bps; operator 4 is the dissenter where there is one.
contract BatchTest is BatchFixture {
    function setUp() public {
        _deployAvs();
        for (uint256 i; i < 5; ++i) {
            _addOperator(i, 10 ether, _ids(0), 1e18);
        }
        _useQuorums(hex"00", _bps1(6667));
        vm.roll(block.number + 1);
    }

    function test_threeTasksOneAbstain_allSigned() public {
        Task[] memory tasks = _tasks(3);
        bytes[] memory outs = _outputs(3);
        outs[1] = "";
        NonSignerStakesAndSignature memory p = _signBatch(tasks, outs, _all(true));
        bytes32 root = _root(_leaves(tasks, outs));
        bytes32 srh = _srh(tasks[0].referenceBlock, p);
        uint256 escrowBefore = oracle.escrowedFees();

        vm.expectEmit(address(oracle));
        emit IInferenceOracleEvents.BatchResponded(root, tasks[0].referenceBlock, 3, 2, srh);
        oracle.respondToBatch(tasks, outs, p);

        (TaskStatus s0, uint32 b0) = oracle.taskStatus(tasks[0].taskId);
        (TaskStatus s1,) = oracle.taskStatus(tasks[1].taskId);
        (TaskStatus s2,) = oracle.taskStatus(tasks[2].taskId);
        assertEq(uint256(s0), uint256(TaskStatus.Responded), "task 0 answered");
        assertEq(b0, uint32(block.number), "responded block");
        assertEq(uint256(s1), uint256(TaskStatus.Pending), "abstained task stays pending");
        assertEq(uint256(s2), uint256(TaskStatus.Responded), "task 2 answered");
        assertTrue(oracle.isResponse(tasks[0].taskId, _taskHash(tasks[0]), keccak256(outs[0]), srh), "commitment 0");
        assertTrue(oracle.isResponse(tasks[2].taskId, _taskHash(tasks[2]), keccak256(outs[2]), srh), "commitment 2");
        assertEq(oracle.escrowedFees(), escrowBefore - 2 * FEE, "two fees released");
        assertEq(
            oracle.batchDigest(tasks[0].referenceBlock, root, 3), _batchDigest(tasks, outs), "batchDigest view"
        );
    }

    // ---- helpers ----

    function _honest() internal view returns (bool[] memory signs) {
        signs = _all(true);
        signs[4] = false;
    }

    function _status(Task memory t) internal view returns (TaskStatus st) {
        (st,) = oracle.taskStatus(t.taskId);
    }

    function _pair(Task memory a, Task memory b) internal pure returns (Task[] memory t) {
        t = new Task[](2);
        t[0] = a;
        t[1] = b;
    }

    function _outs2(bytes memory a, bytes memory b) internal pure returns (bytes[] memory o) {
        o = new bytes[](2);
        o[0] = a;
        o[1] = b;
    }

    // ---- respondToBatch ----

    function test_callbackConsumerAndFeedTask() public {
        RecordingConsumer consumer = new RecordingConsumer();
        (uint64 feedId,) = feeds.createFeed(MODEL_EXACT, INPUT, IInputSource(address(0)), 8, 1, 3600, "feed");
        Task[] memory tasks = new Task[](3);
        tasks[0] = _request(MODEL_EXACT, INPUT, address(consumer), 100_000);
        vm.recordLogs();
        vm.prank(requester);
        feeds.requestFeedRound{value: FEE}(feedId);
        tasks[1] = _lastTask();
        tasks[2] = _request(MODEL_EXACT, hex"01", address(0), 0);
        vm.roll(block.number + 1);
        bytes[] memory outs = _outputs(3);
        outs[1] = _output(_vals(7, 42, 9));
        NonSignerStakesAndSignature memory p = _signBatch(tasks, outs, _honest());
        bytes32 srh = _srh(tasks[0].referenceBlock, p);

        vm.expectEmit(address(oracle));
        emit IInferenceOracleEvents.TaskResponded(
            tasks[0].taskId, _taskHash(tasks[0]), keccak256(outs[0]), outs[0], _u96(40 ether), _u96(50 ether), srh
        );
        vm.expectEmit(address(oracle));
        emit IInferenceOracleEvents.CallbackResult(tasks[0].taskId, address(consumer), true);
        oracle.respondToBatch(tasks, outs, p);

        assertEq(consumer.lastTaskId(), tasks[0].taskId, "callback got the task");
        assertEq(consumer.lastOutput(), outs[0], "callback got the output");
        (uint80 roundId, int256 answer,,,) = feeds.latestFeedRound(feedId);
        assertEq(uint256(roundId), 1, "feed round 1");
        assertEq(answer, int256(42), "feed answer is element 1");
        for (uint256 i; i < 3; ++i) {
            assertEq(uint256(_status(tasks[i])), uint256(TaskStatus.Responded), "answered");
            assertTrue(oracle.isResponse(tasks[i].taskId, _taskHash(tasks[i]), keccak256(outs[i]), srh), "commitment");
        }
    }

    function _u96(uint96 v) internal pure returns (uint96[] memory a) {
        a = new uint96[](1);
        a[0] = v;
    }

    function test_abstainedTaskStaysPendingThenExpiresAndRefunds() public {
        Task[] memory tasks = _tasks(2);
        bytes[] memory outs = _outputs(2);
        outs[0] = "";
        oracle.respondToBatch(tasks, outs, _signBatch(tasks, outs, _all(true)));
        assertEq(uint256(_status(tasks[0])), uint256(TaskStatus.Pending), "abstained: pending");
        vm.roll(tasks[0].deadlineBlock + 1);
        uint256 before = requester.balance;
        oracle.expireTask(tasks[0]);
        assertEq(uint256(_status(tasks[0])), uint256(TaskStatus.Expired), "expired");
        assertEq(requester.balance, before + FEE, "refunded");
        assertEq(oracle.escrowedFees(), 0, "nothing left in escrow");
    }

    function test_alreadyAnsweredTaskSkipped() public {
        Task[] memory tasks = _tasks(2);
        bytes[] memory outs = _outputs(2);
        bytes memory first = _output(_vals(5, 5, 5));
        NonSignerStakesAndSignature memory p1 = _sign(tasks[0], _digest(tasks[0], first), _all(true));
        oracle.respondToTask(tasks[0], first, p1);
        bytes32 srh1 = _srh(tasks[0].referenceBlock, p1);

        NonSignerStakesAndSignature memory p = _signBatch(tasks, outs, _honest());
        vm.expectEmit(address(oracle));
        emit IInferenceOracleEvents.BatchResponded(
            _root(_leaves(tasks, outs)), tasks[0].referenceBlock, 2, 1, _srh(tasks[0].referenceBlock, p)
        );
        oracle.respondToBatch(tasks, outs, p);
        assertTrue(oracle.isResponse(tasks[0].taskId, _taskHash(tasks[0]), keccak256(first), srh1), "first answer kept");
        assertEq(uint256(_status(tasks[1])), uint256(TaskStatus.Responded), "the other answered");
        // the same batch again answers nothing
        vm.expectRevert(IInferenceOracleEvents.NothingAnswered.selector);
        oracle.respondToBatch(tasks, outs, p);
    }

    function test_pastDeadlineTaskSkipped() public {
        Task memory a = _request(MODEL_EXACT, INPUT, address(0), 0);
        oracle.setConfig(Config(2, CHALLENGE_WINDOW, MAX_STALE, 4096, 1_000_000));
        Task memory b = _request(MODEL_EXACT, hex"02", address(0), 0); // same block, earlier deadline
        vm.roll(b.deadlineBlock + 1);
        Task[] memory tasks = _pair(a, b);
        bytes[] memory outs = _outputs(2);
        oracle.respondToBatch(tasks, outs, _signBatch(tasks, outs, _all(true)));
        assertEq(uint256(_status(a)), uint256(TaskStatus.Responded), "in time: answered");
        assertEq(uint256(_status(b)), uint256(TaskStatus.Pending), "past deadline: skipped");
    }

    function test_nothingAnswered() public {
        Task[] memory tasks = _tasks(2);
        bytes[] memory outs = new bytes[](2); // all abstain
        NonSignerStakesAndSignature memory p = _signBatch(tasks, outs, _all(true));
        vm.expectRevert(IInferenceOracleEvents.NothingAnswered.selector);
        oracle.respondToBatch(tasks, outs, p);
    }

    function test_batchSize() public {
        Task[] memory tasks = _tasks(1);
        NonSignerStakesAndSignature memory p = _signBatch(tasks, _outputs(1), _all(true));
        vm.expectRevert(IInferenceOracleEvents.BatchSize.selector);
        oracle.respondToBatch(new Task[](0), new bytes[](0), p);
        vm.expectRevert(IInferenceOracleEvents.BatchSize.selector);
        oracle.respondToBatch(tasks, _outputs(2), p);
        Task[] memory many = new Task[](257);
        for (uint256 i; i < many.length; ++i) {
            many[i] = tasks[0];
        }
        vm.expectRevert(IInferenceOracleEvents.BatchSize.selector);
        oracle.respondToBatch(many, _outputs(257), p);
    }

    function test_mismatch_referenceBlock() public {
        Task memory a = _request(MODEL_EXACT, INPUT, address(0), 0);
        vm.roll(block.number + 1);
        Task memory b = _request(MODEL_EXACT, INPUT, address(0), 0);
        vm.roll(block.number + 1);
        Task[] memory tasks = _pair(a, b);
        bytes[] memory outs = _outputs(2);
        NonSignerStakesAndSignature memory p = _signBatch(tasks, outs, _all(true));
        vm.expectRevert(IInferenceOracleEvents.BatchMismatch.selector);
        oracle.respondToBatch(tasks, outs, p);
    }

    function test_mismatch_quorumConfig() public {
        Task memory a = _request(MODEL_EXACT, INPUT, address(0), 0);
        _useQuorums(hex"00", _bps1(7000)); // same block, another threshold
        Task memory b = _request(MODEL_EXACT, INPUT, address(0), 0);
        vm.roll(block.number + 1);
        Task[] memory tasks = _pair(a, b);
        bytes[] memory outs = _outputs(2);
        NonSignerStakesAndSignature memory p = _signBatch(tasks, outs, _all(true));
        vm.expectRevert(IInferenceOracleEvents.BatchMismatch.selector);
        oracle.respondToBatch(tasks, outs, p);
        // and in the other order
        vm.expectRevert(IInferenceOracleEvents.BatchMismatch.selector);
        oracle.respondToBatch(_pair(b, a), outs, p);
    }

    function test_thresholdNotMet() public {
        Task[] memory tasks = _tasks(2);
        bytes[] memory outs = _outputs(2);
        bool[] memory signs = new bool[](5);
        signs[0] = true;
        signs[1] = true; // 40% < 60%
        NonSignerStakesAndSignature memory p = _signBatch(tasks, outs, signs);
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceOracleEvents.ThresholdNotMet.selector, 0, 20 ether, 50 ether, 6667)
        );
        oracle.respondToBatch(tasks, outs, p);
    }

    function test_paused() public {
        Task[] memory tasks = _tasks(1);
        bytes[] memory outs = _outputs(1);
        NonSignerStakesAndSignature memory p = _signBatch(tasks, outs, _all(true));
        oracle.pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        oracle.respondToBatch(tasks, outs, p);
        oracle.unpause();
        oracle.respondToBatch(tasks, outs, p);
    }

    /// A stale batch is one past its tasks' deadlines (deadlineBlock bounds staleness): nothing is recorded.
    function test_staleReferenceBlock() public {
        Task[] memory tasks = _tasks(1);
        bytes[] memory outs = _outputs(1);
        NonSignerStakesAndSignature memory p = _signBatch(tasks, outs, _all(true));
        vm.roll(uint256(tasks[0].referenceBlock) + MAX_STALE + 1);
        vm.expectRevert(IInferenceOracleEvents.NothingAnswered.selector);
        oracle.respondToBatch(tasks, outs, p);
    }

    function test_wrongOutputInCalldataFailsSignature() public {
        Task[] memory tasks = _tasks(3);
        bytes[] memory outs = _outputs(3);
        NonSignerStakesAndSignature memory p = _signBatch(tasks, outs, _all(true));
        outs[2] = _output(_vals(9, 9, 9));
        vm.expectRevert(IOperatorRegistry.InvalidSignature.selector);
        oracle.respondToBatch(tasks, outs, p);
        outs[2] = ""; // an abstention is a different leaf too
        vm.expectRevert(IOperatorRegistry.InvalidSignature.selector);
        oracle.respondToBatch(tasks, outs, p);
        // a task's response digest is not a batch digest
        Task[] memory one = new Task[](1);
        one[0] = tasks[0];
        bytes[] memory out1 = new bytes[](1);
        out1[0] = outs[0];
        NonSignerStakesAndSignature memory single = _sign(tasks[0], _digest(tasks[0], outs[0]), _all(true));
        vm.expectRevert(IOperatorRegistry.InvalidSignature.selector);
        oracle.respondToBatch(one, out1, single);
    }

    function test_nonCanonicalTaskEncodingRejected() public {
        Task[] memory tasks = _tasks(1);
        bytes[] memory outs = _outputs(1);
        NonSignerStakesAndSignature memory p = _signBatch(tasks, outs, _all(true));
        bytes memory data = abi.encodeCall(oracle.respondToBatch, (tasks, outs, p));
        // the task tuple starts after selector, 3 head words, the array length and its one offset: move its
        // quorumNumbers offset (head word 10) by a word
        uint256 at = 4 + 32 * 3 + 32 * 2 + 32 * 10;
        uint256 w;
        assembly {
            w := mload(add(add(data, 0x20), at))
        }
        assertEq(w, 0x180, "found the offset");
        assembly {
            mstore(add(add(data, 0x20), at), 0x1a0)
        }
        (bool ok, bytes memory ret) = address(oracle).call(data);
        assertFalse(ok, "rejected");
        assertEq(ret, abi.encodeWithSelector(IInferenceOracleEvents.TaskMismatch.selector, tasks[0].taskId), "TaskMismatch");
    }

    // ---- slashBatchDissenter ----

    /// @dev Three tasks answered in a batch by operators 0-3 with `accepted`; operator 4 signed `dissent` (its
    /// own root). Returns its proof for task `k` and signature.
    function _dissentSetup(bytes[] memory accepted, bytes[] memory dissent)
        internal
        returns (Task[] memory tasks, bytes32 srh, BN254.G1Point memory sig)
    {
        tasks = _tasks(accepted.length);
        NonSignerStakesAndSignature memory p = _signBatch(tasks, accepted, _honest());
        oracle.respondToBatch(tasks, accepted, p);
        srh = _srh(tasks[0].referenceBlock, p);
        sig = _signOne(ops[4], _batchDigest(tasks, dissent));
    }

    function test_slashBatchDissenter_slashedForTheDifferingTaskOnly() public {
        bytes[] memory accepted = _outputs(3);
        bytes[] memory dissent = _outputs(3);
        dissent[1] = _output(_vals(1, 2, 4));
        (Task[] memory tasks, bytes32 srh, BN254.G1Point memory sig) = _dissentSetup(accepted, dissent);
        bytes32[] memory leaves = _leaves(tasks, dissent);

        // the tasks where it agreed: not slashable
        vm.expectRevert(IInferenceOracleEvents.SameOutput.selector);
        oracle.slashBatchDissenter(tasks[0], accepted[0], srh, dissent[0], ops[4], _proof(leaves, 0), sig);

        vm.expectEmit(address(oracle));
        emit IInferenceOracleEvents.DissenterSlashed(
            tasks[1].taskId, ops[4], registry.operatorIdOf(ops[4]), keccak256(dissent[1]), hex"00", SLASH_WAD
        );
        oracle.slashBatchDissenter(tasks[1], accepted[1], srh, dissent[1], ops[4], _proof(leaves, 1), sig);
        assertEq(_magnitude(ops[4]), 0.9e18, "slashed once");
        assertTrue(oracle.isSlashed(tasks[1].taskId, ops[4]), "recorded");
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracleEvents.AlreadySlashed.selector, tasks[1].taskId, ops[4]));
        oracle.slashBatchDissenter(tasks[1], accepted[1], srh, dissent[1], ops[4], _proof(leaves, 1), sig);

        // an honest operator's batch signature opens to the accepted outputs only
        BN254.G1Point memory honestSig = _signOne(ops[0], _batchDigest(tasks, accepted));
        bytes32[] memory honestLeaves = _leaves(tasks, accepted);
        vm.expectRevert(IInferenceOracleEvents.SameOutput.selector);
        oracle.slashBatchDissenter(tasks[1], accepted[1], srh, accepted[1], ops[0], _proof(honestLeaves, 1), honestSig);
        vm.expectRevert(IInferenceOracleEvents.InvalidDissentSignature.selector);
        oracle.slashBatchDissenter(tasks[1], accepted[1], srh, dissent[1], ops[0], _proof(leaves, 1), honestSig);
        assertEq(_magnitude(ops[0]), 1e18, "honest untouched");
    }

    function test_slashBatchDissenter_invalidProofs() public {
        bytes[] memory accepted = _outputs(3);
        bytes[] memory dissent = _outputs(3);
        dissent[2] = _output(_vals(9, 9, 9));
        (Task[] memory tasks, bytes32 srh, BN254.G1Point memory sig) = _dissentSetup(accepted, dissent);
        bytes32[] memory leaves = _leaves(tasks, dissent);
        BatchProof memory good = _proof(leaves, 2);

        BatchProof memory bad = _proof(leaves, 2);
        bad.leafIndex = 3; // = leafCount... of 3: out of range (the padding leaf)
        vm.expectRevert(IInferenceOracleEvents.InvalidBatchProof.selector);
        oracle.slashBatchDissenter(tasks[2], accepted[2], srh, dissent[2], ops[4], bad, sig);
        bad = _proof(leaves, 2);
        bad.leafCount = 0;
        vm.expectRevert(IInferenceOracleEvents.InvalidBatchProof.selector);
        oracle.slashBatchDissenter(tasks[2], accepted[2], srh, dissent[2], ops[4], bad, sig);
        bad.leafCount = 257;
        bad.siblings = new bytes32[](9);
        vm.expectRevert(IInferenceOracleEvents.InvalidBatchProof.selector);
        oracle.slashBatchDissenter(tasks[2], accepted[2], srh, dissent[2], ops[4], bad, sig);
        bad = _proof(leaves, 2);
        bad.siblings = new bytes32[](1); // too short for 3 leaves
        bad.siblings[0] = good.siblings[0];
        vm.expectRevert(IInferenceOracleEvents.InvalidBatchProof.selector);
        oracle.slashBatchDissenter(tasks[2], accepted[2], srh, dissent[2], ops[4], bad, sig);
        bad = _proof(leaves, 2);
        bad.leafCount = 4; // another tree shape: another digest
        vm.expectRevert(IInferenceOracleEvents.InvalidDissentSignature.selector);
        oracle.slashBatchDissenter(tasks[2], accepted[2], srh, dissent[2], ops[4], bad, sig);
        bad = _proof(leaves, 2);
        bad.siblings[1] = bytes32(uint256(bad.siblings[1]) ^ 1);
        vm.expectRevert(IInferenceOracleEvents.InvalidDissentSignature.selector);
        oracle.slashBatchDissenter(tasks[2], accepted[2], srh, dissent[2], ops[4], bad, sig);
        bad = _proof(leaves, 2);
        bad.leafIndex = 1; // the right hashes in the wrong order
        vm.expectRevert(IInferenceOracleEvents.InvalidDissentSignature.selector);
        oracle.slashBatchDissenter(tasks[2], accepted[2], srh, dissent[2], ops[4], bad, sig);

        oracle.slashBatchDissenter(tasks[2], accepted[2], srh, dissent[2], ops[4], good, sig);
        assertEq(_magnitude(ops[4]), 0.9e18, "the good proof slashes");
    }

    function test_slashBatchDissenter_abstainLeafNotEvidence() public {
        bytes[] memory accepted = _outputs(2);
        bytes[] memory dissent = _outputs(2);
        dissent[0] = ""; // operator 4 refused task 0
        (Task[] memory tasks, bytes32 srh, BN254.G1Point memory sig) = _dissentSetup(accepted, dissent);
        bytes32[] memory leaves = _leaves(tasks, dissent);
        // no output hashes to 0: an empty dissentOutput is keccak256("") and opens no leaf of the root
        vm.expectRevert(IInferenceOracleEvents.InvalidDissentSignature.selector);
        oracle.slashBatchDissenter(tasks[0], accepted[0], srh, "", ops[4], _proof(leaves, 0), sig);
        vm.expectRevert(IInferenceOracleEvents.SameOutput.selector);
        oracle.slashBatchDissenter(tasks[0], accepted[0], srh, accepted[0], ops[4], _proof(leaves, 0), sig);
        assertEq(_magnitude(ops[4]), 1e18, "untouched");
    }

    function test_perTaskEvidenceAgainstBatchAcceptedTask() public {
        bytes[] memory accepted = _outputs(2);
        (Task[] memory tasks, bytes32 srh,) = _dissentSetup(accepted, accepted);
        bytes memory dissent = _output(_vals(8, 8, 8));
        BN254.G1Point memory sig = _signOne(ops[4], _digest(tasks[1], dissent));
        oracle.slashDissenter(tasks[1], accepted[1], srh, dissent, ops[4], sig);
        assertEq(_magnitude(ops[4]), 0.9e18, "slashed with a per-task signature");
    }

    function test_batchEvidenceAgainstPerTaskAcceptedTask() public {
        Task[] memory tasks = _tasks(2);
        bytes[] memory accepted = _outputs(2);
        NonSignerStakesAndSignature memory p = _sign(tasks[1], _digest(tasks[1], accepted[1]), _honest());
        oracle.respondToTask(tasks[1], accepted[1], p);
        bytes32 srh = _srh(tasks[1].referenceBlock, p);
        bytes[] memory dissent = _outputs(2);
        dissent[1] = _output(_vals(8, 8, 8));
        BN254.G1Point memory sig = _signOne(ops[4], _batchDigest(tasks, dissent));
        oracle.slashBatchDissenter(tasks[1], accepted[1], srh, dissent[1], ops[4], _proof(_leaves(tasks, dissent), 1), sig);
        assertEq(_magnitude(ops[4]), 0.9e18, "slashed with a batch signature");
    }
}

/// @notice The slashing path fuzzed (issue 12: "random batches, random dissent, never an honest slash"). Seven
/// operators of unequal stake in quorum 0, threshold 6667 bps, so that one large operator or several small ones can
/// dissent while the honest signers still hold the threshold.
contract BatchSlashFuzzTest is BatchFixture {
    /// @dev The most tasks an operator puts in one batch (docs/protocol.md MAX_BATCH_LEAVES; the contract accepts 256).
    uint256 internal constant MAX_BATCH_LEAVES = 128;
    /// @dev Tasks tried per operator and run: every task of a batch up to this size, a random sample of this many
    /// in a larger one (each try checks BLS signatures).
    uint256 internal constant TRIES_PER_OPERATOR = 8;
    uint16 internal constant THRESHOLD_BPS = 6667;

    uint256[] internal stakeOf;

    function setUp() public {
        _deployAvs();
        uint256[7] memory stakes = [uint256(25 ether), 20 ether, 15 ether, 12 ether, 10 ether, 10 ether, 8 ether];
        for (uint256 i; i < stakes.length; ++i) {
            _addOperator(i, stakes[i], _ids(0), 1e18);
            stakeOf.push(stakes[i]);
        }
        _useQuorums(hex"00", _bps1(THRESHOLD_BPS));
        vm.roll(block.number + 1);
    }

    /// @dev What one operator signed: its own batch root, whose leaves differ from the accepted ones on `differs`
    /// (another output) and `abstains` (an abstain leaf: it refused the task), or the accepted root.
    struct Signed {
        address op;
        uint256 differs;
        uint256 abstains;
        bytes[] outputs;
        bytes32[] leaves;
        BN254.G1Point sig;
    }

    /// @dev Random batch sizes (1..MAX_BATCH_LEAVES) and random dissent: any operator may sign its own root, with
    /// other outputs and abstain leaves on random tasks, or sign the accepted root and be aggregated, or be an honest
    /// non-signer, as long as the honest signers hold the threshold (others are made honest signers until they do).
    /// Some tasks every honest operator refused (abstain leaves in the accepted root: they stay pending). The batch is
    /// answered with the honest root. Then (operator, task) pairs, all or a random sample, are tried with
    /// slashBatchDissenter with the operator's own batch signature and proof: it succeeds exactly when the
    /// operator's leaf has an output that differs from the accepted one of an answered task, and a second slash of
    /// that pair is refused; otherwise it reverts, and a forged output under the operator's signature fails too.
    /// Never an honest slash: an operator whose leaves match keeps its whole magnitude.
    function testFuzz_slashBatchDissenter_exactlyTheDissenters(uint256 seed) public {
        uint256 n = bound(seed, 1, MAX_BATCH_LEAVES);
        uint256 all = (uint256(1) << n) - 1;
        Task[] memory tasks = _tasks(n);
        bytes[] memory accepted = _outputs(n);
        uint256 refused = _bits(seed, "refused", 3) & all & ~uint256(1); // never task 0: something is answered
        for (uint256 t; t < n; ++t) {
            if ((refused >> t) & 1 == 1) accepted[t] = "";
        }
        (uint256[] memory differs, uint256[] memory abstains, bool[] memory signs) = _dissent(seed, all);
        NonSignerStakesAndSignature memory p = _signBatch(tasks, accepted, signs);
        oracle.respondToBatch(tasks, accepted, p);
        bytes32 srh = _srh(tasks[0].referenceBlock, p);

        for (uint256 op; op < ops.length; ++op) {
            Signed memory s = _signed(tasks, accepted, op, differs[op], abstains[op]);
            uint256[] memory tried = _sample(n, seed, op);
            uint256 slashes;
            for (uint256 i; i < tried.length; ++i) {
                if (_tryPair(tasks, accepted, srh, s, tried[i])) ++slashes;
            }
            assertEq(_magnitude(s.op) < 1e18, slashes > 0, "magnitude lost exactly when slashed");
        }
    }

    /// @dev `sparsity` random words ANDed: each bit set with probability 2^-sparsity.
    function _bits(uint256 seed, bytes memory tag, uint256 sparsity) internal pure returns (uint256 r) {
        r = type(uint256).max;
        for (uint256 k; k < sparsity; ++k) {
            r &= uint256(keccak256(abi.encode(seed, tag, k)));
        }
    }

    /// @dev Each operator's dissent (`differs`, `abstains` masks) and whether it is in the aggregate.
    function _dissent(uint256 seed, uint256 all)
        internal
        view
        returns (uint256[] memory differs, uint256[] memory abstains, bool[] memory signs)
    {
        uint256 m = ops.length;
        differs = new uint256[](m);
        abstains = new uint256[](m);
        signs = new bool[](m);
        uint256 total;
        uint256 signed;
        for (uint256 op; op < m; ++op) {
            uint256 role = uint256(keccak256(abi.encode(seed, "role", op))) % 8;
            total += stakeOf[op];
            if (role < 3) {
                signs[op] = true; // honest, aggregated
                signed += stakeOf[op];
            } else if (role > 3) {
                // signed its own root: other outputs on 1/2, 1/4 or 1/8 of the tasks, abstains on 1/4 of the rest
                differs[op] = _bits(seed, abi.encode("differs", op), role % 3 + 1) & all;
                abstains[op] = _bits(seed, abi.encode("abstains", op), 2) & all & ~differs[op];
            } // role 3: an honest non-signer (its signature came late or not at all)
        }
        // the honest signers must hold the threshold: make operators honest signers, from a random one on, until so
        uint256 start = uint256(keccak256(abi.encode(seed, "start")));
        for (uint256 k; signed * 10_000 < total * THRESHOLD_BPS; ++k) {
            uint256 op = (start + k) % m;
            if (signs[op]) continue;
            signs[op] = true;
            differs[op] = 0;
            abstains[op] = 0;
            signed += stakeOf[op];
        }
    }

    /// @dev Operator `op`'s outputs, leaves and signature over its batch digest.
    function _signed(Task[] memory tasks, bytes[] memory accepted, uint256 op, uint256 differs, uint256 abstains)
        internal
        view
        returns (Signed memory s)
    {
        uint256 n = tasks.length;
        s.op = ops[op];
        s.differs = differs;
        s.abstains = abstains;
        s.outputs = new bytes[](n);
        for (uint256 t; t < n; ++t) {
            if ((differs >> t) & 1 == 1) {
                s.outputs[t] = _output(_vals(int32(int256(t)), 2, int32(int256(100 + op))));
            } else if ((abstains >> t) & 1 == 0) {
                s.outputs[t] = accepted[t];
            } // else "": an abstain leaf
        }
        s.leaves = _leaves(tasks, s.outputs);
        s.sig = _signOne(s.op, _batchDigest(tasks, s.outputs));
    }

    /// @dev The tasks tried for operator `op`: all of them in random order up to TRIES_PER_OPERATOR, else that many
    /// distinct random ones.
    function _sample(uint256 n, uint256 seed, uint256 op) internal pure returns (uint256[] memory tried) {
        uint256[] memory idx = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            idx[i] = i;
        }
        tried = new uint256[](n < TRIES_PER_OPERATOR ? n : TRIES_PER_OPERATOR);
        for (uint256 i; i < tried.length; ++i) {
            uint256 j = i + uint256(keccak256(abi.encode(seed, "try", op, i))) % (n - i);
            (idx[i], idx[j]) = (idx[j], idx[i]);
            tried[i] = idx[i];
        }
    }

    /// @dev slashBatchDissenter on task `t` with `s.op`'s signature, its proof of leaf `t` and `output`; the revert
    /// data, or ok.
    function _slash(
        Task memory task,
        bytes memory acceptedOutput,
        bytes32 srh,
        Signed memory s,
        bytes memory output,
        BatchProof memory proof
    ) internal returns (bool ok, bytes memory err) {
        try oracle.slashBatchDissenter(task, acceptedOutput, srh, output, s.op, proof, s.sig) {
            ok = true;
        } catch (bytes memory reason) {
            err = reason;
        }
    }

    /// @dev Tries the pair (s.op, task t); returns whether it was slashed (asserting that it is exactly when its leaf
    /// has another output than the accepted one of an answered task).
    function _tryPair(Task[] memory tasks, bytes[] memory accepted, bytes32 srh, Signed memory s, uint256 t)
        internal
        returns (bool slashable)
    {
        Task memory task = tasks[t];
        bytes memory mine = s.outputs[t];
        bool answered = accepted[t].length != 0;
        slashable = answered && mine.length != 0 && keccak256(mine) != keccak256(accepted[t]);
        assertEq(slashable, (s.differs >> t) & 1 == 1 && answered, "the fuzz's own bookkeeping");
        BatchProof memory proof = _proof(s.leaves, t);
        bytes memory notResponded =
            abi.encodeWithSelector(IInferenceOracleEvents.TaskNotResponded.selector, task.taskId, TaskStatus.Pending);

        // an output the operator did not sign, under its signature and a valid path: never evidence
        (bool ok, bytes memory err) =
            _slash(task, accepted[t], srh, s, _output(_vals(int32(int256(t)), 7, int32(int256(1000)))), proof);
        assertFalse(ok, "a forged leaf never slashes");
        assertEq(
            err,
            answered ? abi.encodeWithSelector(IInferenceOracleEvents.InvalidDissentSignature.selector) : notResponded,
            "forged leaf: the reason"
        );

        (ok, err) = _slash(task, accepted[t], srh, s, mine, proof);
        assertEq(ok, slashable, "slashable exactly when the operator's leaf differs");
        assertEq(oracle.isSlashed(task.taskId, s.op), slashable, "recorded exactly then");
        if (slashable) {
            (ok, err) = _slash(task, accepted[t], srh, s, mine, proof);
            assertFalse(ok, "a second slash of the same operator and task is refused");
            assertEq(
                err,
                abi.encodeWithSelector(IInferenceOracleEvents.AlreadySlashed.selector, task.taskId, s.op),
                "second slash: AlreadySlashed"
            );
        } else if (!answered) {
            assertEq(err, notResponded, "a task still pending: nothing to dissent from");
        } else if (mine.length == 0) {
            // an abstain leaf is never evidence: no output opens it
            assertEq(
                err, abi.encodeWithSelector(IInferenceOracleEvents.InvalidDissentSignature.selector), "abstain leaf"
            );
        } else {
            assertEq(err, abi.encodeWithSelector(IInferenceOracleEvents.SameOutput.selector), "an honest leaf");
        }
    }
}
