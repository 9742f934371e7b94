// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {EnumerableMap} from "@openzeppelin/contracts/utils/structs/EnumerableMap.sol";
import {IStrategy} from "../interfaces/eigenlayer/IStrategy.sol";
import {IStrategyManager} from "../interfaces/eigenlayer/IStrategyManager.sol";
import {IShareManager} from "../interfaces/eigenlayer/IShareManager.sol";
import {IDelegationManager} from "../interfaces/eigenlayer/IDelegationManager.sol";
import {IAllocationManager} from "../interfaces/eigenlayer/IAllocationManager.sol";
import {OperatorSet, OperatorSetLib} from "../interfaces/eigenlayer/OperatorSetLib.sol";

/// @title StrategyManager (devnet)
/// @notice Takes staker deposits into whitelisted strategies, keeps each staker's deposit shares, and tells the
/// DelegationManager so the staker's operator is credited. Slashed shares are queued per (operator set, slash,
/// strategy) and sent to the burn address (or redistribution recipient) by the permissionless
/// `clearBurnOrRedistributableShares*` calls, as in EigenLayer v1.5.
/// Simplifications: no signature deposits, no EigenPods, not pausable or upgradeable.
contract StrategyManager is IStrategyManager, Ownable, ReentrancyGuard {
    using SafeERC20 for IERC20;
    using OperatorSetLib for OperatorSet;
    using EnumerableMap for EnumerableMap.AddressToUintMap;

    /// @dev EigenLayer caps the strategies one staker may hold.
    uint8 internal constant MAX_STAKER_STRATEGY_LIST_LENGTH = 32;

    IDelegationManager public immutable delegation;
    IAllocationManager public immutable allocationManager;

    address public strategyWhitelister;
    mapping(IStrategy => bool) public strategyIsWhitelistedForDeposit;
    mapping(address staker => mapping(IStrategy => uint256)) public stakerDepositShares;
    mapping(address staker => IStrategy[]) internal _stakerStrategyList;
    /// operator set key => slash id => strategy => shares awaiting burn/redistribution
    mapping(bytes32 => mapping(uint256 => EnumerableMap.AddressToUintMap)) internal _burnOrRedistributableShares;

    modifier onlyStrategyWhitelister() {
        require(msg.sender == strategyWhitelister, OnlyStrategyWhitelister());
        _;
    }

    modifier onlyDelegationManager() {
        require(msg.sender == address(delegation), OnlyDelegationManager());
        _;
    }

    /// @param _strategyWhitelister may whitelist strategies; the deployer owns the contract and may replace it.
    constructor(IAllocationManager _allocationManager, IDelegationManager _delegation, address _strategyWhitelister)
        Ownable(msg.sender)
    {
        allocationManager = _allocationManager;
        delegation = _delegation;
        _setStrategyWhitelister(_strategyWhitelister);
    }

    // ---- stakers ----

    /// @inheritdoc IStrategyManager
    function depositIntoStrategy(IStrategy strategy, IERC20 token, uint256 amount)
        external
        nonReentrant
        returns (uint256 depositShares)
    {
        require(strategyIsWhitelistedForDeposit[strategy], StrategyNotWhitelisted());
        token.safeTransferFrom(msg.sender, address(strategy), amount);
        depositShares = strategy.deposit(token, amount);
        (uint256 prevDepositShares, uint256 added) = _addShares(msg.sender, strategy, depositShares);
        delegation.increaseDelegatedShares(msg.sender, strategy, prevDepositShares, added);
    }

    // ---- DelegationManager hooks (IShareManager) ----

    /// @inheritdoc IShareManager
    function removeDepositShares(address staker, IStrategy strategy, uint256 depositSharesToRemove)
        external
        onlyDelegationManager
        returns (uint256)
    {
        require(depositSharesToRemove != 0, SharesAmountZero());
        uint256 current = stakerDepositShares[staker][strategy];
        require(depositSharesToRemove <= current, SharesAmountTooHigh());
        uint256 remaining = current - depositSharesToRemove;
        stakerDepositShares[staker][strategy] = remaining;
        if (remaining == 0) _removeStrategyFromStakerList(staker, strategy);
        return remaining;
    }

    /// @inheritdoc IShareManager
    function addShares(address staker, IStrategy strategy, uint256 shares)
        external
        onlyDelegationManager
        returns (uint256, uint256)
    {
        return _addShares(staker, strategy, shares);
    }

    /// @inheritdoc IShareManager
    function withdrawSharesAsTokens(address staker, IStrategy strategy, IERC20 token, uint256 shares)
        external
        onlyDelegationManager
    {
        strategy.withdraw(staker, token, shares);
    }

    /// @inheritdoc IShareManager
    function increaseBurnOrRedistributableShares(
        OperatorSet calldata operatorSet,
        uint256 slashId,
        IStrategy strategy,
        uint256 addedSharesToBurn
    ) external onlyDelegationManager {
        EnumerableMap.AddressToUintMap storage pending = _burnOrRedistributableShares[operatorSet.key()][slashId];
        (, uint256 existing) = pending.tryGet(address(strategy));
        pending.set(address(strategy), existing + addedSharesToBurn);
        emit BurnOrRedistributableSharesIncreased(operatorSet, slashId, strategy, addedSharesToBurn);
    }

    // ---- burning slashed shares ----

    /// @inheritdoc IStrategyManager
    function clearBurnOrRedistributableShares(OperatorSet calldata operatorSet, uint256 slashId)
        external
        nonReentrant
        returns (uint256[] memory amounts)
    {
        EnumerableMap.AddressToUintMap storage pending = _burnOrRedistributableShares[operatorSet.key()][slashId];
        address[] memory strategies = pending.keys();
        amounts = new uint256[](strategies.length);
        for (uint256 i = 0; i < strategies.length; ++i) {
            amounts[i] = _clear(operatorSet, slashId, IStrategy(strategies[i]));
        }
    }

    /// @inheritdoc IStrategyManager
    function clearBurnOrRedistributableSharesByStrategy(
        OperatorSet calldata operatorSet,
        uint256 slashId,
        IStrategy strategy
    ) external nonReentrant returns (uint256) {
        return _clear(operatorSet, slashId, strategy);
    }

    // ---- whitelist ----

    function setStrategyWhitelister(address newStrategyWhitelister) external onlyOwner {
        _setStrategyWhitelister(newStrategyWhitelister);
    }

    function addStrategiesToDepositWhitelist(IStrategy[] calldata strategiesToWhitelist)
        external
        onlyStrategyWhitelister
    {
        for (uint256 i = 0; i < strategiesToWhitelist.length; ++i) {
            IStrategy s = strategiesToWhitelist[i];
            if (!strategyIsWhitelistedForDeposit[s]) {
                strategyIsWhitelistedForDeposit[s] = true;
                emit StrategyAddedToDepositWhitelist(s);
            }
        }
    }

    function removeStrategiesFromDepositWhitelist(IStrategy[] calldata strategiesToRemoveFromWhitelist)
        external
        onlyStrategyWhitelister
    {
        for (uint256 i = 0; i < strategiesToRemoveFromWhitelist.length; ++i) {
            IStrategy s = strategiesToRemoveFromWhitelist[i];
            if (strategyIsWhitelistedForDeposit[s]) {
                strategyIsWhitelistedForDeposit[s] = false;
                emit StrategyRemovedFromDepositWhitelist(s);
            }
        }
    }

    // ---- views ----

    function getDeposits(address staker) external view returns (IStrategy[] memory strategies, uint256[] memory shares) {
        strategies = _stakerStrategyList[staker];
        shares = new uint256[](strategies.length);
        for (uint256 i = 0; i < strategies.length; ++i) {
            shares[i] = stakerDepositShares[staker][strategies[i]];
        }
    }

    function getStakerStrategyList(address staker) external view returns (IStrategy[] memory) {
        return _stakerStrategyList[staker];
    }

    function stakerStrategyListLength(address staker) external view returns (uint256) {
        return _stakerStrategyList[staker].length;
    }

    /// @notice Shares of `strategy` from slash `slashId` of `operatorSet` not yet burned; 0 when none are pending.
    function getBurnOrRedistributableShares(OperatorSet calldata operatorSet, uint256 slashId, IStrategy strategy)
        external
        view
        returns (uint256 shares)
    {
        (, shares) = _burnOrRedistributableShares[operatorSet.key()][slashId].tryGet(address(strategy));
    }

    // ---- internals ----

    function _addShares(address staker, IStrategy strategy, uint256 shares)
        internal
        returns (uint256 prevDepositShares, uint256 addedShares)
    {
        require(staker != address(0), StakerAddressZero());
        require(shares != 0, SharesAmountZero());
        prevDepositShares = stakerDepositShares[staker][strategy];
        if (prevDepositShares == 0) {
            require(_stakerStrategyList[staker].length < MAX_STAKER_STRATEGY_LIST_LENGTH, MaxStrategiesExceeded());
            _stakerStrategyList[staker].push(strategy);
        }
        stakerDepositShares[staker][strategy] = prevDepositShares + shares;
        emit Deposit(staker, strategy, shares);
        return (prevDepositShares, shares);
    }

    function _removeStrategyFromStakerList(address staker, IStrategy strategy) internal {
        IStrategy[] storage list = _stakerStrategyList[staker];
        uint256 n = list.length;
        for (uint256 i = 0; i < n; ++i) {
            if (list[i] == strategy) {
                list[i] = list[n - 1];
                list.pop();
                return;
            }
        }
        revert StrategyNotFound();
    }

    function _clear(OperatorSet calldata operatorSet, uint256 slashId, IStrategy strategy)
        internal
        returns (uint256 amountOut)
    {
        EnumerableMap.AddressToUintMap storage pending = _burnOrRedistributableShares[operatorSet.key()][slashId];
        (bool exists, uint256 shares) = pending.tryGet(address(strategy));
        if (!exists) return 0;
        pending.remove(address(strategy));
        if (shares != 0) {
            amountOut = strategy.sharesToUnderlyingView(shares);
            strategy.withdraw(allocationManager.getRedistributionRecipient(operatorSet), strategy.underlyingToken(), shares);
        }
        emit BurnOrRedistributableSharesDecreased(operatorSet, slashId, strategy, shares);
    }

    function _setStrategyWhitelister(address newStrategyWhitelister) internal {
        emit StrategyWhitelisterChanged(strategyWhitelister, newStrategyWhitelister);
        strategyWhitelister = newStrategyWhitelister;
    }
}
