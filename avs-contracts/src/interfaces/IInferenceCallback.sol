// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @notice Implemented by a requester that wants the result pushed to it. The oracle calls it once, with the
/// task's callbackGasLimit as gas cap; a revert or out-of-gas is recorded (CallbackResult) and ignored.
interface IInferenceCallback {
    /// @param taskId The task answered.
    /// @param output The canonical output bytes the quorum signed (docs/encoding.md).
    function onInferenceResult(uint64 taskId, bytes calldata output) external;
}
