// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @notice What the InferenceOracle and the OperatorRegistry tell the RewardsVault (docs/protocol.md "Rewards").
interface IRewardsVault {
    /// @notice The oracle accepted a response (one task, or the answered tasks of one batch) worth `fees` wei.
    /// The submitter's gas (`gasUsed` so far, plus the transaction's base and calldata cost) is refunded first;
    /// the rest is shared per quorum of `quorumNumbers` among the members that signed, by their stake at
    /// `referenceBlock` (exactly, also when stakes changed since). `signedStake[i]` is the signature check's signed
    /// stake in quorum i; `nonSignerIds` its non-signers (operatorIds, ascending). Only the oracle; never reverts for
    /// the oracle's inputs.
    function accrue(
        address submitter,
        uint256 gasUsed,
        uint256 calldataLength,
        uint256 fees,
        bytes calldata quorumNumbers,
        uint32 referenceBlock,
        uint96[] calldata signedStake,
        bytes32[] calldata nonSignerIds
    ) external;

    /// @notice The registry recorded `stake` for `operatorId` (`operator`) in `quorum` (member = false: it left).
    /// A report of the stake already recorded is not a change. Only the registry.
    function onStakeChange(bytes32 operatorId, address operator, uint8 quorum, bool member, uint96 stake) external;
}
