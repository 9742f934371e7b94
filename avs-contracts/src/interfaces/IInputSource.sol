// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @notice An on-chain source of a feed's model input, read when a feed round is requested (e.g. a contract that
/// encodes recent prices as the model's canonical input bytes, docs/encoding.md).
interface IInputSource {
    /// @notice The canonical input bytes for a round requested now.
    function currentInput() external view returns (bytes memory);
}
