// SPDX-License-Identifier: MIT
// ABI-compatible with EigenLayer core v1.12.0 (mainnet) and v1.9.0-rc.0 (Sepolia, Hoodi); selectors checked by test/avs/EigenLayerCompat.t.sol, src/contracts/interfaces/IShareManager.sol
// (core-internal: called by the DelegationManager; an AVS never calls it).
pragma solidity ^0.8.27;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IStrategy} from "./IStrategy.sol";
import {OperatorSet} from "./OperatorSetLib.sol";

interface IShareManager {
    function removeDepositShares(address staker, IStrategy strategy, uint256 depositSharesToRemove)
        external
        returns (uint256);
    function addShares(address staker, IStrategy strategy, uint256 shares) external returns (uint256, uint256);
    function withdrawSharesAsTokens(address staker, IStrategy strategy, IERC20 token, uint256 shares) external;
    function stakerDepositShares(address user, IStrategy strategy) external view returns (uint256 depositShares);

    /// @notice Records shares slashed from an operator so they can later be burned (or redistributed).
    function increaseBurnOrRedistributableShares(
        OperatorSet calldata operatorSet,
        uint256 slashId,
        IStrategy strategy,
        uint256 addedSharesToBurn
    ) external;
}
