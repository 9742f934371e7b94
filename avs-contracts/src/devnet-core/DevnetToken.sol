// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title DevnetToken
/// @notice An 18-decimal ERC-20 that anyone can mint: the staking asset of devnets and tests. Never deploy it on a
/// public network.
contract DevnetToken is ERC20 {
    constructor(string memory name_, string memory symbol_) ERC20(name_, symbol_) {}

    /// @notice Mints `amount` to `to`; open to any caller (devnet faucet).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
