// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {InferenceOracle} from "../../../src/avs/InferenceOracle.sol";
import {IAllocationManager} from "../../../src/interfaces/eigenlayer/IAllocationManager.sol";
import {IOperatorRegistry} from "../../../src/interfaces/IOperatorRegistry.sol";
import {IModelRegistry} from "../../../src/interfaces/IModelRegistry.sol";

/// @notice Test-only: the oracle's batch internals (task hash, tree root, proof verification) as external calls,
/// so golden vectors can be checked against exactly the code respondToBatch and slashBatchDissenter run.
contract BatchHarness is InferenceOracle {
    constructor()
        InferenceOracle(
            IAllocationManager(address(1)),
            IOperatorRegistry(address(2)),
            IModelRegistry(address(3)),
            msg.sender,
            Config(10, 10, 20, 100, 100)
        )
    {}

    function hashTask(Task calldata task) external pure returns (bytes32) {
        return _hashTask(task);
    }

    function batchRoot(Task[] calldata tasks, bytes[] calldata outputs) external pure returns (bytes32 root) {
        (root,) = _batchRoot(tasks, outputs);
    }

    function leaf(bytes32 taskHash, bytes32 outputHash) external pure returns (bytes32) {
        return _leaf(taskHash, outputHash);
    }

    function rootFromProof(bytes32 leaf_, BatchProof calldata proof) external pure returns (bytes32) {
        return _rootFromProof(leaf_, proof);
    }
}
