// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {AvsFixture} from "./utils/AvsFixture.sol";
import {RecordingConsumer, RevertingConsumer, GasBurningConsumer, HungryRequester} from "./utils/Consumers.sol";
import {BN254} from "../../src/avs/libraries/BN254.sol";
import {IInferenceOracle, IInferenceOracleEvents} from "../../src/interfaces/IInferenceOracle.sol";
import {IOperatorRegistry} from "../../src/interfaces/IOperatorRegistry.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

/// @notice Requests, responses (signature, thresholds, tampering), expiry, callbacks and fees, one quorum.
contract InferenceOracleTest is AvsFixture {
    uint256 internal constant N = 10;
    bytes internal constant INPUT = hex"0100000001000000070000002a000000";

    function setUp() public {
        _deployAvs();
        for (uint256 i; i < N; ++i) {
            _addOperator(i, (i + 1) * 1 ether, _ids(0), 1e18); // stakes 1..10, total 55
        }
        _useQuorums(hex"00", _bps1(6667));
        vm.roll(block.number + 1);
    }

    function _respond(Task memory task, bytes memory output, bool[] memory signs) internal {
        NonSignerStakesAndSignature memory p = _sign(task, _digest(task, output), signs);
        oracle.respondToTask(task, output, p);
    }

    // ---- happy path ----

    function test_respond_allSign() public {
        Task memory task = _request(MODEL_EXACT, INPUT, address(0), 0);
        assertEq(task.taskId, 1, "first task id");
        assertEq(task.referenceBlock, block.number - 1, "reference block");
        assertEq(task.deadlineBlock, block.number + RESPONSE_WINDOW, "deadline");
        assertEq(oracle.escrowedFees(), FEE, "fee held");
        (IInferenceOracle.TaskStatus st,) = oracle.taskStatus(1);
        assertEq(uint8(st), uint8(TaskStatus.Pending), "pending");

        vm.roll(block.number + 1);
        bytes memory out = _output(_vals(1, 2, 3));
        uint96[] memory stakes = new uint96[](1);
        stakes[0] = 55 ether;
        vm.expectEmit(address(oracle));
        emit IInferenceOracleEvents.TaskResponded(
            1,
            _taskHash(task),
            keccak256(out),
            out,
            stakes,
            stakes,
            keccak256(abi.encodePacked(task.referenceBlock, new bytes32[](0)))
        );
        _respond(task, out, _all(true));
        uint32 respondedAt;
        (st, respondedAt) = oracle.taskStatus(1);
        assertEq(uint8(st), uint8(TaskStatus.Responded), "responded");
        assertEq(respondedAt, block.number, "responded block");
        assertEq(oracle.escrowedFees(), 0, "fee earned");
        bytes32 srh = keccak256(abi.encodePacked(task.referenceBlock, new bytes32[](0)));
        assertTrue(oracle.isResponse(1, _taskHash(task), keccak256(out), srh), "result recorded");
        assertFalse(oracle.isResponse(1, _taskHash(task), keccak256("other"), srh), "other output not recorded");
    }

    /// @dev Random signer subsets: accepted iff the signers hold >= 66.67% of the stake.
    function testFuzz_respond_randomSigners(uint16 mask) public {
        Task memory task = _request(MODEL_EXACT, INPUT, address(0), 0);
        bool[] memory signs = new bool[](N);
        uint256 signed;
        for (uint256 i; i < N; ++i) {
            signs[i] = (mask >> i) & 1 == 1;
            if (signs[i]) signed += (i + 1) * 1 ether;
        }
        vm.assume(signed > 0);
        bytes memory out = _output(_vals(4, 5, 6));
        NonSignerStakesAndSignature memory p = _sign(task, _digest(task, out), signs);
        if (signed * 10_000 < 55 ether * 6667) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IInferenceOracleEvents.ThresholdNotMet.selector, 0, uint96(signed), uint96(55 ether), 6667
                )
            );
            oracle.respondToTask(task, out, p);
        } else {
            oracle.respondToTask(task, out, p);
            (TaskStatus st,) = oracle.taskStatus(task.taskId);
            assertEq(uint8(st), uint8(TaskStatus.Responded), "accepted with enough stake");
        }
    }

    // ---- tampering ----

    function test_respond_rejectsOutputOtherThanSigned() public {
        Task memory task = _request(MODEL_EXACT, INPUT, address(0), 0);
        NonSignerStakesAndSignature memory p = _sign(task, _digest(task, _output(_vals(1, 2, 3))), _all(true));
        vm.expectRevert(IOperatorRegistry.InvalidSignature.selector);
        oracle.respondToTask(task, _output(_vals(1, 2, 4)), p);
    }

    function test_respond_rejectsAlteredTask() public {
        Task memory task = _request(MODEL_EXACT, INPUT, address(0), 0);
        bytes memory out = _output(_vals(1, 2, 3));
        NonSignerStakesAndSignature memory p = _sign(task, _digest(task, out), _all(true));
        task.fee = 0;
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracleEvents.TaskMismatch.selector, 1));
        oracle.respondToTask(task, out, p);
        task.fee = FEE;
        task.taskId = 2; // a task id that does not exist
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracleEvents.TaskMismatch.selector, 2));
        oracle.respondToTask(task, out, p);
    }

    function test_respond_rejectsSignatureForAnotherTask() public {
        Task memory t1 = _request(MODEL_EXACT, INPUT, address(0), 0);
        Task memory t2 = _request(MODEL_EXACT, INPUT, address(0), 0);
        bytes memory out = _output(_vals(1, 2, 3));
        NonSignerStakesAndSignature memory p = _sign(t1, _digest(t1, out), _all(true));
        vm.expectRevert(IOperatorRegistry.InvalidSignature.selector);
        oracle.respondToTask(t2, out, p);
    }

    function test_respond_rejectsSignatureForAnotherChainOrContract() public {
        Task memory task = _request(MODEL_EXACT, INPUT, address(0), 0);
        bytes memory out = _output(_vals(1, 2, 3));
        bytes32 typehash =
            keccak256("AIOracleResponse(uint256 chainId,address oracle,bytes32 taskHash,bytes32 outputHash)");
        bytes32 otherChain = keccak256(abi.encode(typehash, block.chainid + 1, address(oracle), _taskHash(task), keccak256(out)));
        NonSignerStakesAndSignature memory p = _sign(task, otherChain, _all(true));
        vm.expectRevert(IOperatorRegistry.InvalidSignature.selector);
        oracle.respondToTask(task, out, p);

        bytes32 otherOracle = keccak256(abi.encode(typehash, block.chainid, address(0x0123), _taskHash(task), keccak256(out)));
        p = _sign(task, otherOracle, _all(true));
        vm.expectRevert(IOperatorRegistry.InvalidSignature.selector);
        oracle.respondToTask(task, out, p);

        assertEq(oracle.responseDigest(_taskHash(task), keccak256(out)), _digest(task, out), "digest per protocol.md");
    }

    /// A later, lower maxStaleBlocks does not make a pending task unanswerable: its deadline bounds its staleness.
    function test_respond_laterMaxStaleBlocksDoesNotApply() public {
        Task memory task = _request(MODEL_EXACT, INPUT, address(0), 0);
        oracle.setConfig(Config(5, CHALLENGE_WINDOW, 6, 4096, 1_000_000));
        vm.roll(block.number + 10); // before the task's deadline, but 11 blocks after its reference block
        bytes memory out = _output(_vals(1, 2, 3));
        NonSignerStakesAndSignature memory p = _sign(task, _digest(task, out), _all(true));
        oracle.respondToTask(task, out, p);
    }

    function test_respond_rejectsAfterDeadline() public {
        Task memory task = _request(MODEL_EXACT, INPUT, address(0), 0);
        vm.roll(task.deadlineBlock);
        bytes memory out = _output(_vals(1, 2, 3));
        NonSignerStakesAndSignature memory p = _sign(task, _digest(task, out), _all(true));
        uint256 snap = vm.snapshotState();
        oracle.respondToTask(task, out, p); // the deadline block itself is accepted
        vm.revertToState(snap);
        vm.roll(task.deadlineBlock + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceOracleEvents.ResponseWindowClosed.selector, 1, task.deadlineBlock)
        );
        oracle.respondToTask(task, out, p);
    }

    function test_respond_rejectsUnsortedOrDuplicateNonSigners() public {
        Task memory task = _request(MODEL_EXACT, INPUT, address(0), 0);
        bytes memory out = _output(_vals(1, 2, 3));
        bool[] memory signs = _all(true);
        signs[0] = false;
        signs[1] = false;
        NonSignerStakesAndSignature memory p = _sign(task, _digest(task, out), signs);
        (p.nonSignerPubkeys[0], p.nonSignerPubkeys[1]) = (p.nonSignerPubkeys[1], p.nonSignerPubkeys[0]);
        vm.expectRevert(abi.encodeWithSelector(IOperatorRegistry.NonSignersNotAscending.selector, 1));
        oracle.respondToTask(task, out, p);

        (p.nonSignerPubkeys[0], p.nonSignerPubkeys[1]) = (p.nonSignerPubkeys[1], p.nonSignerPubkeys[1]);
        vm.expectRevert(abi.encodeWithSelector(IOperatorRegistry.NonSignersNotAscending.selector, 1));
        oracle.respondToTask(task, out, p);
    }

    function test_respond_rejectsNonSignerThatIsNotAMember() public {
        Task memory task = _request(MODEL_EXACT, INPUT, address(0), 0);
        bytes memory out = _output(_vals(1, 2, 3));
        NonSignerStakesAndSignature memory p = _sign(task, _digest(task, out), _all(true));
        p.nonSignerPubkeys = new BN254.G1Point[](1);
        p.nonSignerPubkeys[0] = _pkG1(12345);
        vm.expectRevert(
            abi.encodeWithSelector(IOperatorRegistry.NonSignerNotMember.selector, BN254.hashG1(_pkG1(12345)))
        );
        oracle.respondToTask(task, out, p);
    }

    function test_respond_rejectsOperatorThatJoinedAfterReferenceBlock() public {
        Task memory task = _request(MODEL_EXACT, INPUT, address(0), 0);
        _addOperator(N, 50 ether, _ids(0), 1e18); // joins now: not part of the task's quorum
        bytes memory out = _output(_vals(1, 2, 3));
        vm.roll(block.number + 1);
        address newcomer = ops[N];
        NonSignerStakesAndSignature memory p;
        p.sigma = _signOne(newcomer, _digest(task, out));
        p.apkG2 = pk2Of[newcomer];
        // its key is not in the reference-block apk: the pairing fails
        vm.expectRevert(IOperatorRegistry.InvalidSignature.selector);
        oracle.respondToTask(task, out, p);
    }

    function test_respond_secondResponseRejected() public {
        Task memory task = _request(MODEL_EXACT, INPUT, address(0), 0);
        bytes memory out = _output(_vals(1, 2, 3));
        _respond(task, out, _all(true));
        NonSignerStakesAndSignature memory p = _sign(task, _digest(task, out), _all(true));
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceOracleEvents.TaskNotPending.selector, 1, TaskStatus.Responded)
        );
        oracle.respondToTask(task, out, p);
    }

    // ---- requests ----

    function test_request_validation() public {
        vm.startPrank(requester);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracleEvents.FeeTooLow.selector, FEE - 1, FEE));
        oracle.requestInference{value: FEE - 1}(MODEL_EXACT, INPUT, address(0), 0);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracleEvents.InvalidInputSize.selector, 4097, 4096));
        oracle.requestInference{value: FEE}(MODEL_EXACT, new bytes(4097), address(0), 0);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracleEvents.CallbackGasTooHigh.selector, 1_000_001, 1_000_000));
        oracle.requestInference{value: FEE}(MODEL_EXACT, INPUT, address(1), 1_000_001);
        vm.stopPrank();
        models.setActive(MODEL_EXACT, false);
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracleEvents.ModelNotActive.selector, MODEL_EXACT));
        oracle.requestInference{value: FEE}(MODEL_EXACT, INPUT, address(0), 0);
    }

    function test_pause_stopsRequestsAndResponsesNotExpiry() public {
        Task memory task = _request(MODEL_EXACT, INPUT, address(0), 0);
        bytes memory out = _output(_vals(1, 2, 3));
        NonSignerStakesAndSignature memory p = _sign(task, _digest(task, out), _all(true));
        oracle.pause();
        vm.prank(requester);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        oracle.requestInference{value: FEE}(MODEL_EXACT, INPUT, address(0), 0);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        oracle.respondToTask(task, out, p);
        vm.roll(task.deadlineBlock + 1);
        oracle.expireTask(task);
    }

    // ---- expiry and fees ----

    function test_expire_refundsExactlyOnce() public {
        Task memory task = _request(MODEL_EXACT, INPUT, address(0), 0);
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceOracleEvents.DeadlineNotPassed.selector, 1, task.deadlineBlock)
        );
        oracle.expireTask(task);
        vm.roll(task.deadlineBlock + 1);
        uint256 before = requester.balance;
        vm.expectEmit(address(oracle));
        emit IInferenceOracleEvents.TaskExpired(1, _taskHash(task), requester, FEE);
        oracle.expireTask(task);
        assertEq(requester.balance, before + FEE, "refunded");
        assertEq(oracle.escrowedFees(), 0, "escrow released");
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracleEvents.TaskNotPending.selector, 1, TaskStatus.Expired));
        oracle.expireTask(task);
        assertEq(requester.balance, before + FEE, "refunded once");
        NonSignerStakesAndSignature memory p;
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracleEvents.TaskNotPending.selector, 1, TaskStatus.Expired));
        oracle.respondToTask(task, hex"01", p);
    }

    function test_expire_cannotRefundAnsweredTask() public {
        Task memory task = _request(MODEL_EXACT, INPUT, address(0), 0);
        _respond(task, _output(_vals(1, 2, 3)), _all(true));
        vm.roll(task.deadlineBlock + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceOracleEvents.TaskNotPending.selector, 1, TaskStatus.Responded)
        );
        oracle.expireTask(task);
    }

    function test_expire_creditsRefundThatCannotBePushed() public {
        HungryRequester hungry = new HungryRequester();
        vm.deal(address(hungry), 1 ether);
        vm.recordLogs();
        hungry.call(
            address(oracle),
            FEE,
            abi.encodeCall(IInferenceOracle.requestInference, (MODEL_EXACT, INPUT, address(0), uint32(0)))
        );
        Task memory task = _lastTask();
        vm.roll(task.deadlineBlock + 1);
        vm.expectEmit(address(oracle));
        emit IInferenceOracleEvents.RefundCredited(address(hungry), FEE);
        oracle.expireTask(task);
        assertEq(oracle.pendingRefunds(address(hungry)), FEE, "credited");
        assertEq(oracle.escrowedFees(), FEE, "still held");
        hungry.call(address(oracle), 0, abi.encodeCall(oracle.withdrawRefund, ()));
        assertEq(address(hungry).balance, 1 ether, "pulled back");
        assertEq(oracle.escrowedFees(), 0, "released");
    }

    function test_withdrawFees_onlyEarned() public {
        Task memory t1 = _request(MODEL_EXACT, INPUT, address(0), 0);
        _request(MODEL_EXACT, INPUT, address(0), 0); // stays pending
        _respond(t1, _output(_vals(1, 2, 3)), _all(true));
        vm.expectRevert(IInferenceOracleEvents.NothingToWithdraw.selector);
        oracle.withdrawFees(payable(address(0xFEE)), FEE + 1);
        oracle.withdrawFees(payable(address(0xFEE)), FEE);
        assertEq(address(0xFEE).balance, FEE, "earned fee withdrawn");
        assertEq(address(oracle).balance, FEE, "pending task's fee stays");
    }

    // ---- callbacks ----

    function test_callback_receivesOutput() public {
        RecordingConsumer c = new RecordingConsumer();
        Task memory task = _request(MODEL_EXACT, INPUT, address(c), 200_000);
        bytes memory out = _output(_vals(7, 8, 9));
        vm.expectEmit(address(oracle));
        emit IInferenceOracleEvents.CallbackResult(1, address(c), true);
        _respond(task, out, _all(true));
        assertEq(c.lastTaskId(), 1, "task id delivered");
        assertEq(c.lastOutput(), out, "output delivered");
    }

    function test_callback_revertingConsumerDoesNotBlock() public {
        RevertingConsumer c = new RevertingConsumer();
        Task memory task = _request(MODEL_EXACT, INPUT, address(c), 200_000);
        vm.expectEmit(address(oracle));
        emit IInferenceOracleEvents.CallbackResult(1, address(c), false);
        _respond(task, _output(_vals(1, 2, 3)), _all(true));
        (TaskStatus st,) = oracle.taskStatus(1);
        assertEq(uint8(st), uint8(TaskStatus.Responded), "responded anyway");
    }

    function test_callback_gasBurningConsumerDoesNotBlock() public {
        GasBurningConsumer c = new GasBurningConsumer();
        Task memory task = _request(MODEL_EXACT, INPUT, address(c), 1_000_000);
        vm.expectEmit(address(oracle));
        emit IInferenceOracleEvents.CallbackResult(1, address(c), false);
        _respond(task, _output(_vals(1, 2, 3)), _all(true));
        (TaskStatus st,) = oracle.taskStatus(1);
        assertEq(uint8(st), uint8(TaskStatus.Responded), "responded anyway");
    }

    function test_callback_notEnoughGasForTheCapReverts() public {
        GasBurningConsumer c = new GasBurningConsumer();
        Task memory task = _request(MODEL_EXACT, INPUT, address(c), 1_000_000);
        bytes memory out = _output(_vals(1, 2, 3));
        NonSignerStakesAndSignature memory p = _sign(task, _digest(task, out), _all(true));
        // too little gas to honour the consumer's cap: the whole response reverts (the submitter retries with more)
        (bool ok, bytes memory ret) =
            address(oracle).call{gas: 600_000}(abi.encodeCall(oracle.respondToTask, (task, out, p)));
        assertFalse(ok, "reverted");
        assertEq(bytes4(ret), IInferenceOracleEvents.InsufficientGasForCallback.selector, "with a clear error");
        (TaskStatus st,) = oracle.taskStatus(1);
        assertEq(uint8(st), uint8(TaskStatus.Pending), "still pending");
    }
}
