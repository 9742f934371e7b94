// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IInferenceCallback} from "../../../src/interfaces/IInferenceCallback.sol";
import {IInputSource} from "../../../src/interfaces/IInputSource.sol";

/// @notice Callback consumers for tests: one that records, one that reverts, one that burns all its gas.
contract RecordingConsumer is IInferenceCallback {
    uint64 public lastTaskId;
    bytes public lastOutput;

    function onInferenceResult(uint64 taskId, bytes calldata output) external {
        lastTaskId = taskId;
        lastOutput = output;
    }
}

contract RevertingConsumer is IInferenceCallback {
    function onInferenceResult(uint64, bytes calldata) external pure {
        revert("consumer says no");
    }
}

contract GasBurningConsumer is IInferenceCallback {
    uint256 public counter;

    function onInferenceResult(uint64, bytes calldata) external {
        while (true) {
            ++counter;
        }
    }
}

/// @notice A requester whose receive() needs more gas than a pushed refund gets.
contract HungryRequester {
    uint256 public sink;

    receive() external payable {
        for (uint256 i; i < 100; ++i) {
            sink += i + 1;
        }
    }

    function call(address target, uint256 value, bytes calldata data) external returns (bytes memory) {
        (bool ok, bytes memory ret) = target.call{value: value}(data);
        if (!ok) {
            assembly {
                revert(add(ret, 0x20), mload(ret))
            }
        }
        return ret;
    }
}

contract FixedInputSource is IInputSource {
    bytes public input;

    function set(bytes calldata i) external {
        input = i;
    }

    function currentInput() external view returns (bytes memory) {
        return input;
    }
}

/// @notice A callback consumer that does nothing (gas benchmarks).
contract NoopConsumer is IInferenceCallback {
    function onInferenceResult(uint64, bytes calldata) external {}
}
