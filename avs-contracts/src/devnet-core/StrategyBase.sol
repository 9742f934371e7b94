// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IERC20, IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IStrategy} from "../interfaces/eigenlayer/IStrategy.sol";
import {IStrategyManager} from "../interfaces/eigenlayer/IStrategyManager.sol";

/// @title StrategyBase (devnet)
/// @notice A vault for one ERC-20 behind the StrategyManager. Simplification: one share per token unit, always
/// (EigenLayer's StrategyBase prices shares from its balance with a virtual offset); tokens sent here directly are
/// not counted. Only the StrategyManager moves funds.
contract StrategyBase is IStrategy {
    using SafeERC20 for IERC20;

    uint256 internal constant RATE_ONE_TO_ONE = 1e18;

    IStrategyManager public immutable strategyManager;
    IERC20 public immutable underlyingToken;

    uint256 public totalShares;

    modifier onlyStrategyManager() {
        require(msg.sender == address(strategyManager), OnlyStrategyManager());
        _;
    }

    constructor(IStrategyManager _strategyManager, IERC20 _underlyingToken) {
        strategyManager = _strategyManager;
        underlyingToken = _underlyingToken;
        emit StrategyTokenSet(_underlyingToken, IERC20Metadata(address(_underlyingToken)).decimals());
    }

    /// @inheritdoc IStrategy
    function deposit(IERC20 token, uint256 amount) external onlyStrategyManager returns (uint256 newShares) {
        require(token == underlyingToken, OnlyUnderlyingToken());
        newShares = amount;
        require(newShares != 0, NewSharesZero());
        totalShares += newShares;
        emit ExchangeRateEmitted(RATE_ONE_TO_ONE);
    }

    /// @inheritdoc IStrategy
    function withdraw(address recipient, IERC20 token, uint256 amountShares)
        external
        onlyStrategyManager
        returns (uint256 amountOut)
    {
        require(token == underlyingToken, OnlyUnderlyingToken());
        require(amountShares <= totalShares, WithdrawalAmountExceedsTotalDeposits());
        totalShares -= amountShares;
        amountOut = amountShares; // 1:1 exchange rate
        underlyingToken.safeTransfer(recipient, amountOut);
        emit ExchangeRateEmitted(RATE_ONE_TO_ONE);
    }

    function sharesToUnderlying(uint256 amountShares) external pure returns (uint256) {
        return amountShares;
    }

    function underlyingToShares(uint256 amountUnderlying) external pure returns (uint256) {
        return amountUnderlying;
    }

    function userUnderlying(address user) external view returns (uint256) {
        return shares(user);
    }

    /// @notice The user's deposit shares as recorded by the StrategyManager (before any slashing factor).
    function shares(address user) public view returns (uint256) {
        return strategyManager.stakerDepositShares(user, this);
    }

    function sharesToUnderlyingView(uint256 amountShares) external pure returns (uint256) {
        return amountShares;
    }

    function underlyingToSharesView(uint256 amountUnderlying) external pure returns (uint256) {
        return amountUnderlying;
    }

    function userUnderlyingView(address user) external view returns (uint256) {
        return shares(user);
    }

    function explanation() external pure returns (string memory) {
        return "Devnet strategy: one share per unit of the underlying ERC-20.";
    }
}
