// SPDX-License-Identifier: MIT
// ABI-compatible with EigenLayer core v1.12.0 (mainnet) and v1.9.0-rc.0 (Sepolia, Hoodi); selectors checked by test/avs/EigenLayerCompat.t.sol, src/contracts/libraries/OperatorSetLib.sol.
pragma solidity ^0.8.27;

/// @notice An operator set is named by the AVS that owns it and a 32-bit id chosen by that AVS.
/// @dev Field order and types are part of the ABI (events and calls carry it as a (address,uint32) tuple).
struct OperatorSet {
    address avs;
    uint32 id;
}

/// @notice Packs an operator set into the single 32-byte key EigenLayer uses for storage and back.
/// @dev key = avs in the high 20 bytes, id in the low 4 bytes (abi.encodePacked(avs, uint96(id))).
library OperatorSetLib {
    function key(OperatorSet memory os) internal pure returns (bytes32) {
        return bytes32(abi.encodePacked(os.avs, uint96(os.id)));
    }

    function decode(bytes32 k) internal pure returns (OperatorSet memory) {
        return OperatorSet({avs: address(uint160(uint256(k) >> 96)), id: uint32(uint256(k) & type(uint96).max)});
    }
}
