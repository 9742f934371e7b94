// SPDX-License-Identifier: MIT
// ABI-compatible with EigenLayer core v1.12.0 (mainnet) and v1.9.0-rc.0 (Sepolia, Hoodi); selectors checked by test/avs/EigenLayerCompat.t.sol, src/contracts/interfaces/IStrategy.sol
// (the parts an AVS or a devnet uses; the ISemVerMixin `version()` getter is omitted).
pragma solidity ^0.8.27;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

interface IStrategyErrors {
    error OnlyStrategyManager();
    error NewSharesZero();
    error TotalSharesExceedsMax();
    error WithdrawalAmountExceedsTotalDeposits();
    error OnlyUnderlyingToken();
}

interface IStrategyEvents {
    /// @notice Underlying tokens per share, in WAD.
    event ExchangeRateEmitted(uint256 rate);
    /// @notice The strategy's token and its decimals, emitted when the strategy is set up.
    event StrategyTokenSet(IERC20 token, uint8 decimals);
}

/// @notice A vault for one ERC-20: the StrategyManager moves tokens in and out, and it prices shares.
interface IStrategy is IStrategyErrors, IStrategyEvents {
    /// @notice Called by the StrategyManager after it has transferred `amount` of `token` here; returns new shares.
    function deposit(IERC20 token, uint256 amount) external returns (uint256);

    /// @notice Called by the StrategyManager: burns `amountShares` and sends their tokens to `recipient`; returns the
    /// amount of tokens sent.
    function withdraw(address recipient, IERC20 token, uint256 amountShares) external returns (uint256);

    function sharesToUnderlying(uint256 amountShares) external returns (uint256);
    function underlyingToShares(uint256 amountUnderlying) external returns (uint256);
    function userUnderlying(address user) external returns (uint256);
    function shares(address user) external view returns (uint256);
    function sharesToUnderlyingView(uint256 amountShares) external view returns (uint256);
    function underlyingToSharesView(uint256 amountUnderlying) external view returns (uint256);
    function userUnderlyingView(address user) external view returns (uint256);
    function underlyingToken() external view returns (IERC20);
    function totalShares() external view returns (uint256);
    function explanation() external view returns (string memory);
}
