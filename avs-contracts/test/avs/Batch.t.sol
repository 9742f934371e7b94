// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {AvsFixture} from "./utils/AvsFixture.sol";
import {RecordingConsumer} from "./utils/Consumers.sol";
import {BN254} from "../../src/avs/libraries/BN254.sol";
import {IInferenceOracleEvents} from "../../src/interfaces/IInferenceOracle.sol";

/// @notice respondToBatch and slashBatchDissenter (docs/protocol.md "Batch attestation"). Five operators with
/// equal stake in quorum 0, threshold 60%.
contract BatchTest is AvsFixture {
    bytes internal constant INPUT = hex"0a0b0c";

    function setUp() public {
        _deployAvs();
        for (uint256 i; i < 5; ++i) {
            _addOperator(i, 10 ether, _ids(0), 1e18);
        }
        _useQuorums(hex"00", _bps1(6667));
        vm.roll(block.number + 1);
    }

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
}
