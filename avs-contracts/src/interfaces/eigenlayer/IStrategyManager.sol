// SPDX-License-Identifier: MIT
// ABI-compatible with EigenLayer core v1.12.0 (mainnet) and v1.9.0-rc.0 (Sepolia, Hoodi); selectors checked by test/avs/EigenLayerCompat.t.sol, src/contracts/interfaces/IStrategyManager.sol
// (deposits, whitelisting and views; signature deposits, initialize and the ISemVerMixin getter are omitted).
pragma solidity ^0.8.27;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IStrategy} from "./IStrategy.sol";
import {IShareManager} from "./IShareManager.sol";
import {IDelegationManager} from "./IDelegationManager.sol";
import {OperatorSet} from "./OperatorSetLib.sol";

interface IStrategyManagerErrors {
    error MaxStrategiesExceeded();
    error OnlyDelegationManager();
    error OnlyStrategyWhitelister();
    error SharesAmountTooHigh();
    error SharesAmountZero();
    error StakerAddressZero();
    error StrategyNotFound();
    error StrategyNotWhitelisted();
}

interface IStrategyManagerEvents {
    /// @notice `staker` received `shares` new deposit shares in `strategy`.
    event Deposit(address staker, IStrategy strategy, uint256 shares);
    event StrategyWhitelisterChanged(address previousAddress, address newAddress);
    event StrategyAddedToDepositWhitelist(IStrategy strategy);
    event StrategyRemovedFromDepositWhitelist(IStrategy strategy);
    /// @notice Slashed shares were queued for burning or redistribution.
    event BurnOrRedistributableSharesIncreased(
        OperatorSet operatorSet, uint256 slashId, IStrategy strategy, uint256 shares
    );
    /// @notice Queued slashed shares were turned into tokens and sent to `recipient`.
    event BurnOrRedistributableSharesDecreased(
        OperatorSet operatorSet, uint256 slashId, IStrategy strategy, uint256 shares
    );
}

/// @notice Entry point for staker funds: deposits tokens into strategies and keeps each staker's deposit shares.
interface IStrategyManager is IStrategyManagerErrors, IStrategyManagerEvents, IShareManager {
    /// @notice Pulls `amount` of `token` from the caller into `strategy`; credits the caller and, when the
    /// caller is delegated, their operator.
    function depositIntoStrategy(IStrategy strategy, IERC20 token, uint256 amount)
        external
        returns (uint256 depositShares);

    function setStrategyWhitelister(address newStrategyWhitelister) external;
    function addStrategiesToDepositWhitelist(IStrategy[] calldata strategiesToWhitelist) external;
    function removeStrategiesFromDepositWhitelist(IStrategy[] calldata strategiesToRemoveFromWhitelist) external;

    /// @notice Sends every queued slashed share of one slash to the burn address (or redistribution recipient).
    /// Permissionless. Returns the tokens moved per strategy.
    function clearBurnOrRedistributableShares(OperatorSet calldata operatorSet, uint256 slashId)
        external
        returns (uint256[] memory);

    /// @notice The same for one strategy of that slash. Returns the tokens moved.
    function clearBurnOrRedistributableSharesByStrategy(OperatorSet calldata operatorSet, uint256 slashId, IStrategy strategy)
        external
        returns (uint256);

    function strategyIsWhitelistedForDeposit(IStrategy strategy) external view returns (bool);
    function getDeposits(address staker) external view returns (IStrategy[] memory, uint256[] memory);
    function getStakerStrategyList(address staker) external view returns (IStrategy[] memory);
    function stakerStrategyListLength(address staker) external view returns (uint256);
    function delegation() external view returns (IDelegationManager);
    function strategyWhitelister() external view returns (address);
    function getBurnOrRedistributableShares(OperatorSet calldata operatorSet, uint256 slashId, IStrategy strategy)
        external
        view
        returns (uint256);
}
