// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {AvsFixture} from "./utils/AvsFixture.sol";
import {BN254} from "../../src/avs/libraries/BN254.sol";
import {IInferenceOracleEvents} from "../../src/interfaces/IInferenceOracle.sol";
import {OperatorSet} from "../../src/interfaces/eigenlayer/OperatorSetLib.sol";

/// @notice slashDissenter for exact and tolerant models. Operators 0-3 sign the accepted output; operator 4 does
/// not sign it and signs a different one (the dissent).
contract SlashingTest is AvsFixture {
    bytes internal constant INPUT = hex"0a0b0c";
    address internal dissenter;

    function setUp() public {
        _deployAvs();
        for (uint256 i; i < 5; ++i) {
            _addOperator(i, 10 ether, _ids(0), 1e18);
        }
        dissenter = ops[4];
        _useQuorums(hex"00", _bps1(6667));
        vm.roll(block.number + 1);
    }

    /// @dev Responds to a new task of `model` with `accepted` signed by operators 0-3; returns the task and the
    /// signatory record hash.
    function _finalise(bytes32 model, bytes memory accepted) internal returns (Task memory task, bytes32 srh) {
        task = _request(model, INPUT, address(0), 0);
        bool[] memory signs = _all(true);
        signs[4] = false;
        NonSignerStakesAndSignature memory p = _sign(task, _digest(task, accepted), signs);
        oracle.respondToTask(task, accepted, p);
        bytes32[] memory ids = new bytes32[](1);
        ids[0] = BN254.hashG1(p.nonSignerPubkeys[0]);
        srh = keccak256(abi.encodePacked(task.referenceBlock, ids));
    }

    function _magnitude(address op) internal view returns (uint64) {
        return allocationManager.getAllocation(op, OperatorSet(address(oracle), 0), strategy).currentMagnitude;
    }

    function _stake(address op) internal view returns (uint96 s) {
        (, s) = registry.getOperatorStakeAt(registry.operatorIdOf(op), 0, uint32(block.number));
    }

    function test_exact_dissenterSlashedOnce() public {
        bytes memory accepted = _output(_vals(1, 2, 3));
        bytes memory dissent = _output(_vals(1, 2, 4));
        (Task memory task, bytes32 srh) = _finalise(MODEL_EXACT, accepted);
        BN254.G1Point memory sig = _signOne(dissenter, _digest(task, dissent));
        assertEq(_magnitude(dissenter), 1e18, "full allocation before");

        vm.expectEmit(address(oracle));
        emit IInferenceOracleEvents.DissenterSlashed(
            task.taskId, dissenter, registry.operatorIdOf(dissenter), keccak256(dissent), hex"00", SLASH_WAD
        );
        oracle.slashDissenter(task, accepted, srh, dissent, dissenter, sig);
        assertEq(_magnitude(dissenter), 0.9e18, "magnitude down by slashWad");
        assertLt(_stake(dissenter), 10 ether, "stake refreshed in the registry");
        assertTrue(oracle.isSlashed(task.taskId, dissenter), "recorded");

        vm.expectRevert(
            abi.encodeWithSelector(IInferenceOracleEvents.AlreadySlashed.selector, task.taskId, dissenter)
        );
        oracle.slashDissenter(task, accepted, srh, dissent, dissenter, sig);
    }

    function test_exact_signerOfAcceptedOutputIsNotSlashable() public {
        bytes memory accepted = _output(_vals(1, 2, 3));
        (Task memory task, bytes32 srh) = _finalise(MODEL_EXACT, accepted);
        BN254.G1Point memory sig = _signOne(ops[0], _digest(task, accepted));
        vm.expectRevert(IInferenceOracleEvents.SameOutput.selector);
        oracle.slashDissenter(task, accepted, srh, accepted, ops[0], sig);
        assertEq(_magnitude(ops[0]), 1e18, "untouched");
    }

    function test_tolerant_withinToleranceNotSlashable_beyondSlashed() public {
        bytes memory accepted = _output(_vals(100, 200, 300));
        (Task memory task, bytes32 srh) = _finalise(MODEL_TOLERANT, accepted);

        bytes memory close = _output(_vals(103, 197, 300)); // every element within ±3
        BN254.G1Point memory sig = _signOne(dissenter, _digest(task, close));
        vm.expectRevert(IInferenceOracleEvents.NotSlashable.selector);
        oracle.slashDissenter(task, accepted, srh, close, dissenter, sig);

        bytes memory far = _output(_vals(100, 196, 300)); // one element off by 4
        sig = _signOne(dissenter, _digest(task, far));
        oracle.slashDissenter(task, accepted, srh, far, dissenter, sig);
        assertEq(_magnitude(dissenter), 0.9e18, "slashed beyond tolerance");
    }

    /// A tolerant model's output of another length or header can never be the honest one: slashable.
    function test_tolerant_differentLengthOrHeaderSlashed() public {
        bytes memory accepted = _output(_vals(100, 200, 300));
        (Task memory task, bytes32 srh) = _finalise(MODEL_TOLERANT, accepted);
        bytes memory longer = abi.encodePacked(accepted, uint32(0));
        BN254.G1Point memory sig = _signOne(dissenter, _digest(task, longer));
        oracle.slashDissenter(task, accepted, srh, longer, dissenter, sig);
        assertEq(_magnitude(dissenter), 0.9e18, "slashed for a longer output");

        (Task memory task2, bytes32 srh2) = _finalise(MODEL_TOLERANT, accepted);
        bytes memory header = abi.encodePacked(accepted);
        header[1] = bytes1(uint8(header[1]) + 1); // another batch size in the header, same body
        sig = _signOne(dissenter, _digest(task2, header));
        oracle.slashDissenter(task2, accepted, srh2, header, dissenter, sig);
        assertEq(_magnitude(dissenter), 0.81e18, "slashed for another header");
    }

    /// A slash that takes no shares (the operator's deallocation completed after the reference block) is refused,
    /// not recorded: no DissenterSlashed, no isSlashed.
    function test_slashTakingNoSharesIsRefused() public {
        bytes memory accepted = _output(_vals(1, 2, 3));
        (Task memory task, bytes32 srh) = _finalise(MODEL_EXACT, accepted);
        _allocate(dissenter, OperatorSet(address(oracle), 0), strategy, 0); // full deallocation, no stake refresh
        vm.roll(block.number + DEALLOCATION_DELAY + 2); // it took effect; still within the challenge window
        bytes memory dissent = _output(_vals(9, 9, 9));
        BN254.G1Point memory sig = _signOne(dissenter, _digest(task, dissent));
        vm.expectRevert(IInferenceOracleEvents.NoSlashableStake.selector);
        oracle.slashDissenter(task, accepted, srh, dissent, dissenter, sig);
        assertFalse(oracle.isSlashed(task.taskId, dissenter), "not recorded as slashed");
    }

    function test_evidenceAfterWindowRejected() public {
        bytes memory accepted = _output(_vals(1, 2, 3));
        bytes memory dissent = _output(_vals(9, 9, 9));
        (Task memory task, bytes32 srh) = _finalise(MODEL_EXACT, accepted);
        uint256 last = block.number + CHALLENGE_WINDOW;
        BN254.G1Point memory sig = _signOne(dissenter, _digest(task, dissent));
        vm.roll(last + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceOracleEvents.ChallengeWindowClosed.selector, task.taskId, last)
        );
        oracle.slashDissenter(task, accepted, srh, dissent, dissenter, sig);
    }

    function test_forgedSignatureRejected() public {
        bytes memory accepted = _output(_vals(1, 2, 3));
        bytes memory dissent = _output(_vals(9, 9, 9));
        (Task memory task, bytes32 srh) = _finalise(MODEL_EXACT, accepted);
        BN254.G1Point memory forged = _signOne(ops[3], _digest(task, dissent)); // someone else's key
        vm.expectRevert(IInferenceOracleEvents.InvalidDissentSignature.selector);
        oracle.slashDissenter(task, accepted, srh, dissent, dissenter, forged);
        // a signature over the dissent for another task does not count either
        BN254.G1Point memory sig = _signOne(dissenter, keccak256("another digest"));
        vm.expectRevert(IInferenceOracleEvents.InvalidDissentSignature.selector);
        oracle.slashDissenter(task, accepted, srh, dissent, dissenter, sig);
        assertEq(_magnitude(dissenter), 1e18, "untouched");
    }

    function test_wrongAcceptedOutputOrRecordRejected() public {
        bytes memory accepted = _output(_vals(1, 2, 3));
        bytes memory dissent = _output(_vals(9, 9, 9));
        (Task memory task, bytes32 srh) = _finalise(MODEL_EXACT, accepted);
        BN254.G1Point memory sig = _signOne(dissenter, _digest(task, dissent));
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracleEvents.ResponseMismatch.selector, task.taskId));
        oracle.slashDissenter(task, _output(_vals(1, 2, 5)), srh, dissent, dissenter, sig);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracleEvents.ResponseMismatch.selector, task.taskId));
        oracle.slashDissenter(task, accepted, bytes32(uint256(srh) ^ 1), dissent, dissenter, sig);
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceOracleEvents.UnknownOperator.selector, address(0xBAD))
        );
        oracle.slashDissenter(task, accepted, srh, dissent, address(0xBAD), sig);
    }

    function test_operatorWithoutStakeAtReferenceNotSlashable() public {
        bytes memory accepted = _output(_vals(1, 2, 3));
        Task memory task = _request(MODEL_EXACT, INPUT, address(0), 0);
        address late = _addOperator(9, 10 ether, _ids(0), 1e18); // joined after the reference block
        vm.roll(block.number + 1);
        bool[] memory signs = _all(true);
        signs[4] = false;
        NonSignerStakesAndSignature memory p = _sign(task, _digest(task, accepted), signs);
        oracle.respondToTask(task, accepted, p);
        bytes32[] memory ids = new bytes32[](1);
        ids[0] = BN254.hashG1(p.nonSignerPubkeys[0]);
        bytes32 srh = keccak256(abi.encodePacked(task.referenceBlock, ids));
        bytes memory dissent = _output(_vals(9, 9, 9));
        BN254.G1Point memory sig = _signOne(late, _digest(task, dissent));
        vm.expectRevert(IInferenceOracleEvents.NoSlashableStake.selector);
        oracle.slashDissenter(task, accepted, srh, dissent, late, sig);
    }
}
