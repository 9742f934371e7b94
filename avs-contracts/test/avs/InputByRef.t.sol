// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {AvsFixture} from "./utils/AvsFixture.sol";
import {Vm} from "../utils/Vm.sol";
import {IInferenceOracleEvents} from "../../src/interfaces/IInferenceOracle.sol";
import {IModelRegistry} from "../../src/interfaces/IModelRegistry.sol";

/// @notice requestInferenceByRef (docs/protocol.md "Inputs by reference"): the task commits to the given inputHash,
/// TaskCreated's input is the reference descriptor (0x0001 ‖ blob versioned hashes, or 0x0002 ‖ uri), and the task
/// lives (responds, expires, refunds) exactly like an inline one.
contract InputByRefTest is AvsFixture {
    bytes32 internal constant INPUT_HASH = keccak256("the input bytes");

    function setUp() public {
        _deployAvs();
        for (uint256 i; i < 4; ++i) {
            _addOperator(i, 1 ether, _ids(0), 1e18);
        }
        _useQuorums(hex"00", _bps1(6667));
        vm.roll(block.number + 1);
    }

    function _requestByRef(bytes memory uri) internal returns (Task memory task, bytes memory input) {
        vm.recordLogs();
        vm.prank(requester);
        oracle.requestInferenceByRef{value: FEE}(MODEL_EXACT, INPUT_HASH, uri, address(0), 0);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i = logs.length; i > 0; --i) {
            if (logs[i - 1].emitter == address(oracle)) {
                (task, input) = abi.decode(logs[i - 1].data, (Task, bytes));
                return (task, input);
            }
        }
        revert("no TaskCreated");
    }

    function test_uri_descriptorAndHash() public {
        (Task memory task, bytes memory input) = _requestByRef(bytes("ipfs://bafkreigh2akiscaildc/input.bin"));
        assertEq(task.inputHash, INPUT_HASH, "task commits to the given hash");
        assertEq(input, bytes.concat(hex"0002", bytes("ipfs://bafkreigh2akiscaildc/input.bin")), "uri descriptor");
        assertEq(task.fee, FEE, "fee");
        assertEq(oracle.escrowedFees(), FEE, "fee held");
    }

    function test_blob_bindsVersionedHashes() public {
        bytes32[] memory hashes = new bytes32[](3);
        hashes[0] = bytes32(uint256(0x01) << 248 | 1);
        hashes[1] = bytes32(uint256(0x01) << 248 | 2);
        hashes[2] = bytes32(uint256(0x01) << 248 | 3);
        vm.blobhashes(hashes);
        (Task memory task, bytes memory input) = _requestByRef("");
        assertEq(task.inputHash, INPUT_HASH, "task commits to the given hash");
        assertEq(input, abi.encodePacked(hex"0001", hashes[0], hashes[1], hashes[2]), "blob descriptor, in order");
    }

    function test_blob_oneHash() public {
        bytes32[] memory hashes = new bytes32[](1);
        hashes[0] = bytes32(uint256(0x01) << 248 | 0xabc);
        vm.blobhashes(hashes);
        (, bytes memory input) = _requestByRef("");
        assertEq(input, abi.encodePacked(hex"0001", hashes[0]), "one blob");
    }

    function test_blob_noBlobReverts() public {
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracleEvents.InvalidInputSize.selector, 0, 0));
        oracle.requestInferenceByRef{value: FEE}(MODEL_EXACT, INPUT_HASH, "", address(0), 0);
    }

    function test_uri_overCapReverts() public {
        uint32 cap = oracle.config().maxInputBytes;
        bytes memory uri = new bytes(cap - 1); // + 2 descriptor bytes = cap + 1
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracleEvents.InvalidInputSize.selector, cap + 1, cap));
        oracle.requestInferenceByRef{value: FEE}(MODEL_EXACT, INPUT_HASH, uri, address(0), 0);
    }

    function test_feeAndModelChecksApply() public {
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracleEvents.FeeTooLow.selector, FEE - 1, FEE));
        oracle.requestInferenceByRef{value: FEE - 1}(MODEL_EXACT, INPUT_HASH, "https://x/y", address(0), 0);
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.UnknownModel.selector, bytes32("nope")));
        oracle.requestInferenceByRef{value: FEE}(bytes32("nope"), INPUT_HASH, "https://x/y", address(0), 0);
    }

    function test_respondAndExpireLikeInline() public {
        (Task memory t1,) = _requestByRef(bytes("https://example.org/in.bin"));
        (Task memory t2,) = _requestByRef(bytes("https://example.org/in2.bin"));
        vm.roll(block.number + 1);
        bytes memory out = _output(_vals(1, 2, 3));
        oracle.respondToTask(t1, out, _sign(t1, _digest(t1, out), _all(true)));
        (TaskStatus st,) = oracle.taskStatus(t1.taskId);
        assertEq(uint8(st), uint8(TaskStatus.Responded), "by-ref task answered");
        vm.roll(t2.deadlineBlock + 1);
        uint256 before = requester.balance;
        oracle.expireTask(t2);
        assertEq(requester.balance, before + FEE, "refunded");
    }
}
