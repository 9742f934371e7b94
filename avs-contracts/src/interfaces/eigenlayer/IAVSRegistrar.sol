// SPDX-License-Identifier: MIT
// ABI-compatible with EigenLayer core v1.12.0 (mainnet) and v1.9.0-rc.0 (Sepolia, Hoodi); selectors checked by test/avs/EigenLayerCompat.t.sol, src/contracts/interfaces/IAVSRegistrar.sol.
pragma solidity ^0.8.27;

/// @notice Implemented by an AVS (or a contract it names with AllocationManager.setAVSRegistrar) to admit
/// and release operators. The AllocationManager calls it; a revert undoes the whole (de)registration.
interface IAVSRegistrar {
    /// @notice An operator asked to join `operatorSetIds` of `avs`; `data` is whatever the operator passed.
    function registerOperator(address operator, address avs, uint32[] calldata operatorSetIds, bytes calldata data)
        external;

    /// @notice `operator` is leaving (or being removed from) `operatorSetIds` of `avs`.
    function deregisterOperator(address operator, address avs, uint32[] calldata operatorSetIds) external;

    /// @notice Whether this registrar serves `avs`; checked by AllocationManager.setAVSRegistrar.
    function supportsAVS(address avs) external view returns (bool);
}
