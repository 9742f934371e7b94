// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @dev 1e18: magnitudes and slashing fractions are in WAD.
uint64 constant WAD = 1e18;

/// @notice The fixed-point helpers EigenLayer's SlashingLib uses, with the same rounding, so amounts computed by the
/// devnet core match the real core's.
library SlashingMath {
    /// @dev x * y / WAD, rounded down.
    function mulWad(uint256 x, uint256 y) internal pure returns (uint256) {
        return Math.mulDiv(x, y, WAD);
    }

    /// @dev x * WAD / y, rounded down.
    function divWad(uint256 x, uint256 y) internal pure returns (uint256) {
        return Math.mulDiv(x, WAD, y);
    }

    /// @dev x * y / WAD, rounded up (slashing rounds the slashed magnitude up).
    function mulWadRoundUp(uint256 x, uint256 y) internal pure returns (uint256) {
        return Math.mulDiv(x, y, WAD, Math.Rounding.Ceil);
    }

    /// @notice Shares an operator loses when its max magnitude falls from `prevMaxMagnitude` to `newMaxMagnitude`:
    /// shares - ceil(shares * new / prev), so the operator is never over-slashed by rounding.
    function calcSlashedAmount(uint256 operatorShares, uint256 prevMaxMagnitude, uint256 newMaxMagnitude)
        internal
        pure
        returns (uint256)
    {
        return operatorShares - Math.mulDiv(operatorShares, newMaxMagnitude, prevMaxMagnitude, Math.Rounding.Ceil);
    }

    /// @notice A staker's withdrawable shares: deposit shares scaled by its deposit scaling factor and by the
    /// slashing factor (its operator's max magnitude).
    function calcWithdrawable(uint256 depositShares, uint256 depositScalingFactor, uint256 slashingFactor)
        internal
        pure
        returns (uint256)
    {
        return mulWad(mulWad(depositShares, depositScalingFactor), slashingFactor);
    }

    /// @notice The deposit scaling factor after adding `addedShares` to `prevDepositShares`, chosen so that new
    /// shares are worth their face value now while earlier shares keep the slashing already applied to them.
    function updatedScalingFactor(
        uint256 prevScalingFactor,
        uint256 prevDepositShares,
        uint256 addedShares,
        uint256 slashingFactor
    ) internal pure returns (uint256) {
        if (prevDepositShares == 0) return divWad(WAD, slashingFactor);
        uint256 current = calcWithdrawable(prevDepositShares, prevScalingFactor, slashingFactor);
        return divWad(divWad(current + addedShares, prevDepositShares + addedShares), slashingFactor);
    }
}
