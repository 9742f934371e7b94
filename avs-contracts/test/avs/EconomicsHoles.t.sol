// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {AvsFixture} from "./utils/AvsFixture.sol";
import {IInferenceOracleEvents} from "../../src/interfaces/IInferenceOracle.sol";
import {BN254} from "../../src/avs/libraries/BN254.sol";
import {OperatorSet} from "../../src/interfaces/eigenlayer/OperatorSetLib.sol";

/// @notice One test per economics hole found in review (issue 16). Written against the API that existed before
/// the fix (new functions are reached by low-level calls), so each one compiles and FAILS on the code before it,
/// and passes after.
contract EconomicsHolesTest is AvsFixture {
    function setUp() public {
        _deployAvs();
    }

    /// Hole 1: a threshold at or below one half (here anything below 6667 bps) let a minority certificate win.
    function test_hole1_thresholdsMustExceedTwoThirds() public {
        for (uint256 i; i < 5; ++i) {
            _addOperator(i, 10 ether, _ids(0), 1e18);
        }
        uint16[4] memory refused = [uint16(1), 4000, 5000, 6666];
        for (uint256 k; k < refused.length; ++k) {
            (bool ok,) = address(oracle).call(abi.encodeCall(oracle.setQuorumConfig, (hex"00", _bps1(refused[k]))));
            assertFalse(ok, "a threshold below 6667 bps is refused");
        }
        _useQuorums(hex"00", _bps1(6667));
        vm.roll(block.number + 1);
        // a 40% coalition (operators 0 and 1) can no longer get its output accepted
        Task memory task = _request(MODEL_EXACT, hex"01", address(0), 0);
        bytes memory wrong = _output(_vals(6, 6, 6));
        bool[] memory signs = new bool[](5);
        signs[0] = signs[1] = true;
        NonSignerStakesAndSignature memory p = _sign(task, _digest(task, wrong), signs);
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceOracleEvents.ThresholdNotMet.selector, 0, 20 ether, 50 ether, 6667)
        );
        oracle.respondToTask(task, wrong, p);
    }

    /// Hole 2: an operator with a queued full deallocation kept its whole voting weight until the deallocation
    /// took effect (and could then dissent for free). Weighed with the look-ahead, it counts 0 from the refresh.
    function test_hole2_queuedDeallocationStopsCountingAtOnce() public {
        for (uint256 i; i < 4; ++i) {
            _addOperator(i, 10 ether, _ids(0), 1e18);
        }
        _useQuorums(hex"00", _bps1(6667));
        address exiting = ops[3];
        _allocate(exiting, OperatorSet(address(oracle), 0), strategy, 0); // due in DEALLOCATION_DELAY + 1 blocks
        vm.roll(block.number + 1);
        registry.updateOperators(_oneAddr(exiting));
        (bool member, uint96 stake) =
            registry.getOperatorStakeAt(registry.operatorIdOf(exiting), 0, uint32(block.number));
        assertTrue(member, "still a member");
        assertEq(stake, 0, "a queued full deallocation leaves no voting weight");
        (, uint96 total) = registry.getQuorumApkAt(0, uint32(block.number));
        assertEq(total, 30 ether, "total without it");

        // Its dissent on a task created now slashes nothing, and is refused instead of being recorded.
        vm.roll(block.number + 1);
        bytes memory out = _output(_vals(1, 2, 3));
        (Task memory task, bytes32 srh) = _respondWithout(3, out);
        bytes memory dissent = _output(_vals(9, 9, 9));
        vm.roll(block.number + DEALLOCATION_DELAY + 2); // the deallocation has taken effect
        BN254.G1Point memory sig = _signOne(exiting, _digest(task, dissent));
        vm.expectRevert(IInferenceOracleEvents.NoSlashableStake.selector);
        oracle.slashDissenter(task, out, srh, dissent, exiting, sig);
        assertFalse(oracle.isSlashed(task.taskId, exiting), "not recorded as slashed");
    }

    /// @dev A new task answered with `out` by everyone but operator `idx`; returns it and its signatory record.
    function _respondWithout(uint256 idx, bytes memory out) internal returns (Task memory task, bytes32 srh) {
        task = _request(MODEL_EXACT, hex"02", address(0), 0);
        bool[] memory signs = _all(true);
        signs[idx] = false;
        oracle.respondToTask(task, out, _sign(task, _digest(task, out), signs));
        bytes32[] memory nonSignerIds = new bytes32[](1);
        nonSignerIds[0] = registry.operatorIdOf(ops[idx]);
        srh = keccak256(abi.encodePacked(task.referenceBlock, nonSignerIds));
    }

    /// Hole 3: maxOperators was a hard cap: members whose stake fell to zero kept their slots for ever.
    function test_hole3_fullQuorumOfWithdrawnMembersAdmitsNewcomers() public {
        oracle.createQuorum(1, MIN_STAKE, 3, _strategyParams(1e18));
        address[3] memory squatters;
        for (uint256 i; i < 3; ++i) {
            squatters[i] = _addOperator(i, MIN_STAKE, _ids(1), 1e18);
            _allocate(squatters[i], OperatorSet(address(oracle), 1), strategy, 0); // withdraw from the set
        }
        vm.roll(block.number + DEALLOCATION_DELAY + 2);
        registry.updateOperators(ops);
        (,, uint32 count) = registry.quorumConfig(1);
        assertEq(count, 3, "full, with three members of stake 0");

        // anyone may eject a member below the minimum stake, through the AllocationManager
        (bool ok,) = address(registry).call(abi.encodeWithSignature("ejectBelowMinimumStake(address)", squatters[0]));
        assertTrue(ok, "permissionless ejection below the minimum stake");
        assertFalse(
            allocationManager.isMemberOfOperatorSet(squatters[0], OperatorSet(address(oracle), 1)),
            "deregistered in the core"
        );
        _addOperator(10, 5 ether, _ids(1), 1e18);

        // the quorum is full again: a newcomer with more stake replaces the smallest member (churn)
        address big = _addOperator(11, 7 ether, _ids(1), 1e18);
        (bool member,) = registry.getOperatorStakeAt(registry.operatorIdOf(big), 1, uint32(block.number));
        assertTrue(member, "newcomer admitted");
        (,, count) = registry.quorumConfig(1);
        assertEq(count, 3, "still three members");
        uint256 squattersLeft;
        for (uint256 i; i < 3; ++i) {
            if (allocationManager.isMemberOfOperatorSet(squatters[i], OperatorSet(address(oracle), 1))) ++squattersLeft;
        }
        assertEq(squattersLeft, 1, "one stake-0 squatter replaced");

        // the ejector role ejects any member
        (ok,) = address(registry).call(abi.encodeWithSignature("setEjector(address)", address(0xE1EC7)));
        assertTrue(ok, "owner names the ejector");
        vm.prank(address(0xE1EC7));
        (ok,) = address(registry).call(abi.encodeWithSignature("ejectOperator(address,bytes)", big, hex"01"));
        assertTrue(ok, "ejector ejects");
        assertFalse(allocationManager.isMemberOfOperatorSet(big, OperatorSet(address(oracle), 1)), "ejected");
    }

    /// Quorum totals overflowed uint96 with checked addition (Panic 0x11) for high-supply tokens.
    function test_quorumTotalDoesNotOverflowForHighSupplyTokens() public {
        uint256 huge = uint256(type(uint96).max) / 2 + 1; // two of these exceed uint96
        _addOperator(0, huge, _ids(0), 1e18);
        _addOperator(1, huge, _ids(0), 1e18); // reverted with Panic(0x11) before
        _addOperator(2, huge, _ids(0), 1e18);
        (, uint96 total) = registry.getQuorumApkAt(0, uint32(block.number));
        uint256 sum;
        for (uint256 i; i < 3; ++i) {
            (, uint96 s) = registry.getOperatorStakeAt(registry.operatorIdOf(ops[i]), 0, uint32(block.number));
            sum += s;
            assertGt(s, 0, "capped, not zero");
        }
        assertEq(total, sum, "total = sum of the recorded stakes");
    }
}
